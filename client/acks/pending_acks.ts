/**
 * SURB-ack bookkeeping and retransmission timers (`clients.md` §3.2, upstream
 * `acknowledgement_control`): every real fragment is tracked from when it is queued until its
 * ack arrives. Its timer starts when the packet actually leaves (not when queued) and runs for
 * `ack_wait_multiplier × total_delay + ack_wait_addition`, where `total_delay` is the sampled
 * forward delay plus the ack route's delay. An expired entry is handed back for retransmission
 * (a fresh route and SURB-ack) until its retransmission limit. Pure: the caller supplies `now`.
 *
 * @module
 */
import type { FragmentIdentifier } from "../../message/fragment.ts";

/**
 * The ack timeout in ms for a packet whose forward and ack routes add `totalDelayMs` of mixing
 * delay.
 *
 * @example
 * ```ts
 * import { ackTimeoutMs } from "./pending_acks.ts";
 * ackTimeoutMs(90, { ackWaitMultiplier: 1.5, ackWaitAdditionMs: 1500 }); // 1635
 * ```
 */
export function ackTimeoutMs(
  totalDelayMs: number,
  config: { readonly ackWaitMultiplier: number; readonly ackWaitAdditionMs: number },
): number {
  return totalDelayMs * config.ackWaitMultiplier + config.ackWaitAdditionMs;
}

/**
 * The map key of a fragment identifier.
 *
 * @example
 * ```ts
 * import { fragmentKey } from "./pending_acks.ts";
 * fragmentKey({ setId: 5, position: 2 }); // "5/2"
 * ```
 */
export function fragmentKey(id: FragmentIdentifier): string {
  return `${id.setId}/${id.position}`;
}

interface Tracked<E> {
  readonly entry: E;
  /** Timer generation; heap items of older generations are stale. */
  generation: number;
  deadline: number | undefined;
}

interface HeapItem {
  readonly deadline: number;
  readonly key: string;
  readonly generation: number;
}

/** A binary min-heap of timer deadlines. */
class DeadlineHeap {
  readonly #items: HeapItem[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): HeapItem | undefined {
    return this.#items[0];
  }

  push(item: HeapItem): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent].deadline <= a[i].deadline) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }

  pop(): HeapItem | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && a[l].deadline < a[m].deadline) m = l;
        if (r < a.length && a[r].deadline < a[m].deadline) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Fragments waiting for their ack, each with an optional running timer.
 *
 * @example
 * ```ts
 * import { PendingAcks } from "./pending_acks.ts";
 * const acks = new PendingAcks<string>();
 * acks.insert({ setId: 1, position: 1 }, "fragment 1");
 * acks.startTimer({ setId: 1, position: 1 }, 1000);
 * acks.popExpired(999); // []
 * acks.popExpired(1000); // ["fragment 1"]
 * ```
 */
export class PendingAcks<E> {
  readonly #tracked = new Map<string, Tracked<E>>();
  readonly #heap = new DeadlineHeap();

  /** Fragments tracked. */
  get size(): number {
    return this.#tracked.size;
  }

  /** Starts tracking (replacing any entry for the same id). */
  insert(id: FragmentIdentifier, entry: E): void {
    this.#tracked.set(fragmentKey(id), { entry, generation: 0, deadline: undefined });
  }

  /** The tracked entry, if any. */
  get(id: FragmentIdentifier): E | undefined {
    return this.#tracked.get(fragmentKey(id))?.entry;
  }

  /** Whether `id` is tracked. */
  has(id: FragmentIdentifier): boolean {
    return this.#tracked.has(fragmentKey(id));
  }

  /**
   * (Re)starts the timer of `id` so it expires at `deadline`; a no-op for untracked ids (acked
   * while queued).
   */
  startTimer(id: FragmentIdentifier, deadline: number): void {
    const key = fragmentKey(id);
    const tracked = this.#tracked.get(key);
    if (tracked === undefined) return;
    tracked.generation++;
    tracked.deadline = deadline;
    this.#heap.push({ deadline, key, generation: tracked.generation });
  }

  /** Stops tracking `id` (its ack arrived); returns the entry, or `undefined` if unknown. */
  ack(id: FragmentIdentifier): E | undefined {
    const key = fragmentKey(id);
    const tracked = this.#tracked.get(key);
    if (tracked === undefined) return undefined;
    this.#tracked.delete(key);
    return tracked.entry;
  }

  /** Stops tracking `id` without it being acked (given up). */
  remove(id: FragmentIdentifier): void {
    this.#tracked.delete(fragmentKey(id));
  }

  #discardStale(): void {
    for (let top = this.#heap.peek(); top !== undefined; top = this.#heap.peek()) {
      const tracked = this.#tracked.get(top.key);
      if (tracked !== undefined && tracked.generation === top.generation) return;
      this.#heap.pop();
    }
  }

  /** The earliest running deadline, or `undefined` when no timer runs. */
  nextDeadline(): number | undefined {
    this.#discardStale();
    return this.#heap.peek()?.deadline;
  }

  /**
   * Entries whose timer expired by `now`. They stay tracked with no timer running; the caller
   * queues a retransmission (and restarts the timer when it is sent) or removes them.
   */
  popExpired(now: number): E[] {
    const out: E[] = [];
    for (;;) {
      this.#discardStale();
      const top = this.#heap.peek();
      if (top === undefined || top.deadline > now) return out;
      this.#heap.pop();
      const tracked = this.#tracked.get(top.key)!;
      tracked.deadline = undefined;
      tracked.generation++;
      out.push(tracked.entry);
    }
  }
}
