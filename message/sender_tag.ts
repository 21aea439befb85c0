/**
 * Anonymous sender tags (`clients.md` §3.3): 16 random bytes a sender attaches to repliable
 * messages so the recipient can group its reply SURBs without learning the sender's address.
 * APIs show them as base58.
 *
 * @module
 */
import { decodeBase58, encodeBase58 } from "../crypto/base58.ts";
import type { RandomSource } from "../crypto/random.ts";
import { InvalidSenderTagError } from "./errors.ts";

/** Length of a sender tag. */
export const SENDER_TAG_LENGTH = 16;

/**
 * Draws a fresh tag from `random`.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../crypto/random.ts";
 * import { generateSenderTag } from "./sender_tag.ts";
 * generateSenderTag(systemRandom).length; // 16
 * ```
 */
export function generateSenderTag(random: RandomSource): Uint8Array {
  const tag = random(SENDER_TAG_LENGTH);
  if (tag.length !== SENDER_TAG_LENGTH) {
    throw new InvalidSenderTagError("random source returned the wrong number of bytes");
  }
  return tag;
}

/**
 * The base58 form of a tag.
 *
 * @example
 * ```ts
 * import { formatSenderTag } from "./sender_tag.ts";
 * formatSenderTag(new Uint8Array(16)); // "1111111111111111"
 * ```
 * @throws {InvalidSenderTagError} if `tag` is not 16 bytes.
 */
export function formatSenderTag(tag: Uint8Array): string {
  if (tag.length !== SENDER_TAG_LENGTH) {
    throw new InvalidSenderTagError(`a sender tag is 16 bytes, got ${tag.length}`);
  }
  return encodeBase58(tag);
}

/**
 * Parses a base58 tag; it must decode to exactly 16 bytes.
 *
 * @example
 * ```ts
 * import { parseSenderTag } from "./sender_tag.ts";
 * parseSenderTag("1111111111111111").length; // 16
 * ```
 * @throws {InvalidSenderTagError} for bad base58 or another length.
 */
export function parseSenderTag(text: string): Uint8Array {
  // 16 bytes are at most 22 base58 digits; longer text cannot be valid and is not decoded.
  if (text.length > 32) {
    throw new InvalidSenderTagError(`sender tag text of ${text.length} characters is too long`);
  }
  try {
    return decodeBase58(text, SENDER_TAG_LENGTH);
  } catch {
    throw new InvalidSenderTagError(`${JSON.stringify(text)} is not a base58 16-byte sender tag`);
  }
}
