/**
 * Holds forward-hop packets for their mixing delay: a bounded {@linkcode DelayQueue} driven by a
 * single timer set to the earliest due time. Packets whose delay is zero (or already past)
 * bypass the queue.
 *
 * @module
 */
import { DelayQueue } from "./delay_queue.ts";

/** Options of {@linkcode DelayScheduler}. */
export interface DelaySchedulerOptions<T> {
  /** Packets held at most. */
  readonly capacity: number;
  /** Called for every released item, in due order. */
  readonly release: (item: T) => void;
  /** Monotonic milliseconds. */
  readonly now?: () => number;
}

/** A bounded set of delayed items released by a timer. */
export class DelayScheduler<T> {
  readonly #queue: DelayQueue<T>;
  readonly #release: (item: T) => void;
  readonly #now: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDueAt = Infinity;
  #closed = false;

  /**
   * Creates a scheduler.
   *
   * @example
   * ```ts
   * import { DelayScheduler } from "./scheduler.ts";
   * const s = new DelayScheduler<string>({ capacity: 10, release: (x) => console.log(x) });
   * s.schedule("now", 0);
   * s.close();
   * ```
   */
  constructor(options: DelaySchedulerOptions<T>) {
    this.#queue = new DelayQueue(options.capacity);
    this.#release = options.release;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Items waiting. */
  get size(): number {
    return this.#queue.size;
  }

  /**
   * Releases `item` after `delayMs` (immediately if ≤ 0). Returns false, keeping nothing, when
   * the scheduler is full or closed.
   */
  schedule(item: T, delayMs: number): boolean {
    if (this.#closed) return false;
    if (delayMs <= 0) {
      this.#release(item);
      return true;
    }
    const dueAt = this.#now() + delayMs;
    if (!this.#queue.push(item, dueAt)) return false;
    if (dueAt < this.#timerDueAt) this.#arm(dueAt);
    return true;
  }

  #arm(dueAt: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDueAt = dueAt;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, dueAt - this.#now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDueAt = Infinity;
    // Timers can fire a little early; release everything due within half a millisecond.
    for (const item of this.#queue.popDue(this.#now() + 0.5)) this.#release(item);
    const next = this.#queue.nextDueAt();
    if (next !== undefined && !this.#closed) this.#arm(next);
  }

  /** Stops the timer; returns the items still waiting (for counting or flushing). */
  close(): T[] {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#queue.drain();
  }
}
