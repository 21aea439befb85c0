/**
 * Messages between the unwrap pool and its workers.
 *
 * @module
 */
import type { MixOutcome } from "./processor.ts";
import type { SharedReplayFilter } from "./replay_filter.ts";

/** A key as sent to a worker: the filter travels as its shared buffer. */
export interface WorkerKeyEntry {
  readonly rotationId: number;
  readonly secretKey: Uint8Array;
  readonly filter: SharedReplayFilter | null;
}

/** Installs (or replaces) the keys a worker unwraps with. */
export interface WorkerKeys {
  readonly type: "keys";
  readonly primary: WorkerKeyEntry;
  readonly secondary?: WorkerKeyEntry;
}

/** A batch of packets laid end to end in `data`. */
export interface WorkerBatch {
  readonly type: "batch";
  readonly id: number;
  readonly hints: Uint8Array;
  readonly lengths: Uint32Array;
  readonly data: ArrayBuffer;
}

/** Asks a worker to answer once it has loaded (used to warm workers up before serving). */
export interface WorkerPing {
  readonly type: "ping";
  readonly id: number;
}

/** Any message to a worker. */
export type WorkerRequest = WorkerKeys | WorkerBatch | WorkerPing;

/** A worker's answer to a ping. */
export interface WorkerPong {
  readonly type: "pong";
  readonly id: number;
  /** Crypto backend the worker uses. */
  readonly backend: string;
}

/** The outcomes of one batch, in the batch's order. */
export interface WorkerResult {
  readonly type: "results";
  readonly id: number;
  readonly outcomes: MixOutcome[];
}
