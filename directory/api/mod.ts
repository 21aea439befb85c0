/**
 * The nym-api data models (zod schemas and types), their bincode form and response decoding.
 * Shared by the directory (which serves them) and clients (which read them).
 *
 * @example
 * ```ts
 * import { decodeResponseBody, REWARDED_SET_CODEC } from "./mod.ts";
 * const body = new TextEncoder().encode(
 *   '{"epoch_id":3,"entry_gateways":[1],"exit_gateways":[],"layer1":[],"layer2":[],"layer3":[],"standby":[]}',
 * );
 * decodeResponseBody(body, "application/json", REWARDED_SET_CODEC).entry_gateways; // [1]
 * ```
 *
 * @module
 */
export * from "./bincode.ts";
export * from "./models.ts";
export * from "./codec.ts";
