/**
 * Exponential sampling for the Poisson streams (upstream `sample_poisson_duration`): the gap to
 * the next send is `Exp(mean)`, so send times form a Poisson process.
 *
 * @module
 */
import { randomFloat, type RandomSource } from "../../crypto/random.ts";

/**
 * An exponentially distributed duration with mean `meanMs` (0 for a mean of 0).
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { sampleExponentialMs } from "./poisson.ts";
 * sampleExponentialMs(systemRandom, 20) >= 0; // true
 * ```
 */
export function sampleExponentialMs(random: RandomSource, meanMs: number): number {
  if (meanMs <= 0) return 0;
  // 1 - u is in (0, 1], so the logarithm is finite.
  return -Math.log(1 - randomFloat(random)) * meanMs;
}

/**
 * A Poisson ticker: tracks the deadline of the next event, each one `Exp(mean)` after the
 * previous *deadline* (not after when it was noticed), as upstream resets its timer from the
 * deadline so late wake-ups do not lower the rate.
 *
 * @example
 * ```ts
 * import { seededRandom } from "../../crypto/random.ts";
 * import { PoissonTicker } from "./poisson.ts";
 * const t = new PoissonTicker(seededRandom(new Uint8Array(32)), 0);
 * t.next(20) > 0; // true: the first deadline
 * ```
 */
export class PoissonTicker {
  readonly #random: RandomSource;
  #deadline: number;

  /** Starts at time `now` (ms); the first deadline comes with the first {@linkcode next}. */
  constructor(random: RandomSource, now: number) {
    this.#random = random;
    this.#deadline = now;
  }

  /** The current deadline. */
  get deadline(): number {
    return this.#deadline;
  }

  /** Advances the deadline by `Exp(meanMs)` and returns it. */
  next(meanMs: number): number {
    this.#deadline += sampleExponentialMs(this.#random, meanMs);
    return this.#deadline;
  }

  /** Moves the deadline to at least `now` (after a long pause, so no burst follows). */
  catchUp(now: number, maxLagMs: number): void {
    if (now - this.#deadline > maxLagMs) this.#deadline = now;
  }
}
