/**
 * Ed25519 identities and signatures (node identities, client identities, gateway handshakes,
 * signed host information). Keys are raw 32-byte seeds / public keys, as Nym stores them.
 *
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import type { RandomSource } from "./random.ts";
import { systemRandom } from "./random.ts";
import { requireLength } from "./provider.ts";

/** An Ed25519 key pair: 32-byte secret seed and 32-byte public key. */
export interface Ed25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * Generates a key pair from `random`.
 *
 * @example
 * ```ts
 * import { generateEd25519KeyPair } from "./ed25519.ts";
 * const { publicKey } = generateEd25519KeyPair();
 * ```
 */
export function generateEd25519KeyPair(random: RandomSource = systemRandom): Ed25519KeyPair {
  const secretKey = random(32);
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/**
 * Derives the public key of a 32-byte secret seed.
 *
 * @example
 * ```ts
 * import { ed25519PublicKey } from "./ed25519.ts";
 * ed25519PublicKey(new Uint8Array(32)).length; // 32
 * ```
 */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  requireLength("ed25519 secret key", secretKey, 32);
  return ed25519.getPublicKey(secretKey);
}

/**
 * Signs `message` (RFC 8032, deterministic) and returns the 64-byte signature.
 *
 * @example
 * ```ts
 * import { ed25519Sign, generateEd25519KeyPair } from "./ed25519.ts";
 * const kp = generateEd25519KeyPair();
 * ed25519Sign(kp.secretKey, new TextEncoder().encode("hi")).length; // 64
 * ```
 */
export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  requireLength("ed25519 secret key", secretKey, 32);
  return ed25519.sign(message, secretKey);
}

/**
 * Verifies a signature; returns `false` (never throws) for malformed keys or signatures.
 *
 * @example
 * ```ts
 * import { ed25519Sign, ed25519Verify, generateEd25519KeyPair } from "./ed25519.ts";
 * const kp = generateEd25519KeyPair();
 * const m = new Uint8Array([1]);
 * ed25519Verify(kp.publicKey, m, ed25519Sign(kp.secretKey, m)); // true
 * ```
 */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    // zip215: false gives RFC 8032 / ed25519-dalek `verify_strict`-like semantics.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
