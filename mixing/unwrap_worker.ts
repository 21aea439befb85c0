/**
 * Worker entry point of the unwrap pool: receives batches of Sphinx packets, runs
 * {@linkcode processMixPacket} on each, and posts the outcomes back with their buffers
 * transferred. Keys and replay filters arrive in a `keys` message; filters are shared
 * (`SharedArrayBuffer`) with the main thread and the other workers.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { createCryptoProvider } from "../crypto/mod.ts";
import { type NodeKeySet, processMixPacket } from "./processor.ts";
import { ReplayFilter, type SharedReplayFilter } from "./replay_filter.ts";
import type { KeyRotationHint } from "./processor.ts";
import type { WorkerBatch, WorkerKeys, WorkerRequest, WorkerResult } from "./unwrap_protocol.ts";

const crypto = createCryptoProvider();
let keys: NodeKeySet | null = null;

function attach(shared: SharedReplayFilter | null): ReplayFilter | null {
  return shared ? ReplayFilter.fromShared(shared) : null;
}

function installKeys(message: WorkerKeys): void {
  keys = {
    primary: { ...message.primary, filter: attach(message.primary.filter) },
    secondary: message.secondary
      ? { ...message.secondary, filter: attach(message.secondary.filter) }
      : undefined,
  };
}

function processBatch(batch: WorkerBatch): void {
  const data = new Uint8Array(batch.data);
  const results: WorkerResult["outcomes"] = [];
  const transfer: ArrayBuffer[] = [];
  let offset = 0;
  for (let i = 0; i < batch.lengths.length; i++) {
    const length = batch.lengths[i];
    const packet = data.subarray(offset, offset + length);
    offset += length;
    if (!keys) {
      results.push({ kind: "drop", reason: "expired-key" });
      continue;
    }
    const outcome = processMixPacket(crypto, keys, batch.hints[i] as KeyRotationHint, packet);
    results.push(outcome);
    if (outcome.kind === "forward") transfer.push(outcome.packet.buffer as ArrayBuffer);
    if (outcome.kind === "final") transfer.push(outcome.payload.buffer as ArrayBuffer);
  }
  const message: WorkerResult = { type: "results", id: batch.id, outcomes: results };
  self.postMessage(message, transfer);
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const message = event.data;
  if (message.type === "keys") installKeys(message);
  else if (message.type === "batch") processBatch(message);
};
