/**
 * Defensive JSON helpers for the text frames (internal to `gateway/protocol/`). They mirror what
 * serde accepts for the Rust types: byte vectors are JSON arrays of integers `0..=255`, `u8` and
 * `i64` are integers, unknown fields are ignored, `Option` accepts `null` or absence. Everything
 * throws {@linkcode MalformedMessageError} only.
 *
 * @module
 */
import { base64 } from "@scure/base";
import { MalformedMessageError, MessageTooLargeError } from "./errors.ts";

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/**
 * Default bound on a text frame, in UTF-16 code units: 256 KiB. The largest legitimate control
 * message is an `ecashCredential` (a few KiB of credential as a JSON number array, about 4
 * characters per byte); everything else is under 1 KiB.
 */
export const DEFAULT_MAX_TEXT_LENGTH = 256 * 1024;

/** Options of the text parsers. */
export interface ParseOptions {
  /** Longest accepted text, in UTF-16 code units. Default {@linkcode DEFAULT_MAX_TEXT_LENGTH}. */
  readonly maxLength?: number;
}

/**
 * Parses `text` as a JSON object after checking its length.
 *
 * @example
 * ```ts
 * import { parseJsonObject } from "./json.ts";
 * parseJsonObject('{"type":"send"}', 100, "response").type; // "send"
 * ```
 * @throws {MessageTooLargeError} if `text` is longer than `maxLength`.
 * @throws {MalformedMessageError} if it is not JSON or not an object.
 */
export function parseJsonObject(text: string, maxLength: number, what: string): JsonObject {
  if (typeof text !== "string") throw new MalformedMessageError(`${what} is not text`);
  if (text.length > maxLength) throw new MessageTooLargeError(text.length, maxLength);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new MalformedMessageError(
      `${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return asObject(value, what);
}

/**
 * Checks that `value` is a plain JSON object.
 *
 * @example
 * ```ts
 * import { asObject } from "./json.ts";
 * asObject({ a: 1 }, "x").a; // 1
 * ```
 * @throws {MalformedMessageError} otherwise.
 */
export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MalformedMessageError(`${what} is not a JSON object`);
  }
  return value as JsonObject;
}

/**
 * The value of an own property, or `undefined`.
 *
 * @example
 * ```ts
 * import { getField } from "./json.ts";
 * getField({ a: 1 }, "toString"); // undefined
 * ```
 */
export function getField(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function missing(key: string): MalformedMessageError {
  return new MalformedMessageError(`missing field \`${key}\``);
}

/**
 * The message `type` tag.
 *
 * @example
 * ```ts
 * import { readTag } from "./json.ts";
 * readTag({ type: "send" }); // "send"
 * ```
 * @throws {MalformedMessageError} if absent or not a string.
 */
export function readTag(obj: JsonObject): string {
  const tag = getField(obj, "type");
  if (tag === undefined) throw missing("type");
  if (typeof tag !== "string") throw new MalformedMessageError("field `type` is not a string");
  return tag;
}

/**
 * A required string field.
 *
 * @example
 * ```ts
 * import { readString } from "./json.ts";
 * readString({ message: "hi" }, "message"); // "hi"
 * ```
 * @throws {MalformedMessageError} if absent or not a string.
 */
export function readString(obj: JsonObject, key: string): string {
  const v = getField(obj, key);
  if (v === undefined) throw missing(key);
  if (typeof v !== "string") throw new MalformedMessageError(`field \`${key}\` is not a string`);
  return v;
}

/**
 * A required boolean field.
 *
 * @example
 * ```ts
 * import { readBool } from "./json.ts";
 * readBool({ status: true }, "status"); // true
 * ```
 * @throws {MalformedMessageError} if absent or not a boolean.
 */
export function readBool(obj: JsonObject, key: string): boolean {
  const v = getField(obj, key);
  if (v === undefined) throw missing(key);
  if (typeof v !== "boolean") throw new MalformedMessageError(`field \`${key}\` is not a bool`);
  return v;
}

/**
 * An optional boolean that defaults to `false` when absent (`#[serde(default)] bool`).
 *
 * @example
 * ```ts
 * import { readDefaultFalse } from "./json.ts";
 * readDefaultFalse({}, "upgrade_mode"); // false
 * ```
 * @throws {MalformedMessageError} if present and not a boolean.
 */
