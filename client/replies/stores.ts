/**
 * The state behind anonymous replies (`clients.md` §3.3, upstream `client-core/surb-storage`):
 *
 * - {@linkcode SenderTagStore}: the sender side's one tag per recipient, reused for every
 *   anonymous message to it, so the recipient can group our SURBs;
 * - {@linkcode ReplyKeyStore}: the sender side's reply keys (one per SURB sent), looked up by
 *   their BLAKE3 digest when a reply arrives, single-use, forgotten after 24 h;
 * - {@linkcode ReceivedSurbStore}: the replier side's SURBs per sender tag, with the number
 *   requested but not yet received.
 *
 * All bounded; all snapshot to JSON for {@linkcode ClientStorage}.
 *
 * @module
 */
import { base64 } from "@scure/base";
import { toHex } from "../../crypto/bytes.ts";
import type { RandomSource } from "../../crypto/random.ts";
import { type KeyRotation, keyRotationFromByte } from "../../framing/key_rotation.ts";
import {
  formatSenderTag,
  generateSenderTag,
  parseSenderTag,
  REPLY_KEY_LENGTH,
  replyKeyDigest,
} from "../../message/mod.ts";

/**
 * Sender tags per recipient address (text form).
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { SenderTagStore } from "./stores.ts";
 * const tags = new SenderTagStore();
 * const tag = tags.getOrCreate("alice", systemRandom);
 * tags.getOrCreate("alice", systemRandom) === tag; // true
 * ```
 */
export class SenderTagStore {
  readonly #tags = new Map<string, Uint8Array>();
  readonly #max: number;

  /** Keeps at most `max` recipients (the oldest are forgotten first). */
  constructor(max = 100_000) {
    this.#max = max;
  }

  /** Recipients known. */
  get size(): number {
    return this.#tags.size;
  }

