/**
 * A signer's SQLite bookkeeping (`ecash_signer.sqlite`), the subset of nym-api's ecash storage a
 * localnet signer needs: issued partial ticketbooks by deposit (so a retried request gets the
 * same answer and a deposit is never signed twice for different requests), tickets verified for
 * gateways by serial number (double-spend detection on `/verify-ecash-ticket`), and the
 * blacklist of identified double spenders that `/blind-sign` consults.
 *
 * WAL journal, `synchronous = FULL` (issuance and spent-serial records must survive a crash),
 * versioned migrations in `PRAGMA user_version`; timestamps are unix milliseconds.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../util/sqlite.ts";

/**
 * The signer database cannot be opened, migrated or written.
 *
 * @example
 * ```ts
 * import { SignerStorageError } from "./storage.ts";
 * new SignerStorageError("cannot open").name; // "SignerStorageError"
 * ```
 */
export class SignerStorageError extends Error {
  override name = "SignerStorageError";
}

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE issued_ticketbooks (
    deposit_id INTEGER PRIMARY KEY,
    joined_commitment_hash BLOB NOT NULL,
    blinded_signature BLOB NOT NULL,
    ecash_public_key TEXT NOT NULL,
    expiration_date INTEGER NOT NULL,
    ticket_type INTEGER NOT NULL,
    epoch_id INTEGER NOT NULL,
    issued_at INTEGER NOT NULL
  );
  CREATE INDEX issued_ticketbooks_expiration ON issued_ticketbooks (expiration_date);
  CREATE TABLE verified_tickets (
    serial_number BLOB PRIMARY KEY,
    credential BLOB NOT NULL,
    gateway_address TEXT NOT NULL,
    verified_at INTEGER NOT NULL
  );
  CREATE TABLE blacklist (
    public_key TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    added_at INTEGER NOT NULL
  );
  `,
];

/** A stored partial issuance. */
export interface IssuedRecord {
  /** The request's h, to tell a retry from a different request for the same deposit. */
  readonly joinedCommitmentHash: Uint8Array;
  /** `BlindedSignature::to_bytes` (h ‖ c). */
  readonly blindedSignature: Uint8Array;
}

/** A ticket a gateway had verified here. */
export interface VerifiedTicketRecord {
  /** `CredentialSpendingData::to_bytes` of the ticket. */
  readonly credential: Uint8Array;
  /** The gateway that sent it. */
  readonly gatewayAddress: string;
}

/**
 * The signer's database.
 *
 * @example
 * ```ts
 * import { SignerStore } from "./storage.ts";
 * const store = SignerStore.open(":memory:");
 * store.isBlacklisted("abc"); // false
 * store.close();
 * ```
 */
export class SignerStore {
  readonly #db: DatabaseSync;

  /**
   * Opens (creating if needed) and migrates the database at `path` (`":memory:"` for tests).
   *
   * @example
   * ```ts
   * import { SignerStore } from "./storage.ts";
   * const store = SignerStore.open(":memory:");
   * store.close();
   * ```
   */
  static open(path: string): SignerStore {
    // FULL: a deposit used for issuance must stay recorded even after a power cut.
    return new SignerStore(openDatabase(path, {
      what: "signer database",
      migrations: MIGRATIONS,
      synchronous: "FULL",
      error: (message) => new SignerStorageError(message),
    }));
  }

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * The issuance recorded for `depositId`, if any.
   *
   * @example
   * ```ts
   * // const previous = store.issued(42);
   * ```
   */
  issued(depositId: number): IssuedRecord | undefined {
    const row = this.#db.prepare(
      "SELECT joined_commitment_hash, blinded_signature FROM issued_ticketbooks WHERE deposit_id = ?",
    ).get(depositId) as
      | { joined_commitment_hash: Uint8Array; blinded_signature: Uint8Array }
      | undefined;
    if (!row) return undefined;
    return {
      joinedCommitmentHash: new Uint8Array(row.joined_commitment_hash),
      blindedSignature: new Uint8Array(row.blinded_signature),
    };
  }

  /**
   * Records an issuance unless one exists for the deposit already; returns the record that is
   * stored afterwards (the earlier one if two requests raced).
   *
   * @example
   * ```ts
   * // const stored = store.recordIssued({ depositId, ... });
   * ```
   */
  recordIssued(entry: {
    readonly depositId: number;
    readonly joinedCommitmentHash: Uint8Array;
    readonly blindedSignature: Uint8Array;
    readonly ecashPublicKey: string;
    readonly expirationDate: number;
    readonly ticketType: number;
    readonly epochId: bigint;
    readonly issuedAt: number;
  }): IssuedRecord {
    this.#db.prepare(
      `INSERT OR IGNORE INTO issued_ticketbooks (deposit_id, joined_commitment_hash,
         blinded_signature, ecash_public_key, expiration_date, ticket_type, epoch_id, issued_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      entry.depositId,
      entry.joinedCommitmentHash,
      entry.blindedSignature,
      entry.ecashPublicKey,
      entry.expirationDate,
      entry.ticketType,
      Number(entry.epochId),
      entry.issuedAt,
    );
    return this.issued(entry.depositId)!;
  }

  /**
   * Partial ticketbooks issued for each expiration date (unix seconds → count).
   *
   * @example
   * ```ts
   * // store.issuedCounts(); // Map { 1702166400 => 3 }
   * ```
   */
  issuedCounts(): Map<number, number> {
    const rows = this.#db.prepare(
      "SELECT expiration_date, COUNT(*) AS n FROM issued_ticketbooks GROUP BY expiration_date",
    ).all() as { expiration_date: number; n: number }[];
    return new Map(rows.map((r) => [Number(r.expiration_date), Number(r.n)]));
  }

  /**
   * The ticket verified earlier under `serialNumber`, if any.
   *
   * @example
   * ```ts
   * // const previous = store.verifiedTicket(serial);
   * ```
   */
  verifiedTicket(serialNumber: Uint8Array): VerifiedTicketRecord | undefined {
    const row = this.#db.prepare(
      "SELECT credential, gateway_address FROM verified_tickets WHERE serial_number = ?",
    ).get(serialNumber) as { credential: Uint8Array; gateway_address: string } | undefined;
    if (!row) return undefined;
    return { credential: new Uint8Array(row.credential), gatewayAddress: row.gateway_address };
  }

  /**
   * Stores a verified ticket; `false` if its serial number was stored already (a parallel
   * request won).
   *
   * @example
   * ```ts
   * // if (!store.recordVerifiedTicket(serial, bytes, gateway, Date.now())) reject("replayed");
   * ```
   */
  recordVerifiedTicket(
    serialNumber: Uint8Array,
    credential: Uint8Array,
    gatewayAddress: string,
    verifiedAt: number,
  ): boolean {
    const result = this.#db.prepare(
      `INSERT OR IGNORE INTO verified_tickets (serial_number, credential, gateway_address, verified_at)
       VALUES (?, ?, ?, ?)`,
    ).run(serialNumber, credential, gatewayAddress, verifiedAt);
    return Number(result.changes) === 1;
  }

  /**
   * Whether an e-cash public key (base58) is blacklisted.
   *
   * @example
   * ```ts
   * // if (store.isBlacklisted(pkBs58)) refuse();
   * ```
   */
  isBlacklisted(publicKey: string): boolean {
    return this.#db.prepare("SELECT 1 FROM blacklist WHERE public_key = ?").get(publicKey) !==
      undefined;
  }

  /**
   * Blacklists an e-cash public key (idempotent).
   *
   * @example
   * ```ts
   * // store.blacklist(pkBs58, "double spend of serial …", Date.now());
   * ```
   */
  blacklist(publicKey: string, reason: string, addedAt: number): void {
    this.#db.prepare(
      "INSERT OR IGNORE INTO blacklist (public_key, reason, added_at) VALUES (?, ?, ?)",
    ).run(publicKey, reason, addedAt);
  }

  /**
   * Closes the database.
   *
   * @example
   * ```ts
   * // store.close();
   * ```
   */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
