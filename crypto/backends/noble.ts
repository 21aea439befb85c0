/**
 * Pure-JavaScript backend on `@noble/*`: portable (Deno, browsers), slow for X25519 and
 * BLAKE2b. It is the reference the faster backends are tested against.
 *
 * @module
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { chacha20 } from "@noble/ciphers/chacha.js";
import { ctr, gcmsiv } from "@noble/ciphers/aes.js";
import {
  AeadAuthenticationError,
  blocksBeforeCtr64Wrap,
  type CryptoProvider,
  requireLength,
} from "../provider.ts";

const ZERO_NONCE_12 = new Uint8Array(12);

/**
 * Creates the pure-JavaScript provider.
 *
 * @example
 * ```ts
 * import { createNobleProvider } from "./noble.ts";
 * const c = createNobleProvider();
 * c.sha256(new Uint8Array());
 * ```
 */
export function createNobleProvider(): CryptoProvider {
  return {
    name: "noble",
    x25519(scalar, point) {
      requireLength("x25519 scalar", scalar, 32);
      requireLength("x25519 point", point, 32);
      try {
        return x25519.scalarMult(scalar, point);
      } catch {
        // noble rejects an all-zero result (low-order point); x25519-dalek returns zeros.
        return new Uint8Array(32);
      }
    },
    x25519Base(scalar) {
      requireLength("x25519 scalar", scalar, 32);
      return x25519.scalarMultBase(scalar);
    },
    hkdfSha256(ikm, salt, info, length) {
      return hkdf(sha256, ikm, salt.length === 0 ? undefined : salt, info, length);
    },
    hmacSha256(key, data) {
      return hmac(sha256, key, data);
    },
    sha256(data) {
      return sha256(data);
    },
    aes128Ctr(key, iv, data) {
      requireLength("aes key", key, 16);
      requireLength("aes iv", iv, 16);
      return aes128Ctr64With((k, v, d) => ctr(k, v).encrypt(d), key, iv, data);
    },
    chacha20XorInPlace(key, data) {
      requireLength("chacha20 key", key, 32);
      chacha20(key, ZERO_NONCE_12, data, data);
    },
    blake2b256Keyed(key, data) {
      return blake2b(data, { key, dkLen: 32 });
    },
    aes256GcmSivSeal: nobleAes256GcmSivSeal,
    aes256GcmSivOpen: nobleAes256GcmSivOpen,
  };
}

/**
 * AES-256-GCM-SIV (RFC 8452) without AAD through `@noble/ciphers` (pure JavaScript, runs in
 * browsers): ciphertext ‖ 16-byte tag. The noble provider's
 * {@linkcode CryptoProvider.aes256GcmSivSeal}; `crypto/aes_gcm_siv.ts` is the faster one for
 * Deno.
 *
 * @example
 * ```ts
 * import { nobleAes256GcmSivSeal } from "./noble.ts";
 * nobleAes256GcmSivSeal(new Uint8Array(32), new Uint8Array(12), new Uint8Array(5)).length; // 21
 * ```
 * @throws {CryptoArgumentError} if the key is not 32 bytes or the nonce not 12.
 */
export function nobleAes256GcmSivSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  requireLength("an AES-256-GCM-SIV key", key, 32);
  requireLength("an AES-256-GCM-SIV nonce", nonce, 12);
  return gcmsiv(key, nonce).encrypt(plaintext);
}

/**
 * Opens {@linkcode nobleAes256GcmSivSeal}'s output (the noble provider's
 * {@linkcode CryptoProvider.aes256GcmSivOpen}).
 *
 * @example
 * ```ts
 * import { nobleAes256GcmSivOpen, nobleAes256GcmSivSeal } from "./noble.ts";
 * const k = new Uint8Array(32), n = new Uint8Array(12);
 * nobleAes256GcmSivOpen(k, n, nobleAes256GcmSivSeal(k, n, new Uint8Array([7]))); // Uint8Array [7]
 * ```
 * @throws {AeadAuthenticationError} if `sealed` is shorter than the tag or does not
 * authenticate.
 * @throws {CryptoArgumentError} if the key is not 32 bytes or the nonce not 12.
 */
export function nobleAes256GcmSivOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
): Uint8Array {
  requireLength("an AES-256-GCM-SIV key", key, 32);
  requireLength("an AES-256-GCM-SIV nonce", nonce, 12);
  if (sealed.length < 16) {
    throw new AeadAuthenticationError(
      `an AES-256-GCM-SIV ciphertext is at least 16 bytes (the tag), got ${sealed.length}`,
    );
  }
  try {
    return gcmsiv(key, nonce).decrypt(sealed);
  } catch (e) {
    throw new AeadAuthenticationError("the AES-256-GCM-SIV ciphertext does not authenticate", {
      cause: e,
    });
  }
}

/**
 * Runs a 128-bit-counter CTR implementation so that it behaves like Ctr64BE.
 *
 * @internal
 */
export function aes128Ctr64With(
  ctr128: (key: Uint8Array, iv: Uint8Array, data: Uint8Array) => Uint8Array,
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  const blocks = BigInt(Math.ceil(data.length / 16));
  const before = blocksBeforeCtr64Wrap(iv);
  if (blocks <= before) return ctr128(key, iv, data);
  const split = Number(before) * 16;
  const wrappedIv = iv.slice();
  wrappedIv.fill(0, 8, 16);
  const out = new Uint8Array(data.length);
  out.set(ctr128(key, iv, data.subarray(0, split)), 0);
  out.set(ctr128(key, wrappedIv, data.subarray(split)), split);
  return out;
}
