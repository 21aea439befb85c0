/**
 * The daemon's composition root (`nym-node.md` §0): builds the {@linkcode NodeContext}, serves
 * the HTTP API, starts the role services for the enabled modes, and shuts everything down in
 * bounded time.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  createCryptoProvider,
  type CryptoProvider,
  encodeBase58,
  type RandomSource,
  systemRandom,
} from "../crypto/mod.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { formatSocketAddress } from "../util/net.ts";
import type { NodeConfig } from "../config/schema.ts";
import type { NodeDescription } from "../config/description.ts";
import type { NodePaths } from "../config/paths.ts";
import { writeFileAtomic } from "../config/atomic_write.ts";
import { BUILD_VERSION, type BuildInformation, collectBuildInformation } from "./build_info.ts";
import {
  type ListenerAddress,
  type NodeContext,
  NodeKeyStore,
  type NodeMode,
  type RoleService,
  type StopReport,
} from "./context.ts";
import type { NodeKeys } from "./keys.ts";
import { NodeLoadCache, systemUsageReader, type UsageReader } from "./load.ts";
import { MetricsRegistry } from "./metrics.ts";
import { collectSystemInfo, type SystemSources } from "./system_info.ts";
import { createHttpApp } from "./http/app.ts";
import { gatewayDetails, gatewayRoutes } from "./http/gateway_routes.ts";
import { landingRoutes } from "./http/landing.ts";
import { prometheusRoutes } from "./http/metrics_routes.ts";
import { mixnodeRoutes, nodeInfoRoutes } from "./http/node_routes.ts";
import type { RouteModule } from "./http/routes.ts";
import { type HttpServer, startHttpServer } from "./http/server.ts";

/** Default time budget of a shutdown (the node must be gone within 2 s of a signal). */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 1800;

/** What a mode needs that no role implements yet, logged at start-up. */
const MISSING_ROLE_MESSAGES: Readonly<Record<NodeMode, string>> = {
  mixnode: "the mixnet listener is not implemented yet: this node serves its HTTP API only",
  entry: "the entry gateway (client websocket listener) is not implemented yet",
  exit: "the exit gateway service providers are not implemented yet",
};

/** A role failed to start; the node was stopped again. */
export class NodeStartError extends Error {
  override name = "NodeStartError";
}

/** Inputs of {@linkcode startNode}. */
export interface StartNodeOptions {
  /** Effective configuration (validated, CLI overrides applied). */
  readonly config: NodeConfig;
  /** Config file and data directory. */
  readonly paths: NodePaths;
  /** Loaded keys. */
  readonly keys: NodeKeys;
  /** Loaded `description.toml`. */
  readonly description: NodeDescription;
  /** Role services; each runs if one of its modes is enabled. */
  readonly roles?: readonly RoleService[];
  /** Whether the operator accepted the terms (published in `/auxiliary-details`). */
  readonly acceptedOperatorTerms?: boolean;
  /** `--local`. */
  readonly local?: boolean;
  /** Where to write listener addresses once everything is up (`--ready-file`). */
  readonly readyFile?: string | null;
  /** Crypto provider (default: the fastest available). */
  readonly crypto?: CryptoProvider;
  /** Randomness (default: system CSPRNG). */
  readonly random?: RandomSource;
  /** Time (default: system clock). */
  readonly clock?: Clock;
  /** Build information (default: collected from this binary). */
  readonly buildInformation?: BuildInformation;
  /** System facts for `/system-info` (default: this machine). */
  readonly systemSources?: SystemSources;
  /** Load samples for `/load` (default: this machine). */
  readonly usageReader?: UsageReader;
}

/** How one role stopped. */
export interface RoleStopOutcome {
  readonly name: string;
  readonly report?: StopReport;
  readonly error?: string;
  readonly timedOut?: boolean;
}

/** Summary of a shutdown. */
export interface ShutdownReport {
  /** Time from the start of the shutdown until it finished. */
  readonly durationMs: number;
  /** HTTP requests still running at the deadline. */
  readonly abandonedRequests: number;
  /** Per-role outcomes, in stop order. */
  readonly roles: readonly RoleStopOutcome[];
}

