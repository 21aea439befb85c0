/**
 * Close codes and close-frame payloads (RFC 6455 §5.5.1, §7.4). A close payload is empty or a
 * 2-byte big-endian status code followed by a UTF-8 reason; the whole payload is a control-frame
 * payload and so at most 125 bytes, leaving 123 for the reason.
 *
 * @module
 */
import { InvalidPayloadError, ProtocolError } from "./errors.ts";

/**
 * Close codes (RFC 6455 §7.4.1 and the IANA registry). `noStatus` (1005) and `abnormal` (1006)
 * are never sent on the wire; they only report how a connection ended.
 *
 * @example
 * ```ts
 * import { WebSocketCloseCode } from "./close.ts";
 * WebSocketCloseCode.tooBig; // 1009
 * ```
 */
export const WebSocketCloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  noStatus: 1005,
  abnormal: 1006,
  invalidPayload: 1007,
  policyViolation: 1008,
  tooBig: 1009,
  mandatoryExtension: 1010,
  internalError: 1011,
  serviceRestart: 1012,
  tryAgainLater: 1013,
  badGateway: 1014,
} as const;

/** Largest close reason in UTF-8 bytes: 125-byte control payload minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** A parsed close frame: `code` is 1005 (`noStatus`) when the payload was empty. */
export interface CloseStatus {
  /** The status code, or 1005 when the frame carried none. */
  readonly code: number;
  /** The reason (empty when absent). */
  readonly reason: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * True iff `code` may appear in a close frame on the wire (RFC 6455 §7.4.1–7.4.2): 1000–1003,
 * 1007–1014 and the application/library range 3000–4999. 1004 is reserved, 1005/1006/1015 are
 * never sent, 1016–2999 are reserved for future RFCs, below 1000 is unused.
 *
 * @example
 * ```ts
 * import { isValidCloseCode } from "./close.ts";
 * isValidCloseCode(1000); // true
 * isValidCloseCode(1005); // false
 * isValidCloseCode(4000); // true
 * ```
 */
export function isValidCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999);
}

/**
 * Parses the payload of a received close frame.
 *
 * @throws {ProtocolError} a 1-byte payload or a status code that may not be sent (status 1002).
 * @throws {InvalidPayloadError} a reason that is not valid UTF-8 (status 1007).
 * @example
 * ```ts
 * import { parseClosePayload } from "./close.ts";
 * parseClosePayload(new Uint8Array([0x03, 0xe8, 0x68, 0x69])); // { code: 1000, reason: "hi" }
 * parseClosePayload(new Uint8Array(0)); // { code: 1005, reason: "" }
 * ```
 */
export function parseClosePayload(payload: Uint8Array): CloseStatus {
  if (payload.length === 0) return { code: WebSocketCloseCode.noStatus, reason: "" };
  if (payload.length === 1) throw new ProtocolError("close frame payload of 1 byte");
  const code = (payload[0] << 8) | payload[1];
  if (!isValidCloseCode(code)) throw new ProtocolError(`invalid close code ${code}`);
  let reason: string;
  try {
    reason = utf8.decode(payload.subarray(2));
  } catch {
    throw new InvalidPayloadError("close reason is not valid UTF-8");
  }
  return { code, reason };
}

/**
 * UTF-8 encodes `reason`, truncated to at most `maxBytes` bytes without splitting a code point.
 *
 * @example
 * ```ts
 * import { encodeTruncatedUtf8 } from "./close.ts";
 * encodeTruncatedUtf8("héllo", 2); // Uint8Array [0x68] ("h": "é" needs 2 more bytes)
 * ```
 */
export function encodeTruncatedUtf8(reason: string, maxBytes: number): Uint8Array {
  const bytes = encoder.encode(reason);
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut code point.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.slice(0, end);
}

/**
 * Encodes a close payload: the code big-endian, then the reason truncated to 123 UTF-8 bytes on a
 * code-point boundary. Code 1005 (`noStatus`) encodes as the empty payload.
 *
 * @throws {RangeError} a code that may not be sent (see {@linkcode isValidCloseCode}).
 * @example
 * ```ts
 * import { encodeClosePayload } from "./close.ts";
 * encodeClosePayload(1000, "hi"); // Uint8Array [0x03, 0xe8, 0x68, 0x69]
 * ```
 */
export function encodeClosePayload(code: number, reason = ""): Uint8Array {
  if (code === WebSocketCloseCode.noStatus) return new Uint8Array(0);
  if (!isValidCloseCode(code)) throw new RangeError(`close code ${code} may not be sent`);
  const text = encodeTruncatedUtf8(reason, MAX_CLOSE_REASON_BYTES);
  const out = new Uint8Array(2 + text.length);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}
