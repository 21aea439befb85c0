/**
 * Test and benchmark support: runs `nym-node localnet` (a directory, mix nodes and gateways as
 * separate processes, `cli/localnet/`) in a temporary directory, waits for its
 * `localnet.json`, and stops every process afterwards. Loopback only.
 *
 * @module
 */
import type { LocalnetInfo } from "../../cli/localnet/localnet.ts";
import { DAEMON_PERMISSIONS } from "../../node/permissions.ts";

/** The `nym-node` entry point the localnet runs. */
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A running localnet. */
export interface Localnet {
  readonly dir: string;
  readonly info: LocalnetInfo;
  /** Kills a node process (by node directory name, e.g. `mix2`) with SIGKILL. */
  kill(name: string): Promise<void>;
  /** The node directory name (`mix1`, ...) of a node identity. */
  nameOf(identity: string): Promise<string>;
  /** The localnet's output so far (for failure messages). */
  output(): string;
  /** Stops every process and removes the directory. */
  stop(): Promise<void>;
}

/**
 * Starts a localnet with `mixnodes` mix nodes; rejects (after cleaning up) if it does not
 * become ready within `timeoutMs`.
 *
 * @example
 * ```ts no-eval
 * const net = await startLocalnet({ mixnodes: 6 });
 * try { ... net.info.nymApi ... } finally { await net.stop(); }
 * ```
 */
export async function startLocalnet(
  options: {
    mixnodes?: number;
    timeoutMs?: number;
    /** More `nym-node localnet` options, e.g. `["--epoch-duration", "3s"]`. */
    args?: readonly string[];
  } = {},
): Promise<Localnet> {
  const dir = await Deno.makeTempDir({ prefix: "client-localnet-" });
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (!k.startsWith("NYMNODE_") && !["NYM_API", "NYXD"].includes(k)) env[k] = v;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...DAEMON_PERMISSIONS,
      MAIN,
      "localnet",
      "--dir",
      dir,
      "--api-port",
      "0",
      "--mixnodes",
      String(options.mixnodes ?? 3),
      ...(options.args ?? []),
    ],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      output = (output + text).slice(-200_000);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGINT");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 15_000);
      await status;
      clearTimeout(timer);
    }
    await pumps;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  try {
    for (;;) {
      if (output.includes("localnet ready")) break;
      if (exited) throw new Error(`the localnet exited during start-up:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) {
        throw new Error(`the localnet did not start:\n${output.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const info = JSON.parse(await Deno.readTextFile(`${dir}/localnet.json`)) as LocalnetInfo;
    return {
      dir,
      info,
      async kill(name) {
        const ready = JSON.parse(await Deno.readTextFile(`${dir}/${name}/ready.json`));
        Deno.kill(ready.pid, "SIGKILL");
      },
      async nameOf(identity) {
        for await (const entry of Deno.readDir(dir)) {
          if (!entry.isDirectory) continue;
          try {
            const ready = JSON.parse(await Deno.readTextFile(`${dir}/${entry.name}/ready.json`));
            if (ready.identity_key === identity) return entry.name;
          } catch { /* not a node */ }
        }
        throw new Error(`no node with identity ${identity}`);
      },
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
