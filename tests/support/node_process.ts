/**
 * Test harness: runs `main.ts` as a real process with the daemon's permissions, in an isolated
 * environment (`NYMNODE_HOME` in a temporary directory, no inherited `NYMNODE_*` variables),
 * and finds a running node's ports through its `--ready-file`.
 *
 * @module
 */

export { DAEMON_PERMISSIONS } from "../../node/permissions.ts";
import { DAEMON_PERMISSIONS } from "../../node/permissions.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Output of a finished process. */
export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function isolatedEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (key.startsWith("NYMNODE_") || ["NYM_API", "NYXD", "UNSAFE_DISABLE_NOISE"].includes(key)) {
      continue;
    }
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/**
 * Runs `nym-node <args>` to completion.
 *
 * @example
 * ```ts no-eval
 * import { runNymNode } from "./node_process.ts";
 * const { code, stderr } = await runNymNode(["run", "--frobnicate"], { NYMNODE_HOME: home });
 * ```
 */
export async function runNymNode(
  args: readonly string[],
  env: Record<string, string>,
): Promise<ProcessResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...DAEMON_PERMISSIONS, MAIN, ...args],
    env: isolatedEnv(env),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** The `--ready-file` document. */
export interface ReadyFile {
  readonly pid: number;
  readonly identity_key: string;
  readonly modes: string[];
  readonly roles: string[];
  readonly listeners: Record<string, { hostname: string; port: number }>;
}

/** A running node process. */
export interface RunningProcess {
  /** The ready file's content. */
  readonly ready: ReadyFile;
  /** `http://127.0.0.1:<port>` of the HTTP API. */
  readonly baseUrl: string;
  /** Sends `signal` and waits for the exit; returns the exit code, output and time to exit. */
  stop(signal?: Deno.Signal): Promise<ProcessResult & { elapsedMs: number }>;
  /** Kills the process if it is still running (for `finally`). */
  kill(): Promise<void>;
}

/**
 * Starts `nym-node run <args> --ready-file <file>` and waits until the file appears.
 *
 * @example
 * ```ts no-eval
 * import { startNymNode } from "./node_process.ts";
 * const node = await startNymNode(home, ["--local", "--http-bind-address", "127.0.0.1:0"]);
 * try { await fetch(`${node.baseUrl}/api/v1/health`); } finally { await node.kill(); }
 * ```
 */
export async function startNymNode(
  home: string,
  runArgs: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<RunningProcess> {
  const readyFile = `${home}/ready-${crypto.randomUUID()}.json`;
  // Every listener binds an ephemeral loopback port unless the test chose one: tests run in
  // parallel and must never take the real default ports (1789, 1790, 9000) or leave loopback.
  const listenerDefaults: string[] = [];
  for (
    const flag of [
      "--http-bind-address",
      "--mixnet-bind-address",
      "--verloc-bind-address",
      "--entry-bind-address",
    ]
  ) {
    if (!runArgs.includes(flag)) listenerDefaults.push(flag, "127.0.0.1:0");
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...DAEMON_PERMISSIONS,
      MAIN,
      "run",
      ...listenerDefaults,
      ...runArgs,
      "--ready-file",
      readyFile,
    ],
    env: isolatedEnv({ NYMNODE_HOME: home, ...env }),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const decoder = new TextDecoder();
  const stdoutText = new Response(child.stdout).arrayBuffer();
  const stderrText = new Response(child.stderr).arrayBuffer();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const kill = async () => {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await status;
    await stdoutText;
    await stderrText;
  };
  const deadline = performance.now() + timeoutMs;
  let ready: ReadyFile | null = null;
  while (!ready) {
    if (exited || performance.now() > deadline) {
      await kill();
      const stderr = decoder.decode(await stderrText);
      throw new Error(`nym-node did not become ready (exited: ${exited}); stderr:\n${stderr}`);
    }
    try {
      ready = JSON.parse(await Deno.readTextFile(readyFile));
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const http = ready.listeners.http;
  return {
    ready,
    baseUrl: `http://127.0.0.1:${http.port}`,
    async stop(signal: Deno.Signal = "SIGTERM") {
      const started = performance.now();
      child.kill(signal);
      const { code } = await status;
      const elapsedMs = performance.now() - started;
      return {
        code,
        elapsedMs,
        stdout: decoder.decode(await stdoutText),
        stderr: decoder.decode(await stderrText),
      };
    },
    kill,
  };
}
