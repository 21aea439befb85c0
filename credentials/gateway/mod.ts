/**
 * Gateway side of zk-nyms: {@linkcode createTicketVerifier} implements the gateway's
 * `ZkNymTicketVerifier` seam with durable double-spend detection (`tickets.sqlite`), per-epoch
 * keys from the signers, and the pairing work in a worker.
 *
 * @example
 * ```ts no-eval
 * import { createTicketVerifier } from "./mod.ts";
 * const verifier = createTicketVerifier({ signerUrls, databasePath, gatewayIdentity });
 * ```
 *
 * @module
 */
export * from "./executor.ts";
export * from "./key_source.ts";
export * from "./peek.ts";
export * from "./spent_store.ts";
export * from "./ticket_jobs.ts";
export * from "./verifier.ts";
