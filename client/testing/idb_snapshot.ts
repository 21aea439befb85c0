/**
 * Test support: a JSON snapshot of everything in an IndexedDB factory (databases, versions,
 * object stores with their key paths, key generators and indexes, and every record with its
 * primary key), and its restoration into an empty factory.
 *
 * Why: the real wasm client (`@nymproject/nym-client-wasm-node@1.4.1`) keeps its keys and
 * gateway registration in IndexedDB (`wasm-client-storage-<clientId>`, stores `_cipher_store`,
 * keys, core and the two gateway-registration stores; upstream
 * `common/wasm/client-core/src/storage/mod.rs`). Under Deno that is `fake-indexeddb`, which
 * lives in memory only, so a client process that is killed loses its identity
 * (`/work/notes/wasm-client.md` §4 item 10). Dumping the factory to a file and restoring it into
 * the next process gives the client back its storage, as a browser profile would.
 *
 * Values are whatever the structured-clone algorithm stored (the client writes
 * `serde_wasm_bindgen` output: objects, arrays, `Map`s, numbers, byte arrays), so they are encoded
 * faithfully by {@linkcode encodeCloneable}: `undefined`, `NaN`, `±Infinity`, `-0`, `BigInt`,
 * boxed primitives, `Date`, `RegExp`, `Map`, `Set`, `ArrayBuffer`, `DataView`, every typed array
 * and `Error`s keep their type. Not representable (refused with {@linkcode IdbSnapshotError}):
 * cycles, `Blob`/`File` and other host objects. Two references to one object come back as two
 * equal copies, and a view comes back over its own buffer (the snapshot does not keep sharing).
 *
 * The IndexedDB API is typed structurally here (Deno has no DOM types): `globalThis.indexedDB`
 * after `fake-indexeddb/auto`, `new IDBFactory()` from `fake-indexeddb`, and a browser's factory
 * all fit {@linkcode SnapshotIdbFactory}.
 *
 * @module
 */
import { base64 } from "@scure/base";

/**
 * A snapshot could not be taken, encoded, decoded or restored.
 *
 * @example
 * ```ts
 * import { encodeCloneable, IdbSnapshotError } from "./idb_snapshot.ts";
 * try {
 *   encodeCloneable({ run: () => 1 });
 * } catch (e) {
 *   e instanceof IdbSnapshotError; // true: functions cannot be stored
 * }
 * ```
 */
export class IdbSnapshotError extends Error {
  override name = "IdbSnapshotError";
}

/** A JSON value (the encoded form of one structured-clone value). */
export type EncodedValue =
  | null
  | boolean
  | number
  | string
  | EncodedValue[]
  | { readonly $: string; readonly [field: string]: unknown };

/** One index of an object store. */
export interface IndexSnapshot {
  readonly name: string;
  readonly keyPath: string | string[];
  readonly unique: boolean;
  readonly multiEntry: boolean;
}

/** One record: its primary key and its value, both encoded. */
export interface RecordSnapshot {
  readonly key: EncodedValue;
  readonly value: EncodedValue;
}

/** One object store. */
export interface StoreSnapshot {
  readonly name: string;
  /** `null` for out-of-line keys. */
  readonly keyPath: string | string[] | null;
  readonly autoIncrement: boolean;
  readonly indexes: IndexSnapshot[];
  /** In primary-key order. */
  readonly records: RecordSnapshot[];
}

/** One database. */
export interface DatabaseSnapshot {
  readonly name: string;
  readonly version: number;
  readonly stores: StoreSnapshot[];
}

/** Everything in one IndexedDB factory. */
export interface IdbSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly databases: DatabaseSnapshot[];
}

/**
 * The `format` tag of {@linkcode IdbSnapshot}.
 *
 * @example
 * ```ts
 * import { SNAPSHOT_FORMAT } from "./idb_snapshot.ts";
 * const empty = { format: SNAPSHOT_FORMAT, databases: [] };
 * ```
 */
