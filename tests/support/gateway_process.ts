/**
 * Test and benchmark support: one `nym-node run --mode entry-gateway --local` process on
 * loopback, with its home in a temporary directory, `[gateway_tasks.debug]` settings chosen by
 * the caller, and helpers to read its metrics, SIGKILL it and start it again on the same home
 * and ports (what an operator's restart after a crash does).
 *
 * @module
 */
import { decodeBase58 } from "../../crypto/mod.ts";
import type { NodeConfig } from "../../config/schema.ts";
import { loadConfig, saveConfig } from "../../config/io.ts";
import { type RunningProcess, runNymNode, startNymNode } from "./node_process.ts";
import { fetchSphinxKey, type GatewayHop } from "./mixnet_peer.ts";

/** The bearer token of the gateway's Prometheus endpoint. */
export const METRICS_TOKEN = "gateway-test-token";

/** Options of {@linkcode startGatewayProcess}. */
export interface GatewayProcessOptions {
  /** nym-api the node asks for its topology (see `fake_nym_api.ts`). */
  readonly nymApiUrl: string;
  /** Settings of `[gateway_tasks.debug]` to change before the first start. */
  readonly debug?: Partial<NodeConfig["gateway_tasks"]["debug"]>;
  /** `--log-level` (default `warning`). */
  readonly logLevel?: string;
}

/** A running gateway process. */
export interface GatewayProcess extends AsyncDisposable {
  /** The node's home. */
  readonly home: string;
  /** The current process. */
  readonly node: RunningProcess;
  /** Its ed25519 identity. */
  readonly identity: Uint8Array;
  /** Its Sphinx hop (mixnet port and key). */
  readonly hop: GatewayHop;
  /** `ws://127.0.0.1:<port>`. */
  readonly wsUrl: string;
  /** Its client WebSocket port. */
  readonly wsPort: number;
  /** The process id (changes on restart). */
  readonly pid: number;
  /**
   * Prometheus samples (`name{labels}` → value) from the node's `/metrics` (a redirect to
   * `/api/v1/metrics/prometheus`, served with the bearer token).
   */
  metrics(): Promise<Map<string, number>>;
  /** `/api/v1/metrics/sessions`. */
  sessions(): Promise<Record<string, number | string>>;
  /** SIGKILLs the process (no shutdown: what a crash or power loss leaves behind). */
  kill9(): Promise<void>;
  /** Starts the node again on the same home and ports. */
  restart(): Promise<void>;
  /** Stops the process (SIGTERM) and removes the home. */
  close(): Promise<void>;
}

/**
 * Parses a Prometheus text exposition into `name{labels}` → value.
 *
 * @example
 * ```ts
 * import { parsePrometheus } from "./gateway_process.ts";
 * parsePrometheus('a{k="v"} 3\n# HELP b\nb 1').get('a{k="v"}'); // 3
 * ```
 */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/**
 * Initialises and starts an entry gateway in a new temporary home.
 *
 * @example
 * ```ts no-eval
 * await using gateway = await startGatewayProcess({ nymApiUrl: api.url, debug: {
 *   maximum_stored_messages_per_client: 20 } });
 * ```
 */
export async function startGatewayProcess(
  options: GatewayProcessOptions,
): Promise<GatewayProcess> {
  const home = await Deno.makeTempDir({ prefix: "nym-gateway-test-" });
  const base = [
    "--local",
    "--mode",
    "entry-gateway",
    "--nym-api-urls",
    options.nymApiUrl,
    "--accept-operator-terms-and-conditions",
    "--http-access-token",
    METRICS_TOKEN,
    "--log-level",
    options.logLevel ?? "warning",
  ];
  let node: RunningProcess | null = null;
  try {
    const init = await runNymNode(
      ["run", ...base, "--init-only", "--http-bind-address", "127.0.0.1:0"],
      { NYMNODE_HOME: home },
    );
    if (init.code !== 0) throw new Error(`init failed:\n${init.stderr}`);
    const configFile = `${home}/config/config.toml`;
    const config = await loadConfig(configFile);
    Object.assign(config.gateway_tasks.debug, options.debug ?? {});
    await saveConfig(configFile, config);
    node = await startNymNode(home, base);
    const current = { node };
    const ports = node.ready.listeners;
    const bindArgs = [
      "--http-bind-address",
      `127.0.0.1:${ports.http.port}`,
      "--mixnet-bind-address",
      `127.0.0.1:${ports.mixnet.port}`,
      "--verloc-bind-address",
      `127.0.0.1:${ports.verloc.port}`,
      "--entry-bind-address",
      `127.0.0.1:${ports.entry.port}`,
    ];
    const hop: GatewayHop = {
      mixPort: ports.mixnet.port,
      sphinxKey: await fetchSphinxKey(node.baseUrl),
    };
    const close = async () => {
      await current.node.stop("SIGTERM").catch(() => {});
      await current.node.kill();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    };
    return {
      home,
      get node() {
        return current.node;
      },
      identity: decodeBase58(node.ready.identity_key, 32),
      hop,
      wsUrl: `ws://127.0.0.1:${ports.entry.port}`,
      wsPort: ports.entry.port,
      get pid() {
        return current.node.ready.pid;
      },
      async metrics() {
        const response = await fetch(`${current.node.baseUrl}/metrics`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        });
        if (!response.ok) throw new Error(`metrics: ${response.status}`);
        return parsePrometheus(await response.text());
      },
      async sessions() {
        return await (await fetch(`${current.node.baseUrl}/api/v1/metrics/sessions`)).json();
      },
      async kill9() {
        await current.node.kill();
      },
      async restart() {
        current.node = await startNymNode(home, [...base, ...bindArgs]);
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await node?.kill();
    await Deno.remove(home, { recursive: true }).catch(() => {});
    throw e;
  }
}
