/**
 * The served topology at one moment: the nym-api views of every served node (skimmed,
 * semi-skimmed, described) with its epoch role, the rewarded set, and the metadata shared by
 * every node list of the same refresh (clients drop a refresh whose lists disagree on
 * `status`, `absolute_epoch_id` or `rotation_id`). Pure.
 *
 * @module
 */
import type {
  DescribedNode,
  NodeRole,
  NodesResponseMetadata,
  RewardedSet,
  SemiSkimmedNode,
  SkimmedNode,
} from "./api/models.ts";
import type { AssignedRole } from "./assignment.ts";
import { rewardedSetOf } from "./assignment.ts";
import type { NodeDescription } from "./describe.ts";
import { type EpochState, formatRfc3339 } from "./epoch.ts";
import type { NodeStatus } from "./store.ts";
import { currentSphinxKey } from "./verify.ts";
import { isServed, performanceOf } from "./health.ts";

/** The default mix port when a node announces none (nym-api's `DEFAULT_MIX_LISTENING_PORT`). */
export const DEFAULT_MIX_PORT = 1789;

/** One served node in all its views. */
export interface ServedNode {
  readonly nodeId: number;
  readonly status: NodeStatus;
  readonly role: NodeRole;
  readonly description: NodeDescription;
  readonly skimmed: SkimmedNode;
  readonly semiSkimmed: SemiSkimmedNode;
  readonly described: DescribedNode;
}

/** An immutable view of the topology. */
export interface TopologySnapshot {
  readonly epoch: EpochState;
  readonly metadata: NodesResponseMetadata;
  readonly rewardedSet: RewardedSet;
  /** Served nodes by node id. */
  readonly nodes: readonly ServedNode[];
}

/** Input of {@linkcode buildSnapshot}: a node with its current status. */
export interface SnapshotNode {
  readonly nodeId: number;
  readonly status: NodeStatus;
  readonly description: NodeDescription | null;
}

/**
 * The `NodeRole` of an assigned role.
 *
 * @example
 * ```ts
 * import { nodeRoleOf } from "./topology.ts";
 * nodeRoleOf("layer2"); // { Mixnode: { layer: 2 } }
 * nodeRoleOf(undefined); // "Inactive"
 * ```
 */
export function nodeRoleOf(role: AssignedRole | undefined): NodeRole {
  switch (role) {
    case "layer1":
      return { Mixnode: { layer: 1 } };
    case "layer2":
      return { Mixnode: { layer: 2 } };
    case "layer3":
      return { Mixnode: { layer: 3 } };
    case "entry":
      return "EntryGateway";
    case "exit":
      return "ExitGateway";
    case "standby":
      return "Standby";
    default:
      return "Inactive";
  }
}

function views(
  nodeId: number,
  d: NodeDescription,
  role: NodeRole,
  performance: string,
  rotationId: number,
): Pick<ServedNode, "skimmed" | "semiSkimmed" | "described"> {
  const keys = d.hostInformation.keys;
  const skimmed: SkimmedNode = {
    node_id: nodeId,
    ed25519_identity_pubkey: keys.ed25519_identity,
    ip_addresses: [...d.hostInformation.ip_address],
    mix_port: d.auxiliaryDetails.announce_ports.mix_port ?? DEFAULT_MIX_PORT,
    x25519_sphinx_pubkey: currentSphinxKey(keys, rotationId),
    role,
    supported_roles: d.declaredRoles,
    entry: d.declaredRoles.entry
      ? {
        hostname: d.hostInformation.hostname,
        ws_port: d.mixnetWebsockets.ws_port,
        wss_port: d.mixnetWebsockets.wss_port,
      }
      : null,
    performance,
  };
  const noise = keys.x25519_versioned_noise;
  return {
    skimmed,
    semiSkimmed: { basic: skimmed, x25519_noise_versioned_key: noise ? { ...noise } : null },
    described: {
      node_id: nodeId,
      contract_node_type: "nym_node",
      description: {
        last_polled: formatRfc3339(d.polledAtMs),
        host_information: {
          ip_address: [...d.hostInformation.ip_address],
          hostname: d.hostInformation.hostname,
          keys: {
            ed25519: keys.ed25519_identity,
            x25519: keys.x25519_sphinx,
            current_x25519_sphinx_key: { ...keys.primary_x25519_sphinx_key },
            pre_announced_x25519_sphinx_key: keys.pre_announced_x25519_sphinx_key
              ? { ...keys.pre_announced_x25519_sphinx_key }
              : null,
            x25519_versioned_noise: noise ? { ...noise } : null,
          },
        },
        declared_role: d.declaredRoles,
        auxiliary_details: d.auxiliaryDetails,
        build_information: d.buildInformation,
        network_requester: d.networkRequester,
        ip_packet_router: d.ipPacketRouter,
        authenticator: d.authenticator,
        wireguard: d.wireguard,
        mixnet_websockets: d.mixnetWebsockets,
      },
    },
  };
}

