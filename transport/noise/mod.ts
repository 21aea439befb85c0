/**
 * Noise between Nym nodes (`wire-format.md` §5, `nym-node.md` §3.1):
 * `Noise_XKpsk3_25519_AESGCM_SHA256` with Nym's version-1 PSK and 8-byte frame header, the
 * async {@linkcode noiseConnect} / {@linkcode noiseAccept} wrappers over a byte stream, and
 * the Noise-or-plain-TCP decision for the phased upgrade.
 *
 * The core (handshake, cipher states, frame codec, decisions) is pure and synchronous; only
 * `connection.ts` does I/O.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../../crypto/mod.ts";
 * import {
 *   createNoiseNetworkView, decideInitiatorTransport, generateX25519KeyPair, noiseConnect,
 * } from "./mod.ts";
 * const crypto = createCryptoProvider();
 * const view = createNoiseNetworkView([]); // from the directory
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: 1789 });
 * const decision = decideInitiatorTransport(view, conn.remoteAddr as Deno.NetAddr);
 * const stream = decision.mode === "noise"
 *   ? await noiseConnect(conn, {
 *     responderStaticPublicKey: decision.responderStaticPublicKey, version: decision.version,
 *     localStaticKeyPair: generateX25519KeyPair(crypto, systemRandom), crypto, random: systemRandom,
 *   })
 *   : conn;
 * stream.close();
 * ```
 *
 * @module
 */
export type { CryptoProvider } from "../../crypto/provider.ts";
export type { RandomSource } from "../../crypto/random.ts";
export * from "./errors.ts";
export * from "./aead.ts";
export * from "./aead_sodium.ts";
export * from "./keys.ts";
export * from "./psk.ts";
export * from "./cipher_state.ts";
export * from "./symmetric_state.ts";
export * from "./transport_state.ts";
export * from "./handshake.ts";
export * from "./frame.ts";
export * from "./data_frames.ts";
export * from "./negotiate.ts";
export * from "./connection.ts";
