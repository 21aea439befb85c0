/**
 * `Socks5Request`, the provider data a SOCKS5 client sends to a network requester (`nym-node.md`
 * §5.2, `clients.md` §5.3, upstream `common/socks5/requests/src/request.rs`):
 *
 * ```
 * request  = protocol_version u8 (3) ‖ content        (legacy: 0x00 ‖ content)
 * Connect  = 0x00 ‖ conn_id u64 ‖ addr_len u16 ‖ addr (UTF-8 "host:port") ‖ [Recipient (96)]
 * Send     = 0x01 ‖ conn_id u64 ‖ local_closed u8 ‖ seq u64 ‖ data
 * Query    = 0x02 ‖ bincode(QueryRequest)
 * ```
 *
 * There is no Close request: closing is a `Send` with `local_closed = 1`.
 *
 * @module
 */
import {
  decodeRecipient,
  encodeRecipient,
  type Recipient,
  RECIPIENT_LENGTH,
} from "../recipient.ts";
import { MessageError } from "../errors.ts";
import { MalformedSocks5RequestError } from "./errors.ts";
import { decodeQueryRequest, encodeQueryRequest, type QueryRequest } from "./query.ts";
import {
  type ConnectionId,
  decodeSocketData,
  encodeSocketData,
  SOCKET_DATA_HEADER_LENGTH,
  type SocketData,
} from "./socket_data.ts";
import { CURRENT_SOCKS5_PROTOCOL_VERSION, versionFromByte, type WireVersion } from "./version.ts";
import { readU64BE, writeU64BE } from "../../crypto/bytes.ts";

/** Ask the network requester to open a TCP connection. */
export interface ConnectRequest {
  readonly kind: "connect";
  readonly connectionId: ConnectionId;
  /** `"host:port"` (a name, an IPv4 address, or `[ipv6]`); resolved by the exit. */
  readonly remoteAddress: string;
  /** Where to send the answers; `null` = reply through the sender's SURBs. */
  readonly returnAddress: Recipient | null;
}

/** More data (or the close marker) for an open connection. */
export interface SendRequest {
  readonly kind: "send";
  readonly data: SocketData;
}

/** A question about the network requester. */
export interface QueryRequestContent {
  readonly kind: "query";
  readonly query: QueryRequest;
}

/** The content of a SOCKS5 request. */
export type Socks5RequestContent = ConnectRequest | SendRequest | QueryRequestContent;

/** A SOCKS5 request with its protocol version. */
export interface Socks5Request {
  readonly protocolVersion: WireVersion;
  readonly content: Socks5RequestContent;
}

const ENCODER = new TextEncoder();
const LOSSY = new TextDecoder("utf-8"); // upstream uses `String::from_utf8_lossy` for the address
// Upstream's legacy requests start with `Message::REQUEST_FLAG` (0x00) instead of a version.
const LEGACY_TYPE_TAG = 0x00;

/**
 * Encodes the request content (without the version byte).
 *
 * @example
 * ```ts
 * import { encodeSocks5RequestContent } from "./request.ts";
 * encodeSocks5RequestContent({ kind: "query", query: "open-proxy" }); // Uint8Array [2, 0]
 * ```
 * @throws {MalformedSocks5RequestError} for an address longer than 65535 bytes or ids out of range.
 */
export function encodeSocks5RequestContent(content: Socks5RequestContent): Uint8Array {
  switch (content.kind) {
    case "connect": {
      const address = ENCODER.encode(content.remoteAddress);
      if (address.length > 0xffff) {
        throw new MalformedSocks5RequestError("remote address is longer than 65535 bytes");
      }
      const extra = content.returnAddress === null ? 0 : RECIPIENT_LENGTH;
      const out = new Uint8Array(1 + 8 + 2 + address.length + extra);
      out[0] = 0x00;
      try {
        writeU64BE(out, 1, content.connectionId);
      } catch {
        throw new MalformedSocks5RequestError("connection id is not a u64");
      }
      out[9] = address.length >> 8;
      out[10] = address.length & 0xff;
      out.set(address, 11);
      if (content.returnAddress !== null) {
        out.set(encodeRecipient(content.returnAddress), 11 + address.length);
      }
      return out;
    }
    case "send": {
      let body: Uint8Array;
      try {
        body = encodeSocketData(content.data, "request");
      } catch (e) {
        throw new MalformedSocks5RequestError((e as Error).message);
      }
      const out = new Uint8Array(1 + body.length);
      out[0] = 0x01;
      out.set(body, 1);
      return out;
    }
    case "query": {
      const body = encodeQueryRequest(content.query);
      const out = new Uint8Array(1 + body.length);
      out[0] = 0x02;
      out.set(body, 1);
      return out;
    }
  }
}

