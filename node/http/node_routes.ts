/**
 * The node-level routes every nym-node serves (`nym-node.md` §2.1): health, roles, build and
 * host information, system info, description, auxiliary details, load, and the mixnode root.
 *
 * @module
 */
import type { Clock } from "../../util/clock.ts";
import type { NodeConfig } from "../../config/schema.ts";
import type { NodeDescription } from "../../config/description.ts";
import type { BuildInformation } from "../build_info.ts";
import {
  buildHostInformation,
  type SignedHostInformation as Signed,
  signHostInformation,
} from "../host_info.ts";
import type { NodeKeys } from "../keys.ts";
import type { NodeLoadCache } from "../load.ts";
import type { HostSystem as HostSystemData } from "../system_info.ts";
import {
  AuxiliaryDetails,
  type AuxiliaryDetailsData,
  BinaryBuildInformationOwned,
  HostSystem,
  Mixnode,
  NodeDescription as NodeDescriptionSchema,
  NodeHealth,
  NodeLoad,
  NodeRoles,
  type NodeRolesData,
  SignedHostInformation,
} from "./models.ts";
import { errorResponse, formatted } from "./respond.ts";
import { jsonRoute, type RouteModule } from "./routes.ts";

/** What the node-level routes read. */
export interface NodeRoutesState {
  /** The effective configuration. */
  readonly config: NodeConfig;
  /** The node's current keys (read per request, so rotated keys are served at once). */
  readonly keys: () => NodeKeys;
  /** `description.toml`. */
  readonly description: NodeDescription;
  /** Build information. */
  readonly buildInformation: BuildInformation;
  /** Whether `--accept-operator-terms-and-conditions` was given. */
  readonly acceptedOperatorTerms: boolean;
  /** Time source for the uptime. */
  readonly clock: Clock;
  /** `clock.monotonic()` at start-up. */
  readonly startedAt: number;
  /** Ports the role listeners actually bound, by listener name (`mixnet`, `verloc`, …). */
  readonly boundPorts?: (name: string) => number | undefined;
  /** System information, or `null` when `http.expose_system_info` is off. */
  readonly systemInfo: HostSystemData | null;
  /** Load cache. */
  readonly load: NodeLoadCache;
}

/**
 * The roles a config enables, as `/roles` reports them.
 *
 * @example
 * ```ts
 * import { nodeRoles } from "./node_routes.ts";
 * nodeRoles({ mixnode: true, entry: false, exit: false }).mixnode_enabled; // true
 * ```
 */
export function nodeRoles(modes: NodeConfig["modes"]): NodeRolesData {
  return {
    mixnode_enabled: modes.mixnode,
    gateway_enabled: modes.entry,
    network_requester_enabled: modes.exit,
    ip_packet_router_enabled: modes.exit,
  };
}

/**
 * The auxiliary details of a config. Without a configured announce port, the port the listener
 * actually bound is announced (the Rust node announces nothing then, and nym-api assumes 1789 /
 * 1790, which is wrong for a node bound elsewhere, e.g. in a localnet).
 *
 * @example
 * ```ts no-eval
 * import { auxiliaryDetails } from "./node_routes.ts";
 * auxiliaryDetails(config, true).announce_ports; // { verloc_port: null, mix_port: null }
 * ```
 */
export function auxiliaryDetails(
  config: NodeConfig,
  accepted: boolean,
  boundPorts: (name: string) => number | undefined = () => undefined,
): AuxiliaryDetailsData {
  return {
    location: config.host.location,
    announce_ports: {
      verloc_port: config.verloc.announce_port ?? boundPorts("verloc") ?? null,
      mix_port: config.mixnet.announce_port ?? boundPorts("mixnet") ?? null,
    },
    accepted_operator_terms_and_conditions: accepted,
  };
}

