/**
 * Worker entry point of the unwrap pool: receives batches of Sphinx packets, runs
 * {@linkcode processMixPacket} on each, and posts the outcomes back with their buffers
 * transferred. Keys and replay filters arrive in a `keys` message; filters are shared
 * (`SharedArrayBuffer`) with the main thread and the other workers.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
import { buildSphinxPacket } from "../sphinx/mod.ts";
import { type NodeKeySet, processMixPacket } from "./processor.ts";
import { ReplayFilter, type SharedReplayFilter } from "./replay_filter.ts";
import type { KeyRotationHint } from "./processor.ts";
import type {
  WorkerBatch,
  WorkerKeys,
  WorkerPong,
  WorkerRequest,
  WorkerResult,
} from "./unwrap_protocol.ts";

const crypto = createCryptoProvider();
let keys: NodeKeySet | null = null;

function attach(shared: SharedReplayFilter | null): ReplayFilter | null {
  return shared ? ReplayFilter.fromShared(shared) : null;
}

/**
 * Runs the unwrap path on throw-away packets so V8 has optimised it before real traffic arrives;
 * without this the first packets after start-up wait ~150 ms for cold code.
 */
function warmUp(): void {
  const secretKey = systemRandom(32);
  const hop = { address: new Uint8Array(32), publicKey: crypto.x25519Base(secretKey) };
  const { packet } = buildSphinxPacket(crypto, {
    message: new Uint8Array(64),
    route: [hop, hop],
    destination: { address: new Uint8Array(32), identifier: new Uint8Array(16) },
    delaysNanos: [0, 0],
    payloadSize: 2065,
    random: systemRandom,
  });
  const keys: NodeKeySet = { primary: { rotationId: 0, secretKey, filter: null } };
  for (let i = 0; i < 300; i++) processMixPacket(crypto, keys, 0, packet);
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
  let offset = 0;
  for (let i = 0; i < batch.lengths.length; i++) {
    const length = batch.lengths[i];
    const packet = data.subarray(offset, offset + length);
    offset += length;
    if (!keys) {
      results.push({ kind: "drop", reason: "expired-key" });
      continue;
    }
    // The batch buffer is ours: packets are rewritten in place and travel back as views of it.
    results.push(
      processMixPacket(crypto, keys, batch.hints[i] as KeyRotationHint, packet, { inPlace: true }),
    );
  }
  const message: WorkerResult = { type: "results", id: batch.id, outcomes: results };
  self.postMessage(message, [batch.data]);
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const message = event.data;
  if (message.type === "keys") installKeys(message);
  else if (message.type === "batch") processBatch(message);
  else if (message.type === "ping") {
    warmUp();
    const pong: WorkerPong = { type: "pong", id: message.id, backend: crypto.name };
    self.postMessage(pong);
  }
};
