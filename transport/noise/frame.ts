/**
 * Nym's Noise frame (`wire-format.md` §5, `nym-node.md` §3.1): every Noise message, handshake
 * or transport, travels behind an 8-byte header:
 *
 * ```
 * byte 0    version (1 = V1)
 * byte 1    pattern (1 = XKpsk3, 2 = IKpsk2)
 * byte 2    message type (0 = handshake, 1 = data)
 * byte 3-4  data length, u16 big-endian (the Noise message including its 16-byte tag)
 * byte 5-7  reserved, sent as zeros
 * ```
 *
 * Decoding is strict about version, pattern and type (typed errors). The reserved bytes are
 * ignored on input, as upstream's decoder does (it skips them), so a future use of them does
 * not break old peers. Upstream decodes an unknown version and fails later when it cannot
 * derive the PSK; rejecting it here has the same effect on the wire.
 *
 * @module
 */
import {
  NoiseFrameLengthError,
  NoiseStateError,
  UnknownNoiseMessageTypeError,
  UnknownNoisePatternError,
  UnknownNoiseVersionError,
} from "./errors.ts";
import { isSupportedNoiseVersion } from "./psk.ts";
import { NOISE_MAX_MESSAGE_LENGTH } from "./transport_state.ts";

/** Bytes of the frame header. */
export const NOISE_FRAME_HEADER_LENGTH = 8;
/** Largest frame on the wire: header plus a 65535-byte Noise message. */
export const NOISE_MAX_FRAME_LENGTH: number = NOISE_FRAME_HEADER_LENGTH + NOISE_MAX_MESSAGE_LENGTH;

/** Pattern byte values (`NoisePattern` repr). */
export const NoisePattern = {
  /** `Noise_XKpsk3_25519_AESGCM_SHA256`, the default and the only one in use. */
  XKpsk3: 1,
  /** `Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s`: defined upstream, not used, not implemented here. */
  IKpsk2: 2,
} as const;
/** A known pattern byte. */
export type NoisePatternId = (typeof NoisePattern)[keyof typeof NoisePattern];

/** Message-type byte values (`NymNoiseMessageType`). */
export const NoiseMessageType = {
  /** A handshake message. */
  Handshake: 0,
  /** A transport (data) message. */
  Data: 1,
} as const;
/** A known message-type byte. */
export type NoiseMessageTypeId = (typeof NoiseMessageType)[keyof typeof NoiseMessageType];

/** A decoded frame header. */
export interface NoiseFrameHeader {
  /** Noise version (only 1 passes decoding). */
  readonly version: number;
  /** Handshake pattern. */
  readonly pattern: NoisePatternId;
  /** Handshake or data. */
  readonly messageType: NoiseMessageTypeId;
  /** Bytes of Noise message that follow the header (0–65535). */
  readonly length: number;
}

/** A header and its Noise message. */
export interface NoiseFrame {
  /** The decoded header. */
  readonly header: NoiseFrameHeader;
  /** The Noise message (`header.length` bytes). */
  readonly data: Uint8Array;
}

/**
 * Writes an 8-byte header for `header` into `out` at `offset`.
 *
 * @example
 * ```ts
 * import { writeNoiseFrameHeader } from "./frame.ts";
 * const out = new Uint8Array(8);
 * writeNoiseFrameHeader({ version: 1, pattern: 1, messageType: 0, length: 48 }, out, 0);
 * out; // Uint8Array [1, 1, 0, 0, 48, 0, 0, 0]
 * ```
 */
export function writeNoiseFrameHeader(
  header: NoiseFrameHeader,
  out: Uint8Array,
  offset: number,
): void {
  if (!Number.isInteger(header.length) || header.length < 0 || header.length > 0xffff) {
    throw new NoiseFrameLengthError(`frame data of ${header.length} bytes does not fit a u16`);
  }
  if (!Number.isInteger(header.version) || header.version < 0 || header.version > 0xff) {
    throw new UnknownNoiseVersionError(header.version);
  }
  out[offset] = header.version;
  out[offset + 1] = header.pattern;
  out[offset + 2] = header.messageType;
  out[offset + 3] = header.length >>> 8;
  out[offset + 4] = header.length & 0xff;
  out[offset + 5] = 0;
  out[offset + 6] = 0;
  out[offset + 7] = 0;
}

