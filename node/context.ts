/**
 * The contract between the daemon and the roles that plug into it (mix node, entry gateway,
 * exit services, VerLoc, key rotation, ...). The daemon builds one {@linkcode NodeContext} and
 * hands it to every {@linkcode RoleService}; roles contribute HTTP routes and start/stop their
 * listeners and tasks.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { CryptoProvider, RandomSource } from "../crypto/mod.ts";
import type { Clock } from "../util/clock.ts";
import type { NodeConfig } from "../config/schema.ts";
import type { NodeDescription } from "../config/description.ts";
import type { NodePaths } from "../config/paths.ts";
import type { BuildInformation } from "./build_info.ts";
import type { NodeKeys } from "./keys.ts";
import type { MetricsRegistry } from "./metrics.ts";
import type { RouteModule } from "./http/routes.ts";

/** The node modes of `[modes]`. */
export type NodeMode = "mixnode" | "entry" | "exit";

/** A bound listener's address. */
export interface ListenerAddress {
  readonly hostname: string;
  readonly port: number;
}

/**
 * Holds the node's current keys. Key rotation replaces them; readers (the host-information
 * route, packet processing) call {@linkcode NodeKeyStore.current} each time instead of keeping
 * a copy.
 *
 * @example
 * ```ts no-eval
 * import { NodeKeyStore } from "./context.ts";
 * const store = new NodeKeyStore(keys);
 * store.replace({ ...store.current, sphinx: { primary: next, secondary: store.current.sphinx.primary } });
 * ```
 */
export class NodeKeyStore {
  #keys: NodeKeys;

  /** Starts with `keys`. */
  constructor(keys: NodeKeys) {
    this.#keys = keys;
  }

  /** The keys in use now. */
  get current(): NodeKeys {
    return this.#keys;
  }

  /** Replaces the keys (e.g. after a sphinx key rotation). */
  replace(keys: NodeKeys): void {
    this.#keys = keys;
  }
}

/** Everything a role needs from the node. */
export interface NodeContext {
  /** The effective configuration (after CLI overrides). */
  readonly config: NodeConfig;
  /** The config file and data directory. */
  readonly paths: NodePaths;
  /** The node's keys. */
  readonly keys: NodeKeyStore;
  /** `description.toml`. */
  readonly description: NodeDescription;
  /** Fast crypto primitives. */
  readonly crypto: CryptoProvider;
  /** Randomness (the system CSPRNG outside tests). */
  readonly random: RandomSource;
  /** Time. */
  readonly clock: Clock;
  /** The `["nym-node"]` logger; roles use `logger.getChild("<area>")`. */
  readonly logger: Logger;
  /** Metrics served at `/api/v1/metrics/prometheus`. */
  readonly metrics: MetricsRegistry;
  /** Aborted when the node begins to shut down. */
  readonly shutdownSignal: AbortSignal;
  /** `--local`: non-global addresses are allowed (testnet). */
  readonly local: boolean;
  /** Whether the operator accepted the terms and conditions. */
  readonly acceptedOperatorTerms: boolean;
  /** This binary's build information. */
  readonly buildInformation: BuildInformation;
  /**
   * Reports a bound listener: it is logged (`"{name} listening"` with its address) and written
   * to the `--ready-file`, so operators and tests can find ephemeral ports.
   */
  announceListener(name: string, address: ListenerAddress): void;
}

/** What a role reports when it stops. */
export interface StopReport {
  /** Work (packets, messages, connections) dropped instead of finished. */
  readonly dropped?: number;
  /** Free-form detail for the shutdown log. */
  readonly note?: string;
}

/**
 * A part of the node with its own lifecycle. Roles are started in order after the HTTP API is
 * listening and stopped in reverse order on shutdown.
 *
 * @example
 * ```ts no-eval
 * import type { RoleService } from "./context.ts";
 * const verloc: RoleService = {
 *   name: "verloc",
 *   async start(ctx) { ctx.announceListener("verloc", { hostname: "::", port: 1790 }); },
 *   async stop() { return { dropped: 0 }; },
 * };
 * ```
 */
export interface RoleService {
  /** Name used in logs and the ready file. */
  readonly name: string;
  /** Modes this role implements; it runs only if one is enabled (absent: always runs). */
  readonly modes?: readonly NodeMode[];
  /** HTTP routes to add to the API (called once, before the API starts). */
  routes?(ctx: NodeContext): readonly RouteModule[];
  /** Starts listeners and tasks; rejects if the role cannot run. */
  start(ctx: NodeContext): Promise<void>;
  /** Stops promptly: close listeners, finish or drop in-flight work, flush storage. */
  stop(): Promise<StopReport | void>;
}
