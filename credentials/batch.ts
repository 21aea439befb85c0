/**
 * Small-exponent batch verification of PS signatures.
 *
 * Upstream checks each signature (or multiplies the equations together unweighted) with its own
 * Miller loop per signature. Here each equation gets a 128-bit weight ρᵢ derived by hashing every
 * input (so an adversary cannot pick inputs after seeing the weights), and equations that share a
 * G2 side are merged on the G1 side:
 *
 *   Π e(hᵢ, P + mᵢ·B)^{ρᵢ} · e(sᵢ, g2)^{−ρᵢ} = e(Σρᵢhᵢ, P) · e(Σρᵢmᵢhᵢ, B) · e(−Σρᵢsᵢ, g2).
 *
 * A batch with any invalid signature passes with probability ≤ 2⁻¹²⁸; valid batches always pass,
 * so the result accepts exactly what upstream's per-signature checks accept (up to that bound).
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { G1, type G2Point, linearCombination, pairingProductIsOne } from "./group.ts";
import type { EcashParameters } from "./params.ts";
import { bytesToBigIntLE, mul, type Scalar } from "./scalar.ts";
import type { Signature } from "./signature.ts";

const DOMAIN = new TextEncoder().encode("nym-ts/credentials/batch-verification/v1");

/**
 * `count` weights in [1, 2¹²⁸), the first one fixed to 1, derived from `transcript`.
 *
 * @example
 * ```ts
 * import { batchWeights } from "./batch.ts";
 * const [a, b] = batchWeights([new Uint8Array([1])], 2);
 * a; // 1n
 * ```
 */
export function batchWeights(transcript: readonly Uint8Array[], count: number): Scalar[] {
  const h = sha256.create().update(DOMAIN);
  for (const part of transcript) {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, part.length, false);
    h.update(len).update(part);
  }
  const seed = h.digest();
  const out: Scalar[] = [];
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      out.push(1n);
      continue;
    }
    const ctr = new Uint8Array(4);
    new DataView(ctr.buffer).setUint32(0, i, false);
    const w = bytesToBigIntLE(sha256.create().update(seed).update(ctr).digest().subarray(0, 16));
    out.push(w === 0n ? 1n : w);
  }
  return out;
}

/**
 * Checks Π e(hᵢ, base + mᵢ·b) = Π e(sᵢ, g2) for all i at once, in the weighted merged form
 * e(Σρᵢhᵢ, base) · e(Σρᵢmᵢhᵢ, b) · e(−Σρᵢsᵢ, g2) = 1 (three Miller loops, one final
 * exponentiation, whatever the number of signatures).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { batchedSignatureCheck } from "./batch.ts";
 * const params = setup();
 * // s = h^{x + m·y} verifies against base = g2^x, b = g2^y
 * const h = params.g1.multiply(7n);
 * const sig = { h, s: h.multiply(3n + 5n * 2n) };
 * batchedSignatureCheck(params, [sig], [1n], [5n], params.g2.multiply(3n), params.g2.multiply(2n));
 * ```
 */
export function batchedSignatureCheck(
  params: EcashParameters,
  signatures: readonly Signature[],
  rho: readonly Scalar[],
  ms: readonly Scalar[],
  base: G2Point,
  b: G2Point,
): boolean {
  const hs = signatures.map((s) => s.h);
  const sumH = linearCombination(G1, hs, rho);
  const sumMH = linearCombination(G1, hs, rho.map((r, i) => mul(r, ms[i])));
  const sumS = linearCombination(G1, signatures.map((s) => s.s), rho);
  return pairingProductIsOne([[sumH, base], [sumMH, b], [sumS, params.g2NegPrepared]]);
}