/**
 * Encodes a whole frame: header followed by `data`.
 *
 * @example
 * ```ts
 * import { encodeNoiseFrame, NoiseMessageType, NoisePattern } from "./frame.ts";
 * encodeNoiseFrame(1, NoisePattern.XKpsk3, NoiseMessageType.Data, new Uint8Array(16)).length; // 24
 * ```
 */
export function encodeNoiseFrame(
  version: number,
  pattern: NoisePatternId,
  messageType: NoiseMessageTypeId,
  data: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(NOISE_FRAME_HEADER_LENGTH + data.length);
  writeNoiseFrameHeader({ version, pattern, messageType, length: data.length }, out, 0);
  out.set(data, NOISE_FRAME_HEADER_LENGTH);
  return out;
}

/**
 * Decodes the header at `offset` of `bytes`. Throws {@linkcode NoiseFrameLengthError} when
 * fewer than 8 bytes are there, and the `UnknownNoise*Error`s for bad field values.
 *
 * @example
 * ```ts
 * import { decodeNoiseFrameHeader } from "./frame.ts";
 * decodeNoiseFrameHeader(new Uint8Array([1, 1, 1, 0, 16, 0, 0, 0])).length; // 16
 * ```
 */
export function decodeNoiseFrameHeader(bytes: Uint8Array, offset = 0): NoiseFrameHeader {
  if (offset < 0 || bytes.length - offset < NOISE_FRAME_HEADER_LENGTH) {
    throw new NoiseFrameLengthError(
      `frame header needs ${NOISE_FRAME_HEADER_LENGTH} bytes, got ${
        Math.max(0, bytes.length - offset)
      }`,
    );
  }
  const version = bytes[offset];
  const pattern = bytes[offset + 1];
  const messageType = bytes[offset + 2];
  if (!isSupportedNoiseVersion(version)) throw new UnknownNoiseVersionError(version);
  if (pattern !== NoisePattern.XKpsk3 && pattern !== NoisePattern.IKpsk2) {
    throw new UnknownNoisePatternError(pattern);
  }
  if (messageType !== NoiseMessageType.Handshake && messageType !== NoiseMessageType.Data) {
    throw new UnknownNoiseMessageTypeError(messageType);
  }
  return {
    version,
    pattern,
    messageType,
    length: (bytes[offset + 3] << 8) | bytes[offset + 4],
  };
}

/**
 * Decodes exactly one complete frame; `bytes.length` must equal 8 + the header's length
 * ({@linkcode NoiseFrameLengthError} otherwise). The returned data is a copy.
 *
 * @example
 * ```ts
 * import { decodeNoiseFrame } from "./frame.ts";
 * decodeNoiseFrame(new Uint8Array([1, 1, 0, 0, 1, 0, 0, 0, 9])).data; // Uint8Array [9]
 * ```
 */
export function decodeNoiseFrame(bytes: Uint8Array): NoiseFrame {
  const header = decodeNoiseFrameHeader(bytes, 0);
  const expected = NOISE_FRAME_HEADER_LENGTH + header.length;
  if (bytes.length !== expected) {
    throw new NoiseFrameLengthError(
      `frame header announces ${header.length} data bytes, got ${
        bytes.length - NOISE_FRAME_HEADER_LENGTH
      }`,
    );
  }
  return { header, data: bytes.slice(NOISE_FRAME_HEADER_LENGTH) };
}

/**
 * Incremental decoder for a byte stream of frames, with a bounded buffer: push what the socket
 * delivers (or read straight into {@linkcode NoiseFrameDecoder.reserve}), pull complete
 * frames. The buffer starts small and grows on demand, never beyond
 * {@linkcode NoiseFrameDecoder.capacity} bytes; {@linkcode push} throws
 * {@linkcode NoiseStateError} instead of growing past it, so a reader must pull frames before
 * pushing more (at most one incomplete frame plus one read is ever pending).
 *
 * @example
 * ```ts
 * import { encodeNoiseFrame, NoiseFrameDecoder } from "./frame.ts";
 * const d = new NoiseFrameDecoder();
 * const f = encodeNoiseFrame(1, 1, 1, new Uint8Array([5, 6]));
 * d.push(f.subarray(0, 3));
 * d.next(); // null: incomplete
 * d.push(f.subarray(3));
 * d.next()?.data; // Uint8Array [5, 6]
 * ```
 */
