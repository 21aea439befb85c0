/**
 * Spreads Sphinx unwrapping over the calling thread and worker threads.
 *
 * Packets are sharded by the first byte of α over `workers + 1` shards, the calling thread being
 * one of them, so a replayed packet always reaches the same thread as its original and the
 * shared replay filter's check-and-set cannot race for it. Packets submitted together are sent as
 * one message per worker to amortise `postMessage`.
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import {
  type KeyRotationHint,
  type MixOutcome,
  type NodeKeySet,
  processMixPacket,
  type SphinxKeyEntry,
} from "./processor.ts";
import type {
  WorkerBatch,
  WorkerKeyEntry,
  WorkerKeys,
  WorkerPong,
  WorkerResult,
} from "./unwrap_protocol.ts";

/** A packet to unwrap and the frame's rotation hint. */
export interface UnwrapJob {
  readonly hint: KeyRotationHint;
  readonly packet: Uint8Array;
}

/** Options of {@linkcode UnwrapPool}. */
export interface UnwrapPoolOptions {
  /** Number of worker threads; 0 processes inline on the calling thread. */
  readonly workers: number;
  readonly crypto: CryptoProvider;
  readonly keys: NodeKeySet;
  /** Worker module URL (defaults to `unwrap_worker.ts` next to this file). */
  readonly workerUrl?: string;
  /**
   * Groups of at most this many packets are unwrapped on the calling thread when no worker has
   * anything in flight (default 8; 0 disables). A worker round trip costs about as much as an
   * unwrap, so under light load this halves latency; under load every packet goes to workers.
   * It is race-free for the replay filter: while the main thread unwraps, no worker does.
   */
  readonly inlineWhenIdle?: number;
}

interface Pending {
  readonly resolve: (outcomes: MixOutcome[]) => void;
  readonly reject: (error: Error) => void;
}

function toWorkerEntry(entry: SphinxKeyEntry): WorkerKeyEntry {
  return {
    rotationId: entry.rotationId,
    secretKey: entry.secretKey,
    filter: entry.filter?.shared() ?? null,
  };
}

/** Thrown for jobs submitted after {@linkcode UnwrapPool.close}. */
export class UnwrapPoolClosedError extends Error {
  override name = "UnwrapPoolClosedError";
}