/**
 * Node information routes under `/api/v1`.
 *
 * @example
 * ```ts no-eval
 * import { nodeInfoRoutes } from "./node_routes.ts";
 * createHttpApp({ version, modules: [nodeInfoRoutes(state)] });
 * ```
 */
export function nodeInfoRoutes(state: NodeRoutesState): RouteModule {
  const roles = nodeRoles(state.config.modes);
  // Signing is deterministic, so the document is re-signed only when the keys change.
  let signed: { keys: NodeKeys; document: Signed } | null = null;
  const hostInformation = (): Signed => {
    const keys = state.keys();
    if (signed?.keys !== keys) {
      const info = buildHostInformation({
        publicIps: state.config.host.public_ips,
        hostname: state.config.host.hostname,
        keys,
        noiseDisabled: state.config.mixnet.debug.unsafe_disable_noise,
      });
      signed = { keys, document: signHostInformation(info, keys.identity.secretKey) };
    }
    return signed.document;
  };
  return {
    name: "node",
    routes: [
      jsonRoute(
        {
          path: "/api/v1/health",
          tag: "Health",
          summary: "The node is up; uptime in seconds",
          schema: NodeHealth,
        },
        (c) =>
          formatted(c, {
            status: "up",
            uptime: Math.floor((state.clock.monotonic() - state.startedAt) / 1000),
          }),
      ),
      jsonRoute(
        {
          path: "/api/v1/load",
          tag: "Node",
          summary: "Coarse machine and network load",
          schema: NodeLoad,
        },
        (c) => formatted(c, state.load.current()),
      ),
      jsonRoute(
        { path: "/api/v1/roles", tag: "Node", summary: "Roles this node runs", schema: NodeRoles },
        (c) => formatted(c, roles),
      ),
      jsonRoute(
        {
          path: "/api/v1/build-information",
          tag: "Node",
          summary: "Build information of the binary",
          schema: BinaryBuildInformationOwned,
        },
        (c) => formatted(c, state.buildInformation),
      ),
      jsonRoute(
        {
          path: "/api/v1/host-information",
          tag: "Node",
          summary: "Addresses and public keys, signed with the identity key",
          schema: SignedHostInformation,
        },
        (c) => {
          const document = hostInformation();
          return formatted(c, { data: document.data, signature: document.signature }, {
            json: document.json,
          });
        },
      ),
      jsonRoute(
        {
          path: "/api/v1/system-info",
          tag: "Node",
          summary: "Operating system and hardware of the host",
          schema: HostSystem,
          errors: { 403: "the node does not wish to expose the system information" },
        },
        (c) =>
          state.systemInfo
            ? formatted(c, state.systemInfo)
            : errorResponse(403, "this nym-node does not wish to expose the system information"),
      ),
      jsonRoute(
        {
          path: "/api/v1/description",
          tag: "Node",
          summary: "Operator-provided description",
          schema: NodeDescriptionSchema,
        },
        (c) => formatted(c, state.description),
      ),
      jsonRoute(
        {
          path: "/api/v1/auxiliary-details",
          tag: "Node",
          summary: "Location, announced ports and operator terms acceptance",
          schema: AuxiliaryDetails,
        },
        (c) =>
          formatted(
            c,
            auxiliaryDetails(state.config, state.acceptedOperatorTerms, state.boundPorts),
          ),
      ),
    ],
  };
}

/**
 * `GET /api/v1/mixnode` (an empty object, as the real node).
 *
 * @example
 * ```ts no-eval
 * import { mixnodeRoutes } from "./node_routes.ts";
 * createHttpApp({ version, modules: [mixnodeRoutes()] });
 * ```
 */
export function mixnodeRoutes(): RouteModule {
  return {
    name: "mixnode",
    routes: [
      jsonRoute(
        { path: "/api/v1/mixnode", tag: "Mixnode", summary: "Mixnode details", schema: Mixnode },
        (c) => formatted(c, {}),
      ),
    ],
  };
}
