/**
 * The small subset of bincode 1.3 that the SOCKS5 query messages use (`clients.md` §5.3:
 * `bincode::DefaultOptions::new().with_big_endian().with_varint_encoding()`, upstream
 * `common/socks5/requests/src/lib.rs` `make_bincode_serializer`).
 *
 * Varint integers: values ≤ 250 are one byte; otherwise a marker byte (251 = u16, 252 = u32,
 * 253 = u64, all big-endian) followed by the value. Upstream's decoder does not insist on the
 * shortest form, and neither do we. Enum variants are varint `u32` indices, strings a varint
 * length plus UTF-8, `bool` one byte (0/1 only), `Option` a 0/1 tag. `DefaultOptions` rejects
 * trailing bytes, so {@linkcode BincodeReader.finish} does too.
 *
 * @module
 */
import { BincodeError } from "./errors.ts";

const SINGLE_BYTE_MAX = 250;
const U16_MARKER = 251;
const U32_MARKER = 252;
const U64_MARKER = 253;
const UTF8 = new TextDecoder("utf-8", { fatal: true });
const ENCODER = new TextEncoder();

/**
 * Reads bincode values from a byte array, throwing only {@linkcode BincodeError}.
 *
 * @example
 * ```ts
 * import { BincodeReader } from "./bincode.ts";
 * const r = new BincodeReader(new Uint8Array([3, 102, 111, 111]));
 * r.string(); // "foo"
 * r.finish();
 * ```
 */
export class BincodeReader {
  #bytes: Uint8Array;
  #offset = 0;

  /** Reads from `bytes` (not copied). */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  #take(n: number): Uint8Array {
    if (this.#offset + n > this.#bytes.length) {
      throw new BincodeError(`unexpected end of bincode data (wanted ${n} more bytes)`);
    }
    const out = this.#bytes.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  /** A varint-encoded unsigned integer up to u64. */
  varint(): bigint {
    const marker = this.#take(1)[0];
    if (marker <= SINGLE_BYTE_MAX) return BigInt(marker);
    let width: number;
    switch (marker) {
      case U16_MARKER:
        width = 2;
        break;
      case U32_MARKER:
        width = 4;
        break;
      case U64_MARKER:
        width = 8;
        break;
      default:
        throw new BincodeError(`invalid varint marker ${marker}`);
    }
    let value = 0n;
    for (const b of this.#take(width)) value = (value << 8n) | BigInt(b);
    return value;
  }

  /** A varint that must fit `max` (e.g. 0xffff for a u16), as a number. */
  varintNumber(max: number): number {
    const value = this.varint();
    if (value > BigInt(max)) throw new BincodeError(`integer ${value} is larger than ${max}`);
    return Number(value);
  }

  /** An enum variant index (a varint u32). */
  variant(): number {
    return this.varintNumber(0xffff_ffff);
  }

  /** A bool: exactly 0 or 1. */
  bool(): boolean {
    const b = this.#take(1)[0];
    if (b > 1) throw new BincodeError(`invalid bool encoding ${b}`);
    return b === 1;
  }

  /** An `Option` tag: `true` when a value follows. */
  optionTag(): boolean {
    const b = this.#take(1)[0];
    if (b > 1) throw new BincodeError(`invalid option tag ${b}`);
    return b === 1;
  }

  /** A varint length (bounded by the bytes left, so it never allocates more than the input). */
  length(): number {
    const len = this.varint();
    if (len > BigInt(this.#bytes.length - this.#offset)) {
      throw new BincodeError(`length ${len} exceeds the remaining data`);
    }
    return Number(len);
  }

  /** A UTF-8 string. */
  string(): string {
    const bytes = this.#take(this.length());
    try {
      return UTF8.decode(bytes);
    } catch {
      throw new BincodeError("string is not valid UTF-8");
    }
  }

  /** Throws unless every byte was consumed (`DefaultOptions` rejects trailing bytes). */
  finish(): void {
    if (this.#offset !== this.#bytes.length) {
      throw new BincodeError(`${this.#bytes.length - this.#offset} trailing bytes`);
    }
  }
}

/**
 * Builds bincode bytes.
 *
 * @example
 * ```ts
 * import { BincodeWriter } from "./bincode.ts";
 * new BincodeWriter().variant(1).string("foo").bytes(); // [1, 3, 102, 111, 111]
 * ```
 */
export class BincodeWriter {
  #parts: number[] = [];

  /** A varint unsigned integer (u64 range). */
  varint(value: number | bigint): this {
    const v = BigInt(value);
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new BincodeError(`${v} is not a u64`);
    let width: number;
    if (v <= BigInt(SINGLE_BYTE_MAX)) {
      this.#parts.push(Number(v));
      return this;
    } else if (v <= 0xffffn) {
      this.#parts.push(U16_MARKER);
      width = 2;
    } else if (v <= 0xffff_ffffn) {
      this.#parts.push(U32_MARKER);
      width = 4;
    } else {
      this.#parts.push(U64_MARKER);
      width = 8;
    }
    for (let i = width - 1; i >= 0; i--) this.#parts.push(Number((v >> BigInt(8 * i)) & 0xffn));
    return this;
  }

  /** An enum variant index. */
  variant(index: number): this {
    return this.varint(index);
  }

  /** A bool. */
  bool(value: boolean): this {
    this.#parts.push(value ? 1 : 0);
    return this;
  }

  /** An `Option` tag. */
  optionTag(present: boolean): this {
    return this.bool(present);
  }

  /** A UTF-8 string with its varint length. */
  string(value: string): this {
    const bytes = ENCODER.encode(value);
    this.varint(bytes.length);
    for (const b of bytes) this.#parts.push(b);
    return this;
  }

  /** The bytes written so far. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}