export function readDefaultFalse(obj: JsonObject, key: string): boolean {
  if (getField(obj, key) === undefined) return false;
  return readBool(obj, key);
}

function checkInteger(value: unknown, key: string, min: number, max: number, type: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new MalformedMessageError(`field \`${key}\` is not a ${type}`);
  }
  return value;
}

/**
 * A required `u8`.
 *
 * @example
 * ```ts
 * import { readU8 } from "./json.ts";
 * readU8({ version: 6 }, "version"); // 6
 * ```
 * @throws {MalformedMessageError} if absent or not an integer in `0..=255`.
 */
export function readU8(obj: JsonObject, key: string): number {
  const v = getField(obj, key);
  if (v === undefined) throw missing(key);
  return checkInteger(v, key, 0, 255, "u8");
}

/**
 * An optional `u8` (`Option<u8>`): absent or `null` give `undefined`.
 *
 * @example
 * ```ts
 * import { readOptionalU8 } from "./json.ts";
 * readOptionalU8({ protocol_version: null }, "protocol_version"); // undefined
 * ```
 * @throws {MalformedMessageError} if present and not a `u8`.
 */
export function readOptionalU8(obj: JsonObject, key: string): number | undefined {
  const v = getField(obj, key);
  if (v === undefined || v === null) return undefined;
  return checkInteger(v, key, 0, 255, "u8");
}

/**
 * A required integer that must be exactly representable (`i64`/`u64` restricted to
 * ±2^53 − 1; larger values would lose precision in JavaScript and are refused).
 *
 * @example
 * ```ts
 * import { readSafeInteger } from "./json.ts";
 * readSafeInteger({ n: -5 }, "n", -100); // -5
 * ```
 * @throws {MalformedMessageError} if absent, not an integer, or outside `[min, 2^53 − 1]`.
 */
export function readSafeInteger(obj: JsonObject, key: string, min: number): number {
  const v = getField(obj, key);
  if (v === undefined) throw missing(key);
  return checkInteger(v, key, min, Number.MAX_SAFE_INTEGER, "representable integer");
}

/**
 * A required byte vector serialised as a JSON array of numbers (serde's `Vec<u8>`), optionally
 * of an exact length.
 *
 * @example
 * ```ts
 * import { readByteArray } from "./json.ts";
 * readByteArray({ data: [1, 2] }, "data"); // Uint8Array [1, 2]
 * ```
 * @throws {MalformedMessageError} if absent, not an array of `u8`, or of the wrong length.
 */
export function readByteArray(obj: JsonObject, key: string, length?: number): Uint8Array {
  const v = getField(obj, key);
  if (v === undefined) throw missing(key);
  if (!Array.isArray(v)) throw new MalformedMessageError(`field \`${key}\` is not a byte array`);
  if (length !== undefined && v.length !== length) {
    throw new MalformedMessageError(
      `field \`${key}\` has ${v.length} bytes, expected ${length}`,
    );
  }
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const b = v[i];
    if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) {
      throw new MalformedMessageError(`field \`${key}\` is not a byte array`);
    }
    out[i] = b;
  }
  return out;
}

/**
 * A required standard-alphabet, padded base64 string (`nym_serde_helpers::base64`, the
 * `base64` crate's `STANDARD` engine: canonical padding, zero trailing bits).
 *
 * @example
 * ```ts
 * import { readBase64 } from "./json.ts";
 * readBase64({ nonce: "AAECAw==" }, "nonce"); // Uint8Array [0, 1, 2, 3]
 * ```
 * @throws {MalformedMessageError} if absent, not a string, or not canonical base64.
 */
export function readBase64(obj: JsonObject, key: string): Uint8Array {
  const s = readString(obj, key);
  try {
    return base64.decode(s);
  } catch {
    throw new MalformedMessageError(`field \`${key}\` is not valid base64`);
  }
}

/**
 * Standard padded base64 of `bytes`.
 *
 * @example
 * ```ts
 * import { toBase64 } from "./json.ts";
 * toBase64(new Uint8Array([0, 1, 2, 3])); // "AAECAw=="
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/**
 * A byte vector as serde writes it: a JSON array of numbers.
 *
 * @example
 * ```ts
 * import { byteArray } from "./json.ts";
 * JSON.stringify(byteArray(new Uint8Array([1, 2]))); // "[1,2]"
 * ```
 */
export function byteArray(bytes: Uint8Array): number[] {
  return Array.from(bytes);
}
