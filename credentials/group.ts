/**
 * BLS12-381 group helpers on `@noble/curves`: ZCash-compressed point codecs with typed errors,
 * scalar multiplication that accepts zero, and pairing-product checks with a single final
 * exponentiation (Nym's `check_bilinear_pairing` / `batch_verify_signatures`,
 * credentials-anchors.md §A.1, §A.2).
 *
 * @module
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { mulAddUnsafe } from "@noble/curves/abstract/curve.js";
import { EcashDecodeError } from "./errors.ts";
import type { Scalar } from "./scalar.ts";

/** Constructor of G1 points. */
export const G1 = bls12_381.G1.Point;
/** Constructor of G2 points. */
export const G2 = bls12_381.G2.Point;

/** A point of G1 (projective, immutable). */
export type G1Point = typeof bls12_381.G1.Point.BASE;
/** A point of G2 (projective, immutable). */
export type G2Point = typeof bls12_381.G2.Point.BASE;

/** Compressed size of a G1 point. */
export const G1_BYTES = 48;
/** Compressed size of a G2 point. */
export const G2_BYTES = 96;

/**
 * Encodes a G1 point in ZCash compressed form (48 bytes).
 *
 * @example
 * ```ts
 * import { G1, g1ToBytes } from "./group.ts";
 * g1ToBytes(G1.BASE).length; // 48
 * ```
 */
export function g1ToBytes(p: G1Point): Uint8Array {
  return p.toBytes(true);
}

/**
 * Encodes a G2 point in ZCash compressed form (96 bytes).
 *
 * @example
 * ```ts
 * import { G2, g2ToBytes } from "./group.ts";
 * g2ToBytes(G2.BASE).length; // 96
 * ```
 */
export function g2ToBytes(p: G2Point): Uint8Array {
  return p.toBytes(true);
}

function decodePoint<P>(
  bytes: Uint8Array,
  size: number,
  what: string,
  decode: (b: Uint8Array) => P,
): P {
  if (bytes.length !== size) {
    throw new EcashDecodeError(what, "length", `expected ${size} bytes, got ${bytes.length}`);
  }
  // zkcrypto's from_compressed requires the compression flag; noble would also take other forms.
  if ((bytes[0] & 0x80) === 0) throw new EcashDecodeError(what, "point", "not compressed");
  try {
    // noble validates x < p, the curve equation and subgroup membership here.
    return decode(bytes);
  } catch (e) {
    throw new EcashDecodeError(what, "point", (e as Error).message);
  }
}

/**
 * Decodes a compressed G1 point, rejecting non-canonical, off-curve and off-subgroup encodings
 * (zkcrypto `G1Affine::from_compressed`). The identity encoding is accepted, as upstream does.
 *
 * @example
 * ```ts
 * import { G1, g1FromBytes, g1ToBytes } from "./group.ts";
 * g1FromBytes(g1ToBytes(G1.BASE)).equals(G1.BASE); // true
 * ```
 */
export function g1FromBytes(bytes: Uint8Array, what = "G1 point"): G1Point {
  return decodePoint(bytes, G1_BYTES, what, (b) => G1.fromBytes(b));
}

/**
 * Decodes a compressed G2 point (zkcrypto `G2Affine::from_compressed`).
 *
 * @example
 * ```ts
 * import { G2, g2FromBytes, g2ToBytes } from "./group.ts";
 * g2FromBytes(g2ToBytes(G2.BASE)).equals(G2.BASE); // true
 * ```
 */
export function g2FromBytes(bytes: Uint8Array, what = "G2 point"): G2Point {
  return decodePoint(bytes, G2_BYTES, what, (b) => G2.fromBytes(b));
}

/**
 * `k·P` for a secret scalar (noble's blinded, fixed-window path; zero gives the identity).
 *
 * @example
 * ```ts
 * import { G1, mulSecret } from "./group.ts";
 * mulSecret(G1.BASE, 0n).is0(); // true
 * ```
 */
export function mulSecret<P extends G1Point | G2Point>(p: P, k: Scalar): P {
  if (k === 0n || p.is0()) return (p as G1Point).multiplyUnsafe(0n) as P;
  return (p as G1Point).multiply(k) as P;
}

