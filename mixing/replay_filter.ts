/**
 * Bloom filter over Sphinx replay tags (`nym-node.md` §3.5).
 *
 * The replay tag is the last 32 bytes of an HKDF output, so it is already uniformly random: the
 * k bit positions are taken straight from it by double hashing (no hash function per packet),
 * after XOR with a random per-filter salt so nobody can aim packets at chosen bits. The bits
 * live in a `SharedArrayBuffer` and are set with `Atomics.or`, so unwrap workers can share one
 * filter; the mix pipeline routes identical packets to the same worker, which makes
 * check-and-set race-free for replays.
 *
 * Sizing: `m = ceil(-n·ln(p) / ln(2)²)` bits and `k = round((m/n)·ln 2)` hashes for n items at
 * false-positive rate p. For the default (`DEFAULT_REPLAY_FILTER_ITEMS` at 1e-5) that is
 * about 40 MB.
 *
 * @module
 */

/** Default number of packets one filter is sized for: 150 packets/s sustained for 25 hours. */
export const DEFAULT_REPLAY_FILTER_ITEMS = 150 * 25 * 3600;
/** Default false-positive rate (what nym-node uses). */
export const DEFAULT_REPLAY_FALSE_POSITIVE_RATE = 1e-5;
/** Hard upper bound on one filter's size (4 GiB of bits), to refuse absurd configurations. */
export const MAX_REPLAY_FILTER_BYTES = 4 * 1024 ** 3;

const MAGIC = new TextEncoder().encode("NYMTSBF1");
const HEADER_SIZE = 8 + 8 + 4 + 4 + 16 + 8 + 8; // magic, bits, hashes, rotation, salt, created, inserted

/** Thrown when a serialised filter is corrupt or has the wrong parameters. */
export class ReplayFilterFormatError extends Error {
  override name = "ReplayFilterFormatError";
}

/** Bloom filter dimensions. */
export interface BloomParameters {
  /** Number of bits (a multiple of 32). */
  readonly bits: number;
  /** Number of probes per item. */
  readonly hashes: number;
}

/**
 * Computes `m` and `k` for `items` at false-positive rate `falsePositiveRate`.
 *
 * @example
 * ```ts
 * import { bloomParameters } from "./replay_filter.ts";
 * bloomParameters(1_000_000, 1e-5); // { bits: 23962592, hashes: 17 }
 * ```
 */
export function bloomParameters(items: number, falsePositiveRate: number): BloomParameters {
  if (!(items > 0) || !Number.isFinite(items)) throw new RangeError("items must be positive");
  if (!(falsePositiveRate > 0 && falsePositiveRate < 1)) {
    throw new RangeError("false positive rate must be in (0, 1)");
  }
  const raw = Math.ceil((-items * Math.log(falsePositiveRate)) / (Math.LN2 * Math.LN2));
  const bits = Math.ceil(raw / 32) * 32;
  const hashes = Math.max(1, Math.round((bits / items) * Math.LN2));
  if (bits / 8 > MAX_REPLAY_FILTER_BYTES) {
    throw new RangeError(
      `a replay filter of ${bits / 8} bytes exceeds the ${MAX_REPLAY_FILTER_BYTES}-byte limit`,
    );
  }
  return { bits, hashes };
}

/** What a filter knows about itself (persisted with it). */
export interface ReplayFilterInfo {
  readonly bits: number;
  readonly hashes: number;
  /** Sphinx key rotation this filter belongs to. */
  readonly rotationId: number;
  /** Unix milliseconds when the filter was created. */
  readonly createdAtMs: number;
}

function readU48(tag: Uint8Array, offset: number): number {
  const low32 = ((tag[offset + 2] << 24) | (tag[offset + 3] << 16) | (tag[offset + 4] << 8) |
    tag[offset + 5]) >>> 0;
  return tag[offset] * 2 ** 40 + tag[offset + 1] * 2 ** 32 + low32;
}

/** A Bloom filter of 32-byte replay tags. */
export class ReplayFilter {
  readonly info: ReplayFilterInfo;
  readonly #words: Int32Array;
  readonly #salt: Uint8Array;
  /** Insert count, shared by every thread's view of the filter. */
  readonly #count: Uint32Array;

  private constructor(
    info: ReplayFilterInfo,
    words: Int32Array,
    salt: Uint8Array,
    count: Uint32Array,
  ) {
    this.info = info;
    this.#words = words;
    this.#salt = salt;
    this.#count = count;
  }

