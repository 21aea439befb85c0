/**
 * Message padding and the per-packet plaintext budget (`wire-format.md` §9.1, §10.2, upstream
 * `NymMessage::pad_to_full_packet_lengths` / `PaddedMessage::remove_padding`).
 *
 * `padded = message bytes ‖ 0x01 ‖ zeros`, with exactly as many zeros as the last fragment has
 * free space, so that every fragment serializes to exactly `ppp` bytes.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { InvalidPacketSizeError } from "../framing/errors.ts";
import {
  packetPlaintextLength,
  type PacketSize,
  packetSizeFromPlaintext,
  packetTypeOfSize,
} from "../framing/packet_size.ts";
import type { PacketType } from "../framing/packet_type.ts";
import { numberOfRequiredFragments, splitIntoFragments } from "./chunking.ts";
import { InvalidLengthError, InvalidPaddingError } from "./errors.ts";
import type { Fragment } from "./fragment.ts";
import {
  decodeNymMessage,
  type NymMessage,
  nymMessageLength,
  writeNymMessage,
} from "./nym_message.ts";
import { VARIANT_OVERHEAD } from "./payload_crypto.ts";
import { surbAckLength } from "./surb_ack.ts";

/**
 * Plaintext per packet (`ppp`): what one fragment may serialize to in a packet of `size`,
 * `pt − 405 − 32` (outfox: `pt − 396 − 32`). The same for plain, repliable and reply messages.
 *
 * @example
 * ```ts
 * import { PacketSize } from "../framing/packet_size.ts";
 * import { plaintextPerPacket } from "./padding.ts";
 * plaintextPerPacket(PacketSize.Regular); // 1611
 * plaintextPerPacket(PacketSize.Extended32); // 32331
 * ```
 * @throws {InvalidLengthError} for the ack sizes, which carry no fragments.
 */
export function plaintextPerPacket(size: PacketSize): number {
  const ppp = packetPlaintextLength(size) - surbAckLength(packetTypeOfSize(size)) -
    VARIANT_OVERHEAD;
  if (ppp <= 10) throw new InvalidLengthError(`packet size ${size} carries no fragments`);
  return ppp;
}

/**
 * The packet size a serialized fragment of `fragmentLength` bytes travels in: upstream's
 * `get_type_from_plaintext(fragment + SURB-ack + 32, type)`.
 *
 * @example
 * ```ts
 * import { PacketType } from "../framing/packet_type.ts";
 * import { packetSizeForFragment } from "./padding.ts";
 * packetSizeForFragment(1611, PacketType.Mix); // 1 (Regular)
 * ```
 * @throws {InvalidLengthError} if no size matches (an unpadded fragment).
 */
export function packetSizeForFragment(fragmentLength: number, packetType: PacketType): PacketSize {
  try {
    return packetSizeFromPlaintext(
      fragmentLength + surbAckLength(packetType) + VARIANT_OVERHEAD,
      packetType,
    );
  } catch (e) {
    if (e instanceof InvalidPacketSizeError) {
      throw new InvalidLengthError(`a ${fragmentLength}-byte fragment fits no packet size`);
    }
    throw e;
  }
}

/**
 * Pads already-serialized message bytes for fragments of `ppp` bytes.
 *
 * @example
 * ```ts
 * import { padMessage } from "./padding.ts";
 * const padded = padMessage(new Uint8Array([0, 7]), 1611);
 * padded.length; // 1604 (one full unlinked fragment)
 * padded[2]; // 1
 * ```
 * @throws {InvalidLengthError} if `ppp` is too small.
 */
export function padMessage(bytes: Uint8Array, ppp: number): Uint8Array {
  const { leftover } = numberOfRequiredFragments(bytes.length + 1, ppp);
  const out = new Uint8Array(bytes.length + 1 + leftover);
  out.set(bytes);
  out[bytes.length] = 1;
  return out;
}

