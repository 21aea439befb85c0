/**
 * The SOCKS wire format the proxy speaks to applications (`clients.md` §5.1): SOCKS4 and 4a
 * (the de-facto 1992 spec and its 4a extension), SOCKS5 (RFC 1928) without authentication,
 * CONNECT only. Pure: constants, the destination type, reply codes and reply encoding. The
 * incremental request parser is `handshake.ts`.
 *
 * @module
 */
import { formatIp } from "../../util/net.ts";

/** SOCKS5 reply codes (RFC 1928 §6, the `REP` field). */
export const Socks5Reply = {
  Succeeded: 0x00,
  GeneralFailure: 0x01,
  NotAllowedByRuleset: 0x02,
  NetworkUnreachable: 0x03,
  HostUnreachable: 0x04,
  ConnectionRefused: 0x05,
  TtlExpired: 0x06,
  CommandNotSupported: 0x07,
  AddressTypeNotSupported: 0x08,
} as const;

/** One SOCKS5 reply code. */
export type Socks5ReplyCode = (typeof Socks5Reply)[keyof typeof Socks5Reply];

/** SOCKS4 reply codes (`CD` of the reply). Every failure is "rejected or failed". */
export const Socks4Reply = {
  Granted: 0x5a,
  RejectedOrFailed: 0x5b,
} as const;

/** SOCKS5 authentication methods we understand (RFC 1928 §3). */
export const Socks5Method = {
  NoAuthentication: 0x00,
  NoAcceptableMethods: 0xff,
} as const;

/** Human-readable meaning of each SOCKS5 reply code (for logs and errors). */
export const SOCKS5_REPLY_TEXT: Readonly<Record<Socks5ReplyCode, string>> = {
  0x00: "succeeded",
  0x01: "general SOCKS server failure",
  0x02: "connection not allowed by ruleset",
  0x03: "network unreachable",
  0x04: "host unreachable",
  0x05: "connection refused",
  0x06: "TTL expired",
  0x07: "command not supported",
  0x08: "address type not supported",
};

/** Where the application wants to connect. */
export type SocksHost =
  | { readonly kind: "ipv4"; readonly bytes: Uint8Array }
  | { readonly kind: "ipv6"; readonly bytes: Uint8Array }
  /** A name the exit resolves (SOCKS4a, SOCKS5 ATYP 3): names are never resolved locally. */
  | { readonly kind: "domain"; readonly name: string };

/** Which SOCKS dialect a request used (the reply must be in the same one). */
export type SocksVersion = "socks4" | "socks4a" | "socks5";

/** A parsed CONNECT request. */
export interface SocksConnectRequest {
  readonly version: SocksVersion;
  readonly host: SocksHost;
  readonly port: number;
}

/**
 * Thrown (or reported by the handshake) for a request the proxy refuses. `reply` is the SOCKS
 * code the application is told (mapped to "rejected or failed" for SOCKS4).
 *
 * @example
 * ```ts
 * import { Socks5Reply, SocksProtocolError } from "./protocol.ts";
 * new SocksProtocolError("BIND is not supported", Socks5Reply.CommandNotSupported).reply; // 7
 * ```
 */
export class SocksProtocolError extends Error {
  override name = "SocksProtocolError";
  /** The reply code sent to the application. */
  readonly reply: Socks5ReplyCode;
  /** Creates the error. */
  constructor(message: string, reply: Socks5ReplyCode = Socks5Reply.GeneralFailure) {
    super(message);
    this.reply = reply;
  }
}

/**
 * The `host:port` text of a destination, as the network requester's Connect request carries it
 * (`clients.md` §5.3): IPv6 in brackets so the port stays unambiguous.
 *
 * @example
 * ```ts
 * import { remoteAddressText } from "./protocol.ts";
 * remoteAddressText({ version: "socks5", host: { kind: "domain", name: "nymtech.net" }, port: 443 });
 * // "nymtech.net:443"
 * ```
 */
export function remoteAddressText(request: SocksConnectRequest): string {
  const host = request.host;
  switch (host.kind) {
    case "ipv4":
      return `${formatIp({ family: 4, bytes: host.bytes })}:${request.port}`;
    case "ipv6":
      return `[${formatIp({ family: 6, bytes: host.bytes })}]:${request.port}`;
    case "domain":
      return `${host.name}:${request.port}`;
  }
}

/**
 * Encodes the reply to a CONNECT request in the request's dialect. SOCKS5 replies carry
 * `0.0.0.0:0` as the bound address: the real one is the exit's, which the client never learns
 * (and applications ignore for CONNECT). SOCKS4 replies map every failure to 0x5B.
 *
 * @example
 * ```ts
 * import { encodeConnectReply, Socks5Reply } from "./protocol.ts";
 * encodeConnectReply("socks5", Socks5Reply.ConnectionRefused); // 05 05 00 01 00 00 00 00 00 00
 * encodeConnectReply("socks4a", Socks5Reply.Succeeded); // 00 5a 00 00 00 00 00 00
 * ```
 */
export function encodeConnectReply(version: SocksVersion, code: Socks5ReplyCode): Uint8Array {
  if (version === "socks5") return Uint8Array.of(0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0);
  const cd = code === Socks5Reply.Succeeded ? Socks4Reply.Granted : Socks4Reply.RejectedOrFailed;
  return Uint8Array.of(0x00, cd, 0, 0, 0, 0, 0, 0);
}

/**
 * The SOCKS5 method-selection message (RFC 1928 §3).
 *
 * @example
 * ```ts
 * import { encodeMethodSelection, Socks5Method } from "./protocol.ts";
 * encodeMethodSelection(Socks5Method.NoAuthentication); // 05 00
 * ```
 */
export function encodeMethodSelection(method: number): Uint8Array {
  return Uint8Array.of(0x05, method & 0xff);
}

/**
 * The answer to a plain HTTP request sent to the proxy port by mistake (a browser configured
 * with an HTTP proxy instead of SOCKS): one clear sentence instead of a silent close.
 *
 * @example
 * ```ts
 * import { httpMisuseResponse } from "./protocol.ts";
 * new TextDecoder().decode(httpMisuseResponse()).startsWith("HTTP/1.1 400"); // true
 * ```
 */
export function httpMisuseResponse(): Uint8Array {
  const body = "This is a SOCKS4/4a/5 proxy into the Nym mixnet, not an HTTP proxy: " +
    "configure it as a SOCKS5 proxy (e.g. curl --socks5-hostname).\n";
  return new TextEncoder().encode(
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}
