/**
 * The replier side of anonymous replies (`clients.md` §3.3, upstream
 * `reply_controller/receiver_controller.rs`), as a pure state machine that returns actions for
 * the client to carry out:
 *
 * - A reply uses at most `available − minimum_storage_threshold` SURBs; fragments that do not
 *   fit wait in a per-sender queue (with lanes, so `LaneQueueLength` counts them).
 * - More SURBs are requested when `available + pending < queued + min + buffer` and
 *   `available + pending < max`; the request asks for `clamp(queued + buffer, 10, 50)` and uses a
 *   reserve SURB.
 * - Arriving SURBs first clear pending retransmissions, then queued replies.
 * - Every 5 s {@linkcode ReplyController.inspectStale} asks again after 10 s without SURBs and
 *   drops a sender's queue after 5 min or more than 5 repeat requests.
 * - A key-rotation change marks stored SURBs stale and requests as many new ones.
 *
 * @module
 */
import { type Fragment, fragmentIdentifier } from "../../message/fragment.ts";
import type { ReplySurbsConfig } from "../config.ts";
import { LaneQueues, type TransmissionLane } from "../traffic/lanes.ts";
import { fragmentKey } from "../acks/pending_acks.ts";
import type { RandomSource } from "../../crypto/random.ts";
import type { Clock } from "../../util/clock.ts";
import type { ReceivedSurb, ReceivedSurbStore } from "./stores.ts";

/** A reply fragment waiting for a SURB. */
export interface QueuedReplyFragment {
  readonly fragment: Fragment;
  readonly maxRetransmissions: number | null;
}

/** What the client must do. */
export type ReplyAction<E> =
  /** Send `item` to sender `tag` with `surb`. */
  | {
    readonly kind: "send";
    readonly tag: string;
    readonly lane: TransmissionLane;
    readonly item: QueuedReplyFragment;
    readonly surb: ReceivedSurb;
  }
  /** Resend the timed-out reply `entry` with `surb`. */
  | {
    readonly kind: "retransmit";
    readonly tag: string;
    readonly entry: E;
    readonly surb: ReceivedSurb;
  }
  /** Ask sender `tag` for `amount` more SURBs, sending the request with `surb`. */
  | {
    readonly kind: "requestSurbs";
    readonly tag: string;
    readonly amount: number;
    readonly surb: ReceivedSurb;
  }
  /**
   * A sender's queue was given up (no SURBs came): `fragments` queued reply fragments are lost
   * and `entries` (timed-out replies that were waiting) should no longer be tracked.
   */
  | {
    readonly kind: "dropped";
    readonly tag: string;
    readonly fragments: number;
    readonly entries: readonly E[];
  };

interface SenderState<E> {
  readonly queue: LaneQueues<QueuedReplyFragment>;
  /** Timed-out replies waiting for a SURB, by fragment key. */
  readonly retransmissions: Map<string, E>;
  rerequests: number;
}

/** Options of {@linkcode ReplyController}. */
export interface ReplyControllerOptions<E> {
  readonly store: ReceivedSurbStore;
  readonly config: ReplySurbsConfig;
  readonly random: RandomSource;
  readonly clock: Clock;
  /** Whether a timed-out entry still needs sending (false once acked or given up). */
  readonly isPending: (entry: E) => boolean;
  /** The fragment of an entry (to key pending retransmissions). */
  readonly fragmentOf: (entry: E) => Fragment;
}

/**
 * Thrown by {@linkcode ReplyController.queueReply} when no SURBs were ever received from a
 * sender tag.
 *
 * @example
 * ```ts
 * import { NoReplySurbsError } from "./reply_controller.ts";
 * new NoReplySurbsError("abc").message;
 * // "no reply SURBs are stored for sender tag abc (it never sent us an anonymous message)"
 * ```
 */
export class NoReplySurbsError extends Error {
  override name = "NoReplySurbsError";
  /** Creates the error for `tag`. */
  constructor(tag: string) {
    super(
      `no reply SURBs are stored for sender tag ${tag} (it never sent us an anonymous message)`,
    );
  }
}

/**
 * The replier-side reply-SURB state machine.
 *
 * @example
 * ```ts no-eval
 * const controller = new ReplyController({ store, config, random, clock, isPending, fragmentOf });
 * for (const action of controller.queueReply(tag, fragments, "general", null)) execute(action);
 * ```
 */
