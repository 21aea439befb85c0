/**
 * Typed errors of the Nym packet layer. Every parser in `message/` throws only subclasses of
 * {@linkcode MessageError}.
 *
 * @module
 */

/**
 * Base class of every message-layer error.
 *
 * @example
 * ```ts
 * import { decodeNymMessage, MessageError } from "./mod.ts";
 * try {
 *   decodeNymMessage(new Uint8Array(0));
 * } catch (e) {
 *   e instanceof MessageError; // true
 * }
 * ```
 */
export class MessageError extends Error {
  override name = "MessageError";
}

/**
 * A recipient address (`wire-format.md` §6.2) with the wrong length, a malformed text form,
 * bad base58 or an identity key that is not an Ed25519 point.
 *
 * @example
 * ```ts
 * import { InvalidRecipientError, parseRecipient } from "./mod.ts";
 * try {
 *   parseRecipient("no-at-sign");
 * } catch (e) {
 *   e instanceof InvalidRecipientError; // true
 * }
 * ```
 */
export class InvalidRecipientError extends MessageError {
  override name = "InvalidRecipientError";
}

/**
 * An anonymous sender tag that is not 16 bytes or not base58.
 *
 * @example
 * ```ts
 * import { InvalidSenderTagError, parseSenderTag } from "./mod.ts";
 * try {
 *   parseSenderTag("1");
 * } catch (e) {
 *   e instanceof InvalidSenderTagError; // true
 * }
 * ```
 */
export class InvalidSenderTagError extends MessageError {
  override name = "InvalidSenderTagError";
}

/**
 * A fragment whose header is too short, lacks the "fragmented" flag, or has self-contradicting
 * fields (`wire-format.md` §9.1); also thrown when constructing such a fragment.
 *
 * @example
 * ```ts
 * import { decodeFragment, MalformedFragmentError } from "./mod.ts";
 * try {
 *   decodeFragment(new Uint8Array([0, 0, 0, 1, 1, 1, 0]));
 * } catch (e) {
 *   e instanceof MalformedFragmentError; // true
 * }
 * ```
 */
export class MalformedFragmentError extends MessageError {
  override name = "MalformedFragmentError";
}

/**
 * A serialized 5-byte fragment identifier (`wire-format.md` §8) of the wrong length or with a
 * negative set id.
 *
 * @example
 * ```ts
 * import { decodeFragmentIdentifier, InvalidFragmentIdentifierError } from "./mod.ts";
 * try {
 *   decodeFragmentIdentifier(new Uint8Array([0x80, 0, 0, 0, 1]));
 * } catch (e) {
 *   e instanceof InvalidFragmentIdentifierError; // true
 * }
 * ```
 */
export class InvalidFragmentIdentifierError extends MessageError {
  override name = "InvalidFragmentIdentifierError";
}

/**
 * A NymMessage (`wire-format.md` §10.1) that is empty, too short for its declared contents, or
 * otherwise inconsistent; also thrown when asked to encode an unrepresentable message.
 *
 * @example
 * ```ts
 * import { decodeNymMessage, MalformedMessageError } from "./mod.ts";
 * try {
 *   decodeNymMessage(new Uint8Array([2])); // a reply with no content tag
 * } catch (e) {
 *   e instanceof MalformedMessageError; // true
 * }
 * ```
 */
export class MalformedMessageError extends MessageError {
  override name = "MalformedMessageError";
}

/**
 * An unknown message type or content tag.
 *
 * @example
 * ```ts
 * import { decodeNymMessage, UnknownMessageTypeError } from "./mod.ts";
 * try {
 *   decodeNymMessage(new Uint8Array([3]));
 * } catch (e) {
 *   e instanceof UnknownMessageTypeError; // true
 * }
 * ```
 */
export class UnknownMessageTypeError extends MessageError {
  override name = "UnknownMessageTypeError";
  /** The offending tag byte. */
  readonly tag: number;
  constructor(tag: number, message: string) {
    super(message);
    this.tag = tag;
  }
}

/**
 * A reassembled message without the 0x01 padding marker (`wire-format.md` §10.2).
 *
 * @example
 * ```ts
 * import { InvalidPaddingError, unpadMessage } from "./mod.ts";
 * try {
 *   unpadMessage(new Uint8Array(4));
 * } catch (e) {
 *   e instanceof InvalidPaddingError; // true
 * }
 * ```
 */
export class InvalidPaddingError extends MessageError {
  override name = "InvalidPaddingError";
}

/**
 * A reply SURB blob of the wrong size or with an unparsable first-hop address, or a SURB list
 * whose SURBs disagree in size.
 *
 * @example
 * ```ts
 * import { MalformedReplySurbError, splitReplySurb } from "./mod.ts";
 * try {
 *   splitReplySurb(new Uint8Array(16));
 * } catch (e) {
 *   e instanceof MalformedReplySurbError; // true
 * }
 * ```
 */
export class MalformedReplySurbError extends MessageError {
  override name = "MalformedReplySurbError";
}

/**
 * Bytes of the wrong length for a fixed-size field of the packet layer: a key, a SURB-ack, an
 * ack plaintext, a packet body, or a fragment that fits no packet size.
 *
 * @example
 * ```ts
 * import { InvalidLengthError, replyKeyDigest } from "./mod.ts";
 * try {
 *   replyKeyDigest(new Uint8Array(3));
 * } catch (e) {
 *   e instanceof InvalidLengthError; // true
 * }
 * ```
 */
export class InvalidLengthError extends MessageError {
  override name = "InvalidLengthError";
}

/**
 * A SURB-ack (`wire-format.md` §8) whose first-hop address cannot be parsed, or a builder
 * callback that returned a packet of the wrong size.
 *
 * @example
 * ```ts
 * import { PacketType } from "../framing/mod.ts";
 * import { decodeSurbAck, MalformedSurbAckError } from "./mod.ts";
 * try {
 *   decodeSurbAck(new Uint8Array(405), PacketType.Mix); // IP version byte 0
 * } catch (e) {
 *   e instanceof MalformedSurbAckError; // true
 * }
 * ```
 */
export class MalformedSurbAckError extends MessageError {
  override name = "MalformedSurbAckError";
}
