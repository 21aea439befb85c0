/**
 * A bounded priority queue of packets waiting for their mixing delay to pass.
 *
 * Pure: the caller supplies times (monotonic milliseconds) and drives a timer from
 * {@linkcode DelayQueue.nextDueAt}. When the queue is full, new items are refused (the caller
 * counts the drop) rather than growing without bound.
 *
 * @module
 */

interface Entry<T> {
  readonly dueAt: number;
  readonly seq: number;
  readonly item: T;
}

/** Min-heap of items ordered by due time (ties in insertion order). */
export class DelayQueue<T> {
  readonly capacity: number;
  #heap: Entry<T>[] = [];
  #seq = 0;

  /**
   * Creates a queue holding at most `capacity` items.
   *
   * @example
   * ```ts
   * import { DelayQueue } from "./delay_queue.ts";
   * const q = new DelayQueue<string>(10);
   * q.push("a", 5);
   * q.popDue(10); // ["a"]
   * ```
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be ≥ 1");
    this.capacity = capacity;
  }

  /** Number of items waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** Adds an item due at `dueAt`; returns `false` (and keeps nothing) when full. */
  push(item: T, dueAt: number): boolean {
    if (this.#heap.length >= this.capacity) return false;
    const heap = this.#heap;
    heap.push({ dueAt, seq: this.#seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
    return true;
  }

  /** Due time of the earliest item, or `undefined` when empty. */
  nextDueAt(): number | undefined {
    return this.#heap[0]?.dueAt;
  }

  /** Removes and returns every item due at or before `now`, earliest first. */
  popDue(now: number, limit = Infinity): T[] {
    const out: T[] = [];
    while (this.#heap.length > 0 && this.#heap[0].dueAt <= now && out.length < limit) {
      out.push(this.#popMin().item);
    }
    return out;
  }

  /** Removes and returns everything (e.g. at shutdown), earliest first. */
  drain(): T[] {
    const out: T[] = [];
    while (this.#heap.length > 0) out.push(this.#popMin().item);
    return out;
  }

  #popMin(): Entry<T> {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
}
