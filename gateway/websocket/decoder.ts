/**
 * Incremental WebSocket decoder: bytes in, complete messages and control frames out (RFC 6455
 * §5.4 fragmentation, §5.5 control frames, §5.6 UTF-8 text, §5.5.1 close payloads). Pure and
 * synchronous; the connection pushes whatever the socket returned and pulls events.
 *
 * Limits are enforced from frame headers, before any payload is buffered: a frame longer than
 * `maxFramePayload`, or one that would take the reassembled message past `maxMessageSize`, is a
 * {@linkcode MessageTooBigError} as soon as its length field has arrived. Payload buffers grow
 * with the bytes that actually arrive (from at most 16 KiB up), so a peer announcing a large frame
 * and then stalling costs little memory.
 *
 * @module
 */
import { parseClosePayload } from "./close.ts";
import {
  FrameError,
  InvalidPayloadError,
  MessageTooBigError,
  ProtocolError,
  WebSocketError,
} from "./errors.ts";
import {
  applyMask,
  type FrameHeader,
  frameHeaderLength,
  MAX_FRAME_HEADER_LENGTH,
  Opcode,
  parseFrameHeader,
  type ParseFrameHeaderOptions,
} from "./frame.ts";

/** A complete message or control frame. */
export type DecodedEvent =
  | { readonly type: "text"; readonly data: string }
  | { readonly type: "binary"; readonly data: Uint8Array }
  | { readonly type: "ping"; readonly data: Uint8Array }
  | { readonly type: "pong"; readonly data: Uint8Array }
  | { readonly type: "close"; readonly code: number; readonly reason: string };

/** Options of a {@linkcode FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * `"server"` decodes frames sent by a client (they must be masked); `"client"` decodes frames
   * sent by a server (they must not be).
   */
  readonly role: "server" | "client";
  /** Largest payload of one frame, in bytes. */
  readonly maxFramePayload: number;
  /** Largest message after reassembling its fragments, in bytes. */
  readonly maxMessageSize: number;
}

/** First allocation for a payload; larger frames grow their buffer as bytes arrive. */
const INITIAL_PAYLOAD_ALLOCATION = 16 * 1024;

/** Bookkeeping bytes counted per kept fragment in {@linkcode FrameDecoder.heldBytes}. */
export const FRAGMENT_OVERHEAD = 64;

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes a byte stream into {@linkcode DecodedEvent}s. Call {@linkcode FrameDecoder.push} with
 * each chunk read from the socket, then {@linkcode FrameDecoder.next} until it returns `null`;
 * the decoder copies what it keeps, so the chunk's buffer can be reused once `next` returned
 * `null`. After an error every call throws the same error.
 *
 * @example
 * ```ts
 * import { FrameDecoder } from "./decoder.ts";
 * const decoder = new FrameDecoder({
 *   role: "server",
 *   maxFramePayload: 1 << 20,
 *   maxMessageSize: 1 << 20,
 * });
 * // A masked text frame "Hello" (RFC 6455 §5.7).
 * decoder.push(new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
 * decoder.next(); // { type: "text", data: "Hello" }
 * decoder.next(); // null
 * ```
 */
export class FrameDecoder {
  readonly #headerOptions: ParseFrameHeaderOptions;
  readonly #maxMessageSize: number;

  #chunk: Uint8Array = EMPTY;
  #pos = 0;
  /** Header bytes carried over from a previous chunk. */
  #header: Uint8Array | null = null;
  #headerFill = 0;
  /** The frame whose payload is being read. */
  #frame: FrameHeader | null = null;
  #payload: Uint8Array = EMPTY;
  #filled = 0;
  /** Opcode of the fragmented message in progress (text/binary), or 0 for none. */
  #messageOpcode = 0;
  #messageSize = 0;
  #fragments: Uint8Array[] = [];
  #textParts: string[] = [];
  #streamDecoder: TextDecoder | null = null;
  #error: WebSocketError | null = null;

