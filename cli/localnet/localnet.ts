/**
 * A whole network on 127.0.0.1 in one command: a directory, `mixnodes` mix nodes, an entry
 * gateway and an exit gateway, each a separate `nym-node` process with its own home under
 * `dir`. The nodes are initialised with `--init-only` on first use, tuned for a fast test
 * network (5 s topology refresh), started on ephemeral ports, registered with the directory,
 * and the localnet waits until the directory serves every one of them with a role. Then it
 * writes `dir/localnet.json`, prints `localnet ready` and runs until `signal` aborts, when it
 * stops every child (nodes first, then the directory).
 *
 * With `credentials` (`--credentials`) it also starts 3 zk-nym signers with threshold 2
 * (`signers.ts`) right after the directory, starts the gateways with `--enforce-zk-nyms true`
 * and `--ecash-signer-urls`, and lists the signer URLs in `localnet.json` (`signers`).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { loadConfig, saveConfig } from "../../config/io.ts";
import { mixLayer, type SkimmedNode } from "../../directory/api/models.ts";
import { NymApiClient } from "../../directory/client.ts";
import {
  databasePath,
  defaultDirectoryConfig,
  DIRECTORY_CONFIG_FILE,
  loadDirectoryConfig,
  saveDirectoryConfig,
} from "../../directory/config.ts";
import { DirectoryStore } from "../../directory/store.ts";
import { DAEMON_PERMISSIONS } from "../../node/permissions.ts";
import { type Child, Supervisor } from "./supervisor.ts";
import { LOCALNET_SIGNER_THRESHOLD, LOCALNET_SIGNERS, startLocalnetSigners } from "./signers.ts";

/** The daemon's permissions and V8 settings (as `deno task start`). */
export const NODE_PERMISSIONS: readonly string[] = DAEMON_PERMISSIONS;

/** Thrown when the localnet cannot start. */
export class LocalnetError extends Error {
  override name = "LocalnetError";
}

/** `dir/localnet.json`. */
export interface LocalnetInfo {
  readonly nymApi: string;
  readonly gateways: readonly { identity: string; clientsWs: string; exit: boolean }[];
  readonly mixnodes: readonly { identity: string; layer: number }[];
  readonly networkRequester: string | null;
  /** zk-nym signer URLs (only with `--credentials`; the gateways then enforce zk-nyms). */
  readonly signers?: readonly string[];
}

/** Options of {@linkcode runLocalnet}. */
export interface LocalnetOptions {
  /** Home of the localnet (default `./localnet`). */
  readonly dir: string;
  /** Number of mix nodes (default 3, one per layer). */
  readonly mixnodes: number;
  /** Port of the directory (default 8000, the `--local` nodes' default nym-api; 0 = any). */
  readonly apiPort: number;
  /** Epoch length of a new localnet's directory, ms (default 5 min; an existing config is kept). */
  readonly epochDurationMs?: number;
  /** Epochs per sphinx key rotation of a new localnet's directory (default 12). */
  readonly validityEpochs?: number;
  /** Start zk-nym signers and make the gateways enforce zk-nyms (default false). */
  readonly credentials?: boolean;
  /**
   * Exit policy file of the exit gateway's network requester (default: the built-in policy).
   * The exit gateway always runs with `allow_local_ips = true`, so it can reach 127.0.0.1.
   */
  readonly exitPolicyFile?: string;
  /** How to run `nym-node` (default: this program, see {@linkcode selfCommand}). */
  readonly nodeCommand?: readonly string[];
  /** Stops the localnet once started (e.g. on SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
  /** Standard output (`localnet ready`). */
  readonly stdout: (text: string) => void;
  /** Where the combined child log goes (default: standard error). */
  readonly log?: (line: string) => void;
  /** How long to wait for the network to come up, ms (default 90 s). */
  readonly startTimeoutMs?: number;
}

/** One node of the localnet. */
interface NodePlan {
  readonly name: string;
  readonly mode: "mixnode" | "entry-gateway" | "exit-gateway";
  readonly home: string;
}

/**
 * The command that runs this program again: `deno run <permissions> [--config deno.json]
 * <main module>` under Deno, or the compiled binary itself.
 *
 * @example
 * ```ts no-eval
 * import { selfCommand } from "./localnet.ts";
 * const [command, ...args] = selfCommand();
 * ```
 */
