/**
 * Typed errors of the Noise layer. Everything in `transport/noise/` that handles bytes from the
 * network throws only subclasses of {@linkcode NoiseError}; the connection wrapper also wraps
 * I/O failures of the underlying stream ({@linkcode NoiseIoError}).
 *
 * @module
 */

/**
 * Base class of every Noise error.
 *
 * @example
 * ```ts
 * import { NoiseError, NoiseDecryptError } from "./errors.ts";
 * new NoiseDecryptError("bad tag") instanceof NoiseError; // true
 * ```
 */
export class NoiseError extends Error {
  override name = "NoiseError";
}

/**
 * An AEAD tag did not verify: the message was tampered with, or the peers do not share keys
 * (wrong PSK, wrong responder static key, desynchronised nonces).
 *
 * @example
 * ```ts
 * import { NoiseDecryptError } from "./errors.ts";
 * new NoiseDecryptError("handshake message 2").name; // "NoiseDecryptError"
 * ```
 */
export class NoiseDecryptError extends NoiseError {
  override name = "NoiseDecryptError";
}

/**
 * A Noise message (handshake or transport) is too short to hold its tokens and tag, or longer
 * than the 65535-byte Noise maximum, or a plaintext does not fit one message.
 *
 * @example
 * ```ts
 * import { NoiseMessageLengthError } from "./errors.ts";
 * new NoiseMessageLengthError("message 1 needs 48 bytes, got 3").name; // "NoiseMessageLengthError"
 * ```
 */
export class NoiseMessageLengthError extends NoiseError {
  override name = "NoiseMessageLengthError";
}

/**
 * An operation is not valid in the current state: reading when it is our turn to write, using
 * a handshake after it finished or failed, splitting before the last message, writing to a
 * closed connection.
 *
 * @example
 * ```ts
 * import { NoiseStateError } from "./errors.ts";
 * new NoiseStateError("not our turn to write").name; // "NoiseStateError"
 * ```
 */
export class NoiseStateError extends NoiseError {
  override name = "NoiseStateError";
}

/**
 * A CipherState reached nonce 2^64−1, which the Noise spec (§5.1) reserves; this
 * implementation never rekeys, so the session must be replaced.
 *
 * @example
 * ```ts
 * import { NoiseNonceExhaustedError } from "./errors.ts";
 * new NoiseNonceExhaustedError().name; // "NoiseNonceExhaustedError"
 * ```
 */
export class NoiseNonceExhaustedError extends NoiseError {
  override name = "NoiseNonceExhaustedError";
  constructor(message = "nonce 2^64-1 is reserved; the cipher state is exhausted") {
    super(message);
  }
}

/**
 * Base class of problems with Nym's 8-byte Noise frame header (`wire-format.md` §5).
 *
 * @example
 * ```ts
 * import { NoiseFrameError, UnknownNoisePatternError } from "./errors.ts";
 * new UnknownNoisePatternError(9) instanceof NoiseFrameError; // true
 * ```
 */
export class NoiseFrameError extends NoiseError {
  override name = "NoiseFrameError";
}

/**
 * A frame header or a key announcement carries a Noise version this implementation does not
 * speak (only 1 = V1 exists).
 *
 * @example
 * ```ts
 * import { UnknownNoiseVersionError } from "./errors.ts";
 * new UnknownNoiseVersionError(7).encoded; // 7
 * ```
 */
export class UnknownNoiseVersionError extends NoiseFrameError {
  override name = "UnknownNoiseVersionError";
  /** The version byte as received. */
  readonly encoded: number;
  constructor(encoded: number) {
    super(`unknown noise version (encoded value: ${encoded})`);
    this.encoded = encoded;
  }
}

/**
 * A frame header carries a pattern byte that is neither 1 (XKpsk3) nor 2 (IKpsk2).
 *
 * @example
 * ```ts
 * import { UnknownNoisePatternError } from "./errors.ts";
 * new UnknownNoisePatternError(3).encoded; // 3
 * ```
 */
export class UnknownNoisePatternError extends NoiseFrameError {
  override name = "UnknownNoisePatternError";
  /** The pattern byte as received. */
  readonly encoded: number;
  constructor(encoded: number) {
    super(`unknown noise pattern (encoded value: ${encoded})`);
    this.encoded = encoded;
  }
}

/**
 * A frame header carries a message type that is neither 0 (handshake) nor 1 (data).
 *
 * @example
 * ```ts
 * import { UnknownNoiseMessageTypeError } from "./errors.ts";
 * new UnknownNoiseMessageTypeError(2).encoded; // 2
 * ```
 */
