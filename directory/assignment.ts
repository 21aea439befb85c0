/**
 * Role assignment for an epoch (the directory's "rewarded set", `nym-node.md` §6.3). Unlike
 * nym-api, which draws a fresh weighted-random set every epoch, the directory is deterministic
 * and sticky, so a small network stays stable and tests are reproducible:
 *
 * - a node that declares exit (entry + network requester + IP packet router) is an exit gateway,
 *   one that declares entry only is an entry gateway, one that declares mixnode is a mix node;
 * - mix nodes keep their layer while they stay eligible; new ones go to the emptiest layer
 *   (lowest layer on a tie, lowest node id first);
 * - at an epoch boundary the layers are rebalanced until their sizes differ by at most one
 *   (moving the highest node id of the largest layer); within an epoch nodes only join and
 *   leave, except that a layer left empty is refilled at once, as an empty layer makes the
 *   network unroutable.
 *
 * @module
 */
import type { DeclaredRoles, RewardedSet } from "./api/models.ts";

/** A role in the rewarded set. */
export type AssignedRole = "layer1" | "layer2" | "layer3" | "entry" | "exit" | "standby";

/** A node eligible for a role. */
export interface AssignmentCandidate {
  readonly nodeId: number;
  readonly declared: DeclaredRoles;
}

const LAYERS = ["layer1", "layer2", "layer3"] as const;
type Layer = typeof LAYERS[number];

/**
 * The role a node's declaration asks for, or `null` if it declares nothing assignable.
 *
 * @example
 * ```ts
 * import { roleClass } from "./assignment.ts";
 * roleClass({ mixnode: false, entry: true, exit_nr: true, exit_ipr: true }); // "exit"
 * ```
 */
export function roleClass(declared: DeclaredRoles): "exit" | "entry" | "mix" | null {
  if (declared.entry && declared.exit_nr && declared.exit_ipr) return "exit";
  if (declared.entry) return "entry";
  if (declared.mixnode) return "mix";
  return null;
}

/**
 * Assigns roles to `candidates`, starting from `previous` (see the module documentation).
 * `rebalance` is true at an epoch boundary.
 *
 * @example
 * ```ts
 * import { assignRoles } from "./assignment.ts";
 * const mix = { mixnode: true, entry: false, exit_nr: false, exit_ipr: false };
 * const roles = assignRoles(new Map(), [1, 2, 3].map((nodeId) => ({ nodeId, declared: mix })), {
 *   rebalance: true,
 * });
 * [...roles.values()]; // ["layer1", "layer2", "layer3"]
 * ```
 */
export function assignRoles(
  previous: ReadonlyMap<number, AssignedRole>,
  candidates: readonly AssignmentCandidate[],
  options: { readonly rebalance: boolean },
): Map<number, AssignedRole> {
  const out = new Map<number, AssignedRole>();
  const layers = new Map<Layer, number[]>(LAYERS.map((l) => [l, []]));
  const newcomers: number[] = [];
  const sorted = [...candidates].sort((a, b) => a.nodeId - b.nodeId);
  for (const candidate of sorted) {
    const kind = roleClass(candidate.declared);
    if (kind === "exit" || kind === "entry") {
      out.set(candidate.nodeId, kind);
    } else if (kind === "mix") {
      const before = previous.get(candidate.nodeId);
      if (before && (LAYERS as readonly string[]).includes(before)) {
        layers.get(before as Layer)!.push(candidate.nodeId);
      } else {
        newcomers.push(candidate.nodeId);
      }
    }
  }
  const smallest = () =>
    LAYERS.reduce((best, l) => (layers.get(l)!.length < layers.get(best)!.length ? l : best));
  const largest = () =>
    [...LAYERS].reverse().reduce((best, l) =>
      layers.get(l)!.length > layers.get(best)!.length ? l : best
    );
  for (const nodeId of newcomers) layers.get(smallest())!.push(nodeId);
  const size = (l: Layer) => layers.get(l)!.length;
  const move = () => {
    const from = layers.get(largest())!;
    from.sort((a, b) => a - b);
    layers.get(smallest())!.push(from.pop()!);
  };
  if (options.rebalance) {
    while (size(largest()) - size(smallest()) > 1) move();
  } else {
    while (size(smallest()) === 0 && size(largest()) > 1) move();
  }
  for (const layer of LAYERS) {
    for (const nodeId of layers.get(layer)!) out.set(nodeId, layer);
  }
  return out;
}

/**
 * The `GET /v1/nym-nodes/rewarded-set` body for `epochId` (id lists sorted, as nym-api's).
 *
 * @example
 * ```ts
 * import { rewardedSetOf } from "./assignment.ts";
 * rewardedSetOf(7, new Map([[4, "exit"], [1, "layer1"]])).exit_gateways; // [4]
 * ```
 */
export function rewardedSetOf(
  epochId: number,
  roles: ReadonlyMap<number, AssignedRole>,
): RewardedSet {
  const of = (role: AssignedRole) =>
    [...roles].filter(([, r]) => r === role).map(([id]) => id).sort((a, b) => a - b);
  return {
    epoch_id: epochId,
    entry_gateways: of("entry"),
    exit_gateways: of("exit"),
    layer1: of("layer1"),
    layer2: of("layer2"),
    layer3: of("layer3"),
    standby: of("standby"),
  };
}
