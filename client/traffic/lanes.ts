/**
 * Transmission lanes and the lane scheduler of the real-traffic stream (`clients.md` §2.2,
 * upstream `transmission_buffer.rs`). Real packets are queued per lane; each send picks a lane:
 * first a random lane with fewer than 100 queued items, otherwise (with probability 2/3) a random
 * one of the 4 lanes that have sent the most, so lanes in progress finish, otherwise any lane.
 * Lanes idle for 10 minutes are dropped. Randomness and time are injected.
 *
 * @module
 */
import { randomInt, type RandomSource } from "../../crypto/random.ts";
import type { Clock } from "../../util/clock.ts";

/**
 * A transmission lane: the shared lanes, or one per application connection
 * (`connection:<u64>`, e.g. a SOCKS5 stream or a native-API `connectionId`).
 */
export type TransmissionLane =
  | "general"
  | "replySurbRequest"
  | "additionalReplySurbs"
  | "retransmission"
  | `connection:${bigint}`;

/**
 * The lane of an application connection.
 *
 * @example
 * ```ts
 * import { connectionLane } from "./lanes.ts";
 * connectionLane(42n); // "connection:42"
 * ```
 * @throws {RangeError} if `id` is not a u64.
 */
export function connectionLane(id: bigint): TransmissionLane {
  if (id < 0n || id > 0xffff_ffff_ffff_ffffn) throw new RangeError("connection id is not a u64");
  return `connection:${id}`;
}

/**
 * The connection id of a connection lane, else `undefined`.
 *
 * @example
 * ```ts
 * import { laneConnectionId } from "./lanes.ts";
 * laneConnectionId("connection:7"); // 7n
 * laneConnectionId("general"); // undefined
 * ```
 */
export function laneConnectionId(lane: TransmissionLane): bigint | undefined {
  return lane.startsWith("connection:") ? BigInt(lane.slice(11)) : undefined;
}

/** Upstream's `is_small`: lanes below this many items are served first. */
export const SMALL_LANE_THRESHOLD = 100;
/** Upstream's `OLDEST_LANE_SET_SIZE`. */
export const BUSIEST_LANE_SET_SIZE = 4;
/** Upstream's `MSG_CONSIDERED_STALE_AFTER_SECS`: 10 minutes. */
export const LANE_STALE_AFTER_MS = 10 * 60 * 1000;

/** A FIFO with O(1) push and shift. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  drain(): T[] {
    const out = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return out;
  }
}

interface LaneEntry<T> {
  readonly items: Fifo<T>;
  transmitted: number;
  lastActivity: number;
}

/** Options of {@linkcode LaneQueues}. */
export interface LaneQueuesOptions {
  readonly random: RandomSource;
  readonly clock: Clock;
  /** Idle time after which a lane is dropped by {@linkcode LaneQueues.pruneStale}. */
  readonly staleAfterMs?: number;
}

/**
 * Per-lane FIFO queues with upstream's lane-picking heuristic.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { systemClock } from "../../util/clock.ts";
 * import { LaneQueues } from "./lanes.ts";
 * const q = new LaneQueues<string>({ random: systemRandom, clock: systemClock });
 * q.push("general", ["a", "b"]);
 * q.popNext(); // { lane: "general", item: "a" }
 * ```
 */
export class LaneQueues<T> {
  readonly #lanes = new Map<TransmissionLane, LaneEntry<T>>();
  readonly #random: RandomSource;
  readonly #clock: Clock;
  readonly #staleAfterMs: number;
  #total = 0;

  /** Creates empty queues. */
  constructor(options: LaneQueuesOptions) {
    this.#random = options.random;
    this.#clock = options.clock;
    this.#staleAfterMs = options.staleAfterMs ?? LANE_STALE_AFTER_MS;
  }

  /** Items queued over all lanes. */
  get totalSize(): number {
    return this.#total;
  }

  /** Lanes with queued items. */
  lanes(): TransmissionLane[] {
    return [...this.#lanes.keys()];
  }

  /** Items queued on `lane` (0 for an unknown lane). */
  laneLength(lane: TransmissionLane): number {
    return this.#lanes.get(lane)?.items.length ?? 0;
  }

  /** Appends items to `lane` and marks it active. */
  push(lane: TransmissionLane, items: Iterable<T>): void {
    let entry = this.#lanes.get(lane);
    if (entry === undefined) {
      entry = { items: new Fifo(), transmitted: 0, lastActivity: this.#clock.monotonic() };
      this.#lanes.set(lane, entry);
    } else {
      entry.lastActivity = this.#clock.monotonic();
    }
    for (const item of items) {
      entry.items.push(item);
      this.#total++;
    }
    if (entry.items.length === 0) this.#lanes.delete(lane);
  }

  /** Puts items back at the front of a lane (e.g. a packet that could not be sent yet). */
  unshift(lane: TransmissionLane, items: readonly T[]): void {
    const existing = this.#lanes.get(lane);
    const rest = existing?.items.drain() ?? [];
    const entry: LaneEntry<T> = existing ?? {
      items: new Fifo(),
      transmitted: 0,
      lastActivity: this.#clock.monotonic(),
    };
    for (const item of items) entry.items.push(item);
    for (const item of rest) entry.items.push(item);
    this.#total += items.length;
    if (entry.items.length > 0) this.#lanes.set(lane, entry);
  }

  #pick(lanes: TransmissionLane[]): TransmissionLane | undefined {
    return lanes.length === 0 ? undefined : lanes[randomInt(this.#random, lanes.length)];
  }

  /** The lane the next item comes from, chosen as upstream does. */
  #chooseLane(): TransmissionLane | undefined {
    const all = [...this.#lanes.keys()];
    const small = all.filter((lane) => this.#lanes.get(lane)!.items.length < SMALL_LANE_THRESHOLD);
    const smallPick = this.#pick(small);
    if (smallPick !== undefined) return smallPick;
    // 2/3: one of the lanes that have transmitted the most.
    if (randomInt(this.#random, 3) < 2) {
      const busiest = [...all]
        .sort((a, b) => this.#lanes.get(b)!.transmitted - this.#lanes.get(a)!.transmitted)
        .slice(0, BUSIEST_LANE_SET_SIZE);
      return this.#pick(busiest);
    }
    return this.#pick(all);
  }

  /**
   * Takes the next item, or `undefined` when every lane is empty.
   *
   * @example
   * ```ts no-eval
   * const next = queues.popNext(); // { lane, item } | undefined
   * ```
   */
  popNext(): { lane: TransmissionLane; item: T } | undefined {
    const lane = this.#chooseLane();
    if (lane === undefined) return undefined;
    const entry = this.#lanes.get(lane)!;
    const item = entry.items.shift()!;
    entry.transmitted++;
    this.#total--;
    if (entry.items.length === 0) this.#lanes.delete(lane);
    return { lane, item };
  }

  /** Removes a lane and returns what it held (a closed connection). */
  remove(lane: TransmissionLane): T[] {
    const entry = this.#lanes.get(lane);
    if (entry === undefined) return [];
    this.#lanes.delete(lane);
    const items = entry.items.drain();
    this.#total -= items.length;
    return items;
  }

  /** Drops lanes with no activity for the stale period; returns the dropped items. */
  pruneStale(): T[] {
    const now = this.#clock.monotonic();
    const dropped: T[] = [];
    for (const [lane, entry] of this.#lanes) {
      if (now - entry.lastActivity > this.#staleAfterMs) dropped.push(...this.remove(lane));
    }
    return dropped;
  }
}
