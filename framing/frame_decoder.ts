/**
 * Incremental decoder for a node-to-node TCP byte stream (`wire-format.md` §4.1): push the
 * chunks the socket yields, then pull complete frames. Frames that lie inside one pushed chunk
 * are returned as zero-copy views of it; only frames straddling chunk boundaries are copied.
 *
 * @module
 */
import { FrameBufferOverflowError, FramingError } from "./errors.ts";
import { decodeFrameHeader, type Frame, type FrameHeader } from "./frame.ts";
import { packetTotalLength } from "./packet_size.ts";

/** Default bound on buffered, not yet decoded bytes: 1 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1 << 20;

/** Options of {@linkcode FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * Most bytes the decoder holds before {@linkcode FrameDecoder.push} fails with
   * {@linkcode FrameBufferOverflowError}. Should be at least one maximal frame
   * (`MAX_FRAME_LENGTH`, 33137 bytes) plus the largest chunk the socket yields.
   * Defaults to {@linkcode DEFAULT_MAX_BUFFERED_BYTES}.
   */
  readonly maxBufferedBytes?: number;
  /**
   * Copy each pushed chunk instead of keeping a reference to it. Needed only when the caller
   * reuses its read buffer; by default pushed chunks must not be modified afterwards, because
   * decoded packets may be views of them.
   */
  readonly copyChunks?: boolean;
}

/**
 * Stateful frame decoder for one connection. Errors are fatal for the stream: once a malformed
 * header is seen (version below 7 or above 8, unknown size, type or rotation) every later call
 * throws the same error, and the connection should be closed. Frames decoded before the bad
 * header are still returned.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder } from "./mod.ts";
 * const bytes = encodeFrame({ version: 8, packetType: 0, keyRotation: 2, packet: new Uint8Array(386) });
 * const decoder = new FrameDecoder();
 * decoder.push(bytes.subarray(0, 100));
 * decoder.next(); // undefined: incomplete
 * decoder.push(bytes.subarray(100));
 * decoder.next()?.packet.length; // 386
 * ```
 */
export class FrameDecoder {
  readonly #max: number;
  readonly #copy: boolean;
  #chunks: Uint8Array[] = [];
  #first = 0;
  #offset = 0;
  #buffered = 0;
  #error: FramingError | undefined;
  readonly #scratch = new Uint8Array(4);

  /**
   * @throws {RangeError} if `maxBufferedBytes` is below one maximal frame (a programming error,
   * not bad input).
   */
  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError("maxBufferedBytes must be a positive integer");
    }
    this.#max = max;
    this.#copy = options.copyChunks ?? false;
  }

  /** Bytes pushed but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** The fatal error of this stream, once one happened. */
  get error(): FramingError | undefined {
    return this.#error;
  }

  /**
   * Appends bytes read from the stream.
   *
   * @throws {FrameBufferOverflowError} if the buffer would exceed `maxBufferedBytes` (fatal).
   * @throws the stream's earlier fatal error, if any.
   */
  push(chunk: Uint8Array): void {
    if (this.#error) throw this.#error;
    if (chunk.length === 0) return;
    if (this.#buffered + chunk.length > this.#max) {
      this.#error = new FrameBufferOverflowError(
        `frame buffer would hold ${this.#buffered + chunk.length} bytes, limit ${this.#max}`,
      );
      throw this.#error;
    }
    this.#chunks.push(this.#copy ? chunk.slice() : chunk);
    this.#buffered += chunk.length;
  }

  /**
   * Returns the next complete frame, or `undefined` if more bytes are needed.
   *
   * @throws {FramingError} for a malformed header (fatal; repeated on every later call).
   */
  next(): Frame | undefined {
    if (this.#error) throw this.#error;
    if (this.#buffered === 0) return undefined;
    const head = this.#chunks[this.#first];
    const inHead = head.length - this.#offset;
    let header: FrameHeader | undefined;
    try {
      if (inHead >= 4 || inHead === this.#buffered) {
        header = decodeFrameHeader(head, this.#offset);
      } else {
        header = decodeFrameHeader(this.#peek(Math.min(4, this.#buffered)), 0);
      }
    } catch (e) {
      this.#error = e instanceof FramingError ? e : new FramingError(String(e));
      throw this.#error;
    }
    if (header === undefined) return undefined;
    const headerLength = header.version === 7 ? 3 : 4;
    const packetLength = packetTotalLength(header.packetSize);
    const total = headerLength + packetLength;
    if (this.#buffered < total) return undefined;
    let packet: Uint8Array;
    if (inHead >= total) {
      const start = this.#offset + headerLength;
      packet = head.subarray(start, start + packetLength);
      this.#consume(total);
    } else {
      this.#consume(headerLength);
      packet = this.#take(packetLength);
    }
    return {
      version: header.version,
      packetSize: header.packetSize,
      packetType: header.packetType,
      keyRotation: header.keyRotation,
      packet,
    };
  }

  /**
   * Returns every complete frame now available. If a malformed header follows some good frames,
   * the good frames are returned and the next call throws.
   *
   * @throws {FramingError} if the very first header is malformed (fatal).
   */
  drain(): Frame[] {
    const out: Frame[] = [];
    for (;;) {
      let frame: Frame | undefined;
      try {
        frame = this.next();
      } catch (e) {
        if (out.length === 0) throw e;
        return out;
      }
      if (frame === undefined) return out;
      out.push(frame);
    }
  }

  /** Copies the first `n` (≤ 4) buffered bytes into the scratch array. */
  #peek(n: number): Uint8Array {
    let chunk = this.#first;
    let offset = this.#offset;
    for (let i = 0; i < n; i++) {
      while (offset >= this.#chunks[chunk].length) {
        chunk++;
        offset = 0;
      }
      this.#scratch[i] = this.#chunks[chunk][offset++];
    }
    return this.#scratch.subarray(0, n);
  }

  /** Drops `n` buffered bytes. */
  #consume(n: number): void {
    this.#buffered -= n;
    let offset = this.#offset + n;
    while (this.#first < this.#chunks.length && offset >= this.#chunks[this.#first].length) {
      offset -= this.#chunks[this.#first].length;
      this.#first++;
    }
    this.#offset = offset;
    this.#compact();
  }

  /** Removes and returns the next `n` buffered bytes as a fresh array (crosses chunks). */
  #take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#first];
      const take = Math.min(n - filled, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + take), filled);
      filled += take;
      this.#offset += take;
      if (this.#offset === chunk.length) {
        this.#first++;
        this.#offset = 0;
      }
    }
    this.#buffered -= n;
    this.#compact();
    return out;
  }

  #compact(): void {
    if (this.#first === this.#chunks.length) {
      this.#chunks = [];
      this.#first = 0;
      this.#offset = 0;
    } else if (this.#first >= 32) {
      this.#chunks = this.#chunks.slice(this.#first);
      this.#first = 0;
    }
  }
}
