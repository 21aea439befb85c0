/**
 * The subset of the IndexedDB and Web Locks APIs the browser bundle uses, as structural types.
 * Deno's type library has neither (it has no DOM types, and pulling `lib.dom` into the project
 * clashes with `deno.window`), so the browser code is typed against these: the browser's own
 * objects and `fake-indexeddb`'s match them.
 *
 * @module
 */

/** An `IDBRequest`. */
export interface IdbRequest<T> {
  readonly result: T;
  readonly error: DOMException | null;
  onsuccess: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
}

/** An `IDBOpenDBRequest`. */
export interface IdbOpenRequest<T> extends IdbRequest<T> {
  onupgradeneeded: ((event: Event) => void) | null;
  onblocked: ((event: Event) => void) | null;
}

/** An `IDBObjectStore` (out-of-line string keys only). */
export interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): IdbRequest<unknown>;
  add(value: unknown, key: string): IdbRequest<unknown>;
  delete(key: string): IdbRequest<undefined>;
}

/** An `IDBTransaction`. */
export interface IdbTransaction {
  readonly error: DOMException | null;
  objectStore(name: string): IdbObjectStore;
  oncomplete: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  onabort: ((event: Event) => void) | null;
}

/** An `IDBDatabase`. */
export interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(
    names: string,
    mode: "readonly" | "readwrite",
    options?: { durability?: "default" | "strict" | "relaxed" },
  ): IdbTransaction;
  close(): void;
  onversionchange: ((event: Event) => void) | null;
}

/** An `IDBFactory` (`globalThis.indexedDB`). */
export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest<IdbDatabase>;
  deleteDatabase(name: string): IdbOpenRequest<undefined>;
}

/** The Web Locks `LockManager` (`navigator.locks`), `request` with options only. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { mode?: "exclusive" | "shared"; ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<T> | T,
  ): Promise<T>;
}

/**
 * The platform's IndexedDB factory, or `undefined` where there is none (Deno, some private
 * browsing modes).
 *
 * @example
 * ```ts
 * import { platformIndexedDb } from "./idb_types.ts";
 * platformIndexedDb(); // undefined in Deno, the browser's indexedDB in a page
 * ```
 */
export function platformIndexedDb(): IdbFactory | undefined {
  return (globalThis as { indexedDB?: IdbFactory }).indexedDB;
}

/**
 * The platform's Web Locks manager (`navigator.locks`), or `undefined` (Deno, old browsers).
 *
 * @example
 * ```ts
 * import { platformLocks } from "./idb_types.ts";
 * platformLocks(); // undefined in Deno
 * ```
 */
export function platformLocks(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
}
