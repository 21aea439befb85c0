/**
 * The directory's SQLite database (`node:sqlite`, WAL): registered nodes with the node ids the
 * directory assigned (AUTOINCREMENT, so ids are stable across restarts and never reused), each
 * node's last verified description and health, the role assignment, and small settings such as
 * the epoch start. Other processes (`nym-node directory add-node`) may write registrations
 * while the directory runs; it re-reads them every polling round.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../util/sqlite.ts";
import { dirname } from "node:path";
import type { AssignedRole } from "./assignment.ts";

/** Thrown when the database cannot be opened, migrated or written. */
export class DirectoryStoreError extends Error {
  override name = "DirectoryStoreError";
}

/** A registered node. */
export interface NodeRegistration {
  /** Directory-assigned node id. */
  readonly nodeId: number;
  /** IP or DNS name of the node's HTTP API. */
  readonly host: string;
  /** Port of the node's HTTP API. */
  readonly httpPort: number;
  /** Pinned identity (given at registration or learned at the first good poll), if any. */
  readonly identity: string | null;
  /** Unix ms of registration. */
  readonly addedAtMs: number;
}

/** Health of a node. */
export type NodeStatus = "pending" | "up" | "down" | "gone" | "refused";

/** What the directory remembers about a node between polls (and restarts). */
export interface NodeStateRecord {
  readonly status: NodeStatus;
  /** JSON of the last verified description (`describe.ts` `NodeDescription`), if any. */
  readonly description: string | null;
  readonly lastPolledMs: number | null;
  readonly lastSuccessMs: number | null;
  readonly downSinceMs: number | null;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
}

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE nodes (
    node_id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    http_port INTEGER NOT NULL,
    identity TEXT UNIQUE,
    added_at INTEGER NOT NULL,
    UNIQUE (host, http_port)
  );
  CREATE TABLE node_state (
    node_id INTEGER PRIMARY KEY REFERENCES nodes(node_id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    description TEXT,
    last_polled INTEGER,
    last_success INTEGER,
    down_since INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );
  CREATE TABLE assignment (
    node_id INTEGER PRIMARY KEY REFERENCES nodes(node_id) ON DELETE CASCADE,
    role TEXT NOT NULL
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
];

type Row = Record<string, unknown>;

function registration(row: Row): NodeRegistration {
  return {
    nodeId: Number(row.node_id),
    host: String(row.host),
    httpPort: Number(row.http_port),
    identity: row.identity === null ? null : String(row.identity),
    addedAtMs: Number(row.added_at),
  };
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * The directory database.
 *
 * @example
 * ```ts
 * import { DirectoryStore } from "./store.ts";
 * const store = DirectoryStore.open(":memory:");
 * const node = store.addNode({ host: "127.0.0.1", httpPort: 8080, identity: null }, 0);
 * node.nodeId; // 1
 * store.close();
 * ```
 */
export class DirectoryStore {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Opens (creating and migrating) the database at `path` (`":memory:"` for tests). */
  static open(path: string): DirectoryStore {
    if (path !== ":memory:") {
      try {
        Deno.mkdirSync(dirname(path), { recursive: true });
      } catch (error) {
        throw new DirectoryStoreError(
          `cannot create ${dirname(path)}: ${(error as Error).message}`,
        );
      }
    }
    return new DirectoryStore(openDatabase(path, {
      what: "directory database",
      migrations: MIGRATIONS,
      foreignKeys: true,
      error: (message) => new DirectoryStoreError(message),
    }));
  }

  #tx<T>(fn: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.#db.exec("COMMIT");
      return out;
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * Registers a node, or updates an existing registration: a known identity keeps its node id
   * (its address is updated), a known address gets the given identity. Returns the registration
   * and whether it is new.
   */
  addNode(
    node: { readonly host: string; readonly httpPort: number; readonly identity: string | null },
    nowMs: number,
  ): NodeRegistration & { readonly created: boolean } {
    return this.#tx(() => {
      const byIdentity = node.identity === null
        ? undefined
        : this.#db.prepare("SELECT * FROM nodes WHERE identity = ?").get(node.identity) as
          | Row
          | undefined;
      const byAddress = this.#db.prepare("SELECT * FROM nodes WHERE host = ? AND http_port = ?")
        .get(node.host, node.httpPort) as Row | undefined;
      if (byIdentity) {
        const id = Number(byIdentity.node_id);
        if (byAddress && Number(byAddress.node_id) !== id) {
          // The address now belongs to the node with this identity.
          this.#db.prepare("DELETE FROM nodes WHERE node_id = ?").run(Number(byAddress.node_id));
        }
        this.#db.prepare("UPDATE nodes SET host = ?, http_port = ? WHERE node_id = ?").run(
          node.host,
          node.httpPort,
          id,
        );
        return { ...this.node(id)!, created: false };
      }
      if (byAddress) {
        const id = Number(byAddress.node_id);
        if (node.identity !== null && byAddress.identity !== node.identity) {
          this.#db.prepare("UPDATE nodes SET identity = ? WHERE node_id = ?").run(
            node.identity,
            id,
          );
          this.#db.prepare("DELETE FROM node_state WHERE node_id = ?").run(id);
        }
        return { ...this.node(id)!, created: false };
      }
      const result = this.#db.prepare(
        "INSERT INTO nodes (host, http_port, identity, added_at) VALUES (?, ?, ?, ?)",
      ).run(node.host, node.httpPort, node.identity, nowMs);
      return { ...this.node(Number(result.lastInsertRowid))!, created: true };
    });
  }

  /** Removes a node (its state and role go with it). Returns whether it existed. */
  removeNode(nodeId: number): boolean {
    return Number(this.#db.prepare("DELETE FROM nodes WHERE node_id = ?").run(nodeId).changes) > 0;
  }

  /** One registration. */
  node(nodeId: number): NodeRegistration | null {
    const row = this.#db.prepare("SELECT * FROM nodes WHERE node_id = ?").get(nodeId) as
      | Row
      | undefined;
    return row ? registration(row) : null;
  }

  /** All registrations, by node id. */
  listNodes(): NodeRegistration[] {
    return (this.#db.prepare("SELECT * FROM nodes ORDER BY node_id").all() as Row[]).map(
      registration,
    );
  }

  /** Pins the identity of a node registered without one. */
  pinIdentity(nodeId: number, identity: string): void {
    this.#db.prepare("UPDATE nodes SET identity = ? WHERE node_id = ? AND identity IS NULL").run(
      identity,
      nodeId,
    );
  }

  /** Saves a node's state. */
  saveState(nodeId: number, state: NodeStateRecord): void {
    this.#db.prepare(
      `INSERT INTO node_state (node_id, status, description, last_polled, last_success, down_since,
         consecutive_failures, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id) DO UPDATE SET status = excluded.status,
         description = excluded.description, last_polled = excluded.last_polled,
         last_success = excluded.last_success, down_since = excluded.down_since,
         consecutive_failures = excluded.consecutive_failures, last_error = excluded.last_error`,
    ).run(
      nodeId,
      state.status,
      state.description,
      state.lastPolledMs,
      state.lastSuccessMs,
      state.downSinceMs,
      state.consecutiveFailures,
      state.lastError,
    );
  }

  /** Every saved node state. */
  loadStates(): Map<number, NodeStateRecord> {
    const out = new Map<number, NodeStateRecord>();
    for (const row of this.#db.prepare("SELECT * FROM node_state").all() as Row[]) {
      out.set(Number(row.node_id), {
        status: String(row.status) as NodeStatus,
        description: row.description === null ? null : String(row.description),
        lastPolledMs: num(row.last_polled),
        lastSuccessMs: num(row.last_success),
        downSinceMs: num(row.down_since),
        consecutiveFailures: Number(row.consecutive_failures),
        lastError: row.last_error === null ? null : String(row.last_error),
      });
    }
    return out;
  }

  /** The saved role assignment and the epoch it was made for. */
  loadAssignment(): { epochId: number | null; roles: Map<number, AssignedRole> } {
    const roles = new Map<number, AssignedRole>();
    for (const row of this.#db.prepare("SELECT * FROM assignment").all() as Row[]) {
      roles.set(Number(row.node_id), String(row.role) as AssignedRole);
    }
    const epoch = this.getMeta("assignment_epoch");
    return { epochId: epoch === null ? null : Number(epoch), roles };
  }

  /** Replaces the role assignment. */
  saveAssignment(epochId: number, roles: ReadonlyMap<number, AssignedRole>): void {
    this.#tx(() => {
      this.#db.exec("DELETE FROM assignment");
      const insert = this.#db.prepare(
        "INSERT INTO assignment (node_id, role) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM nodes WHERE node_id = ?)",
      );
      for (const [nodeId, role] of roles) insert.run(nodeId, role, nodeId);
      this.#setMeta("assignment_epoch", String(epochId));
    });
  }

  /** A setting, or `null`. */
  getMeta(key: string): string | null {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      | Row
      | undefined;
    return row ? String(row.value) : null;
  }

  /** Stores a setting. */
  setMeta(key: string, value: string): void {
    this.#setMeta(key, value);
  }

  #setMeta(key: string, value: string): void {
    this.#db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(key, value);
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }
}
