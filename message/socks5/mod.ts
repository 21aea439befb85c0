/**
 * Codecs of the SOCKS5 service-provider protocol between a SOCKS5 client and a network requester
 * (`nym-node.md` §5.1–5.2, `clients.md` §5.2–5.3), byte-compatible with upstream b4046a89
 * (`common/socks5/requests`, `service-providers/common/src/interface`, `common/socks5/ordered-buffer`).
 * Pure and synchronous; every parser throws only {@linkcode Socks5ProtocolError} subclasses.
 *
 * Layers, outermost first (all integers big-endian):
 *
 * ```
 * envelope   interface_version (3) ‖ tag (0 Control, 1 ProviderData) ‖ body   (legacy: body only)
 * request    protocol_version (3) ‖ Connect 0x00 | Send 0x01 | Query 0x02        (legacy: 0x00 ‖ …)
 * response   protocol_version (3) ‖ NetworkData 0x01 | ConnectionError 0x02 | Query 0x03 (legacy: no version)
 * ```
 *
 * - Client side: build requests with {@linkcode socks5Request} + {@linkcode encodeSocks5ProviderRequest},
 *   number outgoing chunks with {@linkcode SocketDataSequencer}, decode answers with
 *   {@linkcode decodeSocks5ProviderResponse}, reorder `NetworkData` with {@linkcode OrderedMessageBuffer}.
 * - Exit side: {@linkcode decodeSocks5ProviderRequest}, answer with {@linkcode socks5Response}
 *   using the request's versions ({@linkcode socks5RequestVersions}).
 *
 * **Connect confirmation** (not in the 1.4.1-era protocol; our backwards-compatible extension,
 * see `connect_signal.ts`): our network requester sends `NetworkData{seq 0, closed = false, empty}`
 * as soon as its TCP connect succeeded, and the remote's bytes follow from seq 1. A refusal is a
 * `ConnectionError{conn_id, reason}` (plus upstream's `NetworkData{seq 0, closed, empty}` when the
 * TCP connect itself failed). {@linkcode connectOutcome} classifies a response; the requester's
 * `Description` answer contains {@linkcode CONNECT_CONFIRMATION_MARKER}.
 *
 * @example
 * ```ts
 * import {
 *   connectOutcome, decodeSocks5ProviderRequest, decodeSocks5ProviderResponse,
 *   encodeSocks5ProviderRequest, encodeSocks5ProviderResponse, connectConfirmation,
 *   socks5Request, socks5RequestVersions, socks5Response,
 * } from "./mod.ts";
 *
 * // client → exit
 * const wire = encodeSocks5ProviderRequest(socks5Request({
 *   kind: "connect", connectionId: 42n, remoteAddress: "example.org:80", returnAddress: null,
 * }));
 * const request = decodeSocks5ProviderRequest(wire);
 * // exit → client: the connect confirmation, in the request's versions
 * const answer = encodeSocks5ProviderResponse(
 *   socks5Response({ kind: "network-data", data: connectConfirmation(42n) }, socks5RequestVersions(request)),
 * );
 * const response = decodeSocks5ProviderResponse(answer);
 * if (response.content.kind === "provider") {
 *   connectOutcome(response.content.response.content, 42n); // { kind: "connected" }
 * }
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./version.ts";
export * from "./control.ts";
export * from "./socket_data.ts";
export * from "./query.ts";
export * from "./request.ts";
export * from "./response.ts";
export * from "./envelope.ts";
export * from "./ordered_buffer.ts";
export * from "./sequencer.ts";
export * from "./connect_signal.ts";
