/**
 * Reconnection backoff for outbound mixnet connections (`nym-node.md` §3.6).
 *
 * @module
 */

/**
 * Reconnection backoff as nym-node does it: `min(initial × 2^attempt, maximum)`.
 *
 * @example
 * ```ts
 * import { reconnectBackoffMs } from "./backoff.ts";
 * reconnectBackoffMs(0, 10_000, 300_000); // 10000
 * reconnectBackoffMs(10, 10_000, 300_000); // 300000
 * ```
 */
export function reconnectBackoffMs(attempt: number, initialMs: number, maximumMs: number): number {
  const value = initialMs * 2 ** Math.min(attempt, 40);
  return Math.min(value, maximumMs);
}
