/**
 * Whole Sphinx packets: building them, and processing one hop at a node
 * (`wire-format.md` §2.3, §2.13).
 *
 * Processing is split in two so a node can check the replay tag between the cheap, MAC-verified
 * first half and the rest (nym-node does the same, `nym-node.md` §3.4):
 * {@linkcode beginUnwrap} (X25519 + HKDF + MAC) then {@linkcode finishUnwrap}.
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import {
  FINAL_HOP,
  FORWARD_HOP,
  GROUP_ELEMENT_SIZE,
  HEADER_SIZE,
  IDENTIFIER_LENGTH,
  NODE_ADDRESS_LENGTH,
  PAYLOAD_OVERHEAD_SIZE,
  usesLegacyBlinding,
  X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION,
} from "./constants.ts";
import { HeaderIntegrityError, MalformedPacketError, UnknownRoutingFlagError } from "./errors.ts";
import {
  buildHeader,
  decryptRoutingInfo,
  type Destination,
  type RouteNode,
  verifyHeaderMac,
} from "./header.ts";
import { type ExpandedSharedSecret, expandSharedSecret, payloadKeyFor } from "./keys.ts";
import { lionessDecrypt } from "./lioness.ts";
import { encapsulatePayload, MINIMUM_PAYLOAD_SIZE } from "./payload.ts";
import { blindAlpha, legacyBlindAlpha } from "./blinding.ts";

/** Smallest valid packet: header plus the smallest payload. */
export const MINIMUM_PACKET_SIZE = HEADER_SIZE + MINIMUM_PAYLOAD_SIZE;

/** Inputs of {@linkcode buildSphinxPacket}. */
export interface PacketSpec {
  /** The message; at most `payloadSize - 17` bytes. */
  readonly message: Uint8Array;
  readonly route: readonly RouteNode[];
  readonly destination: Destination;
  /** Per-hop delays in nanoseconds (one per hop; the last is not encoded). */
  readonly delaysNanos: readonly number[];
  /** Payload size (total packet size minus 348). Nym uses `PacketSize.payloadSize`. */
  readonly payloadSize: number;
  /** Header version; defaults to 258, what Nym clients send today. */
  readonly version?: number;
  readonly random: RandomSource;
  /** Fixes the initial secret x (tests); fresh randomness otherwise. */
  readonly initialSecret?: Uint8Array;
}

/** A built packet and the payload keys used for it (in route order). */
export interface BuiltPacket {
  readonly packet: Uint8Array;
  readonly payloadKeys: readonly Uint8Array[];
}

/**
 * Builds a Sphinx packet.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { buildSphinxPacket } from "./packet.ts";
 * const c = createCryptoProvider();
 * const node = { address: new Uint8Array(32), publicKey: c.x25519Base(new Uint8Array(32).fill(1)) };
 * const { packet } = buildSphinxPacket(c, {
 *   message: new TextEncoder().encode("hi"), route: [node], delaysNanos: [0], payloadSize: 1024,
 *   destination: { address: new Uint8Array(32), identifier: new Uint8Array(16) }, random: systemRandom,
 * });
 * packet.length; // 1372
 * ```
 */
export function buildSphinxPacket(crypto: CryptoProvider, spec: PacketSpec): BuiltPacket {
  const version = spec.version ?? X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION;
  const { header, expanded } = buildHeader(crypto, {
    route: spec.route,
    delaysNanos: spec.delaysNanos,
    destination: spec.destination,
    version,
    initialSecret: spec.initialSecret ?? spec.random(32),
    random: spec.random,
  });
  const payloadKeys = expanded.map((e) => payloadKeyFor(crypto, e, version));
  const payload = encapsulatePayload(crypto, spec.message, spec.payloadSize, payloadKeys);
  const packet = new Uint8Array(HEADER_SIZE + payload.length);
  packet.set(header, 0);
  packet.set(payload, HEADER_SIZE);
  return { packet, payloadKeys };
}

/** The state between {@linkcode beginUnwrap} and {@linkcode finishUnwrap}. */
export interface PartialUnwrap {
  /** The packet being processed (not modified). */
  readonly packet: Uint8Array;
  /** The hop's key expansion. */
  readonly expanded: ExpandedSharedSecret;
  /** 32-byte replay tag for the node's replay filter. */
  readonly replayTag: Uint8Array;
}

/** Result of processing a packet whose layer says "forward". */
export interface ForwardHop {
  readonly kind: "forward";
  /** Version bytes of this hop's layer. */
  readonly version: number;
  /** The 32-byte address of the next hop. */
  readonly nextHopAddress: Uint8Array;
  /**
   * Requested delay in nanoseconds. Exact up to 2^53 ns (104 days); larger values (which only a
   * hostile sender would use) lose precision, and nodes cap delays far below that anyway.
   */
  readonly delayNanos: number;
  /** The packet to send to the next hop (same length as the input). */
  readonly packet: Uint8Array;
}

/** Result of processing a packet whose layer says "final hop". */
export interface FinalHop {
  readonly kind: "final";
  readonly version: number;
  /** 32-byte destination (the recipient's identity). */
  readonly destination: Uint8Array;
  /** 16-byte SURB identifier. */
  readonly identifier: Uint8Array;
  /** The fully decrypted payload; pass it to `recoverPlaintext`. */
  readonly payload: Uint8Array;
}

/** Options of {@linkcode finishUnwrap} and {@linkcode processSphinxPacket}. */
export interface UnwrapOptions {
  /**
   * Overwrite the input packet instead of allocating the output (the result's `packet` /
   * `payload` are then views of it). Only for callers that own the input buffer and do not need
   * it afterwards; it saves a 2 KB+ allocation per packet on a busy node.
   */
  readonly inPlace?: boolean;
}