export const SNAPSHOT_FORMAT = "idb-snapshot/1";

// --- the structural subset of the IndexedDB API used here ---------------------------------

/** An `IDBRequest`. */
export interface SnapshotIdbRequest<T> {
  readonly result: T;
  readonly error: DOMException | null;
  onsuccess: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
}

/** An `IDBOpenDBRequest`. */
export interface SnapshotIdbOpenRequest<T> extends SnapshotIdbRequest<T> {
  readonly transaction: SnapshotIdbTransaction | null;
  onupgradeneeded: ((event: Event) => void) | null;
  onblocked: ((event: Event) => void) | null;
}

/** An `IDBCursorWithValue`. */
export interface SnapshotIdbCursor {
  readonly primaryKey: unknown;
  readonly value: unknown;
  continue(): void;
}

/** An `IDBIndex`. */
export interface SnapshotIdbIndex {
  readonly keyPath: string | string[];
  readonly unique: boolean;
  readonly multiEntry: boolean;
}

/** An `IDBObjectStore`. */
export interface SnapshotIdbObjectStore {
  readonly keyPath: string | string[] | null;
  readonly autoIncrement: boolean;
  readonly indexNames: ArrayLike<string>;
  index(name: string): SnapshotIdbIndex;
  createIndex(
    name: string,
    keyPath: string | string[],
    options: { unique: boolean; multiEntry: boolean },
  ): unknown;
  openCursor(): SnapshotIdbRequest<SnapshotIdbCursor | null>;
  put(value: unknown, key?: unknown): SnapshotIdbRequest<unknown>;
}

/** An `IDBTransaction`. */
export interface SnapshotIdbTransaction {
  readonly error: DOMException | null;
  objectStore(name: string): SnapshotIdbObjectStore;
  abort(): void;
  oncomplete: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  onabort: ((event: Event) => void) | null;
}

/** An `IDBDatabase`. */
export interface SnapshotIdbDatabase {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: ArrayLike<string>;
  createObjectStore(
    name: string,
    options: { keyPath: string | string[] | null; autoIncrement: boolean },
  ): SnapshotIdbObjectStore;
  transaction(names: string[], mode: "readonly" | "readwrite"): SnapshotIdbTransaction;
  close(): void;
}

/** An `IDBFactory` with `databases()`. */
export interface SnapshotIdbFactory {
  open(name: string, version?: number): SnapshotIdbOpenRequest<SnapshotIdbDatabase>;
  deleteDatabase(name: string): SnapshotIdbOpenRequest<undefined>;
  databases(): Promise<{ name?: string; version?: number }[]>;
}

// --- value encoding ------------------------------------------------------------------------

type TypedArrayConstructor = new (
  buffer: ArrayBuffer,
  offset?: number,
  length?: number,
) => ArrayBufferView;

/** Every typed array the structured-clone algorithm knows, by its `Symbol.toStringTag`. */
function typedArrayConstructors(): Record<string, TypedArrayConstructor> {
  const all: Record<string, TypedArrayConstructor | undefined> = {
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
    Float16Array: (globalThis as { Float16Array?: TypedArrayConstructor }).Float16Array,
  };
  const present: Record<string, TypedArrayConstructor> = {};
  for (const [name, ctor] of Object.entries(all)) if (ctor) present[name] = ctor;
  return present;
}

function encodeNumber(value: number): EncodedValue {
  if (Number.isNaN(value)) return { $: "number", v: "NaN" };
  if (value === Infinity) return { $: "number", v: "Infinity" };
  if (value === -Infinity) return { $: "number", v: "-Infinity" };
  if (Object.is(value, -0)) return { $: "number", v: "-0" };
  return value;
}

function decodeNumber(encoded: unknown): number {
  if (typeof encoded === "number") return encoded;
  if (
    typeof encoded === "object" && encoded !== null && (encoded as { $?: unknown }).$ === "number"
  ) {
    const v = (encoded as { v?: unknown }).v;
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    if (v === "-0") return -0;
  }
  throw new IdbSnapshotError(`not an encoded number: ${JSON.stringify(encoded)}`);
}

