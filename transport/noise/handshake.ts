/**
 * The `Noise_XKpsk3_25519_AESGCM_SHA256` handshake (Noise spec rev. 34 §5.3 `HandshakeState`,
 * §7.5 pattern XK, §9 `psk3` modifier), the one Nym nodes run between each other
 * (`wire-format.md` §5):
 *
 * ```
 * XKpsk3:
 *   <- s
 *   ...
 *   -> e, es
 *   <- e, ee
 *   -> s, se, psk
 * ```
 *
 * Because a `psk` token is present, every `e` token also calls `MixKey(e.public_key)` (§9.2),
 * so even the first message's payload is encrypted. Pure and synchronous; DH, hashing and HMAC
 * come from the injected {@linkcode CryptoProvider}, ephemeral keys from the injected
 * {@linkcode RandomSource}, AES-256-GCM from the injected {@linkcode NoiseAead}.
 *
 * As in snow 0.9.6 (which Nym uses), an all-zero DH output from a low-order peer key is not
 * rejected; Noise §12.1 allows either behaviour.
 *
 * @module
 */
import type { CryptoProvider } from "../../crypto/provider.ts";
import type { RandomSource } from "../../crypto/random.ts";
import { defaultNoiseAead, NOISE_TAG_LENGTH, type NoiseAead } from "./aead.ts";
import { NoiseArgumentError, NoiseMessageLengthError, NoiseStateError } from "./errors.ts";
import { NOISE_DH_LENGTH, requireKeyLength, type X25519KeyPair } from "./keys.ts";
import { SymmetricState } from "./symmetric_state.ts";
import { NOISE_MAX_MESSAGE_LENGTH, NoiseTransportState } from "./transport_state.ts";

/** The full Noise protocol name; exactly 32 bytes, so it is `h`'s initial value verbatim. */
export const XKPSK3_PROTOCOL_NAME = "Noise_XKpsk3_25519_AESGCM_SHA256";

/** Which side of the handshake a state plays. */
export type NoiseRole = "initiator" | "responder";

/** Options shared by both roles. */
export interface XKpsk3CommonOptions {
  /** X25519, SHA-256 and HMAC-SHA256. */
  readonly crypto: CryptoProvider;
  /** Source of the 32-byte ephemeral secret (one call per handshake). */
  readonly random: RandomSource;
  /** This side's static key pair. */
  readonly localStaticKeyPair: X25519KeyPair;
  /** The 32-byte pre-shared key mixed in by the `psk` token of message 3. */
  readonly psk: Uint8Array;
  /** Prologue bytes; Nym uses none (empty). */
  readonly prologue?: Uint8Array;
  /** AES-256-GCM implementation; {@linkcode defaultNoiseAead} when omitted. */
  readonly aead?: NoiseAead;
}

/** Options of the initiator, which must know the responder's static key in advance. */
export interface XKpsk3InitiatorOptions extends XKpsk3CommonOptions {
  /** The responder's 32-byte static X25519 public key (the `<- s` pre-message). */
  readonly remoteStaticPublicKey: Uint8Array;
}

/** Options of the responder. */
export type XKpsk3ResponderOptions = XKpsk3CommonOptions;

/** Minimum bytes of each handshake message (tokens plus the tag of an empty payload). */
const MESSAGE_MIN_LENGTH = [
  NOISE_DH_LENGTH + NOISE_TAG_LENGTH, // e, es, payload
  NOISE_DH_LENGTH + NOISE_TAG_LENGTH, // e, ee, payload
  NOISE_DH_LENGTH + 2 * NOISE_TAG_LENGTH, // encrypted s, se, psk, payload
] as const;

const EMPTY = new Uint8Array(0);

