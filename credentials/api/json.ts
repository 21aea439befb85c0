/**
 * JSON field codecs of nym-api's e-cash models (`nym-api-requests/src/ecash/models.rs`), as
 * serde_json renders upstream's types:
 *
 * - G1/G2 points and scalars (`nym-bls12_381-fork` with `experimental_serde`, i.e. serdect in a
 *   human-readable format): **lower-case hex** of the compressed point (48 / 96 bytes) or of the
 *   32-byte little-endian scalar. Upper case is accepted on input.
 * - `time::Date` (`nym_serde_helpers::date`, and `time`'s `serde-human-readable`): `"YYYY-MM-DD"`;
 *   the non-human-readable tuple `[year, ordinal]` is accepted on input.
 * - `TicketType`: kebab-case names (`"v1-mixnet-entry"`).
 * - `ed25519::Signature` and `PayInfo` (`serialize_bytes` / `Vec<u8>`): arrays of byte numbers.
 *
 * Every reader takes the field's `path` for its error and throws only
 * {@linkcode EcashApiFormatError}. Pure and browser-safe.
 *
 * @module
 */
import { fromHex, toHex } from "../../crypto/bytes.ts";
import { dateOfYearOrdinal, formatEcashDate, parseEcashDate } from "../ecash_date.ts";
import { EcashError } from "../errors.ts";
import {
  G1_BYTES,
  g1FromBytes,
  type G1Point,
  g1ToBytes,
  G2_BYTES,
  g2FromBytes,
  type G2Point,
  g2ToBytes,
} from "../group.ts";
import { type Scalar, SCALAR_BYTES, scalarFromBytes, scalarToBytes } from "../scalar.ts";
import { parseTicketType, type TicketType, ticketTypeName } from "../ticket_type.ts";
import { EcashApiFormatError } from "./errors.ts";

/** A JSON value as `JSON.parse` produces it. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * Reads a JSON object.
 *
 * @example
 * ```ts
 * import { readObject } from "./json.ts";
 * readObject({ a: 1 }, "body").a; // 1
 * ```
 */
export function readObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EcashApiFormatError(path, "expected an object");
  }
  return value as Record<string, unknown>;
}

/**
 * Reads the member `key` of an object (missing members are an error).
 *
 * @example
 * ```ts
 * import { readField } from "./json.ts";
 * readField({ epoch_id: 3 }, "epoch_id", ""); // 3
 * ```
 */
export function readField(obj: Record<string, unknown>, key: string, path: string): unknown {
  if (!Object.hasOwn(obj, key) || obj[key] === undefined) {
    throw new EcashApiFormatError(child(path, key), "missing field");
  }
  return obj[key];
}

/**
 * Reads an array of at most `max` elements and maps each through `read`.
 *
 * @example
 * ```ts
 * import { readArray, readUint } from "./json.ts";
 * readArray([1, 2], "xs", 8, (v, p) => readUint(v, p, 10)); // [1, 2]
 * ```
 */
export function readArray<T>(
  value: unknown,
  path: string,
  max: number,
  read: (item: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(value)) throw new EcashApiFormatError(path, "expected an array");
  if (value.length > max) {
    throw new EcashApiFormatError(path, `at most ${max} elements allowed, got ${value.length}`);
  }
  return value.map((item, i) => read(item, child(path, i)));
}

/**
 * Reads a string of at most `maxLength` characters.
 *
 * @example
 * ```ts
 * import { readString } from "./json.ts";
 * readString("n1abc", "gateway_cosmos_addr"); // "n1abc"
 * ```
 */
export function readString(value: unknown, path: string, maxLength = 4096): string {
  if (typeof value !== "string") throw new EcashApiFormatError(path, "expected a string");
  if (value.length > maxLength) {
    throw new EcashApiFormatError(path, `longer than ${maxLength} characters`);
  }
  return value;
}

/**
 * Reads a non-negative integer not above `max` (≤ 2⁵³ − 1).
 *
 * @example
 * ```ts
 * import { readUint } from "./json.ts";
 * readUint(42, "deposit_id", 0xffff_ffff); // 42
 * ```
 */
export function readUint(value: unknown, path: string, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new EcashApiFormatError(path, `expected an integer in 0..${max}`);
  }
  return value;
}

/**
 * Reads an array of exactly `length` byte values (serde's `serialize_bytes` in JSON).
 *
 * @example
 * ```ts
 * import { readByteArray } from "./json.ts";
 * readByteArray([1, 2, 3], "signature", 3); // Uint8Array [1, 2, 3]
 * ```
 */
export function readByteArray(value: unknown, path: string, length: number): Uint8Array {
  if (!Array.isArray(value) || value.length !== length) {
    throw new EcashApiFormatError(path, `expected an array of ${length} bytes`);
  }
  const out = new Uint8Array(length);
  value.forEach((b, i) => out[i] = readUint(b, child(path, i), 255));
  return out;
}

/**
 * Bytes as serde_json writes `serialize_bytes`: an array of numbers.
 *
 * @example
 * ```ts
 * import { byteArrayToJson } from "./json.ts";
 * byteArrayToJson(new Uint8Array([1, 2])); // [1, 2]
 * ```
 */
export function byteArrayToJson(bytes: Uint8Array): number[] {
  return Array.from(bytes);
}

/**
 * Reads a hex string of exactly `length` bytes (either case).
 *
 * @example
 * ```ts
 * import { readHex } from "./json.ts";
 * readHex("00ff", "x", 2); // Uint8Array [0, 255]
 * ```
 */
