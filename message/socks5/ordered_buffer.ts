/**
 * Reordering of a proxied stream's messages by sequence number (`clients.md` §5.2, upstream
 * `common/socks5/ordered-buffer` and the `ActiveConnection` close tracking in
 * `proxy-helpers/src/connection_controller.rs`). Mixnet messages arrive in any order; only the
 * contiguous run starting at the next expected sequence number is released.
 *
 * Bounded: like upstream it refuses sequence numbers more than 1000 ahead, duplicates and ones
 * already delivered, and in addition it refuses writes that would exceed a byte bound.
 *
 * @module
 */
import { OrderedBufferError } from "./errors.ts";

/** Upstream's `MAX_REASONABLE_OFFSET`. */
export const DEFAULT_MAX_SEQUENCE_OFFSET = 1000;
/** Default bound on buffered (not yet contiguous) bytes: 1000 messages of ~8 KiB fit in 8 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Limits of an {@linkcode OrderedMessageBuffer}. */
export interface OrderedBufferOptions {
  /** Refuse sequence numbers more than this far ahead of the next expected one (default 1000). */
  readonly maxOffset?: number;
  /** Refuse writes that would make the buffered bytes exceed this (default 16 MiB). */
  readonly maxBufferedBytes?: number;
}

/** Contiguous data released by {@linkcode OrderedMessageBuffer.read}. */
export interface OrderedRead {
  /** The concatenated data (may be empty, e.g. after keepalives). */
  readonly data: Uint8Array;
  /** The sequence number of the last message included. */
  readonly lastSequence: bigint;
  /** The message that closed the stream has now been delivered. */
  readonly closed: boolean;
}

/**
 * Reorders messages of one stream direction.
 *
 * @example
 * ```ts
 * import { OrderedMessageBuffer } from "./ordered_buffer.ts";
 * const buffer = new OrderedMessageBuffer();
 * buffer.write(1n, new Uint8Array([2]), true);
 * buffer.read(); // null: 0 is missing
 * buffer.write(0n, new Uint8Array([1]));
 * buffer.read(); // { data: [1, 2], lastSequence: 1n, closed: true }
 * ```
 */
export class OrderedMessageBuffer {
  readonly #maxOffset: bigint;
  readonly #maxBytes: number;
  readonly #messages = new Map<bigint, Uint8Array>();
  #next = 0n;
  #bytes = 0;
  #closedAt: bigint | null = null;
  #closedDelivered = false;

  /** An empty buffer expecting sequence number 0. */
  constructor(options: OrderedBufferOptions = {}) {
    this.#maxOffset = BigInt(options.maxOffset ?? DEFAULT_MAX_SEQUENCE_OFFSET);
    this.#maxBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  /** The next sequence number expected. */
  get nextSequence(): bigint {
    return this.#next;
  }

  /** Number of messages waiting for a gap to fill. */
  get bufferedCount(): number {
    return this.#messages.size;
  }

  /** Bytes waiting for a gap to fill. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** The closing message has been delivered by {@linkcode read}. */
  get closed(): boolean {
    return this.#closedDelivered;
  }

  /**
   * Stores a message; `closed` marks the last message of the stream.
   *
   * @throws {OrderedBufferError} when refused (the buffer is unchanged).
   */
  write(sequence: bigint, data: Uint8Array, closed = false): void {
    if (sequence > this.#next + this.#maxOffset) {
      throw new OrderedBufferError(
        "too-far-ahead",
        sequence,
        `received message with sequence number ${sequence}, which is way higher than our current ${this.#next}`,
      );
    }
    if (this.#messages.has(sequence)) {
      throw new OrderedBufferError(
        "duplicate",
        sequence,
        `attempted to overwrite message at sequence ${sequence}`,
      );
    }
    if (sequence < this.#next) {
      throw new OrderedBufferError(
        "already-delivered",
        sequence,
        `received message with sequence number ${sequence}, while we're already at ${this.#next}`,
      );
    }
    if (this.#closedAt !== null && sequence > this.#closedAt) {
      throw new OrderedBufferError(
        "after-close",
        sequence,
        `received message with sequence number ${sequence} after the stream closed at ${this.#closedAt}`,
      );
    }
    if (this.#bytes + data.length > this.#maxBytes) {
      throw new OrderedBufferError(
        "full",
        sequence,
        `buffering ${data.length} more bytes would exceed ${this.#maxBytes}`,
      );
    }
    if (closed) {
      this.#closedAt = sequence;
      // A close marker below messages already buffered makes them unreachable: drop them.
      for (const [seq, bytes] of this.#messages) {
        if (seq > sequence) {
          this.#messages.delete(seq);
          this.#bytes -= bytes.length;
        }
      }
    }
    this.#messages.set(sequence, data);
    this.#bytes += data.length;
  }

  /** Releases the contiguous run at the next expected sequence number, or `null` if there is none. */
  read(): OrderedRead | null {
    if (!this.#messages.has(this.#next)) return null;
    const parts: Uint8Array[] = [];
    let length = 0;
    let seq = this.#next;
    for (;;) {
      const part = this.#messages.get(seq);
      if (part === undefined) break;
      this.#messages.delete(seq);
      this.#bytes -= part.length;
      parts.push(part);
      length += part.length;
      seq++;
    }
    this.#next = seq;
    const lastSequence = seq - 1n;
    if (this.#closedAt !== null && lastSequence >= this.#closedAt) this.#closedDelivered = true;
    let data: Uint8Array;
    if (parts.length === 1) data = parts[0];
    else {
      data = new Uint8Array(length);
      let offset = 0;
      for (const p of parts) {
        data.set(p, offset);
        offset += p.length;
      }
    }
    return { data, lastSequence, closed: this.#closedDelivered };
  }
}
