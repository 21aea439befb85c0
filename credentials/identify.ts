/**
 * Double-spend identification (upstream `scheme/identify.rs`; credentials-anchors.md §A.3
 * "Identify"). Two payments that share a serial number spent the same (v, l). If their PayInfos
 * are equal it is a replay of one payment; otherwise the tags T₁ = g1^{sk}·F^{R₁} and
 * T₂ = g1^{sk}·F^{R₂} give pk_u = (T₂^{R₁} / T₁^{R₂})^{1/(R₁ − R₂)}.
 *
 * @module
 */
import { G1, linearCombination } from "./group.ts";
import type { PublicKeyUser } from "./keys_user.ts";
import { payInfoHash, type Payment } from "./payment.ts";
import { inv, mul, neg, sub } from "./scalar.ts";
import { constantTimeEqual } from "../crypto/bytes.ts";

/** Outcome of {@linkcode identify}. */
export type IdentifyResult =
  /** No serial number in common. */
  | { readonly kind: "not-duplicate" }
  /** The same payment seen twice (same PayInfo). */
  | { readonly kind: "duplicate-pay-info"; readonly payInfo: Uint8Array }
  /** A real double spend; the cheater's public key. */
  | { readonly kind: "double-spend"; readonly publicKey: PublicKeyUser };

/**
 * Compares two payments and, on a shared serial number under different PayInfos, recovers the
 * spender's public key.
 *
 * @example
 * ```ts
 * // const result = identify(payment1, payment2, payInfo1, payInfo2);
 * // if (result.kind === "double-spend") blacklist(result.publicKey);
 * ```
 */
export function identify(
  payment1: Payment,
  payment2: Payment,
  payInfo1: Uint8Array,
  payInfo2: Uint8Array,
): IdentifyResult {
  let k = -1;
  let j = -1;
  // Upstream keeps the last match of its double loop; any match identifies the same key.
  payment1.ss.forEach((s1, i1) => {
    payment2.ss.forEach((s2, i2) => {
      if (s1.equals(s2)) [k, j] = [i1, i2];
    });
  });
  if (k < 0) return { kind: "not-duplicate" };
  if (constantTimeEqual(payInfo1, payInfo2)) {
    return { kind: "duplicate-pay-info", payInfo: payInfo1.slice() };
  }
  const r1 = payInfoHash(payInfo1, k);
  const r2 = payInfoHash(payInfo2, j);
  const diff = sub(r1, r2);
  if (diff === 0n) return { kind: "duplicate-pay-info", payInfo: payInfo1.slice() };
  const d = inv(diff);
  // pk = T₂·(R₁/(R₁−R₂)) − T₁·(R₂/(R₁−R₂))
  const pk = linearCombination(
    G1,
    [payment2.tt[j], payment1.tt[k]],
    [mul(r1, d), neg(mul(r2, d))],
  );
  return { kind: "double-spend", publicKey: { pk } };
}
