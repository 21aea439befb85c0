/**
 * Node-to-node transport: socket-address helpers and Noise (XKpsk3) for mixnet links.
 *
 * @example
 * ```ts
 * import { decideResponderTransport, createNoiseNetworkView } from "./mod.ts";
 * const view = createNoiseNetworkView([]);
 * decideResponderTransport(view, "127.0.0.1").mode; // "plain"
 * ```
 *
 * @module
 */
export * from "./address.ts";
export * from "./noise/mod.ts";
