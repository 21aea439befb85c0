/**
 * Typed errors of the WebSocket server. Byte-level parsers (`frame.ts`, `decoder.ts`,
 * `close.ts`) throw only {@linkcode FrameError} subclasses, each carrying the close code the
 * connection answers with (RFC 6455 §7.4.1); `handshake.ts` throws only {@linkcode HandshakeError},
 * carrying the HTTP status to answer with.
 *
 * @module
 */

/**
 * Base class of every error thrown by `gateway/websocket/`.
 *
 * @example
 * ```ts
 * import { ProtocolError, WebSocketError } from "./errors.ts";
 * new ProtocolError("bad frame") instanceof WebSocketError; // true
 * ```
 */
export class WebSocketError extends Error {
  override name = "WebSocketError";
}

/** The close codes a {@linkcode FrameError} can carry. */
export type FrameErrorCloseCode = 1002 | 1007 | 1009;

/**
 * A frame or message that violates RFC 6455 or a configured limit. `closeCode` is the status the
 * endpoint must send in its close frame before failing the connection.
 *
 * @example
 * ```ts
 * import { FrameError, MessageTooBigError } from "./errors.ts";
 * const e: FrameError = new MessageTooBigError("frame of 2000000 bytes exceeds 1048576");
 * e.closeCode; // 1009
 * ```
 */
export abstract class FrameError extends WebSocketError {
  override name = "FrameError";
  /** Close code to send (1002 protocol error, 1007 invalid payload, 1009 too big). */
  abstract readonly closeCode: FrameErrorCloseCode;
}

/**
 * A protocol violation (RFC 6455 §7.4.1 status 1002): reserved bits or opcodes, a frame with the
 * wrong masking, a non-minimal length, a fragmented or oversize control frame, a continuation
 * without a start, an invalid close code.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "./errors.ts";
 * new ProtocolError("RSV1 set without an extension").closeCode; // 1002
 * ```
 */
export class ProtocolError extends FrameError {
  override name = "ProtocolError";
  override readonly closeCode = 1002 as const;
}

/**
 * Payload data inconsistent with the message type (status 1007): a text message or close reason
 * that is not valid UTF-8.
 *
 * @example
 * ```ts
 * import { InvalidPayloadError } from "./errors.ts";
 * new InvalidPayloadError("text message is not valid UTF-8").closeCode; // 1007
 * ```
 */
export class InvalidPayloadError extends FrameError {
  override name = "InvalidPayloadError";
  override readonly closeCode = 1007 as const;
}

/**
 * A frame or reassembled message larger than the configured limit (status 1009). Raised from the
 * frame header, before any of the payload is buffered.
 *
 * @example
 * ```ts
 * import { MessageTooBigError } from "./errors.ts";
 * new MessageTooBigError("message too big").closeCode; // 1009
 * ```
 */
export class MessageTooBigError extends FrameError {
  override name = "MessageTooBigError";
  override readonly closeCode = 1009 as const;
}

/** HTTP statuses an invalid upgrade request is answered with. */
export type HandshakeErrorStatus = 400 | 405 | 426 | 431;

/**
 * An HTTP upgrade request that cannot be accepted. `status` is the HTTP status of the response
 * (`buildHandshakeErrorResponse` builds it).
 *
 * @example
 * ```ts
 * import { HandshakeError } from "./errors.ts";
 * const e = new HandshakeError(426, "Sec-WebSocket-Version must be 13");
 * e.status; // 426
 * ```
 */
export class HandshakeError extends WebSocketError {
  override name = "HandshakeError";
  /** HTTP status to answer with. */
  readonly status: HandshakeErrorStatus;

  /** Creates the error with the HTTP `status` to answer and a human-readable `message`. */
  constructor(status: HandshakeErrorStatus, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * A send refused because more than `maxQueuedBytes` are already waiting to be written: the peer
 * is not reading fast enough. Callers treat it as a slow consumer (drop, divert or disconnect).
 *
 * @example
 * ```ts
 * import { BackpressureError } from "./errors.ts";
 * const e = new BackpressureError(70_000, 65_536);
 * e.bufferedAmount; // 70000
 * ```
 */
export class BackpressureError extends WebSocketError {
  override name = "BackpressureError";
  /** Bytes queued when the send was refused. */
  readonly bufferedAmount: number;
  /** The configured limit. */
  readonly limit: number;

  /** Creates the error from the queued byte count and the configured limit. */
  constructor(bufferedAmount: number, limit: number) {
    super(`send queue holds ${bufferedAmount} bytes, limit ${limit}`);
    this.bufferedAmount = bufferedAmount;
    this.limit = limit;
  }
}

/**
 * A send or ping on a connection that is closing or closed, or a queued send that was dropped
 * because the connection closed before it could be written.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError } from "./errors.ts";
 * new ConnectionClosedError("connection is closing").name; // "ConnectionClosedError"
 * ```
 */
export class ConnectionClosedError extends WebSocketError {
  override name = "ConnectionClosedError";
}
