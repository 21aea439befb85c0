/**
 * A Deno ticketbook store: one file per ticketbook, `<dir>/<id>.ticketbook.json` holding
 * `{"revision":1,"data":"<base64>"}`, written atomically with mode 0600 (the file holds the
 * user's e-cash secret key). Not for the browser bundle (it uses `Deno` and `node:path`).
 *
 * @module
 */
import { writeFileAtomic } from "../../config/atomic_write.ts";
import type { ImportableTicketBook } from "../ticketbook.ts";
import {
  checkTicketbookId,
  deserialiseTicketbook,
  serialiseTicketbook,
  type StoredTicketbook,
  type TicketbookStore,
  TicketbookStoreError,
} from "./store.ts";

const SUFFIX = ".ticketbook.json";

/**
 * Ticketbooks as files in a directory.
 *
 * @example
 * ```ts
 * import { FileTicketbookStore } from "./file_store.ts";
 * const store = new FileTicketbookStore("/tmp/ticketbooks");
 * // const books = await store.list();
 * ```
 */
export class FileTicketbookStore implements TicketbookStore {
  /**
   * Uses (and creates on first write) `dir`.
   *
   * @example
   * ```ts no-eval
   * import { FileTicketbookStore } from "./file_store.ts";
   * const store = new FileTicketbookStore(`${clientHome}/ticketbooks`);
   * ```
   */
  constructor(readonly dir: string) {}

  /** Every stored ticketbook; a corrupt file is an error naming it. */
  async list(): Promise<StoredTicketbook[]> {
    const out: StoredTicketbook[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) {
        if (!entry.isFile || !entry.name.endsWith(SUFFIX)) continue;
        const id = entry.name.slice(0, -SUFFIX.length);
        const path = `${this.dir}/${entry.name}`;
        let json: unknown;
        try {
          json = JSON.parse(await Deno.readTextFile(path));
        } catch (e) {
          throw new TicketbookStoreError(`${path}: ${(e as Error).message}`);
        }
        try {
          out.push({ id, book: deserialiseTicketbook(json) });
        } catch (e) {
          throw new TicketbookStoreError(`${path}: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Writes `id` atomically (replacing an older version). */
  async put(id: string, book: ImportableTicketBook): Promise<void> {
    checkTicketbookId(id);
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(
      `${this.dir}/${id}${SUFFIX}`,
      JSON.stringify(serialiseTicketbook(book)) + "\n",
      { mode: 0o600 },
    );
  }

  /** Deletes `id`'s file. */
  async remove(id: string): Promise<void> {
    checkTicketbookId(id);
    try {
      await Deno.remove(`${this.dir}/${id}${SUFFIX}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}