function bytesOf(view: ArrayBufferView | ArrayBuffer): Uint8Array {
  return view instanceof ArrayBuffer
    ? new Uint8Array(view)
    : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Encodes one structured-clone value (an IndexedDB value or key) as JSON-safe data.
 *
 * Plain JSON scalars stay as they are and arrays stay arrays; everything else becomes an object
 * tagged with `$`, so a stored object that happens to have a `$` field is not misread (objects are
 * always wrapped as `{"$":"object","v":{...}}`).
 *
 * @throws {IdbSnapshotError} for cycles, functions, symbols and host objects (`Blob`, ...).
 *
 * @example
 * ```ts
 * import { decodeCloneable, encodeCloneable } from "./idb_snapshot.ts";
 * const json = JSON.stringify(encodeCloneable({ key: new Uint8Array([1, 2]), n: -0 }));
 * const back = decodeCloneable(JSON.parse(json)) as { key: Uint8Array; n: number };
 * back.key instanceof Uint8Array && Object.is(back.n, -0); // true
 * ```
 */
export function encodeCloneable(value: unknown): EncodedValue {
  return encodeInner(value, new Set(), "value");
}

function encodeInner(value: unknown, ancestors: Set<object>, path: string): EncodedValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return encodeNumber(value);
    case "bigint":
      return { $: "bigint", v: value.toString() };
    case "undefined":
      return { $: "undefined" };
    case "function":
    case "symbol":
      throw new IdbSnapshotError(`${path}: a ${typeof value} cannot be stored`);
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) {
    throw new IdbSnapshotError(`${path}: cyclic values cannot be snapshotted`);
  }
  ancestors.add(object);
  try {
    return encodeObject(object, ancestors, path);
  } finally {
    ancestors.delete(object);
  }
}

function encodeObject(object: object, ancestors: Set<object>, path: string): EncodedValue {
  const tag = Object.prototype.toString.call(object).slice(8, -1);
  if (Array.isArray(object)) {
    const items: EncodedValue[] = [];
    for (let i = 0; i < object.length; i++) {
      items.push(encodeInner(object[i], ancestors, `${path}[${i}]`));
    }
    return items;
  }
  if (object instanceof ArrayBuffer) return { $: "bytes", type: "ArrayBuffer", b64: b64(object) };
  if (ArrayBuffer.isView(object)) {
    const type = object instanceof DataView ? "DataView" : tag;
    if (type !== "DataView" && !(type in typedArrayConstructors())) {
      throw new IdbSnapshotError(`${path}: unsupported view ${type}`);
    }
    return { $: "bytes", type, b64: b64(object) };
  }
  if (object instanceof Date) return { $: "Date", v: encodeNumber(object.getTime()) };
  if (object instanceof RegExp) return { $: "RegExp", source: object.source, flags: object.flags };
  if (object instanceof Map) {
    const entries: EncodedValue[] = [];
    let i = 0;
    for (const [k, v] of object) {
      entries.push([
        encodeInner(k, ancestors, `${path}<key ${i}>`),
        encodeInner(v, ancestors, `${path}<value ${i}>`),
      ]);
      i++;
    }
    return { $: "Map", v: entries };
  }
  if (object instanceof Set) {
    return { $: "Set", v: [...object].map((v, i) => encodeInner(v, ancestors, `${path}{${i}}`)) };
  }
  if (object instanceof Error) {
    return {
      $: "Error",
      name: object.name,
      message: object.message,
      ...(typeof object.stack === "string" ? { stack: object.stack } : {}),
    };
  }
  if (tag === "Boolean" || tag === "Number" || tag === "String" || tag === "BigInt") {
    return { $: "boxed", v: encodeInner(object.valueOf(), ancestors, path) };
  }
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) {
    // Values read back from IndexedDB are structured clones, so anything else is a host object.
    throw new IdbSnapshotError(`${path}: unsupported object ${tag}`);
  }
  const fields: Record<string, EncodedValue> = {};
  for (const [k, v] of Object.entries(object)) {
    fields[k] = encodeInner(v, ancestors, `${path}.${k}`);
  }
  return { $: "object", v: fields };
}