export function selfCommand(): string[] {
  const exec = Deno.execPath();
  if (!/^deno(\.exe)?$/.test(basename(exec))) return [exec];
  const main = fileURLToPath(Deno.mainModule);
  const config = join(dirname(main), "deno.json");
  return [
    exec,
    "run",
    ...NODE_PERMISSIONS,
    ...(existsSync(config) ? ["--config", config] : []),
    main,
  ];
}

function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (key.startsWith("NYMNODE_") || ["NYM_API", "NYXD", "NYM_DIRECTORY_HOME"].includes(key)) {
      continue;
    }
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1" };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

async function waitForReadyFile<T>(
  path: string,
  child: Child,
  signal: AbortSignal,
  deadline: number,
): Promise<T> {
  while (true) {
    if (signal.aborted) throw new LocalnetError("interrupted");
    if (child.done) throw new LocalnetError(`${child.name} exited during start-up`);
    if (performance.now() > deadline) {
      throw new LocalnetError(`${child.name} did not start in time`);
    }
    try {
      return JSON.parse(await Deno.readTextFile(path)) as T;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function plan(dir: string, mixnodes: number): NodePlan[] {
  const nodes: NodePlan[] = [];
  for (let i = 1; i <= mixnodes; i++) {
    nodes.push({ name: `mix${i}`, mode: "mixnode", home: join(dir, `mix${i}`) });
  }
  nodes.push({ name: "entry", mode: "entry-gateway", home: join(dir, "entry") });
  nodes.push({ name: "exit", mode: "exit-gateway", home: join(dir, "exit") });
  return nodes;
}

/** The directory settings of a localnet: fast polling, short epochs, loopback allowed. */
async function ensureDirectoryConfig(
  configFile: string,
  epochs: { durationMs?: number; validity?: number },
): Promise<void> {
  if (existsSync(configFile)) {
    await loadDirectoryConfig(configFile); // validate
    return;
  }
  const config = defaultDirectoryConfig();
  config.network.local = true;
  config.epochs.epoch_duration = epochs.durationMs ?? 5 * 60_000;
  config.epochs.validity_epochs = epochs.validity ?? 12;
  config.polling.interval = 1000;
  config.polling.timeout = 3000;
  config.polling.down_after_failures = 2;
  config.polling.down_grace = 30_000;
  await saveDirectoryConfig(configFile, config);
}

/** Waits until every node is served with its role; returns the served lists. */
async function waitUntilServed(
  api: NymApiClient,
  identities: Map<string, NodePlan>,
  signal: AbortSignal,
  deadline: number,
): Promise<{ mixnodes: SkimmedNode[]; gateways: SkimmedNode[]; exits: SkimmedNode[] }> {
  let last = "";
  while (true) {
    if (signal.aborted) throw new LocalnetError("interrupted");
    try {
      const [mixnodes, gateways, exits] = await Promise.all([
        api.skimmedMixnodes(),
        api.skimmedEntryGateways(),
        api.skimmedExitGateways(),
      ]);
      const missing: string[] = [];
      for (const [identity, node] of identities) {
        const ok = (list: readonly SkimmedNode[], good: (n: SkimmedNode) => boolean) =>
          list.some((n) =>
            n.ed25519_identity_pubkey === identity && n.performance === "1" && good(n)
          );
        const served = node.mode === "mixnode"
          ? ok(mixnodes.nodes.data, (n) => mixLayer(n.role) !== null)
          : node.mode === "entry-gateway"
          ? ok(gateways.nodes.data, (n) => n.role === "EntryGateway")
          : ok(exits.nodes.data, (n) => n.role === "ExitGateway");
        if (!served) missing.push(node.name);
      }
      if (missing.length === 0) {
        return {
          mixnodes: [...mixnodes.nodes.data],
          gateways: [...gateways.nodes.data],
          exits: [...exits.nodes.data],
        };
      }
      last = `not served yet: ${missing.join(", ")}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (performance.now() > deadline) {
      throw new LocalnetError(`the directory does not serve every node in time (${last})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Runs the localnet until `options.signal` aborts (see the module documentation). Rejects with
 * {@linkcode LocalnetError} if it cannot start; every child is stopped in all cases.
 *
 * @example
 * ```ts no-eval
 * import { runLocalnet } from "./localnet.ts";
 * const stop = new AbortController();
 * await runLocalnet({ dir: "./localnet", mixnodes: 3, apiPort: 8000, signal: stop.signal, stdout: console.log });
 * ```
 */
export async function runLocalnet(options: LocalnetOptions): Promise<void> {
  const dir = resolve(options.dir);
  const [command, ...prefixArgs] = options.nodeCommand ?? selfCommand();
  const log = options.log;
  const say = (text: string) =>
    (log ?? ((l: string) => Deno.stderr.writeSync(new TextEncoder().encode(l))))(
      `[localnet] ${text}\n`,
    );
  const supervisor = new Supervisor({
    write: log,
    onUnexpectedExit: (child, code) => say(`${child.name} exited unexpectedly (code ${code})`),
  });
  const env = childEnv();
  const deadline = performance.now() + (options.startTimeoutMs ?? 90_000);
  const nodes = plan(dir, options.mixnodes);
  const spec = (name: string, args: string[]) => ({
    name,
    command,
    args: [...prefixArgs, ...args],
    env,
  });
  try {
    await Deno.mkdir(dir, { recursive: true });
    const directoryHome = join(dir, "directory");
    const directoryConfig = join(directoryHome, DIRECTORY_CONFIG_FILE);
    await ensureDirectoryConfig(directoryConfig, {
      durationMs: options.epochDurationMs,
      validity: options.validityEpochs,
    });
    const directoryReady = join(directoryHome, "ready.json");
    await Deno.remove(directoryReady).catch(() => {});
    const directory = supervisor.start(spec("directory", [
      "directory",
      "run",
      "--config",
      directoryConfig,
      "--bind-address",
      `127.0.0.1:${options.apiPort}`,
      "--local",
      "--ready-file",
      directoryReady,
    ]));
    const { url } = await waitForReadyFile<{ url: string }>(
      directoryReady,
      directory,
      options.signal,
      deadline,
    );
    say(`directory (nym-api) at ${url}, status page at ${url}`);

    const signerUrls = options.credentials
      ? await startLocalnetSigners(dir, {
        run: (name, args) => supervisor.run(spec(name, args)),
        start: (name, args) => supervisor.start(spec(name, args)),
        waitReady: (path, child) => waitForReadyFile(path, child, options.signal, deadline),
        error: (message) => new LocalnetError(message),
      })
      : [];
    if (options.credentials) {
      say(
        `zk-nym signers (${LOCALNET_SIGNER_THRESHOLD} of ${LOCALNET_SIGNERS}) at ${
          signerUrls.join(", ")
        }; the gateways enforce zk-nyms`,
      );
    }
    const credentialFlags = options.credentials
      ? ["--enforce-zk-nyms", "true", "--ecash-signer-urls", signerUrls.join(",")]
      : [];

    // Initialise new nodes (the directory answers their key-rotation query), then tune them.
    await Promise.all(nodes.map(async (node) => {
      const configFile = join(node.home, "config", "config.toml");
      if (!existsSync(configFile)) {
        const code = await supervisor.run(spec(`${node.name}-init`, [
          "run",
          "--config-file",
          configFile,
          "--mode",
          node.mode,
          "--local",
          "--nym-api-urls",
          url,
          "--accept-operator-terms-and-conditions",
          "--init-only",
        ]));
        if (code !== 0) throw new LocalnetError(`initialising ${node.name} failed (code ${code})`);
      }
      const config = await loadConfig(configFile);
      config.debug.topology_cache_ttl = 5000;
      config.mixnet.nym_api_urls = [url];
      if (node.mode === "exit-gateway") {
        // The network requester must reach local test servers (exit/exit_decision.ts).
        const nr = config.service_providers.network_requester;
        nr.allow_local_ips = true;
        nr.exit_policy_file = options.exitPolicyFile ?? null;
      }
      await saveConfig(configFile, config);
    }));

    const started = await Promise.all(nodes.map(async (node) => {
      const ready = join(node.home, "ready.json");
      await Deno.remove(ready).catch(() => {});
      const wsPort = node.mode === "mixnode" ? 0 : freePort();
      const child = supervisor.start(spec(node.name, [
        "run",
        "--config-file",
        join(node.home, "config", "config.toml"),
        "--local",
        "--nym-api-urls",
        url,
        "--accept-operator-terms-and-conditions",
        "--http-bind-address",
        "127.0.0.1:0",
        "--mixnet-bind-address",
        "127.0.0.1:0",
        "--verloc-bind-address",
        "127.0.0.1:0",
        "--entry-bind-address",
        `127.0.0.1:${wsPort}`,
        ...(node.mode === "mixnode" ? [] : credentialFlags),
        "--ready-file",
        ready,
      ]));
      const info = await waitForReadyFile<
        { identity_key: string; listeners: Record<string, { port: number }> }
      >(ready, child, options.signal, deadline);
      return { node, identity: info.identity_key, httpPort: info.listeners.http.port };
    }));

    const dbConfig = await loadDirectoryConfig(directoryConfig);
    const store = DirectoryStore.open(databasePath(dbConfig, directoryConfig));
    try {
      for (const s of started) {
        store.addNode(
          { host: "127.0.0.1", httpPort: s.httpPort, identity: s.identity },
          Date.now(),
        );
      }
    } finally {
      store.close();
    }
    say(`registered ${started.length} nodes; waiting until the directory serves them`);

    const api = new NymApiClient({ urls: [url], timeoutMs: 5000 });
    const served = await waitUntilServed(
      api,
      new Map(started.map((s) => [s.identity, s.node])),
      options.signal,
      deadline,
    );
    const exitNode = started.find((s) => s.node.mode === "exit-gateway");
    const exitIdentity = exitNode?.identity;
    if (exitNode) {
      say("waiting until the exit's network requester is connected to its gateway");
      if (!await waitForNetworkRequester(exitNode.httpPort, options.signal, deadline)) {
        say("the network requester is not connected yet; it keeps retrying in the background");
      }
    }
    const described = await api.describedNodes().catch(() => []);
    const info: LocalnetInfo = {
      nymApi: url,
      gateways: started.filter((s) => s.node.mode !== "mixnode").map((s) => {
        const node = served.gateways.find((n) => n.ed25519_identity_pubkey === s.identity)!;
        return {
          identity: s.identity,
          clientsWs: `ws://127.0.0.1:${node.entry?.ws_port ?? 0}`,
          exit: s.node.mode === "exit-gateway",
        };
      }),
      mixnodes: started.filter((s) => s.node.mode === "mixnode").map((s) => ({
        identity: s.identity,
        layer: mixLayer(
          served.mixnodes.find((n) => n.ed25519_identity_pubkey === s.identity)!.role,
        )!,
      })),
      networkRequester: described.find((d) =>
        d.description.host_information.keys.ed25519 === exitIdentity
      )
        ?.description.network_requester?.address ?? null,
      ...(options.credentials ? { signers: signerUrls } : {}),
    };
    await Deno.writeTextFile(join(dir, "localnet.json"), `${JSON.stringify(info, null, 2)}\n`);
    options.stdout("localnet ready\n");
    say(`wrote ${join(dir, "localnet.json")}; Ctrl-C stops every node`);
    if (!options.signal.aborted) {
      await new Promise((resolve) =>
        options.signal.addEventListener("abort", resolve, { once: true })
      );
    }
  } finally {
    say("stopping");
    const killed = await supervisor.stopAll(10_000, [
      nodes.map((n) => n.name),
      ["directory"],
    ]);
    if (killed.length > 0) say(`killed after the deadline: ${killed.join(", ")}`);
    say("stopped");
  }
}

/**
 * Polls the exit node's `/api/v1/network-requester/status` until its embedded client is
 * connected, so that `localnet ready` means a SOCKS client's first request is answered.
 * Returns false at the deadline (the localnet still starts: the requester keeps retrying).
 */
async function waitForNetworkRequester(
  httpPort: number,
  signal: AbortSignal,
  deadline: number,
): Promise<boolean> {
  const url = `http://127.0.0.1:${httpPort}/api/v1/network-requester/status`;
  while (!signal.aborted && performance.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = res.ok ? await res.json() as { client_connected?: boolean } : null;
      if (body?.client_connected === true) return true;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
