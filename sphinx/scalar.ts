/**
 * Scalar arithmetic modulo the Curve25519 group order ℓ, and the trick that runs
 * *unclamped* scalar multiplication on a clamping X25519 implementation.
 *
 * X25519 clamps its scalar (clears the low 3 bits, clears bit 255, sets bit 254). Two places need
 * a multiplication by an arbitrary scalar k (mod ℓ) instead: legacy α blinding
 * (`Scalar::from_bytes_mod_order(bf) * alpha`, versions 1/257) and the sender's single-shot
 * shared-secret derivation (the product of many clamped scalars). For a point in the prime-order
 * subgroup, [k]P = [k']P for any k' ≡ k (mod ℓ); and x-only output cannot tell [k]P from [−k]P.
 * So we look for k' ≡ ±k (mod ℓ) with k' ≡ 0 (mod 8) and 2^254 ≤ k' < 2^255: such a k' is left
 * unchanged by clamping. One of the two signs always qualifies except with probability ~2^-127
 * (`credentials-anchors.md` §C.1 design note), where we fall back to a pure ladder.
 *
 * @module
 */

/** The order ℓ of the Curve25519 prime-order subgroup. */
export const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;
const P = (1n << 255n) - 19n;
const INV8_MOD_L = modPow(8n, GROUP_ORDER - 2n, GROUP_ORDER);
const TWO_254 = 1n << 254n;
const TWO_255 = 1n << 255n;

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  base %= m;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % m;
    base = (base * base) % m;
    exp >>= 1n;
  }
  return result;
}

/**
 * Reads 32 little-endian bytes as an integer (no reduction).
 *
 * @example
 * ```ts
 * import { bytesToBigIntLE } from "./scalar.ts";
 * bytesToBigIntLE(new Uint8Array([1, 1])); // 257n
 * ```
 */
export function bytesToBigIntLE(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/**
 * Writes an integer as 32 little-endian bytes.
 *
 * @example
 * ```ts
 * import { bigIntToBytesLE } from "./scalar.ts";
 * bigIntToBytesLE(257n)[1]; // 1
 * ```
 */
export function bigIntToBytesLE(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/**
 * `Scalar::from_bytes_mod_order`: 32 little-endian bytes reduced modulo ℓ.
 *
 * @example
 * ```ts
 * import { scalarFromBytesModOrder } from "./scalar.ts";
 * scalarFromBytesModOrder(new Uint8Array(32).fill(0xff)) < (1n << 253n); // true
 * ```
 */
export function scalarFromBytesModOrder(bytes: Uint8Array): bigint {
  return bytesToBigIntLE(bytes) % GROUP_ORDER;
}

/**
 * The integer X25519 actually multiplies by for a 32-byte scalar (RFC 7748 clamping).
 *
 * @example
 * ```ts
 * import { clampedScalar } from "./scalar.ts";
 * clampedScalar(new Uint8Array(32)) === 1n << 254n; // true
 * ```
 */
export function clampedScalar(bytes: Uint8Array): bigint {
  const b = bytes.slice(0, 32);
  b[0] &= 248;
  b[31] &= 127;
  b[31] |= 64;
  return bytesToBigIntLE(b);
}

/**
 * Finds 32 bytes that X25519 leaves unchanged by clamping and that multiply every point of the
 * prime-order subgroup like ±k. Returns `null` for k ≡ 0 (the identity has no X25519 encoding
 * other than zero) or in the ~2^-127 case where neither sign fits.
 *
 * @example
 * ```ts
 * import { clampFreeScalarFor } from "./scalar.ts";
 * const k = clampFreeScalarFor(12345n);
 * ```
 */
export function clampFreeScalarFor(k: bigint): Uint8Array | null {
  const m = ((k % GROUP_ORDER) + GROUP_ORDER) % GROUP_ORDER;
  if (m === 0n) return null;
  // x ≡ m (mod ℓ) and x ≡ 0 (mod 8), x in [0, 8ℓ): CRT with gcd(8, ℓ) = 1.
  const x = 8n * ((m * INV8_MOD_L) % GROUP_ORDER);
  const negated = 8n * GROUP_ORDER - x;
  for (const candidate of [x, negated]) {
    if (candidate >= TWO_254 && candidate < TWO_255) return bigIntToBytesLE(candidate);
  }
  return null;
}

/**
 * Multiplies two scalars modulo ℓ.
 *
 * @example
 * ```ts
 * import { GROUP_ORDER, scalarMul } from "./scalar.ts";
 * scalarMul(GROUP_ORDER - 1n, GROUP_ORDER - 1n); // 1n
 * ```
 */
export function scalarMul(a: bigint, b: bigint): bigint {
  return (a * b) % GROUP_ORDER;
}

/**
 * Reference Montgomery ladder on Curve25519 for an arbitrary (unclamped, unreduced) scalar,
 * x-only, with the RFC 7748 masking of the input's top bit. Slow (pure bigint); used as the
 * fallback of the clamp-free trick and as the independent reference in tests.
 *
 * @example
 * ```ts
 * import { montgomeryLadder } from "./scalar.ts";
 * const nine = new Uint8Array(32); nine[0] = 9;
 * montgomeryLadder(1n, nine)[0]; // 9
 * ```
 */
export function montgomeryLadder(k: bigint, u: Uint8Array): Uint8Array {
  const uBytes = u.slice(0, 32);
  uBytes[31] &= 127;
  const x1 = bytesToBigIntLE(uBytes) % P;
  const a24 = 121665n;
  let x2 = 1n, z2 = 0n, x3 = x1, z3 = 1n;
  let swap = 0n;
  const bits = k === 0n ? 1 : k.toString(2).length;
  for (let t = bits - 1; t >= 0; t--) {
    const kt = (k >> BigInt(t)) & 1n;
    swap ^= kt;
    if (swap) [x2, x3, z2, z3] = [x3, x2, z3, z2];
    swap = kt;
    const A = (x2 + z2) % P, AA = (A * A) % P;
    const B = (x2 - z2 + P) % P, BB = (B * B) % P;
    const E = (AA - BB + P) % P;
    const C = (x3 + z3) % P, D = (x3 - z3 + P) % P;
    const DA = (D * A) % P, CB = (C * B) % P;
    x3 = ((DA + CB) % P) ** 2n % P;
    z3 = (x1 * (((DA - CB + P) % P) ** 2n % P)) % P;
    x2 = (AA * BB) % P;
    z2 = (E * ((AA + a24 * E) % P)) % P;
  }
  if (swap) [x2, x3, z2, z3] = [x3, x2, z3, z2];
  const result = z2 === 0n ? 0n : (x2 * modPow(z2, P - 2n, P)) % P;
  return bigIntToBytesLE(result);
}
