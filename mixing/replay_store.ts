/**
 * Replay filters on disk (`nym-node.md` §3.5): one file per Sphinx key rotation,
 * `rot-<id>.bloom`, written through `rot-<id>.flush` and a rename so a crash never leaves a
 * half-written filter in place. Files are streamed straight from and into the shared bit
 * buffer, so a flush does not double the filter's memory.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { RandomSource } from "../crypto/random.ts";
import { bloomParameters, ReplayFilter, ReplayFilterFormatError } from "./replay_filter.ts";

/** Options of {@linkcode ReplayFilterStore}. */
export interface ReplayFilterStoreOptions {
  readonly directory: string;
  /** Items a new filter is sized for. */
  readonly itemsPerFilter: number;
  readonly falsePositiveRate: number;
  readonly random: RandomSource;
  readonly now: () => number;
}

const log = getLogger(["nym-node", "replay-protection"]);
const CHUNK = 1 << 20;

/** Loads, creates and persists replay filters. */
export class ReplayFilterStore {
  readonly #o: ReplayFilterStoreOptions;

  /**
   * Creates a store for `directory` (created on first use).
   *
   * @example
   * ```ts no-eval
   * const store = new ReplayFilterStore({ directory, itemsPerFilter: 36e6, falsePositiveRate: 1e-5, random, now: Date.now });
   * const filter = await store.loadOrCreate(12);
   * ```
   */
  constructor(options: ReplayFilterStoreOptions) {
    this.#o = options;
  }

  /** Path of a rotation's filter file. */
  pathFor(rotationId: number): string {
    return `${this.#o.directory}/rot-${rotationId}.bloom`;
  }

  /**
   * The persisted filter of `rotationId`, or a new empty one. A corrupt or mismatched file is
   * moved aside (`.corrupt`) and replaced, so a bad file can never stop the node from starting.
   */
  async loadOrCreate(rotationId: number): Promise<ReplayFilter> {
    const path = this.pathFor(rotationId);
    try {
      const filter = await this.#read(path);
      if (filter.info.rotationId !== rotationId) {
        throw new ReplayFilterFormatError(`file holds rotation ${filter.info.rotationId}`);
      }
      log.info("loaded replay filter of rotation {rotation} ({mb} MB, ~{items} entries)", {
        rotation: rotationId,
        mb: Math.round(filter.byteLength / 1e6),
        items: Math.round(filter.estimatedItems()),
      });
      return filter;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        log.warn("replay filter {path} is unusable ({error}); starting a new one", {
          path,
          error: (e as Error).message,
        });
        await Deno.rename(path, `${path}.corrupt`).catch(() => {});
      }
    }
    const params = bloomParameters(this.#o.itemsPerFilter, this.#o.falsePositiveRate);
    log.info(
      "created replay filter of rotation {rotation}: {mb} MB, {hashes} hashes, for {items} packets at p={p}",
      {
        rotation: rotationId,
        mb: Math.round(params.bits / 8 / 1e6),
        hashes: params.hashes,
        items: this.#o.itemsPerFilter,
        p: this.#o.falsePositiveRate,
      },
    );
    return ReplayFilter.create(params, rotationId, this.#o.random(16), this.#o.now());
  }

  async #read(path: string): Promise<ReplayFilter> {
    const file = await Deno.open(path, { read: true });
    try {
      const header = new Uint8Array(ReplayFilter.HEADER_SIZE);
      await readExactly(file, header);
      const parsed = ReplayFilter.parseHeader(header);
      const bits = new SharedArrayBuffer(parsed.info.bits / 8);
      await readExactly(file, new Uint8Array(bits));
      if ((await file.read(new Uint8Array(1))) !== null) {
        throw new ReplayFilterFormatError("replay filter file has trailing bytes");
      }
      return ReplayFilter.fromHeaderAndBits(parsed, bits);
    } finally {
      file.close();
    }
  }

  /** Writes a filter atomically (temporary file, then rename). */
  async flush(filter: ReplayFilter): Promise<void> {
    await Deno.mkdir(this.#o.directory, { recursive: true });
    const path = this.pathFor(filter.info.rotationId);
    const temporary = path.replace(/\.bloom$/, ".flush");
    const file = await Deno.open(temporary, {
      write: true,
      create: true,
      truncate: true,
      mode: 0o600,
    });
    try {
      await writeAll(file, filter.headerBytes());
      const bits = filter.bitsView();
      for (let offset = 0; offset < bits.length; offset += CHUNK) {
        await writeAll(file, bits.subarray(offset, Math.min(bits.length, offset + CHUNK)));
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporary, path);
  }

  /** Deletes filter files of rotations other than `keep`, and leftover `.flush` files. */
  async removeStale(keep: readonly number[]): Promise<void> {
    const wanted = new Set(keep.map((id) => `rot-${id}.bloom`));
    try {
      for await (const entry of Deno.readDir(this.#o.directory)) {
        const stale = entry.name.endsWith(".flush") ||
          (entry.name.startsWith("rot-") && entry.name.endsWith(".bloom") &&
            !wanted.has(entry.name));
        if (stale) await Deno.remove(`${this.#o.directory}/${entry.name}`).catch(() => {});
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

async function readExactly(file: Deno.FsFile, target: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < target.length) {
    const n = await file.read(target.subarray(offset, Math.min(target.length, offset + CHUNK)));
    if (n === null) throw new ReplayFilterFormatError("replay filter file is truncated");
    offset += n;
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
}
