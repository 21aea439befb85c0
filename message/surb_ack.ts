/**
 * SURB-acks without Sphinx (`wire-format.md` §7.3, §8, upstream
 * `common/nymsphinx/acknowledgements/src/{surb_ack,identifier}.rs` and
 * `common/nymsphinx/framing/src/processing.rs`).
 *
 * Every non-ack packet's plaintext starts with a SURB-ack: `first_hop (19, zero-padded) ‖ ack
 * packet (386)` = 405 bytes (outfox: 19 + 377). The ack packet's own plaintext is the 21-byte
 * ack content `IV (16) ‖ AES-128-CTR(ack_key, IV)(fragment_id (5))`.
 *
 * Building the 386-byte ack Sphinx packet is left to a caller-supplied
 * {@linkcode SurbAckPacketBuilder} (wired to `sphinx/` by the node and client code).
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import { InvalidRoutingAddressError } from "../framing/errors.ts";
import { packetPayloadLength, PacketSize, packetTotalLength } from "../framing/packet_size.ts";
import { PacketType } from "../framing/packet_type.ts";
import {
  decodeRoutingAddress,
  encodeRoutingAddress,
  MAX_NODE_ADDRESS_UNPADDED_LEN,
  type NymNodeRoutingAddress,
} from "../framing/routing_address.ts";
import { InvalidLengthError, MalformedSurbAckError } from "./errors.ts";
import {
  decodeFragmentIdentifier,
  encodeFragmentIdentifier,
  FRAGMENT_IDENTIFIER_LENGTH,
  type FragmentIdentifier,
} from "./fragment.ts";

/** Length of the client's AES-128 ack key. */
export const ACK_KEY_LENGTH = 16;
/** Length of the random IV in front of an encrypted fragment id. */
export const ACK_IV_LENGTH = 16;
/** Length of the ack content: IV + encrypted 5-byte fragment id = 21. */
export const ACK_CONTENT_LENGTH = ACK_IV_LENGTH + FRAGMENT_IDENTIFIER_LENGTH;
/** A Sphinx SURB-ack in a packet plaintext: 19 + 386 = 405 bytes. */
export const SURB_ACK_LENGTH = MAX_NODE_ADDRESS_UNPADDED_LEN + 386;
/** An outfox SURB-ack in a packet plaintext: 19 + 377 = 396 bytes. */
export const OUTFOX_SURB_ACK_LENGTH = MAX_NODE_ADDRESS_UNPADDED_LEN + 377;
/** Outfox `MIN_PACKET_SIZE`: the payload size of an outfox ack. */
const OUTFOX_MIN_PAYLOAD = 48;

/**
 * The SURB-ack length for a packet type: 405 (Mix) or 396 (Outfox).
 *
 * @example
 * ```ts
 * import { PacketType } from "../framing/packet_type.ts";
 * import { surbAckLength } from "./surb_ack.ts";
 * surbAckLength(PacketType.Mix); // 405
 * ```
 */
export function surbAckLength(packetType: PacketType): number {
  return packetType === PacketType.Outfox ? OUTFOX_SURB_ACK_LENGTH : SURB_ACK_LENGTH;
}

function ackPacketSize(packetType: PacketType): PacketSize {
  return packetType === PacketType.Outfox ? PacketSize.OutfoxAck : PacketSize.Ack;
}

function checkAckKey(ackKey: Uint8Array): void {
  if (ackKey.length !== ACK_KEY_LENGTH) {
    throw new InvalidLengthError(`an ack key is 16 bytes, got ${ackKey.length}`);
  }
}

/**
 * Encrypts a fragment id into the 21-byte ack content, with a fresh random IV.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { encryptAckContent } from "./surb_ack.ts";
 * const c = createCryptoProvider();
 * encryptAckContent(c, systemRandom, new Uint8Array(16), { setId: 7, position: 1 }).length; // 21
 * ```
 * @throws {InvalidLengthError} for a key that is not 16 bytes.
 * @throws {InvalidFragmentIdentifierError} for an unencodable id.
 */
export function encryptAckContent(
  crypto: CryptoProvider,
  random: RandomSource,
  ackKey: Uint8Array,
  fragmentId: FragmentIdentifier,
): Uint8Array {
  checkAckKey(ackKey);
  const id = encodeFragmentIdentifier(fragmentId);
  const iv = random(ACK_IV_LENGTH);
  const out = new Uint8Array(ACK_CONTENT_LENGTH);
  out.set(iv);
  out.set(crypto.aes128Ctr(ackKey, iv, id), ACK_IV_LENGTH);
  return out;
}

/**
 * Decrypts ack content (the plaintext a gateway delivers for an Ack-size packet) back to the
 * fragment id. Bytes after the first 21 are ignored (upstream would panic on them).
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { decryptAckContent, encryptAckContent } from "./surb_ack.ts";
 * const c = createCryptoProvider();
 * const key = new Uint8Array(16).fill(3);
 * decryptAckContent(c, key, encryptAckContent(c, systemRandom, key, { setId: 7, position: 1 }));
 * // { setId: 7, position: 1 }
 * ```
 * @throws {InvalidLengthError} for content shorter than 21 bytes or a bad key length.
 * @throws {InvalidFragmentIdentifierError} if the decrypted set id is negative (wrong key or
 * garbage).
 */
