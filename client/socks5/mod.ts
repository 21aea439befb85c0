/**
 * The SOCKS client (`nym-node client socks5`, upstream `nym-socks5-client`, `clients.md` §5):
 * a SOCKS4/4a/5 proxy on 127.0.0.1:1080 that carries each application connection through the
 * mixnet to a network requester, with an honest CONNECT reply. Deno only (it listens on TCP);
 * the pure SOCKS parsing is `handshake.ts` / `protocol.ts`, the provider wire format is
 * `message/socks5/`.
 *
 * @example
 * ```ts no-eval
 * import { MixnetProviderTransport, Socks5Server } from "./mod.ts";
 * const transport = new MixnetProviderTransport({ client, provider: "<id>.<enc>@<gateway>" });
 * const server = Socks5Server.start({ transport, port: 1080 });
 * // curl --socks5-hostname 127.0.0.1:1080 https://nymtech.net
 * await server.stop();
 * ```
 *
 * @module
 */
export * from "./protocol.ts";
export * from "./handshake.ts";
export * from "./refusal.ts";
export * from "./settings.ts";
export * from "./transport.ts";
export * from "./connection.ts";
export * from "./server.ts";
export * from "./config.ts";
