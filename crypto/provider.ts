/**
 * The symmetric and X25519 primitives on the Sphinx hot path, behind one interface so the
 * fastest implementation available on the machine can be injected: libsodium through Deno FFI,
 * `node:crypto`, or pure JavaScript (`@noble/*`, which also runs in browsers).
 *
 * Every function is synchronous and returns a fresh array unless it says otherwise.
 *
 * @module
 */

/** The primitives Sphinx, Lioness, Noise and the Nym packet layer need. */
export interface CryptoProvider {
  /** Human-readable backend description, e.g. `"sodium+node"`; printed by benchmarks and logs. */
  readonly name: string;
  /**
   * RFC 7748 X25519: clamps `scalar`, masks the top bit of `point`. A low-order `point` yields
   * 32 zero bytes (as `x25519-dalek` does) instead of an error.
   */
  x25519(scalar: Uint8Array, point: Uint8Array): Uint8Array;
  /** `x25519(scalar, 9)`: the public key of `scalar`. */
  x25519Base(scalar: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869). An empty `salt` means HashLen zero bytes, as the RFC says. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** HMAC-SHA256, full 32-byte tag. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** SHA-256. */
  sha256(data: Uint8Array): Uint8Array;
  /**
   * AES-128 in CTR mode with a 16-byte initial counter block whose last 8 bytes count as a
   * big-endian u64 that wraps without carrying (`ctr::Ctr64BE`, `wire-format.md` §0).
   * Returns `data` XOR keystream.
   */
  aes128Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * ChaCha20 (20 rounds) with an all-zero nonce and the block counter starting at 0, XORed over
   * `data` in place. The DJB and IETF variants agree here (`wire-format.md` §2.12).
   */
  chacha20XorInPlace(key: Uint8Array, data: Uint8Array): void;
  /** BLAKE2b keyed with up to 64 bytes, 32-byte digest (the Lioness hash). */
  blake2b256Keyed(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * AES-256-GCM-SIV (RFC 8452) without AAD: a 32-byte key, a 12-byte nonce; returns
   * ciphertext ‖ 16-byte tag. Used for everything a client and its gateway exchange under their
   * shared key (`nym-node.md` §4.3). Throws {@linkcode CryptoArgumentError} for a wrong-sized
   * key or nonce.
   */
  aes256GcmSivSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /**
   * Opens ciphertext ‖ tag from {@linkcode CryptoProvider.aes256GcmSivSeal}. Throws
   * {@linkcode AeadAuthenticationError} when it does not authenticate (or is shorter than the
   * tag), {@linkcode CryptoArgumentError} for a wrong-sized key or nonce.
   */
  aes256GcmSivOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array;
}

/** Thrown when a primitive receives an argument of the wrong size. */
export class CryptoArgumentError extends Error {
  override name = "CryptoArgumentError";
}

/**
 * An AEAD ciphertext did not authenticate: a wrong tag, a tampered ciphertext, the wrong key or
 * nonce, or input shorter than the tag. Nothing of the plaintext is released.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "./mod.ts";
 * import { AeadAuthenticationError } from "./provider.ts";
 * try {
 *   createCryptoProvider().aes256GcmSivOpen(new Uint8Array(32), new Uint8Array(12), new Uint8Array(16));
 * } catch (e) {
 *   e instanceof AeadAuthenticationError; // true
 * }
 * ```
 */
export class AeadAuthenticationError extends Error {
  override name = "AeadAuthenticationError";
}

/** @internal Checks a fixed-size argument. */
export function requireLength(name: string, value: Uint8Array, length: number): void {
  if (value.length !== length) {
    throw new CryptoArgumentError(`${name} must be ${length} bytes, got ${value.length}`);
  }
}

/**
 * Splits a Ctr64BE stream at the point where the low 64 bits of the counter wrap, so backends
 * with a 128-bit counter (node:crypto, OpenSSL) produce the same keystream as Nym's `Ctr64BE`.
 * Returns the number of whole blocks that can be produced before the wrap.
 *
 * @internal
 */
export function blocksBeforeCtr64Wrap(iv: Uint8Array): bigint {
  let low = 0n;
  for (let i = 8; i < 16; i++) low = (low << 8n) | BigInt(iv[i]);
  return (1n << 64n) - low;
}
