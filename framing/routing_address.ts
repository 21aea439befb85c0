/**
 * `NymNodeRoutingAddress`: a node's socket address as it appears in Sphinx headers, SURB-acks and
 * MixPackets (`wire-format.md` §6.1, upstream `common/nymsphinx/addressing/src/nodes.rs`).
 *
 * ```text
 * IPv4: 0x04 ‖ port (u16 BE) ‖ 4 octets    (7 bytes)
 * IPv6: 0x06 ‖ port (u16 BE) ‖ 16 octets   (19 bytes)
 * ```
 *
 * Zero-padded to 32 bytes in Sphinx headers and to 19 bytes in SURB-acks; unpadded in MixPackets.
 * Parsing ignores trailing bytes.
 *
 * @module
 */
import { InvalidRoutingAddressError } from "./errors.ts";

/** Size of a node address inside Sphinx routing information. */
export const NODE_ADDRESS_LENGTH = 32;
/** Longest unpadded encoding (IPv6); also the padded length inside a SURB-ack. */
export const MAX_NODE_ADDRESS_UNPADDED_LEN = 19;
/** Unpadded length of an IPv4 address. */
export const IPV4_ROUTING_ADDRESS_LENGTH = 7;
/** Unpadded length of an IPv6 address. */
export const IPV6_ROUTING_ADDRESS_LENGTH = 19;

/**
 * A node's socket address. `ip` is textual: dotted-quad IPv4 (`"1.2.3.4"`) or IPv6
 * (`"2001:db8::1"`, without brackets). Any text containing `:` is encoded as IPv6, so an
 * IPv4-mapped address (`"::ffff:1.2.3.4"`) stays 19 bytes, as in Rust.
 */
export interface NymNodeRoutingAddress {
  readonly ip: string;
  readonly port: number;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new InvalidRoutingAddressError(`port ${port} is not a u16`);
  }
}

/**
 * Parses a dotted-quad IPv4 address into `out` at `offset`. Leading zeros are rejected, as
 * Rust's `Ipv4Addr::from_str` does. Returns false on malformed input.
 */
function parseIpv4Into(text: string, out: Uint8Array, offset: number): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p.length === 0 || p.length > 3 || !/^[0-9]+$/.test(p)) return false;
    if (p.length > 1 && p[0] === "0") return false;
    const v = Number(p);
    if (v > 255) return false;
    out[offset + i] = v;
  }
  return true;
}

