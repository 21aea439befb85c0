/**
 * Reply-SURB bookkeeping that needs no Sphinx (`wire-format.md` §10.1, §10.2, `clients.md` §3.3,
 * upstream `common/nymsphinx/anonymous-replies/src/reply_surb.rs`).
 *
 * A reply SURB on the wire is `reply_key (16) ‖ SURB bytes`, where the SURB is
 * `header (348) ‖ first_hop (32) ‖ key material`: four 192-byte payload keys in the V1 (legacy,
 * version 258) encoding, `num_hops` 16-byte seeds in V2. The SURB itself stays opaque here;
 * `sphinx/` applies it.
 *
 * @module
 */
import { decodeRoutingAddress, type NymNodeRoutingAddress } from "../framing/routing_address.ts";
import { InvalidRoutingAddressError } from "../framing/errors.ts";
import { packetPlaintextLength, type PacketSize } from "../framing/packet_size.ts";
import { InvalidLengthError, MalformedReplySurbError } from "./errors.ts";

/** Length of a reply (SURB encryption) key. */
export const REPLY_KEY_LENGTH = 16;
/** `reply_key ‖ header ‖ first hop`: what every reply SURB has before its key material. */
export const REPLY_SURB_BASE_LENGTH = REPLY_KEY_LENGTH + 348 + 32;
/** Hops a V1 reply SURB always has. */
export const V1_REPLY_SURB_HOPS = 4;
/** A V1 (legacy) reply SURB: 16 + 348 + 32 + 4·192 = 1164 bytes. */
export const V1_REPLY_SURB_LENGTH = REPLY_SURB_BASE_LENGTH + V1_REPLY_SURB_HOPS * 192;
/** Most hops a SURB can have (Sphinx `MAX_PATH_LENGTH`). */
export const MAX_REPLY_SURB_HOPS = 5;
/** SURB-ack prefix of a Sphinx packet plaintext: 19-byte first hop + 386-byte ack packet. */
const SURB_ACK_LENGTH = 405;
/** BLAKE3 digest of the reply key, in front of every reply body. */
const REPLY_KEY_DIGEST_LENGTH = 32;

/** A reply SURB split into its parts (views of the original bytes). */
export interface ReplySurbParts {
  /** The 16-byte AES-128 key the replier encrypts with. */
  readonly replyKey: Uint8Array;
  /** The SURB bytes for `sphinx/`. */
  readonly surb: Uint8Array;
}

/**
 * Size of a V2 reply SURB with `hops` hops: `16 + 348 + 32 + 16·hops` (460 for 4 hops).
 *
 * @example
 * ```ts
 * import { v2ReplySurbLength } from "./reply_surb.ts";
 * v2ReplySurbLength(4); // 460
 * v2ReplySurbLength(1); // 412
 * ```
 */
export function v2ReplySurbLength(hops: number): number {
  return REPLY_SURB_BASE_LENGTH + hops * 16;
}

/**
 * Hops of a V2 reply SURB of `length` bytes, or `undefined` if no valid hop count (1..5) gives
 * that length.
 *
 * @example
 * ```ts
 * import { v2ReplySurbHops } from "./reply_surb.ts";
 * v2ReplySurbHops(460); // 4
 * v2ReplySurbHops(461); // undefined
 * ```
 */
export function v2ReplySurbHops(length: number): number | undefined {
  const material = length - REPLY_SURB_BASE_LENGTH;
  if (material < 16 || material % 16 !== 0) return undefined;
  const hops = material / 16;
  return hops <= MAX_REPLY_SURB_HOPS ? hops : undefined;
}

/**
 * The first-hop address inside a reply SURB. Upstream checks it when parsing every reply SURB.
 *
 * @example
 * ```ts
 * import { replySurbFirstHop } from "./reply_surb.ts";
 * const surb = new Uint8Array(1164);
 * surb.set([4, 0x06, 0xfd, 1, 2, 3, 4], 16 + 348);
 * replySurbFirstHop(surb); // { ip: "1.2.3.4", port: 1789 }
 * ```
 * @throws {MalformedReplySurbError} if the SURB is too short or the address is malformed.
 */