/**
 * Builds the snapshot from node statuses (already evaluated at "now"), the role assignment and
 * the epoch.
 *
 * @example
 * ```ts no-eval
 * import { buildSnapshot } from "./topology.ts";
 * const snapshot = buildSnapshot(nodes, roles, epochAt(schedule, now), lastRoundMs);
 * snapshot.rewardedSet.layer1;
 * ```
 */
export function buildSnapshot(
  nodes: readonly SnapshotNode[],
  roles: ReadonlyMap<number, AssignedRole>,
  epoch: EpochState,
  refreshedAtMs: number,
): TopologySnapshot {
  const served: ServedNode[] = [];
  for (const node of [...nodes].sort((a, b) => a.nodeId - b.nodeId)) {
    if (!isServed(node.status) || node.description === null) continue;
    const role = nodeRoleOf(roles.get(node.nodeId));
    served.push({
      nodeId: node.nodeId,
      status: node.status,
      role,
      description: node.description,
      ...views(node.nodeId, node.description, role, performanceOf(node.status), epoch.rotationId),
    });
  }
  const servedIds = new Set(served.map((n) => n.nodeId));
  const assigned = new Map([...roles].filter(([id]) => servedIds.has(id)));
  return {
    epoch,
    metadata: {
      status: null,
      absolute_epoch_id: epoch.epochId,
      rotation_id: epoch.rotationId,
      refreshed_at: formatRfc3339(refreshedAtMs),
    },
    rewardedSet: rewardedSetOf(epoch.epochId, assigned),
    nodes: served,
  };
}

/** Which node list a skimmed/semi-skimmed request asks for. */
export type NodeSelection =
  | "all"
  | "mixnodes-active"
  | "mixnodes-all"
  | "entry-gateways"
  | "exit-gateways";

/**
 * The nodes of a list, as nym-api selects them: mixing-capable (active: with an epoch role),
 * entry-capable, exit-capable (network requester and IP packet router), or all.
 *
 * @example
 * ```ts no-eval
 * import { selectNodes } from "./topology.ts";
 * selectNodes(snapshot, "entry-gateways").map((n) => n.skimmed);
 * ```
 */
export function selectNodes(snapshot: TopologySnapshot, selection: NodeSelection): ServedNode[] {
  return snapshot.nodes.filter((node) => {
    const d = node.description.declaredRoles;
    switch (selection) {
      case "all":
        return true;
      case "mixnodes-all":
        return d.mixnode;
      case "mixnodes-active":
        return d.mixnode && node.role !== "Inactive";
      case "entry-gateways":
        return d.entry;
      case "exit-gateways":
        return d.entry && d.exit_nr && d.exit_ipr;
    }
  });
}

/**
 * One page of `items`: without `perPage` everything on page 0 (as nym-api, which ignores
 * pagination), else `perPage` items from `page × perPage`.
 *
 * @example
 * ```ts
 * import { paginate } from "./topology.ts";
 * paginate([1, 2, 3], 1, 2); // { pagination: { total: 3, page: 1, size: 1 }, data: [3] }
 * ```
 */
export function paginate<T>(
  items: readonly T[],
  page: number,
  perPage: number | null,
): { pagination: { total: number; page: number; size: number }; data: T[] } {
  if (perPage === null) {
    return { pagination: { total: items.length, page: 0, size: items.length }, data: [...items] };
  }
  const data = items.slice(page * perPage, (page + 1) * perPage);
  return { pagination: { total: items.length, page, size: data.length }, data };
}
