/**
 * Per-hop mixing delays: exponentially distributed, in whole nanoseconds
 * (`wire-format.md` §2.9, clients.md §1.5).
 *
 * @module
 */
import { randomFloat, type RandomSource } from "../crypto/random.ts";

/**
 * Samples `count` delays with mean `averageMs` milliseconds, each rounded to whole nanoseconds.
 * A mean of 0 gives zero delays.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../crypto/random.ts";
 * import { sampleDelaysNanos } from "./delays.ts";
 * sampleDelaysNanos(systemRandom, 4, 15).length; // 4
 * ```
 */
export function sampleDelaysNanos(
  random: RandomSource,
  count: number,
  averageMs: number,
): number[] {
  const out: number[] = [];
  const meanNanos = averageMs * 1e6;
  for (let i = 0; i < count; i++) {
    if (meanNanos <= 0) {
      out.push(0);
      continue;
    }
    // 1 - u is in (0, 1], so the logarithm is finite.
    const sample = -Math.log(1 - randomFloat(random)) * meanNanos;
    out.push(Math.min(Math.round(sample), Number.MAX_SAFE_INTEGER));
  }
  return out;
}