/**
 * `k·P` for a public scalar (variable time; uses precomputed windows when the point has them).
 *
 * @example
 * ```ts
 * import { G1, mulPublic } from "./group.ts";
 * mulPublic(G1.BASE, 2n).equals(G1.BASE.double()); // true
 * ```
 */
export function mulPublic<P extends G1Point | G2Point>(p: P, k: Scalar): P {
  return (p as G1Point).multiplyUnsafe(k) as P;
}

/**
 * `Σ kᵢ·Pᵢ` for public scalars over points without precomputed windows (Strauss–Shamir, one
 * shared doubling chain).
 *
 * @example
 * ```ts
 * import { G1, linearCombination } from "./group.ts";
 * linearCombination(G1, [G1.BASE, G1.BASE], [1n, 2n]).equals(G1.BASE.multiply(3n)); // true
 * ```
 */
export function linearCombination<P extends G1Point | G2Point>(
  c: typeof G1 | typeof G2,
  points: readonly P[],
  scalars: readonly Scalar[],
): P {
  const ps: P[] = [];
  const ks: Scalar[] = [];
  for (let i = 0; i < points.length; i++) {
    if (scalars[i] === 0n || points[i].is0()) continue;
    ps.push(points[i]);
    ks.push(scalars[i]);
  }
  if (ps.length === 0) return (c as typeof G1).ZERO as P;
  if (ps.length === 1) return mulPublic(ps[0], ks[0]);
  // deno-lint-ignore no-explicit-any
  return mulAddUnsafe(c as any, ps as any[], ks) as P;
}

/**
 * A copy of `p` carrying a fixed-base window table, for bases multiplied many times (generators,
 * verification-key elements). The table lives in noble's per-point cache.
 *
 * @example
 * ```ts
 * import { G1, withTable } from "./group.ts";
 * const gamma = withTable(G1.BASE.double());
 * gamma.multiply(5n).equals(G1.BASE.multiply(10n)); // true
 * ```
 */
export function withTable<P extends G1Point | G2Point>(p: P, windowSize = 6): P {
  if (p.is0()) return p;
  const copy = (p as G1Point).add((p as G1Point).multiplyUnsafe(0n)) as P; // fresh identity
  (copy as G1Point).precompute(windowSize, false);
  return copy;
}

/** Miller-loop line coefficients of one G2 point. */
export type G2Lines = ReturnType<typeof bls12_381.utils.calcPairingPrecomputes>;

/** A G2 point with its Miller-loop lines computed once (zkcrypto `G2Prepared`). */
export interface PreparedG2 {
  /** The point. */
  readonly point: G2Point;
  /** Its line coefficients, or `null` for the identity. */
  readonly lines: G2Lines | null;
}

/**
 * Computes the Miller-loop lines of `q` so it can be paired many times.
 *
 * @example
 * ```ts
 * import { G2, prepareG2 } from "./group.ts";
 * prepareG2(G2.BASE).lines !== null; // true
 * ```
 */
export function prepareG2(q: G2Point): PreparedG2 {
  return { point: q, lines: q.is0() ? null : bls12_381.utils.calcPairingPrecomputes(q) };
}

/**
 * Checks `Π e(Pᵢ, Qᵢ) = 1` with one multi-Miller loop and a single final exponentiation.
 * Terms with an identity point contribute 1 and are skipped.
 *
 * @example
 * ```ts
 * import { G1, G2, pairingProductIsOne } from "./group.ts";
 * // e(g1, g2) · e(-g1, g2) = 1
 * pairingProductIsOne([[G1.BASE, G2.BASE], [G1.BASE.negate(), G2.BASE]]); // true
 * ```
 */
export function pairingProductIsOne(
  terms: readonly (readonly [G1Point, G2Point | PreparedG2])[],
): boolean {
  const batch: [G2Lines, bigint, bigint][] = [];
  for (const [p, q] of terms) {
    const prepared = "lines" in q ? q : prepareG2(q);
    if (p.is0() || prepared.lines === null) continue;
    const { x, y } = p.toAffine();
    batch.push([prepared.lines, x, y]);
  }
  const { Fp12 } = bls12_381.fields;
  if (batch.length === 0) return true;
  const f = Fp12.finalExponentiate(bls12_381.millerLoopBatch(batch));
  return Fp12.eql(f, Fp12.ONE);
}