/**
 * Serializes and pads a message in one allocation.
 *
 * @example
 * ```ts
 * import { padNymMessage } from "./padding.ts";
 * padNymMessage({ kind: "plain", message: new Uint8Array(5000) }, 1611).length; // 6416 = 4 × 1604
 * ```
 * @throws {InvalidLengthError} if `ppp` is too small.
 * @throws {MalformedMessageError} | {MalformedReplySurbError} for an unrepresentable message.
 */
export function padNymMessage(message: NymMessage, ppp: number): Uint8Array {
  const length = nymMessageLength(message);
  const { leftover } = numberOfRequiredFragments(length + 1, ppp);
  const out = new Uint8Array(length + 1 + leftover);
  writeNymMessage(out, 0, message);
  out[length] = 1;
  return out;
}

/**
 * Removes padding: everything before the **last** 0x01 byte (a zero-copy view).
 *
 * @example
 * ```ts
 * import { unpadMessage } from "./padding.ts";
 * unpadMessage(new Uint8Array([0, 1, 5, 1, 0, 0])); // Uint8Array [0, 1, 5]
 * ```
 * @throws {InvalidPaddingError} if there is no 0x01 byte.
 */
export function unpadMessage(padded: Uint8Array): Uint8Array {
  const end = padded.lastIndexOf(1);
  if (end < 0) {
    throw new InvalidPaddingError("the message has no '1' byte ending its zero padding");
  }
  return padded.subarray(0, end);
}

/**
 * Unpads and parses a reassembled message.
 *
 * @example
 * ```ts
 * import { decodePaddedNymMessage, padNymMessage } from "./padding.ts";
 * const padded = padNymMessage({ kind: "plain", message: new Uint8Array([1, 1]) }, 1611);
 * decodePaddedNymMessage(padded); // { kind: "plain", message: Uint8Array [1, 1] }
 * ```
 * @throws {InvalidPaddingError} | {MalformedMessageError} | {UnknownMessageTypeError} |
 * {MalformedReplySurbError} | {InvalidRecipientError} for bad bytes.
 */
export function decodePaddedNymMessage(padded: Uint8Array): NymMessage {
  return decodeNymMessage(unpadMessage(padded));
}

/**
 * How many packets of `size` a message needs once padded (exact; upstream's
 * `required_packets` is an estimate computed with one byte less per fragment).
 *
 * @example
 * ```ts
 * import { PacketSize } from "../framing/packet_size.ts";
 * import { packetsForMessage } from "./padding.ts";
 * packetsForMessage({ kind: "plain", message: new Uint8Array(1602) }, PacketSize.Regular); // 1
 * packetsForMessage({ kind: "plain", message: new Uint8Array(1603) }, PacketSize.Regular); // 2
 * ```
 * @throws {InvalidLengthError} for an ack size.
 */
export function packetsForMessage(message: NymMessage, size: PacketSize): number {
  return numberOfRequiredFragments(nymMessageLength(message) + 1, plaintextPerPacket(size))
    .fragments;
}

/**
 * Pads and splits a message into fragments for packets of `size` (upstream
 * `pad_and_split_message`). Every fragment serializes to exactly `plaintextPerPacket(size)`
 * bytes.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../crypto/random.ts";
 * import { PacketSize } from "../framing/packet_size.ts";
 * import { prepareFragments } from "./padding.ts";
 * prepareFragments({ kind: "plain", message: new Uint8Array(4000) }, PacketSize.Regular, systemRandom)
 *   .length; // 3
 * ```
 * @throws {InvalidLengthError} for an ack size.
 * @throws {MalformedMessageError} | {MalformedReplySurbError} for an unrepresentable message.
 */
export function prepareFragments(
  message: NymMessage,
  size: PacketSize,
  random: RandomSource,
): Fragment[] {
  const ppp = plaintextPerPacket(size);
  return splitIntoFragments(padNymMessage(message, ppp), ppp, random);
}
