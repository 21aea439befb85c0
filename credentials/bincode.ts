/**
 * The subset of bincode 1.3 that Nym's e-cash types use, with the options of upstream
 * `binary_serialiser()`: **big-endian**, **varint** integers, trailing bytes rejected
 * (credentials-anchors.md §A.2 item 4; `nym_offline_compact_ecash/src/lib.rs`).
 *
 * Varint: values ≤ 250 are one byte; larger ones are a marker (251 = u16, 252 = u32, 253 = u64)
 * followed by the value in big-endian. Signed integers are zig-zag encoded first. `u8` is always
 * one raw byte. `Vec<T>` is a varint length followed by the elements; `Option<T>` is a 0/1 byte.
 *
 * Points and scalars go through serdect 0.3 (`nym-bls12_381-fork`, feature `experimental_serde`),
 * whose binary form is `serialize_bytes`: a varint length **prefix** then the bytes, so a G1 point
 * is `0x30 ‖ 48 B`, a G2 point `0x60 ‖ 96 B` and a scalar `0x20 ‖ 32 B`; decoding requires the
 * exact length. Confirmed against bytes produced by upstream's own Rust code (the published
 * `@nymproject/nym-credential-proxy-lib-wasm` build, see `upstream_interop_test.ts`).
 *
 * @module
 */
import { EcashDecodeError } from "./errors.ts";

/**
 * Appends bincode fields to a growing buffer.
 *
 * @example
 * ```ts
 * import { BincodeWriter } from "./bincode.ts";
 * const w = new BincodeWriter();
 * w.varint(300);
 * w.finish(); // Uint8Array [251, 1, 44]
 * ```
 */
export class BincodeWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  /** Appends raw bytes (a fixed-size tuple such as a point or scalar). */
  bytes(b: Uint8Array): this {
    this.#chunks.push(b);
    this.#length += b.length;
    return this;
  }

  /** Appends one raw byte (`u8`). */
  u8(v: number): this {
    return this.bytes(new Uint8Array([v & 0xff]));
  }

  /** Appends an unsigned integer as a varint (`u16`/`u32`/`u64`/`usize` lengths). */
  varint(v: number | bigint): this {
    const n = BigInt(v);
    if (n < 0n || n >= 1n << 64n) throw new RangeError(`varint out of range: ${v}`);
    if (n <= 250n) return this.u8(Number(n));
    let marker: number;
    let size: number;
    if (n < 1n << 16n) [marker, size] = [251, 2];
    else if (n < 1n << 32n) [marker, size] = [252, 4];
    else [marker, size] = [253, 8];
    const out = new Uint8Array(1 + size);
    out[0] = marker;
    let t = n;
    for (let i = size; i >= 1; i--) {
      out[i] = Number(t & 0xffn);
      t >>= 8n;
    }
    return this.bytes(out);
  }

  /** Appends a signed integer, zig-zag encoded then as a varint (`i32`/`i64`). */
  signedVarint(v: number | bigint): this {
    const n = BigInt(v);
    return this.varint(n >= 0n ? n << 1n : ((-n) << 1n) - 1n);
  }

  /** Appends a `Vec<T>`: the varint length, then each element through `write`. */
  vec<T>(items: readonly T[], write: (w: this, item: T) => void): this {
    this.varint(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** Appends a `Vec<u8>` (length-prefixed bytes). */
  byteVec(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  /** Appends a serdect byte array (point or scalar): varint length then the bytes. */
  serdeBytes(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  /** Concatenates everything written so far. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let o = 0;
    for (const c of this.#chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/**
 * Reads bincode fields from untrusted bytes; every failure is an {@linkcode EcashDecodeError}
 * naming `what`.
 *
 * @example
 * ```ts
 * import { BincodeReader } from "./bincode.ts";
 * const r = new BincodeReader(new Uint8Array([251, 1, 44]), "Example");
 * r.varint(); // 300n
 * r.end();
 * ```
 */
export class BincodeReader {
  #offset = 0;

  /** Starts reading `data` on behalf of the type named `what`. */
  constructor(readonly data: Uint8Array, readonly what: string) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.data.length - this.#offset;
  }

  /** Reads `n` raw bytes. */
  bytes(n: number): Uint8Array {
    if (n > this.remaining) {
      throw new EcashDecodeError(
        this.what,
        "length",
        `needs ${n} more bytes, has ${this.remaining}`,
      );
    }
    const out = this.data.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  /** Reads one raw byte. */
  u8(): number {
    return this.bytes(1)[0];
  }

  /** Reads a varint-encoded unsigned integer. Non-minimal forms are accepted, as bincode does. */
  varint(): bigint {
    const marker = this.u8();
    if (marker <= 250) return BigInt(marker);
    const size = marker === 251 ? 2 : marker === 252 ? 4 : marker === 253 ? 8 : 0;
    if (size === 0) throw new EcashDecodeError(this.what, "value", `bad varint marker ${marker}`);
    let v = 0n;
    for (const b of this.bytes(size)) v = (v << 8n) | BigInt(b);
    return v;
  }

  /** Reads a varint that must be at most `max` (a `u8`…`u64` field with a known range). */
  varintNumber(max: number): number {
    const v = this.varint();
    if (v > BigInt(max)) throw new EcashDecodeError(this.what, "value", `integer ${v} > ${max}`);
    return Number(v);
  }

  /** Reads a zig-zag varint signed integer within `[min, max]`. */
  signedVarint(min: number, max: number): number {
    const z = this.varint();
    const v = (z & 1n) === 0n ? z >> 1n : -((z + 1n) >> 1n);
    if (v < BigInt(min) || v > BigInt(max)) {
      throw new EcashDecodeError(this.what, "value", `integer ${v} outside ${min}..${max}`);
    }
    return Number(v);
  }

  /**
   * Reads a `Vec<T>` whose elements each take at least `minElementSize` bytes, so a forged
   * length cannot make the reader allocate more than the input could hold.
   */
  vec<T>(minElementSize: number, read: (r: this) => T): T[] {
    const len = this.varint();
    if (len * BigInt(Math.max(1, minElementSize)) > BigInt(this.remaining)) {
      throw new EcashDecodeError(this.what, "length", `vector length ${len} exceeds input`);
    }
    const out: T[] = [];
    for (let i = 0n; i < len; i++) out.push(read(this));
    return out;
  }

  /** Reads a `Vec<u8>`. */
  byteVec(): Uint8Array {
    const len = this.varint();
    if (len > BigInt(this.remaining)) {
      throw new EcashDecodeError(this.what, "length", `byte vector length ${len} exceeds input`);
    }
    return this.bytes(Number(len));
  }

  /** Reads a serdect byte array that must be exactly `n` bytes long (point or scalar). */
  serdeBytes(n: number): Uint8Array {
    const len = this.varint();
    if (len !== BigInt(n)) {
      throw new EcashDecodeError(this.what, "length", `expected a ${n}-byte array, got ${len}`);
    }
    return this.bytes(n);
  }

  /** Reads an `Option<T>` tag: `false` for `None`, `true` for `Some`. */
  option(): boolean {
    const tag = this.u8();
    if (tag > 1) throw new EcashDecodeError(this.what, "value", `bad option tag ${tag}`);
    return tag === 1;
  }

  /** Asserts the input is fully consumed (bincode `reject_trailing`). */
  end(): void {
    if (this.remaining !== 0) {
      throw new EcashDecodeError(this.what, "trailing", `${this.remaining} bytes left over`);
    }
  }
}
