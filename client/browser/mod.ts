/**
 * The browser entry point of the mixnet client, bundled by `deno task bundle:browser` into
 * `dist/nym-client.js` (an ES module with no imports: nothing from `node:`, FFI or `Deno`,
 * checked by `bundle.ts`). A page imports {@linkcode startNymClient}; the rest is for pages that
 * need more: the core class, the IndexedDB store, configuration presets, address helpers,
 * typed errors and logging setup (`@logtape/logtape`'s `configure` and `getConsoleSink`; the
 * client logs nothing until a page configures a sink for `["nym-node"]`).
 *
 * @example
 * ```ts no-eval
 * // In a page: import { startNymClient } from "./nym-client.js";
 * const client = await startNymClient({ nymApi: "http://127.0.0.1:8000/" });
 * client.onMessage((m) => console.log(m.kind, m.text(), m.senderTag));
 * client.send(client.address, "hello myself");
 * client.sendAnonymous(client.address, "anonymous hello", 10);
 * setTimeout(async () => {
 *   console.log(client.stats()); // realPacketsSent, coverPacketsSent, acksReceived, ...
 *   await client.stop();
 * }, 5000);
 * ```
 *
 * @module
 */
export {
  type IncomingMessage,
  NymBrowserClient,
  type NymBrowserClientOptions,
  startNymClient,
  StoreInUseError,
} from "./browser_client.ts";
export {
  CLIENT_DATABASE_RECORDS,
  DEFAULT_CLIENT_DATABASE,
  IndexedDbClientStorage,
  type IndexedDbClientStorageOptions,
} from "./indexeddb_storage.ts";
export type { IdbFactory, LockManagerLike } from "./idb_types.ts";
export * from "../mod.ts";
export { createNobleProvider } from "../../crypto/backends/noble.ts";
export type { CryptoProvider } from "../../crypto/provider.ts";
export { configure, getConsoleSink } from "@logtape/logtape";