/** What processing one hop yields. */
export type ProcessedPacket = ForwardHop | FinalHop;

/**
 * Checks the packet's length (header plus a payload LIONESS can process).
 *
 * @example
 * ```ts
 * import { assertPacketLength } from "./packet.ts";
 * assertPacketLength(new Uint8Array(2413));
 * ```
 */
export function assertPacketLength(packet: Uint8Array): void {
  if (packet.length < MINIMUM_PACKET_SIZE) {
    throw new MalformedPacketError(
      `sphinx packet of ${packet.length} bytes is shorter than ${MINIMUM_PACKET_SIZE}`,
    );
  }
}

/**
 * First half of processing: X25519 with the node key, key expansion, and γ verification. Throws
 * {@linkcode HeaderIntegrityError} if the MAC does not verify (wrong key or tampering).
 *
 * @example
 * ```ts no-eval
 * const partial = beginUnwrap(crypto, packet, nodeSecretKey);
 * if (!replayFilter.checkAndSet(partial.replayTag)) throw new Error("replay");
 * const result = finishUnwrap(crypto, partial);
 * ```
 */
export function beginUnwrap(
  crypto: CryptoProvider,
  packet: Uint8Array,
  nodeSecretKey: Uint8Array,
): PartialUnwrap {
  assertPacketLength(packet);
  const alpha = packet.subarray(0, GROUP_ELEMENT_SIZE);
  const expanded = expandSharedSecret(crypto, crypto.x25519(nodeSecretKey, alpha));
  if (!verifyHeaderMac(crypto, packet.subarray(0, HEADER_SIZE), expanded)) {
    throw new HeaderIntegrityError("header MAC does not verify");
  }
  return { packet, expanded, replayTag: expanded.replayTag };
}

/**
 * Second half of processing: decrypts the routing layer, blinds α, and removes one payload layer.
 *
 * @example
 * ```ts no-eval
 * const result = finishUnwrap(crypto, beginUnwrap(crypto, packet, nodeSecretKey));
 * ```
 */
export function finishUnwrap(
  crypto: CryptoProvider,
  partial: PartialUnwrap,
  options: UnwrapOptions = {},
): ProcessedPacket {
  const { packet, expanded } = partial;
  const inPlace = options.inPlace ?? false;
  const routing = decryptRoutingInfo(crypto, packet, expanded.streamCipherKey);
  const flag = routing[0];
  // Byte 1 of the version field is always 0 on the wire; upstream only debug-asserts it.
  const version = (routing[2] << 8) | routing[3];
  if (flag !== FORWARD_HOP && flag !== FINAL_HOP) {
    throw new UnknownRoutingFlagError(`unknown routing flag ${flag}`);
  }
  const payloadKey = payloadKeyFor(crypto, expanded, version);

  if (flag === FINAL_HOP) {
    const payload = inPlace ? packet.subarray(HEADER_SIZE) : packet.slice(HEADER_SIZE);
    lionessDecrypt(crypto, payloadKey, payload);
    return {
      kind: "final",
      version,
      destination: routing.slice(4, 4 + NODE_ADDRESS_LENGTH),
      identifier: routing.slice(
        4 + NODE_ADDRESS_LENGTH,
        4 + NODE_ADDRESS_LENGTH + IDENTIFIER_LENGTH,
      ),
      payload,
    };
  }

  const alpha = packet.subarray(0, GROUP_ELEMENT_SIZE);
  const nextAlpha = usesLegacyBlinding(version)
    ? legacyBlindAlpha(crypto, expanded.blindingFactor, alpha)
    : blindAlpha(crypto, expanded.blindingFactor, alpha);
  const next = inPlace ? packet : new Uint8Array(packet.length);
  next.set(nextAlpha, 0);
  // routing[44..360) is the next γ (16) followed by the next β (300).
  next.set(routing.subarray(44), GROUP_ELEMENT_SIZE);
  if (!inPlace) next.set(packet.subarray(HEADER_SIZE), HEADER_SIZE);
  lionessDecrypt(crypto, payloadKey, next.subarray(HEADER_SIZE));
  const d = 36;
  const delayNanos = (((routing[d] << 24) | (routing[d + 1] << 16) | (routing[d + 2] << 8) |
        routing[d + 3]) >>> 0) * 2 ** 32 +
    (((routing[d + 4] << 24) | (routing[d + 5] << 16) | (routing[d + 6] << 8) |
      routing[d + 7]) >>> 0);
  return {
    kind: "forward",
    version,
    nextHopAddress: routing.slice(4, 4 + NODE_ADDRESS_LENGTH),
    delayNanos,
    packet: next,
  };
}

/**
 * Processes one hop: {@linkcode beginUnwrap} then {@linkcode finishUnwrap}.
 *
 * @example
 * ```ts no-eval
 * const result = processSphinxPacket(crypto, packet, nodeSecretKey);
 * if (result.kind === "forward") send(result.nextHopAddress, result.packet, result.delayNanos);
 * ```
 */
export function processSphinxPacket(
  crypto: CryptoProvider,
  packet: Uint8Array,
  nodeSecretKey: Uint8Array,
  options: UnwrapOptions = {},
): ProcessedPacket {
  return finishUnwrap(crypto, beginUnwrap(crypto, packet, nodeSecretKey), options);
}

/**
 * The largest message that fits a payload of `payloadSize` bytes.
 *
 * @example
 * ```ts
 * import { maxMessageLength } from "./packet.ts";
 * maxMessageLength(2065); // 2048
 * ```
 */
export function maxMessageLength(payloadSize: number): number {
  return payloadSize - PAYLOAD_OVERHEAD_SIZE;
}
