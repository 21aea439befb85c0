/**
 * Typed `config.toml` fields. Each field is a zod codec from the raw TOML value to its typed
 * form and back, so one definition gives validation with a clear message, the TypeScript type,
 * and the value written on save (`load(save(cfg))` equals `cfg`). The encodings follow the real
 * node (`nym-node.md` §1.6): humantime durations, `0` for "no port", `''` for "no value".
 *
 * @module
 */
import { z } from "zod";
import { formatDuration, InvalidDurationError, parseDuration } from "../util/duration.ts";
import { canonicalIp, canonicalSocketAddress, InvalidAddressError, parseIp } from "../util/net.ts";
import { parseCountry, UnknownCountryError } from "../util/country.ts";
import { decodeBase58, InvalidBase58Error } from "../crypto/base58.ts";

/** Thrown by a field decoder; the message describes the bad value (the key is added later). */
export class InvalidFieldError extends Error {
  override name = "InvalidFieldError";
}

/** A value TOML can hold, as written by {@linkcode field} encoders. */
export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };

/**
 * Describes a raw TOML value for an error message: strings quoted, tables and arrays named.
 *
 * @example
 * ```ts
 * import { describeValue } from "./fields.ts";
 * describeValue("x"); // '"x"'
 * describeValue({}); // "a table"
 * ```
 */
export function describeValue(raw: unknown): string {
  if (raw === undefined) return "nothing";
  if (typeof raw === "string") return JSON.stringify(raw);
  if (typeof raw === "number" || typeof raw === "boolean" || typeof raw === "bigint") {
    return String(raw);
  }
  if (Array.isArray(raw)) return "an array";
  if (raw instanceof Date || (typeof raw === "object" && raw !== null && "isDate" in raw)) {
    return "a date";
  }
  return "a table";
}

/**
 * Builds a config field from a decoder (raw TOML value → typed value, throwing
 * {@linkcode InvalidFieldError}) and an encoder (typed value → TOML value). A missing key is
 * reported as missing unless the field is given a `.default(...)`.
 *
 * @example
 * ```ts
 * import { field, InvalidFieldError } from "./fields.ts";
 * const even = field<number>((raw) => {
 *   if (typeof raw !== "number" || raw % 2) throw new InvalidFieldError("is not even");
 *   return raw;
 * }, (v) => v);
 * even.parse(4); // 4
 * ```
 */
export function field<T>(decode: (raw: unknown) => T, encode: (value: T) => TomlValue) {
  return z.codec(z.unknown(), z.custom<T>(() => true), {
    decode: (raw, ctx) => {
      if (raw === undefined) {
        ctx.issues.push({ code: "custom", input: raw, message: "is missing" });
        return z.NEVER;
      }
      try {
        return decode(raw);
      } catch (error) {
        if (!(error instanceof InvalidFieldError)) throw error;
        ctx.issues.push({ code: "custom", input: raw, message: error.message });
        return z.NEVER;
      }
    },
    encode: (value) => encode(value),
  });
}

function expected(what: string, raw: unknown): InvalidFieldError {
  return new InvalidFieldError(`expected ${what}, got ${describeValue(raw)}`);
}

function asString(raw: unknown, what = "a string"): string {
  if (typeof raw !== "string") throw expected(what, raw);
  return raw;
}

/**
 * A boolean.
 *
 * @example
 * ```ts
 * import { boolean } from "./fields.ts";
 * boolean().parse(true); // true
 * ```
 */
export function boolean() {
  return field<boolean>((raw) => {
    if (typeof raw !== "boolean") throw expected("a boolean (true or false)", raw);
    return raw;
  }, (v) => v);
}

/**
 * An integer in `[min, max]`.
 *
 * @example
 * ```ts
 * import { integer } from "./fields.ts";
 * integer(0, 255).parse(16); // 16
 * ```
 */
export function integer(min: number, max: number) {
  return field<number>((raw) => {
    const value = typeof raw === "bigint" ? Number(raw) : raw;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw expected("an integer", raw);
    }
    if (value < min || value > max) {
      throw new InvalidFieldError(`${value} is out of range (${min}..${max})`);
    }
    return value;
  }, (v) => v);
}

/**
 * A finite number, optionally bounded (exclusive bounds with `exclusive: true`).
 *
 * @example
 * ```ts
 * import { float } from "./fields.ts";
 * float({ min: 0, max: 1, exclusive: true }).parse(0.5); // 0.5
 * ```
 */
