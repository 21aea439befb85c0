/**
 * The server side of the WebSocket opening handshake (RFC 6455 §4.2): parse the client's
 * HTTP/1.1 upgrade request from raw bytes, compute `Sec-WebSocket-Accept`, build the `101`
 * response or an error response. Pure and synchronous.
 *
 * No extension is negotiated (`Sec-WebSocket-Extensions` is ignored and never echoed) and no
 * subprotocol is selected (a requested `Sec-WebSocket-Protocol` is reported to the caller but not
 * answered, which RFC 6455 §4.2.2 allows). Any request target (path and query) is accepted: the
 * Nym gateway serves its clients on every path (`nym-node.md` §4.1).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { HandshakeError } from "./errors.ts";

/** Largest accepted request head (request line + headers + the blank line), in bytes. */
export const MAX_REQUEST_HEAD_BYTES = 8 * 1024;

/** The GUID appended to the key before hashing (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A parsed, valid upgrade request. */
export interface UpgradeRequest {
  /** The request method (always `GET`). */
  readonly method: string;
  /** The request target as sent (`/path?query`). */
  readonly target: string;
  /** The path part of the target (before `?`). */
  readonly path: string;
  /** The query part of the target, without the `?` (empty when absent). */
  readonly query: string;
  /** All request headers (names are case-insensitive; repeated headers are comma-joined). */
  readonly headers: Headers;
  /** The client's `Sec-WebSocket-Key`. */
  readonly key: string;
  /** Subprotocols the client offered (never selected). */
  readonly protocols: readonly string[];
}

/** Result of {@linkcode parseUpgradeRequest} once the request head is complete. */
export interface ParsedUpgradeRequest {
  /** The request. */
  readonly request: UpgradeRequest;
  /** Bytes received after the request head (the start of the frame stream), copied. */
  readonly rest: Uint8Array;
  /** Length of the request head including the terminating blank line. */
  readonly headLength: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, spaces and tabs; no other control characters.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_TARGET = /^[\x21-\x7e]+$/;
const KEY = /^[A-Za-z0-9+/]{22}==$/;
const latin1 = new TextDecoder("latin1");

/**
 * Index just past the `\r\n\r\n` that ends the request head, or -1 if it has not arrived.
 *
 * @example
 * ```ts
 * import { findHeadEnd } from "./handshake.ts";
 * findHeadEnd(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\nxy")); // 18
 * ```
 */
export function findHeadEnd(bytes: Uint8Array, from = 0): number {
  for (let i = Math.max(from, 3); i < bytes.length; i++) {
    if (
      bytes[i] === 0x0a && bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a && bytes[i - 3] === 0x0d
    ) return i + 1;
  }
  return -1;
}

function hasToken(value: string | null, token: string): boolean {
  if (value === null) return false;
  return value.split(",").some((part) => part.trim().toLowerCase() === token);
}

/**
 * Parses an upgrade request from the bytes received so far. Returns `null` while the request head
 * (ending in an empty CRLF line) is incomplete and still within {@linkcode MAX_REQUEST_HEAD_BYTES}.
 *
 * @throws {HandshakeError} with the status to answer: 431 for a head over 8 KiB; 400 for a
 * malformed request, a missing `Host`, or a missing or malformed `Sec-WebSocket-Key`; 426 when
 * `Upgrade: websocket` / `Connection: upgrade` are missing (plain HTTP, whatever the method) or
 * `Sec-WebSocket-Version` is not 13; 405 for an upgrade with a method other than GET.
 * @example
 * ```ts
 * import { parseUpgradeRequest } from "./handshake.ts";
 * const head = "GET /?x=1 HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
 *   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
 * const parsed = parseUpgradeRequest(new TextEncoder().encode(head));
 * parsed?.request.path; // "/"
 * parsed?.request.query; // "x=1"
 * ```
 */
export function parseUpgradeRequest(bytes: Uint8Array): ParsedUpgradeRequest | null {
  const end = findHeadEnd(
    bytes.length > MAX_REQUEST_HEAD_BYTES ? bytes.subarray(0, MAX_REQUEST_HEAD_BYTES) : bytes,
  );
  if (end < 0) {
    if (bytes.length >= MAX_REQUEST_HEAD_BYTES) {
      throw new HandshakeError(431, "request header block exceeds 8 KiB");
    }
    return null;
  }
  const lines = latin1.decode(bytes.subarray(0, end - 4)).split("\r\n");
  const requestLine = lines[0].split(" ");
  if (requestLine.length !== 3) throw new HandshakeError(400, "malformed request line");
  const [method, target, version] = requestLine;
  if (!TOKEN.test(method)) throw new HandshakeError(400, "malformed request method");
  if (!REQUEST_TARGET.test(target)) throw new HandshakeError(400, "malformed request target");
  if (version !== "HTTP/1.1") throw new HandshakeError(400, "HTTP/1.1 is required");

  const headers = new Headers();
  let keyCount = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.includes("\n")) throw new HandshakeError(400, "bare LF in the request head");
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HandshakeError(400, "malformed header line");
    const name = line.slice(0, colon);
    // No whitespace before the colon, and no obs-fold continuation lines (RFC 9112 §5).
    if (!TOKEN.test(name)) throw new HandshakeError(400, "malformed header name");
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) throw new HandshakeError(400, "invalid character in a header");
    if (name.toLowerCase() === "sec-websocket-key") keyCount++;
    headers.append(name, value);
  }

  // Anything that is not a WebSocket upgrade at all (plain HTTP, any method) gets 426.
  if (!hasToken(headers.get("upgrade"), "websocket")) {
    throw new HandshakeError(426, "missing Upgrade: websocket");
  }
  if (!hasToken(headers.get("connection"), "upgrade")) {
    throw new HandshakeError(426, "missing Connection: Upgrade");
  }
  if (method !== "GET") throw new HandshakeError(405, "the upgrade request method must be GET");
  if (!headers.has("host")) throw new HandshakeError(400, "missing Host header");
  if (headers.get("sec-websocket-version") !== "13") {
    throw new HandshakeError(426, "Sec-WebSocket-Version must be 13");
  }
  const key = headers.get("sec-websocket-key");
  if (key === null || keyCount !== 1 || !KEY.test(key)) {
    throw new HandshakeError(400, "Sec-WebSocket-Key must be one base64-encoded 16-byte value");
  }
  const protocolHeader = headers.get("sec-websocket-protocol");
  const protocols = protocolHeader === null
    ? []
    : protocolHeader.split(",").map((p) => p.trim()).filter((p) => p.length > 0);
  const query = target.indexOf("?");
  return {
    request: {
      method,
      target,
      path: query < 0 ? target : target.slice(0, query),
      query: query < 0 ? "" : target.slice(query + 1),
      headers,
      key,
      protocols,
    },
    rest: bytes.slice(end),
    headLength: end,
  };
}

