/**
 * Where the Nym packet layer meets Sphinx: building the Sphinx packets a sender emits (data
 * packets, SURB-ack packets, reply SURBs and packets sent with them) from routes of
 * {@linkcode RouteHop}s. Pure and synchronous.
 *
 * Routes: data packets, acks and reply SURBs all go `[layer-1 mix, layer-2 mix, layer-3 mix,
 * egress gateway]`; the sender's entry gateway is not a Sphinx hop (`wire-format.md` §6.4). The
 * Sphinx destination of anything for a client is its ed25519 identity with a zero identifier
 * (§6.3).
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import {
  encodeRoutingAddress,
  type KeyRotation,
  type MixPacket,
  NODE_ADDRESS_LENGTH,
  type NymNodeRoutingAddress,
  packetPayloadLength,
  type PacketSize,
  PacketType,
} from "../framing/mod.ts";
import {
  buildSphinxPacket,
  createSurb,
  type Destination,
  HEADER_SIZE,
  parseSurb as parseSurbBytes,
  PAYLOAD_KEYS_SEEDS_VERSION,
  type RouteNode,
  sampleDelaysNanos,
  serializeSurb,
  useSurb,
  X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION,
} from "../sphinx/mod.ts";
import { InvalidLengthError } from "./errors.ts";
import {
  joinReplySurb,
  REPLY_KEY_LENGTH,
  replySurbFirstHop,
  splitReplySurb,
} from "./reply_surb.ts";
import type { SurbAckPacketBuilder } from "./surb_ack.ts";

/** A node on a route: its mixnet socket address and current Sphinx public key. */
export interface RouteHop {
  readonly address: NymNodeRoutingAddress;
  /** 32-byte X25519 Sphinx key for the packet's key rotation. */
  readonly sphinxKey: Uint8Array;
}

/**
 * Sphinx header version for the "legacy format" flag (`clients.md` §2.1, `wire-format.md` §13).
 *
 * @example
 * ```ts
 * import { sphinxVersionFor } from "./sphinx_packets.ts";
 * sphinxVersionFor(true); // 258
 * ```
 */
export function sphinxVersionFor(useLegacyFormat: boolean): number {
  return useLegacyFormat ? X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION : PAYLOAD_KEYS_SEEDS_VERSION;
}

/**
 * Converts hops to Sphinx route nodes (addresses zero-padded to 32 bytes).
 *
 * @example
 * ```ts
 * import { toSphinxRoute } from "./sphinx_packets.ts";
 * toSphinxRoute([{ address: { ip: "1.2.3.4", port: 1789 }, sphinxKey: new Uint8Array(32) }])[0].address.length; // 32
 * ```
 */
export function toSphinxRoute(route: readonly RouteHop[]): RouteNode[] {
  return route.map((hop) => ({
    address: encodeRoutingAddress(hop.address, NODE_ADDRESS_LENGTH),
    publicKey: hop.sphinxKey,
  }));
}

function clientDestination(identity: Uint8Array): Destination {
  if (identity.length !== 32) throw new InvalidLengthError("a client identity is 32 bytes");
  return { address: identity, identifier: new Uint8Array(16) };
}

/** Options shared by every builder. */
export interface PacketBuildOptions {
  /** Sphinx header version (258 legacy format, 259 seeds). */
  readonly version: number;
  /** Mean per-hop delay in milliseconds (0 for none). */
  readonly averageDelayMs: number;
}

/**
 * The expected forward delay a sender uses for ack timeouts: the sum of all per-hop delays
 * except the last hop's, which is never encoded (`wire-format.md` §8).
 */
function expectedDelay(delays: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < delays.length - 1; i++) sum += delays[i];
  return sum;
}

/**
 * Returns a {@linkcode SurbAckPacketBuilder} whose ack packets travel `ackRoute()` (a fresh
 * route ending at the sender's own gateway) back to `ownIdentity`.
 *
 * @example
 * ```ts no-eval
 * const builder = surbAckBuilder(crypto, random, { ownIdentity, ackRoute: () => pickRoute(ownGateway), version: 259, averageDelayMs: 15 });
 * const ack = buildSurbAck(crypto, random, ackKey, fragmentId, PacketType.Mix, builder);
 * ```
 */
