/**
 * The registration handshake as two synchronous state machines that consume and produce text
 * frames (`nym-node.md` §4.3; upstream `registration/handshake/{client,gateway,state}.rs`,
 * `types/registration_handshake_wrapper.rs`; observed exchange in
 * `/work/notes/wasm-client.md` §3.2).
 *
 * ```text
 * C→G  {"type":"handshakePayload","protocol_version":p,"data":[80 B init]}
 * G→C  {"type":"handshakePayload","protocol_version":n,"data":[124 B material]}
 * C→G  {"type":"handshakePayload","protocol_version":p,"data":[92 B material]}
 * G→C  {"type":"handshakePayload","protocol_version":n,"data":[1]}
 * G→C  {"type":"register","protocol_version":n,"status":true,"upgrade_mode":false}  (not part of this module's handshake)
 * ```
 *
 * Either side may instead send `{"type":"handshakeError","message":…}`, which ends the
 * handshake. As upstream does, a text frame that is not a handshake message at all is skipped
 * (`ignored`), and each side must time out a step after {@linkcode HANDSHAKE_STEP_TIMEOUT_MS};
 * timers are the I/O layer's job. Binary frames during the handshake are dropped by the caller.
 *
 * @module
 */
import { encodeBase58 } from "../../crypto/base58.ts";
import type { Ed25519KeyPair } from "../../crypto/ed25519.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import type { RandomSource } from "../../crypto/random.ts";
import {
  GatewayProtocolError,
  HandshakeError,
  HandshakeStateError,
  MalformedMessageError,
  SharedKeyError,
} from "./errors.ts";
import {
  decodeFinalization,
  decodeGatewayMaterial,
  decodeHandshakeInit,
  encodeFinalization,
  encodeGatewayMaterial,
  encodeHandshakeInit,
  type HandshakeInit,
  openKeyMaterial,
  sealKeyMaterial,
} from "./handshake_messages.ts";
import {
  byteArray,
  DEFAULT_MAX_TEXT_LENGTH,
  getField,
  parseJsonObject,
  readByteArray,
  readOptionalU8,
  readString,
  readTag,
} from "./json.ts";
import { deriveSharedKey, KDF_SALT_LENGTH, randomNonce } from "./shared_key.ts";
import {
  CURRENT_PROTOCOL_VERSION,
  isFutureVersion,
  negotiateRegistrationVersion,
} from "./version.ts";

/** How long each side waits for the peer's next handshake message (upstream: 5 s). */
export const HANDSHAKE_STEP_TIMEOUT_MS = 5_000;

/** A parsed handshake text frame. */
export type RegistrationHandshakeMessage =
  | {
    readonly type: "handshakePayload";
    /** `undefined` when the field is absent or `null`. */
    readonly protocolVersion: number | undefined;
    readonly data: Uint8Array;
  }
  | { readonly type: "handshakeError"; readonly message: string };

/**
 * Serialises a handshake payload frame, fields in upstream order.
 *
 * @example
 * ```ts
 * import { serializeHandshakePayload } from "./handshake.ts";
 * serializeHandshakePayload(new Uint8Array([1]), 3);
 * // '{"type":"handshakePayload","protocol_version":3,"data":[1]}'
 * ```
 */
export function serializeHandshakePayload(data: Uint8Array, protocolVersion: number): string {
  return JSON.stringify({
    type: "handshakePayload",
    protocol_version: protocolVersion,
    data: byteArray(data),
  });
}

/**
 * Serialises a handshake error frame.
 *
 * @example
 * ```ts
 * import { serializeHandshakeError } from "./handshake.ts";
 * serializeHandshakeError("received invalid signature");
 * // '{"type":"handshakeError","message":"received invalid signature"}'
 * ```
 */
export function serializeHandshakeError(message: string): string {
  return JSON.stringify({ type: "handshakeError", message });
}

/**
 * Parses a handshake frame (`handshakePayload` or `handshakeError`; the first client message
 * may also be typed `registerHandshakeInitRequest`, which is the same payload).
 *
 * @example
 * ```ts
 * import { parseRegistrationHandshake } from "./handshake.ts";
 * parseRegistrationHandshake('{"type":"handshakePayload","protocol_version":3,"data":[1]}').type;
 * // "handshakePayload"
 * ```
 * @throws {MalformedMessageError} | {MessageTooLargeError} for anything else.
 */