  /** Creates a decoder; see {@linkcode FrameDecoderOptions}. */
  constructor(options: FrameDecoderOptions) {
    this.#headerOptions = {
      masked: options.role === "server",
      maxPayload: options.maxFramePayload,
    };
    this.#maxMessageSize = options.maxMessageSize;
  }

  /** Bytes pushed but not yet consumed by {@linkcode FrameDecoder.next}. */
  get pendingBytes(): number {
    return this.#chunk.length - this.#pos;
  }

  /**
   * Approximate bytes held for the frame and message in progress: the current payload buffer,
   * the fragments received so far and a fixed {@linkcode FRAGMENT_OVERHEAD} per kept fragment. It
   * tracks what has arrived, not what frame headers announce.
   */
  get heldBytes(): number {
    const parts = this.#fragments.length + this.#textParts.length;
    return this.#payload.length + this.#messageSize + parts * FRAGMENT_OVERHEAD;
  }

  /** Size of the fragmented message being reassembled so far (0 when none). */
  get partialMessageSize(): number {
    return this.#messageSize;
  }

  /**
   * Adds bytes. The decoder reads `chunk` lazily from {@linkcode FrameDecoder.next}; bytes left
   * over from an earlier chunk are copied in front of it.
   */
  push(chunk: Uint8Array): void {
    if (this.#error) return;
    if (this.#pos < this.#chunk.length) {
      const rest = this.#chunk.subarray(this.#pos);
      const joined = new Uint8Array(rest.length + chunk.length);
      joined.set(rest);
      joined.set(chunk, rest.length);
      this.#chunk = joined;
    } else {
      this.#chunk = chunk;
    }
    this.#pos = 0;
  }

  /**
   * The next complete event, or `null` when the pushed bytes are used up.
   *
   * @throws {FrameError} a protocol violation (1002), invalid UTF-8 (1007) or a size limit
   * (1009); the decoder is unusable afterwards.
   */
  next(): DecodedEvent | null {
    if (this.#error) throw this.#error;
    try {
      return this.#next();
    } catch (e) {
      // Only typed errors leave the decoder; anything else would be a bug, reported as a 1002.
      const error = e instanceof FrameError
        ? e
        : new ProtocolError(`undecodable frame: ${(e as Error)?.message ?? String(e)}`);
      this.#fail(error);
      throw error;
    }
  }

  #fail(error: WebSocketError): void {
    this.#error = error;
    this.#chunk = EMPTY;
    this.#pos = 0;
    this.#payload = EMPTY;
    this.#fragments = [];
    this.#textParts = [];
    this.#streamDecoder = null;
    this.#header = null;
  }

  #release(): null {
    // Drop the reference so the caller's read buffer is not retained.
    this.#chunk = EMPTY;
    this.#pos = 0;
    return null;
  }

  #next(): DecodedEvent | null {
    for (;;) {
      if (this.#frame === null) {
        const header = this.#readHeader();
        if (header === null) return this.#release();
        this.#startFrame(header);
      }
      const frame = this.#frame!;
      const remaining = frame.payloadLength - this.#filled;
      if (remaining > 0) {
        const available = this.#chunk.length - this.#pos;
        if (available === 0) return this.#release();
        const take = Math.min(remaining, available);
        this.#ensureCapacity(this.#filled + take, frame.payloadLength);
        const target = this.#payload.subarray(this.#filled, this.#filled + take);
        target.set(this.#chunk.subarray(this.#pos, this.#pos + take));
        if (frame.maskKey) applyMask(target, frame.maskKey, this.#filled);
        this.#filled += take;
        this.#pos += take;
        if (this.#filled < frame.payloadLength) return this.#release();
      }
      const payload = this.#payload;
      this.#frame = null;
      this.#payload = EMPTY;
      this.#filled = 0;
      const event = this.#completeFrame(frame, payload);
      if (event !== null) return event;
    }
  }

  #readHeader(): FrameHeader | null {
    const chunk = this.#chunk;
    const options = this.#headerOptions;
    if (this.#header === null) {
      // Fast path: the whole header is in this chunk.
      const header = parseFrameHeader(chunk, this.#pos, options);
      if (header !== null) {
        this.#pos += header.headerLength;
        return header;
      }
      this.#header = new Uint8Array(MAX_FRAME_HEADER_LENGTH);
      this.#headerFill = 0;
    }
    // Slow path: gather the header byte by byte across chunks (validated as it grows).
    const buffer = this.#header;
    while (this.#pos < chunk.length) {
      const need = this.#headerFill < 2 ? 2 : frameHeaderLength(buffer[1]);
      if (this.#headerFill >= need) break;
      buffer[this.#headerFill++] = chunk[this.#pos++];
      const header = parseFrameHeader(buffer.subarray(0, this.#headerFill), 0, options);
      if (header !== null) {
        this.#header = null;
        return header;
      }
    }
    return null;
  }

  #startFrame(header: FrameHeader): void {
    const opcode = header.opcode;
    if (opcode === Opcode.continuation) {
      if (this.#messageOpcode === 0) throw new ProtocolError("continuation frame without a start");
    } else if (opcode === Opcode.text || opcode === Opcode.binary) {
      if (this.#messageOpcode !== 0) {
        throw new ProtocolError("new data frame while a fragmented message is in progress");
      }
    }
    if (opcode < 0x8 && this.#messageSize + header.payloadLength > this.#maxMessageSize) {
      throw new MessageTooBigError(
        `message of at least ${
          this.#messageSize + header.payloadLength
        } bytes exceeds the limit of ${this.#maxMessageSize}`,
      );
    }
    this.#frame = header;
    this.#filled = 0;
    const length = header.payloadLength;
    this.#payload = length === 0
      ? EMPTY
      : new Uint8Array(Math.min(length, INITIAL_PAYLOAD_ALLOCATION));
  }

  #ensureCapacity(needed: number, total: number): void {
    if (needed <= this.#payload.length) return;
    const grown = new Uint8Array(Math.min(total, Math.max(needed, this.#payload.length * 2)));
    grown.set(this.#payload.subarray(0, this.#filled));
    this.#payload = grown;
  }

  #completeFrame(frame: FrameHeader, payload: Uint8Array): DecodedEvent | null {
    switch (frame.opcode) {
      case Opcode.ping:
        return { type: "ping", data: payload };
      case Opcode.pong:
        return { type: "pong", data: payload };
      case Opcode.close: {
        const { code, reason } = parseClosePayload(payload);
        return { type: "close", code, reason };
      }
      case Opcode.text:
        if (frame.fin) return { type: "text", data: decodeText(payload) };
        this.#messageOpcode = Opcode.text;
        this.#messageSize = payload.length;
        this.#streamDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
        this.#textParts = [streamText(this.#streamDecoder, payload, true)];
        return null;
      case Opcode.binary:
        if (frame.fin) return { type: "binary", data: payload };
        this.#messageOpcode = Opcode.binary;
        this.#messageSize = payload.length;
        this.#fragments = [payload];
        return null;
      case Opcode.continuation:
        this.#messageSize += payload.length;
        if (this.#messageOpcode === Opcode.text) {
          // Decoding each fragment as it arrives fails invalid UTF-8 fast (RFC 6455 §8.1).
          const part = streamText(this.#streamDecoder!, payload, !frame.fin);
          // Empty fragments are not kept: endless empty continuations must not grow memory.
          if (part.length > 0) this.#textParts.push(part);
          if (!frame.fin) return null;
          const data = this.#textParts.join("");
          this.#endMessage();
          return { type: "text", data };
        }
        if (payload.length > 0) this.#fragments.push(payload);
        if (!frame.fin) return null;
        return { type: "binary", data: this.#joinFragments() };
    }
  }

  #joinFragments(): Uint8Array {
    const out = new Uint8Array(this.#messageSize);
    let at = 0;
    for (const part of this.#fragments) {
      out.set(part, at);
      at += part.length;
    }
    this.#endMessage();
    return out;
  }

  #endMessage(): void {
    this.#messageOpcode = 0;
    this.#messageSize = 0;
    this.#fragments = [];
    this.#textParts = [];
    this.#streamDecoder = null;
  }
}

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InvalidPayloadError("text message is not valid UTF-8");
  }
}

function streamText(decoder: TextDecoder, bytes: Uint8Array, more: boolean): string {
  try {
    return decoder.decode(bytes, { stream: more });
  } catch {
    throw new InvalidPayloadError("text message is not valid UTF-8");
  }
}
