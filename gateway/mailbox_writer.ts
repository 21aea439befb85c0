/**
 * Batches final-hop messages for offline clients into the mailbox (`gateway/storage/mailbox.ts`):
 * one SQLite transaction per batch, flushed when `batchSize` entries are waiting or `flushDelayMs`
 * after the first one. The pending buffer is bounded; when the database cannot keep up, new
 * messages are dropped and counted rather than held in memory without limit.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Mailbox, MailboxEntry } from "./storage/mailbox.ts";

/** Options of {@linkcode MailboxWriter}. */
export interface MailboxWriterOptions {
  readonly batchSize: number;
  readonly flushDelayMs: number;
  /** Entries held in memory at most while waiting for a flush. */
  readonly maxPending: number;
}

const log = getLogger(["nym-node", "gateway", "mailbox"]);

/** Write-behind batching for the mailbox. */
export class MailboxWriter {
  readonly #mailbox: Mailbox;
  readonly #o: MailboxWriterOptions;
  #pending: MailboxEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Messages dropped because the pending buffer was full. */
  droppedPending = 0;
  /** Batches whose transaction failed (their messages are lost and counted here). */
  failedWrites = 0;

  /**
   * Creates a writer over `mailbox`.
   *
   * @example
   * ```ts no-eval
   * const writer = new MailboxWriter(mailbox, { batchSize: 500, flushDelayMs: 5, maxPending: 50_000 });
   * writer.enqueue({ clientAddress, content });
   * ```
   */
  constructor(mailbox: Mailbox, options: MailboxWriterOptions) {
    this.#mailbox = mailbox;
    this.#o = options;
  }

  /** Messages waiting to be written. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Queues a message; returns false (and counts it) when the buffer is full or closed. */
  enqueue(entry: MailboxEntry): boolean {
    if (this.#closed || this.#pending.length >= this.#o.maxPending) {
      this.droppedPending++;
      return false;
    }
    this.#pending.push(entry);
    if (this.#pending.length >= this.#o.batchSize) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#o.flushDelayMs);
    }
    return true;
  }

  /** Writes everything pending now (synchronously: node:sqlite is synchronous). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#o.batchSize);
      try {
        this.#mailbox.store(batch);
      } catch (e) {
        this.failedWrites++;
        log.error("storing {count} offline messages failed: {error}", {
          count: batch.length,
          error: (e as Error).message,
        });
      }
    }
  }

  /** Flushes and stops accepting messages. */
  close(): void {
    this.flush();
    this.#closed = true;
  }
}