function b64(view: ArrayBufferView | ArrayBuffer): string {
  return base64.encode(bytesOf(view));
}

/**
 * Decodes what {@linkcode encodeCloneable} produced.
 *
 * @throws {IdbSnapshotError} for anything it cannot have produced.
 *
 * @example
 * ```ts
 * import { decodeCloneable } from "./idb_snapshot.ts";
 * decodeCloneable({ $: "Map", v: [["a", { $: "bigint", v: "7" }]] }); // Map { "a" => 7n }
 * ```
 */
export function decodeCloneable(encoded: unknown): unknown {
  if (encoded === null || typeof encoded === "string" || typeof encoded === "boolean") {
    return encoded;
  }
  if (typeof encoded === "number") return encoded;
  if (Array.isArray(encoded)) return encoded.map(decodeCloneable);
  if (typeof encoded !== "object") {
    throw new IdbSnapshotError(`not an encoded value: ${typeof encoded}`);
  }
  const tagged = encoded as Record<string, unknown>;
  const fail = (): never => {
    throw new IdbSnapshotError(`malformed encoded value: ${JSON.stringify(encoded).slice(0, 200)}`);
  };
  switch (tagged.$) {
    case "undefined":
      return undefined;
    case "number":
      return decodeNumber(tagged);
    case "bigint":
      if (typeof tagged.v !== "string") fail();
      try {
        return BigInt(tagged.v as string);
      } catch {
        return fail();
      }
    case "object": {
      if (typeof tagged.v !== "object" || tagged.v === null || Array.isArray(tagged.v)) fail();
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(tagged.v as Record<string, unknown>)) {
        // defineProperty, so a stored "__proto__" field stays a field.
        Object.defineProperty(out, k, {
          value: decodeCloneable(v),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    case "bytes": {
      if (typeof tagged.b64 !== "string") fail();
      let bytes: Uint8Array;
      try {
        bytes = base64.decode(tagged.b64 as string);
      } catch {
        return fail();
      }
      const buffer = bytes.slice().buffer as ArrayBuffer;
      if (tagged.type === "ArrayBuffer") return buffer;
      if (tagged.type === "DataView") return new DataView(buffer);
      const ctor = typedArrayConstructors()[tagged.type as string];
      if (!ctor) return fail();
      const element = (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      if (buffer.byteLength % element !== 0) fail();
      return new ctor(buffer, 0, buffer.byteLength / element);
    }
    case "Date":
      return new Date(decodeNumber(tagged.v));
    case "RegExp":
      if (typeof tagged.source !== "string" || typeof tagged.flags !== "string") fail();
      try {
        return new RegExp(tagged.source as string, tagged.flags as string);
      } catch {
        return fail();
      }
    case "Map": {
      if (!Array.isArray(tagged.v)) fail();
      const map = new Map<unknown, unknown>();
      for (const entry of tagged.v as unknown[]) {
        if (!Array.isArray(entry) || entry.length !== 2) fail();
        const [k, v] = entry as unknown[];
        map.set(decodeCloneable(k), decodeCloneable(v));
      }
      return map;
    }
    case "Set":
      if (!Array.isArray(tagged.v)) fail();
      return new Set((tagged.v as unknown[]).map(decodeCloneable));
    case "Error": {
      if (typeof tagged.message !== "string" || typeof tagged.name !== "string") fail();
      const error = new Error(tagged.message as string);
      error.name = tagged.name as string;
      if (typeof tagged.stack === "string") error.stack = tagged.stack;
      return error;
    }
    case "boxed": {
      const inner = decodeCloneable(tagged.v);
      if (!["boolean", "number", "string", "bigint"].includes(typeof inner)) fail();
      return Object(inner);
    }
    default:
      return fail();
  }
}

// --- dump and restore ----------------------------------------------------------------------

function request<T>(req: SnapshotIdbRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new IdbSnapshotError(`${what}: ${req.error?.message ?? "failed"}`));
  });
}

function transactionDone(tx: SnapshotIdbTransaction, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    const failed = () => reject(new IdbSnapshotError(`${what}: ${tx.error?.message ?? "aborted"}`));
    tx.onerror = failed;
    tx.onabort = failed;
  });
}