/** A started node. */
export interface RunningNode {
  /** The context handed to the roles. */
  readonly context: NodeContext;
  /** The HTTP API's bound address. */
  readonly http: ListenerAddress;
  /** Every announced listener by name (`http` included). */
  readonly listeners: ReadonlyMap<string, ListenerAddress>;
  /** Names of the roles that were started. */
  readonly roles: readonly string[];
  /** Shuts down (idempotent: later calls return the first call's report). */
  stop(options?: { deadlineMs?: number; reason?: string }): Promise<ShutdownReport>;
}

/**
 * The modes a config enables.
 *
 * @example
 * ```ts
 * import { enabledModes } from "./daemon.ts";
 * enabledModes({ mixnode: true, entry: false, exit: false }); // ["mixnode"]
 * ```
 */
export function enabledModes(modes: NodeConfig["modes"]): NodeMode[] {
  return (["mixnode", "entry", "exit"] as const).filter((mode) => modes[mode]);
}

/**
 * The routes every node serves, before any role's.
 *
 * @example
 * ```ts no-eval
 * import { baseRouteModules } from "./daemon.ts";
 * createHttpApp({ version, modules: baseRouteModules(context, systemInfo, load, startedAt) });
 * ```
 */
export function baseRouteModules(
  context: NodeContext,
  extras: {
    systemSources?: SystemSources;
    load: NodeLoadCache;
    startedAt: number;
    boundPorts?: (name: string) => number | undefined;
  },
): RouteModule[] {
  const { config } = context;
  const systemInfo = config.http.expose_system_info
    ? collectSystemInfo({
      exposeHardware: config.http.expose_system_hardware,
      exposeCrypto: config.http.expose_crypto_hardware,
      sources: extras.systemSources,
    })
    : null;
  return [
    landingRoutes(config.http.landing_page_assets_path),
    nodeInfoRoutes({
      config,
      keys: () => context.keys.current,
      description: context.description,
      buildInformation: context.buildInformation,
      acceptedOperatorTerms: context.acceptedOperatorTerms,
      clock: context.clock,
      startedAt: extras.startedAt,
      boundPorts: extras.boundPorts,
      systemInfo,
      load: extras.load,
    }),
    mixnodeRoutes(),
    gatewayRoutes(() => gatewayDetails(config, null, extras.boundPorts?.("entry"))),
    prometheusRoutes(context.metrics, config.http.access_token),
  ];
}

/**
 * Starts the node: HTTP API first, then every role whose mode is enabled, then the ready file.
 * If a role fails to start, whatever was started is stopped again and {@linkcode NodeStartError}
 * is thrown.
 *
 * @example
 * ```ts no-eval
 * import { startNode } from "./daemon.ts";
 * const node = await startNode({ config, paths, keys, description, roles: [] });
 * console.log(node.http.port);
 * await node.stop();
 * ```
 */