export function parseRegistrationHandshake(
  text: string,
  options: { readonly maxLength?: number; readonly acceptInitRequestType?: boolean } = {},
): RegistrationHandshakeMessage {
  const obj = parseJsonObject(text, options.maxLength ?? DEFAULT_MAX_TEXT_LENGTH, "handshake");
  const tag = readTag(obj);
  if (
    tag === "handshakePayload" ||
    (options.acceptInitRequestType === true && tag === "registerHandshakeInitRequest")
  ) {
    return {
      type: "handshakePayload",
      protocolVersion: readOptionalU8(obj, "protocol_version"),
      data: readByteArray(obj, "data"),
    };
  }
  if (tag === "handshakeError") {
    return { type: "handshakeError", message: readString(obj, "message") };
  }
  throw new MalformedMessageError(`\`${tag}\` is not a handshake message`);
}

/** What feeding one message to a handshake produced. */
export type HandshakeStep<R> =
  /** Send `message` to the peer and wait for its next message. */
  | { readonly kind: "send"; readonly message: string }
  /**
   * The frame was not a handshake message and was skipped (upstream logs and drops these).
   * `gatewayError` is set when it was a gateway `{"type":"error"}` response, which usually means
   * the gateway gave up (for example a duplicate connection) and will close.
   */
  | { readonly kind: "ignored"; readonly reason: string; readonly gatewayError?: string }
  /** Done: send `message` if present, then use `result`. */
  | { readonly kind: "complete"; readonly message?: string; readonly result: R };

/** Where a handshake state machine is. */
export type HandshakeState =
  | "initial"
  | "awaiting_material"
  | "awaiting_finalization"
  | "complete"
  | "failed";

/** What the client gets from a completed handshake. */
export interface ClientHandshakeResult {
  /** The 32-byte AES-256-GCM-SIV key; persist it for `authenticateV2`. */
  readonly sharedKey: Uint8Array;
  /**
   * The version the gateway used in its handshake payloads (our proposal if it sent none). The
   * authoritative negotiated version is the one in the `register` reply that follows.
   */
  readonly protocolVersion: number;
}

/** What the gateway gets from a completed handshake. */
export interface GatewayHandshakeResult {
  /** The 32-byte AES-256-GCM-SIV key; persist it under {@linkcode clientAddress}. */
  readonly sharedKey: Uint8Array;
  /** The client's Ed25519 identity. */
  readonly clientIdentity: Uint8Array;
  /** base58 of {@linkcode clientIdentity}: the key of the `shared_keys` table. */
  readonly clientAddress: string;
  /** The negotiated version, for the `register` reply. */
  readonly protocolVersion: number;
}

/** Options of {@linkcode ClientHandshake}. */
export interface ClientHandshakeOptions {
  /** The client's identity key pair. */
  readonly identity: Ed25519KeyPair;
  /** The gateway's Ed25519 identity (from the topology). */
  readonly gatewayIdentity: Uint8Array;
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  /**
   * The version to propose; use `clientProposedVersion(supportedProtocol)`. Default
   * {@linkcode CURRENT_PROTOCOL_VERSION}.
   */
  readonly protocolVersion?: number;
  /** Bound on received text frames. Default 256 KiB. */
  readonly maxTextLength?: number;
}

function wrapFailure(e: unknown, onLocal: () => void): never {
  onLocal();
  if (e instanceof HandshakeError) {
    if (e.code === "remote_error" || e.reply !== undefined) throw e;
    throw new HandshakeError(e.code, e.message, serializeHandshakeError(e.message));
  }
  if (e instanceof SharedKeyError) {
    const message = "the X25519 exchange produced a non-contributory (all-zero) shared secret";
    throw new HandshakeError("weak_ephemeral_key", message, serializeHandshakeError(message));
  }
  throw e;
}

function ignoredReason(text: string, maxLength: number, e: unknown): HandshakeStep<never> {
  // Tell the caller whether the skipped frame was a gateway error response.
  let gatewayError: string | undefined;
  try {
    const obj = parseJsonObject(text, maxLength, "message");
    const message = getField(obj, "message");
    if (getField(obj, "type") === "error" && typeof message === "string") gatewayError = message;
  } catch {
    // not JSON: nothing to add
  }
  const reason = e instanceof GatewayProtocolError ? e.message : "not a handshake message";
  return gatewayError === undefined
    ? { kind: "ignored", reason }
    : { kind: "ignored", reason, gatewayError };
}

