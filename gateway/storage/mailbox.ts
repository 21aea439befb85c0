/**
 * The offline mailbox: final-hop messages for clients that are not connected
 * (`nym-node.md` §4.8), with a per-client quota (oldest dropped first and counted), 24-hour
 * expiry, and paged delivery whose rows are deleted only after the caller has pushed them.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Clock } from "../../util/clock.ts";
import { transaction } from "./database.ts";

/** A stored message. */
export interface StoredMessage {
  readonly id: number;
  readonly content: Uint8Array;
}

/** A message to store. */
export interface MailboxEntry {
  /** base58 of the client's ed25519 identity. */
  readonly clientAddress: string;
  readonly content: Uint8Array;
}

/** Mailbox limits. */
export interface MailboxOptions {
  /** Messages kept per client; beyond it the oldest are dropped. */
  readonly maxMessagesPerClient: number;
  /** Largest accepted message (bytes); larger ones are refused. */
  readonly maxMessageSize: number;
}

/** Counters an operator sees in metrics. */
export interface MailboxCounters {
  stored: number;
  droppedOverQuota: number;
  droppedOversize: number;
  delivered: number;
  expired: number;
}

/** Result of storing a batch. */
export interface StoreResult {
  readonly stored: number;
  readonly droppedOverQuota: number;
  readonly droppedOversize: number;
}

/** Message storage on top of the gateway database. */
export class Mailbox {
  readonly counters: MailboxCounters = {
    stored: 0,
    droppedOverQuota: 0,
    droppedOversize: 0,
    delivered: 0,
    expired: 0,
  };
  readonly #db: DatabaseSync;
  readonly #clock: Clock;
  readonly #options: MailboxOptions;
  readonly #insert: StatementSync;
  readonly #count: StatementSync;
  readonly #trim: StatementSync;
  readonly #page: StatementSync;
  readonly #expire: StatementSync;
  readonly #clear: StatementSync;
  readonly #total: StatementSync;
  /** Cached per-client row counts (loaded on first use, kept exact afterwards). */
  readonly #counts = new Map<string, number>();

