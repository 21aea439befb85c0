/**
 * IP and socket-address parsing and normalisation, so addresses from the directory and from
 * accepted sockets compare the way Rust's `IpAddr` / `SocketAddr` values do (by value, not by
 * spelling: `::FFFF:7f00:1` equals `::ffff:127.0.0.1`). Also Rust's `IpAddr::to_canonical`,
 * which turns an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) into the IPv4 address; a node
 * listening on `[::]` sees IPv4 peers in that mapped form (`nym-node.md` §3.1).
 *
 * IPv6 zone identifiers (`%eth0`) are dropped: a Rust `IpAddr` has none.
 *
 * @module
 */

/**
 * Thrown for text that is not a valid IP or socket address.
 *
 * @example
 * ```ts
 * import { InvalidAddressError, parseIpAddress } from "./address.ts";
 * try {
 *   parseIpAddress("300.1.1.1");
 * } catch (e) {
 *   e instanceof InvalidAddressError; // true
 * }
 * ```
 */
export class InvalidAddressError extends Error {
  override name = "InvalidAddressError";
}

/** A parsed IP address. */
export interface IpAddress {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** 4 or 16 network-order bytes. */
  readonly bytes: Uint8Array;
}

/** A parsed socket address. */
export interface SocketAddress {
  /** The IP. */
  readonly ip: IpAddress;
  /** The TCP port, 0–65535. */
  readonly port: number;
}

/** A `Deno.NetAddr`-like host and port. */
export interface HostPort {
  /** IP literal (IPv6 without brackets). */
  readonly hostname: string;
  /** TCP port. */
  readonly port: number;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // Rust's parser (like most modern ones) rejects leading zeros, which some read as octal.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIpv6(input: string): Uint8Array | null {
  let text = input;
  const zone = text.indexOf("%");
  if (zone >= 0) {
    if (zone === text.length - 1) return null;
    text = text.slice(0, zone);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (allowV4Tail && i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIpv4(g);
        if (v4 === null) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0], false);
    const tail = parseGroups(halves[1], true);
    if (head === null || tail === null || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(halves[0], true);
    if (all === null || all.length !== 8) return null;
    groups = all;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >>> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  return out;
}

/**
 * Parses an IPv4 dotted quad or an IPv6 literal (without brackets).
 *
 * @example
 * ```ts
 * import { parseIpAddress } from "./address.ts";
 * parseIpAddress("::1").family; // 6
 * ```
 */
export function parseIpAddress(text: string): IpAddress {
  if (typeof text === "string" && text.length <= 64) {
    if (text.includes(":")) {
      const bytes = parseIpv6(text);
      if (bytes) return { family: 6, bytes };
    } else {
      const bytes = parseIpv4(text);
      if (bytes) return { family: 4, bytes };
    }
  }
  throw new InvalidAddressError(`not an IP address: ${JSON.stringify(String(text).slice(0, 80))}`);
}

/**
 * Formats an address in one canonical spelling: dotted quad, or RFC 5952 IPv6 (lower case,
 * longest zero run as `::`, `::ffff:a.b.c.d` for IPv4-mapped).
 *
 * @example
 * ```ts
 * import { formatIpAddress, parseIpAddress } from "./address.ts";
 * formatIpAddress(parseIpAddress("2001:DB8:0:0:0:0:0:1")); // "2001:db8::1"
 * ```
 */
export function formatIpAddress(ip: IpAddress): string {
  const b = ip.bytes;
  if (ip.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (isIpv4Mapped(ip)) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

function isIpv4Mapped(ip: IpAddress): boolean {
  if (ip.family !== 6) return false;
  for (let i = 0; i < 10; i++) if (ip.bytes[i] !== 0) return false;
  return ip.bytes[10] === 0xff && ip.bytes[11] === 0xff;
}

/**
 * Rust's `IpAddr::to_canonical`: an IPv4-mapped IPv6 address becomes its IPv4 address; every
 * other address is returned unchanged.
 *
 * @example
 * ```ts
 * import { formatIpAddress, parseIpAddress, toCanonicalIp } from "./address.ts";
 * formatIpAddress(toCanonicalIp(parseIpAddress("::ffff:10.0.0.1"))); // "10.0.0.1"
 * ```
 */
export function toCanonicalIp(ip: IpAddress): IpAddress {
  return isIpv4Mapped(ip) ? { family: 4, bytes: ip.bytes.slice(12) } : ip;
}

/**
 * Parses and re-formats an IP literal, so equal addresses get equal strings (no mapping of
 * IPv4-mapped addresses; see {@linkcode toCanonicalIp}).
 *
 * @example
 * ```ts
 * import { normalizeIpAddress } from "./address.ts";
 * normalizeIpAddress("::FFFF:7f00:1"); // "::ffff:127.0.0.1"
 * ```
 */
export function normalizeIpAddress(text: string): string {
  return formatIpAddress(parseIpAddress(text));
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidAddressError(`not a port: ${port}`);
  }
  return port;
}

/**
 * Parses `a.b.c.d:port`, `[v6]:port`, or a `{hostname, port}` object (such as
 * `Deno.NetAddr`).
 *
 * @example
 * ```ts
 * import { parseSocketAddress } from "./address.ts";
 * parseSocketAddress("[::1]:1789").port; // 1789
 * ```
 */
export function parseSocketAddress(input: string | HostPort): SocketAddress {
  if (typeof input !== "string") {
    let host = String(input?.hostname ?? "");
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    return { ip: parseIpAddress(host), port: checkPort(input.port) };
  }
  let host: string;
  let portText: string;
  if (input.startsWith("[")) {
    const close = input.indexOf("]");
    if (close < 0 || input[close + 1] !== ":") {
      throw new InvalidAddressError(`not a socket address: ${JSON.stringify(input.slice(0, 80))}`);
    }
    host = input.slice(1, close);
    portText = input.slice(close + 2);
    if (!host.includes(":")) throw new InvalidAddressError(`bracketed host must be IPv6`);
  } else {
    const colon = input.lastIndexOf(":");
    host = input.slice(0, colon);
    portText = input.slice(colon + 1);
    if (colon < 0 || host.includes(":")) {
      throw new InvalidAddressError(
        `not a socket address (IPv6 needs brackets): ${JSON.stringify(input.slice(0, 80))}`,
      );
    }
  }
  if (!/^[0-9]{1,5}$/.test(portText)) throw new InvalidAddressError(`bad port in ${input}`);
  return { ip: parseIpAddress(host), port: checkPort(Number(portText)) };
}

/**
 * Formats a socket address canonically: `a.b.c.d:port` or `[v6]:port`.
 *
 * @example
 * ```ts
 * import { formatSocketAddress, parseSocketAddress } from "./address.ts";
 * formatSocketAddress(parseSocketAddress("[0:0::1]:80")); // "[::1]:80"
 * ```
 */
export function formatSocketAddress(address: SocketAddress): string {
  const ip = formatIpAddress(address.ip);
  return address.ip.family === 4 ? `${ip}:${address.port}` : `[${ip}]:${address.port}`;
}

/**
 * Parses and re-formats a socket address so equal addresses get equal strings.
 *
 * @example
 * ```ts
 * import { normalizeSocketAddress } from "./address.ts";
 * normalizeSocketAddress({ hostname: "::1", port: 1789 }); // "[::1]:1789"
 * ```
 */
export function normalizeSocketAddress(input: string | HostPort): string {
  return formatSocketAddress(parseSocketAddress(input));
}
