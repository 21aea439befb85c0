/**
 * Noise `SymmetricState` (Noise spec rev. 34 §5.2) for SHA-256: chaining key `ck`, handshake
 * hash `h`, and the handshake `CipherState`. `HKDF` is the spec's §4.3 construction on
 * HMAC-SHA256 (`HASHLEN = 32`), built on the injected {@linkcode CryptoProvider}.
 *
 * @module
 */
import type { CryptoProvider } from "../../crypto/provider.ts";
import type { NoiseAead } from "./aead.ts";
import { CipherState } from "./cipher_state.ts";

/** `HASHLEN` of SHA-256. */
export const NOISE_HASH_LENGTH = 32;

const BYTE_1 = new Uint8Array([1]);

function withTrailingByte(data: Uint8Array, byte: number): Uint8Array {
  const out = new Uint8Array(data.length + 1);
  out.set(data, 0);
  out[data.length] = byte;
  return out;
}

/**
 * The Noise `HKDF(chaining_key, input_key_material, num_outputs)` of §4.3: `temp_key =
 * HMAC(ck, ikm)`, `output1 = HMAC(temp_key, 0x01)`, `output_i = HMAC(temp_key, output_{i-1} ‖
 * i)`.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../../crypto/mod.ts";
 * import { noiseHkdf } from "./symmetric_state.ts";
 * const [ck, k] = noiseHkdf(createCryptoProvider(), new Uint8Array(32), new Uint8Array(32), 2);
 * ck.length + k.length; // 64
 * ```
 */
export function noiseHkdf(
  crypto: CryptoProvider,
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
  outputs: 2 | 3,
): Uint8Array[] {
  const tempKey = crypto.hmacSha256(chainingKey, inputKeyMaterial);
  const out1 = crypto.hmacSha256(tempKey, BYTE_1);
  const out2 = crypto.hmacSha256(tempKey, withTrailingByte(out1, 2));
  if (outputs === 2) return [out1, out2];
  return [out1, out2, crypto.hmacSha256(tempKey, withTrailingByte(out2, 3))];
}

/**
 * The handshake's symmetric state. Used by {@linkcode XKpsk3Handshake}; exported for tests and
 * for building other patterns.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../../crypto/mod.ts";
 * import { createNodeAesGcm } from "./aead.ts";
 * import { SymmetricState } from "./symmetric_state.ts";
 * const s = new SymmetricState(createCryptoProvider(), createNodeAesGcm(),
 *   "Noise_XKpsk3_25519_AESGCM_SHA256");
 * s.mixHash(new Uint8Array());
 * s.handshakeHash.length; // 32
 * ```
 */
export class SymmetricState {
  readonly #crypto: CryptoProvider;
  readonly #aead: NoiseAead;
  #ck: Uint8Array;
  #h: Uint8Array;
  readonly #cipher: CipherState;

  /** `InitializeSymmetric(protocol_name)`. */
  constructor(crypto: CryptoProvider, aead: NoiseAead, protocolName: string) {
    this.#crypto = crypto;
    this.#aead = aead;
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= NOISE_HASH_LENGTH) {
      this.#h = new Uint8Array(NOISE_HASH_LENGTH);
      this.#h.set(name);
    } else {
      this.#h = crypto.sha256(name);
    }
    this.#ck = this.#h.slice();
    this.#cipher = new CipherState(aead);
  }

  /** `MixKey(ikm)`: `ck, temp_k = HKDF(ck, ikm, 2)`; `InitializeKey(temp_k)`. */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempK] = noiseHkdf(this.#crypto, this.#ck, inputKeyMaterial, 2);
    this.#ck = ck;
    this.#cipher.initializeKey(tempK);
  }

  /** `MixHash(data)`: `h = HASH(h ‖ data)`. */
  mixHash(data: Uint8Array): void {
    const input = new Uint8Array(this.#h.length + data.length);
    input.set(this.#h, 0);
    input.set(data, this.#h.length);
    this.#h = this.#crypto.sha256(input);
  }

  /** `MixKeyAndHash(ikm)`: for `psk` tokens (§9). */
  mixKeyAndHash(inputKeyMaterial: Uint8Array): void {
    const [ck, tempH, tempK] = noiseHkdf(this.#crypto, this.#ck, inputKeyMaterial, 3);
    this.#ck = ck;
    this.mixHash(tempH);
    this.#cipher.initializeKey(tempK);
  }

  /** `GetHandshakeHash()`: a copy of `h`. */
  get handshakeHash(): Uint8Array {
    return this.#h.slice();
  }

  /** Whether the handshake cipher has a key (payloads and `s` are encrypted). */
  hasKey(): boolean {
    return this.#cipher.hasKey();
  }

  /** `EncryptAndHash(plaintext)`. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.#cipher.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** `DecryptAndHash(ciphertext)`; throws the typed errors of `DecryptWithAd`. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.#cipher.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /**
   * `Split()`: two CipherStates, the first for initiator→responder traffic, the second for
   * responder→initiator.
   */
  split(): [CipherState, CipherState] {
    const [k1, k2] = noiseHkdf(this.#crypto, this.#ck, new Uint8Array(0), 2);
    const c1 = new CipherState(this.#aead);
    const c2 = new CipherState(this.#aead);
    c1.initializeKey(k1);
    c2.initializeKey(k2);
    return [c1, c2];
  }
}
