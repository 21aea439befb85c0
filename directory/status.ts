/**
 * The status page's data (`GET /v1/directory/status`): every registered node with its health,
 * epoch role and layer, version, load and packet rates, plus the epoch. Pure.
 *
 * @module
 */
import type { NodeOverview } from "./directory.ts";
import { formatNodeAddress } from "./address.ts";
import { formatRfc3339 } from "./epoch.ts";
import type { TopologySnapshot } from "./topology.ts";

/** One node on the status page. */
export interface NodeStatusEntry {
  readonly node_id: number;
  /** `host:http-port` as registered. */
  readonly address: string;
  readonly identity: string | null;
  /** `pending`, `up`, `down`, `gone` or `refused`. */
  readonly status: string;
  /** `layer1`…`layer3`, `entry`, `exit`, `standby`, or `null` (no role). */
  readonly role: string | null;
  /** 1–3 for mix nodes with a role. */
  readonly layer: number | null;
  /** What the node declares: `mixnode`, `entry`, `exit` or `none`. */
  readonly mode: string;
  readonly version: string | null;
  readonly load: string | null;
  readonly packets_in_per_second: number | null;
  readonly packets_out_per_second: number | null;
  readonly last_success: string | null;
  readonly last_error: string | null;
}

/** `GET /v1/directory/status`. */
export interface DirectoryStatus {
  readonly epoch: {
    readonly id: number;
    readonly start: string;
    readonly end: string;
    readonly rotation_id: number;
  };
  readonly refreshed_at: string;
  readonly nodes: readonly NodeStatusEntry[];
}

/**
 * Builds the status document.
 *
 * @example
 * ```ts no-eval
 * import { directoryStatus } from "./status.ts";
 * directoryStatus(directory.snapshot(), directory.overview()).nodes[0].status;
 * ```
 */
export function directoryStatus(
  snapshot: TopologySnapshot,
  overview: readonly NodeOverview[],
): DirectoryStatus {
  return {
    epoch: {
      id: snapshot.epoch.epochId,
      start: formatRfc3339(snapshot.epoch.epochStartMs),
      end: formatRfc3339(snapshot.epoch.epochEndMs),
      rotation_id: snapshot.epoch.rotationId,
    },
    refreshed_at: snapshot.metadata.refreshed_at,
    nodes: overview.map(({ record, status, role }) => {
      const d = record.description;
      const declared = d?.declaredRoles;
      const mode = !declared
        ? "none"
        : declared.entry && declared.exit_nr && declared.exit_ipr
        ? "exit"
        : declared.entry
        ? "entry"
        : declared.mixnode
        ? "mixnode"
        : "none";
      const served = status === "up" || status === "down";
      const liveRole = served ? role : null;
      return {
        node_id: record.registration.nodeId,
        address: formatNodeAddress({
          host: record.registration.host,
          port: record.registration.httpPort,
        }),
        identity: d?.hostInformation.keys.ed25519_identity ?? record.registration.identity,
        status,
        role: liveRole,
        layer: liveRole?.startsWith("layer") ? Number(liveRole.slice(5)) : null,
        mode,
        version: d?.buildInformation.build_version ?? null,
        load: status === "up" ? record.traffic.load : null,
        packets_in_per_second: status === "up" ? record.traffic.packetsInPerSecond : null,
        packets_out_per_second: status === "up" ? record.traffic.packetsOutPerSecond : null,
        last_success: record.lastSuccessMs === null ? null : formatRfc3339(record.lastSuccessMs),
        last_error: record.lastError,
      };
    }),
  };
}
