/**
 * Client side of zk-nyms: discover the signers of an epoch, obtain a ticketbook from ≥ t of them
 * ({@linkcode obtainTicketbook}), keep it in a {@linkcode TicketbookStore}, and spend tickets at
 * gateways ({@linkcode TicketbookWallet.nextCredential}). Pure code plus `fetch`: safe for the
 * browser bundle. The Deno file store is `./file_store.ts` (not re-exported here).
 *
 * @example
 * ```ts no-eval
 * import { discoverSigners, MemoryTicketbookStore, obtainTicketbook, TicketbookWallet } from "./mod.ts";
 * const set = await discoverSigners(["http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"]);
 * const wallet = new TicketbookWallet({ store: new MemoryTicketbookStore() });
 * await wallet.add(await obtainTicketbook(set, { ticketType: 0 }));
 * const credential = await wallet.nextCredential(gatewayIdentityKey);
 * ```
 *
 * @module
 */
export * from "./api_client.ts";
export * from "./issuance.ts";
export * from "./signer_set.ts";
export * from "./spending.ts";
export * from "./store.ts";
export * from "./wallet.ts";
