/**
 * Reassembly of fragments into messages (`wire-format.md` §9.3, upstream
 * `common/nymsphinx/chunking/src/reconstruction.rs` and the client's `received_buffer.rs`),
 * with the bounds upstream lacks: a cap on in-progress sets and on buffered bytes (the least
 * recently active sets are evicted first), expiry after 30 minutes of inactivity, and a bounded
 * memory of reconstructed set ids so late duplicates are dropped.
 *
 * @module
 */
import { type Fragment, MAX_FRAGMENTS_PER_SET, validateFragmentHeader } from "./fragment.ts";

/** Upstream's `INCOMPLETE_MESSAGE_TIMEOUT`: 30 minutes. */
export const INCOMPLETE_MESSAGE_TIMEOUT_MS = 30 * 60 * 1000;
/** Default cap on sets being reassembled at once. */
export const DEFAULT_MAX_PENDING_SETS = 4096;
/** Default cap on buffered fragment payload bytes: 64 MiB. */
export const DEFAULT_RECONSTRUCTOR_MAX_BYTES = 64 * 1024 * 1024;
/** Default number of reconstructed set ids remembered to drop late duplicates. */
export const DEFAULT_MAX_REMEMBERED_SETS = 65_536;

/** Options of {@linkcode MessageReconstructor}. */
export interface ReconstructorOptions {
  /** Most sets held at once; the least recently active set is evicted beyond it. */
  readonly maxPendingSets?: number;
  /** Most payload bytes held at once; least recently active sets are evicted beyond it. */
  readonly maxBufferedBytes?: number;
  /** Inactivity after which {@linkcode MessageReconstructor.expire} drops a set. */
  readonly timeoutMs?: number;
  /** How many reconstructed set ids to remember (oldest forgotten first). */
  readonly maxRememberedSets?: number;
}

/** What happened to an inserted fragment. */
export type InsertResult =
  /** Stored; the message is not complete yet. */
  | { readonly status: "buffered" }
  /**
   * The message is complete. `message` is the padded message (unpad it with
   * `unpadMessage`); `setIds` lists its sets in order.
   */
  | { readonly status: "complete"; readonly message: Uint8Array; readonly setIds: number[] }
  /** Its slot was already filled; the first copy is kept. */
  | { readonly status: "duplicate" }
  /** Its set was reconstructed before: a late retransmission. */
  | { readonly status: "alreadyReconstructed" }
  /** Its total fragment count disagrees with the fragments already buffered for the set. */
  | { readonly status: "inconsistent" }
  /** The fragment (or its whole set, which is then dropped) exceeds the byte budget. */
  | { readonly status: "tooLarge" };

/** Drop counters, for metrics. */
export interface ReconstructorCounters {
  duplicates: number;
  alreadyReconstructed: number;
  inconsistent: number;
  tooLarge: number;
  /** Sets evicted to stay within the bounds. */
  evictedSets: number;
  /** Sets dropped by {@linkcode MessageReconstructor.expire}. */
  expiredSets: number;
}

interface SetBuffer {
  readonly setId: number;
  readonly slots: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
  previous: number | null;
  next: number | null;
  lastActive: number;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  return v;
}

/**
 * Buffers fragments per set and returns whole messages once every set of a message is complete.
 * Time is injected: pass the current time (milliseconds) to {@linkcode insert} and
 * {@linkcode expire}.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../crypto/random.ts";
 * import { MessageReconstructor, splitIntoFragments } from "./mod.ts";
 * const message = new Uint8Array(5000).fill(7);
 * const fragments = splitIntoFragments(message, 1611, systemRandom);
 * const r = new MessageReconstructor();
 * let result;
 * for (const f of fragments.reverse()) result = r.insert(f, Date.now());
 * result?.status; // "complete"
 * ```
 */
