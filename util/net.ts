/**
 * IP and socket addresses in the exact text forms Rust's `std::net` parses and prints. The
 * printed form matters: nym-api re-serialises signed host information with Rust's `Display`
 * and verifies the signature over it (`nym-node.md` §2.2), so IPv6 must be RFC 5952-compressed
 * lower-case hex and IPv4-mapped addresses must print as `::ffff:a.b.c.d`.
 *
 * @module
 */

/** Thrown when text is not an IP or socket address. */
export class InvalidAddressError extends Error {
  override name = "InvalidAddressError";
}

/** A parsed IP address: 4 or 16 network-order bytes. */
export interface IpAddress {
  /** 4 for IPv4, 6 for IPv6. */
  readonly family: 4 | 6;
  /** The address bytes (4 or 16). */
  readonly bytes: Uint8Array;
}

/** A parsed socket address. */
export interface SocketAddress {
  /** The IP in canonical text form (no brackets). */
  readonly ip: string;
  /** 4 for IPv4, 6 for IPv6. */
  readonly family: 4 | 6;
  /** Port, 0..65535. */
  readonly port: number;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i];
    // Rust rejects empty octets, non-digits and leading zeros ("01").
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    out[i] = value;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i];
      if (allowV4Tail && i === groups.length - 1 && group.includes(".")) {
        const v4 = parseIpv4(group);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0], false);
    const tail = parseGroups(halves[1], true);
    if (!head || !tail) return null;
    // "::" stands for at least one zero group.
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = parseGroups(text, true);
    if (!all || all.length !== 8) return null;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((group, i) => {
    out[2 * i] = group >> 8;
    out[2 * i + 1] = group & 0xff;
  });
  return out;
}

/**
 * Parses an IPv4 or IPv6 address (no brackets, no zone id), as Rust's `IpAddr::from_str` does.
 *
 * @example
 * ```ts
 * import { parseIp } from "./net.ts";
 * parseIp("2001:db8::1").family; // 6
 * ```
 */
export function parseIp(text: string): IpAddress {
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = text.includes(":") ? parseIpv6(text) : null;
  if (v6) return { family: 6, bytes: v6 };
  throw new InvalidAddressError(`${JSON.stringify(text)} is not an IP address`);
}

function ipv4Text(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * Prints an address like Rust's `Display`: dotted quad for IPv4; for IPv6 RFC 5952 (lower-case,
 * longest run of two or more zero groups compressed, the first one on a tie) and `::ffff:a.b.c.d`
 * for IPv4-mapped addresses.
 *
 * @example
 * ```ts
 * import { formatIp, parseIp } from "./net.ts";
 * formatIp(parseIp("2001:0DB8:0:0:0:0:0:1")); // "2001:db8::1"
 * ```
 */
export function formatIp(ip: IpAddress): string {
  const b = ip.bytes;
  if (ip.family === 4) return ipv4Text(b);
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[2 * i] << 8) | b[2 * i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${ipv4Text(b, 12)}`;
  }
  let bestStart = -1;
  let bestLength = 0;
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
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(":");
  if (bestLength < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/**
 * Parses and re-prints an IP address in canonical form.
 *
 * @example
 * ```ts
 * import { canonicalIp } from "./net.ts";
 * canonicalIp("0:0:0:0:0:0:0:1"); // "::1"
 * ```
 */
export function canonicalIp(text: string): string {
  return formatIp(parseIp(text));
}

/**
 * Whether `ip` is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped loopback).
 *
 * @example
 * ```ts
 * import { isLoopbackIp, parseIp } from "./net.ts";
 * isLoopbackIp(parseIp("127.0.0.2")); // true
 * ```
 */
export function isLoopbackIp(ip: IpAddress): boolean {
  const v4 = asIpv4(ip);
  if (v4) return v4[0] === 127;
  return ip.bytes.subarray(0, 15).every((x) => x === 0) && ip.bytes[15] === 1;
}

/**
 * Whether `ip` is the unspecified address (0.0.0.0 or ::).
 *
 * @example
 * ```ts
 * import { isUnspecifiedIp, parseIp } from "./net.ts";
 * isUnspecifiedIp(parseIp("::")); // true
 * ```
 */
export function isUnspecifiedIp(ip: IpAddress): boolean {
  return ip.bytes.every((x) => x === 0);
}

function asIpv4(ip: IpAddress): Uint8Array | null {
  if (ip.family === 4) return ip.bytes;
  const b = ip.bytes;
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.subarray(12) : null;
}

/**
 * Whether `ip` is globally routable, as nym-node requires of announced public IPs unless
 * `--local` is given: not private, loopback, link-local, shared (CGNAT), documentation,
 * benchmarking, reserved, multicast, broadcast, unique-local or unspecified.
 *
 * @example
 * ```ts
 * import { isGlobalIp, parseIp } from "./net.ts";
 * isGlobalIp(parseIp("1.1.1.1")); // true
 * isGlobalIp(parseIp("10.0.0.1")); // false
 * ```
 */
export function isGlobalIp(ip: IpAddress): boolean {
  const v4 = asIpv4(ip);
  if (v4) {
    const [a, b, c] = v4;
    if (a === 0 || a === 10 || a === 127) return false;
    if (a === 100 && b >= 64 && b <= 127) return false; // shared address space
    if (a === 169 && b === 254) return false; // link-local
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol, TEST-NET-1
    if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
    if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
    if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
    if (a >= 224) return false; // multicast, reserved, broadcast
    return true;
  }
  const bytes = ip.bytes;
  if (isUnspecifiedIp(ip) || isLoopbackIp(ip)) return false;
  if (bytes[0] === 0xff) return false; // multicast
  if ((bytes[0] & 0xfe) === 0xfc) return false; // unique local fc00::/7
  if (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80) return false; // link-local fe80::/10
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0x0d && bytes[3] === 0xb8) {
    return false; // documentation 2001:db8::/32
  }
  return true;
}

/**
 * Parses `ip:port` / `[ipv6]:port` (Rust's `SocketAddr::from_str`; no host names).
 *
 * @example
 * ```ts
 * import { parseSocketAddress } from "./net.ts";
 * parseSocketAddress("[::]:8080"); // { ip: "::", family: 6, port: 8080 }
 * ```
 */
export function parseSocketAddress(text: string): SocketAddress {
  const bad = () => new InvalidAddressError(`${JSON.stringify(text)} is not a socket address`);
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") throw bad();
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!host.includes(":")) throw bad();
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw bad();
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) throw bad();
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad();
  let ip: IpAddress;
  try {
    ip = parseIp(host);
  } catch {
    throw bad();
  }
  return { ip: formatIp(ip), family: ip.family, port: Number(portText) };
}

/**
 * Prints a socket address like Rust (`1.2.3.4:80`, `[::1]:80`).
 *
 * @example
 * ```ts
 * import { formatSocketAddress } from "./net.ts";
 * formatSocketAddress("::", 1789); // "[::]:1789"
 * ```
 */
export function formatSocketAddress(ip: string, port: number): string {
  const canonical = canonicalIp(ip);
  return canonical.includes(":") ? `[${canonical}]:${port}` : `${canonical}:${port}`;
}

/**
 * Re-prints a socket address in canonical form.
 *
 * @example
 * ```ts
 * import { canonicalSocketAddress } from "./net.ts";
 * canonicalSocketAddress("[0::0]:80"); // "[::]:80"
 * ```
 */
export function canonicalSocketAddress(text: string): string {
  const parsed = parseSocketAddress(text);
  return formatSocketAddress(parsed.ip, parsed.port);
}