export class ReplyController<E> {
  readonly #store: ReceivedSurbStore;
  readonly #config: ReplySurbsConfig;
  readonly #random: RandomSource;
  readonly #clock: Clock;
  readonly #isPending: (entry: E) => boolean;
  readonly #fragmentOf: (entry: E) => Fragment;
  readonly #senders = new Map<string, SenderState<E>>();

  /** Creates the controller over `options.store`. */
  constructor(options: ReplyControllerOptions<E>) {
    this.#store = options.store;
    this.#config = options.config;
    this.#random = options.random;
    this.#clock = options.clock;
    this.#isPending = options.isPending;
    this.#fragmentOf = options.fragmentOf;
  }

  #sender(tag: string): SenderState<E> {
    let s = this.#senders.get(tag);
    if (s === undefined) {
      s = {
        queue: new LaneQueues({ random: this.#random, clock: this.#clock }),
        retransmissions: new Map(),
        rerequests: 0,
      };
      this.#senders.set(tag, s);
    }
    return s;
  }

  /** Replies and retransmissions waiting for SURBs from `tag`. */
  pending(tag: string): number {
    const s = this.#senders.get(tag);
    return s === undefined ? 0 : s.queue.totalSize + s.retransmissions.size;
  }

  /** Reply fragments waiting for SURBs on `lane`, over all senders. */
  laneQueueLength(lane: TransmissionLane): number {
    let total = 0;
    for (const s of this.#senders.values()) total += s.queue.laneLength(lane);
    return total;
  }

  /** Reply fragments waiting for SURBs, over all senders and lanes. */
  get totalQueued(): number {
    let total = 0;
    for (const s of this.#senders.values()) total += s.queue.totalSize + s.retransmissions.size;
    return total;
  }

  #usable(tag: string): number {
    return Math.max(0, this.#store.available(tag) - this.#config.minimumReplySurbStorageThreshold);
  }

  #shouldRequestMore(tag: string): boolean {
    const c = this.#config;
    const total = this.#store.availableFresh(tag) + this.#store.pendingReception(tag);
    const required = this.pending(tag) + c.minimumReplySurbStorageThreshold +
      c.minimumReplySurbThresholdBuffer;
    return total < c.maximumReplySurbStorageThreshold && total < required;
  }

  #request(tag: string, amount: number, out: ReplyAction<E>[]): void {
    const [surb] = this.#store.take(tag, 1);
    if (surb === undefined) return;
    this.#store.addPendingReception(tag, amount, this.#clock.now());
    out.push({ kind: "requestSurbs", tag, amount, surb });
  }

  #requestForQueue(tag: string, out: ReplyAction<E>[]): void {
    const c = this.#config;
    const wanted = this.pending(tag) + c.minimumReplySurbThresholdBuffer;
    const amount = Math.min(
      c.maximumReplySurbRequestSize,
      Math.max(wanted, c.minimumReplySurbRequestSize),
    );
    this.#request(tag, amount, out);
  }

