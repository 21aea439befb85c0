/**
 * What the gateway's session logic needs from a client connection. Implemented by the
 * WebSocket server (`gateway/websocket/`) and by in-memory fakes in tests.
 *
 * @module
 */

/** A message received from the client. */
export type IncomingMessage =
  | { readonly type: "text"; readonly data: string }
  | { readonly type: "binary"; readonly data: Uint8Array };

/** A client connection. */
export interface ClientSocket {
  /** Sends a text frame; resolves when handed to the socket, rejects if it cannot be queued. */
  sendText(text: string): Promise<void>;
  /** Sends a binary frame (same semantics as {@linkcode sendText}). */
  sendBinary(data: Uint8Array): Promise<void>;
  /** Pings the client; true iff the matching pong arrives within `timeoutMs`. */
  ping(payload: Uint8Array, timeoutMs: number): Promise<boolean>;
  /** Closes with a WebSocket close code and reason. */
  close(code: number, reason: string): void;
  /** Bytes queued for sending but not yet written. */
  readonly bufferedAmount: number;
  /** The peer's address (for logs and limits). */
  readonly remoteAddress: string;
  /** Resolves when the connection is closed, from either side. */
  readonly closed: Promise<unknown>;
}

/** WebSocket close codes the gateway uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;
