/**
 * Round-trip statistics of one VerLoc measurement, in the shape `/api/v1/metrics/verloc`
 * serves (`nym-node.md` §2.1): humantime strings for minimum, mean, maximum and standard
 * deviation.
 *
 * @module
 */

/** The `latest_measurement` object of a VerLoc result. */
export interface VerlocMeasurement {
  readonly minimum: string;
  readonly mean: string;
  readonly maximum: string;
  readonly standard_deviation: string;
}

/**
 * Formats a duration in milliseconds the way Rust's `humantime` does (e.g. `1ms 234us 500ns`).
 *
 * @example
 * ```ts
 * import { formatHumantime } from "./stats.ts";
 * formatHumantime(1.2345); // "1ms 234us 500ns"
 * ```
 */
export function formatHumantime(ms: number): string {
  let nanos = Math.round(ms * 1e6);
  if (nanos <= 0) return "0s";
  const units: [string, number][] = [
    ["d", 86_400e9],
    ["h", 3_600e9],
    ["m", 60e9],
    ["s", 1e9],
    ["ms", 1e6],
    ["us", 1e3],
    ["ns", 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    const count = Math.floor(nanos / size);
    if (count > 0) {
      parts.push(`${count}${name}`);
      nanos -= count * size;
    }
  }
  return parts.join(" ");
}

/**
 * Computes min/mean/max/stddev of round-trip times (milliseconds). Returns `null` for no samples.
 *
 * @example
 * ```ts
 * import { summarizeRtts } from "./stats.ts";
 * summarizeRtts([1, 2, 3])?.mean; // "2ms"
 * ```
 */
export function summarizeRtts(rttsMs: readonly number[]): VerlocMeasurement | null {
  if (rttsMs.length === 0) return null;
  const min = Math.min(...rttsMs);
  const max = Math.max(...rttsMs);
  const mean = rttsMs.reduce((a, b) => a + b, 0) / rttsMs.length;
  const variance = rttsMs.reduce((a, b) => a + (b - mean) ** 2, 0) / rttsMs.length;
  return {
    minimum: formatHumantime(min),
    mean: formatHumantime(mean),
    maximum: formatHumantime(max),
    standard_deviation: formatHumantime(Math.sqrt(variance)),
  };
}
