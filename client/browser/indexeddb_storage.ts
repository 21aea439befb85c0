/**
 * Client state in IndexedDB, for the browser bundle: the same three things the Deno file store
 * keeps (`clients.md` §1.1 — the wasm client also keeps them in IndexedDB): the client's keys,
 * its gateway registration and its reply state. One database per client identity, one object
 * store `client` with three records:
 *
 * - `keys`: `{ version: 1, identitySecretKey, identityPublicKey, encryptionSecretKey,
 *   encryptionPublicKey, ackKey }` (`Uint8Array`s, stored as structured clones);
 * - `gateway_registration`: `{ version: 1, gatewayIdentity, gatewayUrl, sharedKey,
 *   registeredAtMs }`;
 * - `reply_state`: the core's reply-state JSON text.
 *
 * As the file store does, it never replaces stored keys (a second `storeKeys` is an error), and a
 * record that does not have the expected shape is a {@linkcode ClientStorageError} naming it,
 * never a reason to make new keys. Key and registration writes ask for `strict` durability
 * (flushed before the transaction completes) where the browser supports it.
 *
 * @module
 */
import { ClientStorageError } from "../errors.ts";
import type { ClientKeys } from "../keys.ts";
import type { ClientStorage, GatewayRegistration } from "../storage/storage.ts";
import {
  type IdbDatabase,
  type IdbFactory,
  type IdbRequest,
  type IdbTransaction,
  platformIndexedDb,
} from "./idb_types.ts";

/** The default database name. */
export const DEFAULT_CLIENT_DATABASE = "nym-client";

/** The database schema version (`IDBFactory.open`'s version). */
const DB_VERSION = 1;
/** The object store holding every record. */
const STORE = "client";
/** Version of the records' own layout. */
const RECORD_VERSION = 1;

/** Record keys in the `client` object store. */
export const CLIENT_DATABASE_RECORDS = {
  keys: "keys",
  gatewayRegistration: "gateway_registration",
  replyState: "reply_state",
} as const;

/** Options of {@linkcode IndexedDbClientStorage}. */
export interface IndexedDbClientStorageOptions {
  /** The database name: one client identity per database. Default `"nym-client"`. */
  readonly name?: string;
  /** The IndexedDB factory. Default: the platform's `indexedDB`. */
  readonly indexedDB?: IdbFactory;
}

function request<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("request failed"));
  });
}

function completion(tx: IdbTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
  });
}

function errorText(e: unknown): string {
  if (e instanceof Error || e instanceof DOMException) return `${e.name}: ${e.message}`;
  return String(e);
}