  static #counter(initial: number): Uint32Array {
    const count = new Uint32Array(new SharedArrayBuffer(4));
    count[0] = Math.min(initial, 0xffff_ffff);
    return count;
  }

  /**
   * Creates an empty filter.
   *
   * @example
   * ```ts
   * import { bloomParameters, ReplayFilter } from "./replay_filter.ts";
   * const f = ReplayFilter.create(bloomParameters(1000, 1e-5), 7, crypto.getRandomValues(new Uint8Array(16)), Date.now());
   * ```
   */
  static create(
    params: BloomParameters,
    rotationId: number,
    salt: Uint8Array,
    createdAtMs: number,
  ): ReplayFilter {
    if (params.bits % 32 !== 0 || params.bits <= 0) {
      throw new RangeError("bits must be a positive multiple of 32");
    }
    if (salt.length !== 16) throw new RangeError("salt must be 16 bytes");
    const words = new Int32Array(new SharedArrayBuffer(params.bits / 8));
    return new ReplayFilter(
      { bits: params.bits, hashes: params.hashes, rotationId, createdAtMs },
      words,
      salt.slice(),
      ReplayFilter.#counter(0),
    );
  }

  /**
   * Attaches to a filter whose bits live in a shared buffer (used by unwrap workers).
   *
   * @example
   * ```ts no-eval
   * const view = ReplayFilter.fromShared(filter.shared());
   * ```
   */
  static fromShared(shared: SharedReplayFilter): ReplayFilter {
    return new ReplayFilter(
      shared.info,
      new Int32Array(shared.buffer),
      shared.salt.slice(),
      new Uint32Array(shared.count),
    );
  }

  /** What another thread needs to share this filter. */
  shared(): SharedReplayFilter {
    return {
      info: this.info,
      buffer: this.#words.buffer as SharedArrayBuffer,
      salt: this.#salt.slice(),
      count: this.#count.buffer as SharedArrayBuffer,
    };
  }

  /** Items inserted, by every thread sharing this filter. */
  get inserted(): number {
    return Atomics.load(this.#count, 0);
  }

  /**
   * Records `tag` and reports whether it was (probably) seen before: `true` means replayed.
   *
   * @example
   * ```ts
   * import { bloomParameters, ReplayFilter } from "./replay_filter.ts";
   * const f = ReplayFilter.create(bloomParameters(1000, 1e-5), 0, new Uint8Array(16), 0);
   * const tag = new Uint8Array(32).fill(1);
   * f.checkAndSet(tag); // false
   * f.checkAndSet(tag); // true
   * ```
   */
  checkAndSet(tag: Uint8Array): boolean {
    return this.#probe(tag, true);
  }

  /**
   * Reports whether `tag` is (probably) in the filter without adding it.
   *
   * @example
   * ```ts
   * import { bloomParameters, ReplayFilter } from "./replay_filter.ts";
   * const f = ReplayFilter.create(bloomParameters(1000, 1e-5), 0, new Uint8Array(16), 0);
   * f.contains(new Uint8Array(32)); // false
   * ```
   */
  contains(tag: Uint8Array): boolean {
    return this.#probe(tag, false);
  }

  #probe(tag: Uint8Array, set: boolean): boolean {
    if (tag.length < 12) throw new RangeError("replay tag too short");
    const s = this.#salt;
    const mixed = new Uint8Array(12);
    for (let i = 0; i < 12; i++) mixed[i] = tag[i] ^ s[i];
    const h1 = readU48(mixed, 0);
    // An odd step never cycles early when bits is a power of two, and is harmless otherwise.
    let h2 = readU48(mixed, 6);
    if (h2 % 2 === 0) h2 += 1; // not `| 1`: that would truncate to 32 bits
    const bits = this.info.bits;
    const words = this.#words;
    let allSet = true;
    for (let i = 0; i < this.info.hashes; i++) {
      const bit = (h1 + i * h2) % bits;
      const word = Math.floor(bit / 32);
      const mask = 1 << (bit & 31);
      const old = set ? Atomics.or(words, word, mask) : Atomics.load(words, word);
      if ((old & mask) === 0) {
        allSet = false;
        if (!set) return false;
      }
    }
    if (set && !allSet) Atomics.add(this.#count, 0, 1);
    return allSet;
  }

  /** Fraction of bits set (0..1); read without locking, so approximate under concurrency. */
  fillRatio(): number {
    let set = 0;
    const w = this.#words;
    for (let i = 0; i < w.length; i++) {
      let v = w[i];
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      set += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return set / this.info.bits;
  }

  /** Estimated number of distinct items from the fill ratio (Swamidass & Baldi). */
  estimatedItems(fill = this.fillRatio()): number {
    if (fill >= 1) return Infinity;
    return (-this.info.bits / this.info.hashes) * Math.log(1 - fill);
  }

  /** Current false-positive probability given the fill ratio: `fill^k`. */
  currentFalsePositiveRate(fill = this.fillRatio()): number {
    return fill ** this.info.hashes;
  }

  /** Size of the bit array in bytes. */
  get byteLength(): number {
    return this.#words.byteLength;
  }

  /**
   * The file header: magic, dimensions, rotation, salt, creation time, insert count.
   *
   * @example
   * ```ts no-eval
   * await file.write(filter.headerBytes());
   * await file.write(filter.bitsView());
   * ```
   */
  headerBytes(): Uint8Array {
    const out = new Uint8Array(HEADER_SIZE);
    const view = new DataView(out.buffer);
    out.set(MAGIC, 0);
    view.setBigUint64(8, BigInt(this.info.bits));
    view.setUint32(16, this.info.hashes);
    view.setUint32(20, this.info.rotationId);
    out.set(this.#salt, 24);
    view.setBigInt64(40, BigInt(Math.floor(this.info.createdAtMs)));
    view.setBigUint64(48, BigInt(this.inserted));
    return out;
  }

  /** The bit array itself (a view of the shared buffer, not a copy). */
  bitsView(): Uint8Array {
    return new Uint8Array(this.#words.buffer);
  }

  /**
   * Serialises the filter (header + bits) into one new array. The format is this
   * implementation's own. Large filters are better written as `headerBytes()` then `bitsView()`.
   *
   * @example
   * ```ts no-eval
   * const bytes = filter.serialize();
   * ```
   */
  serialize(): Uint8Array {
    const out = new Uint8Array(HEADER_SIZE + this.#words.byteLength);
    out.set(this.headerBytes(), 0);
    out.set(this.bitsView(), HEADER_SIZE);
    return out;
  }

  /**
   * Parses a file header into what {@linkcode fromHeaderAndBits} needs.
   *
   * @example
   * ```ts no-eval
   * const header = ReplayFilter.parseHeader(first64Bytes);
   * ```
   */
  static parseHeader(bytes: Uint8Array): ReplayFilterHeader {
    if (bytes.length < HEADER_SIZE) {
      throw new ReplayFilterFormatError("replay filter file is truncated");
    }
    for (let i = 0; i < MAGIC.length; i++) {
      if (bytes[i] !== MAGIC[i]) throw new ReplayFilterFormatError("not a replay filter file");
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bits = Number(view.getBigUint64(8));
    const hashes = view.getUint32(16);
    const rotationId = view.getUint32(20);
    const salt = bytes.slice(24, 40);
    const createdAtMs = Number(view.getBigInt64(40));
    const inserted = Number(view.getBigUint64(48));
    if (
      bits % 32 !== 0 || bits <= 0 || hashes < 1 || hashes > 64 ||
      bits / 8 > MAX_REPLAY_FILTER_BYTES
    ) {
      throw new ReplayFilterFormatError("replay filter header has invalid parameters");
    }
    return { info: { bits, hashes, rotationId, createdAtMs }, salt, inserted };
  }

  /**
   * Builds a filter from a parsed header and its bits (already in a shared buffer).
   *
   * @example
   * ```ts no-eval
   * const filter = ReplayFilter.fromHeaderAndBits(header, sharedBits);
   * ```
   */
  static fromHeaderAndBits(header: ReplayFilterHeader, bits: SharedArrayBuffer): ReplayFilter {
    if (bits.byteLength !== header.info.bits / 8) {
      throw new ReplayFilterFormatError(
        `replay filter has ${bits.byteLength} bytes of bits, expected ${header.info.bits / 8}`,
      );
    }
    return new ReplayFilter(
      header.info,
      new Int32Array(bits),
      header.salt,
      ReplayFilter.#counter(header.inserted),
    );
  }

  /** Size of the file header in bytes. */
  static readonly HEADER_SIZE = HEADER_SIZE;

  /**
   * Restores a filter written by {@linkcode serialize}.
   *
   * @example
   * ```ts no-eval
   * const filter = ReplayFilter.deserialize(await Deno.readFile(path));
   * ```
   */
  static deserialize(bytes: Uint8Array): ReplayFilter {
    const header = ReplayFilter.parseHeader(bytes);
    if (bytes.length !== HEADER_SIZE + header.info.bits / 8) {
      throw new ReplayFilterFormatError(
        `replay filter file has ${bytes.length - HEADER_SIZE} bytes of bits, expected ${
          header.info.bits / 8
        }`,
      );
    }
    const shared = new SharedArrayBuffer(header.info.bits / 8);
    new Uint8Array(shared).set(bytes.subarray(HEADER_SIZE));
    return ReplayFilter.fromHeaderAndBits(header, shared);
  }
}

/** A parsed replay-filter file header. */
export interface ReplayFilterHeader {
  readonly info: ReplayFilterInfo;
  readonly salt: Uint8Array;
  readonly inserted: number;
}

/** The transferable description of a filter shared between threads. */
export interface SharedReplayFilter {
  readonly info: ReplayFilterInfo;
  readonly buffer: SharedArrayBuffer;
  readonly salt: Uint8Array;
  /** The shared insert counter (one u32). */
  readonly count: SharedArrayBuffer;
}