export function replySurbFirstHop(replySurb: Uint8Array): NymNodeRoutingAddress {
  if (replySurb.length < REPLY_SURB_BASE_LENGTH) {
    throw new MalformedReplySurbError(
      `a reply SURB of ${replySurb.length} bytes is shorter than ${REPLY_SURB_BASE_LENGTH}`,
    );
  }
  try {
    return decodeRoutingAddress(replySurb.subarray(REPLY_KEY_LENGTH + 348, REPLY_SURB_BASE_LENGTH));
  } catch (e) {
    if (e instanceof InvalidRoutingAddressError) {
      throw new MalformedReplySurbError(`reply SURB first hop is malformed: ${e.message}`);
    }
    throw e;
  }
}

/**
 * Splits `reply_key ‖ SURB` into its parts (zero-copy) after checking it is a V1 (1164-byte) or
 * V2 (16 + 380 + 16·hops, 1..5 hops) reply SURB with a parsable first hop.
 *
 * @example
 * ```ts
 * import { splitReplySurb } from "./reply_surb.ts";
 * const bytes = new Uint8Array(460);
 * bytes.set([4, 0, 1, 10, 0, 0, 1], 16 + 348);
 * splitReplySurb(bytes).surb.length; // 444
 * ```
 * @throws {MalformedReplySurbError} for another length or a malformed first hop.
 */
export function splitReplySurb(replySurb: Uint8Array): ReplySurbParts {
  if (
    replySurb.length !== V1_REPLY_SURB_LENGTH && v2ReplySurbHops(replySurb.length) === undefined
  ) {
    throw new MalformedReplySurbError(`${replySurb.length} bytes is not a reply SURB length`);
  }
  replySurbFirstHop(replySurb);
  return {
    replyKey: replySurb.subarray(0, REPLY_KEY_LENGTH),
    surb: replySurb.subarray(REPLY_KEY_LENGTH),
  };
}

/**
 * Joins a reply key and SURB bytes into the wire form.
 *
 * @example
 * ```ts
 * import { joinReplySurb } from "./reply_surb.ts";
 * joinReplySurb(new Uint8Array(16), new Uint8Array(444)).length; // 460
 * ```
 * @throws {InvalidLengthError} if the key is not 16 bytes.
 */
export function joinReplySurb(replyKey: Uint8Array, surb: Uint8Array): Uint8Array {
  if (replyKey.length !== REPLY_KEY_LENGTH) {
    throw new InvalidLengthError(`a reply key is 16 bytes, got ${replyKey.length}`);
  }
  const out = new Uint8Array(REPLY_KEY_LENGTH + surb.length);
  out.set(replyKey);
  out.set(surb, REPLY_KEY_LENGTH);
  return out;
}

/**
 * Upstream `ReplySurb::max_msg_len`: the largest reply fitting one packet of `size`,
 * `pt − 405 − 32 − 1` (one byte is the padding marker). Upstream uses the Sphinx SURB-ack overhead
 * for every size, outfox included.
 *
 * @example
 * ```ts
 * import { PacketSize } from "../framing/packet_size.ts";
 * import { replyMaxMessageLength } from "./reply_surb.ts";
 * replyMaxMessageLength(PacketSize.Regular); // 1610
 * ```
 * @throws {InvalidLengthError} for the ack sizes, which carry no message.
 */
export function replyMaxMessageLength(size: PacketSize): number {
  // Upstream subtracts the Sphinx ack overhead for every size: replies always travel in Sphinx
  // packets built from SURBs.
  const available = packetPlaintextLength(size) - SURB_ACK_LENGTH - REPLY_KEY_DIGEST_LENGTH - 1;
  if (available <= 0) throw new InvalidLengthError(`packet size ${size} carries no message`);
  return available;
}
