/**
 * "Honest connect": how a SOCKS5 client learns whether the network requester really opened the
 * TCP connection, so it can answer the application's CONNECT truthfully.
 *
 * The 1.4.1-era protocol has **no connect confirmation** (`clients.md` §5.1: the upstream client
 * answers "success" at once and only logs a later `ConnectionError`). Upstream network requesters
 * (b4046a89 `service-providers/network-requester/src/core.rs`) send, per connection:
 *
 * - a refused destination (exit policy / resolution): `ConnectionError{conn_id, message}`;
 * - a failed TCP connect: `NetworkData{seq 0, closed, empty}`;
 * - a successful connect: nothing until the remote sends data (seq 0 carries the first bytes).
 *
 * Our network requester adds one backwards-compatible signal: **right after the TCP connect
 * succeeds it sends `NetworkData{seq 0, closed = false, empty data}`**, and the remote's bytes
 * follow from seq 1. To an old client this is an ordinary empty keepalive, which its ordered
 * buffer consumes without writing anything. On failure it sends `ConnectionError` with a reason
 * (policy refusal, DNS failure, connect refused/timeout, limits) and, for a failed TCP connect,
 * also upstream's `NetworkData{seq 0, closed, empty}` so old clients close their socket.
 *
 * A client decides with {@linkcode connectOutcome}: the first `ConnectionError`, or `NetworkData`
 * seq 0 that is closed and empty, means refused; any other `NetworkData` of the connection
 * (seq 0 open, or any seq > 0) means connected. Against an upstream requester a successful
 * connect is only visible once the remote speaks, so a client should know whether the requester
 * confirms: ours says so in its `Description` query answer ({@linkcode describesConnectConfirmation}).
 *
 * @module
 */
import type { ConnectionId, SocketData } from "./socket_data.ts";
import type { Socks5ResponseContent } from "./response.ts";

/** The token our network requester puts in its `Description` query answer. */
export const CONNECT_CONFIRMATION_MARKER = "connect-confirmation/1";

/** What a response says about a pending connect. */
export type ConnectOutcome =
  | { readonly kind: "connected" }
  | { readonly kind: "refused"; readonly message: string };

const EMPTY = new Uint8Array(0);

/**
 * The confirmation our network requester sends right after its TCP connect succeeded.
 *
 * @example
 * ```ts
 * import { connectConfirmation } from "./connect_signal.ts";
 * connectConfirmation(7n); // { connectionId: 7n, seq: 0n, closed: false, data: Uint8Array [] }
 * ```
 */
export function connectConfirmation(connectionId: ConnectionId): SocketData {
  return { connectionId, seq: 0n, closed: false, data: EMPTY };
}

/**
 * Upstream's "connection failed before it was established" marker (seq 0, closed, empty).
 *
 * @example
 * ```ts
 * import { connectFailureMarker } from "./connect_signal.ts";
 * connectFailureMarker(7n).closed; // true
 * ```
 */
export function connectFailureMarker(connectionId: ConnectionId): SocketData {
  return { connectionId, seq: 0n, closed: true, data: EMPTY };
}

/**
 * What `content` says about the pending connect of `connectionId`: `null` when it is about
 * another connection or not decisive (a query answer).
 *
 * @example
 * ```ts
 * import { connectConfirmation, connectOutcome } from "./connect_signal.ts";
 * connectOutcome({ kind: "network-data", data: connectConfirmation(7n) }, 7n); // { kind: "connected" }
 * connectOutcome({ kind: "connection-error", connectionId: 7n, message: "denied" }, 7n);
 * // { kind: "refused", message: "denied" }
 * ```
 */
export function connectOutcome(
  content: Socks5ResponseContent,
  connectionId: ConnectionId,
): ConnectOutcome | null {
  if (content.kind === "connection-error") {
    return content.connectionId === connectionId
      ? { kind: "refused", message: content.message }
      : null;
  }
  if (content.kind !== "network-data" || content.data.connectionId !== connectionId) return null;
  const d = content.data;
  if (d.seq === 0n && d.closed && d.data.length === 0) {
    return { kind: "refused", message: "the exit could not connect to the destination" };
  }
  return { kind: "connected" };
}

/**
 * Whether a `Description` query answer announces connect confirmations.
 *
 * @example
 * ```ts
 * import { CONNECT_CONFIRMATION_MARKER, describesConnectConfirmation } from "./connect_signal.ts";
 * describesConnectConfirmation(`nym-node (TypeScript) network requester; ${CONNECT_CONFIRMATION_MARKER}`); // true
 * describesConnectConfirmation("Description (placeholder)"); // false
 * ```
 */
export function describesConnectConfirmation(description: string): boolean {
  return description.split(/[\s;,]+/).includes(CONNECT_CONFIRMATION_MARKER);
}
