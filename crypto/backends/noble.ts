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
import { ctr } from "@noble/ciphers/aes.js";
import { blocksBeforeCtr64Wrap, type CryptoProvider, requireLength } from "../provider.ts";

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
  };
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