async function dumpDatabase(
  factory: SnapshotIdbFactory,
  name: string,
): Promise<DatabaseSnapshot> {
  const open = factory.open(name);
  // Opening without a version never upgrades an existing database; a database that vanished
  // since `databases()` would be created empty at version 1, which is reported as such.
  open.onblocked = () => {};
  const db = await request(open, `open ${name}`);
  try {
    const storeNames = Array.from(db.objectStoreNames).sort();
    const stores: StoreSnapshot[] = [];
    if (storeNames.length > 0) {
      // One read-only transaction over every store: a consistent view even if the owner writes.
      const tx = db.transaction(storeNames, "readonly");
      const done = transactionDone(tx, `read ${name}`);
      let failure: unknown = null;
      for (const storeName of storeNames) {
        const store = tx.objectStore(storeName);
        const indexes = Array.from(store.indexNames).sort().map((indexName) => {
          const index = store.index(indexName);
          return {
            name: indexName,
            keyPath: Array.isArray(index.keyPath) ? [...index.keyPath] : index.keyPath,
            unique: index.unique,
            multiEntry: index.multiEntry,
          };
        });
        const records: RecordSnapshot[] = [];
        stores.push({
          name: storeName,
          keyPath: Array.isArray(store.keyPath) ? [...store.keyPath] : store.keyPath,
          autoIncrement: store.autoIncrement,
          indexes,
          records,
        });
        const cursor = store.openCursor();
        cursor.onsuccess = () => {
          const at = cursor.result;
          if (at === null || failure !== null) return;
          try {
            records.push({
              key: encodeCloneable(at.primaryKey),
              value: encodeCloneable(at.value),
            });
            at.continue();
          } catch (e) {
            failure = e; // stop this cursor; the transaction then completes and we report it
          }
        };
        cursor.onerror = () => {
          failure = new IdbSnapshotError(`read ${name}/${storeName}: ${cursor.error?.message}`);
        };
      }
      await done;
      if (failure !== null) {
        throw failure instanceof IdbSnapshotError
          ? new IdbSnapshotError(`${name}: ${failure.message}`, { cause: failure })
          : failure;
      }
    }
    return { name, version: db.version, stores };
  } finally {
    db.close();
  }
}

/**
 * Reads every database of `factory` (names from `databases()`) into a snapshot.
 *
 * @throws {IdbSnapshotError} if a database cannot be read or a value cannot be encoded.
 *
 * @example
 * ```ts no-eval
 * import { IDBFactory } from "fake-indexeddb";
 * import { dumpIndexedDb, type SnapshotIdbFactory } from "./idb_snapshot.ts";
 * const factory: SnapshotIdbFactory = new IDBFactory(); // or the page's / the polyfill's
 * const json = JSON.stringify(await dumpIndexedDb(factory)); // then write it to a file
 * ```
 */
export async function dumpIndexedDb(factory: SnapshotIdbFactory): Promise<IdbSnapshot> {
  const names = (await factory.databases())
    .map((d) => d.name)
    .filter((n): n is string => typeof n === "string")
    .sort();
  const databases: DatabaseSnapshot[] = [];
  for (const name of names) databases.push(await dumpDatabase(factory, name));
  return { format: SNAPSHOT_FORMAT, databases };
}