/**
 * `Sec-WebSocket-Accept` for a key: base64(SHA-1(key ‖ GUID)) (RFC 6455 §4.2.2).
 *
 * @example
 * ```ts
 * import { computeAcceptKey } from "./handshake.ts";
 * computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export function computeAcceptKey(key: string): string {
  return createHash("sha1").update(key + WEBSOCKET_GUID, "latin1").digest("base64");
}

const encoder = new TextEncoder();

/**
 * The `101 Switching Protocols` response for a valid request (no extension, no subprotocol).
 *
 * @example
 * ```ts
 * import { buildAcceptResponse } from "./handshake.ts";
 * new TextDecoder().decode(buildAcceptResponse("dGhlIHNhbXBsZSBub25jZQ==")).split("\r\n")[0];
 * // "HTTP/1.1 101 Switching Protocols"
 * ```
 */
export function buildAcceptResponse(key: string): Uint8Array {
  return encoder.encode(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`,
  );
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  405: "Method Not Allowed",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
};

/**
 * A complete HTTP error response that closes the connection: 400, 405, 426 (with `Upgrade:
 * websocket` and `Sec-WebSocket-Version: 13`, telling the client what to send) or 431. The body is
 * the plain-text `message` (ASCII recommended).
 *
 * @example
 * ```ts
 * import { buildErrorResponse } from "./handshake.ts";
 * new TextDecoder().decode(buildErrorResponse(426, "Upgrade Required")).split("\r\n")[0];
 * // "HTTP/1.1 426 Upgrade Required"
 * ```
 */
export function buildErrorResponse(status: 400 | 405 | 426 | 431, message: string): Uint8Array {
  const body = encoder.encode(`${message}\n`);
  const extra = status === 426
    ? "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    : status === 405
    ? "Allow: GET\r\n"
    : "";
  const head = encoder.encode(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
      "Connection: close\r\n" +
      extra +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${body.length}\r\n\r\n`,
  );
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
