/**
 * The post-handshake Noise session: the two CipherStates from `Split()` (Noise spec rev. 34
 * §5.2), one per direction, with the 65535-byte message limit (§3) enforced.
 *
 * @module
 */
import { NOISE_TAG_LENGTH } from "./aead.ts";
import type { CipherState } from "./cipher_state.ts";
import { NoiseMessageLengthError } from "./errors.ts";

/** Largest Noise message (§3), handshake or transport, tag included. */
export const NOISE_MAX_MESSAGE_LENGTH = 65535;
/** Largest plaintext one transport message carries: 65535 − 16 = 65519 bytes. */
export const NOISE_MAX_PLAINTEXT_LENGTH: number = NOISE_MAX_MESSAGE_LENGTH - NOISE_TAG_LENGTH;

const EMPTY = new Uint8Array(0);

/**
 * Encrypts outgoing and decrypts incoming transport messages in order. Built by
 * {@linkcode XKpsk3Handshake.intoTransport}.
 *
 * @example
 * ```ts
 * import { CipherState } from "./cipher_state.ts";
 * import { createNodeAesGcm } from "./aead.ts";
 * import { NoiseTransportState } from "./transport_state.ts";
 * const mk = () => {
 *   const c = new CipherState(createNodeAesGcm());
 *   c.initializeKey(new Uint8Array(32));
 *   return c;
 * };
 * const a = new NoiseTransportState(mk(), mk(), new Uint8Array(32));
 * const b = new NoiseTransportState(mk(), mk(), new Uint8Array(32));
 * b.decrypt(a.encrypt(new Uint8Array([1, 2]))); // Uint8Array [1, 2]
 * ```
 */
export class NoiseTransportState {
  readonly #send: CipherState;
  readonly #receive: CipherState;
  readonly #handshakeHash: Uint8Array;

  /** Wraps the sending and receiving CipherStates of one side. */
  constructor(send: CipherState, receive: CipherState, handshakeHash: Uint8Array) {
    this.#send = send;
    this.#receive = receive;
    this.#handshakeHash = handshakeHash.slice();
  }

  /** The final handshake hash `h` (a channel binding value, §11.2). */
  get handshakeHash(): Uint8Array {
    return this.#handshakeHash.slice();
  }

  /** The nonce the next {@linkcode encrypt} uses. */
  get sendNonce(): bigint {
    return this.#send.nonce;
  }

  /** The nonce the next {@linkcode decrypt} uses. */
  get receiveNonce(): bigint {
    return this.#receive.nonce;
  }

  /** Sets the sending nonce; for tests of the 2^64−1 rule only. */
  setSendNonce(n: bigint): void {
    this.#send.setNonce(n);
  }

  /** Sets the receiving nonce; for tests of the 2^64−1 rule only. */
  setReceiveNonce(n: bigint): void {
    this.#receive.setNonce(n);
  }

  /**
   * Encrypts one transport message (empty associated data). Plaintexts over 65519 bytes throw
   * {@linkcode NoiseMessageLengthError}; nonce 2^64−1 throws `NoiseNonceExhaustedError`.
   */
  encrypt(plaintext: Uint8Array): Uint8Array {
    if (plaintext.length > NOISE_MAX_PLAINTEXT_LENGTH) {
      throw new NoiseMessageLengthError(
        `plaintext of ${plaintext.length} bytes exceeds ${NOISE_MAX_PLAINTEXT_LENGTH}`,
      );
    }
    return this.#send.encryptWithAd(EMPTY, plaintext);
  }

  /**
   * Decrypts one transport message. Wrong sizes throw {@linkcode NoiseMessageLengthError}, a
   * bad tag `NoiseDecryptError` (the nonce is not advanced).
   */
  decrypt(message: Uint8Array): Uint8Array {
    if (message.length > NOISE_MAX_MESSAGE_LENGTH) {
      throw new NoiseMessageLengthError(
        `message of ${message.length} bytes exceeds ${NOISE_MAX_MESSAGE_LENGTH}`,
      );
    }
    return this.#receive.decryptWithAd(EMPTY, message);
  }
}