  /**
   * Queues a reply's fragments to sender `tag`: as many as the SURBs allow go out now, the rest
   * wait; more SURBs are requested when needed.
   *
   * @throws {NoReplySurbsError} if nothing was ever received from `tag`.
   */
  queueReply(
    tag: string,
    fragments: readonly Fragment[],
    lane: TransmissionLane,
    maxRetransmissions: number | null,
  ): ReplyAction<E>[] {
    if (!this.#store.has(tag)) throw new NoReplySurbsError(tag);
    const out: ReplyAction<E>[] = [];
    const items = fragments.map((fragment) => ({ fragment, maxRetransmissions }));
    const sender = this.#sender(tag);
    // Older queued replies of this sender go first.
    sender.queue.push(lane, items);
    this.#drainQueue(tag, out);
    if (this.#shouldRequestMore(tag)) this.#requestForQueue(tag, out);
    return out;
  }

  #drainRetransmissions(tag: string, out: ReplyAction<E>[]): void {
    const sender = this.#senders.get(tag);
    if (sender === undefined) return;
    for (const [key, entry] of sender.retransmissions) {
      if (!this.#isPending(entry)) {
        sender.retransmissions.delete(key);
        continue;
      }
      if (this.#usable(tag) === 0) return;
      const [surb] = this.#store.take(tag, 1);
      sender.retransmissions.delete(key);
      out.push({ kind: "retransmit", tag, entry, surb });
    }
  }

  #drainQueue(tag: string, out: ReplyAction<E>[]): void {
    const sender = this.#senders.get(tag);
    if (sender === undefined) return;
    let usable = this.#usable(tag);
    while (usable > 0) {
      const next = sender.queue.popNext();
      if (next === undefined) return;
      const [surb] = this.#store.take(tag, 1);
      out.push({ kind: "send", tag, lane: next.lane, item: next.item, surb });
      usable--;
    }
  }

  /**
   * A reply to `tag` timed out. It is resent now if a SURB is usable (a SURB request may dip
   * into the reserve), else it waits and more SURBs are requested.
   */
  retransmit(tag: string, entry: E, extraSurbRequest: boolean): ReplyAction<E>[] {
    const out: ReplyAction<E>[] = [];
    const canUse = extraSurbRequest ? this.#store.available(tag) > 0 : this.#usable(tag) > 0;
    if (canUse) {
      const [surb] = this.#store.take(tag, 1);
      out.push({ kind: "retransmit", tag, entry, surb });
      return out;
    }
    const sender = this.#sender(tag);
    sender.retransmissions.set(fragmentKey(fragmentIdentifier(this.#fragmentOf(entry))), entry);
    if (this.#shouldRequestMore(tag)) this.#requestForQueue(tag, out);
    return out;
  }

  /**
   * SURBs arrived from `tag` (with a message or as `AdditionalSurbs` answering our request).
   * They are stored, then used for pending retransmissions and queued replies.
   */
  surbsReceived(
    tag: string,
    surbs: readonly ReceivedSurb[],
    fromRequest: boolean,
  ): ReplyAction<E>[] {
    const out: ReplyAction<E>[] = [];
    if (fromRequest) this.#store.subtractPendingReception(tag, surbs.length);
    this.#store.insert(tag, surbs, this.#clock.now());
    const sender = this.#senders.get(tag);
    if (sender !== undefined) sender.rerequests = 0;
    this.#drainRetransmissions(tag, out);
    this.#drainQueue(tag, out);
    if (this.pending(tag) > 0 && this.#shouldRequestMore(tag)) this.#requestForQueue(tag, out);
    return out;
  }

  /** A request action could not be sent: its SURB goes back, the count is undone. */
  requestFailed(tag: string, surb: ReceivedSurb, amount: number): void {
    this.#store.giveBack(tag, [surb]);
    this.#store.subtractPendingReception(tag, amount);
  }

  /** A send/retransmit action could not be carried out: its SURB goes back. */
  sendFailed(tag: string, surb: ReceivedSurb): void {
    this.#store.giveBack(tag, [surb]);
  }

  /** Upstream's 5-second check for senders whose SURBs stopped coming. */
  inspectStale(): ReplyAction<E>[] {
    const now = this.#clock.now();
    const c = this.#config;
    const out: ReplyAction<E>[] = [];
    for (const [tag, sender] of this.#senders) {
      if (sender.queue.totalSize === 0 && sender.retransmissions.size === 0) {
        this.#senders.delete(tag);
        continue;
      }
      const last = this.#store.lastReceivedAt(tag);
      const drop = () => {
        out.push({
          kind: "dropped",
          tag,
          fragments: sender.queue.totalSize,
          entries: [...sender.retransmissions.values()],
        });
        this.#senders.delete(tag);
      };
      if (last === undefined || sender.rerequests > c.maximumReplySurbsRerequests) {
        drop();
        continue;
      }
      const idle = now - last;
      if (idle > c.maximumReplySurbRerequestWaitingPeriodMs) {
        if (idle > c.maximumReplySurbDropWaitingPeriodMs) {
          drop();
          continue;
        }
        sender.rerequests++;
        this.#store.resetPendingReception(tag);
        this.#requestForQueue(tag, out);
      }
    }
    return out;
  }

  /** The key rotation changed: stored SURBs become stale and as many new ones are requested. */
  rotate(): ReplyAction<E>[] {
    const out: ReplyAction<E>[] = [];
    for (const [tag, count] of this.#store.rotate()) {
      this.#request(tag, Math.min(count, this.#config.maximumReplySurbRequestSize), out);
    }
    return out;
  }
}
