/**
 * WebSocket frame headers and masking (RFC 6455 §5.2–§5.5). Pure and synchronous.
 *
 * ```text
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * ```
 *
 * No extension is ever negotiated, so all three RSV bits must be 0. Frames from a client must be
 * masked and frames from a server must not be (§5.1); lengths must use the minimal encoding
 * (§5.2); control frames carry at most 125 bytes and are never fragmented (§5.5).
 *
 * @module
 */
import { MessageTooBigError, ProtocolError } from "./errors.ts";

/**
 * Frame opcodes (RFC 6455 §5.2); every other value is reserved and a protocol error.
 *
 * @example
 * ```ts
 * import { Opcode } from "./frame.ts";
 * Opcode.binary; // 2
 * ```
 */
export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** One of the defined {@linkcode Opcode} values. */
export type Opcode = typeof Opcode[keyof typeof Opcode];

/** Largest payload of a control frame (close, ping, pong). */
export const MAX_CONTROL_PAYLOAD = 125;

/** Longest frame header: 2 bytes + 8-byte extended length + 4-byte masking key. */
export const MAX_FRAME_HEADER_LENGTH = 14;

/** A parsed frame header. */
export interface FrameHeader {
  /** Final fragment of a message. */
  readonly fin: boolean;
  /** The opcode. */
  readonly opcode: Opcode;
  /** The 4-byte masking key, or `null` for an unmasked frame. */
  readonly maskKey: Uint8Array | null;
  /** Payload length in bytes. */
  readonly payloadLength: number;
  /** Header length in bytes (2–14); the payload starts here. */
  readonly headerLength: number;
}

/** What {@linkcode parseFrameHeader} accepts. */
export interface ParseFrameHeaderOptions {
  /**
   * True when the frames come from a client and so must be masked (a server parsing); false when
   * they come from a server and must not be.
   */
  readonly masked: boolean;
  /** Largest accepted payload; a longer frame is a {@linkcode MessageTooBigError}. */
  readonly maxPayload?: number;
}

/** Whether the platform stores a `Uint32Array` element little-endian (a constant of the host). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isOpcode(value: number): value is Opcode {
  return value <= 0x2 || (value >= 0x8 && value <= 0xa);
}

/**
 * Bytes of header needed once the first two header bytes are known: 2 + extended length (0, 2
 * or 8) + masking key (0 or 4).
 *
 * @example
 * ```ts
 * import { frameHeaderLength } from "./frame.ts";
 * frameHeaderLength(0x80 | 126); // 8: masked, 16-bit length
 * ```
 */
export function frameHeaderLength(secondByte: number): number {
  const len7 = secondByte & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((secondByte & 0x80) !== 0 ? 4 : 0);
}

/**
 * Parses and validates the frame header at `offset` of `bytes`. Returns `null` when more bytes are
 * needed; the first two bytes are validated as soon as they are present, so a bad frame is
 * rejected before the rest of its header arrives.
 *
 * @throws {ProtocolError} RSV bits set, reserved opcode, wrong masking, a fragmented or oversize
 * control frame, a non-minimal length, or a 64-bit length with its top bit set (status 1002).
 * @throws {MessageTooBigError} a payload longer than `options.maxPayload` (status 1009).
 * @example
 * ```ts
 * import { parseFrameHeader } from "./frame.ts";
 * const header = parseFrameHeader(new Uint8Array([0x82, 0x85, 1, 2, 3, 4]), 0, { masked: true });
 * header?.opcode; // 2 (binary)
 * header?.payloadLength; // 5
 * ```
 */
