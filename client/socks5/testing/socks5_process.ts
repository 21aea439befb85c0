/**
 * Test and benchmark support: runs `nym-node client socks5` as a separate process (with the
 * daemon's permissions) in a temporary client home, waits for its ready file, and stops it
 * with SIGTERM (SIGKILL after 10 s). Plus a `curl` runner for going through it.
 *
 * @module
 */
import { DAEMON_PERMISSIONS } from "../../../node/permissions.ts";

const MAIN = new URL("../../../main.ts", import.meta.url).pathname;

/** Options of {@linkcode startSocks5Process}. */
export interface Socks5ProcessOptions {
  readonly nymApi: string;
  /** The network requester's address. */
  readonly provider: string;
  /** Base58 identity of the gateway to register with. */
  readonly gateway?: string;
  /** More flags (`--low-latency`, `--connect-timeout 5s`, ...). */
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
}

/** A running SOCKS5 client process. */
export interface Socks5Process {
  /** `127.0.0.1:<port>` */
  readonly socks5: string;
  /** The client's Nym address. */
  readonly address: string;
  /** Its output so far (for failure messages). */
  output(): string;
  /** SIGTERM, wait, remove the home; resolves with the exit code. */
  stop(): Promise<number>;
}

/**
 * Starts `nym-node client socks5 --port 0` and waits until it listens.
 *
 * @example
 * ```ts no-eval
 * const proxy = await startSocks5Process({ nymApi, provider, args: ["--low-latency"] });
 * try { await curl(["--socks5-hostname", proxy.socks5, url]); } finally { await proxy.stop(); }
 * ```
 */
export async function startSocks5Process(options: Socks5ProcessOptions): Promise<Socks5Process> {
  const home = await Deno.makeTempDir({ prefix: "socks5-client-" });
  const readyFile = `${home}/ready.json`;
  const args = [
    "run",
    ...DAEMON_PERMISSIONS,
    MAIN,
    "client",
    "socks5",
    "--provider",
    options.provider,
    "--nym-api-urls",
    options.nymApi,
    "--port",
    "0",
    "--ready-file",
    readyFile,
    ...(options.gateway ? ["--gateway", options.gateway] : []),
    ...(options.args ?? []),
  ];
  const env: Record<string, string> = { NO_COLOR: "1", NYM_SOCKS5_CLIENTS_HOME: home };
  for (const key of ["HOME", "PATH", "DENO_DIR", "TMPDIR"]) {
    const value = Deno.env.get(key);
    if (value !== undefined) env[key] = value;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      output = (output + text).slice(-100_000);
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
        child.kill("SIGTERM");
      } catch { /* gone */ }
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 10_000);
    const s = await status;
    clearTimeout(timer);
    await pumps;
    await Deno.remove(home, { recursive: true }).catch(() => {});
    return s.code;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    for (;;) {
      try {
        const ready = JSON.parse(await Deno.readTextFile(readyFile));
        return { socks5: ready.socks5, address: ready.address, output: () => output, stop };
      } catch { /* not yet */ }
      if (exited) throw new Error(`nym-node client socks5 exited:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) {
        throw new Error(`nym-node client socks5 did not start:\n${output.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What {@linkcode curl} returns. */
export interface CurlResult {
  readonly code: number;
  readonly body: Uint8Array;
  readonly stderr: string;
  /** `-w` output (see {@linkcode curl}'s `writeOut`). */
  readonly writeOut: string;
  readonly seconds: number;
}

/**
 * Runs `/usr/bin/curl -sS <args>`; the body is captured from stdout. `writeOut` (curl `-w`)
 * goes to stderr's last line and is split off.
 *
 * @example
 * ```ts no-eval
 * const r = await curl(["--socks5-hostname", proxy.socks5, "http://localhost:8080/"]);
 * ```
 */
export async function curl(
  args: readonly string[],
  options: { writeOut?: string; maxTimeSeconds?: number } = {},
): Promise<CurlResult> {
  const started = performance.now();
  const marker = "\n@@curl-write-out@@";
  const out = await new Deno.Command("/usr/bin/curl", {
    args: [
      "-sS",
      "--max-time",
      String(options.maxTimeSeconds ?? 60),
      ...(options.writeOut ? ["-w", `%{stderr}${marker}${options.writeOut}`] : []),
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const stderrText = new TextDecoder().decode(out.stderr);
  const at = stderrText.lastIndexOf(marker);
  return {
    code: out.code,
    body: out.stdout,
    stderr: at < 0 ? stderrText : stderrText.slice(0, at),
    writeOut: at < 0 ? "" : stderrText.slice(at + marker.length),
    seconds: (performance.now() - started) / 1000,
  };
}
