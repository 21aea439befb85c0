/**
 * Small byte helpers shared by every protocol module.
 *
 * @module
 */

/**
 * Concatenates byte arrays into a new array.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * concatBytes(new Uint8Array([1]), new Uint8Array([2, 3])); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Compares two byte arrays in time that depends only on their lengths.
 *
 * @example
 * ```ts
 * import { constantTimeEqual } from "./bytes.ts";
 * constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])); // true
 * ```
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * XORs `source` into `target` in place over the length of `source`.
 *
 * @example
 * ```ts
 * import { xorInto } from "./bytes.ts";
 * const t = new Uint8Array([1, 1]);
 * xorInto(t, new Uint8Array([1, 0])); // t is now [0, 1]
 * ```
 */
export function xorInto(target: Uint8Array, source: Uint8Array): void {
  const n = source.length;
  if (n > target.length) throw new RangeError("xorInto: source longer than target");
  // Word-wise XOR when both views are 4-byte aligned: Lioness XORs ~2 KB per call.
  if ((target.byteOffset & 3) === 0 && (source.byteOffset & 3) === 0 && n >= 16) {
    const words = n >>> 2;
    const t32 = new Uint32Array(target.buffer, target.byteOffset, words);
    const s32 = new Uint32Array(source.buffer, source.byteOffset, words);
    for (let i = 0; i < words; i++) t32[i] ^= s32[i];
    for (let i = words << 2; i < n; i++) target[i] ^= source[i];
    return;
  }
  for (let i = 0; i < n; i++) target[i] ^= source[i];
}

const HEX = "0123456789abcdef";

/**
 * Encodes bytes as lower-case hexadecimal.
 *
 * @example
 * ```ts
 * import { toHex } from "./bytes.ts";
 * toHex(new Uint8Array([0xde, 0xad])); // "dead"
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/** Thrown when a hexadecimal string is malformed. */
export class InvalidHexError extends Error {
  override name = "InvalidHexError";
}

/**
 * Decodes a hexadecimal string (either case, even length).
 *
 * @example
 * ```ts
 * import { fromHex } from "./bytes.ts";
 * fromHex("dead"); // Uint8Array [0xde, 0xad]
 * ```
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new InvalidHexError("invalid hex string");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Reads a big-endian u64 as a bigint without allocating a DataView per call site.
 *
 * @example
 * ```ts
 * import { readU64BE } from "./bytes.ts";
 * readU64BE(new Uint8Array([0, 0, 0, 0, 0, 0, 1, 0]), 0); // 256n
 * ```
 */
export function readU64BE(bytes: Uint8Array, offset: number): bigint {
  const hi = ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) |
    bytes[offset + 3]) >>> 0;
  const lo = ((bytes[offset + 4] << 24) | (bytes[offset + 5] << 16) | (bytes[offset + 6] << 8) |
    bytes[offset + 7]) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Writes a bigint as a big-endian u64 (it must be in `[0, 2^64)`).
 *
 * @example
 * ```ts
 * import { writeU64BE } from "./bytes.ts";
 * const b = new Uint8Array(8);
 * writeU64BE(b, 0, 256n); // b = [0,0,0,0,0,0,1,0]
 * ```
 */
export function writeU64BE(bytes: Uint8Array, offset: number, value: bigint): void {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError("u64 out of range");
  const hi = Number(value >> 32n);
  const lo = Number(value & 0xffff_ffffn);
  bytes[offset] = hi >>> 24;
  bytes[offset + 1] = (hi >>> 16) & 0xff;
  bytes[offset + 2] = (hi >>> 8) & 0xff;
  bytes[offset + 3] = hi & 0xff;
  bytes[offset + 4] = lo >>> 24;
  bytes[offset + 5] = (lo >>> 16) & 0xff;
  bytes[offset + 6] = (lo >>> 8) & 0xff;
  bytes[offset + 7] = lo & 0xff;
}