export function decryptAckContent(
  crypto: CryptoProvider,
  ackKey: Uint8Array,
  content: Uint8Array,
): FragmentIdentifier {
  checkAckKey(ackKey);
  if (content.length < ACK_CONTENT_LENGTH) {
    throw new InvalidLengthError(
      `ack content is ${ACK_CONTENT_LENGTH} bytes, got ${content.length}`,
    );
  }
  const iv = content.subarray(0, ACK_IV_LENGTH);
  const id = crypto.aes128Ctr(ackKey, iv, content.subarray(ACK_IV_LENGTH, ACK_CONTENT_LENGTH));
  return decodeFragmentIdentifier(id);
}

/**
 * Lays out a SURB-ack: the first hop zero-padded to 19 bytes, then the ack packet (386 bytes for
 * Mix, 377 for Outfox).
 *
 * @example
 * ```ts
 * import { PacketType } from "../framing/packet_type.ts";
 * import { encodeSurbAck } from "./surb_ack.ts";
 * encodeSurbAck({ ip: "1.2.3.4", port: 1789 }, new Uint8Array(386), PacketType.Mix).length; // 405
 * ```
 * @throws {InvalidLengthError} if the packet is not an ack packet of that type.
 * @throws {MalformedSurbAckError} for an unencodable address.
 */
export function encodeSurbAck(
  firstHop: NymNodeRoutingAddress,
  ackPacket: Uint8Array,
  packetType: PacketType,
): Uint8Array {
  const packetLength = packetTotalLength(ackPacketSize(packetType));
  if (ackPacket.length !== packetLength) {
    throw new InvalidLengthError(`an ack packet is ${packetLength} bytes, got ${ackPacket.length}`);
  }
  let address: Uint8Array;
  try {
    address = encodeRoutingAddress(firstHop, MAX_NODE_ADDRESS_UNPADDED_LEN);
  } catch (e) {
    if (e instanceof InvalidRoutingAddressError) throw new MalformedSurbAckError(e.message);
    throw e;
  }
  const out = new Uint8Array(MAX_NODE_ADDRESS_UNPADDED_LEN + packetLength);
  out.set(address);
  out.set(ackPacket, MAX_NODE_ADDRESS_UNPADDED_LEN);
  return out;
}

/** A SURB-ack split into its first hop and ack packet. */
export interface SurbAckParts {
  readonly firstHop: NymNodeRoutingAddress;
  /** The ack packet: a zero-copy view, 386 (Mix) or 377 (Outfox) bytes. */
  readonly packet: Uint8Array;
}

/**
 * Splits a SURB-ack of exactly {@linkcode surbAckLength} bytes.
 *
 * @example
 * ```ts
 * import { PacketType } from "../framing/packet_type.ts";
 * import { decodeSurbAck, encodeSurbAck } from "./surb_ack.ts";
 * const ack = encodeSurbAck({ ip: "1.2.3.4", port: 1789 }, new Uint8Array(386), PacketType.Mix);
 * decodeSurbAck(ack, PacketType.Mix).firstHop; // { ip: "1.2.3.4", port: 1789 }
 * ```
 * @throws {InvalidLengthError} for another length.
 * @throws {MalformedSurbAckError} if the first hop cannot be parsed.
 */
export function decodeSurbAck(bytes: Uint8Array, packetType: PacketType): SurbAckParts {
  const length = surbAckLength(packetType);
  if (bytes.length !== length) {
    throw new InvalidLengthError(`a SURB-ack is ${length} bytes, got ${bytes.length}`);
  }
  let firstHop: NymNodeRoutingAddress;
  try {
    firstHop = decodeRoutingAddress(bytes.subarray(0, MAX_NODE_ADDRESS_UNPADDED_LEN));
  } catch (e) {
    if (e instanceof InvalidRoutingAddressError) {
      throw new MalformedSurbAckError(`could not extract the SURB-ack first hop: ${e.message}`);
    }
    throw e;
  }
  return { firstHop, packet: bytes.subarray(MAX_NODE_ADDRESS_UNPADDED_LEN) };
}

/** What the ack-packet builder gets. */
export interface SurbAckPacketRequest {
  /** The 21-byte ack content to carry as the packet's message. */
  readonly content: Uint8Array;
  readonly packetType: PacketType;
  /**
   * Sphinx `payload_size` to build with: 38 (`PacketSize.Ack`) for Mix; for Outfox the payload
   * length `max(21, 48)`.
   */
  readonly payloadSize: number;
}

/** What the ack-packet builder returns. */
export interface SurbAckPacket {
  /** The built ack packet: 386 bytes (Mix) or 377 (Outfox). */
  readonly packet: Uint8Array;
  /** The route's first node (a layer-1 mix). */
  readonly firstHop: NymNodeRoutingAddress;
  /** Sum of the route's delays except the last hop, in nanoseconds (for the ack timeout). */
  readonly expectedDelayNanos: number;
}

