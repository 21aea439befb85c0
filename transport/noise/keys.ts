/**
 * X25519 static key pairs for Noise (`DHLEN = 32`, Noise spec rev. 34 §12.1).
 *
 * @module
 */
import type { CryptoProvider } from "../../crypto/provider.ts";
import type { RandomSource } from "../../crypto/random.ts";
import { NoiseArgumentError } from "./errors.ts";

/** Bytes of an X25519 secret or public key (`DHLEN`). */
export const NOISE_DH_LENGTH = 32;

/** An X25519 key pair: `publicKey = X25519(secretKey, 9)`. */
export interface X25519KeyPair {
  /** 32-byte public key (Montgomery u-coordinate). */
  readonly publicKey: Uint8Array;
  /** 32-byte secret scalar (clamped by X25519 when used). */
  readonly secretKey: Uint8Array;
}

/**
 * Derives the key pair of a 32-byte X25519 secret.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../../crypto/mod.ts";
 * import { x25519KeyPairFromSecret } from "./keys.ts";
 * x25519KeyPairFromSecret(createCryptoProvider(), new Uint8Array(32).fill(7)).publicKey.length; // 32
 * ```
 */
export function x25519KeyPairFromSecret(
  crypto: CryptoProvider,
  secretKey: Uint8Array,
): X25519KeyPair {
  requireKeyLength("X25519 secret key", secretKey);
  return { secretKey: secretKey.slice(), publicKey: crypto.x25519Base(secretKey) };
}

/**
 * Generates a key pair from `random` (32 bytes).
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../../crypto/mod.ts";
 * import { generateX25519KeyPair } from "./keys.ts";
 * generateX25519KeyPair(createCryptoProvider(), systemRandom).secretKey.length; // 32
 * ```
 */
export function generateX25519KeyPair(crypto: CryptoProvider, random: RandomSource): X25519KeyPair {
  return x25519KeyPairFromSecret(crypto, random(NOISE_DH_LENGTH));
}

/**
 * Throws {@linkcode NoiseArgumentError} unless `key` is 32 bytes.
 *
 * @example
 * ```ts
 * import { requireKeyLength } from "./keys.ts";
 * requireKeyLength("psk", new Uint8Array(32)); // ok
 * ```
 */
export function requireKeyLength(what: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== NOISE_DH_LENGTH) {
    throw new NoiseArgumentError(`${what} must be ${NOISE_DH_LENGTH} bytes`);
  }
}
