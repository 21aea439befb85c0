/**
 * The client↔gateway WebSocket protocol as a pure, synchronous library, shared by the entry
 * gateway (server side) and the client core (`nym-node.md` §4, `wire-format.md` §4.2, and the
 * real wasm client's behaviour in `/work/notes/wasm-client.md` §3). No I/O: text frames are
 * strings, binary frames `Uint8Array`s; time, randomness and crypto are injected.
 *
 * - {@linkcode ClientHandshake} / {@linkcode GatewayHandshake}: the registration handshake.
 * - {@linkcode parseClientControlRequest} / {@linkcode serializeServerResponse} (and the reverse
 *   pair): every text frame.
 * - {@linkcode createAuthenticateV2Request} / {@linkcode verifyAuthenticateV2}: session resumption.
 * - {@linkcode encodeClientBinaryRequest} / {@linkcode decodeClientBinaryRequest} and
 *   {@linkcode encodePushedMixMessage} / {@linkcode decodePushedMixMessage}: binary frames.
 * - `version.ts`: versions and the negotiation rule; `bandwidth.ts`: accounting decisions.
 *
 * Every parser throws only subclasses of {@linkcode GatewayProtocolError}.
 *
 * @example
 * ```ts
 * import { parseClientControlRequest, serializeServerResponse, supportedProtocolResponse } from "./mod.ts";
 * const request = parseClientControlRequest('{"type":"supportedProtocol"}');
 * if (request.type === "supportedProtocol") {
 *   serializeServerResponse(supportedProtocolResponse()); // '{"type":"supportedProtocol","version":6}'
 * }
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./version.ts";
export * from "./shared_key.ts";
export { DEFAULT_MAX_TEXT_LENGTH, type ParseOptions } from "./json.ts";
export * from "./handshake_messages.ts";
export * from "./handshake.ts";
export * from "./client_request.ts";
export * from "./server_response.ts";
export * from "./encrypted_request.ts";
export * from "./authenticate.ts";
export * from "./binary.ts";
export * from "./bandwidth.ts";
export * from "./error_messages.ts";
