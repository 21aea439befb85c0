/**
 * AES-256-GCM as Noise's `AESGCM` cipher function (Noise spec rev. 34 §12.3): a 32-byte key,
 * a 96-bit nonce made of 4 zero bytes followed by the 64-bit counter `n` big-endian, a 16-byte
 * tag appended to the ciphertext. The {@linkcode CryptoProvider} has no AES-GCM, so the cipher
 * is injected here separately: libsodium through FFI (fastest, `aead_sodium.ts`), `node:crypto`
 * (native, the per-connection default) or `@noble/ciphers` (portable, and the independent
 * reference the tests compare against).
 *
 * @module
 */
import * as nodeCrypto from "node:crypto";
import { Buffer } from "node:buffer";
import { gcm } from "@noble/ciphers/aes.js";
import { NoiseArgumentError } from "./errors.ts";
import { loadSodiumAesGcm } from "./aead_sodium.ts";

/** Bytes of the AEAD tag (`TAGLEN` in snow, 16 for both Noise ciphers). */
export const NOISE_TAG_LENGTH = 16;
/** Bytes of a Noise cipher key. */
export const NOISE_KEY_LENGTH = 32;

/** An AEAD bound to one key; `nonce` is the Noise counter `n`. */
export interface KeyedNoiseAead {
  /** Returns `ciphertext ‖ tag` (`plaintext.length + 16` bytes). */
  seal(nonce: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext, or `null` if the tag does not verify (or input is shorter than it). */
  open(nonce: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

/** Noise's cipher function: creates a keyed AEAD from a 32-byte key. */
export interface NoiseAead {
  /** Human-readable backend name for logs and benchmarks. */
  readonly name: string;
  /** Binds `key` (32 bytes; the AEAD keeps its own copy). */
  withKey(key: Uint8Array): KeyedNoiseAead;
}

/**
 * Encodes the Noise AESGCM nonce: 4 zero bytes then `n` as a u64 big-endian (§12.3).
 *
 * @example
 * ```ts
 * import { aesGcmNonce } from "./aead.ts";
 * aesGcmNonce(1n); // Uint8Array [0,0,0,0, 0,0,0,0,0,0,0,1]
 * ```
 */
export function aesGcmNonce(n: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, n, false);
  return nonce;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== NOISE_KEY_LENGTH) {
    throw new NoiseArgumentError(`AES-256-GCM key must be 32 bytes, got ${key.length}`);
  }
}

function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * AES-256-GCM through `node:crypto` (OpenSSL): the fast default.
 *
 * @example
 * ```ts
 * import { createNodeAesGcm } from "./aead.ts";
 * const k = createNodeAesGcm().withKey(new Uint8Array(32));
 * const ct = k.seal(0n, new Uint8Array(), new Uint8Array([1, 2, 3]));
 * k.open(0n, new Uint8Array(), ct); // Uint8Array [1, 2, 3]
 * ```
 */
export function createNodeAesGcm(): NoiseAead {
  return {
    name: "node:aes-256-gcm",
    withKey(key) {
      checkKey(key);
      const keyObject = nodeCrypto.createSecretKey(Buffer.from(key));
      return {
        seal(nonce, ad, plaintext) {
          const cipher = nodeCrypto.createCipheriv("aes-256-gcm", keyObject, aesGcmNonce(nonce), {
            authTagLength: NOISE_TAG_LENGTH,
          });
          if (ad.length > 0) cipher.setAAD(ad);
          const out = new Uint8Array(plaintext.length + NOISE_TAG_LENGTH);
          const body = cipher.update(plaintext);
          out.set(body, 0);
          const rest = cipher.final();
          out.set(rest, body.length);
          out.set(cipher.getAuthTag(), plaintext.length);
          return out;
        },
        open(nonce, ad, ciphertext) {
          if (ciphertext.length < NOISE_TAG_LENGTH) return null;
          const split = ciphertext.length - NOISE_TAG_LENGTH;
          const decipher = nodeCrypto.createDecipheriv(
            "aes-256-gcm",
            keyObject,
            aesGcmNonce(nonce),
            { authTagLength: NOISE_TAG_LENGTH },
          );
          decipher.setAuthTag(ciphertext.subarray(split));
          if (ad.length > 0) decipher.setAAD(ad);
          const body = decipher.update(ciphertext.subarray(0, split));
          try {
            const rest = decipher.final();
            if (rest.length === 0) return toU8(body);
            const out = new Uint8Array(body.length + rest.length);
            out.set(body, 0);
            out.set(rest, body.length);
            return out;
          } catch {
            // OpenSSL reports a tag mismatch as an exception from final().
            return null;
          }
        },
      };
    },
  };
}

/**
 * AES-256-GCM in pure JavaScript (`@noble/ciphers`): portable and independent of OpenSSL.
 *
 * @example
 * ```ts
 * import { createNobleAesGcm } from "./aead.ts";
 * const k = createNobleAesGcm().withKey(new Uint8Array(32));
 * k.open(0n, new Uint8Array(), new Uint8Array(16)); // null: the tag does not verify
 * ```
 */
export function createNobleAesGcm(): NoiseAead {
  return {
    name: "noble:aes-256-gcm",
    withKey(key) {
      checkKey(key);
      const k = key.slice();
      return {
        seal(nonce, ad, plaintext) {
          return gcm(k, aesGcmNonce(nonce), ad).encrypt(plaintext);
        },
        open(nonce, ad, ciphertext) {
          if (ciphertext.length < NOISE_TAG_LENGTH) return null;
          try {
            return gcm(k, aesGcmNonce(nonce), ad).decrypt(ciphertext);
          } catch {
            return null;
          }
        },
      };
    },
  };
}

/** Which AES-256-GCM implementation {@linkcode createNoiseAead} should return. */
export type NoiseAeadBackend = "auto" | "sodium" | "node" | "noble";

/**
 * Creates an AEAD. `"auto"` prefers libsodium (FFI, AES-NI; ≈10× faster than `node:crypto`
 * under Deno), then `node:crypto`, then noble. Create it once per process and inject it: each
 * libsodium load opens the library. `"sodium"` returns `null` when libsodium's AES-GCM cannot
 * be used.
 *
 * @example
 * ```ts
 * import { createNoiseAead } from "./aead.ts";
 * const aead = createNoiseAead(); // "sodium:aes-256-gcm" where available
 * aead?.name;
 * ```
 */
export function createNoiseAead(backend: "sodium"): NoiseAead | null;
/** Creates an AEAD that is always available (`"auto"` falls back to `node:crypto` or noble). */
export function createNoiseAead(backend?: "auto" | "node" | "noble"): NoiseAead;
export function createNoiseAead(backend: NoiseAeadBackend = "auto"): NoiseAead | null {
  if (backend === "noble") return createNobleAesGcm();
  if (backend === "node") return createNodeAesGcm();
  const sodium = loadSodiumAesGcm();
  if (backend === "sodium" || sodium !== null) return sodium;
  return defaultNoiseAead();
}

/**
 * The AEAD used when none is injected: `node:crypto` where it exists (Deno), else noble. It
 * opens no library, so it is cheap per connection; inject {@linkcode createNoiseAead} for
 * speed.
 *
 * @example
 * ```ts
 * import { defaultNoiseAead } from "./aead.ts";
 * defaultNoiseAead().name; // "node:aes-256-gcm" under Deno
 * ```
 */
export function defaultNoiseAead(): NoiseAead {
  return typeof Deno !== "undefined" ? createNodeAesGcm() : createNobleAesGcm();
}
