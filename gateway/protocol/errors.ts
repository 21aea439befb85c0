/**
 * Typed errors of the client↔gateway protocol. Every parser and state machine in
 * `gateway/protocol/` throws only subclasses of {@linkcode GatewayProtocolError}, so the
 * WebSocket layers can tell bad input from bugs with one `instanceof`.
 *
 * Where upstream (`common/gateway-requests/src/types/error.rs`,
 * `registration/handshake/error.rs`, `shared_key.rs`) has a display string for the same
 * condition, the message here is that string, so a gateway can forward `error.message` in an
 * `{"type":"error"}` response the way nym-node does.
 *
 * @module
 */

/**
 * Base class of every gateway-protocol error.
 *
 * @example
 * ```ts
 * import { GatewayProtocolError, parseClientControlRequest } from "./mod.ts";
 * try {
 *   parseClientControlRequest("not json");
 * } catch (e) {
 *   e instanceof GatewayProtocolError; // true
 * }
 * ```
 */
export class GatewayProtocolError extends Error {
  override name = "GatewayProtocolError";
}

/**
 * A text frame that is not valid JSON, is not an object, lacks a field, has a field of the wrong
 * type or size, or names an unknown `type`.
 *
 * @example
 * ```ts
 * import { MalformedMessageError, parseServerResponse } from "./mod.ts";
 * try {
 *   parseServerResponse('{"type":"send"}'); // remaining_bandwidth is missing
 * } catch (e) {
 *   e instanceof MalformedMessageError; // true
 * }
 * ```
 */
export class MalformedMessageError extends GatewayProtocolError {
  override name = "MalformedMessageError";
}

/**
 * A text frame longer than the caller's limit; it is rejected before `JSON.parse` runs.
 *
 * @example
 * ```ts
 * import { MessageTooLargeError, parseClientControlRequest } from "./mod.ts";
 * try {
 *   parseClientControlRequest('{"type":"supportedProtocol"}', { maxLength: 8 });
 * } catch (e) {
 *   e instanceof MessageTooLargeError; // true
 * }
 * ```
 */
export class MessageTooLargeError extends GatewayProtocolError {
  override name = "MessageTooLargeError";
  /** Length of the rejected text, in UTF-16 code units. */
  readonly length: number;
  /** The limit it exceeded. */
  readonly maxLength: number;

  /**
   * @example
   * ```ts
   * import { MessageTooLargeError } from "./errors.ts";
   * new MessageTooLargeError(10, 5).message; // "text message of 10 characters exceeds the limit of 5"
   * ```
   */
  constructor(length: number, maxLength: number) {
    super(`text message of ${length} characters exceeds the limit of ${maxLength}`);
    this.length = length;
    this.maxLength = maxLength;
  }
}

/**
 * AES-256-GCM-SIV misuse or failure: a key or nonce of the wrong length, or a ciphertext that
 * does not authenticate (upstream `SharedKeyUsageError`).
 *
 * @example
 * ```ts
 * import { openWithSharedKey, SharedKeyError } from "./mod.ts";
 * try {
 *   openWithSharedKey(new Uint8Array(32), new Uint8Array(12), new Uint8Array(20));
 * } catch (e) {
 *   e instanceof SharedKeyError; // true
 * }
 * ```
 */
export class SharedKeyError extends GatewayProtocolError {
  override name = "SharedKeyError";
}

/**
 * A protocol version outside what this implementation (or the peer) can use: below 4 or above
 * {@linkcode CURRENT_PROTOCOL_VERSION} at authentication, or a gateway reporting a future
 * version to a client.
 *
 * @example
 * ```ts
 * import { IncompatibleProtocolError, negotiateAuthenticationVersion } from "./mod.ts";
 * try {
 *   negotiateAuthenticationVersion(3);
 * } catch (e) {
 *   e instanceof IncompatibleProtocolError; // true
 * }
 * ```
 */
export class IncompatibleProtocolError extends GatewayProtocolError {
  override name = "IncompatibleProtocolError";
  /** The version the peer proposed or reported (`undefined` if it sent none). */
  readonly version: number | undefined;

  /**
   * @example
   * ```ts
   * import { IncompatibleProtocolError } from "./errors.ts";
   * new IncompatibleProtocolError(9, "too new").version; // 9
   * ```
   */
  constructor(version: number | undefined, message: string) {
    super(message);
    this.version = version;
  }
}

/** Why a registration handshake failed; see {@linkcode HandshakeError}. */
export type HandshakeErrorCode =
  /** The peer's handshake bytes have the wrong length or an invalid key. */
  | "malformed_message"
  /** The init message has no HKDF salt (pre-AES-GCM-SIV client); we never derive legacy keys. */
  | "legacy_key_unsupported"
  /** The encrypted signature did not decrypt or did not verify. */
  | "invalid_signature"
  /** The X25519 exchange produced the all-zero secret (a low-order ephemeral key). */
  | "weak_ephemeral_key"
  /** The gateway asked for a protocol version newer than ours. */
  | "unsupported_protocol"
  /** The gateway's finalization message reported failure. */
  | "handshake_failure"
  /** The peer sent `{"type":"handshakeError"}`. */
  | "remote_error";

