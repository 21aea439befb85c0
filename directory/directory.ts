/**
 * The directory's engine: the registered nodes and what it knows about them, polling rounds,
 * on-demand refreshes, the per-epoch role assignment and the served {@linkcode TopologySnapshot}.
 * Time, HTTP and storage are injected; the HTTP routes only read snapshots.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Clock } from "../util/clock.ts";
import { nodeApiBase } from "./address.ts";
import { type AssignedRole, assignRoles } from "./assignment.ts";
import type { DirectoryConfig } from "./config.ts";
import { describeNode, type NodeDescription, type PollOutcome } from "./describe.ts";
import { epochAt, type EpochSchedule } from "./epoch.ts";
import {
  applyOutcome,
  effectiveStatus,
  type HealthPolicy,
  isServed,
  newRecord,
  type NodeRecord,
} from "./health.ts";
import type { DirectoryStore, NodeRegistration } from "./store.ts";
import { buildSnapshot, type TopologySnapshot } from "./topology.ts";

const log = getLogger(["nym-node", "directory"]);

/** Options of {@linkcode Directory}. */
export interface DirectoryOptions {
  readonly config: DirectoryConfig;
  readonly store: DirectoryStore;
  readonly clock: Clock;
  /** HTTP client for polling nodes (default: global fetch). */
  readonly fetch?: typeof fetch;
}

/** A node as the status page shows it. */
export interface NodeOverview {
  readonly record: NodeRecord;
  /** Status now (`down` past its grace is `gone`). */
  readonly status: NodeRecord["status"];
  /** Epoch role, if assigned. */
  readonly role: AssignedRole | null;
}

function serialiseDescription(d: NodeDescription | null): string | null {
  return d === null ? null : JSON.stringify(d);
}

function parseDescription(text: string | null): NodeDescription | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as NodeDescription;
  } catch {
    return null;
  }
}

/**
 * Registered nodes, their health and the topology served from them.
 *
 * @example
 * ```ts no-eval
 * import { Directory } from "./directory.ts";
 * const directory = new Directory({ config, store, clock: systemClock });
 * await directory.pollAll();
 * directory.snapshot().rewardedSet;
 * ```
 */
export class Directory {
  readonly #config: DirectoryConfig;
  readonly #store: DirectoryStore;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch | undefined;
  readonly #schedule: EpochSchedule;
  readonly #policy: HealthPolicy;
  readonly #startedAtMs: number;
  #records = new Map<number, NodeRecord>();
  #roles: Map<number, AssignedRole>;
  #assignmentEpoch: number | null;
  #lastRoundMs: number | null = null;
  #version = 0;
  #cached: { key: string; snapshot: TopologySnapshot } | null = null;
  #abort = new AbortController();
  #inFlight = new Map<number, Promise<void>>();

