/**
 * The gateway's SQLite database (`clients.sqlite`, `nym-node.md` §4.9): client shared keys,
 * bandwidth, and the offline mailbox. WAL journal, `synchronous = NORMAL`, versioned migrations
 * in `PRAGMA user_version`.
 *
 * The schema follows nym-node's tables where they exist, with two deliberate differences:
 * timestamps are integer Unix milliseconds (so tests can inject a clock), and `message_store`
 * has an index on `(client_address_bs58, id)` for the paged delivery query.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../util/sqlite.ts";

/** Thrown when the database file cannot be opened or migrated. */
export class GatewayStorageError extends Error {
  override name = "GatewayStorageError";
}

const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_type TEXT NOT NULL CHECK (client_type IN ('entry_mixnet', 'exit_mixnet', 'entry_wireguard', 'exit_wireguard'))
  );
  CREATE TABLE shared_keys (
    client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    client_address_bs58 TEXT NOT NULL UNIQUE,
    derived_aes256_gcm_siv_key BLOB NOT NULL,
    last_used_authentication INTEGER
  );
  CREATE TABLE available_bandwidth (
    client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    available INTEGER NOT NULL,
    expiration INTEGER
  );
  CREATE TABLE message_store (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_address_bs58 TEXT NOT NULL,
    content BLOB NOT NULL,
    timestamp INTEGER NOT NULL
  );
  CREATE INDEX message_store_client_id ON message_store (client_address_bs58, id);
  CREATE INDEX message_store_timestamp ON message_store (timestamp);
  `,
];

/**
 * Opens (creating if needed) and migrates the database at `path` (`":memory:"` for tests).
 *
 * @example
 * ```ts
 * import { openGatewayDatabase } from "./database.ts";
 * const db = openGatewayDatabase(":memory:");
 * db.close();
 * ```
 */
export function openGatewayDatabase(path: string): DatabaseSync {
  return openDatabase(path, {
    what: "gateway database",
    migrations: MIGRATIONS,
    foreignKeys: true,
    error: (message) => new GatewayStorageError(message),
  });
}

/**
 * Runs `fn` in a transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error).
 *
 * @example
 * ```ts
 * import { openGatewayDatabase, transaction } from "./database.ts";
 * const db = openGatewayDatabase(":memory:");
 * transaction(db, () => db.exec("SELECT 1"));
 * ```
 */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}
