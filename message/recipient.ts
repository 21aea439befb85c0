/**
 * Client addresses (`wire-format.md` §6.2, upstream `common/nymsphinx/addressing/src/clients.rs`):
 * `identity (Ed25519, 32) ‖ encryption key (X25519, 32) ‖ gateway identity (Ed25519, 32)`, or as
 * text `base58(identity).base58(encryption key)@base58(gateway)`.
 *
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { decodeBase58, encodeBase58 } from "../crypto/base58.ts";
import { constantTimeEqual } from "../crypto/bytes.ts";
import { InvalidRecipientError } from "./errors.ts";

/** Length of a binary recipient address. */
export const RECIPIENT_LENGTH = 96;
/** Length of each of the three keys in a recipient. */
export const RECIPIENT_KEY_LENGTH = 32;
// 3 × 44 base58 characters (the longest 32-byte encoding) plus '.' and '@'.
const MAX_RECIPIENT_TEXT_LENGTH = 3 * 44 + 2;

/** A Nym client address. */
export interface Recipient {
  /** The client's Ed25519 identity key; also its Sphinx destination (`wire-format.md` §6.3). */
  readonly identity: Uint8Array;
  /** The client's X25519 key that senders use for per-packet Diffie-Hellman. */
  readonly encryptionKey: Uint8Array;
  /** The Ed25519 identity of the client's gateway (the last Sphinx hop). */
  readonly gateway: Uint8Array;
}

/**
 * Upstream parses both identities as Ed25519 points (`ed25519-dalek` decompression, which accepts
 * non-canonical encodings: the ZIP-215 rules). The X25519 key is not checked.
 */
function checkPoint(key: Uint8Array, what: string): void {
  try {
    ed25519.Point.fromBytes(key, true);
  } catch {
    throw new InvalidRecipientError(`recipient's ${what} is not a valid Ed25519 public key`);
  }
}

function checkKeys(identity: Uint8Array, encryptionKey: Uint8Array, gateway: Uint8Array): void {
  for (
    const [key, what] of [[identity, "identity"], [encryptionKey, "encryption key"], [
      gateway,
      "gateway identity",
    ]] as const
  ) {
    if (key.length !== RECIPIENT_KEY_LENGTH) {
      throw new InvalidRecipientError(`recipient's ${what} must be 32 bytes, got ${key.length}`);
    }
  }
  checkPoint(identity, "identity");
  checkPoint(gateway, "gateway identity");
}

/**
 * Builds a validated recipient from its three keys (copied).
 *
 * @example
 * ```ts
 * import { createRecipient, decodeRecipient, encodeRecipient } from "./recipient.ts";
 * const r = decodeRecipient(new Uint8Array(96).fill(0x01)); // (0x0101… is on the curve)
 * createRecipient(r.identity, r.encryptionKey, r.gateway).gateway.length; // 32
 * encodeRecipient(r).length; // 96
 * ```
 * @throws {InvalidRecipientError} for wrong lengths or invalid Ed25519 identities.
 */
export function createRecipient(
  identity: Uint8Array,
  encryptionKey: Uint8Array,
  gateway: Uint8Array,
): Recipient {
  checkKeys(identity, encryptionKey, gateway);
  return {
    identity: identity.slice(),
    encryptionKey: encryptionKey.slice(),
    gateway: gateway.slice(),
  };
}

/**
 * Serialises a recipient to its 96 bytes.
 *
 * @example
 * ```ts
 * import { decodeRecipient, encodeRecipient } from "./recipient.ts";
 * encodeRecipient(decodeRecipient(new Uint8Array(96).fill(1))).length; // 96
 * ```
 * @throws {InvalidRecipientError} if a key is not 32 bytes.
 */
export function encodeRecipient(recipient: Recipient): Uint8Array {
  const out = new Uint8Array(RECIPIENT_LENGTH);
  writeRecipient(out, 0, recipient);
  return out;
}

/**
 * Writes a recipient's 96 bytes into `target` at `offset`.
 *
 * @example
 * ```ts
 * import { decodeRecipient, writeRecipient } from "./recipient.ts";
 * const out = new Uint8Array(100);
 * writeRecipient(out, 0, decodeRecipient(new Uint8Array(96).fill(1)));
 * ```
 * @throws {InvalidRecipientError} if a key is not 32 bytes or there is no room.
 */
