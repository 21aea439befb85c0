/**
 * The Nym mixnet client core: a library that runs in Deno and, bundled, in browsers (it imports
 * nothing with `node:`, FFI or Deno APIs; crypto, storage, `fetch`, `WebSocket`, time and
 * randomness are injected). Deno programs add `client/deno.ts` (file storage, the fastest crypto
 * backend); the native WebSocket API lives in `client/native/`. At gateways that enforce
 * zk-nyms, pass `credentials: { signerUrls }` to spend tickets (`tickets.ts`).
 *
 * @example
 * ```ts no-eval
 * import { createNobleProvider } from "../crypto/backends/noble.ts";
 * import { lowLatencyOverrides, MemoryClientStorage, MixnetClient } from "./mod.ts";
 *
 * const client = await MixnetClient.start({
 *   nymApiUrls: ["http://127.0.0.1:8000/"],
 *   crypto: createNobleProvider(),
 *   storage: new MemoryClientStorage(),
 *   config: lowLatencyOverrides(),
 * });
 * client.on("message", ({ kind, message, senderTag }) => {
 *   if (kind === "anonymous") client.reply(senderTag!, new TextEncoder().encode("pong"));
 * });
 * client.sendAnonymous(client.address, new TextEncoder().encode("ping"), 10);
 * console.log(client.stats().realPacketsSent);
 * await client.stop();
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./config.ts";
export * from "./keys.ts";
export * from "./stats.ts";
export * from "./storage/storage.ts";
export {
  type ClientIdentity,
  type GatewayStatus,
  MixnetClient,
  type MixnetClientOptions,
  prepareClientIdentity,
  type ReceivedMessage,
  type SendFailure,
  type SendOptions,
  type SendReceipt,
} from "./client.ts";
export { type ClientCredentialsOptions, ClientTickets, type TicketSource } from "./tickets.ts";
export { MemoryTicketbookStore, type TicketbookStore } from "../credentials/client/mod.ts";
export { connectionLane, laneConnectionId, type TransmissionLane } from "./traffic/lanes.ts";
export { type WebSocketFactory } from "./gateway/socket.ts";
export { type FetchFunction, NymApiClient, type NymApiClientOptions } from "./topology/nym_api.ts";
export { NymTopology, type RoutingNode } from "./topology/topology.ts";
export { gatewayWebSocketUrl, selectGateway } from "./topology/gateway_selection.ts";
export {
  formatRecipient,
  formatSenderTag,
  parseRecipient,
  parseSenderTag,
  type Recipient,
} from "../message/mod.ts";