export function surbAckBuilder(
  crypto: CryptoProvider,
  random: RandomSource,
  options: PacketBuildOptions & {
    readonly ownIdentity: Uint8Array;
    readonly ackRoute: () => readonly RouteHop[];
  },
): SurbAckPacketBuilder {
  return (request) => {
    if (request.packetType !== PacketType.Mix) {
      throw new InvalidLengthError("only Sphinx (mix) SURB-acks are supported");
    }
    const route = options.ackRoute();
    const delays = sampleDelaysNanos(random, route.length, options.averageDelayMs);
    const { packet } = buildSphinxPacket(crypto, {
      message: request.content,
      route: toSphinxRoute(route),
      destination: clientDestination(options.ownIdentity),
      delaysNanos: delays,
      payloadSize: request.payloadSize,
      version: options.version,
      random,
    });
    return { packet, firstHop: route[0].address, expectedDelayNanos: expectedDelay(delays) };
  };
}

/** A packet ready for the entry gateway, and the delay its route adds. */
export interface PreparedPacket {
  readonly mixPacket: MixPacket;
  readonly expectedDelayNanos: number;
}

/**
 * Wraps a packet plaintext (from `buildRegularPlaintext` / `buildLoopCoverPlaintext`) in a Sphinx
 * packet along `route`, addressed to `recipientIdentity` at the route's last hop.
 *
 * @example
 * ```ts no-eval
 * const { mixPacket } = buildDataPacket(crypto, random, { plaintext, packetSize, route, recipientIdentity,
 *   keyRotation: 2, version: 259, averageDelayMs: 15 });
 * ```
 */
export function buildDataPacket(
  crypto: CryptoProvider,
  random: RandomSource,
  input: PacketBuildOptions & {
    readonly plaintext: Uint8Array;
    readonly packetSize: PacketSize;
    readonly route: readonly RouteHop[];
    readonly recipientIdentity: Uint8Array;
    readonly keyRotation: KeyRotation;
  },
): PreparedPacket {
  const delays = sampleDelaysNanos(random, input.route.length, input.averageDelayMs);
  const { packet } = buildSphinxPacket(crypto, {
    message: input.plaintext,
    route: toSphinxRoute(input.route),
    destination: clientDestination(input.recipientIdentity),
    delaysNanos: delays,
    payloadSize: packetPayloadLength(input.packetSize),
    version: input.version,
    random,
  });
  return {
    mixPacket: {
      nextHop: input.route[0].address,
      packetType: PacketType.Mix,
      keyRotation: input.keyRotation,
      packet,
    },
    expectedDelayNanos: expectedDelay(delays),
  };
}

/** A reply SURB the creator keeps the key of. */
export interface CreatedReplySurb {
  /** `reply_key (16) ‖ SURB`, as sent in repliable messages. */
  readonly bytes: Uint8Array;
  readonly replyKey: Uint8Array;
}

/**
 * Creates a reply SURB that brings replies along `route` back to `ownIdentity`. Version 258
 * gives V1-format SURBs (192-byte keys), 259 V2 (seeds).
 *
 * @example
 * ```ts no-eval
 * const surb = createReplySurb(crypto, random, { route, ownIdentity, version: 259, averageDelayMs: 15 });
 * ```
 */
export function createReplySurb(
  crypto: CryptoProvider,
  random: RandomSource,
  input: PacketBuildOptions & {
    readonly route: readonly RouteHop[];
    readonly ownIdentity: Uint8Array;
  },
): CreatedReplySurb {
  const surb = createSurb(crypto, {
    route: toSphinxRoute(input.route),
    destination: clientDestination(input.ownIdentity),
    delaysNanos: sampleDelaysNanos(random, input.route.length, input.averageDelayMs),
    version: input.version,
    random,
  });
  const replyKey = random(REPLY_KEY_LENGTH);
  return { bytes: joinReplySurb(replyKey, serializeSurb(surb)), replyKey };
}

/**
 * Uses a reply SURB received from someone: wraps a reply plaintext (`buildReplyPlaintext`) and
 * returns the packet for the SURB's first hop.
 *
 * @example
 * ```ts no-eval
 * const { mixPacket } = useReplySurb(crypto, surbBytes, plaintext, PacketSize.Regular, 0);
 * ```
 */
export function useReplySurb(
  crypto: CryptoProvider,
  replySurb: Uint8Array,
  plaintext: Uint8Array,
  packetSize: PacketSize,
  keyRotation: KeyRotation,
): PreparedPacket {
  const { surb } = splitReplySurb(replySurb);
  const firstHop = replySurbFirstHop(replySurb);
  const parsed = parseSurbBytes(surb);
  const { packet } = useSurb(crypto, parsed, plaintext, packetPayloadLength(packetSize));
  if (packet.length !== HEADER_SIZE + packetPayloadLength(packetSize)) {
    throw new InvalidLengthError("reply packet has the wrong size");
  }
  return {
    mixPacket: { nextHop: firstHop, packetType: PacketType.Mix, keyRotation, packet },
    expectedDelayNanos: 0,
  };
}
