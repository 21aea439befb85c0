/**
 * Node addresses as operators register them: `host:http-port`, where host is an IP (IPv6 in
 * brackets) or a DNS name. The directory polls `http://<host>:<port>/api/v1/...`.
 *
 * @module
 */
import { canonicalIp, InvalidAddressError } from "../util/net.ts";

/** Thrown when text is not a `host:port` node address. */
export class InvalidNodeAddressError extends Error {
  override name = "InvalidNodeAddressError";
}

/** A parsed node address. */
export interface NodeAddress {
  /** Canonical IP (no brackets) or lower-case DNS name. */
  readonly host: string;
  /** HTTP port of the node's API. */
  readonly port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Parses `host:port` (`203.0.113.7:8080`, `[2001:db8::1]:8080`, `node.example.org:8080`).
 *
 * @example
 * ```ts
 * import { parseNodeAddress } from "./address.ts";
 * parseNodeAddress("[2001:0db8::1]:8080"); // { host: "2001:db8::1", port: 8080 }
 * ```
 */
export function parseNodeAddress(text: string): NodeAddress {
  const trimmed = text.trim();
  const match = /^(\[[^\]]+\]|[^:\[\]]+):(\d{1,5})$/.exec(trimmed);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new InvalidNodeAddressError(
      `${JSON.stringify(text)} is not a node address (host:http-port, e.g. 203.0.113.7:8080)`,
    );
  }
  const rawHost = match[1].startsWith("[") ? match[1].slice(1, -1) : match[1];
  try {
    return { host: canonicalIp(rawHost), port };
  } catch (error) {
    if (!(error instanceof InvalidAddressError)) throw error;
  }
  const host = rawHost.toLowerCase();
  if (match[1].startsWith("[") || !HOSTNAME.test(host)) {
    throw new InvalidNodeAddressError(
      `${JSON.stringify(rawHost)} is not an IP address or hostname`,
    );
  }
  return { host, port };
}

/**
 * Formats an address back to `host:port`.
 *
 * @example
 * ```ts
 * import { formatNodeAddress } from "./address.ts";
 * formatNodeAddress({ host: "::1", port: 8080 }); // "[::1]:8080"
 * ```
 */
export function formatNodeAddress(address: NodeAddress): string {
  return `${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`;
}

/**
 * The base URL of a node's HTTP API.
 *
 * @example
 * ```ts
 * import { nodeApiBase } from "./address.ts";
 * nodeApiBase({ host: "127.0.0.1", port: 8080 }); // "http://127.0.0.1:8080"
 * ```
 */
export function nodeApiBase(address: NodeAddress): string {
  return `http://${formatNodeAddress(address)}`;
}
