/**
 * Polynomials over F_r and Lagrange interpolation at the origin, for trusted-dealer key shares
 * and t-of-n aggregation (upstream `utils.rs` `Polynomial`,
 * `generate_lagrangian_coefficients_at_origin`).
 *
 * @module
 */
import { EcashArgumentError } from "./errors.ts";
import { add, inv, mul, neg, type Scalar, sub } from "./scalar.ts";

/** A signer's polynomial evaluation point (1..n in trusted-dealer keygen; node index in Nym). */
export type SignerIndex = number;

/**
 * Evaluates `Σ coefficients[i]·xⁱ` (Horner).
 *
 * @example
 * ```ts
 * import { evaluatePolynomial } from "./lagrange.ts";
 * evaluatePolynomial([10n, 1n], 2n); // 12n
 * ```
 */
export function evaluatePolynomial(coefficients: readonly Scalar[], x: Scalar): Scalar {
  let acc = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) acc = add(mul(acc, x), coefficients[i]);
  return acc;
}

/**
 * Checks that signer indices are distinct positive safe integers.
 *
 * @example
 * ```ts
 * import { assertSignerIndices } from "./lagrange.ts";
 * assertSignerIndices([1, 2, 3]);
 * ```
 */
export function assertSignerIndices(indices: readonly SignerIndex[]): void {
  if (indices.length === 0) throw new EcashArgumentError("empty set of signer indices");
  const seen = new Set<number>();
  for (const i of indices) {
    if (!Number.isSafeInteger(i) || i <= 0) {
      throw new EcashArgumentError(`signer index must be a positive integer, got ${i}`);
    }
    if (seen.has(i)) throw new EcashArgumentError(`duplicate signer index ${i}`);
    seen.add(i);
  }
}

/**
 * Lagrange coefficients λᵢ = Π_{j≠i} (0 − xⱼ)/(xᵢ − xⱼ) for interpolating at 0.
 *
 * @example
 * ```ts
 * import { lagrangeCoefficientsAtZero } from "./lagrange.ts";
 * // f(x) = x + 3: f(1) = 4, f(2) = 5 → f(0) = 2·4 − 1·5 = 3
 * const [l1, l2] = lagrangeCoefficientsAtZero([1, 2]);
 * ```
 */
export function lagrangeCoefficientsAtZero(indices: readonly SignerIndex[]): Scalar[] {
  assertSignerIndices(indices);
  const xs = indices.map((i) => BigInt(i));
  return xs.map((xi, i) => {
    let num = 1n;
    let den = 1n;
    xs.forEach((xj, j) => {
      if (j === i) return;
      num = mul(num, neg(xj));
      den = mul(den, sub(xi, xj));
    });
    return mul(num, inv(den));
  });
}