  /**
   * Wraps an open gateway database.
   *
   * @example
   * ```ts
   * import { openGatewayDatabase } from "./database.ts";
   * import { Mailbox } from "./mailbox.ts";
   * import { systemClock } from "../../util/clock.ts";
   * const mailbox = new Mailbox(openGatewayDatabase(":memory:"), systemClock,
   *   { maxMessagesPerClient: 1000, maxMessageSize: 65536 });
   * mailbox.store([{ clientAddress: "abc", content: new Uint8Array([1]) }]);
   * ```
   */
  constructor(db: DatabaseSync, clock: Clock, options: MailboxOptions) {
    if (options.maxMessagesPerClient < 1) throw new RangeError("maxMessagesPerClient must be ≥ 1");
    this.#db = db;
    this.#clock = clock;
    this.#options = options;
    this.#insert = db.prepare(
      "INSERT INTO message_store (client_address_bs58, content, timestamp) VALUES (?, ?, ?)",
    );
    this.#count = db.prepare(
      "SELECT COUNT(*) AS n FROM message_store WHERE client_address_bs58 = ?",
    );
    this.#trim = db.prepare(
      `DELETE FROM message_store WHERE id IN (
         SELECT id FROM message_store WHERE client_address_bs58 = ? ORDER BY id LIMIT ?)`,
    );
    this.#page = db.prepare(
      `SELECT id, content FROM message_store WHERE client_address_bs58 = ? AND id > ?
       ORDER BY id LIMIT ?`,
    );
    this.#expire = db.prepare("DELETE FROM message_store WHERE timestamp < ?");
    this.#clear = db.prepare("DELETE FROM message_store WHERE client_address_bs58 = ?");
    this.#total = db.prepare("SELECT COUNT(*) AS n FROM message_store");
  }

  #countFor(address: string): number {
    let n = this.#counts.get(address);
    if (n === undefined) {
      n = Number((this.#count.get(address) as { n: number }).n);
      this.#counts.set(address, n);
    }
    return n;
  }

  /**
   * Stores a batch in one transaction. When a client's quota is exceeded its oldest messages are
   * deleted in the same transaction, so the quota holds at every commit.
   */
  store(entries: readonly MailboxEntry[]): StoreResult {
    if (entries.length === 0) return { stored: 0, droppedOverQuota: 0, droppedOversize: 0 };
    const now = this.#clock.now();
    let stored = 0, droppedOverQuota = 0, droppedOversize = 0;
    const touched = new Set<string>();
    const pending = new Map<string, number>();
    // Counts must be read before the inserts, or the new rows would be counted twice.
    const before = new Map<string, number>();
    for (const e of entries) {
      if (!before.has(e.clientAddress)) {
        before.set(e.clientAddress, this.#countFor(e.clientAddress));
      }
    }
    transaction(this.#db, () => {
      for (const e of entries) {
        if (e.content.length > this.#options.maxMessageSize) {
          droppedOversize++;
          continue;
        }
        this.#insert.run(e.clientAddress, e.content, now);
        touched.add(e.clientAddress);
        pending.set(e.clientAddress, (pending.get(e.clientAddress) ?? 0) + 1);
        stored++;
      }
      for (const address of touched) {
        const total = before.get(address)! + (pending.get(address) ?? 0);
        const excess = total - this.#options.maxMessagesPerClient;
        if (excess > 0) {
          this.#trim.run(address, excess);
          droppedOverQuota += excess;
        }
      }
    });
    // Update the cache only after the commit succeeded.
    for (const address of touched) {
      const total = before.get(address)! + (pending.get(address) ?? 0);
      this.#counts.set(address, Math.min(total, this.#options.maxMessagesPerClient));
    }
    this.counters.stored += stored;
    this.counters.droppedOverQuota += droppedOverQuota;
    this.counters.droppedOversize += droppedOversize;
    return { stored, droppedOverQuota, droppedOversize };
  }

  /** Up to `limit` messages of a client with id greater than `afterId`, oldest first. */
  page(clientAddress: string, afterId: number, limit: number): StoredMessage[] {
    const rows = this.#page.all(clientAddress, afterId, limit) as {
      id: number;
      content: Uint8Array;
    }[];
    return rows.map((r) => ({ id: Number(r.id), content: r.content }));
  }

  /** Deletes delivered messages (call only after they were written to the client). */
  remove(clientAddress: string, ids: readonly number[]): void {
    if (ids.length === 0) return;
    transaction(this.#db, () => {
      // Chunked IN lists keep each statement well under SQLite's parameter limit.
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        this.#db.prepare(
          `DELETE FROM message_store WHERE client_address_bs58 = ? AND id IN (${
            chunk.map(() => "?").join(",")
          })`,
        ).run(clientAddress, ...chunk);
      }
    });
    const n = this.#counts.get(clientAddress);
    if (n !== undefined) this.#counts.set(clientAddress, Math.max(0, n - ids.length));
    this.counters.delivered += ids.length;
  }

  /** Messages waiting for a client. */
  countFor(clientAddress: string): number {
    return this.#countFor(clientAddress);
  }

  /** Messages waiting in total. */
  totalStored(): number {
    return Number((this.#total.get() as { n: number }).n);
  }

  /** Deletes messages older than `maxAgeMs`; returns how many. */
  expire(maxAgeMs: number): number {
    const result = this.#expire.run(this.#clock.now() - maxAgeMs);
    const removed = Number(result.changes);
    if (removed > 0) this.#counts.clear();
    this.counters.expired += removed;
    return removed;
  }

  /** Deletes everything stored for a client (ForgetMe). */
  clear(clientAddress: string): void {
    this.#clear.run(clientAddress);
    this.#counts.set(clientAddress, 0);
  }
}
