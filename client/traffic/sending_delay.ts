/**
 * The back-pressure multiplier of the real-traffic stream (upstream
 * `sending_delay_controller.rs`, `clients.md` §2.2): the mean Poisson gap is multiplied by a
 * factor in 1..=6. When the gateway connection is full the factor goes up by 1 (at most once a
 * second); after 2 s without back-pressure it goes down by 1 (at most once every 2 s).
 * "Back-pressure" means more than 10 of upstream's 32 batch slots are in use; here it is the
 * equivalent share of the WebSocket send buffer.
 *
 * @module
 */
import type { Clock } from "../../util/clock.ts";

/** Upstream constants. */
export const SENDING_DELAY = {
  minMultiplier: 1,
  maxMultiplier: 6,
  increaseIntervalMs: 1000,
  decreaseIntervalMs: 2000,
  acceptableTimeWithoutBackpressureMs: 2000,
  /** 10 of 32 slots. */
  backpressureShare: 10 / 32,
} as const;

/**
 * Tracks the multiplier.
 *
 * @example
 * ```ts
 * import { manualClock } from "../../util/clock.ts";
 * import { SendingDelayController } from "./sending_delay.ts";
 * const c = new SendingDelayController(manualClock());
 * c.multiplier; // 1
 * ```
 */
export class SendingDelayController {
  readonly #clock: Clock;
  #multiplier: number = SENDING_DELAY.minMultiplier;
  #changedAt: number;
  #backpressureAt: number;

  /** Starts at multiplier 1. */
  constructor(clock: Clock) {
    this.#clock = clock;
    const now = clock.monotonic();
    this.#changedAt = now;
    this.#backpressureAt = now;
  }

  /** The current multiplier. */
  get multiplier(): number {
    return this.#multiplier;
  }

  /**
   * Updates the multiplier from the send buffer's fill level (upstream
   * `adjust_current_average_message_sending_delay`, called before every Poisson tick).
   *
   * @param used bytes (or slots) in use
   * @param capacity bytes (or slots) available in total
   */
  update(used: number, capacity: number): void {
    const now = this.#clock.monotonic();
    if (used > capacity * SENDING_DELAY.backpressureShare) this.#backpressureAt = now;
    if (
      used >= capacity && now > this.#changedAt + SENDING_DELAY.increaseIntervalMs &&
      this.#multiplier < SENDING_DELAY.maxMultiplier
    ) {
      this.#multiplier++;
      this.#changedAt = now;
    }
    const backpressureRecently = now < this.#backpressureAt +
        SENDING_DELAY.acceptableTimeWithoutBackpressureMs;
    if (
      !backpressureRecently && now > this.#changedAt + SENDING_DELAY.decreaseIntervalMs &&
      this.#multiplier > SENDING_DELAY.minMultiplier
    ) {
      this.#multiplier--;
      this.#changedAt = now;
    }
  }
}