export function float(bounds: { min?: number; max?: number; exclusive?: boolean } = {}) {
  return field<number>((raw) => {
    if (typeof raw !== "number" || !Number.isFinite(raw)) throw expected("a number", raw);
    const { min, max, exclusive } = bounds;
    const low = min !== undefined && (exclusive ? raw <= min : raw < min);
    const high = max !== undefined && (exclusive ? raw >= max : raw > max);
    if (low || high) {
      const range = exclusive ? `(${min ?? "-inf"}, ${max ?? "inf"})` : `[${min}, ${max}]`;
      throw new InvalidFieldError(`${raw} is out of range ${range}`);
    }
    return raw;
  }, (v) => v);
}

/**
 * Any string (`nonEmpty` rejects `''`).
 *
 * @example
 * ```ts
 * import { string } from "./fields.ts";
 * string({ nonEmpty: true }).parse("my-node"); // "my-node"
 * ```
 */
export function string(options: { nonEmpty?: boolean } = {}) {
  return field<string>((raw) => {
    const value = asString(raw);
    if (options.nonEmpty && value.length === 0) throw new InvalidFieldError("must not be empty");
    return value;
  }, (v) => v);
}

/**
 * An optional string written as `''` when absent (Rust's `de_maybe_stringified`).
 *
 * @example
 * ```ts
 * import { maybeString } from "./fields.ts";
 * maybeString().parse(""); // null
 * ```
 */
export function maybeString() {
  return field<string | null>((raw) => asString(raw) || null, (v) => v ?? "");
}

/**
 * A filesystem path (non-empty string).
 *
 * @example
 * ```ts
 * import { path } from "./fields.ts";
 * path().parse("/var/lib/nym/data/ed25519_identity");
 * ```
 */
export function path() {
  return field<string>((raw) => {
    const value = asString(raw, "a path");
    if (value.length === 0) throw new InvalidFieldError("path must not be empty");
    return value;
  }, (v) => v);
}

/**
 * An optional path written as `''` when absent.
 *
 * @example
 * ```ts
 * import { maybePath } from "./fields.ts";
 * maybePath().parse(""); // null
 * ```
 */
export function maybePath() {
  return field<string | null>((raw) => asString(raw, "a path") || null, (v) => v ?? "");
}

/**
 * A humantime duration (`"10m"`, `"1500ms"`), held as milliseconds.
 *
 * @example
 * ```ts
 * import { duration } from "./fields.ts";
 * duration().parse("1500ms"); // 1500
 * ```
 */
export function duration() {
  return field<number>((raw) => {
    const text = asString(raw, 'a duration string such as "10m"');
    try {
      return parseDuration(text);
    } catch (error) {
      if (error instanceof InvalidDurationError) {
        throw new InvalidFieldError(
          `${JSON.stringify(text)} is not a duration (expected e.g. "10m", "1500ms", "1day")`,
        );
      }
      throw error;
    }
  }, (ms) => formatDuration(ms));
}

/**
 * A socket address (`"[::]:1789"`, `"127.0.0.1:0"`), held in Rust's canonical text form.
 *
 * @example
 * ```ts
 * import { socketAddress } from "./fields.ts";
 * socketAddress().parse("[0::0]:8080"); // "[::]:8080"
 * ```
 */
export function socketAddress() {
  return field<string>((raw) => {
    const text = asString(raw, "a socket address string");
    try {
      return canonicalSocketAddress(text);
    } catch (error) {
      if (error instanceof InvalidAddressError) {
        throw new InvalidFieldError(`${JSON.stringify(text)} is not a socket address`);
      }
      throw error;
    }
  }, (v) => v);
}

function ipFromText(text: string, family?: 4 | 6): string {
  try {
    const ip = parseIp(text);
    if (family && ip.family !== family) {
      throw new InvalidFieldError(`${JSON.stringify(text)} is not an IPv${family} address`);
    }
    return canonicalIp(text);
  } catch (error) {
    if (error instanceof InvalidAddressError) {
      throw new InvalidFieldError(`${JSON.stringify(text)} is not an IP address`);
    }
    throw error;
  }
}

/**
 * An IP address in canonical form, optionally of one family.
 *
 * @example
 * ```ts
 * import { ipAddress } from "./fields.ts";
 * ipAddress(6).parse("fc01:0::1"); // "fc01::1"
 * ```
 */
export function ipAddress(family?: 4 | 6) {
  return field<string>(
    (raw) => ipFromText(asString(raw, "an IP address string"), family),
    (v) => v,
  );
}