/**
 * One side of an XKpsk3 handshake. Call {@linkcode writeMessage} / {@linkcode readMessage}
 * in turn (initiator writes messages 1 and 3, responder writes message 2), then
 * {@linkcode intoTransport}. Any error while processing a message leaves the state failed:
 * later calls throw {@linkcode NoiseStateError}, as the handshake must be abandoned.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../../crypto/mod.ts";
 * import { generateX25519KeyPair } from "./keys.ts";
 * import { XKpsk3Handshake } from "./handshake.ts";
 * const crypto = createCryptoProvider();
 * const r = generateX25519KeyPair(crypto, systemRandom);
 * const psk = new Uint8Array(32);
 * const ini = XKpsk3Handshake.initiator({ crypto, random: systemRandom, psk,
 *   localStaticKeyPair: generateX25519KeyPair(crypto, systemRandom),
 *   remoteStaticPublicKey: r.publicKey });
 * const res = XKpsk3Handshake.responder({ crypto, random: systemRandom, psk,
 *   localStaticKeyPair: r });
 * res.readMessage(ini.writeMessage());
 * ini.readMessage(res.writeMessage());
 * res.readMessage(ini.writeMessage());
 * const a = ini.intoTransport();
 * const b = res.intoTransport();
 * b.decrypt(a.encrypt(new Uint8Array([7]))); // Uint8Array [7]
 * ```
 */
export class XKpsk3Handshake {
  /** Which side this state plays. */
  readonly role: NoiseRole;
  readonly #crypto: CryptoProvider;
  readonly #random: RandomSource;
  readonly #symmetric: SymmetricState;
  readonly #s: X25519KeyPair;
  readonly #psk: Uint8Array;
  #e: X25519KeyPair | null = null;
  #rs: Uint8Array | null;
  #re: Uint8Array | null = null;
  #index = 0;
  #failed = false;
  #transport: NoiseTransportState | null = null;
  #transportTaken = false;

