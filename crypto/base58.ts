/**
 * Base58 with the Bitcoin alphabet, the text form of every Nym key, address and signature.
 *
 * @module
 */
import { base58 } from "@scure/base";

/** Thrown when a string is not valid base58 or decodes to the wrong length. */
export class InvalidBase58Error extends Error {
  override name = "InvalidBase58Error";
}

/**
 * Encodes bytes as base58 (Bitcoin alphabet, the `bs58` crate's default).
 *
 * @example
 * ```ts
 * import { encodeBase58 } from "./base58.ts";
 * encodeBase58(new Uint8Array([0, 1])); // "12"
 * ```
 */
export function encodeBase58(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

/**
 * Decodes base58; with `expectedLength` the result must have exactly that many bytes.
 *
 * @example
 * ```ts
 * import { decodeBase58 } from "./base58.ts";
 * decodeBase58("12"); // Uint8Array [0, 1]
 * ```
 */
export function decodeBase58(text: string, expectedLength?: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = base58.decode(text);
  } catch {
    throw new InvalidBase58Error(`not valid base58: ${JSON.stringify(text.slice(0, 64))}`);
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new InvalidBase58Error(
      `base58 value decodes to ${out.length} bytes, expected ${expectedLength}`,
    );
  }
  return out;
}
