/**
 * Injectable time. Code that schedules, timestamps or expires things takes a {@linkcode Clock}
 * so tests can drive time deterministically.
 *
 * @module
 */

/** A source of wall-clock and monotonic time. */
export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock). */
  now(): number;
  /** Milliseconds from an arbitrary origin, never going backwards. */
  monotonic(): number;
}

/**
 * The real clock.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * systemClock.now() > 0; // true
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock that only moves when told to; for tests. */
export interface ManualClock extends Clock {
  /** Moves both clocks forward by `ms`. */
  advance(ms: number): void;
  /** Sets the wall clock to `ms` since the epoch. */
  set(ms: number): void;
}

/**
 * Creates a {@linkcode ManualClock} starting at `startMs` (wall) and 0 (monotonic).
 *
 * @example
 * ```ts
 * import { manualClock } from "./clock.ts";
 * const c = manualClock(1_000);
 * c.advance(500);
 * c.now(); // 1500
 * ```
 */
export function manualClock(startMs = 0): ManualClock {
  let wall = startMs;
  let mono = 0;
  return {
    now: () => wall,
    monotonic: () => mono,
    advance(ms) {
      wall += ms;
      mono += ms;
    },
    set(ms) {
      wall = ms;
    },
  };
}
