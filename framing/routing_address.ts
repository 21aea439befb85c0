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
import { formatIp, type IpAddress, parseIp } from "../util/net.ts";
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
  let ip: IpAddress | undefined;
  try {
    ip = parseIp(address.ip);
  } catch { /* reported below */ }
  if (ip?.family !== (v6 ? 6 : 4)) {
    throw new InvalidRoutingAddressError(
      `${JSON.stringify(address.ip.slice(0, 64))} is not a valid IPv${v6 ? 6 : 4} address`,
    );
  }
  target.set(ip!.bytes, offset + 3);
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
    return { ip: formatIp({ family: 6, bytes: bytes.subarray(offset + 3, offset + 19) }), port };
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
