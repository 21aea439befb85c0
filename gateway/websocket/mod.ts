/**
 * A WebSocket server (RFC 6455) over Deno TCP for the entry gateway's client connections: exact
 * close codes, pings with payloads and awaited pongs, awaitable and bounded sends, size limits
 * enforced from frame headers, and a small footprint per idle connection.
 *
 * - {@linkcode serveWebSockets}: the listener (connection limit, upgrade timeout, 426 for plain
 *   HTTP), handing each {@linkcode WebSocketConnection} to a handler.
 * - {@linkcode WebSocketConnection}: messages by async iteration, `sendText`/`sendBinary`,
 *   `ping`, `close`, `closed`, `bufferedAmount`, idle timeout.
 * - Pure byte-level pieces: {@linkcode FrameDecoder} (`decoder.ts`), frame headers and masking
 *   (`frame.ts`), close payloads (`close.ts`), the HTTP upgrade (`handshake.ts`).
 *
 * Parsers throw only {@linkcode FrameError} (with the close code to send) or
 * {@linkcode HandshakeError} (with the HTTP status to answer).
 *
 * @example
 * ```ts no-eval
 * import { serveWebSockets } from "./mod.ts";
 * await using server = serveWebSockets({
 *   hostname: "127.0.0.1",
 *   port: 9000,
 *   maxQueuedBytes: 4 << 20,
 *   async onConnection(conn, request) {
 *     for await (const message of conn) {
 *       if (message.type === "binary") await conn.sendBinary(message.data);
 *     }
 *   },
 * });
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./close.ts";
export * from "./frame.ts";
export * from "./decoder.ts";
export * from "./handshake.ts";
export * from "./connection.ts";
export * from "./server.ts";