export class UnknownNoiseMessageTypeError extends NoiseFrameError {
  override name = "UnknownNoiseMessageTypeError";
  /** The message-type byte as received. */
  readonly encoded: number;
  constructor(encoded: number) {
    super(`unknown noise message type (encoded value: ${encoded})`);
    this.encoded = encoded;
  }
}

/**
 * A frame's byte count does not match its header (`data_len`), a header is shorter than 8
 * bytes, or a frame would exceed the 65535-byte limit.
 *
 * @example
 * ```ts
 * import { NoiseFrameLengthError } from "./errors.ts";
 * new NoiseFrameLengthError("header needs 8 bytes").name; // "NoiseFrameLengthError"
 * ```
 */
export class NoiseFrameLengthError extends NoiseFrameError {
  override name = "NoiseFrameLengthError";
}

/** Why a well-formed frame was not acceptable at this point of the session. */
export type UnexpectedFrameReason =
  | "non-handshake-during-handshake"
  | "non-data-after-handshake"
  | "version-changed"
  | "pattern-mismatch";

/**
 * A well-formed frame arrived that the session cannot accept: a data frame during the
 * handshake, a handshake frame afterwards, or a version/pattern different from the negotiated
 * one (the upstream `NonHandshakeMessageReceived`, `NonDataMessageReceived`,
 * `UnexpectedHandshakeVersion`/`UnexpectedDataVersion` and `UnexpectedNoisePattern`).
 *
 * @example
 * ```ts
 * import { UnexpectedNoiseFrameError } from "./errors.ts";
 * new UnexpectedNoiseFrameError("pattern-mismatch", "got IKpsk2").reason; // "pattern-mismatch"
 * ```
 */
export class UnexpectedNoiseFrameError extends NoiseError {
  override name = "UnexpectedNoiseFrameError";
  /** Which rule the frame broke. */
  readonly reason: UnexpectedFrameReason;
  constructor(reason: UnexpectedFrameReason, detail: string) {
    super(`${reason}: ${detail}`);
    this.reason = reason;
  }
}

/**
 * The handshake did not complete within the configured time (1.5 s by default, the upstream
 * `initial_connection_timeout`).
 *
 * @example
 * ```ts
 * import { NoiseHandshakeTimeoutError } from "./errors.ts";
 * new NoiseHandshakeTimeoutError(1500).timeoutMs; // 1500
 * ```
 */
export class NoiseHandshakeTimeoutError extends NoiseError {
  override name = "NoiseHandshakeTimeoutError";
  /** The timeout that elapsed. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`noise handshake did not complete within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The peer closed the stream during the handshake or in the middle of a frame.
 *
 * @example
 * ```ts
 * import { NoiseConnectionClosedError } from "./errors.ts";
 * new NoiseConnectionClosedError("eof in frame").name; // "NoiseConnectionClosedError"
 * ```
 */
export class NoiseConnectionClosedError extends NoiseError {
  override name = "NoiseConnectionClosedError";
}

/**
 * The underlying byte stream failed (reset, broken pipe, closed under us). The original error
 * is in `cause`.
 *
 * @example
 * ```ts
 * import { NoiseIoError } from "./errors.ts";
 * new NoiseIoError("write failed", new Error("reset")).cause; // Error: reset
 * ```
 */
export class NoiseIoError extends NoiseError {
  override name = "NoiseIoError";
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

/**
 * Writes were queued faster than the stream drains them and the queue bound was reached.
 *
 * @example
 * ```ts
 * import { NoiseWriteQueueFullError } from "./errors.ts";
 * new NoiseWriteQueueFullError(8 << 20).limitBytes; // 8388608
 * ```
 */
export class NoiseWriteQueueFullError extends NoiseError {
  override name = "NoiseWriteQueueFullError";
  /** The configured bound. */
  readonly limitBytes: number;
  constructor(limitBytes: number) {
    super(`more than ${limitBytes} bytes of writes are queued on this noise connection`);
    this.limitBytes = limitBytes;
  }
}

/**
 * A locally supplied argument is malformed (key of the wrong size, bad option). This is a
 * programming or configuration error, never caused by peer input.
 *
 * @example
 * ```ts
 * import { NoiseArgumentError } from "./errors.ts";
 * new NoiseArgumentError("psk must be 32 bytes").name; // "NoiseArgumentError"
 * ```
 */
export class NoiseArgumentError extends NoiseError {
  override name = "NoiseArgumentError";
}