export function writeRecipient(target: Uint8Array, offset: number, recipient: Recipient): void {
  const { identity, encryptionKey, gateway } = recipient;
  if (
    identity.length !== 32 || encryptionKey.length !== 32 || gateway.length !== 32
  ) {
    throw new InvalidRecipientError("every recipient key must be 32 bytes");
  }
  if (offset < 0 || offset + RECIPIENT_LENGTH > target.length) {
    throw new InvalidRecipientError("no room for a 96-byte recipient");
  }
  target.set(identity, offset);
  target.set(encryptionKey, offset + 32);
  target.set(gateway, offset + 64);
}

/**
 * Parses exactly 96 bytes (copied) and validates both identities.
 *
 * @example
 * ```ts
 * import { decodeRecipient } from "./recipient.ts";
 * decodeRecipient(new Uint8Array(96).fill(1)).encryptionKey.length; // 32
 * ```
 * @throws {InvalidRecipientError} for another length or invalid Ed25519 identities.
 */
export function decodeRecipient(bytes: Uint8Array): Recipient {
  if (bytes.length !== RECIPIENT_LENGTH) {
    throw new InvalidRecipientError(`a recipient is 96 bytes, got ${bytes.length}`);
  }
  const identity = bytes.slice(0, 32);
  const encryptionKey = bytes.slice(32, 64);
  const gateway = bytes.slice(64, 96);
  checkKeys(identity, encryptionKey, gateway);
  return { identity, encryptionKey, gateway };
}

/**
 * The text form `identity.encryptionKey@gateway` (each part base58).
 *
 * @example
 * ```ts
 * import { decodeRecipient, formatRecipient } from "./recipient.ts";
 * formatRecipient(decodeRecipient(new Uint8Array(96).fill(1))).includes("@"); // true
 * ```
 */
export function formatRecipient(recipient: Recipient): string {
  return `${encodeBase58(recipient.identity)}.${encodeBase58(recipient.encryptionKey)}@${
    encodeBase58(recipient.gateway)
  }`;
}

function decodeKey(text: string, what: string): Uint8Array {
  try {
    return decodeBase58(text, RECIPIENT_KEY_LENGTH);
  } catch {
    throw new InvalidRecipientError(`recipient's ${what} is not 32 bytes of base58`);
  }
}

/**
 * Parses the text form. There must be exactly one `@`, and exactly one `.` before it.
 *
 * @example
 * ```ts
 * import { parseRecipient } from "./recipient.ts";
 * const r = parseRecipient(
 *   "5WdCMZXZBkGsXwPqzxwJqf9sSzyRLt3xmhuGDBaXiQh5.7nFB8HqKM9jxExRkfhUoLb6oo2LSCDDesP5uuXH5iWY1@3yv4qTKVxC5Vqgtshzkcm8nT1q9zeETnj3RMDiaREeB5",
 * );
 * r.identity[0]; // 0x43
 * ```
 * @throws {InvalidRecipientError} for malformed text or keys.
 */
export function parseRecipient(text: string): Recipient {
  if (text.length > MAX_RECIPIENT_TEXT_LENGTH) {
    throw new InvalidRecipientError(`recipient text of ${text.length} characters is too long`);
  }
  const halves = text.split("@");
  if (halves.length !== 2) {
    throw new InvalidRecipientError(
      "the string address does not contain exactly a single '@' character",
    );
  }
  const client = halves[0].split(".");
  if (client.length !== 2) {
    throw new InvalidRecipientError(
      "the string address does not contain exactly a single '.' character",
    );
  }
  const identity = decodeKey(client[0], "identity");
  const encryptionKey = decodeKey(client[1], "encryption key");
  const gateway = decodeKey(halves[1], "gateway identity");
  checkKeys(identity, encryptionKey, gateway);
  return { identity, encryptionKey, gateway };
}

/**
 * Whether two recipients have the same three keys.
 *
 * @example
 * ```ts
 * import { decodeRecipient, recipientsEqual } from "./recipient.ts";
 * const a = decodeRecipient(new Uint8Array(96).fill(1));
 * recipientsEqual(a, decodeRecipient(new Uint8Array(96).fill(1))); // true
 * ```
 */
export function recipientsEqual(a: Recipient, b: Recipient): boolean {
  return constantTimeEqual(a.identity, b.identity) &&
    constantTimeEqual(a.encryptionKey, b.encryptionKey) && constantTimeEqual(a.gateway, b.gateway);
}