export async function startNode(options: StartNodeOptions): Promise<RunningNode> {
  const logger = getLogger(["nym-node"]);
  const clock = options.clock ?? systemClock;
  const startedAt = clock.monotonic();
  const controller = new AbortController();
  const listeners = new Map<string, ListenerAddress>();
  const buildInformation = options.buildInformation ?? await collectBuildInformation();
  const { config } = options;

  const context: NodeContext = {
    config,
    paths: options.paths,
    keys: new NodeKeyStore(options.keys),
    description: options.description,
    crypto: options.crypto ?? createCryptoProvider(),
    random: options.random ?? systemRandom,
    clock,
    logger,
    metrics: new MetricsRegistry(),
    shutdownSignal: controller.signal,
    local: options.local ?? false,
    acceptedOperatorTerms: options.acceptedOperatorTerms ?? false,
    buildInformation,
    announceListener(name, address) {
      listeners.set(name, { hostname: address.hostname, port: address.port });
      const text = formatSocketAddress(address.hostname, address.port);
      logger.info(`${name} listening on {address}`, { listener: name, address: text });
    },
  };

  const modes = enabledModes(config.modes);
  if (modes.length === 0) {
    logger.warn("no mode is enabled: this node runs without mixnode or gateway support");
  }
  const roles = (options.roles ?? []).filter((role) =>
    !role.modes || role.modes.some((mode) => modes.includes(mode))
  );
  for (const mode of modes) {
    if (!roles.some((role) => role.modes?.includes(mode))) logger.warn(MISSING_ROLE_MESSAGES[mode]);
  }
  if (config.wireguard.enabled) {
    logger.warn(
      "wireguard is enabled in the config but not implemented by this node; it is not announced",
    );
  }

  const load = new NodeLoadCache({
    reader: options.usageReader ?? systemUsageReader(),
    clock,
    ttlMs: config.http.node_load_cache_ttl,
  });
  const modules = [
    ...baseRouteModules(context, {
      systemSources: options.systemSources,
      load,
      startedAt,
      boundPorts: (name) => listeners.get(name)?.port,
    }),
    ...roles.flatMap((role) => role.routes?.(context) ?? []),
  ];
  const app = createHttpApp({ modules, version: BUILD_VERSION });
  const server: HttpServer = await startHttpServer(app.fetch, config.http.bind_address);
  listeners.set("http", server.address);
  logger.info("http api listening on {address}", {
    listener: "http",
    address: formatSocketAddress(server.address.hostname, server.address.port),
  });

  const started: RoleService[] = [];
  let stopping: Promise<ShutdownReport> | null = null;
  const stop = (stopOptions: { deadlineMs?: number; reason?: string } = {}) => {
    stopping ??= shutdown(
      stopOptions.deadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS,
      stopOptions.reason,
    );
    return stopping;
  };

  async function shutdown(deadlineMs: number, reason?: string): Promise<ShutdownReport> {
    const begin = performance.now();
    const remaining = () => deadlineMs - (performance.now() - begin);
    logger.info("shutting down ({reason})", { reason: reason ?? "requested" });
    controller.abort(new Error(reason ?? "shutdown"));
    // Stop accepting HTTP connections at once; in-flight requests may finish meanwhile.
    const httpDone = server.shutdown(Math.max(100, deadlineMs - 100));
    const outcomes: RoleStopOutcome[] = [];
    for (const role of [...started].reverse()) {
      const budget = Math.max(50, remaining() - 200);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), budget);
      });
      try {
        const result = await Promise.race([role.stop(), timeout]);
        if (result === "timeout") {
          logger.warn("role {role} did not stop within {budget} ms", { role: role.name, budget });
          outcomes.push({ name: role.name, timedOut: true });
        } else {
          const report = result ?? undefined;
          if (report?.dropped) {
            logger.info("role {role} dropped {dropped} unfinished item(s)", {
              role: role.name,
              dropped: report.dropped,
            });
          }
          outcomes.push({ name: role.name, report });
        }
      } catch (error) {
        logger.error("role {role} failed to stop: {error}", {
          role: role.name,
          error: (error as Error).message,
        });
        outcomes.push({ name: role.name, error: (error as Error).message });
      } finally {
        clearTimeout(timer);
      }
    }
    const { abandoned } = await httpDone;
    if (abandoned > 0) {
      logger.warn("dropped {abandoned} in-flight http request(s)", { abandoned });
    }
    if (options.readyFile) await Deno.remove(options.readyFile).catch(() => {});
    const durationMs = Math.round(performance.now() - begin);
    logger.info("shutdown complete in {durationMs} ms", { durationMs });
    return { durationMs, abandonedRequests: abandoned, roles: outcomes };
  }

  for (const role of roles) {
    try {
      logger.info("starting {role}", { role: role.name });
      await role.start(context);
      started.push(role);
    } catch (error) {
      logger.error("{role} failed to start: {error}", {
        role: role.name,
        error: (error as Error).message,
      });
      await stop({ reason: `${role.name} failed to start` });
      throw new NodeStartError(`${role.name} failed to start: ${(error as Error).message}`);
    }
  }

  if (options.readyFile) {
    const ready = {
      pid: Deno.pid,
      identity_key: encodeBase58(options.keys.identity.publicKey),
      modes,
      roles: started.map((role) => role.name),
      listeners: Object.fromEntries(listeners),
    };
    await writeFileAtomic(options.readyFile, `${JSON.stringify(ready)}\n`, { mode: 0o644 });
  }
  logger.info("nym-node {identity} is up (modes: {modes})", {
    identity: encodeBase58(options.keys.identity.publicKey),
    modes: modes.join(", ") || "none",
  });

  return {
    context,
    http: server.address,
    listeners,
    roles: started.map((role) => role.name),
    stop,
  };
}