export function parseFrameHeader(
  bytes: Uint8Array,
  offset: number,
  options: ParseFrameHeaderOptions,
): FrameHeader | null {
  const available = bytes.length - offset;
  if (available < 2) return null;
  const b0 = bytes[offset];
  const b1 = bytes[offset + 1];
  if ((b0 & 0x70) !== 0) throw new ProtocolError("RSV bits set but no extension was negotiated");
  const opcode = b0 & 0x0f;
  if (!isOpcode(opcode)) throw new ProtocolError(`reserved opcode 0x${opcode.toString(16)}`);
  const fin = (b0 & 0x80) !== 0;
  const masked = (b1 & 0x80) !== 0;
  if (masked !== options.masked) {
    throw new ProtocolError(
      masked ? "server frames must not be masked" : "client frame not masked",
    );
  }
  const len7 = b1 & 0x7f;
  if (opcode >= 0x8) {
    if (!fin) throw new ProtocolError("fragmented control frame");
    if (len7 > MAX_CONTROL_PAYLOAD) throw new ProtocolError("control frame payload over 125 bytes");
  }
  const headerLength = frameHeaderLength(b1);
  let payloadLength = len7;
  if (len7 === 126) {
    if (available < 4) return null;
    payloadLength = (bytes[offset + 2] << 8) | bytes[offset + 3];
    if (payloadLength < 126) throw new ProtocolError("non-minimal 16-bit payload length");
  } else if (len7 === 127) {
    if (available < 10) return null;
    const hi = ((bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) |
      (bytes[offset + 4] << 8) | bytes[offset + 5]) >>> 0;
    const lo = ((bytes[offset + 6] << 24) | (bytes[offset + 7] << 16) |
      (bytes[offset + 8] << 8) | bytes[offset + 9]) >>> 0;
    if (hi >= 0x80000000) throw new ProtocolError("64-bit payload length with the top bit set");
    if (hi === 0 && lo < 65536) throw new ProtocolError("non-minimal 64-bit payload length");
    // Exact up to 2^53; anything larger is far beyond every limit and only compared against one.
    payloadLength = hi * 0x100000000 + lo;
  }
  if (options.maxPayload !== undefined && payloadLength > options.maxPayload) {
    throw new MessageTooBigError(
      `frame payload of ${payloadLength} bytes exceeds the limit of ${options.maxPayload}`,
    );
  }
  if (available < headerLength) return null;
  const maskKey = masked ? bytes.slice(offset + headerLength - 4, offset + headerLength) : null;
  return { fin, opcode, maskKey, payloadLength, headerLength };
}

/**
 * XORs `data` in place with the 4-byte masking `key` (RFC 6455 §5.3), where `data[0]` is byte
 * `offset` of the payload (so a payload can be unmasked piece by piece). Masking and unmasking
 * are the same operation. Works a 32-bit word at a time on aligned stretches.
 *
 * @example
 * ```ts
 * import { applyMask } from "./frame.ts";
 * const key = new Uint8Array([1, 2, 3, 4]);
 * const data = new Uint8Array([0, 0, 0, 0, 0]);
 * applyMask(data, key); // data is now [1, 2, 3, 4, 1]
 * ```
 */
export function applyMask(data: Uint8Array, key: Uint8Array, offset = 0): void {
  const n = data.length;
  let i = 0;
  if (n >= 64) {
    const base = data.byteOffset;
    while (((base + i) & 3) !== 0) {
      data[i] ^= key[(offset + i) & 3];
      i++;
    }
    const words = (n - i) >>> 2;
    const p = (offset + i) & 3;
    const k0 = key[p], k1 = key[(p + 1) & 3], k2 = key[(p + 2) & 3], k3 = key[(p + 3) & 3];
    const word = LITTLE_ENDIAN
      ? (k0 | (k1 << 8) | (k2 << 16) | (k3 << 24))
      : ((k0 << 24) | (k1 << 16) | (k2 << 8) | k3);
    const view = new Uint32Array(data.buffer, base + i, words);
    for (let w = 0; w < words; w++) view[w] ^= word;
    i += words * 4;
  }
  for (; i < n; i++) data[i] ^= key[(offset + i) & 3];
}

