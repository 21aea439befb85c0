/**
 * `SocketData`: one chunk of a proxied TCP stream (`clients.md` §5.2–5.3, upstream
 * `common/socks5/requests/src/lib.rs`). The 17-byte header has a different field order in each
 * direction, kept for backwards compatibility:
 *
 * - request (client → network requester, inside `Send`): `conn_id u64 ‖ local_closed u8 ‖ seq u64`
 * - response (network requester → client, inside `NetworkData`): `local_closed u8 ‖ conn_id u64 ‖
 *   seq u64`
 *
 * followed by the data. All integers are big-endian; any non-zero `local_closed` byte means true.
 *
 * @module
 */
import { readU64BE, writeU64BE } from "../../crypto/bytes.ts";
import { Socks5ProtocolError } from "./errors.ts";

/** A connection id: a random u64 the client picks per proxied TCP connection. */
export type ConnectionId = bigint;

/** Length of the header in front of the data. */
export const SOCKET_DATA_HEADER_LENGTH = 17;

/** One ordered chunk of a proxied stream. */
export interface SocketData {
  /** Which proxied connection this chunk belongs to. */
  readonly connectionId: ConnectionId;
  /** Position in this direction's stream, starting at 0 and increasing by 1 per message. */
  readonly seq: bigint;
  /** The sender's socket is closed: this is the last message of the direction. */
  readonly closed: boolean;
  /** The bytes (may be empty: keepalives and close markers). */
  readonly data: Uint8Array;
}

/** Which header layout to use. */
export type SocketDataDirection = "request" | "response";

function checkU64(value: bigint, what: string): void {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new Socks5ProtocolError(`${what} ${value} is not a u64`);
  }
}

/**
 * Serialises socket data with the header layout of `direction`.
 *
 * @example
 * ```ts
 * import { encodeSocketData } from "./socket_data.ts";
 * const d = { connectionId: 1n, seq: 2n, closed: true, data: new Uint8Array([9]) };
 * encodeSocketData(d, "request")[8]; // 1: the closed flag follows the connection id
 * encodeSocketData(d, "response")[0]; // 1: the closed flag comes first
 * ```
 * @throws {Socks5ProtocolError} when the id or sequence number is not a u64.
 */
export function encodeSocketData(data: SocketData, direction: SocketDataDirection): Uint8Array {
  checkU64(data.connectionId, "connection id");
  checkU64(data.seq, "sequence number");
  const out = new Uint8Array(SOCKET_DATA_HEADER_LENGTH + data.data.length);
  if (direction === "request") {
    writeU64BE(out, 0, data.connectionId);
    out[8] = data.closed ? 1 : 0;
  } else {
    out[0] = data.closed ? 1 : 0;
    writeU64BE(out, 1, data.connectionId);
  }
  writeU64BE(out, 9, data.seq);
  out.set(data.data, SOCKET_DATA_HEADER_LENGTH);
  return out;
}

/**
 * Parses socket data with the header layout of `direction`; `null` when shorter than the header
 * (the caller throws its own typed error). The data is copied.
 *
 * @example
 * ```ts
 * import { decodeSocketData, encodeSocketData } from "./socket_data.ts";
 * const d = { connectionId: 7n, seq: 0n, closed: false, data: new Uint8Array([1, 2]) };
 * decodeSocketData(encodeSocketData(d, "response"), "response")?.connectionId; // 7n
 * ```
 */
export function decodeSocketData(
  bytes: Uint8Array,
  direction: SocketDataDirection,
): SocketData | null {
  if (bytes.length < SOCKET_DATA_HEADER_LENGTH) return null;
  const closedAt = direction === "request" ? 8 : 0;
  const idAt = direction === "request" ? 0 : 1;
  return {
    connectionId: readU64BE(bytes, idAt),
    closed: bytes[closedAt] !== 0,
    seq: readU64BE(bytes, 9),
    data: bytes.slice(SOCKET_DATA_HEADER_LENGTH),
  };
}