/**
 * A registration handshake failed. The state machine that threw is now `failed`.
 *
 * `reply` is the `{"type":"handshakeError","message":…}` text frame to send to the peer before
 * closing, as upstream's `check_for_handshake_processing_error` does; it is `undefined` when the
 * peer itself reported the error (`remote_error`), which must not be echoed back.
 *
 * @example
 * ```ts
 * import { HandshakeError } from "./mod.ts";
 * const e = new HandshakeError("invalid_signature", "received invalid signature", "{...}");
 * e.code; // "invalid_signature"
 * ```
 */
export class HandshakeError extends GatewayProtocolError {
  override name = "HandshakeError";
  /** Machine-readable reason. */
  readonly code: HandshakeErrorCode;
  /** The text frame to send to the peer, if any. */
  readonly reply: string | undefined;

  /**
   * @example
   * ```ts
   * import { HandshakeError } from "./errors.ts";
   * new HandshakeError("remote_error", "error on the remote: boom").reply; // undefined
   * ```
   */
  constructor(code: HandshakeErrorCode, message: string, reply?: string) {
    super(message);
    this.code = code;
    this.reply = reply;
  }
}

/**
 * A state machine was driven out of order (for example `receive` after completion). This is a
 * bug in the caller, not bad input from the peer.
 *
 * @example
 * ```ts
 * import { HandshakeStateError } from "./mod.ts";
 * new HandshakeStateError("start() called twice").name; // "HandshakeStateError"
 * ```
 */
export class HandshakeStateError extends GatewayProtocolError {
  override name = "HandshakeStateError";
}

/**
 * Base class of binary-frame errors (`kind ‖ encrypted ‖ nonce ‖ ciphertext`,
 * `nym-node.md` §4.6).
 *
 * @example
 * ```ts
 * import { BinaryFrameError, decodeClientBinaryRequest } from "./mod.ts";
 * try {
 *   decodeClientBinaryRequest(new Uint8Array([1]), new Uint8Array(32));
 * } catch (e) {
 *   e instanceof BinaryFrameError; // true
 * }
 * ```
 */
export class BinaryFrameError extends GatewayProtocolError {
  override name = "BinaryFrameError";
}

/**
 * A binary frame shorter than its fixed header (2 bytes, plus the 12-byte nonce).
 *
 * @example
 * ```ts
 * import { decodePushedMixMessage, TruncatedBinaryFrameError } from "./mod.ts";
 * try {
 *   decodePushedMixMessage(new Uint8Array([1, 1, 0]), new Uint8Array(32));
 * } catch (e) {
 *   e instanceof TruncatedBinaryFrameError; // true
 * }
 * ```
 */
export class TruncatedBinaryFrameError extends BinaryFrameError {
  override name = "TruncatedBinaryFrameError";
}

/**
 * A binary frame whose second byte is neither 0 (plaintext) nor 1 (encrypted).
 *
 * @example
 * ```ts
 * import { decodePushedMixMessage, InvalidEncryptionFlagError } from "./mod.ts";
 * try {
 *   decodePushedMixMessage(new Uint8Array(40).fill(1).fill(7, 1, 2), new Uint8Array(32));
 * } catch (e) {
 *   e instanceof InvalidEncryptionFlagError; // true
 * }
 * ```
 */
export class InvalidEncryptionFlagError extends BinaryFrameError {
  override name = "InvalidEncryptionFlagError";
}

/**
 * A binary frame whose first byte is no request (client→gateway: 1, 2) or response
 * (gateway→client: 1) kind.
 *
 * @example
 * ```ts
 * import { UnknownBinaryKindError } from "./mod.ts";
 * new UnknownBinaryKindError("request", 9).kind; // 9
 * ```
 */
export class UnknownBinaryKindError extends BinaryFrameError {
  override name = "UnknownBinaryKindError";
  /** The offending kind byte. */
  readonly kind: number;

  /**
   * @example
   * ```ts
   * import { UnknownBinaryKindError } from "./errors.ts";
   * new UnknownBinaryKindError("response", 3).message; // "received response with an unknown kind: 3"
   * ```
   */
  constructor(direction: "request" | "response", kind: number) {
    super(`received ${direction} with an unknown kind: ${kind}`);
    this.kind = kind;
  }
}

/**
 * A binary frame whose ciphertext does not authenticate under the session key.
 *
 * @example
 * ```ts
 * import { BinaryFrameDecryptionError } from "./mod.ts";
 * new BinaryFrameDecryptionError().message; // "failed to either encrypt or decrypt provided message"
 * ```
 */
export class BinaryFrameDecryptionError extends BinaryFrameError {
  override name = "BinaryFrameDecryptionError";

  /**
   * @example
   * ```ts
   * import { BinaryFrameDecryptionError } from "./errors.ts";
   * new BinaryFrameDecryptionError().name; // "BinaryFrameDecryptionError"
   * ```
   */
  constructor() {
    super("failed to either encrypt or decrypt provided message");
  }
}

/**
 * A decrypted client request that is not a valid MixPacket (bad packet type, key rotation,
 * routing address or packet size). `cause` is the `FramingError` from `framing/`.
 *
 * @example
 * ```ts
 * import { MalformedMixPacketFrameError } from "./mod.ts";
 * new MalformedMixPacketFrameError("bad size").name; // "MalformedMixPacketFrameError"
 * ```
 */
export class MalformedMixPacketFrameError extends BinaryFrameError {
  override name = "MalformedMixPacketFrameError";
}
