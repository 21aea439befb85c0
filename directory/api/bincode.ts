/**
 * bincode v1 with nym-api's options: `DefaultOptions::new().with_little_endian()
 * .with_varint_encoding()` (`common/http-api-common/src/lib.rs::make_bincode_serializer`;
 * `/work/notes/wasm-client.md` §2.7). Fields are written in declaration order with no names:
 *
 * | type                         | bytes                                                        |
 * | ---------------------------- | ------------------------------------------------------------ |
 * | `u8`, `bool`                 | one raw byte (u8 is not varint)                              |
 * | `u16`…`u64`, `usize`         | varint: `< 251` one byte; else `fb`+u16 LE, `fc`+u32 LE, `fd`+u64 LE |
 * | `String`                     | varint length + UTF-8                                        |
 * | `Vec<T>`                     | varint length + items                                        |
 * | `Option<T>`                  | `00`, or `01` + value                                        |
 * | enum                         | varint variant index (u32), then the payload                 |
 *
 * The reader rejects trailing bytes, as the Rust client does.
 *
 * @module
 */

/** Thrown when bincode bytes cannot be decoded (truncated, bad tag, trailing bytes, ...). */
export class BincodeError extends Error {
  override name = "BincodeError";
}

const VARINT_U16 = 251;
const VARINT_U32 = 252;
const VARINT_U64 = 253;

/**
 * Appends bincode values to a growing buffer.
 *
 * @example
 * ```ts
 * import { BincodeWriter } from "./bincode.ts";
 * const w = new BincodeWriter();
 * w.varint(1789);
 * w.bytes(); // Uint8Array [0xfb, 0xfd, 0x06]
 * ```
 */
export class BincodeWriter {
  #buffer = new Uint8Array(256);
  #length = 0;

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = next;
  }

  /** A raw byte (`u8`). */
  u8(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw new RangeError(`u8 out of range: ${value}`);
    }
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
  }

  /** A `bool` (one byte, 0 or 1). */
  bool(value: boolean): void {
    this.u8(value ? 1 : 0);
  }

  #littleEndian(value: bigint, size: number): void {
    this.#reserve(size);
    for (let i = 0; i < size; i++) {
      this.#buffer[this.#length++] = Number((value >> BigInt(8 * i)) & 0xffn);
    }
  }

  /** An unsigned integer (`u16`, `u32`, `u64`, `usize`) in varint form. */
  varint(value: number | bigint): void {
    const n = BigInt(value);
    if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new RangeError(`varint out of range: ${n}`);
    if (n < BigInt(VARINT_U16)) {
      this.u8(Number(n));
    } else if (n <= 0xffffn) {
      this.u8(VARINT_U16);
      this.#littleEndian(n, 2);
    } else if (n <= 0xffff_ffffn) {
      this.u8(VARINT_U32);
      this.#littleEndian(n, 4);
    } else {
      this.u8(VARINT_U64);
      this.#littleEndian(n, 8);
    }
  }

  /** Raw bytes without a length prefix (fixed-size arrays, IP octets). */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** A `String`: varint byte length + UTF-8. */
  string(value: string): void {
    const bytes = new TextEncoder().encode(value);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** An `Option<T>`: `00` for `null`/`undefined`, else `01` and `write(value)`. */
  option<T>(value: T | null | undefined, write: (value: T) => void): void {
    if (value === null || value === undefined) {
      this.u8(0);
    } else {
      this.u8(1);
      write(value);
    }
  }

  /** A `Vec<T>`: varint length + items. */
  seq<T>(items: readonly T[], write: (item: T) => void): void {
    this.varint(items.length);
    for (const item of items) write(item);
  }

  /** The bytes written so far (a copy). */
  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }
}

/**
 * Reads bincode values from bytes; every read past the end or malformed value throws
 * {@linkcode BincodeError}.
 *
 * @example
 * ```ts
 * import { BincodeReader } from "./bincode.ts";
 * const r = new BincodeReader(new Uint8Array([0xfb, 0xfd, 0x06]));
 * r.varint(); // 1789
 * r.finish();
 * ```
 */
export class BincodeReader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  /** Reads from `bytes`. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  #take(n: number): Uint8Array {
    if (this.remaining < n) {
      throw new BincodeError(`unexpected end of input at byte ${this.#offset} (wanted ${n})`);
    }
    const out = this.#bytes.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  /** A raw byte. */
  u8(): number {
    return this.#take(1)[0];
  }

  /** A `bool`; bytes other than 0 and 1 are errors. */
  bool(): boolean {
    const b = this.u8();
    if (b > 1) throw new BincodeError(`invalid bool byte ${b} at ${this.#offset - 1}`);
    return b === 1;
  }

  /** A varint as a bigint (`u64` range). */
  varintBig(): bigint {
    const tag = this.u8();
    if (tag < VARINT_U16) return BigInt(tag);
    const size = tag === VARINT_U16 ? 2 : tag === VARINT_U32 ? 4 : tag === VARINT_U64 ? 8 : 0;
    if (size === 0) throw new BincodeError(`invalid varint tag ${tag} at ${this.#offset - 1}`);
    const bytes = this.#take(size);
    let n = 0n;
    for (let i = size - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
    return n;
  }

  /** A varint that must fit `max` (default: `u32`), as a number. */
  varint(max = 0xffff_ffff): number {
    const n = this.varintBig();
    if (n > BigInt(max)) throw new BincodeError(`integer ${n} exceeds ${max}`);
    return Number(n);
  }

  /** `n` raw bytes (a copy). */
  raw(n: number): Uint8Array {
    return this.#take(n).slice();
  }

  /** A `String`; the bytes must be valid UTF-8. */
  string(maxBytes = 1 << 20): string {
    const length = this.varint(maxBytes);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(this.#take(length));
    } catch (error) {
      if (error instanceof BincodeError) throw error;
      throw new BincodeError(`string at byte ${this.#offset - length} is not UTF-8`);
    }
  }

  /** An `Option<T>`. */
  option<T>(read: () => T): T | null {
    const tag = this.u8();
    if (tag === 0) return null;
    if (tag === 1) return read();
    throw new BincodeError(`invalid option tag ${tag} at ${this.#offset - 1}`);
  }

  /** A `Vec<T>` of at most `maxItems` items. */
  seq<T>(read: () => T, maxItems = 1 << 20): T[] {
    const length = this.varint(maxItems);
    const out: T[] = [];
    for (let i = 0; i < length; i++) out.push(read());
    return out;
  }

  /** Fails if any bytes are left (bincode's "Slice had bytes remaining after deserialization"). */
  finish(): void {
    if (this.remaining !== 0) {
      throw new BincodeError(`${this.remaining} byte(s) remaining after deserialization`);
    }
  }
}