export class MessageReconstructor {
  readonly #maxSets: number;
  readonly #maxBytes: number;
  readonly #timeout: number;
  readonly #maxRemembered: number;
  // Insertion order doubles as activity order: a touched set is re-inserted at the end.
  readonly #sets = new Map<number, SetBuffer>();
  readonly #remembered = new Set<number>();
  #rememberQueue: number[] = [];
  #rememberHead = 0;
  #bytes = 0;
  readonly #counters: ReconstructorCounters = {
    duplicates: 0,
    alreadyReconstructed: 0,
    inconsistent: 0,
    tooLarge: 0,
    evictedSets: 0,
    expiredSets: 0,
  };

  /** @throws {RangeError} for non-positive limits (a programming error). */
  constructor(options: ReconstructorOptions = {}) {
    this.#maxSets = positiveInteger(
      options.maxPendingSets,
      DEFAULT_MAX_PENDING_SETS,
      "maxPendingSets",
    );
    this.#maxBytes = positiveInteger(
      options.maxBufferedBytes,
      DEFAULT_RECONSTRUCTOR_MAX_BYTES,
      "maxBufferedBytes",
    );
    this.#timeout = positiveInteger(options.timeoutMs, INCOMPLETE_MESSAGE_TIMEOUT_MS, "timeoutMs");
    this.#maxRemembered = positiveInteger(
      options.maxRememberedSets,
      DEFAULT_MAX_REMEMBERED_SETS,
      "maxRememberedSets",
    );
  }

  /** Sets currently being reassembled. */
  get pendingSets(): number {
    return this.#sets.size;
  }

  /** Payload bytes currently buffered. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Drop counters (a live view). */
  get counters(): Readonly<ReconstructorCounters> {
    return this.#counters;
  }

  /** Whether `setId` was reconstructed recently (and its fragments are now dropped). */
  wasReconstructed(setId: number): boolean {
    return this.#remembered.has(setId);
  }

  /**
   * Adds a fragment received at time `now` (milliseconds).
   *
   * @throws {MalformedFragmentError} if `fragment` has an invalid header (decoded fragments
   * never do).
   */
  insert(fragment: Fragment, now: number): InsertResult {
    validateFragmentHeader(fragment);
    const id = fragment.setId;
    if (this.#remembered.has(id)) {
      this.#counters.alreadyReconstructed++;
      return { status: "alreadyReconstructed" };
    }
    const size = fragment.payload.length;
    if (size > this.#maxBytes) {
      this.#counters.tooLarge++;
      return { status: "tooLarge" };
    }
    // A whole message in one fragment: nothing to buffer.
    if (
      fragment.totalFragments === 1 && fragment.previousSetId === null &&
      !this.#sets.has(id)
    ) {
      this.#remember(id);
      return { status: "complete", message: fragment.payload, setIds: [id] };
    }
    let buffer = this.#sets.get(id);
    if (buffer === undefined) {
      this.#makeRoom(1, 0, id);
      buffer = {
        setId: id,
        slots: new Array<Uint8Array | undefined>(fragment.totalFragments),
        received: 0,
        bytes: 0,
        previous: null,
        next: null,
        lastActive: now,
      };
      this.#sets.set(id, buffer);
    } else {
      if (buffer.slots.length !== fragment.totalFragments) {
        this.#counters.inconsistent++;
        return { status: "inconsistent" };
      }
      this.#sets.delete(id);
      this.#sets.set(id, buffer);
      buffer.lastActive = now;
    }
    const slot = fragment.currentFragment - 1;
    if (buffer.slots[slot] !== undefined) {
      this.#counters.duplicates++;
      return { status: "duplicate" };
    }
    this.#makeRoom(0, size, id);
    if (this.#bytes + size > this.#maxBytes) {
      // This set alone outgrows the budget: it can never complete.
      this.#drop(id, buffer);
      this.#counters.tooLarge++;
      return { status: "tooLarge" };
    }
    buffer.slots[slot] = fragment.payload;
    buffer.received++;
    buffer.bytes += size;
    this.#bytes += size;
    if (fragment.currentFragment === 1) buffer.previous = fragment.previousSetId;
    if (fragment.currentFragment === MAX_FRAGMENTS_PER_SET) buffer.next = fragment.nextSetId;
    if (buffer.received !== buffer.slots.length) return { status: "buffered" };
    return this.#tryComplete(id);
  }

  /**
   * Drops sets with no new fragment for the timeout (30 minutes by default); returns how many.
   * Upstream runs this every 10 seconds.
   */
  expire(now: number): number {
    let dropped = 0;
    for (const [id, buffer] of this.#sets) {
      if (now - buffer.lastActive >= this.#timeout) {
        this.#drop(id, buffer);
        dropped++;
      }
    }
    this.#counters.expiredSets += dropped;
    return dropped;
  }

  #tryComplete(id: number): InsertResult {
    // Walk back to the first set, then forward to the last; every set on the way must be
    // complete and link back to its neighbour. Cycles (only possible with forged links) stop
    // the walk, and those sets simply wait for eviction or expiry.
    const seen = new Set<number>([id]);
    let first = id;
    for (;;) {
      const current = this.#sets.get(first)!;
      if (current.previous === null) break;
      const previous = this.#complete(current.previous);
      if (previous === undefined || previous.next !== first || seen.has(current.previous)) {
        return { status: "buffered" };
      }
      seen.add(current.previous);
      first = current.previous;
    }
    const chain = [first];
    const visited = new Set<number>([first]);
    let length = this.#sets.get(first)!.bytes;
    for (let cursor = first;;) {
      const current = this.#sets.get(cursor)!;
      if (current.next === null) break;
      const next = this.#complete(current.next);
      if (next === undefined || next.previous !== cursor || visited.has(current.next)) {
        return { status: "buffered" };
      }
      visited.add(current.next);
      chain.push(current.next);
      length += next.bytes;
      cursor = current.next;
    }
    const message = new Uint8Array(length);
    let offset = 0;
    for (const setId of chain) {
      const buffer = this.#sets.get(setId)!;
      for (const payload of buffer.slots) {
        message.set(payload!, offset);
        offset += payload!.length;
      }
      this.#drop(setId, buffer);
      this.#remember(setId);
    }
    return { status: "complete", message, setIds: chain };
  }

  #complete(id: number): SetBuffer | undefined {
    const buffer = this.#sets.get(id);
    return buffer !== undefined && buffer.received === buffer.slots.length ? buffer : undefined;
  }

  /** Evicts least recently active sets (never `keep`) until the new data fits. */
  #makeRoom(newSets: number, newBytes: number, keep: number): void {
    for (const [id, buffer] of this.#sets) {
      if (this.#sets.size + newSets <= this.#maxSets && this.#bytes + newBytes <= this.#maxBytes) {
        return;
      }
      if (id === keep) continue;
      this.#drop(id, buffer);
      this.#counters.evictedSets++;
    }
  }

  #drop(id: number, buffer: SetBuffer): void {
    this.#sets.delete(id);
    this.#bytes -= buffer.bytes;
  }

  #remember(id: number): void {
    if (this.#remembered.has(id)) return;
    this.#remembered.add(id);
    this.#rememberQueue.push(id);
    while (this.#remembered.size > this.#maxRemembered) {
      this.#remembered.delete(this.#rememberQueue[this.#rememberHead++]);
    }
    if (this.#rememberHead > 1024 && this.#rememberHead * 2 > this.#rememberQueue.length) {
      this.#rememberQueue = this.#rememberQueue.slice(this.#rememberHead);
      this.#rememberHead = 0;
    }
  }
}