function bytesField(record: Record<string, unknown>, field: string, length: number): Uint8Array {
  const value = record[field];
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new Error(`${field} is not ${length} bytes`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A client's state in an IndexedDB database. The connection opens on first use and closes when
 * another tab upgrades or deletes the database (it reopens on the next use).
 *
 * @example
 * ```ts no-eval
 * import { IndexedDbClientStorage } from "./indexeddb_storage.ts";
 * const storage = new IndexedDbClientStorage({ name: "my-app-nym-client" });
 * await storage.loadKeys(); // null for a new client
 * storage.close();
 * ```
 */
export class IndexedDbClientStorage implements ClientStorage {
  /** The database name. */
  readonly name: string;
  readonly #factory: IdbFactory | undefined;
  #db: Promise<IdbDatabase> | null = null;
  #closed = false;

  /**
   * Uses the database `options.name` (created on first use).
   *
   * @throws {ClientStorageError} (from the first operation, not here) where IndexedDB is missing.
   */
  constructor(options: IndexedDbClientStorageOptions = {}) {
    this.name = options.name ?? DEFAULT_CLIENT_DATABASE;
    this.#factory = options.indexedDB ?? platformIndexedDb();
  }

  /**
   * Deletes a client's database (its keys: the address is gone for good). Connections of this
   * page close on their own; it waits while another tab keeps one open.
   *
   * @example
   * ```ts no-eval
   * await IndexedDbClientStorage.delete("my-app-nym-client");
   * ```
   * @throws {ClientStorageError} if IndexedDB is missing or refuses.
   */
  static async delete(
    name: string = DEFAULT_CLIENT_DATABASE,
    factory: IdbFactory | undefined = platformIndexedDb(),
  ): Promise<void> {
    if (factory === undefined) throw new ClientStorageError("IndexedDB is not available here");
    try {
      await request(factory.deleteDatabase(name));
    } catch (e) {
      throw new ClientStorageError(
        `cannot delete the IndexedDB database "${name}": ${errorText(e)}`,
      );
    }
  }

  /** Closes the connection; later operations fail. */
  close(): void {
    this.#closed = true;
    const db = this.#db;
    this.#db = null;
    db?.then((d) => d.close(), () => {});
  }

  #open(): Promise<IdbDatabase> {
    if (this.#closed) {
      return Promise.reject(
        new ClientStorageError(`the IndexedDB store "${this.name}" is closed`),
      );
    }
    if (this.#db !== null) return this.#db;
    const factory = this.#factory;
    if (factory === undefined) {
      return Promise.reject(new ClientStorageError("IndexedDB is not available here"));
    }
    const opening = new Promise<IdbDatabase>((resolve, reject) => {
      let req: ReturnType<IdbFactory["open"]>;
      try {
        req = factory.open(this.name, DB_VERSION);
      } catch (e) {
        // e.g. SecurityError in an opaque-origin frame.
        reject(new ClientStorageError(`cannot open "${this.name}": ${errorText(e)}`));
        return;
      }
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab deletes or upgrades the database: let it, reopen on the next use.
        db.onversionchange = () => {
          db.close();
          if (this.#db === opening) this.#db = null;
        };
        if (this.#closed) db.close();
        resolve(db);
      };
      req.onerror = () => {
        reject(
          new ClientStorageError(
            `cannot open the IndexedDB database "${this.name}": ${errorText(req.error)}`,
          ),
        );
      };
    });
    this.#db = opening;
    opening.catch(() => {
      if (this.#db === opening) this.#db = null;
    });
    return opening;
  }

  async #get(key: string): Promise<unknown> {
    const db = await this.#open();
    try {
      const tx = db.transaction(STORE, "readonly");
      return await request(tx.objectStore(STORE).get(key));
    } catch (e) {
      throw new ClientStorageError(`cannot read "${key}" from "${this.name}": ${errorText(e)}`);
    }
  }

  async #write(
    op: "add" | "put" | "delete",
    key: string,
    value?: unknown,
    durability: "default" | "strict" = "default",
  ): Promise<void> {
    const db = await this.#open();
    let tx: IdbTransaction;
    try {
      tx = db.transaction(STORE, "readwrite", { durability });
    } catch (e) {
      throw new ClientStorageError(`cannot write "${key}" to "${this.name}": ${errorText(e)}`);
    }
    const done = completion(tx);
    try {
      const store = tx.objectStore(STORE);
      const req = op === "add"
        ? store.add(value, key)
        : op === "put"
        ? store.put(value, key)
        : store.delete(key);
      // The failed request aborts the transaction; its error is reported through `done`.
      req.onerror = (event) => event.stopPropagation();
      await done;
    } catch (e) {
      done.catch(() => {});
      if (op === "add" && (e as DOMException)?.name === "ConstraintError") {
        throw new ClientStorageError(
          `"${this.name}" already holds "${key}"; refusing to replace it`,
        );
      }
      throw new ClientStorageError(`cannot write "${key}" to "${this.name}": ${errorText(e)}`);
    }
  }

  #corrupt(key: string, reason: string): ClientStorageError {
    return new ClientStorageError(`the "${key}" record in "${this.name}" is corrupt: ${reason}`);
  }

  /** @inheritdoc */
  async loadKeys(): Promise<ClientKeys | null> {
    const key = CLIENT_DATABASE_RECORDS.keys;
    const raw = await this.#get(key);
    if (raw === undefined) return null;
    try {
      if (!isRecord(raw) || raw.version !== RECORD_VERSION) throw new Error("unknown layout");
      return {
        identity: {
          secretKey: bytesField(raw, "identitySecretKey", 32),
          publicKey: bytesField(raw, "identityPublicKey", 32),
        },
        encryption: {
          secretKey: bytesField(raw, "encryptionSecretKey", 32),
          publicKey: bytesField(raw, "encryptionPublicKey", 32),
        },
        ackKey: bytesField(raw, "ackKey", 16),
      };
    } catch (e) {
      throw this.#corrupt(key, (e as Error).message);
    }
  }

  /** @inheritdoc */
  storeKeys(keys: ClientKeys): Promise<void> {
    return this.#write("add", CLIENT_DATABASE_RECORDS.keys, {
      version: RECORD_VERSION,
      identitySecretKey: keys.identity.secretKey.slice(),
      identityPublicKey: keys.identity.publicKey.slice(),
      encryptionSecretKey: keys.encryption.secretKey.slice(),
      encryptionPublicKey: keys.encryption.publicKey.slice(),
      ackKey: keys.ackKey.slice(),
    }, "strict");
  }

  /** @inheritdoc */
  async loadGatewayRegistration(): Promise<GatewayRegistration | null> {
    const key = CLIENT_DATABASE_RECORDS.gatewayRegistration;
    const raw = await this.#get(key);
    if (raw === undefined) return null;
    try {
      if (!isRecord(raw) || raw.version !== RECORD_VERSION) throw new Error("unknown layout");
      const { gatewayUrl, registeredAtMs } = raw;
      if (typeof gatewayUrl !== "string") throw new Error("gatewayUrl is not a string");
      if (typeof registeredAtMs !== "number" || !Number.isFinite(registeredAtMs)) {
        throw new Error("registeredAtMs is not a number");
      }
      return {
        gatewayIdentity: bytesField(raw, "gatewayIdentity", 32),
        gatewayUrl,
        sharedKey: bytesField(raw, "sharedKey", 32),
        registeredAtMs,
      };
    } catch (e) {
      throw this.#corrupt(key, (e as Error).message);
    }
  }

  /** @inheritdoc */
  storeGatewayRegistration(registration: GatewayRegistration): Promise<void> {
    return this.#write("put", CLIENT_DATABASE_RECORDS.gatewayRegistration, {
      version: RECORD_VERSION,
      gatewayIdentity: registration.gatewayIdentity.slice(),
      gatewayUrl: registration.gatewayUrl,
      sharedKey: registration.sharedKey.slice(),
      registeredAtMs: registration.registeredAtMs,
    }, "strict");
  }

  /** @inheritdoc */
  removeGatewayRegistration(): Promise<void> {
    return this.#write("delete", CLIENT_DATABASE_RECORDS.gatewayRegistration, undefined, "strict");
  }

  /** @inheritdoc */
  async loadReplyState(): Promise<string | null> {
    const key = CLIENT_DATABASE_RECORDS.replyState;
    const raw = await this.#get(key);
    if (raw === undefined) return null;
    if (typeof raw !== "string") throw this.#corrupt(key, "not a string");
    return raw;
  }

  /** @inheritdoc */
  storeReplyState(json: string): Promise<void> {
    return this.#write("put", CLIENT_DATABASE_RECORDS.replyState, json);
  }
}