/**
 * The client side of the registration handshake.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../../crypto/mod.ts";
 * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
 * import { systemRandom } from "../../crypto/random.ts";
 * import { ClientHandshake, GatewayHandshake, parseRegistrationHandshake } from "./handshake.ts";
 * const crypto = createCryptoProvider();
 * const gw = generateEd25519KeyPair();
 * const client = new ClientHandshake({
 *   identity: generateEd25519KeyPair(), gatewayIdentity: gw.publicKey, crypto, random: systemRandom,
 * });
 * const gateway = new GatewayHandshake({ identity: gw, crypto, random: systemRandom });
 * const init = parseRegistrationHandshake(client.start());
 * if (init.type !== "handshakePayload") throw new Error();
 * const s1 = client.receive(gateway.begin(init));
 * if (s1.kind !== "send") throw new Error();
 * const s2 = gateway.receive(s1.message);
 * if (s2.kind !== "complete" || !s2.message) throw new Error();
 * const s3 = client.receive(s2.message);
 * // s3.kind === "complete" and both sides hold the same sharedKey
 * ```
 */
export class ClientHandshake {
  readonly #identity: Ed25519KeyPair;
  readonly #gatewayIdentity: Uint8Array;
  readonly #crypto: CryptoProvider;
  readonly #random: RandomSource;
  readonly #maxTextLength: number;
  #protocolVersion: number;
  #state: HandshakeState = "initial";
  #ephemeralSecret: Uint8Array | undefined;
  #ephemeralPublic: Uint8Array | undefined;
  #salt: Uint8Array | undefined;
  #sharedKey: Uint8Array | undefined;

  /**
   * @example
   * ```ts
   * import { createCryptoProvider } from "../../crypto/mod.ts";
   * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
   * import { systemRandom } from "../../crypto/random.ts";
   * import { ClientHandshake } from "./handshake.ts";
   * const hs = new ClientHandshake({
   *   identity: generateEd25519KeyPair(), gatewayIdentity: generateEd25519KeyPair().publicKey,
   *   crypto: createCryptoProvider(), random: systemRandom, protocolVersion: 6,
   * });
   * hs.state; // "initial"
   * ```
   * @throws {HandshakeStateError} if the gateway identity is not 32 bytes or the version is not
   * a `u8`.
   */
  constructor(options: ClientHandshakeOptions) {
    if (options.gatewayIdentity.length !== 32) {
      throw new HandshakeStateError("the gateway identity must be 32 bytes");
    }
    const version = options.protocolVersion ?? CURRENT_PROTOCOL_VERSION;
    if (!Number.isInteger(version) || version < 0 || version > 255) {
      throw new HandshakeStateError("the protocol version must be a u8");
    }
    this.#identity = options.identity;
    this.#gatewayIdentity = options.gatewayIdentity.slice();
    this.#crypto = options.crypto;
    this.#random = options.random;
    this.#maxTextLength = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
    this.#protocolVersion = version;
  }

  /** Where the handshake is. */
  get state(): HandshakeState {
    return this.#state;
  }