/**
 * Decodes request content (after the version byte).
 *
 * @example
 * ```ts
 * import { decodeSocks5RequestContent } from "./request.ts";
 * decodeSocks5RequestContent(new Uint8Array([2, 1])); // { kind: "query", query: "description" }
 * ```
 * @throws {MalformedSocks5RequestError} for anything malformed.
 */
export function decodeSocks5RequestContent(bytes: Uint8Array): Socks5RequestContent {
  if (bytes.length === 0) throw new MalformedSocks5RequestError("no data provided");
  switch (bytes[0]) {
    case 0x00: {
      if (bytes.length < 9) {
        throw new MalformedSocks5RequestError("not enough bytes to recover the connection id");
      }
      const connectionId = readU64BE(bytes, 1);
      if (bytes.length < 11) {
        throw new MalformedSocks5RequestError(
          "not enough bytes to recover the length of the address",
        );
      }
      const length = (bytes[9] << 8) | bytes[10];
      const end = 11 + length;
      if (bytes.length < end) {
        throw new MalformedSocks5RequestError("not enough bytes to recover the address");
      }
      const remoteAddress = LOSSY.decode(bytes.subarray(11, end));
      const rest = bytes.subarray(end);
      let returnAddress: Recipient | null = null;
      if (rest.length !== 0) {
        if (rest.length !== RECIPIENT_LENGTH) {
          throw new MalformedSocks5RequestError("too short return address");
        }
        try {
          returnAddress = decodeRecipient(rest);
        } catch (e) {
          if (!(e instanceof MessageError)) throw e;
          throw new MalformedSocks5RequestError(`malformed return address - ${e.message}`);
        }
      }
      return { kind: "connect", connectionId, remoteAddress, returnAddress };
    }
    case 0x01: {
      const data = decodeSocketData(bytes.subarray(1), "request");
      if (data === null) {
        throw new MalformedSocks5RequestError(
          `didn't receive enough data to recover socket data. got ${
            bytes.length - 1
          }, but expected at least ${SOCKET_DATA_HEADER_LENGTH}`,
        );
      }
      return { kind: "send", data };
    }
    case 0x02:
      try {
        return { kind: "query", query: decodeQueryRequest(bytes.subarray(1)) };
      } catch (e) {
        throw new MalformedSocks5RequestError(
          `failed to deserialize query request: ${(e as Error).message}`,
        );
      }
    default:
      throw new MalformedSocks5RequestError(`${bytes[0]} is not a valid request flag`);
  }
}

/**
 * Encodes a request: version byte (or the legacy 0x00 type tag) then the content.
 *
 * @example
 * ```ts
 * import { encodeSocks5Request } from "./request.ts";
 * const bytes = encodeSocks5Request({
 *   protocolVersion: 3,
 *   content: { kind: "connect", connectionId: 1n, remoteAddress: "a:1", returnAddress: null },
 * });
 * bytes.length; // 1 + 1 + 8 + 2 + 3
 * ```
 */
export function encodeSocks5Request(request: Socks5Request): Uint8Array {
  const content = encodeSocks5RequestContent(request.content);
  const out = new Uint8Array(1 + content.length);
  out[0] = request.protocolVersion === "legacy" ? LEGACY_TYPE_TAG : request.protocolVersion;
  out.set(content, 1);
  return out;
}

/**
 * Decodes a request. A first byte below 3 is the legacy type tag; above 3 is refused, as upstream
 * does (`UnsupportedProtocolVersion`).
 *
 * @example
 * ```ts
 * import { decodeSocks5Request } from "./request.ts";
 * decodeSocks5Request(new Uint8Array([3, 2, 2])).content; // { kind: "query", query: "exit-policy" }
 * ```
 * @throws {MalformedSocks5RequestError} for anything malformed or a newer version.
 */
export function decodeSocks5Request(bytes: Uint8Array): Socks5Request {
  if (bytes.length === 0) throw new MalformedSocks5RequestError("no data provided");
  const protocolVersion = versionFromByte(bytes[0]);
  if (protocolVersion !== "legacy" && protocolVersion > CURRENT_SOCKS5_PROTOCOL_VERSION) {
    throw new MalformedSocks5RequestError(
      `received unsupported request protocol version: ${protocolVersion}`,
    );
  }
  return { protocolVersion, content: decodeSocks5RequestContent(bytes.subarray(1)) };
}
