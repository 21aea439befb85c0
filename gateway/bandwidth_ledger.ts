/**
 * Client bandwidth held in memory and written back to the database in the background
 * (`nym-node.md` §4.7): a charge per packet must not cost a SQLite write, so consumption is
 * flushed once the unwritten amount passes `maxDeltaBytes`, on a periodic sweep, when the session
 * ends and at shutdown. Increases (claims, tickets) are written at once, so granted bandwidth is
 * never lost.
 *
 * @module
 */
import type { ClientStore } from "./storage/clients.ts";
import type { BandwidthRecord } from "./protocol/mod.ts";

interface Entry {
  record: BandwidthRecord;
  /** Bytes consumed since the last write. */
  unflushed: number;
}

/** In-memory bandwidth with write-behind to the {@linkcode ClientStore}. */
export class BandwidthLedger {
  readonly #store: ClientStore;
  readonly #maxDelta: number;
  readonly #entries = new Map<number, Entry>();

  /**
   * Creates a ledger over `store`.
   *
   * @example
   * ```ts no-eval
   * const ledger = new BandwidthLedger(clientStore, 512 * 1024);
   * ledger.update(clientId, (r) => chargeBandwidth(r, 2413, Date.now()));
   * ```
   */
  constructor(store: ClientStore, maxDeltaBytes: number) {
    this.#store = store;
    this.#maxDelta = maxDeltaBytes;
  }

  #entry(clientId: number): Entry {
    let e = this.#entries.get(clientId);
    if (!e) {
      e = { record: this.#store.bandwidth(clientId), unflushed: 0 };
      this.#entries.set(clientId, e);
    }
    return e;
  }

  /** The client's current bandwidth record. */
  get(clientId: number): BandwidthRecord {
    return this.#entry(clientId).record;
  }

  /** Records consumption (the new, lower record after a charge). */
  consume(clientId: number, record: BandwidthRecord): void {
    const e = this.#entry(clientId);
    e.unflushed += Math.max(0, e.record.available - record.available);
    e.record = record;
    if (e.unflushed >= this.#maxDelta) this.#write(clientId, e);
  }

  /** Records an increase (claim or ticket) and writes it at once. */
  grant(clientId: number, record: BandwidthRecord): void {
    const e = this.#entry(clientId);
    e.record = record;
    this.#write(clientId, e);
  }

  #write(clientId: number, e: Entry): void {
    this.#store.setBandwidth(clientId, e.record);
    e.unflushed = 0;
  }

  /** Writes every client with unwritten consumption. */
  flushAll(): void {
    for (const [id, e] of this.#entries) if (e.unflushed > 0) this.#write(id, e);
  }

  /** Writes and forgets a client (its session ended). */
  release(clientId: number): void {
    const e = this.#entries.get(clientId);
    if (!e) return;
    if (e.unflushed > 0) this.#write(clientId, e);
    this.#entries.delete(clientId);
  }

  /** Forgets a client without writing (ForgetMe removed it). */
  forget(clientId: number): void {
    this.#entries.delete(clientId);
  }
}
