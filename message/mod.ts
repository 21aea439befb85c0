/**
 * The Nym packet layer above Sphinx (`wire-format.md` §6.2, §7–§10, `clients.md` §3): recipient
 * addresses, sender tags, fragments, chunking and reassembly, NymMessage encoding and padding,
 * end-to-end payload encryption, SURB-acks and reply-SURB bookkeeping. Pure and synchronous;
 * randomness and crypto are injected; every parser throws only subclasses of
 * {@linkcode MessageError}.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { PacketSize } from "../framing/mod.ts";
 * import {
 *   decodeFragment, decodePaddedNymMessage, encodeFragment, MessageReconstructor,
 *   openRegularFragment, prepareFragments, sealRegularFragment,
 * } from "./mod.ts";
 *
 * const crypto = createCryptoProvider();
 * const secret = systemRandom(32);
 * const publicKey = crypto.x25519Base(secret);
 * const message = { kind: "plain", message: new TextEncoder().encode("hello") } as const;
 * const reconstructor = new MessageReconstructor();
 * for (const fragment of prepareFragments(message, PacketSize.Regular, systemRandom)) {
 *   const body = sealRegularFragment(crypto, systemRandom, publicKey, encodeFragment(fragment));
 *   const received = decodeFragment(openRegularFragment(crypto, secret, body));
 *   const result = reconstructor.insert(received, Date.now());
 *   if (result.status === "complete") decodePaddedNymMessage(result.message); // the plain message
 * }
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./recipient.ts";
export * from "./sender_tag.ts";
export * from "./fragment.ts";
export * from "./chunking.ts";
export * from "./reassembly.ts";
export * from "./nym_message.ts";
export * from "./padding.ts";
export * from "./reply_surb.ts";
export * from "./surb_ack.ts";
export * from "./payload_crypto.ts";
export * from "./sphinx_packets.ts";
