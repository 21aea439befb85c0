/**
 * Typed errors of the framing layer. Every parser in `framing/` throws only subclasses of
 * {@linkcode FramingError}, so callers can tell bad input from bugs with one `instanceof`.
 *
 * @module
 */

/**
 * Base class of every framing error.
 *
 * @example
 * ```ts
 * import { FramingError, packetSizeFromTag } from "./mod.ts";
 * try {
 *   packetSizeFromTag(99);
 * } catch (e) {
 *   e instanceof FramingError; // true
 * }
 * ```
 */
export class FramingError extends Error {
  override name = "FramingError";
}

/**
 * A packet-size tag, name or length that matches no {@linkcode PacketSize} (`wire-format.md` §3).
 *
 * @example
 * ```ts
 * import { InvalidPacketSizeError, packetSizeFromLength } from "./mod.ts";
 * try {
 *   packetSizeFromLength(1000);
 * } catch (e) {
 *   e instanceof InvalidPacketSizeError; // true
 * }
 * ```
 */
export class InvalidPacketSizeError extends FramingError {
  override name = "InvalidPacketSizeError";
}

/**
 * A packet-type byte or name other than Mix (0) or Outfox (2) (`wire-format.md` §3).
 *
 * @example
 * ```ts
 * import { InvalidPacketTypeError, packetTypeFromByte } from "./mod.ts";
 * try {
 *   packetTypeFromByte(1); // the retired VPN mode
 * } catch (e) {
 *   e instanceof InvalidPacketTypeError; // true
 * }
 * ```
 */
export class InvalidPacketTypeError extends FramingError {
  override name = "InvalidPacketTypeError";
}

/**
 * A key-rotation byte other than 0 (Unknown), 1 (Odd) or 2 (Even) (`wire-format.md` §4.1).
 *
 * @example
 * ```ts
 * import { InvalidKeyRotationError, keyRotationFromByte } from "./mod.ts";
 * try {
 *   keyRotationFromByte(3);
 * } catch (e) {
 *   e instanceof InvalidKeyRotationError; // true
 * }
 * ```
 */
export class InvalidKeyRotationError extends FramingError {
  override name = "InvalidKeyRotationError";
}

/**
 * A frame version below 7 (pre-versioning) or above 8 (not yet supported) (`wire-format.md` §4.1).
 *
 * @example
 * ```ts
 * import { decodeFrameHeader, InvalidFrameVersionError } from "./mod.ts";
 * try {
 *   decodeFrameHeader(new Uint8Array([9, 1, 0, 0]));
 * } catch (e) {
 *   e instanceof InvalidFrameVersionError; // true
 * }
 * ```
 */
export class InvalidFrameVersionError extends FramingError {
  override name = "InvalidFrameVersionError";
  /** The offending version byte. */
  readonly version: number;
  constructor(version: number, message: string) {
    super(message);
    this.version = version;
  }
}

/**
 * The frame decoder's bounded buffer would overflow: the peer sends faster than frames are
 * pulled, or the caller never pulls.
 *
 * @example
 * ```ts
 * import { FrameBufferOverflowError, FrameDecoder } from "./mod.ts";
 * const d = new FrameDecoder({ maxBufferedBytes: 8 });
 * try {
 *   d.push(new Uint8Array(16));
 * } catch (e) {
 *   e instanceof FrameBufferOverflowError; // true
 * }
 * ```
 */
export class FrameBufferOverflowError extends FramingError {
  override name = "FrameBufferOverflowError";
}

/**
 * Packet bytes whose length does not match the frame's declared size, or other frame inputs
 * that cannot be encoded.
 *
 * @example
 * ```ts
 * import { encodeFrame, InvalidFrameError, PacketSize, PacketType } from "./mod.ts";
 * try {
 *   encodeFrame({ version: 7, packetSize: PacketSize.Regular, packetType: PacketType.Mix,
 *     keyRotation: 0, packet: new Uint8Array(10) });
 * } catch (e) {
 *   e instanceof InvalidFrameError; // true
 * }
 * ```
 */
export class InvalidFrameError extends FramingError {
  override name = "InvalidFrameError";
}

/**
 * A node routing address that cannot be parsed or encoded (`wire-format.md` §6.1): no bytes,
 * too few bytes for its IP version, an IP version other than 4 or 6, a bad textual IP or port,
 * or a padded length shorter than the address.
 *
 * @example
 * ```ts
 * import { decodeRoutingAddress, InvalidRoutingAddressError } from "./mod.ts";
 * try {
 *   decodeRoutingAddress(new Uint8Array([5, 0, 0]));
 * } catch (e) {
 *   e instanceof InvalidRoutingAddressError; // true
 * }
 * ```
 */
export class InvalidRoutingAddressError extends FramingError {
  override name = "InvalidRoutingAddressError";
}

/**
 * A serialised MixPacket (`wire-format.md` §4.2) that is too short to hold its fixed fields, or
 * a MixPacket to encode whose packet length is no packet size. (An unknown type, rotation,
 * address or packet length in received bytes throws the matching specific error.)
 *
 * @example
 * ```ts
 * import { decodeMixPacketV1, MalformedMixPacketError } from "./mod.ts";
 * try {
 *   decodeMixPacketV1(new Uint8Array([0]));
 * } catch (e) {
 *   e instanceof MalformedMixPacketError; // true
 * }
 * ```
 */
export class MalformedMixPacketError extends FramingError {
  override name = "MalformedMixPacketError";
}
