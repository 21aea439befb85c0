/**
 * VerLoc echo and reply packets (`nym-node.md` §3.8): fixed sizes, no framing.
 *
 * - Echo (104 B): `seq (u64 BE) ‖ sender ed25519 key (32) ‖ sig(sender, seq ‖ sender key) (64)`
 * - Reply (168 B): `echo (104) ‖ sig(responder, echo bytes) (64)`
 *
 * @module
 */
import { ed25519Sign, ed25519Verify } from "../../crypto/ed25519.ts";
import { readU64BE, writeU64BE } from "../../crypto/bytes.ts";

/** Size of an echo packet. */
export const ECHO_PACKET_SIZE = 8 + 32 + 64;
/** Size of a reply packet. */
export const REPLY_PACKET_SIZE = ECHO_PACKET_SIZE + 64;

/** A VerLoc packet had the wrong size or a signature that does not verify. */
export class VerlocPacketError extends Error {
  override name = "VerlocPacketError";
}

/** A verified echo packet. */
export interface EchoPacket {
  readonly sequence: bigint;
  readonly sender: Uint8Array;
  /** All 104 bytes, as received. */
  readonly bytes: Uint8Array;
}

/**
 * Builds a signed echo packet.
 *
 * @example
 * ```ts
 * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
 * import { createEchoPacket } from "./packets.ts";
 * createEchoPacket(1n, generateEd25519KeyPair()).length; // 104
 * ```
 */
export function createEchoPacket(
  sequence: bigint,
  identity: { secretKey: Uint8Array; publicKey: Uint8Array },
): Uint8Array {
  const out = new Uint8Array(ECHO_PACKET_SIZE);
  writeU64BE(out, 0, sequence);
  out.set(identity.publicKey, 8);
  out.set(ed25519Sign(identity.secretKey, out.subarray(0, 40)), 40);
  return out;
}

/**
 * Parses and verifies an echo packet.
 *
 * @example
 * ```ts
 * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
 * import { createEchoPacket, parseEchoPacket } from "./packets.ts";
 * parseEchoPacket(createEchoPacket(5n, generateEd25519KeyPair())).sequence; // 5n
 * ```
 */
export function parseEchoPacket(bytes: Uint8Array): EchoPacket {
  if (bytes.length !== ECHO_PACKET_SIZE) {
    throw new VerlocPacketError(
      `echo packet has ${bytes.length} bytes, expected ${ECHO_PACKET_SIZE}`,
    );
  }
  const sender = bytes.slice(8, 40);
  if (!ed25519Verify(sender, bytes.subarray(0, 40), bytes.subarray(40))) {
    throw new VerlocPacketError("echo packet signature does not verify");
  }
  return { sequence: readU64BE(bytes, 0), sender, bytes: bytes.slice() };
}

/**
 * Signs a verified echo packet into a reply.
 *
 * @example
 * ```ts
 * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
 * import { createEchoPacket, createReplyPacket, parseEchoPacket } from "./packets.ts";
 * const me = generateEd25519KeyPair();
 * createReplyPacket(parseEchoPacket(createEchoPacket(1n, me)), me.secretKey).length; // 168
 * ```
 */
export function createReplyPacket(echo: EchoPacket, secretKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(REPLY_PACKET_SIZE);
  out.set(echo.bytes, 0);
  out.set(ed25519Sign(secretKey, echo.bytes), ECHO_PACKET_SIZE);
  return out;
}

/**
 * Parses a reply and verifies both signatures (the echo's and the responder's, against the
 * identity we expect to be talking to). Returns the echoed sequence number.
 *
 * @example
 * ```ts
 * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
 * import { createEchoPacket, createReplyPacket, parseEchoPacket, parseReplyPacket } from "./packets.ts";
 * const a = generateEd25519KeyPair(), b = generateEd25519KeyPair();
 * const reply = createReplyPacket(parseEchoPacket(createEchoPacket(9n, a)), b.secretKey);
 * parseReplyPacket(reply, b.publicKey); // 9n
 * ```
 */
export function parseReplyPacket(bytes: Uint8Array, responderIdentity: Uint8Array): bigint {
  if (bytes.length !== REPLY_PACKET_SIZE) {
    throw new VerlocPacketError(
      `reply packet has ${bytes.length} bytes, expected ${REPLY_PACKET_SIZE}`,
    );
  }
  const echo = parseEchoPacket(bytes.subarray(0, ECHO_PACKET_SIZE));
  if (
    !ed25519Verify(
      responderIdentity,
      bytes.subarray(0, ECHO_PACKET_SIZE),
      bytes.subarray(ECHO_PACKET_SIZE),
    )
  ) {
    throw new VerlocPacketError("reply packet signature does not verify");
  }
  return echo.sequence;
}
