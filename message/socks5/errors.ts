/**
 * Typed errors of the SOCKS5 / service-provider codecs. Every parser in `message/socks5/` throws
 * only subclasses of {@linkcode Socks5ProtocolError} (itself a {@linkcode MessageError}).
 *
 * @module
 */
import { MessageError } from "../errors.ts";

/**
 * Base class of every error of the service-provider and SOCKS5 codecs.
 *
 * @example
 * ```ts
 * import { decodeSocks5ProviderRequest, Socks5ProtocolError } from "./mod.ts";
 * try {
 *   decodeSocks5ProviderRequest(new Uint8Array(0));
 * } catch (e) {
 *   e instanceof Socks5ProtocolError; // true
 * }
 * ```
 */
export class Socks5ProtocolError extends MessageError {
  override name = "Socks5ProtocolError";
}

/**
 * A malformed service-provider envelope (`clients.md` §5.3): empty, unknown request/response tag,
 * unknown control tag, or a control message in legacy mode.
 *
 * @example
 * ```ts
 * import { decodeSocks5ProviderRequest, MalformedEnvelopeError } from "./mod.ts";
 * try {
 *   decodeSocks5ProviderRequest(new Uint8Array([3, 7]));
 * } catch (e) {
 *   e instanceof MalformedEnvelopeError; // true: tag 7 is neither Control nor ProviderData
 * }
 * ```
 */
export class MalformedEnvelopeError extends Socks5ProtocolError {
  override name = "MalformedEnvelopeError";
}

/**
 * A malformed `Socks5Request` (Connect/Send/Query), or one with a protocol version newer than 3.
 *
 * @example
 * ```ts
 * import { decodeSocks5Request, MalformedSocks5RequestError } from "./mod.ts";
 * try {
 *   decodeSocks5Request(new Uint8Array([3, 0, 1, 2]));
 * } catch (e) {
 *   e instanceof MalformedSocks5RequestError; // true: connection id too short
 * }
 * ```
 */
export class MalformedSocks5RequestError extends Socks5ProtocolError {
  override name = "MalformedSocks5RequestError";
}

/**
 * A malformed `Socks5Response` (NetworkData/ConnectionError/Query).
 *
 * @example
 * ```ts
 * import { decodeSocks5Response, MalformedSocks5ResponseError } from "./mod.ts";
 * try {
 *   decodeSocks5Response(new Uint8Array([3, 9]));
 * } catch (e) {
 *   e instanceof MalformedSocks5ResponseError; // true: unknown response flag 9
 * }
 * ```
 */
export class MalformedSocks5ResponseError extends Socks5ProtocolError {
  override name = "MalformedSocks5ResponseError";
}

/**
 * Bytes that are not valid bincode (big-endian, varint) for the expected query type.
 *
 * @example
 * ```ts
 * import { BincodeReader } from "./bincode.ts";
 * import { BincodeError } from "./errors.ts";
 * try {
 *   new BincodeReader(new Uint8Array([2])).bool();
 * } catch (e) {
 *   e instanceof BincodeError; // true
 * }
 * ```
 */
export class BincodeError extends Socks5ProtocolError {
  override name = "BincodeError";
}

/** Why an {@linkcode OrderedBufferError} was thrown. */
export type OrderedBufferErrorKind =
  /** More than `maxOffset` sequence numbers ahead of the next expected one. */
  | "too-far-ahead"
  /** The sequence number is already buffered. */
  | "duplicate"
  /** The sequence number was already delivered. */
  | "already-delivered"
  /** Accepting the data would exceed the buffer's byte bound. */
  | "full"
  /** The sequence number lies after the one that closed the stream. */
  | "after-close";

/**
 * A write to an {@linkcode OrderedMessageBuffer} that was refused; the buffer is unchanged.
 *
 * @example
 * ```ts
 * import { OrderedBufferError, OrderedMessageBuffer } from "./mod.ts";
 * const buffer = new OrderedMessageBuffer();
 * buffer.write(0n, new Uint8Array([1]));
 * try {
 *   buffer.write(0n, new Uint8Array([1]));
 * } catch (e) {
 *   (e as OrderedBufferError).kind; // "duplicate"
 * }
 * ```
 */
export class OrderedBufferError extends Socks5ProtocolError {
  override name = "OrderedBufferError";
  /** What was wrong with the write. */
  readonly kind: OrderedBufferErrorKind;
  /** The sequence number that was refused. */
  readonly sequence: bigint;
  constructor(kind: OrderedBufferErrorKind, sequence: bigint, message: string) {
    super(message);
    this.kind = kind;
    this.sequence = sequence;
  }
}