function parseIpv6Into(text: string, out: Uint8Array, offset: number): boolean {
  if (text.length < 2 || text.length > 45) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const groups: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes(".")) {
        const v4 = new Uint8Array(4);
        if (!parseIpv4Into(item, v4, 0)) return null;
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (item.length === 0 || item.length > 4 || !/^[0-9a-fA-F]+$/.test(item)) return null;
      groups.push(parseInt(item, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0]);
  if (head === null) return false;
  let groups: number[];
  if (halves.length === 2) {
    const tail = parseGroups(halves[1]);
    if (tail === null) return false;
    // An IPv4 suffix may only end the address.
    if (halves[0].includes(".")) return false;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return false;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return false;
  for (let i = 0; i < 8; i++) {
    out[offset + 2 * i] = groups[i] >> 8;
    out[offset + 2 * i + 1] = groups[i] & 0xff;
  }
  return true;
}

/** Formats 16 octets like Rust's `Ipv6Addr` Display (RFC 5952, IPv4-mapped as dotted quad). */
function formatIpv6(b: Uint8Array, offset: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[offset + 2 * i] << 8) | b[offset + 2 * i + 1];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[offset + 12]}.${b[offset + 13]}.${b[offset + 14]}.${b[offset + 15]}`;
  }
  // Longest run of zero groups (the leftmost on ties); only runs of two or more are compressed.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return g.map((x) => x.toString(16)).join(":");
  const left = g.slice(0, bestStart).map((x) => x.toString(16)).join(":");
  const right = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(":");
  return `${left}::${right}`;
}

/**
 * Unpadded encoded length of `address`: 7 for IPv4, 19 for IPv6.
 *
 * @example
 * ```ts
 * import { routingAddressLength } from "./routing_address.ts";
 * routingAddressLength({ ip: "10.0.0.1", port: 1789 }); // 7
 * ```
 */
export function routingAddressLength(address: NymNodeRoutingAddress): number {
  return address.ip.includes(":") ? IPV6_ROUTING_ADDRESS_LENGTH : IPV4_ROUTING_ADDRESS_LENGTH;
}

/**
 * Writes the unpadded encoding of `address` into `target` at `offset` and returns the number of
 * bytes written (7 or 19).
 *
 * @example
 * ```ts
 * import { writeRoutingAddress } from "./routing_address.ts";
 * const buf = new Uint8Array(32);
 * writeRoutingAddress(buf, 0, { ip: "1.2.3.4", port: 42 }); // 7; buf = 04 00 2a 01 02 03 04 00…
 * ```
 * @throws {InvalidRoutingAddressError} for a malformed IP or port, or too little room.
 */
export function writeRoutingAddress(
  target: Uint8Array,
  offset: number,
  address: NymNodeRoutingAddress,
): number {
  checkPort(address.port);
  const v6 = address.ip.includes(":");
  const length = v6 ? IPV6_ROUTING_ADDRESS_LENGTH : IPV4_ROUTING_ADDRESS_LENGTH;
  if (offset < 0 || offset + length > target.length) {
    throw new InvalidRoutingAddressError(`no room for a ${length}-byte routing address`);
  }
  const ok = v6
    ? parseIpv6Into(address.ip, target, offset + 3)
    : parseIpv4Into(address.ip, target, offset + 3);
  if (!ok) {
    throw new InvalidRoutingAddressError(
      `${JSON.stringify(address.ip.slice(0, 64))} is not a valid IPv${v6 ? 6 : 4} address`,
    );
  }
  target[offset] = v6 ? 6 : 4;
  target[offset + 1] = address.port >> 8;
  target[offset + 2] = address.port & 0xff;
  return length;
}

/**
 * Encodes `address`, zero-padded to `paddedLength` bytes if given (32 for Sphinx headers, 19
 * for SURB-acks), else unpadded.
 *
 * @example
 * ```ts
 * import { encodeRoutingAddress, NODE_ADDRESS_LENGTH } from "./routing_address.ts";
 * encodeRoutingAddress({ ip: "1.2.3.4", port: 1789 }).length; // 7
 * encodeRoutingAddress({ ip: "::1", port: 1789 }, NODE_ADDRESS_LENGTH).length; // 32
 * ```
 * @throws {InvalidRoutingAddressError} for a malformed IP or port, or a padded length shorter
 * than the encoding.
 */
export function encodeRoutingAddress(
  address: NymNodeRoutingAddress,
  paddedLength?: number,
): Uint8Array {
  const length = routingAddressLength(address);
  if (paddedLength !== undefined && (!Number.isInteger(paddedLength) || paddedLength < length)) {
    throw new InvalidRoutingAddressError(
      `a ${length}-byte routing address does not fit in ${paddedLength} bytes`,
    );
  }
  const out = new Uint8Array(paddedLength ?? length);
  writeRoutingAddress(out, 0, address);
  return out;
}

/**
 * Decodes a routing address starting at `offset`; bytes after the address (padding or anything
 * else) are ignored, as upstream does.
 *
 * @example
 * ```ts
 * import { decodeRoutingAddress } from "./routing_address.ts";
 * decodeRoutingAddress(new Uint8Array([4, 6, 0xfd, 10, 0, 0, 1, 0, 0])); // { ip: "10.0.0.1", port: 1789 }
 * ```
 * @throws {InvalidRoutingAddressError} for no bytes, too few bytes or an unknown IP version.
 */
export function decodeRoutingAddress(bytes: Uint8Array, offset = 0): NymNodeRoutingAddress {
  const available = bytes.length - offset;
  if (available <= 0) {
    throw new InvalidRoutingAddressError("no bytes to decode a routing address from");
  }
  const version = bytes[offset];
  if (version === 4) {
    if (available < IPV4_ROUTING_ADDRESS_LENGTH) {
      throw new InvalidRoutingAddressError(
        `IPv4 routing address needs 7 bytes, got ${available}`,
      );
    }
    const port = (bytes[offset + 1] << 8) | bytes[offset + 2];
    const ip = `${bytes[offset + 3]}.${bytes[offset + 4]}.${bytes[offset + 5]}.${
      bytes[offset + 6]
    }`;
    return { ip, port };
  }
  if (version === 6) {
    if (available < IPV6_ROUTING_ADDRESS_LENGTH) {
      throw new InvalidRoutingAddressError(
        `IPv6 routing address needs 19 bytes, got ${available}`,
      );
    }
    const port = (bytes[offset + 1] << 8) | bytes[offset + 2];
    return { ip: formatIpv6(bytes, offset + 3), port };
  }
  throw new InvalidRoutingAddressError(
    `${version} is not a valid version of the Internet Protocol (expected 4 or 6)`,
  );
}

/**
 * Formats `address` like Rust's `SocketAddr` Display: `1.2.3.4:1789` or `[::1]:1789`. Handy as a
 * connection-pool key.
 *
 * @example
 * ```ts
 * import { routingAddressToString } from "./routing_address.ts";
 * routingAddressToString({ ip: "::1", port: 1789 }); // "[::1]:1789"
 * ```
 */
export function routingAddressToString(address: NymNodeRoutingAddress): string {
  return address.ip.includes(":")
    ? `[${address.ip}]:${address.port}`
    : `${address.ip}:${address.port}`;
}

/**
 * Parses `ip:port` or `[ipv6]:port` (the topology's `mix_host` form). The IP is validated and
 * normalised (IPv6 to its canonical text).
 *
 * @example
 * ```ts
 * import { parseSocketAddress } from "./routing_address.ts";
 * parseSocketAddress("[2001:DB8:0::1]:1789"); // { ip: "2001:db8::1", port: 1789 }
 * ```
 * @throws {InvalidRoutingAddressError} for malformed text.
 */
export function parseSocketAddress(text: string): NymNodeRoutingAddress {
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") {
      throw new InvalidRoutingAddressError(`malformed socket address ${JSON.stringify(text)}`);
    }
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!host.includes(":")) {
      throw new InvalidRoutingAddressError(`bracketed host must be IPv6: ${JSON.stringify(text)}`);
    }
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0 || text.indexOf(":") !== colon) {
      throw new InvalidRoutingAddressError(`malformed socket address ${JSON.stringify(text)}`);
    }
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^[0-9]{1,5}$/.test(portText)) {
    throw new InvalidRoutingAddressError(`malformed port in ${JSON.stringify(text)}`);
  }
  const port = Number(portText);
  // Round-trip through the binary form to validate and normalise the IP text.
  const bytes = encodeRoutingAddress({ ip: host, port });
  return decodeRoutingAddress(bytes);
}