/** Options of {@linkcode encodeFrame} and {@linkcode encodeFrameHeader}. */
export interface EncodeFrameOptions {
  /** Final fragment (default true). */
  readonly fin?: boolean;
  /** Masking key: clients mask every frame, servers never do (default: unmasked). */
  readonly maskKey?: Uint8Array;
}

function checkEncodable(opcode: Opcode, length: number, fin: boolean, maskKey?: Uint8Array) {
  if (!isOpcode(opcode)) throw new RangeError(`invalid opcode ${opcode}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError("invalid payload length");
  if (opcode >= 0x8 && (length > MAX_CONTROL_PAYLOAD || !fin)) {
    throw new RangeError("control frames carry at most 125 bytes and cannot be fragmented");
  }
  if (maskKey !== undefined && maskKey.length !== 4) throw new RangeError("mask key is 4 bytes");
}

function writeHeader(
  out: Uint8Array,
  opcode: Opcode,
  length: number,
  fin: boolean,
  maskKey: Uint8Array | undefined,
): number {
  out[0] = (fin ? 0x80 : 0) | opcode;
  const maskBit = maskKey ? 0x80 : 0;
  let at: number;
  if (length < 126) {
    out[1] = maskBit | length;
    at = 2;
  } else if (length < 65536) {
    out[1] = maskBit | 126;
    out[2] = length >>> 8;
    out[3] = length & 0xff;
    at = 4;
  } else {
    out[1] = maskBit | 127;
    const hi = Math.floor(length / 0x100000000);
    const lo = length >>> 0;
    out[2] = hi >>> 24;
    out[3] = (hi >>> 16) & 0xff;
    out[4] = (hi >>> 8) & 0xff;
    out[5] = hi & 0xff;
    out[6] = lo >>> 24;
    out[7] = (lo >>> 16) & 0xff;
    out[8] = (lo >>> 8) & 0xff;
    out[9] = lo & 0xff;
    at = 10;
  }
  if (maskKey) {
    out.set(maskKey, at);
    at += 4;
  }
  return at;
}

/**
 * Encodes a frame header with the minimal length encoding.
 *
 * @throws {RangeError} an undefined opcode, a bad length, a control frame over 125 bytes or not
 * final, or a mask key that is not 4 bytes (programming errors, never peer input).
 * @example
 * ```ts
 * import { encodeFrameHeader, Opcode } from "./frame.ts";
 * encodeFrameHeader(Opcode.binary, 300); // Uint8Array [0x82, 126, 0x01, 0x2c]
 * ```
 */
export function encodeFrameHeader(
  opcode: Opcode,
  payloadLength: number,
  options: EncodeFrameOptions = {},
): Uint8Array {
  const fin = options.fin ?? true;
  checkEncodable(opcode, payloadLength, fin, options.maskKey);
  const out = new Uint8Array(MAX_FRAME_HEADER_LENGTH);
  return out.slice(0, writeHeader(out, opcode, payloadLength, fin, options.maskKey));
}

/**
 * Encodes a whole frame (header and payload) into one new buffer; with `maskKey` the payload copy
 * is masked (the input is left untouched).
 *
 * @throws {RangeError} as {@linkcode encodeFrameHeader}.
 * @example
 * ```ts
 * import { encodeFrame, Opcode } from "./frame.ts";
 * encodeFrame(Opcode.text, new TextEncoder().encode("hi")); // Uint8Array [0x81, 2, 0x68, 0x69]
 * ```
 */
export function encodeFrame(
  opcode: Opcode,
  payload: Uint8Array,
  options: EncodeFrameOptions = {},
): Uint8Array {
  const fin = options.fin ?? true;
  const length = payload.length;
  checkEncodable(opcode, length, fin, options.maskKey);
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const out = new Uint8Array(headerLength + (options.maskKey ? 4 : 0) + length);
  const at = writeHeader(out, opcode, length, fin, options.maskKey);
  out.set(payload, at);
  if (options.maskKey) applyMask(out.subarray(at), options.maskKey);
  return out;
}
