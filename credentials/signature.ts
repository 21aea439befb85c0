/**
 * Pointcheval–Sanders signatures (h, s) and blinded signatures (h, c), their 96-byte layout
 * (two compressed G1 points, upstream `common_types.rs`) and re-randomisation.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { EcashDecodeError } from "./errors.ts";
import { G1_BYTES, g1FromBytes, type G1Point, g1ToBytes, mulSecret } from "./group.ts";
import { randomScalar, type Scalar } from "./scalar.ts";

/** A PS signature: s = h^{x + Σ y_j m_j}. Also a wallet, date or coin-index signature. */
export interface Signature {
  /** The base h (a hash of the commitment or of the signed public values). */
  readonly h: G1Point;
  /** The signature value. */
  readonly s: G1Point;
}

/** A signer's issuance answer before unblinding: c = s · Π g1^{o_j y_j}. */
export interface BlindedSignature {
  /** The commitment hash h. */
  readonly h: G1Point;
  /** The blinded value. */
  readonly c: G1Point;
}

/** Encoded size of a signature or blinded signature. */
export const SIGNATURE_BYTES = 2 * G1_BYTES;

/**
 * Encodes a signature as h ‖ s (96 bytes).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { encodeSignature } from "./signature.ts";
 * const g = setup().g1;
 * encodeSignature({ h: g, s: g }).length; // 96
 * ```
 */
export function encodeSignature(sig: Signature): Uint8Array {
  const out = new Uint8Array(SIGNATURE_BYTES);
  out.set(g1ToBytes(sig.h), 0);
  out.set(g1ToBytes(sig.s), G1_BYTES);
  return out;
}

/**
 * Decodes h ‖ s.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { decodeSignature, encodeSignature } from "./signature.ts";
 * const g = setup().g1;
 * decodeSignature(encodeSignature({ h: g, s: g })).h.equals(g); // true
 * ```
 */
export function decodeSignature(bytes: Uint8Array, what = "Signature"): Signature {
  if (bytes.length !== SIGNATURE_BYTES) {
    throw new EcashDecodeError(what, "length", `expected 96 bytes, got ${bytes.length}`);
  }
  return {
    h: g1FromBytes(bytes.subarray(0, G1_BYTES), what),
    s: g1FromBytes(bytes.subarray(G1_BYTES), what),
  };
}

/**
 * Encodes a blinded signature as h ‖ c (96 bytes; nym-api serves it in base58).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { encodeBlindedSignature } from "./signature.ts";
 * const g = setup().g1;
 * encodeBlindedSignature({ h: g, c: g }).length; // 96
 * ```
 */
export function encodeBlindedSignature(sig: BlindedSignature): Uint8Array {
  return encodeSignature({ h: sig.h, s: sig.c });
}

/**
 * Decodes h ‖ c.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { decodeBlindedSignature, encodeBlindedSignature } from "./signature.ts";
 * const g = setup().g1;
 * decodeBlindedSignature(encodeBlindedSignature({ h: g, c: g })).c.equals(g); // true
 * ```
 */
export function decodeBlindedSignature(bytes: Uint8Array): BlindedSignature {
  const { h, s } = decodeSignature(bytes, "BlindedSignature");
  return { h, c: s };
}

/**
 * Re-randomises a signature: h' = h^{r'}, s' = s^{r'}·h'^{r}, returning σ' and r (upstream
 * `blind_and_randomise`). σ' verifies against κ = g2^r·α·Π β^m.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { randomiseSignature } from "./signature.ts";
 * import { seededRandom } from "../crypto/random.ts";
 * const g = setup().g1;
 * const { signature, blinding } = randomiseSignature({ h: g, s: g }, seededRandom(new Uint8Array(32)));
 * ```
 */
export function randomiseSignature(
  sig: Signature,
  random: RandomSource,
): { signature: Signature; blinding: Scalar } {
  const r = randomScalar(random);
  const rPrime = randomScalar(random);
  const h = mulSecret(sig.h, rPrime);
  const s = mulSecret(sig.s, rPrime).add(mulSecret(h, r));
  return { signature: { h, s }, blinding: r };
}

/**
 * Whether h or s is the identity (such signatures are rejected everywhere).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { signatureIsDegenerate } from "./signature.ts";
 * const g = setup().g1;
 * signatureIsDegenerate({ h: g, s: g.subtract(g) }); // true
 * ```
 */
export function signatureIsDegenerate(sig: Signature): boolean {
  return sig.h.is0() || sig.s.is0();
}