  private constructor(
    role: NoiseRole,
    options: XKpsk3CommonOptions,
    remoteStaticPublicKey: Uint8Array | null,
  ) {
    requireKeyLength("local static secret key", options.localStaticKeyPair?.secretKey);
    requireKeyLength("local static public key", options.localStaticKeyPair?.publicKey);
    requireKeyLength("psk", options.psk);
    if (remoteStaticPublicKey !== null) {
      requireKeyLength("remote static public key", remoteStaticPublicKey);
    }
    if (options.prologue !== undefined && !(options.prologue instanceof Uint8Array)) {
      throw new NoiseArgumentError("prologue must be a Uint8Array");
    }
    this.role = role;
    this.#crypto = options.crypto;
    this.#random = options.random;
    this.#s = {
      publicKey: options.localStaticKeyPair.publicKey.slice(),
      secretKey: options.localStaticKeyPair.secretKey.slice(),
    };
    this.#psk = options.psk.slice();
    this.#rs = remoteStaticPublicKey === null ? null : remoteStaticPublicKey.slice();
    this.#symmetric = new SymmetricState(
      options.crypto,
      options.aead ?? defaultNoiseAead(),
      XKPSK3_PROTOCOL_NAME,
    );
    this.#symmetric.mixHash(options.prologue ?? EMPTY);
    // Pre-message `<- s`: both sides hash the responder's static public key.
    this.#symmetric.mixHash(role === "initiator" ? this.#rs! : this.#s.publicKey);
  }

  /**
   * Creates the initiator side.
   *
   * @example
   * ```ts
   * import { createCryptoProvider, systemRandom } from "../../crypto/mod.ts";
   * import { generateX25519KeyPair } from "./keys.ts";
   * import { XKpsk3Handshake } from "./handshake.ts";
   * const crypto = createCryptoProvider();
   * const hs = XKpsk3Handshake.initiator({ crypto, random: systemRandom, psk: new Uint8Array(32),
   *   localStaticKeyPair: generateX25519KeyPair(crypto, systemRandom),
   *   remoteStaticPublicKey: generateX25519KeyPair(crypto, systemRandom).publicKey });
   * hs.writeMessage().length; // 48
   * ```
   */
  static initiator(options: XKpsk3InitiatorOptions): XKpsk3Handshake {
    return new XKpsk3Handshake("initiator", options, options.remoteStaticPublicKey);
  }

  /**
   * Creates the responder side.
   *
   * @example
   * ```ts
   * import { createCryptoProvider, systemRandom } from "../../crypto/mod.ts";
   * import { generateX25519KeyPair } from "./keys.ts";
   * import { XKpsk3Handshake } from "./handshake.ts";
   * const crypto = createCryptoProvider();
   * const hs = XKpsk3Handshake.responder({ crypto, random: systemRandom, psk: new Uint8Array(32),
   *   localStaticKeyPair: generateX25519KeyPair(crypto, systemRandom) });
   * hs.isMyTurn; // false: the initiator speaks first
   * ```
   */
  static responder(options: XKpsk3ResponderOptions): XKpsk3Handshake {
    return new XKpsk3Handshake("responder", options, null);
  }

  /** Number of handshake messages processed so far (0–3). */
  get messageIndex(): number {
    return this.#index;
  }

  /** Whether all three messages have been processed. */
  get isFinished(): boolean {
    return this.#index === 3;
  }

  /** Whether a message processing error made this state unusable. */
  get isFailed(): boolean {
    return this.#failed;
  }

  /** Whether the next step is {@linkcode writeMessage} (otherwise {@linkcode readMessage}). */
  get isMyTurn(): boolean {
    if (this.isFinished) return false;
    const initiatorWrites = this.#index !== 1;
    return (this.role === "initiator") === initiatorWrites;
  }

  /** The current handshake hash `h` (final after message 3). */
  get handshakeHash(): Uint8Array {
    return this.#symmetric.handshakeHash;
  }

  /**
   * The peer's static public key: known in advance by the initiator, learnt from message 3 by
   * the responder (`null` before that). XK authenticates it cryptographically but does not
   * decide whether it is acceptable; Nym does not check it against the directory.
   */
  get remoteStaticPublicKey(): Uint8Array | null {
    return this.#rs === null ? null : this.#rs.slice();
  }

  /**
   * Produces the next handshake message carrying `payload` (empty by default, as Nym sends).
   * Throws {@linkcode NoiseStateError} out of turn, {@linkcode NoiseMessageLengthError} when
   * the message would exceed 65535 bytes.
   */
  writeMessage(payload: Uint8Array = EMPTY): Uint8Array {
    this.#requireUsable();
    if (!this.isMyTurn) throw new NoiseStateError("not our turn to write a handshake message");
    const length = MESSAGE_MIN_LENGTH[this.#index] + payload.length;
    if (length > NOISE_MAX_MESSAGE_LENGTH) {
      throw new NoiseMessageLengthError(
        `handshake message ${
          this.#index + 1
        } would be ${length} bytes, over ${NOISE_MAX_MESSAGE_LENGTH}`,
      );
    }
    try {
      const message = this.#index === 2 ? this.#writeStaticSePsk(payload) : this.#writeE(payload);
      this.#advance();
      return message;
    } catch (e) {
      this.#failed = true;
      throw e;
    }
  }

  /**
   * Processes the peer's next handshake message and returns its payload. Throws
   * {@linkcode NoiseStateError} out of turn, {@linkcode NoiseMessageLengthError} for a message
   * too short or over 65535 bytes, `NoiseDecryptError` when a tag fails (tampering, wrong
   * PSK, wrong responder key). Any error fails the state.
   */
  readMessage(message: Uint8Array): Uint8Array {
    this.#requireUsable();
    if (this.isMyTurn || this.isFinished) {
      throw new NoiseStateError("not our turn to read a handshake message");
    }
    try {
      const min = MESSAGE_MIN_LENGTH[this.#index];
      if (message.length < min || message.length > NOISE_MAX_MESSAGE_LENGTH) {
        throw new NoiseMessageLengthError(
          `handshake message ${
            this.#index + 1
          } must be ${min}..${NOISE_MAX_MESSAGE_LENGTH} bytes, got ${message.length}`,
        );
      }
      const payload = this.#index === 2 ? this.#readStaticSePsk(message) : this.#readE(message);
      this.#advance();
      return payload;
    } catch (e) {
      this.#failed = true;
      throw e;
    }
  }

  /**
   * The transport session after the last message (the result of `Split()`); callable once.
   * Throws {@linkcode NoiseStateError} before the handshake finished or on a second call.
   */
  intoTransport(): NoiseTransportState {
    if (this.#transport === null || this.#transportTaken) {
      throw new NoiseStateError(
        this.#transportTaken ? "transport state already taken" : "handshake is not finished",
      );
    }
    this.#transportTaken = true;
    return this.#transport;
  }

  #requireUsable(): void {
    if (this.#failed) throw new NoiseStateError("handshake failed earlier and must be abandoned");
    if (this.isFinished) throw new NoiseStateError("handshake already finished");
  }

  #advance(): void {
    this.#index++;
    if (this.#index === 3) {
      const [initiatorToResponder, responderToInitiator] = this.#symmetric.split();
      this.#transport = this.role === "initiator"
        ? new NoiseTransportState(
          initiatorToResponder,
          responderToInitiator,
          this.#symmetric.handshakeHash,
        )
        : new NoiseTransportState(
          responderToInitiator,
          initiatorToResponder,
          this.#symmetric.handshakeHash,
        );
    }
  }

  #dh(secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
    return this.#crypto.x25519(secret, publicKey);
  }

  /** Messages 1 (`e, es`) and 2 (`e, ee`), written. */
  #writeE(payload: Uint8Array): Uint8Array {
    const secretKey = this.#random(NOISE_DH_LENGTH);
    if (!(secretKey instanceof Uint8Array) || secretKey.length !== NOISE_DH_LENGTH) {
      throw new NoiseArgumentError("random source did not return 32 bytes");
    }
    const e = { secretKey, publicKey: this.#crypto.x25519Base(secretKey) };
    this.#e = e;
    this.#symmetric.mixHash(e.publicKey);
    this.#symmetric.mixKey(e.publicKey); // §9.2: `e` also mixes the key when a psk is used.
    // Initiator's message 1: es = DH(e, rs). Responder's message 2: ee = DH(e, re).
    this.#symmetric.mixKey(this.#dh(e.secretKey, this.#index === 0 ? this.#rs! : this.#re!));
    const ciphertext = this.#symmetric.encryptAndHash(payload);
    const out = new Uint8Array(NOISE_DH_LENGTH + ciphertext.length);
    out.set(e.publicKey, 0);
    out.set(ciphertext, NOISE_DH_LENGTH);
    return out;
  }

  /** Messages 1 and 2, read. */
  #readE(message: Uint8Array): Uint8Array {
    const re = message.slice(0, NOISE_DH_LENGTH);
    this.#re = re;
    this.#symmetric.mixHash(re);
    this.#symmetric.mixKey(re);
    // Responder reading message 1: es = DH(s, re). Initiator reading message 2: ee = DH(e, re).
    this.#symmetric.mixKey(
      this.#dh(this.#index === 0 ? this.#s.secretKey : this.#e!.secretKey, re),
    );
    return this.#symmetric.decryptAndHash(message.subarray(NOISE_DH_LENGTH));
  }

  /** Message 3 (`s, se, psk`), written by the initiator. */
  #writeStaticSePsk(payload: Uint8Array): Uint8Array {
    const encryptedStatic = this.#symmetric.encryptAndHash(this.#s.publicKey);
    this.#symmetric.mixKey(this.#dh(this.#s.secretKey, this.#re!)); // se = DH(s, re)
    this.#symmetric.mixKeyAndHash(this.#psk);
    const ciphertext = this.#symmetric.encryptAndHash(payload);
    const out = new Uint8Array(encryptedStatic.length + ciphertext.length);
    out.set(encryptedStatic, 0);
    out.set(ciphertext, encryptedStatic.length);
    return out;
  }

  /** Message 3, read by the responder. */
  #readStaticSePsk(message: Uint8Array): Uint8Array {
    const staticLength = NOISE_DH_LENGTH + NOISE_TAG_LENGTH;
    const rs = this.#symmetric.decryptAndHash(message.subarray(0, staticLength));
    this.#rs = rs;
    this.#symmetric.mixKey(this.#dh(this.#e!.secretKey, rs)); // se = DH(e, rs)
    this.#symmetric.mixKeyAndHash(this.#psk);
    return this.#symmetric.decryptAndHash(message.subarray(staticLength));
  }
}
