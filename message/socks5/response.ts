/**
 * `Socks5Response`, what a network requester sends back (`nym-node.md` §5.2, upstream
 * `common/socks5/requests/src/response.rs`):
 *
 * ```
 * response        = protocol_version u8 (3) ‖ content     (legacy: content only)
 * NetworkData     = 0x01 ‖ local_closed u8 ‖ conn_id u64 ‖ seq u64 ‖ data   (header order differs
 *                                                                            from the request!)
 * ConnectionError = 0x02 ‖ conn_id u64 ‖ UTF-8 message
 * Query           = 0x03 ‖ bincode(QueryResponse)
 * ```
 *
 * Flags start at 1 because legacy responses used 1 for data and 2 for errors, so a first byte
 * below 3 means an unversioned response.
 *
 * @module
 */
import { readU64BE, writeU64BE } from "../../crypto/bytes.ts";
import { MalformedSocks5ResponseError } from "./errors.ts";
import { decodeQueryResponse, encodeQueryResponse, type QueryResponse } from "./query.ts";
import {
  type ConnectionId,
  decodeSocketData,
  encodeSocketData,
  SOCKET_DATA_HEADER_LENGTH,
  type SocketData,
} from "./socket_data.ts";
import { versionFromByte, type WireVersion } from "./version.ts";

/** Data from the remote host (or a keepalive / close marker / connect confirmation). */
export interface NetworkDataResponse {
  readonly kind: "network-data";
  readonly data: SocketData;
}

/** The network requester refused or failed a connection. */
export interface ConnectionErrorResponse {
  readonly kind: "connection-error";
  readonly connectionId: ConnectionId;
  readonly message: string;
}

/** The answer to a query. */
export interface QueryResponseContent {
  readonly kind: "query";
  readonly response: QueryResponse;
}

/** The content of a SOCKS5 response. */
export type Socks5ResponseContent =
  | NetworkDataResponse
  | ConnectionErrorResponse
  | QueryResponseContent;

/** A SOCKS5 response with its protocol version. */
export interface Socks5Response {
  readonly protocolVersion: WireVersion;
  readonly content: Socks5ResponseContent;
}

const ENCODER = new TextEncoder();
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function withFlag(flag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = flag;
  out.set(body, 1);
  return out;
}

/**
 * Encodes response content (without the version byte).
 *
 * @example
 * ```ts
 * import { encodeSocks5ResponseContent } from "./response.ts";
 * encodeSocks5ResponseContent({ kind: "query", response: { kind: "open-proxy", open: true } });
 * // Uint8Array [3, 0, 1]
 * ```
 * @throws {MalformedSocks5ResponseError} for ids out of the u64 range.
 */
export function encodeSocks5ResponseContent(content: Socks5ResponseContent): Uint8Array {
  switch (content.kind) {
    case "network-data":
      try {
        return withFlag(0x01, encodeSocketData(content.data, "response"));
      } catch (e) {
        throw new MalformedSocks5ResponseError((e as Error).message);
      }
    case "connection-error": {
      const message = ENCODER.encode(content.message);
      const body = new Uint8Array(8 + message.length);
      try {
        writeU64BE(body, 0, content.connectionId);
      } catch {
        throw new MalformedSocks5ResponseError("connection id is not a u64");
      }
      body.set(message, 8);
      return withFlag(0x02, body);
    }
    case "query":
      return withFlag(0x03, encodeQueryResponse(content.response));
  }
}

/**
 * Decodes response content (after the version byte, if any).
 *
 * @example
 * ```ts
 * import { decodeSocks5ResponseContent } from "./response.ts";
 * decodeSocks5ResponseContent(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 5, 110, 111]));
 * // { kind: "connection-error", connectionId: 5n, message: "no" }
 * ```
 * @throws {MalformedSocks5ResponseError} for anything malformed.
 */
export function decodeSocks5ResponseContent(bytes: Uint8Array): Socks5ResponseContent {
  if (bytes.length === 0) throw new MalformedSocks5ResponseError("no data provided");
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case 0x01: {
      const data = decodeSocketData(body, "response");
      if (data === null) {
        throw new MalformedSocks5ResponseError(
          `the network data was malformed: got ${body.length} bytes, but expected at least ${SOCKET_DATA_HEADER_LENGTH}`,
        );
      }
      return { kind: "network-data", data };
    }
    case 0x02: {
      if (body.length === 0) throw new MalformedSocks5ResponseError("no data provided");
      if (body.length < 8) {
        throw new MalformedSocks5ResponseError("not enough bytes to recover the connection id");
      }
      let message: string;
      try {
        message = UTF8.decode(body.subarray(8));
      } catch {
        throw new MalformedSocks5ResponseError("message is not utf8 encoded");
      }
      return { kind: "connection-error", connectionId: readU64BE(body, 0), message };
    }
    case 0x03:
      try {
        return { kind: "query", response: decodeQueryResponse(body) };
      } catch (e) {
        throw new MalformedSocks5ResponseError(
          `failed to deserialize query response: ${(e as Error).message}`,
        );
      }
    default:
      throw new MalformedSocks5ResponseError(`${bytes[0]} is not a valid response flag`);
  }
}

/**
 * Encodes a response: the version byte (none when legacy) then the content.
 *
 * @example
 * ```ts
 * import { encodeSocks5Response } from "./response.ts";
 * encodeSocks5Response({
 *   protocolVersion: 3,
 *   content: { kind: "connection-error", connectionId: 1n, message: "" },
 * }); // Uint8Array [3, 2, 0, 0, 0, 0, 0, 0, 0, 1]
 * ```
 */
export function encodeSocks5Response(response: Socks5Response): Uint8Array {
  const content = encodeSocks5ResponseContent(response.content);
  if (response.protocolVersion === "legacy") return content;
  return withFlag(response.protocolVersion, content);
}

/**
 * Decodes a response; a first byte below 3 means a legacy response (the content starts there).
 *
 * @example
 * ```ts
 * import { decodeSocks5Response } from "./response.ts";
 * decodeSocks5Response(new Uint8Array([3, 3, 0, 0])).content;
 * // { kind: "query", response: { kind: "open-proxy", open: false } }
 * ```
 * @throws {MalformedSocks5ResponseError} for anything malformed.
 */
export function decodeSocks5Response(bytes: Uint8Array): Socks5Response {
  if (bytes.length === 0) throw new MalformedSocks5ResponseError("no data provided");
  const protocolVersion = versionFromByte(bytes[0]);
  const content = decodeSocks5ResponseContent(
    protocolVersion === "legacy" ? bytes : bytes.subarray(1),
  );
  return { protocolVersion, content };
}