/**
 * Integration point with `sphinx/`: builds the ack packet for `request.content` along a fresh
 * route `[3 mixes, the sender's own gateway]` to the sender's own identity, with
 * `average_ack_delay` delays and the client's legacy/version flag (`wire-format.md` §8).
 */
export type SurbAckPacketBuilder = (request: SurbAckPacketRequest) => SurbAckPacket;

/** A built SURB-ack, ready to prefix a packet plaintext. */
export interface BuiltSurbAck {
  /** `first_hop (19) ‖ ack packet`: 405 bytes (Mix) or 396 (Outfox). */
  readonly bytes: Uint8Array;
  /** The builder's expected ack delay, in nanoseconds. */
  readonly expectedDelayNanos: number;
  /** The id the ack will carry back. */
  readonly fragmentId: FragmentIdentifier;
}

/**
 * Builds a SURB-ack for `fragmentId`: encrypts the id with `ackKey` and a fresh IV, has
 * `buildAckPacket` wrap it in an ack packet, and lays the result out as {@linkcode encodeSurbAck}
 * does. Use {@linkcode COVER_FRAGMENT_IDENTIFIER} for loop cover traffic.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { PacketType } from "../framing/packet_type.ts";
 * import { buildSurbAck } from "./surb_ack.ts";
 * const c = createCryptoProvider();
 * const ack = buildSurbAck(c, systemRandom, new Uint8Array(16), { setId: 1, position: 1 }, PacketType.Mix,
 *   // A stand-in; real code passes a builder backed by sphinx/.
 *   () => ({ packet: new Uint8Array(386), firstHop: { ip: "1.2.3.4", port: 1789 }, expectedDelayNanos: 0 }));
 * ack.bytes.length; // 405
 * ```
 * @throws {InvalidLengthError} for a bad key or a builder packet of the wrong size.
 * @throws {MalformedSurbAckError} for a builder first hop that cannot be encoded.
 */
export function buildSurbAck(
  crypto: CryptoProvider,
  random: RandomSource,
  ackKey: Uint8Array,
  fragmentId: FragmentIdentifier,
  packetType: PacketType,
  buildAckPacket: SurbAckPacketBuilder,
): BuiltSurbAck {
  const content = encryptAckContent(crypto, random, ackKey, fragmentId);
  const payloadSize = packetType === PacketType.Outfox
    ? Math.max(ACK_CONTENT_LENGTH, OUTFOX_MIN_PAYLOAD)
    : packetPayloadLength(PacketSize.Ack);
  const built = buildAckPacket({ content, packetType, payloadSize });
  return {
    bytes: encodeSurbAck(built.firstHop, built.packet, packetType),
    expectedDelayNanos: built.expectedDelayNanos,
    fragmentId,
  };
}

/** A final-hop plaintext, split as the egress gateway does. */
export type FinalHopPayload =
  /** An ack packet arrived: `content` is the 21-byte ack content for the client. */
  | { readonly kind: "ack"; readonly content: Uint8Array }
  /**
   * A message packet: forward `ackPacket` to `ackFirstHop` (same packet type and rotation as the
   * carrying packet) and deliver `message` (`pt − 405` bytes) to the client.
   */
  | {
    readonly kind: "message";
    readonly ackFirstHop: NymNodeRoutingAddress;
    readonly ackPacket: Uint8Array;
    readonly message: Uint8Array;
  };

/**
 * The egress gateway's split of a recovered plaintext (`wire-format.md` §7.3). Ack sizes go to
 * the client as they are; other sizes lose their leading SURB-ack, which is parsed for
 * forwarding. Results are zero-copy views.
 *
 * @example
 * ```ts
 * import { PacketSize } from "../framing/packet_size.ts";
 * import { PacketType } from "../framing/packet_type.ts";
 * import { encodeSurbAck, splitFinalHopPayload } from "./surb_ack.ts";
 * const plaintext = new Uint8Array(2048);
 * plaintext.set(encodeSurbAck({ ip: "1.2.3.4", port: 1789 }, new Uint8Array(386), PacketType.Mix));
 * const split = splitFinalHopPayload(plaintext, PacketSize.Regular, PacketType.Mix);
 * split.kind === "message" && split.message.length; // 1643
 * ```
 * @throws {MalformedSurbAckError} if a non-ack plaintext is shorter than a SURB-ack or its first
 * hop cannot be parsed.
 */
export function splitFinalHopPayload(
  plaintext: Uint8Array,
  packetSize: PacketSize,
  packetType: PacketType,
): FinalHopPayload {
  if (packetSize === PacketSize.Ack || packetSize === PacketSize.OutfoxAck) {
    return { kind: "ack", content: plaintext };
  }
  const length = surbAckLength(packetType);
  if (plaintext.length < length) {
    throw new MalformedSurbAckError(
      `the final hop plaintext (${plaintext.length} bytes) does not contain a SURB-ack`,
    );
  }
  const ack = decodeSurbAck(plaintext.subarray(0, length), packetType);
  return {
    kind: "message",
    ackFirstHop: ack.firstHop,
    ackPacket: ack.packet,
    message: plaintext.subarray(length),
  };
}