function checkSnapshot(snapshot: unknown): asserts snapshot is IdbSnapshot {
  const s = snapshot as IdbSnapshot;
  if (typeof s !== "object" || s === null || s.format !== SNAPSHOT_FORMAT) {
    throw new IdbSnapshotError(`not an ${SNAPSHOT_FORMAT} snapshot`);
  }
  if (!Array.isArray(s.databases)) throw new IdbSnapshotError("snapshot without databases");
  for (const db of s.databases) {
    if (
      typeof db?.name !== "string" || !Number.isSafeInteger(db.version) || db.version < 1 ||
      !Array.isArray(db.stores)
    ) {
      throw new IdbSnapshotError(`malformed database entry ${JSON.stringify(db?.name)}`);
    }
    for (const store of db.stores) {
      if (
        typeof store?.name !== "string" || typeof store.autoIncrement !== "boolean" ||
        !Array.isArray(store.indexes) || !Array.isArray(store.records)
      ) {
        throw new IdbSnapshotError(`malformed store entry in ${db.name}`);
      }
    }
  }
}

async function restoreDatabase(
  factory: SnapshotIdbFactory,
  snapshot: DatabaseSnapshot,
): Promise<void> {
  const removal = factory.deleteDatabase(snapshot.name);
  removal.onblocked = () => {};
  await request(removal, `delete ${snapshot.name}`);
  const open = factory.open(snapshot.name, snapshot.version);
  open.onblocked = () => {};
  // Set by the upgrade callback (a holder, so the compiler does not narrow it to its default).
  const state: { upgraded: Promise<void> | null; failure: unknown } = {
    upgraded: null,
    failure: null,
  };
  open.onupgradeneeded = () => {
    // Everything happens in the version-change transaction: either the whole database comes
    // back or the open fails and nothing is left behind.
    const db = open.result;
    const tx = open.transaction!;
    state.upgraded = transactionDone(tx, `restore ${snapshot.name}`);
    state.upgraded.catch(() => {}); // reported through the open request below
    try {
      for (const store of snapshot.stores) {
        const created = db.createObjectStore(store.name, {
          keyPath: store.keyPath,
          autoIncrement: store.autoIncrement,
        });
        for (const index of store.indexes) {
          created.createIndex(index.name, index.keyPath, {
            unique: index.unique,
            multiEntry: index.multiEntry,
          });
        }
        for (const record of store.records) {
          const value = decodeCloneable(record.value);
          // In-line keys live inside the value; giving them again is an error.
          if (store.keyPath === null) created.put(value, decodeCloneable(record.key));
          else created.put(value);
        }
      }
    } catch (e) {
      state.failure = e;
      tx.abort();
    }
  };
  let db: SnapshotIdbDatabase;
  try {
    db = await request(open, `open ${snapshot.name}`);
  } catch (e) {
    const cause = state.failure ?? e;
    throw cause instanceof IdbSnapshotError
      ? cause
      : new IdbSnapshotError(`restore ${snapshot.name}: ${(cause as Error)?.message}`, { cause });
  }
  try {
    if (state.upgraded === null) {
      throw new IdbSnapshotError(`${snapshot.name} was not recreated (still exists?)`);
    }
    await state.upgraded;
  } finally {
    db.close();
  }
}

/**
 * Recreates every database of `snapshot` in `factory` at its version (an existing database of
 * the same name is deleted first), with its stores, indexes and records.
 *
 * @throws {IdbSnapshotError} for a malformed snapshot or a failed restore.
 *
 * @example
 * ```ts no-eval
 * import { IDBFactory } from "fake-indexeddb";
 * import { dumpIndexedDb, restoreIndexedDb, type SnapshotIdbFactory } from "./idb_snapshot.ts";
 * const json = JSON.stringify(await dumpIndexedDb(new IDBFactory())); // e.g. from a file
 * const factory: SnapshotIdbFactory = new IDBFactory();
 * await restoreIndexedDb(factory, JSON.parse(json));
 * ```
 */
export async function restoreIndexedDb(
  factory: SnapshotIdbFactory,
  snapshot: unknown,
): Promise<void> {
  checkSnapshot(snapshot);
  for (const db of snapshot.databases) await restoreDatabase(factory, db);
}