  /** The tag used for `recipient`, creating one if needed. */
  getOrCreate(recipient: string, random: RandomSource): Uint8Array {
    const existing = this.#tags.get(recipient);
    if (existing !== undefined) return existing;
    const tag = generateSenderTag(random);
    this.#tags.set(recipient, tag);
    if (this.#tags.size > this.#max) this.#tags.delete(this.#tags.keys().next().value!);
    return tag;
  }

  /** Whether an anonymous message was ever sent to `recipient`. */
  has(recipient: string): boolean {
    return this.#tags.has(recipient);
  }

  /** The tag used for `recipient`, if any. */
  get(recipient: string): Uint8Array | undefined {
    return this.#tags.get(recipient);
  }

  /** `[recipient, base58 tag]` pairs. */
  toJSON(): [string, string][] {
    return [...this.#tags].map(([r, t]) => [r, formatSenderTag(t)]);
  }

  /** Restores a snapshot (invalid entries are skipped). */
  load(entries: unknown): void {
    if (!Array.isArray(entries)) return;
    for (const e of entries) {
      if (!Array.isArray(e) || typeof e[0] !== "string" || typeof e[1] !== "string") continue;
      try {
        this.#tags.set(e[0], parseSenderTag(e[1]));
      } catch { /* skip */ }
    }
  }
}

interface StoredReplyKey {
  readonly key: Uint8Array;
  readonly sentAtMs: number;
}

/**
 * Reply keys of SURBs we handed out, by digest.
 *
 * @example
 * ```ts
 * import { replyKeyDigest } from "../../message/mod.ts";
 * import { ReplyKeyStore } from "./stores.ts";
 * const keys = new ReplyKeyStore();
 * const key = new Uint8Array(16).fill(7);
 * keys.insert([key], 0);
 * keys.take(replyKeyDigest(key)); // key (and it is gone now)
 * ```
 */
export class ReplyKeyStore {
  readonly #keys = new Map<string, StoredReplyKey>();
  readonly #max: number;

  /** Keeps at most `max` keys (the oldest are forgotten first). */
  constructor(max = 500_000) {
    this.#max = max;
  }

  /** Keys held. */
  get size(): number {
    return this.#keys.size;
  }

  /** Remembers keys sent at `now`. */
  insert(keys: readonly Uint8Array[], now: number): void {
    for (const key of keys) {
      this.#keys.set(toHex(replyKeyDigest(key)), { key, sentAtMs: now });
    }
    while (this.#keys.size > this.#max) this.#keys.delete(this.#keys.keys().next().value!);
  }

  /** Finds and forgets the key with this 32-byte digest (reply keys are single-use). */
  take(digest: Uint8Array): Uint8Array | undefined {
    const hex = toHex(digest);
    const stored = this.#keys.get(hex);
    if (stored === undefined) return undefined;
    this.#keys.delete(hex);
    return stored.key;
  }

  /** Forgets keys older than `maxAgeMs`; returns how many. */
  expire(now: number, maxAgeMs: number): number {
    let removed = 0;
    for (const [hex, stored] of this.#keys) {
      if (now - stored.sentAtMs > maxAgeMs) {
        this.#keys.delete(hex);
        removed++;
      }
    }
    return removed;
  }

  /** `[base64 key, sentAtMs]` pairs. */
  toJSON(): [string, number][] {
    return [...this.#keys.values()].map((s) => [base64.encode(s.key), s.sentAtMs]);
  }

  /** Restores a snapshot (invalid entries are skipped). */
  load(entries: unknown): void {
    if (!Array.isArray(entries)) return;
    const keys: StoredReplyKey[] = [];
    for (const e of entries) {
      if (!Array.isArray(e) || typeof e[0] !== "string" || !Number.isFinite(e[1])) continue;
      try {
        const key = base64.decode(e[0]);
        if (key.length === REPLY_KEY_LENGTH) keys.push({ key, sentAtMs: e[1] });
      } catch { /* skip */ }
    }
    for (const k of keys) this.#keys.set(toHex(replyKeyDigest(k.key)), k);
  }
}

/** A reply SURB received from an anonymous sender. */
export interface ReceivedSurb {
  /** `reply_key (16) ‖ SURB`. */
  readonly bytes: Uint8Array;
  /** The rotation its keys belong to (Unknown for V1 SURBs). */
  readonly keyRotation: KeyRotation;
}

interface SurbEntry {
  fresh: ReceivedSurb[];
  /** SURBs from before the last key rotation change, used first, dropped at the next change. */
  stale: ReceivedSurb[];
  pendingReception: number;
  lastReceivedAtMs: number;
}

/**
 * Reply SURBs per sender tag (base58 text).
 *
 * @example
 * ```ts
 * import { ReceivedSurbStore } from "./stores.ts";
 * const store = new ReceivedSurbStore();
 * store.insert("tag", [{ bytes: new Uint8Array(460), keyRotation: 0 }], 0);
 * store.available("tag"); // 1
 * ```
 */
export class ReceivedSurbStore {
  readonly #entries = new Map<string, SurbEntry>();
  readonly #maxPerTag: number;
  readonly #maxTags: number;

  /** Keeps at most `maxPerTag` SURBs per sender and `maxTags` senders. */
  constructor(maxPerTag = 2000, maxTags = 10_000) {
    this.#maxPerTag = maxPerTag;
    this.#maxTags = maxTags;
  }

  /** Sender tags with state. */
  tags(): string[] {
    return [...this.#entries.keys()];
  }

  /** Whether any state (SURBs or history) exists for `tag`. */
  has(tag: string): boolean {
    return this.#entries.has(tag);
  }

  /** SURBs held for `tag` (fresh and stale). */
  available(tag: string): number {
    const e = this.#entries.get(tag);
    return e === undefined ? 0 : e.fresh.length + e.stale.length;
  }

  /** Fresh SURBs held for `tag`. */
  availableFresh(tag: string): number {
    return this.#entries.get(tag)?.fresh.length ?? 0;
  }

  /** SURBs requested from `tag` and not received yet. */
  pendingReception(tag: string): number {
    return this.#entries.get(tag)?.pendingReception ?? 0;
  }

  /** When SURBs last arrived from `tag`. */
  lastReceivedAt(tag: string): number | undefined {
    return this.#entries.get(tag)?.lastReceivedAtMs;
  }

  #entry(tag: string, now: number): SurbEntry {
    let e = this.#entries.get(tag);
    if (e === undefined) {
      e = { fresh: [], stale: [], pendingReception: 0, lastReceivedAtMs: now };
      this.#entries.set(tag, e);
      if (this.#entries.size > this.#maxTags) {
        // Forget the sender we heard from least recently.
        let oldest: string | undefined;
        let oldestAt = Infinity;
        for (const [t, x] of this.#entries) {
          if (t !== tag && x.lastReceivedAtMs < oldestAt) {
            oldest = t;
            oldestAt = x.lastReceivedAtMs;
          }
        }
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
    }
    return e;
  }

  /** Adds SURBs received at `now`; beyond the per-sender cap the oldest are dropped. */
  insert(tag: string, surbs: readonly ReceivedSurb[], now: number): void {
    const e = this.#entry(tag, now);
    e.fresh.push(...surbs);
    e.lastReceivedAtMs = now;
    const excess = e.fresh.length + e.stale.length - this.#maxPerTag;
    if (excess > 0) {
      const fromStale = Math.min(excess, e.stale.length);
      e.stale.splice(0, fromStale);
      e.fresh.splice(0, excess - fromStale);
    }
  }

  /** Takes up to `count` SURBs (stale ones first). */
  take(tag: string, count: number): ReceivedSurb[] {
    const e = this.#entries.get(tag);
    if (e === undefined || count <= 0) return [];
    const out = e.stale.splice(0, Math.min(count, e.stale.length));
    out.push(...e.fresh.splice(0, count - out.length));
    return out;
  }

  /** Puts unused SURBs back. */
  giveBack(tag: string, surbs: readonly ReceivedSurb[]): void {
    const e = this.#entries.get(tag);
    if (e !== undefined) e.fresh.unshift(...surbs);
  }

  /** Records that `amount` SURBs were requested from `tag`. */
  addPendingReception(tag: string, amount: number, now: number): void {
    this.#entry(tag, now).pendingReception += amount;
  }

  /** Records that `amount` requested SURBs arrived. */
  subtractPendingReception(tag: string, amount: number): void {
    const e = this.#entries.get(tag);
    if (e !== undefined) e.pendingReception = Math.max(0, e.pendingReception - amount);
  }

  /** Forgets outstanding requests (before asking again). */
  resetPendingReception(tag: string): void {
    const e = this.#entries.get(tag);
    if (e !== undefined) e.pendingReception = 0;
  }

  /**
   * The key rotation changed: SURBs still stale from the previous change are dropped and fresh
   * ones become stale. Returns, per tag, how many were marked stale (to request as many anew).
   */
  rotate(): Map<string, number> {
    const marked = new Map<string, number>();
    for (const [tag, e] of this.#entries) {
      e.stale = e.fresh;
      e.fresh = [];
      if (e.stale.length > 0) marked.set(tag, e.stale.length);
    }
    return marked;
  }

  /** Drops senders with no SURBs, no outstanding request and nothing heard for `idleMs`. */
  dropAbandoned(now: number, idleMs: number): number {
    let dropped = 0;
    for (const [tag, e] of this.#entries) {
      if (
        e.fresh.length + e.stale.length === 0 && e.pendingReception === 0 &&
        now - e.lastReceivedAtMs > idleMs
      ) {
        this.#entries.delete(tag);
        dropped++;
      }
    }
    return dropped;
  }

  /** A JSON-able snapshot. */
  toJSON(): unknown[] {
    const encode = (s: ReceivedSurb) => [base64.encode(s.bytes), s.keyRotation];
    return [...this.#entries].map(([tag, e]) => ({
      tag,
      fresh: e.fresh.map(encode),
      stale: e.stale.map(encode),
      lastReceivedAtMs: e.lastReceivedAtMs,
    }));
  }

  /** Restores a snapshot (invalid entries are skipped; outstanding requests are not kept). */
  load(entries: unknown): void {
    if (!Array.isArray(entries)) return;
    const decode = (list: unknown): ReceivedSurb[] => {
      const out: ReceivedSurb[] = [];
      if (!Array.isArray(list)) return out;
      for (const s of list) {
        try {
          if (!Array.isArray(s) || typeof s[0] !== "string") continue;
          out.push({ bytes: base64.decode(s[0]), keyRotation: keyRotationFromByte(s[1]) });
        } catch { /* skip */ }
      }
      return out;
    };
    for (const raw of entries) {
      if (typeof raw !== "object" || raw === null) continue;
      const r = raw as Record<string, unknown>;
      if (typeof r.tag !== "string" || !Number.isFinite(r.lastReceivedAtMs)) continue;
      try {
        parseSenderTag(r.tag);
      } catch {
        continue;
      }
      this.#entries.set(r.tag, {
        fresh: decode(r.fresh),
        stale: decode(r.stale),
        pendingReception: 0,
        lastReceivedAtMs: r.lastReceivedAtMs as number,
      });
    }
  }
}

/**
 * The text key of a sender tag.
 *
 * @example
 * ```ts
 * import { tagKey } from "./stores.ts";
 * tagKey(new Uint8Array(16)); // "1111111111111111"
 * ```
 */
export function tagKey(tag: Uint8Array): string {
  return formatSenderTag(tag);
}
