/**
 * The client's view of the network (`clients.md` §1.4–§1.5): mix layers from the rewarded set,
 * node details from the skimmed lists, and route selection. A route is one uniformly random
 * mix node from each of layers 1, 2 and 3 (no stake or performance weighting at choice time;
 * performance only filters), then the egress gateway, which is the recipient's gateway. The
 * sender's own entry gateway is not a Sphinx hop.
 *
 * @module
 */
import { encodeBase58 } from "../../crypto/base58.ts";
import { randomInt, type RandomSource } from "../../crypto/random.ts";
import { type KeyRotation, keyRotationFromId } from "../../framing/key_rotation.ts";
import type { NymNodeRoutingAddress } from "../../framing/routing_address.ts";
import type { RouteHop } from "../../message/sphinx_packets.ts";
import { TopologyError } from "../errors.ts";
import type { EntryDetails, NodesMetadata, RewardedSet, SkimmedNode } from "./models.ts";

/** A node the client can route through. */
export interface RoutingNode {
  readonly nodeId: number;
  readonly identity: Uint8Array;
  readonly identityText: string;
  /** `first ip:mix_port`: the address in Sphinx headers (only the first IP is used). */
  readonly address: NymNodeRoutingAddress;
  readonly sphinxKey: Uint8Array;
  readonly entry: EntryDetails | null;
  readonly ipAddresses: readonly string[];
  readonly performance: number;
  readonly supportsMixnode: boolean;
}

/** What a topology is built from. */
export interface TopologyInput {
  readonly rewardedSet: RewardedSet;
  /** `skimmed/mixnodes/active` nodes. */
  readonly mixnodes: readonly SkimmedNode[];
  /** `skimmed/entry-gateways` nodes. */
  readonly gateways: readonly SkimmedNode[];
  readonly metadata: NodesMetadata;
  /** Least performance of mix nodes, percent. */
  readonly minimumMixnodePerformance: number;
  /** Least performance of gateways, percent. */
  readonly minimumGatewayPerformance: number;
}

function toRoutingNode(node: SkimmedNode): RoutingNode {
  return {
    nodeId: node.nodeId,
    identity: node.identity,
    identityText: node.identityText,
    address: { ip: node.ipAddresses[0].replace(/^\[|\]$/g, ""), port: node.mixPort },
    sphinxKey: node.sphinxKey,
    entry: node.entry,
    ipAddresses: node.ipAddresses,
    performance: node.performance,
    supportsMixnode: node.supportedRoles.mixnode,
  };
}

/**
 * An immutable snapshot of the network.
 *
 * @example
 * ```ts no-eval
 * const topology = NymTopology.build({ rewardedSet, mixnodes, gateways, metadata,
 *   minimumMixnodePerformance: 50, minimumGatewayPerformance: 50 });
 * const route = topology.randomRoute(systemRandom, recipient.gateway); // 4 hops
 * ```
 */
export class NymTopology {
  /** The key-rotation id of the Sphinx keys in this topology. */
  readonly rotationId: number;
  readonly absoluteEpochId: number;
  /** Layers 1..3: nodes with details that passed the performance filter. */
  readonly layers: readonly (readonly RoutingNode[])[];
  /** Gateways (from the entry-gateways list) that passed the performance filter. */
  readonly gateways: readonly RoutingNode[];
  readonly #byIdentity: ReadonlyMap<string, RoutingNode>;
  readonly #hasGatewayRole: boolean;

  private constructor(
    metadata: NodesMetadata,
    layers: RoutingNode[][],
    gateways: RoutingNode[],
    byIdentity: Map<string, RoutingNode>,
    hasGatewayRole: boolean,
  ) {
    this.rotationId = metadata.rotationId;
    this.absoluteEpochId = metadata.absoluteEpochId;
    this.layers = layers;
    this.gateways = gateways;
    this.#byIdentity = byIdentity;
    this.#hasGatewayRole = hasGatewayRole;
  }

  /**
   * Builds a topology: mix nodes below the performance floor and gateways below theirs are
   * dropped; layers keep only ids that have details.
   *
   * @example
   * ```ts no-eval
   * NymTopology.build(input).layers.length; // 3
   * ```
   */
  static build(input: TopologyInput): NymTopology {
    const mixById = new Map<number, RoutingNode>();
    const byIdentity = new Map<string, RoutingNode>();
    for (const node of input.mixnodes) {
      if (node.performance < input.minimumMixnodePerformance) continue;
      const routing = toRoutingNode(node);
      mixById.set(node.nodeId, routing);
      byIdentity.set(node.identityText, routing);
    }
    const gateways: RoutingNode[] = [];
    for (const node of input.gateways) {
      if (node.performance < input.minimumGatewayPerformance) continue;
      const routing = toRoutingNode(node);
      gateways.push(routing);
      byIdentity.set(node.identityText, routing);
    }
    const set = input.rewardedSet;
    const layers = [set.layer1, set.layer2, set.layer3].map((ids) => {
      const nodes: RoutingNode[] = [];
      for (const id of ids) {
        const node = mixById.get(id);
        if (node !== undefined) nodes.push(node);
      }
      return nodes;
    });
    const hasGatewayRole = set.entryGateways.length > 0 || set.exitGateways.length > 0;
    return new NymTopology(input.metadata, layers, gateways, byIdentity, hasGatewayRole);
  }

  /** The key-rotation parity for MixPackets built with this topology's keys. */
  get keyRotation(): KeyRotation {
    return keyRotationFromId(this.rotationId);
  }

  /**
   * Throws unless every mix layer has a node and the rewarded set has a gateway ("minimally
   * routable", `clients.md` §1.4).
   *
   * @example
   * ```ts no-eval
   * topology.ensureRoutable();
   * ```
   * @throws {TopologyError} naming the empty layer.
   */
  ensureRoutable(): void {
    this.layers.forEach((layer, i) => {
      if (layer.length === 0) {
        throw new TopologyError(
          `the network topology cannot route packets: mix layer ${i + 1} has no usable node`,
        );
      }
    });
    if (!this.#hasGatewayRole) {
      throw new TopologyError("the network topology cannot route packets: it lists no gateways");
    }
  }

  /**
   * Any known node by its Ed25519 identity (bytes or base58).
   *
   * @example
   * ```ts no-eval
   * topology.nodeByIdentity(recipient.gateway)?.address;
   * ```
   */
  nodeByIdentity(identity: Uint8Array | string): RoutingNode | undefined {
    return this.#byIdentity.get(typeof identity === "string" ? identity : encodeBase58(identity));
  }

  /**
   * A fresh route: a uniformly random node of each mix layer, then `egressGateway`.
   *
   * @example
   * ```ts no-eval
   * topology.randomRoute(systemRandom, ownGatewayIdentity).length; // 4
   * ```
   * @throws {TopologyError} if a layer is empty or the egress gateway is unknown.
   */
  randomRoute(random: RandomSource, egressGateway: Uint8Array): RouteHop[] {
    const egress = this.nodeByIdentity(egressGateway);
    if (egress === undefined) {
      throw new TopologyError(
        `the network topology cannot route packets: no node with identity ${
          encodeBase58(egressGateway)
        } is known`,
      );
    }
    const route: RouteHop[] = [];
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      if (layer.length === 0) {
        throw new TopologyError(
          `the network topology cannot route packets: mix layer ${i + 1} has no usable node`,
        );
      }
      const node = layer[randomInt(random, layer.length)];
      route.push({ address: node.address, sphinxKey: node.sphinxKey });
    }
    route.push({ address: egress.address, sphinxKey: egress.sphinxKey });
    return route;
  }
}
