/**
 * Nym's hashes onto the curve and the scalar field, and the Fiat–Shamir challenge
 * (credentials-anchors.md §A.2; upstream `nym_offline_compact_ecash/src/utils.rs` and
 * `src/proofs/mod.rs`).
 *
 * @module
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { hash_to_field } from "@noble/curves/abstract/hash-to-curve.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { type G1Point } from "./group.ts";
import { bytesToBigIntLE, mod, type Scalar, SCALAR_ORDER } from "./scalar.ts";

/** Domain separation tag of `hash_g1` (RFC 9380 suite BLS12381G1_XMD:SHA-256_SSWU_RO_). */
export const G1_HASH_DST = "NYMECASH-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_";
/** Domain separation tag of `hash_to_scalar` (RFC 9380 hash_to_field, expand_message_xmd). */
export const SCALAR_HASH_DST = "NYMECASH-V01-CS02-with-expander-SHA256";

const TEXT = new TextEncoder();

function asBytes(msg: Uint8Array | string): Uint8Array {
  return typeof msg === "string" ? TEXT.encode(msg) : msg;
}

/**
 * Hashes a message to G1 with Nym's DST (upstream `hash_g1`).
 *
 * @example
 * ```ts
 * import { hashToG1 } from "./hash.ts";
 * hashToG1("delta").is0(); // false
 * ```
 */
export function hashToG1(msg: Uint8Array | string): G1Point {
  return bls12_381.G1.hashToCurve(asBytes(msg), { DST: G1_HASH_DST }) as unknown as G1Point;
}

/**
 * Hashes a message to F_r: hash_to_field with expand_message_xmd(SHA-256), L = 48, one element
 * (upstream `hash_to_scalar`).
 *
 * @example
 * ```ts
 * import { hashToScalar } from "./hash.ts";
 * hashToScalar("foo") > 0n; // true
 * ```
 */
export function hashToScalar(msg: Uint8Array | string): Scalar {
  const [[s]] = hash_to_field(asBytes(msg), 1, {
    DST: SCALAR_HASH_DST,
    p: SCALAR_ORDER,
    m: 1,
    k: 128,
    expand: "xmd",
    hash: sha256,
  });
  return s;
}

/**
 * The Fiat–Shamir challenge: SHA-256 over the concatenated parts, the digest placed in the top
 * half of a zeroed 64-byte buffer and read little-endian mod r, i.e. `LE(digest)·2²⁵⁶ mod r`
 * (upstream `compute_challenge`, credentials-anchors.md §A.2 item 2).
 *
 * @example
 * ```ts
 * import { computeChallenge } from "./hash.ts";
 * computeChallenge([new Uint8Array([1, 2, 3])]) > 0n; // true
 * ```
 */
export function computeChallenge(parts: readonly Uint8Array[]): Scalar {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return mod(bytesToBigIntLE(h.digest()) << 256n);
}