export function readHex(value: unknown, path: string, length: number): Uint8Array {
  const text = readString(value, path, 2 * length);
  if (text.length !== 2 * length) {
    throw new EcashApiFormatError(path, `expected ${2 * length} hex digits, got ${text.length}`);
  }
  try {
    return fromHex(text);
  } catch {
    throw new EcashApiFormatError(path, "not a hex string");
  }
}

function decoded<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof EcashError) throw new EcashApiFormatError(path, e.message);
    throw e;
  }
}

/**
 * A G1 point as JSON: lower-case hex of its 48 compressed bytes.
 *
 * @example
 * ```ts
 * import { G1 } from "../group.ts";
 * import { g1ToJson } from "./json.ts";
 * g1ToJson(G1.BASE).slice(0, 8); // "97f1d3a7"
 * ```
 */
export function g1ToJson(p: G1Point): string {
  return toHex(g1ToBytes(p));
}

/**
 * Reads a G1 point written by {@linkcode g1ToJson} (on the curve, in the subgroup).
 *
 * @example
 * ```ts
 * import { G1 } from "../group.ts";
 * import { g1FromJson, g1ToJson } from "./json.ts";
 * g1FromJson(g1ToJson(G1.BASE), "h").equals(G1.BASE); // true
 * ```
 */
export function g1FromJson(value: unknown, path: string): G1Point {
  const bytes = readHex(value, path, G1_BYTES);
  return decoded(path, () => g1FromBytes(bytes, path));
}

/**
 * A G2 point as JSON: lower-case hex of its 96 compressed bytes.
 *
 * @example
 * ```ts
 * import { G2 } from "../group.ts";
 * import { g2ToJson } from "./json.ts";
 * g2ToJson(G2.BASE).length; // 192
 * ```
 */
export function g2ToJson(p: G2Point): string {
  return toHex(g2ToBytes(p));
}

/**
 * Reads a G2 point written by {@linkcode g2ToJson}.
 *
 * @example
 * ```ts
 * import { G2 } from "../group.ts";
 * import { g2FromJson, g2ToJson } from "./json.ts";
 * g2FromJson(g2ToJson(G2.BASE), "alpha").equals(G2.BASE); // true
 * ```
 */
export function g2FromJson(value: unknown, path: string): G2Point {
  const bytes = readHex(value, path, G2_BYTES);
  return decoded(path, () => g2FromBytes(bytes, path));
}

/**
 * A scalar as JSON: lower-case hex of its 32 little-endian bytes.
 *
 * @example
 * ```ts
 * import { scalarToJson } from "./json.ts";
 * scalarToJson(1n).slice(0, 4); // "0100"
 * ```
 */
export function scalarToJson(s: Scalar): string {
  return toHex(scalarToBytes(s));
}

/**
 * Reads a canonical scalar (below the group order) written by {@linkcode scalarToJson}.
 *
 * @example
 * ```ts
 * import { scalarFromJson, scalarToJson } from "./json.ts";
 * scalarFromJson(scalarToJson(7n), "challenge"); // 7n
 * ```
 */
export function scalarFromJson(value: unknown, path: string): Scalar {
  const bytes = readHex(value, path, SCALAR_BYTES);
  return decoded(path, () => scalarFromBytes(bytes, path));
}

/**
 * An e-cash date (unix seconds of 00:00 UTC) as JSON: `"YYYY-MM-DD"`.
 *
 * @example
 * ```ts
 * import { dateToJson } from "./json.ts";
 * dateToJson(1702166400); // "2023-12-10"
 * ```
 */
export function dateToJson(unixSeconds: number): string {
  return formatEcashDate(unixSeconds);
}

/**
 * Reads a date: `"YYYY-MM-DD"` or `time`'s compact `[year, ordinal]`; returns unix seconds.
 *
 * @example
 * ```ts
 * import { dateFromJson } from "./json.ts";
 * dateFromJson("2023-12-10", "expiration_date"); // 1702166400
 * dateFromJson([2023, 344], "spend_date"); // 1702166400
 * ```
 */
export function dateFromJson(value: unknown, path: string): number {
  let date: number;
  if (Array.isArray(value)) {
    if (value.length !== 2) throw new EcashApiFormatError(path, "expected [year, ordinal]");
    const year = value[0];
    if (typeof year !== "number" || !Number.isInteger(year) || year < 1970 || year > 9999) {
      throw new EcashApiFormatError(path, "year out of range");
    }
    const ordinal = readUint(value[1], child(path, 1), 366);
    date = decoded(path, () => dateOfYearOrdinal(year, ordinal));
  } else {
    const text = readString(value, path, 10);
    date = decoded(path, () => parseEcashDate(text));
  }
  if (date < 0 || date > 0xffff_ffff) {
    throw new EcashApiFormatError(path, "date outside the u32 unix range");
  }
  return date;
}

/**
 * A ticket type as JSON: its kebab-case name.
 *
 * @example
 * ```ts
 * import { ticketTypeToJson } from "./json.ts";
 * ticketTypeToJson(0); // "v1-mixnet-entry"
 * ```
 */
export function ticketTypeToJson(type: TicketType): string {
  return ticketTypeName(type);
}

/**
 * Reads a ticket type name.
 *
 * @example
 * ```ts
 * import { ticketTypeFromJson } from "./json.ts";
 * ticketTypeFromJson("v1-wireguard-exit", "ticketbook_type"); // 3
 * ```
 */
export function ticketTypeFromJson(value: unknown, path: string): TicketType {
  const text = readString(value, path, 64);
  return decoded(path, () => parseTicketType(text));
}
