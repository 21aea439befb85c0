/**
 * Socket-address normalisation for Noise negotiation, so addresses from the directory and from
 * accepted sockets compare the way Rust's `SocketAddr` values do (by value, not by spelling:
 * `::FFFF:7f00:1` equals `::ffff:127.0.0.1`), plus Rust's `IpAddr::to_canonical`, which turns an
 * IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) into the IPv4 address; a node listening on `[::]`
 * sees IPv4 peers in that mapped form (`nym-node.md` §3.1). Parsing and printing are
 * `util/net.ts`'s (Rust's `std::net` text forms).
 *
 * IPv6 zone identifiers (`%eth0`) are dropped: a Rust `IpAddr` has none.
 *
 * @module
 */
import {
  formatIp,
  InvalidAddressError,
  type IpAddress,
  parseIp,
  parseSocketAddress as parseSocketText,
} from "../util/net.ts";

export { InvalidAddressError, type IpAddress };

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

function withoutZone(text: string): string {
  const zone = text.indexOf("%");
  return zone < 0 ? text : text.slice(0, zone);
}

/**
 * Parses an IPv4 dotted quad or an IPv6 literal (without brackets; a zone id is dropped).
 *
 * @example
 * ```ts
 * import { parseIpAddress } from "./address.ts";
 * parseIpAddress("fe80::1%eth0").family; // 6
 * ```
 */
export function parseIpAddress(text: string): IpAddress {
  if (typeof text !== "string" || text.length > 64) {
    throw new InvalidAddressError("not an IP address");
  }
  return parseIp(withoutZone(text));
}

/**
 * Formats an IP canonically (RFC 5952 for IPv6, `::ffff:a.b.c.d` for IPv4-mapped).
 *
 * @example
 * ```ts
 * import { formatIpAddress, parseIpAddress } from "./address.ts";
 * formatIpAddress(parseIpAddress("2001:DB8::0:1")); // "2001:db8::1"
 * ```
 */
export function formatIpAddress(ip: IpAddress): string {
  return formatIp(ip);
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
  return formatIp(parseIpAddress(text));
}

/**
 * Parses `a.b.c.d:port`, `[v6]:port`, or a `{hostname, port}` object (such as `Deno.NetAddr`).
 *
 * @example
 * ```ts
 * import { parseSocketAddress } from "./address.ts";
 * parseSocketAddress("[::1]:1789").port; // 1789
 * ```
 */
export function parseSocketAddress(input: string | HostPort): SocketAddress {
  if (typeof input === "string") {
    const parsed = parseSocketText(input);
    return { ip: parseIp(parsed.ip), port: parsed.port };
  }
  let host = String(input?.hostname ?? "");
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = input.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidAddressError(`not a port: ${port}`);
  }
  return { ip: parseIpAddress(host), port };
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
  const ip = formatIp(address.ip);
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
