/**
 * Minimal benchmark harness for the `deno task bench:*` scripts: interleaved batches, median of
 * per-operation times, so two figures measured in one run are comparable on a shared machine.
 *
 * @module
 */

/** A named operation to time. */
export interface BenchCase {
  readonly name: string;
  readonly fn: () => void;
}

/** Median, p10 and p90 of per-operation microseconds over all batches. */
export interface BenchResult {
  readonly name: string;
  readonly medianUs: number;
  readonly p10Us: number;
  readonly p90Us: number;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

/**
 * Runs `cases` in interleaved batches of `batchSize` operations for `rounds` rounds (after a
 * warm-up) and returns per-operation statistics for each.
 *
 * @example
 * ```ts
 * import { runInterleaved } from "./harness.ts";
 * const [r] = runInterleaved([{ name: "noop", fn: () => {} }], { rounds: 3, batchSize: 10 });
 * r.medianUs >= 0; // true
 * ```
 */
export function runInterleaved(
  cases: readonly BenchCase[],
  options: { rounds?: number; batchSize?: number; warmup?: number } = {},
): BenchResult[] {
  const rounds = options.rounds ?? 40;
  const batchSize = options.batchSize ?? 100;
  const warmup = options.warmup ?? 3;
  const samples: number[][] = cases.map(() => []);
  for (let round = 0; round < warmup + rounds; round++) {
    cases.forEach((c, i) => {
      const start = performance.now();
      for (let k = 0; k < batchSize; k++) c.fn();
      const us = ((performance.now() - start) * 1000) / batchSize;
      if (round >= warmup) samples[i].push(us);
    });
  }
  return cases.map((c, i) => {
    const sorted = samples[i].sort((a, b) => a - b);
    return {
      name: c.name,
      medianUs: quantile(sorted, 0.5),
      p10Us: quantile(sorted, 0.1),
      p90Us: quantile(sorted, 0.9),
    };
  });
}

/**
 * Formats a result as one aligned line.
 *
 * @example
 * ```ts
 * import { formatResult } from "./harness.ts";
 * formatResult({ name: "x", medianUs: 1, p10Us: 1, p90Us: 2 });
 * ```
 */
export function formatResult(r: BenchResult): string {
  return `${r.name.padEnd(44)} median ${r.medianUs.toFixed(1).padStart(8)} µs   ` +
    `p10 ${r.p10Us.toFixed(1).padStart(8)}   p90 ${r.p90Us.toFixed(1).padStart(8)}`;
}