/** A pool of unwrap workers. */
export class UnwrapPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #pongs = new Map<number, (backend: string) => void>();
  readonly #crypto: CryptoProvider;
  #keys: NodeKeySet;
  #nextId = 1;
  #inFlight = 0;
  readonly #inlineLimit: number;
  #closed = false;

  /**
   * Starts the pool.
   *
   * @example
   * ```ts no-eval
   * const pool = new UnwrapPool({ workers: 2, crypto, keys });
   * const outcomes = await pool.process([{ hint: 0, packet }]);
   * await pool.close();
   * ```
   */
  constructor(options: UnwrapPoolOptions) {
    this.#crypto = options.crypto;
    this.#keys = options.keys;
    this.#inlineLimit = options.inlineWhenIdle ?? 8;
    const url = options.workerUrl ?? new URL("./unwrap_worker.ts", import.meta.url).href;
    for (let i = 0; i < options.workers; i++) {
      const worker = new Worker(url, { type: "module" });
      worker.onmessage = (event: MessageEvent<WorkerResult | WorkerPong>) => {
        const data = event.data;
        if (data.type === "pong") this.#pongs.get(data.id)?.(data.backend);
        else this.#onResult(data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        this.#failAll(new Error(`unwrap worker failed: ${event.message}`));
      };
      this.#workers.push(worker);
    }
    this.#broadcastKeys();
  }

  /**
   * Resolves once every worker has loaded its modules and crypto backend, with the backends'
   * names; a worker that does not answer within `timeoutMs` rejects it.
   */
  async ready(timeoutMs = 30_000): Promise<string[]> {
    if (this.#workers.length === 0) return [this.#crypto.name];
    const answers = this.#workers.map((worker) => {
      const id = this.#nextId++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#pongs.delete(id);
          reject(new Error(`unwrap worker did not start within ${timeoutMs} ms`));
        }, timeoutMs);
        this.#pongs.set(id, (backend) => {
          clearTimeout(timer);
          this.#pongs.delete(id);
          resolve(backend);
        });
        worker.postMessage({ type: "ping", id });
      });
    });
    return await Promise.all(answers);
  }

  /** Number of worker threads (0 = inline). */
  get workerCount(): number {
    return this.#workers.length;
  }

  /** Packets submitted and not yet finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Replaces the keys (key rotation); jobs submitted afterwards use the new keys. */
  setKeys(keys: NodeKeySet): void {
    this.#keys = keys;
    this.#broadcastKeys();
  }

  /**
   * Unwraps a group of packets; resolves with one outcome per job, in order.
   *
   * Packets handled on this thread are rewritten in place (the caller hands over ownership of
   * `job.packet`); packets for workers are copied into transfer buffers.
   */
  process(jobs: readonly UnwrapJob[]): Promise<MixOutcome[]> {
    if (this.#closed) return Promise.reject(new UnwrapPoolClosedError("unwrap pool is closed"));
    if (jobs.length === 0) return Promise.resolve([]);
    if (
      this.#workers.length === 0 || (this.#inFlight === 0 && jobs.length <= this.#inlineLimit)
    ) {
      return Promise.resolve(
        jobs.map((j) =>
          processMixPacket(this.#crypto, this.#keys, j.hint, j.packet, { inPlace: true })
        ),
      );
    }
    // Shard 0 is this thread, shards 1..n the workers. Sharding by α keeps a replayed packet on
    // the same thread as its original, so replay check-and-set never races for it.
    const shardCount = this.#workers.length + 1;
    const shards: number[][] = Array.from({ length: shardCount }, () => []);
    jobs.forEach((job, i) => shards[(job.packet[0] ?? 0) % shardCount].push(i));
    const outcomes = new Array<MixOutcome>(jobs.length);
    const parts: Promise<void>[] = [];
    for (let w = 1; w < shardCount; w++) {
      const indexes = shards[w];
      if (indexes.length === 0) continue;
      parts.push(
        this.#send(w - 1, indexes.map((i) => jobs[i])).then((res) => {
          indexes.forEach((i, k) => outcomes[i] = res[k]);
        }),
      );
    }
    // This thread's shard runs while the workers run theirs.
    for (const i of shards[0]) {
      outcomes[i] = processMixPacket(this.#crypto, this.#keys, jobs[i].hint, jobs[i].packet, {
        inPlace: true,
      });
    }
    if (parts.length === 0) return Promise.resolve(outcomes);
    this.#inFlight += jobs.length;
    return Promise.all(parts).then(
      () => outcomes,
    ).finally(() => {
      this.#inFlight -= jobs.length;
    });
  }

  #send(workerIndex: number, jobs: UnwrapJob[]): Promise<MixOutcome[]> {
    let total = 0;
    for (const j of jobs) total += j.packet.length;
    const data = new Uint8Array(total);
    const lengths = new Uint32Array(jobs.length);
    const hints = new Uint8Array(jobs.length);
    let offset = 0;
    jobs.forEach((j, i) => {
      data.set(j.packet, offset);
      offset += j.packet.length;
      lengths[i] = j.packet.length;
      hints[i] = j.hint;
    });
    const id = this.#nextId++;
    const batch: WorkerBatch = { type: "batch", id, hints, lengths, data: data.buffer };
    return new Promise<MixOutcome[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#workers[workerIndex].postMessage(batch, [data.buffer]);
    });
  }

  #onResult(result: WorkerResult): void {
    const pending = this.#pending.get(result.id);
    if (!pending) return;
    this.#pending.delete(result.id);
    pending.resolve(result.outcomes);
  }

  #failAll(error: Error): void {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  #broadcastKeys(): void {
    const message: WorkerKeys = {
      type: "keys",
      primary: toWorkerEntry(this.#keys.primary),
      secondary: this.#keys.secondary ? toWorkerEntry(this.#keys.secondary) : undefined,
    };
    for (const w of this.#workers) w.postMessage(message);
  }

  /** Terminates the workers; pending jobs reject with {@linkcode UnwrapPoolClosedError}. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new UnwrapPoolClosedError("unwrap pool closed"));
    for (const w of this.#workers) w.terminate();
  }
}
