/**
 * How a poll result changes what the directory knows about a node, and what that means for the
 * served topology. Pure functions over {@linkcode NodeRecord}.
 *
 * Health model (documented for operators in the README):
 *
 * - `pending`: registered, never described; not served.
 * - `up`: the last poll succeeded; served with performance `"1"`.
 * - `down`: `down_after_failures` polls in a row failed (unreachable, timeout, bad answer);
 *   still served, with performance `"0"` so clients (threshold 0.5) stop routing through it at
 *   once, and it keeps its role.
 * - `gone`: down for longer than `down_grace`; removed from the topology and its role. It comes
 *   back with the same node id as soon as a poll succeeds again.
 * - `refused`: its host information failed verification (signature, identity, IPs); removed
 *   from the topology at once until it verifies again.
 *
 * @module
 */
import type { NodeDescription, NodeMetricsSample, PollOutcome } from "./describe.ts";
import type { NodeRegistration, NodeStatus } from "./store.ts";

/** Thresholds of the health model. */
export interface HealthPolicy {
  /** Consecutive failed polls before a node is `down`. */
  readonly downAfterFailures: number;
  /** How long a `down` node stays in the topology, ms. */
  readonly downGraceMs: number;
}

/** Load and traffic shown on the status page. */
export interface NodeTraffic {
  readonly load: string | null;
  /** Packets received per second between the last two polls, or `null`. */
  readonly packetsInPerSecond: number | null;
  /** Packets sent per second between the last two polls, or `null`. */
  readonly packetsOutPerSecond: number | null;
  /** The last counters sample (for the next rate). */
  readonly lastSample: NodeMetricsSample | null;
}

/** Everything the directory knows about one node. */
export interface NodeRecord {
  readonly registration: NodeRegistration;
  /** Stored status (`down` past its grace is reported as `gone` by {@linkcode effectiveStatus}). */
  readonly status: NodeStatus;
  /** The last verified description (kept while down, dropped when refused). */
  readonly description: NodeDescription | null;
  readonly lastPolledMs: number | null;
  readonly lastSuccessMs: number | null;
  readonly downSinceMs: number | null;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly traffic: NodeTraffic;
}

/**
 * A record for a node that was never polled.
 *
 * @example
 * ```ts
 * import { newRecord } from "./health.ts";
 * newRecord({ nodeId: 1, host: "127.0.0.1", httpPort: 8080, identity: null, addedAtMs: 0 }).status;
 * // "pending"
 * ```
 */
export function newRecord(registration: NodeRegistration): NodeRecord {
  return {
    registration,
    status: "pending",
    description: null,
    lastPolledMs: null,
    lastSuccessMs: null,
    downSinceMs: null,
    consecutiveFailures: 0,
    lastError: null,
    traffic: { load: null, packetsInPerSecond: null, packetsOutPerSecond: null, lastSample: null },
  };
}

function rate(now: number | null, before: number | null, seconds: number): number | null {
  if (now === null || before === null || seconds <= 0 || now < before) return null;
  return Math.round(((now - before) / seconds) * 10) / 10;
}

function trafficAfter(previous: NodeTraffic, sample: NodeMetricsSample): NodeTraffic {
  const last = previous.lastSample;
  const seconds = last ? (sample.atMs - last.atMs) / 1000 : 0;
  return {
    load: sample.load,
    packetsInPerSecond: last ? rate(sample.packetsReceived, last.packetsReceived, seconds) : null,
    packetsOutPerSecond: last ? rate(sample.packetsSent, last.packetsSent, seconds) : null,
    lastSample: sample,
  };
}

/**
 * Applies one poll outcome.
 *
 * @example
 * ```ts no-eval
 * import { applyOutcome, newRecord } from "./health.ts";
 * const record = applyOutcome(newRecord(reg), { kind: "failed", message: "timed out" }, now, policy);
 * record.status; // "pending"
 * ```
 */
export function applyOutcome(
  record: NodeRecord,
  outcome: PollOutcome,
  nowMs: number,
  policy: HealthPolicy,
): NodeRecord {
  const polled = { ...record, lastPolledMs: nowMs };
  switch (outcome.kind) {
    case "ok":
      return {
        ...polled,
        status: "up",
        description: outcome.description,
        lastSuccessMs: nowMs,
        downSinceMs: null,
        consecutiveFailures: 0,
        lastError: null,
        traffic: trafficAfter(record.traffic, outcome.metrics),
      };
    case "refused":
      return {
        ...polled,
        status: "refused",
        description: null,
        downSinceMs: null,
        consecutiveFailures: 0,
        lastError: `refused (${outcome.reason}): ${outcome.message}`,
      };
    case "failed": {
      const failures = record.consecutiveFailures + 1;
      const wasServed = record.status === "up" || record.status === "down" ||
        record.status === "gone";
      const down = wasServed && failures >= policy.downAfterFailures;
      return {
        ...polled,
        status: down ? (record.status === "gone" ? "gone" : "down") : record.status,
        downSinceMs: down ? (record.downSinceMs ?? nowMs) : record.downSinceMs,
        consecutiveFailures: failures,
        lastError: outcome.message,
        traffic: { ...record.traffic, packetsInPerSecond: null, packetsOutPerSecond: null },
      };
    }
  }
}

/**
 * The status at `nowMs`: a `down` node whose grace has run out is `gone`.
 *
 * @example
 * ```ts no-eval
 * import { effectiveStatus } from "./health.ts";
 * effectiveStatus(record, Date.now(), policy); // "up" | "down" | "gone" | ...
 * ```
 */
export function effectiveStatus(
  record: NodeRecord,
  nowMs: number,
  policy: HealthPolicy,
): NodeStatus {
  if (
    record.status === "down" && record.downSinceMs !== null &&
    nowMs - record.downSinceMs >= policy.downGraceMs
  ) {
    return "gone";
  }
  return record.status;
}

/**
 * Whether a node with this status is in the served topology.
 *
 * @example
 * ```ts
 * import { isServed } from "./health.ts";
 * isServed("down"); // true (until its grace runs out)
 * isServed("gone"); // false
 * ```
 */
export function isServed(status: NodeStatus): boolean {
  return status === "up" || status === "down";
}

/**
 * The `performance` served for a status: `"1"` up, `"0"` down.
 *
 * @example
 * ```ts
 * import { performanceOf } from "./health.ts";
 * performanceOf("up"); // "1"
 * ```
 */
export function performanceOf(status: NodeStatus): string {
  return status === "up" ? "1" : "0";
}