  /** Loads registrations, saved health and the saved assignment from the store. */
  constructor(options: DirectoryOptions) {
    this.#config = options.config;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#fetch = options.fetch;
    this.#startedAtMs = options.clock.now();
    const e = options.config.epochs;
    let start = e.start;
    if (start === null) {
      const saved = options.store.getMeta("epoch_start");
      start = saved === null ? this.#startedAtMs : Number(saved);
      if (saved === null) options.store.setMeta("epoch_start", String(start));
    }
    this.#schedule = {
      startMs: start,
      epochDurationMs: e.epoch_duration,
      validityEpochs: e.validity_epochs,
      initialEpochId: e.initial_epoch_id,
    };
    this.#policy = {
      downAfterFailures: options.config.polling.down_after_failures,
      downGraceMs: options.config.polling.down_grace,
    };
    const saved = options.store.loadAssignment();
    this.#roles = saved.roles;
    this.#assignmentEpoch = saved.epochId;
    const states = options.store.loadStates();
    for (const reg of options.store.listNodes()) {
      const state = states.get(reg.nodeId);
      const record = newRecord(reg);
      this.#records.set(
        reg.nodeId,
        state
          ? {
            ...record,
            status: state.status,
            description: parseDescription(state.description),
            lastPolledMs: state.lastPolledMs,
            lastSuccessMs: state.lastSuccessMs,
            downSinceMs: state.downSinceMs,
            consecutiveFailures: state.consecutiveFailures,
            lastError: state.lastError,
          }
          : record,
      );
    }
  }

  /** The epoch schedule in force. */
  get schedule(): EpochSchedule {
    return this.#schedule;
  }

  /** Unix ms at which this directory started. */
  get startedAtMs(): number {
    return this.#startedAtMs;
  }

  /** Re-reads registrations (other processes may add or remove nodes). */
  #syncRegistrations(): NodeRegistration[] {
    const registrations = this.#store.listNodes();
    const ids = new Set(registrations.map((r) => r.nodeId));
    for (const id of [...this.#records.keys()]) {
      if (!ids.has(id)) {
        this.#records.delete(id);
        this.#version++;
      }
    }
    for (const reg of registrations) {
      const record = this.#records.get(reg.nodeId);
      if (!record) {
        this.#records.set(reg.nodeId, newRecord(reg));
        this.#version++;
      } else if (
        record.registration.host !== reg.host || record.registration.httpPort !== reg.httpPort ||
        record.registration.identity !== reg.identity
      ) {
        this.#records.set(reg.nodeId, { ...record, registration: reg });
      }
    }
    return registrations;
  }

  async #pollOne(reg: NodeRegistration): Promise<void> {
    const outcome: PollOutcome = await describeNode({
      baseUrl: nodeApiBase({ host: reg.host, port: reg.httpPort }),
      expectedIdentity: reg.identity,
      allowAllIps: this.#config.network.local,
      timeoutMs: this.#config.polling.timeout,
      maxResponseBytes: this.#config.polling.max_response_bytes,
      nowMs: this.#clock.now(),
      fetch: this.#fetch,
      signal: this.#abort.signal,
    });
    const current = this.#records.get(reg.nodeId);
    if (!current || this.#abort.signal.aborted) return;
    let next = applyOutcome(current, outcome, this.#clock.now(), this.#policy);
    if (outcome.kind === "ok" && reg.identity === null) {
      const identity = outcome.description.hostInformation.keys.ed25519_identity;
      try {
        this.#store.pinIdentity(reg.nodeId, identity);
        next = { ...next, registration: { ...reg, identity } };
      } catch {
        next = applyOutcome(
          current,
          {
            kind: "refused",
            reason: "identity-mismatch",
            message: `identity ${identity} is already registered as another node`,
          },
          this.#clock.now(),
          this.#policy,
        );
      }
    }
    if (next.status !== current.status) {
      log.info("node {nodeId} ({address}) is {status}{detail}", {
        nodeId: reg.nodeId,
        address: `${reg.host}:${reg.httpPort}`,
        status: next.status,
        detail: next.lastError ? `: ${next.lastError}` : "",
      });
    }
    this.#records.set(reg.nodeId, next);
    this.#version++;
    try {
      this.#store.saveState(reg.nodeId, {
        status: next.status,
        description: serialiseDescription(next.description),
        lastPolledMs: next.lastPolledMs,
        lastSuccessMs: next.lastSuccessMs,
        downSinceMs: next.downSinceMs,
        consecutiveFailures: next.consecutiveFailures,
        lastError: next.lastError,
      });
    } catch (error) {
      // The node may have been removed meanwhile; the in-memory state is what is served.
      log.debug("cannot save the state of node {nodeId}: {error}", {
        nodeId: reg.nodeId,
        error: (error as Error).message,
      });
    }
  }

  /** Polls one node unless a poll of it is already running (then waits for that one). */
  #poll(reg: NodeRegistration): Promise<void> {
    const running = this.#inFlight.get(reg.nodeId);
    if (running) return running;
    const done = this.#pollOne(reg).finally(() => this.#inFlight.delete(reg.nodeId));
    this.#inFlight.set(reg.nodeId, done);
    return done;
  }

  /** One polling round over every registered node, `polling.concurrency` at a time. */
  async pollAll(): Promise<void> {
    const queue = [...this.#syncRegistrations()];
    const workers = Array.from(
      { length: Math.min(this.#config.polling.concurrency, queue.length) },
      async () => {
        for (let reg = queue.shift(); reg; reg = queue.shift()) await this.#poll(reg);
      },
    );
    await Promise.all(workers);
    this.#lastRoundMs = this.#clock.now();
    this.#version++;
  }

  /**
   * Polls the node with `identity` now (`POST /v1/nym-nodes/refresh-described`). Returns its
   * record afterwards, or `null` if no registered node has that identity.
   */
  async refresh(identity: string): Promise<NodeRecord | null> {
    const reg = this.#syncRegistrations().find((r) => r.identity === identity) ??
      [...this.#records.values()].find((r) =>
        r.description?.hostInformation.keys.ed25519_identity === identity
      )?.registration;
    if (!reg) return null;
    await this.#poll(reg);
    this.#version++;
    return this.#records.get(reg.nodeId) ?? null;
  }

  /** The node registered with (or announcing) `identity`, if any. */
  findByIdentity(identity: string): NodeRecord | null {
    for (const record of this.#records.values()) {
      if (
        record.registration.identity === identity ||
        record.description?.hostInformation.keys.ed25519_identity === identity
      ) {
        return record;
      }
    }
    return null;
  }

  /**
   * The topology now. The role assignment is brought up to date first: rebalanced when the
   * epoch changed, otherwise updated for nodes that joined or left (`assignment.ts`).
   */
  snapshot(): TopologySnapshot {
    const now = this.#clock.now();
    const epoch = epochAt(this.#schedule, now);
    const statuses = [...this.#records.values()].map((r) => ({
      nodeId: r.registration.nodeId,
      status: effectiveStatus(r, now, this.#policy),
      description: r.description,
    }));
    const key = `${this.#version}|${epoch.epochId}|${
      statuses.map((s) => `${s.nodeId}${s.status[0]}`).join(",")
    }`;
    if (this.#cached?.key === key) return this.#cached.snapshot;
    const candidates = statuses.filter((s) =>
      s.description !== null &&
      (s.status === "up" || (isServed(s.status) && this.#roles.has(s.nodeId)))
    ).map((s) => ({ nodeId: s.nodeId, declared: s.description!.declaredRoles }));
    const rebalance = this.#assignmentEpoch !== epoch.epochId;
    const roles = assignRoles(this.#roles, candidates, { rebalance });
    const changed = rebalance || roles.size !== this.#roles.size ||
      [...roles].some(([id, role]) => this.#roles.get(id) !== role);
    if (changed) {
      this.#roles = roles;
      this.#assignmentEpoch = epoch.epochId;
      try {
        this.#store.saveAssignment(epoch.epochId, roles);
      } catch (error) {
        log.warn("cannot save the role assignment: {error}", { error: (error as Error).message });
      }
    }
    const snapshot = buildSnapshot(
      statuses,
      this.#roles,
      epoch,
      this.#lastRoundMs ?? this.#startedAtMs,
    );
    this.#cached = { key, snapshot };
    return snapshot;
  }

  /** Every registered node with its status and role, by node id. */
  overview(): NodeOverview[] {
    const now = this.#clock.now();
    this.snapshot();
    return [...this.#records.values()]
      .sort((a, b) => a.registration.nodeId - b.registration.nodeId)
      .map((record) => ({
        record,
        status: effectiveStatus(record, now, this.#policy),
        role: this.#roles.get(record.registration.nodeId) ?? null,
      }));
  }

  /** Unix ms of the last completed polling round, if any. */
  get lastRoundMs(): number | null {
    return this.#lastRoundMs;
  }

  /** Aborts polls in flight and waits for them. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight.values()]);
  }
}