  /**
   * Generates the ephemeral key and salt and returns the init frame
   * (`identity ‖ ephemeral ‖ salt` in a `handshakePayload`).
   *
   * @example
   * ```ts
   * import { createCryptoProvider } from "../../crypto/mod.ts";
   * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
   * import { systemRandom } from "../../crypto/random.ts";
   * import { ClientHandshake } from "./handshake.ts";
   * const hs = new ClientHandshake({
   *   identity: generateEd25519KeyPair(), gatewayIdentity: generateEd25519KeyPair().publicKey,
   *   crypto: createCryptoProvider(), random: systemRandom,
   * });
   * hs.start(); // '{"type":"handshakePayload","protocol_version":6,"data":[...80 numbers]}'
   * ```
   * @throws {HandshakeStateError} unless the state is `initial`.
   */
  start(): string {
    if (this.#state !== "initial") throw new HandshakeStateError(`start() in state ${this.#state}`);
    this.#ephemeralSecret = this.#random(32);
    this.#ephemeralPublic = this.#crypto.x25519Base(this.#ephemeralSecret);
    this.#salt = this.#random(KDF_SALT_LENGTH);
    const init: HandshakeInit = {
      identity: this.#identity.publicKey,
      ephemeralPublic: this.#ephemeralPublic,
      salt: this.#salt,
    };
    this.#state = "awaiting_material";
    return serializeHandshakePayload(encodeHandshakeInit(init), this.#protocolVersion);
  }

  /**
   * Feeds the gateway's next text frame.
   *
   * @example
   * ```ts
   * // see the class example for a full exchange
   * ```
   * @throws {HandshakeError} when the gateway's message is invalid or reports an error (send
   * `error.reply` if set, then close).
   * @throws {HandshakeStateError} unless the handshake is awaiting a message.
   */
  receive(text: string): HandshakeStep<ClientHandshakeResult> {
    if (this.#state !== "awaiting_material" && this.#state !== "awaiting_finalization") {
      throw new HandshakeStateError(`receive() in state ${this.#state}`);
    }
    let message: RegistrationHandshakeMessage;
    try {
      message = parseRegistrationHandshake(text, { maxLength: this.#maxTextLength });
    } catch (e) {
      return ignoredReason(text, this.#maxTextLength, e);
    }
    try {
      if (message.type === "handshakeError") {
        throw new HandshakeError("remote_error", `error on the remote: ${message.message}`);
      }
      return this.#state === "awaiting_material"
        ? this.#onMaterial(message.data, message.protocolVersion)
        : this.#onFinalization(message.data);
    } catch (e) {
      wrapFailure(e, () => {
        this.#state = "failed";
      });
    }
  }

  #onMaterial(data: Uint8Array, gatewayVersion: number | undefined): HandshakeStep<never> {
    if (isFutureVersion(gatewayVersion)) {
      throw new HandshakeError(
        "unsupported_protocol",
        `the gateway requests protocol version that's not supported by this client. it wants to use v${gatewayVersion} whilst we only understand up to v${CURRENT_PROTOCOL_VERSION}`,
      );
    }
    // As the Rust client does, adopt the gateway's version if it differs from our proposal.
    if (gatewayVersion !== undefined) this.#protocolVersion = gatewayVersion;
    const { ephemeralPublic: gatewayEphemeral, material } = decodeGatewayMaterial(data);
    const ephemeralSecret = this.#ephemeralSecret!;
    const key = deriveSharedKey(this.#crypto, ephemeralSecret, gatewayEphemeral, this.#salt!);
    openKeyMaterial(key, material, this.#gatewayIdentity, gatewayEphemeral, this.#ephemeralPublic!);
    const ours = sealKeyMaterial(
      key,
      this.#identity.secretKey,
      this.#ephemeralPublic!,
      gatewayEphemeral,
      randomNonce(this.#random),
    );
    this.#sharedKey = key;
    this.#ephemeralSecret = undefined;
    this.#state = "awaiting_finalization";
    return { kind: "send", message: serializeHandshakePayload(ours, this.#protocolVersion) };
  }

  #onFinalization(data: Uint8Array): HandshakeStep<ClientHandshakeResult> {
    if (!decodeFinalization(data)) {
      throw new HandshakeError("handshake_failure", "the gateway reported a failed handshake");
    }
    this.#state = "complete";
    return {
      kind: "complete",
      result: { sharedKey: this.#sharedKey!, protocolVersion: this.#protocolVersion },
    };
  }
}

/** Options of {@linkcode GatewayHandshake}. */
export interface GatewayHandshakeOptions {
  /** The gateway's identity key pair. */
  readonly identity: Ed25519KeyPair;
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  /** Bound on received text frames. Default 256 KiB. */
  readonly maxTextLength?: number;
}

/** The client's init request, as parsed from its first text frame. */
export interface HandshakeInitInput {
  /** The init bytes (`data`). */
  readonly data: Uint8Array;
  /** The proposed version (`protocol_version`), `undefined` if absent. */
  readonly protocolVersion: number | undefined;
}

/**
 * The gateway side of the registration handshake. The server parses the client's first frame
 * (`parseClientControlRequest` gives a `registerHandshakeInitRequest` for both type names), then
 * calls {@linkcode GatewayHandshake.begin} with it.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../../crypto/mod.ts";
 * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
 * import { systemRandom } from "../../crypto/random.ts";
 * import { GatewayHandshake } from "./handshake.ts";
 * const gateway = new GatewayHandshake({
 *   identity: generateEd25519KeyPair(), crypto: createCryptoProvider(), random: systemRandom,
 * });
 * gateway.state; // "initial"
 * ```
 */
export class GatewayHandshake {
  readonly #identity: Ed25519KeyPair;
  readonly #crypto: CryptoProvider;
  readonly #random: RandomSource;
  readonly #maxTextLength: number;
  #state: HandshakeState = "initial";
  #protocolVersion = 0;
  #init: HandshakeInit | undefined;
  #ephemeralPublic: Uint8Array | undefined;
  #sharedKey: Uint8Array | undefined;

  /**
   * @example
   * ```ts
   * import { createCryptoProvider } from "../../crypto/mod.ts";
   * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
   * import { systemRandom } from "../../crypto/random.ts";
   * import { GatewayHandshake } from "./handshake.ts";
   * new GatewayHandshake({
   *   identity: generateEd25519KeyPair(), crypto: createCryptoProvider(), random: systemRandom,
   * }).clientIdentity; // undefined until begin()
   * ```
   */
  constructor(options: GatewayHandshakeOptions) {
    this.#identity = options.identity;
    this.#crypto = options.crypto;
    this.#random = options.random;
    this.#maxTextLength = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  }

  /** Where the handshake is. */
  get state(): HandshakeState {
    return this.#state;
  }

  /** The client's identity, once {@linkcode begin} has parsed the init message. */
  get clientIdentity(): Uint8Array | undefined {
    return this.#init?.identity.slice();
  }

  /** The negotiated version (valid after {@linkcode begin}). */
  get protocolVersion(): number {
    return this.#protocolVersion;
  }

  /**
   * Consumes the client's init message and returns the gateway's material frame:
   * `gw_eph ‖ AES-256-GCM-SIV(k, n, sig_gw(gw_eph ‖ client_eph)) ‖ n`, with the negotiated
   * version (the client's proposal echoed, capped at 6).
   *
   * @example
   * ```ts
   * // see ClientHandshake for a full exchange
   * ```
   * @throws {HandshakeError} for a malformed or legacy (salt-less) init message; send
   * `error.reply`, then close.
   * @throws {HandshakeStateError} unless the state is `initial`.
   */
  begin(init: HandshakeInitInput): string {
    if (this.#state !== "initial") throw new HandshakeStateError(`begin() in state ${this.#state}`);
    try {
      this.#protocolVersion = negotiateRegistrationVersion(init.protocolVersion);
      const parsed = decodeHandshakeInit(init.data);
      this.#init = parsed;
      const ephemeralSecret = this.#random(32);
      const ephemeralPublic = this.#crypto.x25519Base(ephemeralSecret);
      const key = deriveSharedKey(
        this.#crypto,
        ephemeralSecret,
        parsed.ephemeralPublic,
        parsed.salt,
      );
      const material = sealKeyMaterial(
        key,
        this.#identity.secretKey,
        ephemeralPublic,
        parsed.ephemeralPublic,
        randomNonce(this.#random),
      );
      this.#ephemeralPublic = ephemeralPublic;
      this.#sharedKey = key;
      this.#state = "awaiting_material";
      return serializeHandshakePayload(
        encodeGatewayMaterial({ ephemeralPublic, material }),
        this.#protocolVersion,
      );
    } catch (e) {
      wrapFailure(e, () => {
        this.#state = "failed";
      });
    }
  }

  /**
   * Feeds the client's next text frame; on success the step is `complete` with the finalization
   * frame (`data: [1]`) to send, after which the server stores the key and sends `register`.
   *
   * @example
   * ```ts
   * // see ClientHandshake for a full exchange
   * ```
   * @throws {HandshakeError} when the client's material is invalid or the client reports an
   * error; send `error.reply` if set, then close.
   * @throws {HandshakeStateError} unless the handshake is awaiting the client's material.
   */
  receive(text: string): HandshakeStep<GatewayHandshakeResult> {
    if (this.#state !== "awaiting_material") {
      throw new HandshakeStateError(`receive() in state ${this.#state}`);
    }
    let message: RegistrationHandshakeMessage;
    try {
      message = parseRegistrationHandshake(text, { maxLength: this.#maxTextLength });
    } catch (e) {
      return ignoredReason(text, this.#maxTextLength, e);
    }
    try {
      if (message.type === "handshakeError") {
        throw new HandshakeError("remote_error", `error on the remote: ${message.message}`);
      }
      const init = this.#init!;
      openKeyMaterial(
        this.#sharedKey!,
        message.data,
        init.identity,
        init.ephemeralPublic,
        this.#ephemeralPublic!,
      );
      this.#state = "complete";
      return {
        kind: "complete",
        message: serializeHandshakePayload(encodeFinalization(true), this.#protocolVersion),
        result: {
          sharedKey: this.#sharedKey!,
          clientIdentity: init.identity.slice(),
          clientAddress: encodeBase58(init.identity),
          protocolVersion: this.#protocolVersion,
        },
      };
    } catch (e) {
      wrapFailure(e, () => {
        this.#state = "failed";
      });
    }
  }
}
