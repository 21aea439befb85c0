/**
 * The BLS12-381 scalar field F_r as `bigint`s in `[0, r)`, with zkcrypto's byte conventions:
 * scalars travel as 32 bytes **little-endian** and decoding rejects values ≥ r
 * (`Scalar::from_bytes`, credentials-anchors.md §A.2 item 1).
 *
 * @module
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import type { RandomSource } from "../crypto/random.ts";
import { EcashArgumentError, EcashDecodeError } from "./errors.ts";

/** An element of F_r, always reduced into `[0, r)`. */
export type Scalar = bigint;

/** The order r of G1, G2 and GT. */
export const SCALAR_ORDER: bigint = bls12_381.fields.Fr.ORDER;

/** Encoded size of a scalar. */
export const SCALAR_BYTES = 32;

/**
 * Reduces any integer into `[0, r)`.
 *
 * @example
 * ```ts
 * import { mod, SCALAR_ORDER } from "./scalar.ts";
 * mod(-1n) === SCALAR_ORDER - 1n; // true
 * ```
 */
export function mod(a: bigint): Scalar {
  const m = a % SCALAR_ORDER;
  return m < 0n ? m + SCALAR_ORDER : m;
}

/**
 * `a + b mod r`.
 *
 * @example
 * ```ts
 * import { add } from "./scalar.ts";
 * add(2n, 3n); // 5n
 * ```
 */
export function add(a: Scalar, b: Scalar): Scalar {
  const s = a + b;
  return s >= SCALAR_ORDER ? s - SCALAR_ORDER : s;
}

/**
 * `a - b mod r`.
 *
 * @example
 * ```ts
 * import { sub } from "./scalar.ts";
 * sub(2n, 3n); // r - 1
 * ```
 */
export function sub(a: Scalar, b: Scalar): Scalar {
  const s = a - b;
  return s < 0n ? s + SCALAR_ORDER : s;
}

/**
 * `a · b mod r`.
 *
 * @example
 * ```ts
 * import { mul } from "./scalar.ts";
 * mul(2n, 3n); // 6n
 * ```
 */
export function mul(a: Scalar, b: Scalar): Scalar {
  return (a * b) % SCALAR_ORDER;
}

/**
 * `-a mod r`.
 *
 * @example
 * ```ts
 * import { neg } from "./scalar.ts";
 * neg(0n); // 0n
 * ```
 */
export function neg(a: Scalar): Scalar {
  return a === 0n ? 0n : SCALAR_ORDER - a;
}

/**
 * `a⁻¹ mod r`; throws {@linkcode EcashArgumentError} for zero.
 *
 * @example
 * ```ts
 * import { inv, mul } from "./scalar.ts";
 * mul(inv(7n), 7n); // 1n
 * ```
 */
export function inv(a: Scalar): Scalar {
  if (mod(a) === 0n) throw new EcashArgumentError("zero has no inverse in F_r");
  return bls12_381.fields.Fr.inv(mod(a));
}

/**
 * Encodes a scalar as 32 bytes little-endian (zkcrypto `Scalar::to_bytes`).
 *
 * @example
 * ```ts
 * import { scalarToBytes } from "./scalar.ts";
 * scalarToBytes(1n)[0]; // 1
 * ```
 */
export function scalarToBytes(s: Scalar): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  let v = mod(s);
  for (let i = 0; i < SCALAR_BYTES; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * Reads `bytes` as an unsigned little-endian integer (any length).
 *
 * @example
 * ```ts
 * import { bytesToBigIntLE } from "./scalar.ts";
 * bytesToBigIntLE(new Uint8Array([1, 1])); // 257n
 * ```
 */
export function bytesToBigIntLE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/**
 * Decodes a canonical 32-byte little-endian scalar; values ≥ r are rejected, as zkcrypto's
 * `Scalar::from_bytes` does.
 *
 * @example
 * ```ts
 * import { scalarFromBytes, scalarToBytes } from "./scalar.ts";
 * scalarFromBytes(scalarToBytes(42n)); // 42n
 * ```
 */
export function scalarFromBytes(bytes: Uint8Array, what = "Scalar"): Scalar {
  if (bytes.length !== SCALAR_BYTES) {
    throw new EcashDecodeError(what, "length", `expected 32 bytes, got ${bytes.length}`);
  }
  const v = bytesToBigIntLE(bytes);
  if (v >= SCALAR_ORDER) throw new EcashDecodeError(what, "scalar", "not below the group order");
  return v;
}

/**
 * Reduces a 64-byte little-endian integer mod r (zkcrypto `Scalar::from_bytes_wide`).
 *
 * @example
 * ```ts
 * import { scalarFromWide } from "./scalar.ts";
 * scalarFromWide(new Uint8Array(64)); // 0n
 * ```
 */
export function scalarFromWide(bytes: Uint8Array): Scalar {
  if (bytes.length !== 64) throw new EcashArgumentError("wide scalar input must be 64 bytes");
  return mod(bytesToBigIntLE(bytes));
}

/**
 * A uniform scalar from 64 random bytes reduced mod r, as zkcrypto's `Scalar::random` does.
 *
 * @example
 * ```ts
 * import { randomScalar } from "./scalar.ts";
 * import { systemRandom } from "../crypto/random.ts";
 * randomScalar(systemRandom) >= 0n; // true
 * ```
 */
export function randomScalar(random: RandomSource): Scalar {
  return scalarFromWide(random(64));
}

/**
 * `n` independent uniform scalars.
 *
 * @example
 * ```ts
 * import { randomScalars } from "./scalar.ts";
 * import { systemRandom } from "../crypto/random.ts";
 * randomScalars(systemRandom, 3).length; // 3
 * ```
 */
export function randomScalars(random: RandomSource, n: number): Scalar[] {
  return Array.from({ length: n }, () => randomScalar(random));
}

/**
 * The scalar of a small unsigned integer (dates, ticket types, coin indices); Rust's
 * `Scalar::from(u64)`.
 *
 * @example
 * ```ts
 * import { scalarFromU64 } from "./scalar.ts";
 * scalarFromU64(1701907200); // 1701907200n
 * ```
 */
export function scalarFromU64(n: number | bigint): Scalar {
  const v = BigInt(n);
  if (v < 0n || v >= 1n << 64n) throw new EcashArgumentError(`not a u64: ${n}`);
  return v;
}
