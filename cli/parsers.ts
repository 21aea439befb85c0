/**
 * Parsers for command-line values. Each throws commander's `InvalidArgumentError` with a short
 * reason, which commander turns into one error line naming the option.
 *
 * @module
 */
import { InvalidArgumentError } from "commander";
import { canonicalIp, canonicalSocketAddress, InvalidAddressError } from "../util/net.ts";
import { parseCountry, UnknownCountryError } from "../util/country.ts";
import { decodeBase58, InvalidBase58Error } from "../crypto/base58.ts";
import type { NodeMode } from "../node/context.ts";

/**
 * Parses a comma-separated list of IP addresses into canonical form.
 *
 * @example
 * ```ts
 * import { parseIpList } from "./parsers.ts";
 * parseIpList("1.2.3.4, 2001:db8::1"); // ["1.2.3.4", "2001:db8::1"]
 * ```
 */
export function parseIpList(value: string): string[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError("expected at least one IP address");
  return items.map((item) => {
    try {
      return canonicalIp(item);
    } catch (error) {
      if (error instanceof InvalidAddressError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  });
}

/**
 * Parses a socket address (`ip:port`, `[ipv6]:port`).
 *
 * @example
 * ```ts
 * import { parseSocket } from "./parsers.ts";
 * parseSocket("127.0.0.1:0"); // "127.0.0.1:0"
 * ```
 */
export function parseSocket(value: string): string {
  try {
    return canonicalSocketAddress(value.trim());
  } catch (error) {
    if (error instanceof InvalidAddressError) {
      throw new InvalidArgumentError(
        `${JSON.stringify(value)} is not a socket address (e.g. 0.0.0.0:1789 or [::]:1789)`,
      );
    }
    throw error;
  }
}

/**
 * Parses a port number 0..65535.
 *
 * @example
 * ```ts
 * import { parsePort } from "./parsers.ts";
 * parsePort("9001"); // 9001
 * ```
 */
export function parsePort(value: string): number {
  const trimmed = value.trim();
  if (!/^\d{1,5}$/.test(trimmed) || Number(trimmed) > 65535) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a port number (0-65535)`);
  }
  return Number(trimmed);
}

/**
 * Parses an integer in `[min, max]`.
 *
 * @example
 * ```ts
 * import { parseIntegerIn } from "./parsers.ts";
 * parseIntegerIn(0, 32)("16"); // 16
 * ```
 */
export function parseIntegerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const trimmed = value.trim();
    const n = Number(trimmed);
    if (!/^-?\d+$/.test(trimmed) || n < min || n > max) {
      throw new InvalidArgumentError(
        `${JSON.stringify(value)} is not an integer in ${min}..${max}`,
      );
    }
    return n;
  };
}

/**
 * Parses a boolean value the way clap does (`true`/`false`, also `1`/`0`, `yes`/`no`, `on`/`off`).
 *
 * @example
 * ```ts
 * import { parseBool } from "./parsers.ts";
 * parseBool("false"); // false
 * ```
 */
export function parseBool(value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (["true", "1", "yes", "y", "on"].includes(lower)) return true;
  if (["false", "0", "no", "n", "off"].includes(lower)) return false;
  throw new InvalidArgumentError(`${JSON.stringify(value)} is not a boolean (true or false)`);
}

/**
 * Parses a comma-separated list of http(s) URLs (normalised like Rust's `Url`).
 *
 * @example
 * ```ts
 * import { parseUrlList } from "./parsers.ts";
 * parseUrlList("http://127.0.0.1:8000"); // ["http://127.0.0.1:8000/"]
 * ```
 */
export function parseUrlList(value: string): string[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError("expected at least one URL");
  return items.map(parseUrl);
}

/**
 * Parses one http(s) URL.
 *
 * @example
 * ```ts
 * import { parseUrl } from "./parsers.ts";
 * parseUrl("https://nymtech.net"); // "https://nymtech.net/"
 * ```
 */
export function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a URL`);
  }
  if (!["http:", "https:"].includes(url.protocol) || !url.host) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not an http(s) URL`);
  }
  return url.href;
}

/**
 * Parses a country name or alpha-2 code into the alpha-2 code.
 *
 * @example
 * ```ts
 * import { parseLocation } from "./parsers.ts";
 * parseLocation("Poland"); // "PL"
 * ```
 */
export function parseLocation(value: string): string {
  try {
    return parseCountry(value);
  } catch (error) {
    if (error instanceof UnknownCountryError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/**
 * Parses a base58 Ed25519 public key.
 *
 * @example
 * ```ts
 * import { parseEd25519Key } from "./parsers.ts";
 * parseEd25519Key("3bgffBYcfFkTTXc2npNNn9MkddFZ3H2LrPjXDmnJzrqd");
 * ```
 */
export function parseEd25519Key(value: string): string {
  try {
    decodeBase58(value.trim(), 32);
    return value.trim();
  } catch (error) {
    if (error instanceof InvalidBase58Error) {
      throw new InvalidArgumentError(`${JSON.stringify(value)} is not a base58 ed25519 public key`);
    }
    throw error;
  }
}

/** Mode names and aliases accepted by `--mode` / `--modes`, and what each enables. */
export const MODE_NAMES: Readonly<Record<string, readonly NodeMode[]>> = {
  mixnode: ["mixnode"],
  mix: ["mixnode"],
  "entry-gateway": ["entry"],
  entry: ["entry"],
  gateway: ["entry"],
  "exit-gateway": ["entry", "exit"],
  exit: ["entry", "exit"],
  "exit-providers-only": ["exit"],
};

/**
 * Parses one or more (comma- or space-separated) mode names into the modes they enable.
 *
 * @example
 * ```ts
 * import { parseModes } from "./parsers.ts";
 * parseModes("exit"); // ["entry", "exit"]
 * ```
 */
export function parseModes(value: string): NodeMode[] {
  const names = value.split(/[\s,]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  const out = new Set<NodeMode>();
  for (const name of names) {
    const modes = MODE_NAMES[name];
    if (!modes) {
      throw new InvalidArgumentError(
        `${
          JSON.stringify(name)
        } is not a mode (use mixnode, entry-gateway, exit-gateway or exit-providers-only; aliases mix, entry, gateway, exit)`,
      );
    }
    for (const mode of modes) out.add(mode);
  }
  return [...out];
}

/**
 * Parses an output format (`text` or `json`).
 *
 * @example
 * ```ts
 * import { parseOutputFormat } from "./parsers.ts";
 * parseOutputFormat("json"); // "json"
 * ```
 */
export function parseOutputFormat(value: string): "text" | "json" {
  const lower = value.trim().toLowerCase();
  if (lower === "text" || lower === "json") return lower;
  throw new InvalidArgumentError(`${JSON.stringify(value)} is not an output format (text or json)`);
}
