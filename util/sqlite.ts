/**
 * Opening a versioned SQLite database (`node:sqlite`): WAL journal, a busy timeout, and forward
 * migrations tracked in `PRAGMA user_version`, each applied in its own transaction so a crash
 * mid-migration leaves the previous version intact. Every store of the node (gateway mailbox and
 * client keys, directory, signer, spent tickets) opens its file through here.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/** How a database is opened. */
export interface OpenDatabaseOptions {
  /** Human name used in error messages, e.g. `"gateway database"`. */
  readonly what: string;
  /** SQL of each schema version, in order; version n is `migrations[n - 1]`. */
  readonly migrations: readonly string[];
  /**
   * `FULL` for data that must survive a power cut the moment a call returns (spent tickets,
   * issued credentials); `NORMAL` (the default) is durable across process crashes in WAL mode.
   */
  readonly synchronous?: "FULL" | "NORMAL";
  /** Enables `PRAGMA foreign_keys`. */
  readonly foreignKeys?: boolean;
  /** Builds the store's own typed error from a message. */
  readonly error: (message: string) => Error;
}

/**
 * Opens (creating if needed) and migrates the database at `path` (`":memory:"` for tests).
 * Failures, including a file written by a newer binary, throw `options.error(message)` and never
 * leave the database half-migrated.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./sqlite.ts";
 * const db = openDatabase(":memory:", {
 *   what: "example database",
 *   migrations: ["CREATE TABLE t (x INTEGER)"],
 *   error: (m) => new Error(m),
 * });
 * db.close();
 * ```
 */
export function openDatabase(path: string, options: OpenDatabaseOptions): DatabaseSync {
  const { what, migrations, error } = options;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (e) {
    throw error(`cannot open ${what} ${path}: ${(e as Error).message}`);
  }
  let refused: Error | undefined;
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}`);
    if (options.foreignKeys) db.exec("PRAGMA foreign_keys = ON");
    const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
    const current = row.user_version;
    if (current > migrations.length) {
      refused = error(
        `${what} ${path} has schema version ${current}, newer than this binary supports (${migrations.length})`,
      );
      throw refused;
    }
    for (let v = current; v < migrations.length; v++) {
      db.exec("BEGIN IMMEDIATE");
      try {
        db.exec(migrations[v]);
        db.exec(`PRAGMA user_version = ${v + 1}`);
        db.exec("COMMIT");
      } catch (e) {
        db.exec("ROLLBACK");
        refused = error(`migration ${v + 1} of ${what} ${path} failed: ${(e as Error).message}`);
        throw refused;
      }
    }
  } catch (e) {
    db.close();
    if (e === refused) throw e;
    throw error(`cannot initialise ${what} ${path}: ${(e as Error).message}`);
  }
  return db;
}
