/**
 * The gateway's durable record of spent tickets (`tickets.sqlite` in the node's data directory,
 * its own file beside `clients.sqlite`): every accepted ticket by serial number with its full
 * bytes, PayInfo and spender, and the evidence of every double spend — both payments and the
 * public key `identify` recovered. `synchronous = FULL`: an accepted serial is on disk before the
 * bandwidth is granted, so a replay is refused even after a crash or restart.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../util/sqlite.ts";

/**
 * The ticket database cannot be opened, migrated or written.
 *
 * @example
 * ```ts
 * import { TicketStoreError } from "./spent_store.ts";
 * new TicketStoreError("cannot open").name; // "TicketStoreError"
 * ```
 */
export class TicketStoreError extends Error {
  override name = "TicketStoreError";
}

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE spent_tickets (
    serial_number BLOB PRIMARY KEY,
    pay_info BLOB NOT NULL,
    credential BLOB NOT NULL,
    client_address TEXT NOT NULL,
    epoch_id INTEGER NOT NULL,
    ticket_type INTEGER NOT NULL,
    spend_date INTEGER NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX spent_tickets_pay_info ON spent_tickets (pay_info);
  CREATE INDEX spent_tickets_spend_date ON spent_tickets (spend_date);
  CREATE TABLE double_spends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    serial_number BLOB NOT NULL,
    first_credential BLOB NOT NULL,
    first_client_address TEXT NOT NULL,
    second_credential BLOB NOT NULL,
    second_client_address TEXT NOT NULL,
    public_key TEXT,
    detected_at INTEGER NOT NULL
  );
  `,
];

/** A stored spent ticket. */
export interface SpentTicket {
  /** Its PayInfo. */
  readonly payInfo: Uint8Array;
  /** Its `CredentialSpendingData` bytes. */
  readonly credential: Uint8Array;
  /** The client that spent it. */
  readonly clientAddress: string;
}

/** A new spent ticket. */
export interface SpentTicketEntry extends SpentTicket {
  /** Serial number (concatenated compressed S_k). */
  readonly serialNumber: Uint8Array;
  /** DKG epoch. */
  readonly epochId: bigint;
  /** Ticket type. */
  readonly ticketType: number;
  /** Spend date, unix seconds. */
  readonly spendDate: number;
  /** Unix ms. */
  readonly receivedAt: number;
}

/** Recorded double-spend evidence. */
export interface DoubleSpendRecord {
  /** The reused serial number. */
  readonly serialNumber: Uint8Array;
  /** The ticket accepted first. */
  readonly firstCredential: Uint8Array;
  /** Who spent it first. */
  readonly firstClientAddress: string;
  /** The second payment with the same serial number. */
  readonly secondCredential: Uint8Array;
  /** Who sent it. */
  readonly secondClientAddress: string;
  /** base58 of the spender's e-cash public key, as `identify` recovered it (`null` if not). */
  readonly publicKey: string | null;
  /** Unix ms. */
  readonly detectedAt: number;
}

/**
 * The gateway's spent-ticket database.
 *
 * @example
 * ```ts
 * import { SpentTicketStore } from "./spent_store.ts";
 * const store = SpentTicketStore.open(":memory:");
 * store.count(); // 0
 * store.close();
 * ```
 */
export class SpentTicketStore {
  readonly #db: DatabaseSync;

  /**
   * Opens (creating and migrating) the database at `path` (`":memory:"` for tests).
   *
   * @example
   * ```ts
   * import { SpentTicketStore } from "./spent_store.ts";
   * const store = SpentTicketStore.open(":memory:");
   * store.close();
   * ```
   */
  static open(path: string): SpentTicketStore {
    // FULL: a serial must be on disk before the bandwidth it buys is granted.
    return new SpentTicketStore(openDatabase(path, {
      what: "ticket database",
      migrations: MIGRATIONS,
      synchronous: "FULL",
      error: (message) => new TicketStoreError(message),
    }));
  }

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * The ticket spent under `serialNumber`, if any.
   *
   * @example
   * ```ts no-eval
   * const previous = store.bySerialNumber(serial);
   * ```
   */
  bySerialNumber(serialNumber: Uint8Array): SpentTicket | undefined {
    const row = this.#db.prepare(
      "SELECT pay_info, credential, client_address FROM spent_tickets WHERE serial_number = ?",
    ).get(serialNumber) as
      | { pay_info: Uint8Array; credential: Uint8Array; client_address: string }
      | undefined;
    if (!row) return undefined;
    return {
      payInfo: new Uint8Array(row.pay_info),
      credential: new Uint8Array(row.credential),
      clientAddress: row.client_address,
    };
  }

  /**
   * Whether a ticket with this PayInfo was accepted already.
   *
   * @example
   * ```ts no-eval
   * if (store.hasPayInfo(payInfo)) reject("received payinfo is a duplicate");
   * ```
   */
  hasPayInfo(payInfo: Uint8Array): boolean {
    return this.#db.prepare("SELECT 1 FROM spent_tickets WHERE pay_info = ?").get(payInfo) !==
      undefined;
  }

  /**
   * Records an accepted ticket. Returns `"inserted"`, or what already existed: `"serial"` (the
   * serial number was spent meanwhile) or `"pay-info"` (another ticket used this PayInfo).
   *
   * @example
   * ```ts no-eval
   * if (store.insert(entry) !== "inserted") reject();
   * ```
   */
  insert(entry: SpentTicketEntry): "inserted" | "serial" | "pay-info" {
    try {
      this.#db.prepare(
        `INSERT INTO spent_tickets (serial_number, pay_info, credential, client_address, epoch_id,
           ticket_type, spend_date, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        entry.serialNumber,
        entry.payInfo,
        entry.credential,
        entry.clientAddress,
        Number(entry.epochId),
        entry.ticketType,
        entry.spendDate,
        entry.receivedAt,
      );
      return "inserted";
    } catch (e) {
      const message = (e as Error).message;
      if (!/UNIQUE constraint failed/i.test(message)) {
        throw new TicketStoreError(`cannot record a spent ticket: ${message}`);
      }
      return message.includes("serial_number") ? "serial" : "pay-info";
    }
  }

  /**
   * Stores double-spend evidence.
   *
   * @example
   * ```ts no-eval
   * store.recordDoubleSpend({ serialNumber, firstCredential, firstClientAddress, secondCredential, secondClientAddress, publicKey, detectedAt: Date.now() });
   * ```
   */
  recordDoubleSpend(record: DoubleSpendRecord): void {
    this.#db.prepare(
      `INSERT INTO double_spends (serial_number, first_credential, first_client_address,
         second_credential, second_client_address, public_key, detected_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      record.serialNumber,
      record.firstCredential,
      record.firstClientAddress,
      record.secondCredential,
      record.secondClientAddress,
      record.publicKey,
      record.detectedAt,
    );
  }

  /**
   * Every recorded double spend, oldest first.
   *
   * @example
   * ```ts no-eval
   * for (const d of store.doubleSpends()) console.log(d.publicKey);
   * ```
   */
  doubleSpends(): DoubleSpendRecord[] {
    const rows = this.#db.prepare(
      `SELECT serial_number, first_credential, first_client_address, second_credential,
         second_client_address, public_key, detected_at FROM double_spends ORDER BY id`,
    ).all() as {
      serial_number: Uint8Array;
      first_credential: Uint8Array;
      first_client_address: string;
      second_credential: Uint8Array;
      second_client_address: string;
      public_key: string | null;
      detected_at: number;
    }[];
    return rows.map((r) => ({
      serialNumber: new Uint8Array(r.serial_number),
      firstCredential: new Uint8Array(r.first_credential),
      firstClientAddress: r.first_client_address,
      secondCredential: new Uint8Array(r.second_credential),
      secondClientAddress: r.second_client_address,
      publicKey: r.public_key,
      detectedAt: Number(r.detected_at),
    }));
  }

  /**
   * Number of spent tickets on record.
   *
   * @example
   * ```ts no-eval
   * store.count(); // 12
   * ```
   */
  count(): number {
    return Number(
      (this.#db.prepare("SELECT COUNT(*) AS n FROM spent_tickets").get() as { n: number }).n,
    );
  }

  /**
   * Forgets tickets spent before `spendDate` (unix seconds); they cannot be replayed anyway,
   * since a gateway only accepts today's tickets. Evidence is kept. Returns how many went.
   *
   * @example
   * ```ts no-eval
   * store.pruneBefore(today - 30 * 86400);
   * ```
   */
  pruneBefore(spendDate: number): number {
    const result = this.#db.prepare("DELETE FROM spent_tickets WHERE spend_date < ?").run(
      spendDate,
    );
    return Number(result.changes);
  }

  /**
   * Closes the database.
   *
   * @example
   * ```ts no-eval
   * store.close();
   * ```
   */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
