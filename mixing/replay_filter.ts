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
 * about 108 MB.
 *
 * @module
 */

/** Default number of packets one filter is sized for: 400 packets/s sustained for 25 hours. */
export const DEFAULT_REPLAY_FILTER_ITEMS = 400 * 25 * 3600;
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
  #inserted = 0;

  private constructor(
    info: ReplayFilterInfo,
    words: Int32Array,
    salt: Uint8Array,
    inserted: number,
  ) {
    this.info = info;
    this.#words = words;
    this.#salt = salt;
    this.#inserted = inserted;
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
      0,
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
    return new ReplayFilter(shared.info, new Int32Array(shared.buffer), shared.salt.slice(), 0);
  }

  /** What another thread needs to share this filter. */
  shared(): SharedReplayFilter {
    return {
      info: this.info,
      buffer: this.#words.buffer as SharedArrayBuffer,
      salt: this.#salt.slice(),
    };
  }

  /** Items inserted through this handle (an estimate across threads; see {@linkcode estimatedItems}). */
  get inserted(): number {
    return this.#inserted;
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
    if (set && !allSet) this.#inserted++;
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
   * Serialises the filter (header + bits). The format is this implementation's own.
   *
   * @example
   * ```ts no-eval
   * await Deno.writeFile(path, filter.serialize());
   * ```
   */
  serialize(): Uint8Array {
    const out = new Uint8Array(HEADER_SIZE + this.#words.byteLength);
    const view = new DataView(out.buffer);
    out.set(MAGIC, 0);
    view.setBigUint64(8, BigInt(this.info.bits));
    view.setUint32(16, this.info.hashes);
    view.setUint32(20, this.info.rotationId);
    out.set(this.#salt, 24);
    view.setBigInt64(40, BigInt(Math.floor(this.info.createdAtMs)));
    view.setBigUint64(48, BigInt(this.#inserted));
    out.set(new Uint8Array(this.#words.buffer), HEADER_SIZE);
    return out;
  }

  /**
   * Restores a filter written by {@linkcode serialize}.
   *
   * @example
   * ```ts no-eval
   * const filter = ReplayFilter.deserialize(await Deno.readFile(path));
   * ```
   */
  static deserialize(bytes: Uint8Array): ReplayFilter {
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
    if (bytes.length !== HEADER_SIZE + bits / 8) {
      throw new ReplayFilterFormatError(
        `replay filter file has ${bytes.length - HEADER_SIZE} bytes of bits, expected ${bits / 8}`,
      );
    }
    const shared = new SharedArrayBuffer(bits / 8);
    new Uint8Array(shared).set(bytes.subarray(HEADER_SIZE));
    return new ReplayFilter(
      { bits, hashes, rotationId, createdAtMs },
      new Int32Array(shared),
      salt,
      inserted,
    );
  }
}

/** The transferable description of a filter shared between threads. */
export interface SharedReplayFilter {
  readonly info: ReplayFilterInfo;
  readonly buffer: SharedArrayBuffer;
  readonly salt: Uint8Array;
}