/**
 * A list of IP addresses in canonical form.
 *
 * @example
 * ```ts
 * import { ipList } from "./fields.ts";
 * ipList().parse(["1.2.3.4"]); // ["1.2.3.4"]
 * ```
 */
export function ipList() {
  return field<string[]>((raw) => {
    if (!Array.isArray(raw)) throw expected("an array of IP addresses", raw);
    return raw.map((item, i) => {
      if (typeof item !== "string") {
        throw new InvalidFieldError(
          `item ${i}: expected an IP address string, got ${describeValue(item)}`,
        );
      }
      return ipFromText(item);
    });
  }, (v) => [...v]);
}

/**
 * A port number, 0..65535.
 *
 * @example
 * ```ts
 * import { port } from "./fields.ts";
 * port().parse(51822); // 51822
 * ```
 */
export function port() {
  return field<number>((raw) => {
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0 || raw > 65535) {
      throw new InvalidFieldError(`${describeValue(raw)} is not a port number (0-65535)`);
    }
    return raw;
  }, (v) => v);
}

/**
 * An optional port where `0` means "none" (Rust's `de_maybe_port`).
 *
 * @example
 * ```ts
 * import { optionalPort } from "./fields.ts";
 * optionalPort().parse(0); // null
 * ```
 */
export function optionalPort() {
  return field<number | null>((raw) => {
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0 || raw > 65535) {
      throw new InvalidFieldError(
        `${describeValue(raw)} is not a port number (0-65535, 0 = none)`,
      );
    }
    return raw === 0 ? null : raw;
  }, (v) => v ?? 0);
}

function urlFromText(text: string): string {
  let parsed: URL | null = null;
  try {
    parsed = new URL(text);
  } catch {
    // reported below
  }
  if (!parsed || !["http:", "https:"].includes(parsed.protocol) || parsed.host === "") {
    throw new InvalidFieldError(`${JSON.stringify(text)} is not an http(s) URL`);
  }
  return parsed.href;
}

/**
 * An absolute http(s) URL, normalised (`https://a.b` becomes `https://a.b/`, as Rust's `Url` does).
 *
 * @example
 * ```ts
 * import { url } from "./fields.ts";
 * url().parse("https://rpc.nymtech.net"); // "https://rpc.nymtech.net/"
 * ```
 */
export function url() {
  return field<string>((raw) => urlFromText(asString(raw, "a URL string")), (v) => v);
}

/**
 * A list of URLs (`nonEmpty` rejects `[]`).
 *
 * @example
 * ```ts
 * import { urlList } from "./fields.ts";
 * urlList({ nonEmpty: true }).parse(["http://127.0.0.1:8000"]); // ["http://127.0.0.1:8000/"]
 * ```
 */
export function urlList(options: { nonEmpty?: boolean } = {}) {
  return field<string[]>((raw) => {
    if (!Array.isArray(raw)) throw expected("an array of URLs", raw);
    if (options.nonEmpty && raw.length === 0) {
      throw new InvalidFieldError("must list at least one URL");
    }
    return raw.map((item, i) => {
      if (typeof item !== "string") {
        throw new InvalidFieldError(`item ${i}: expected a URL string, got ${describeValue(item)}`);
      }
      return urlFromText(item);
    });
  }, (v) => [...v]);
}

/**
 * An optional country, stored as its ISO 3166-1 alpha-2 code (`''` for none).
 *
 * @example
 * ```ts
 * import { country } from "./fields.ts";
 * country().parse("Poland"); // "PL"
 * ```
 */
export function country() {
  return field<string | null>((raw) => {
    const text = asString(raw, "a country code string");
    if (text === "") return null;
    try {
      return parseCountry(text);
    } catch (error) {
      if (error instanceof UnknownCountryError) throw new InvalidFieldError(error.message);
      throw error;
    }
  }, (v) => v ?? "");
}

/**
 * A base58-encoded key of `length` bytes.
 *
 * @example
 * ```ts
 * import { base58Key } from "./fields.ts";
 * base58Key(32).parse("3bgffBYcfFkTTXc2npNNn9MkddFZ3H2LrPjXDmnJzrqd");
 * ```
 */
export function base58Key(length: number) {
  return field<string>((raw) => {
    const text = asString(raw, "a base58 string");
    try {
      decodeBase58(text, length);
    } catch (error) {
      if (error instanceof InvalidBase58Error) {
        throw new InvalidFieldError(`${JSON.stringify(text)} is not a base58 ${length}-byte key`);
      }
      throw error;
    }
    return text;
  }, (v) => v);
}
