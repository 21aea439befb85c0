/**
 * The native client (`nym-node client run`): a WebSocket API server compatible with Nym's
 * `nym-client` (JSON and binary requests on `127.0.0.1:1977`), accepting several applications
 * at once, plus its TOML configuration. Deno only.
 *
 * @example
 * ```ts no-eval
 * import { NativeWebSocketServer } from "./mod.ts";
 * const server = NativeWebSocketServer.start({ client, host: "127.0.0.1", port: 1977 });
 * ```
 *
 * @module
 */
export * from "./codec.ts";
export * from "./server.ts";
export * from "./config.ts";
