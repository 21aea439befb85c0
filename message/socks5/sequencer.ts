/**
 * The sending side of a proxied stream (`clients.md` §5.2, upstream
 * `proxy-helpers/src/ordered_sender.rs`): numbers each outgoing chunk from 0 upwards, keepalives
 * and the close marker included.
 *
 * @module
 */
import { Socks5ProtocolError } from "./errors.ts";
import type { ConnectionId, SocketData } from "./socket_data.ts";

const EMPTY = new Uint8Array(0);

/**
 * Hands out consecutive sequence numbers for one connection and direction.
 *
 * @example
 * ```ts
 * import { SocketDataSequencer } from "./sequencer.ts";
 * const seq = new SocketDataSequencer(42n);
 * seq.next(new Uint8Array([1])).seq; // 0n
 * seq.keepalive().seq; // 1n
 * seq.close().closed; // true (seq 2n)
 * ```
 */
export class SocketDataSequencer {
  readonly #connectionId: ConnectionId;
  #next: bigint;
  #closed = false;

  /** Starts at `start` (0 for a fresh stream). */
  constructor(connectionId: ConnectionId, start = 0n) {
    this.#connectionId = connectionId;
    this.#next = start;
  }

  /** The connection this sequencer numbers. */
  get connectionId(): ConnectionId {
    return this.#connectionId;
  }

  /** The sequence number the next chunk will get. */
  get nextSequence(): bigint {
    return this.#next;
  }

  /** The close marker was produced; no more chunks may follow. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The next chunk; `closed` marks it as the last one.
   *
   * @throws {Socks5ProtocolError} after the stream was closed.
   */
  next(data: Uint8Array, closed = false): SocketData {
    if (this.#closed) {
      throw new Socks5ProtocolError(`connection ${this.#connectionId} is already closed`);
    }
    const out = { connectionId: this.#connectionId, seq: this.#next, closed, data };
    this.#next++;
    this.#closed = closed;
    return out;
  }

  /**
   * An empty chunk that keeps the other side's idle timer alive.
   *
   * @throws {Socks5ProtocolError} after the stream was closed.
   */
  keepalive(): SocketData {
    return this.next(EMPTY);
  }

  /**
   * The empty close marker.
   *
   * @throws {Socks5ProtocolError} after the stream was closed.
   */
  close(): SocketData {
    return this.next(EMPTY, true);
  }
}
