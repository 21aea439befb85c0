/**
 * The Sphinx packet format exactly as sphinx-packet 0.6.0 (used by the Nym network): building
 * packets and SURBs, and processing one hop. Pure and synchronous; all cryptography goes through
 * an injected {@linkcode CryptoProvider}.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { buildSphinxPacket, processSphinxPacket, recoverPlaintext } from "./mod.ts";
 * const crypto = createCryptoProvider();
 * const sk = systemRandom(32);
 * const node = { address: new Uint8Array(32), publicKey: crypto.x25519Base(sk) };
 * const { packet } = buildSphinxPacket(crypto, {
 *   message: new TextEncoder().encode("hello"), route: [node], delaysNanos: [0], payloadSize: 1024,
 *   destination: { address: new Uint8Array(32), identifier: new Uint8Array(16) }, random: systemRandom,
 * });
 * const hop = processSphinxPacket(crypto, packet, sk);
 * if (hop.kind === "final") new TextDecoder().decode(recoverPlaintext(hop.payload)); // "hello"
 * ```
 *
 * @module
 */
export type { CryptoProvider } from "../crypto/provider.ts";
export * from "./constants.ts";
export * from "./errors.ts";
export * from "./keys.ts";
export * from "./lioness.ts";
export * from "./header.ts";
export * from "./payload.ts";
export * from "./packet.ts";
export * from "./surb.ts";
export * from "./delays.ts";
export {
  blindAlpha,
  legacyBlindAlpha,
  multiplyUnclamped,
  SenderKeyAccumulator,
} from "./blinding.ts";
export {
  clampedScalar,
  clampFreeScalarFor,
  GROUP_ORDER,
  montgomeryLadder,
  scalarFromBytesModOrder,
} from "./scalar.ts";
