/**
 * Where a client keeps its ticketbooks. A stored ticketbook is upstream's export form
 * (`ImportableTicketBook`, bincode, revision 1) in base64 — `{"revision":1,"data":"<base64>"}`.
 * (Upstream prints exports in base58; a complete export is ≈ 7 KiB, and base58 is quadratic —
 * `@scure/base` refuses inputs over 2 KiB — so the stored text uses base64 over the same bytes.)
 * Browser-safe; the Deno file store is in `file_store.ts`.
 *
 * @module
 */
import { EcashError } from "../errors.ts";
import {
  decodeImportableTicketBook,
  encodeImportableTicketBook,
  type ImportableTicketBook,
} from "../ticketbook.ts";

/**
 * A stored ticketbook could not be read back.
 *
 * @example
 * ```ts
 * import { TicketbookStoreError } from "./store.ts";
 * new TicketbookStoreError("stored ticketbook is corrupt").name; // "TicketbookStoreError"
 * ```
 */
export class TicketbookStoreError extends EcashError {
  override name = "TicketbookStoreError";
}

/** A ticketbook and its id in a store. */
export interface StoredTicketbook {
  /** Store-unique id (`[A-Za-z0-9_-]{1,64}`). */
  readonly id: string;
  /** The ticketbook with its signatures and key. */
  readonly book: ImportableTicketBook;
}

/** Persistence of ticketbooks. `put` must be durable when it resolves. */
export interface TicketbookStore {
  /**
   * Every stored ticketbook.
   *
   * @example
   * ```ts no-eval
   * const books = await store.list();
   * ```
   */
  list(): Promise<StoredTicketbook[]>;
  /**
   * Inserts or replaces the ticketbook `id`.
   *
   * @example
   * ```ts no-eval
   * await store.put("tb-1", book);
   * ```
   */
  put(id: string, book: ImportableTicketBook): Promise<void>;
  /**
   * Removes `id` (no error if absent).
   *
   * @example
   * ```ts no-eval
   * await store.remove("tb-1");
   * ```
   */
  remove(id: string): Promise<void>;
}

/** The serialised form of a ticketbook. */
export interface SerialisedTicketbook {
  /** `ImportableTicketBook` revision. */
  readonly revision: number;
  /** base64 of its bincode. */
  readonly data: string;
}

/**
 * Serialises a ticketbook as upstream exports it.
 *
 * @example
 * ```ts no-eval
 * const text = JSON.stringify(serialiseTicketbook(book));
 * ```
 */
export function serialiseTicketbook(book: ImportableTicketBook): SerialisedTicketbook {
  const { data, revision } = encodeImportableTicketBook(book);
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  }
  return { revision, data: btoa(binary) };
}

/**
 * Reads {@linkcode serialiseTicketbook}'s form (from `JSON.parse`).
 *
 * @example
 * ```ts no-eval
 * const book = deserialiseTicketbook(JSON.parse(text));
 * ```
 */
export function deserialiseTicketbook(value: unknown): ImportableTicketBook {
  if (typeof value !== "object" || value === null) {
    throw new TicketbookStoreError("stored ticketbook is not an object");
  }
  const { revision, data } = value as Record<string, unknown>;
  if (typeof revision !== "number" || typeof data !== "string") {
    throw new TicketbookStoreError("stored ticketbook needs a numeric revision and string data");
  }
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  } catch {
    throw new TicketbookStoreError("stored ticketbook data is not base64");
  }
  try {
    return decodeImportableTicketBook(bytes, revision);
  } catch (e) {
    if (e instanceof EcashError) {
      throw new TicketbookStoreError(`stored ticketbook is corrupt: ${e.message}`);
    }
    throw e;
  }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Throws unless `id` is a valid ticketbook id.
 *
 * @example
 * ```ts
 * import { checkTicketbookId } from "./store.ts";
 * checkTicketbookId("tb-1");
 * ```
 */
export function checkTicketbookId(id: string): void {
  if (!ID.test(id)) throw new TicketbookStoreError(`invalid ticketbook id ${JSON.stringify(id)}`);
}

/**
 * An in-memory store (keeps the serialised form, so it round-trips like a real one).
 *
 * @example
 * ```ts
 * import { MemoryTicketbookStore } from "./store.ts";
 * const store = new MemoryTicketbookStore();
 * ```
 */
export class MemoryTicketbookStore implements TicketbookStore {
  readonly #books = new Map<string, SerialisedTicketbook>();

  /** Every stored ticketbook. */
  list(): Promise<StoredTicketbook[]> {
    return Promise.resolve(
      [...this.#books].map(([id, s]) => ({ id, book: deserialiseTicketbook(s) })),
    );
  }

  /** Inserts or replaces `id`. */
  put(id: string, book: ImportableTicketBook): Promise<void> {
    checkTicketbookId(id);
    this.#books.set(id, serialiseTicketbook(book));
    return Promise.resolve();
  }

  /** Removes `id`. */
  remove(id: string): Promise<void> {
    this.#books.delete(id);
    return Promise.resolve();
  }
}
