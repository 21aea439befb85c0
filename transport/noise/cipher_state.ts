/**
 * Noise `CipherState` (Noise spec rev. 34 §5.1): a key `k` (possibly empty) and a 64-bit
 * counter nonce `n`. No rekeying: at `n = 2^64−1` every further operation fails, as the spec
 * requires (that value is reserved).
 *
 * @module
 */
import { type KeyedNoiseAead, NOISE_TAG_LENGTH, type NoiseAead } from "./aead.ts";
import { NoiseDecryptError, NoiseMessageLengthError, NoiseNonceExhaustedError } from "./errors.ts";

/** The reserved nonce value 2^64−1 (§5.1): never used for encryption or decryption. */
export const NOISE_MAX_NONCE = (1n << 64n) - 1n;

/**
 * One direction's cipher: encrypts or decrypts with the current nonce and then increments it.
 * Without a key it passes data through unchanged (only meaningful early in a handshake).
 *
 * @example
 * ```ts
 * import { CipherState } from "./cipher_state.ts";
 * import { createNodeAesGcm } from "./aead.ts";
 * const tx = new CipherState(createNodeAesGcm());
 * const rx = new CipherState(createNodeAesGcm());
 * tx.initializeKey(new Uint8Array(32));
 * rx.initializeKey(new Uint8Array(32));
 * const ct = tx.encryptWithAd(new Uint8Array(), new Uint8Array([42]));
 * rx.decryptWithAd(new Uint8Array(), ct); // Uint8Array [42]
 * ```
 */
export class CipherState {
  readonly #aead: NoiseAead;
  #key: KeyedNoiseAead | null = null;
  #n = 0n;

  /** Creates a state with an empty key, using `aead` once a key is set. */
  constructor(aead: NoiseAead) {
    this.#aead = aead;
  }

  /** `InitializeKey(key)`: sets `k = key` and `n = 0`. */
  initializeKey(key: Uint8Array): void {
    this.#key = this.#aead.withKey(key);
    this.#n = 0n;
  }

  /** `HasKey()`. */
  hasKey(): boolean {
    return this.#key !== null;
  }

  /** The next nonce that will be used. */
  get nonce(): bigint {
    return this.#n;
  }

  /**
   * `SetNonce(n)`. Exposed for tests of the exhaustion rule and for out-of-order transports;
   * ordinary TCP use never needs it.
   */
  setNonce(n: bigint): void {
    if (n < 0n || n > NOISE_MAX_NONCE) throw new RangeError("nonce out of u64 range");
    this.#n = n;
  }

  /**
   * `EncryptWithAd(ad, plaintext)`. Throws {@linkcode NoiseNonceExhaustedError} at
   * `n = 2^64−1`.
   */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#key === null) return plaintext.slice();
    if (this.#n === NOISE_MAX_NONCE) throw new NoiseNonceExhaustedError();
    const out = this.#key.seal(this.#n, ad, plaintext);
    this.#n++;
    return out;
  }

  /**
   * `DecryptWithAd(ad, ciphertext)`. On a bad tag throws {@linkcode NoiseDecryptError} and
   * leaves `n` unchanged (§5.1); input shorter than a tag throws
   * {@linkcode NoiseMessageLengthError}.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#key === null) return ciphertext.slice();
    if (this.#n === NOISE_MAX_NONCE) throw new NoiseNonceExhaustedError();
    if (ciphertext.length < NOISE_TAG_LENGTH) {
      throw new NoiseMessageLengthError(
        `ciphertext of ${ciphertext.length} bytes is shorter than the ${NOISE_TAG_LENGTH}-byte tag`,
      );
    }
    const out = this.#key.open(this.#n, ad, ciphertext);
    if (out === null) throw new NoiseDecryptError(`authentication failed at nonce ${this.#n}`);
    this.#n++;
    return out;
  }
}
