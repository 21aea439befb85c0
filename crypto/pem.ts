/**
 * RFC 1421-style PEM armour, the on-disk format of every nym-node key file
 * (`nym-node.md` §1.5): `-----BEGIN <TAG>-----`, base64 body, `-----END <TAG>-----`.
 *
 * @module
 */

/** Thrown when a PEM document is malformed or carries an unexpected tag. */
export class InvalidPemError extends Error {
  override name = "InvalidPemError";
}

/**
 * Armours bytes as PEM with the given tag, wrapping base64 at 64 columns.
 *
 * @example
 * ```ts
 * import { encodePem } from "./pem.ts";
 * encodePem("ED25519 PUBLIC KEY", new Uint8Array(32));
 * ```
 */
export function encodePem(tag: string, bytes: Uint8Array): string {
  let b64 = "";
  // btoa needs a binary string; chunk to avoid call-stack limits on large inputs.
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  b64 = btoa(binary);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${tag}-----\n${lines.join("\n")}\n-----END ${tag}-----\n`;
}

/**
 * Parses a PEM document and returns its tag and body.
 *
 * @example
 * ```ts
 * import { decodePem, encodePem } from "./pem.ts";
 * decodePem(encodePem("X", new Uint8Array([1]))); // { tag: "X", bytes: [1] }
 * ```
 */
export function decodePem(text: string): { tag: string; bytes: Uint8Array } {
  const match =
    /^\s*-----BEGIN ([A-Z0-9 \-]+)-----\r?\n([\s\S]*?)\r?\n?-----END ([A-Z0-9 \-]+)-----\s*$/
      .exec(text);
  if (!match) throw new InvalidPemError("not a PEM document");
  const [, begin, body, end] = match;
  if (begin !== end) {
    throw new InvalidPemError(`PEM BEGIN tag "${begin}" does not match END tag "${end}"`);
  }
  const b64 = body.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw new InvalidPemError("PEM body is not valid base64");
  }
  let binary: string;
  try {
    binary = atob(b64);
  } catch {
    throw new InvalidPemError("PEM body is not valid base64");
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { tag: begin, bytes };
}

/**
 * Parses a PEM document that must carry `expectedTag` and, optionally, `expectedLength` bytes.
 *
 * @example
 * ```ts
 * import { decodePemExpecting, encodePem } from "./pem.ts";
 * decodePemExpecting(encodePem("X", new Uint8Array(4)), "X", 4);
 * ```
 */
export function decodePemExpecting(
  text: string,
  expectedTag: string,
  expectedLength?: number,
): Uint8Array {
  const { tag, bytes } = decodePem(text);
  if (tag !== expectedTag) {
    throw new InvalidPemError(`PEM tag is "${tag}", expected "${expectedTag}"`);
  }
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new InvalidPemError(`PEM body has ${bytes.length} bytes, expected ${expectedLength}`);
  }
  return bytes;
}
