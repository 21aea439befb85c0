/**
 * Deno conveniences for the client core: the fastest crypto backend, the file store, a
 * ticketbook file store (`<dataDir>/ticketbooks/`) and a WebSocket client without Nagle stalls. Not for browsers (it reaches `node:crypto` and FFI
 * through `crypto/mod.ts`).
 *
 * @example
 * ```ts no-eval
 * import { startDenoClient } from "./deno.ts";
 * const client = await startDenoClient({ dataDir: "/tmp/alice", nymApiUrls: ["http://127.0.0.1:8000/"] });
 * ```
 *
 * @module
 */
import { createCryptoProvider } from "../crypto/mod.ts";
import { MixnetClient, type MixnetClientOptions } from "./client.ts";
import { FileClientStorage } from "./storage/file.ts";
import { noDelayWebSocketFactory } from "./gateway/deno_websocket.ts";
import { FileTicketbookStore } from "../credentials/client/file_store.ts";

export { CLIENT_DATA_FILES, CLIENT_PEM_TAGS, FileClientStorage } from "./storage/file.ts";
export { noDelayWebSocketFactory } from "./gateway/deno_websocket.ts";
export { FileTicketbookStore } from "../credentials/client/file_store.ts";

/** The directory of a client's ticketbooks inside its data directory. */
export const TICKETBOOKS_DIR = "ticketbooks";

/**
 * The ticketbook store of the client whose data directory is `dataDir`:
 * `<dataDir>/ticketbooks/<id>.ticketbook.json` (mode 0600: they hold the e-cash secret key).
 *
 * @example
 * ```ts
 * import { clientTicketbookStore } from "./deno.ts";
 * clientTicketbookStore("/tmp/alice").dir; // "/tmp/alice/ticketbooks"
 * ```
 */
export function clientTicketbookStore(dataDir: string): FileTicketbookStore {
  return new FileTicketbookStore(`${dataDir.replace(/\/+$/, "")}/${TICKETBOOKS_DIR}`);
}

/** {@linkcode MixnetClientOptions} with a data directory instead of storage and crypto. */
export type DenoClientOptions = Omit<MixnetClientOptions, "crypto" | "storage"> & {
  /** The client's data directory (keys, registration, reply state). */
  readonly dataDir: string;
  readonly crypto?: MixnetClientOptions["crypto"];
};

/**
 * Starts a client that keeps its state in `dataDir` (ticketbooks too, unless
 * `credentials.store` says otherwise) and talks to its gateway through
 * {@linkcode noDelayWebSocketFactory}.
 *
 * @example
 * ```ts no-eval
 * const client = await startDenoClient({ dataDir, nymApiUrls });
 * ```
 */
export function startDenoClient(options: DenoClientOptions): Promise<MixnetClient> {
  return MixnetClient.start({
    ...options,
    crypto: options.crypto ?? createCryptoProvider(),
    storage: new FileClientStorage(options.dataDir),
    webSocket: options.webSocket ?? noDelayWebSocketFactory,
    credentials: options.credentials && {
      store: clientTicketbookStore(options.dataDir),
      ...options.credentials,
    },
  });
}