export class NoiseFrameDecoder {
  /** Default bound: one maximum frame plus one 64 KiB read. */
  static readonly DEFAULT_CAPACITY: number = NOISE_MAX_FRAME_LENGTH + 65536;
  /** The buffer bound in bytes. */
  readonly capacity: number;
  #buffer: Uint8Array;
  #start = 0;
  #end = 0;
  #header: NoiseFrameHeader | null = null;

  /**
   * Creates a decoder whose buffer holds at most `capacity` bytes (≥ one maximum frame),
   * starting with `initialSize` bytes (an idle connection costs little).
   */
  constructor(capacity: number = NoiseFrameDecoder.DEFAULT_CAPACITY, initialSize = 16384) {
    if (!Number.isInteger(capacity) || capacity < NOISE_MAX_FRAME_LENGTH) {
      throw new RangeError(`capacity must be an integer >= ${NOISE_MAX_FRAME_LENGTH}`);
    }
    if (!Number.isInteger(initialSize) || initialSize < 1) {
      throw new RangeError("initialSize must be a positive integer");
    }
    this.capacity = capacity;
    this.#buffer = new Uint8Array(Math.min(initialSize, capacity));
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Bytes {@linkcode push} can accept right now without exceeding the capacity. */
  get freeSpace(): number {
    return this.capacity - this.buffered;
  }

  /**
   * Bytes still missing before {@linkcode next} can return a frame: the rest of the header, or
   * the rest of the announced data (0 when a frame is complete).
   */
  get bytesNeeded(): number {
    if (this.#header === null) {
      if (this.buffered < NOISE_FRAME_HEADER_LENGTH) {
        return NOISE_FRAME_HEADER_LENGTH - this.buffered;
      }
      // A header is buffered but not parsed yet; next() parses it.
      return 0;
    }
    return Math.max(0, this.#header.length - this.buffered);
  }

  /** Whether part of a frame (a header or some of its data) is buffered. */
  get hasPartialFrame(): boolean {
    return this.#header !== null || this.buffered > 0;
  }

  /** Makes `n` contiguous bytes free after the buffered data (compacting, then growing). */
  #makeRoom(n: number): void {
    if (this.#end + n <= this.#buffer.length) return;
    const needed = this.buffered + n;
    if (needed <= this.#buffer.length) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      const grown = new Uint8Array(
        Math.min(this.capacity, Math.max(needed, this.#buffer.length * 2)),
      );
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
    }
    this.#end -= this.#start;
    this.#start = 0;
  }

  /** Appends received bytes. Throws {@linkcode NoiseStateError} if they do not fit. */
  push(chunk: Uint8Array): void {
    if (chunk.length > this.freeSpace) {
      throw new NoiseStateError(
        `frame decoder buffer full (${this.buffered} of ${this.capacity} bytes buffered)`,
      );
    }
    this.#makeRoom(chunk.length);
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /**
   * Returns a writable region of up to `maxBytes` (at least 1 while there is free space) at
   * the end of the buffer, for reading from a socket without an extra copy; report how many
   * bytes were written with {@linkcode commit} before any other call.
   */
  reserve(maxBytes: number): Uint8Array {
    const n = Math.max(0, Math.min(Math.floor(maxBytes), this.freeSpace));
    this.#makeRoom(n);
    return this.#buffer.subarray(this.#end, this.#end + n);
  }

  /** Records that `n` bytes were written into the last {@linkcode reserve} region. */
  commit(n: number): void {
    if (!Number.isInteger(n) || n < 0 || this.#end + n > this.#buffer.length) {
      throw new NoiseStateError(`cannot commit ${n} bytes`);
    }
    this.#end += n;
  }

  /**
   * Returns the next complete frame (its data copied out), or `null` if more bytes are
   * needed. A malformed header throws its typed error (again on every later call): the stream
   * has lost framing.
   */
  next(): NoiseFrame | null {
    if (this.#header === null) {
      if (this.buffered < NOISE_FRAME_HEADER_LENGTH) return null;
      this.#header = decodeNoiseFrameHeader(
        this.#buffer.subarray(this.#start, this.#end),
        0,
      );
      this.#start += NOISE_FRAME_HEADER_LENGTH;
    }
    const header = this.#header;
    if (this.buffered < header.length) return null;
    const data = this.#buffer.slice(this.#start, this.#start + header.length);
    this.#start += header.length;
    this.#header = null;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return { header, data };
  }
}
