/**
 * `GET /api/v1/load` (`nym-node.md` §2.3): a coarse machine and network load, recomputed at
 * most once per cache TTL (30 s by default).
 *
 * * machine: `bucket(loadavg5 / cpus)`, raised one level if memory use is in a higher bucket,
 *   and one more if swap is over 1 GiB and its *free* fraction is in a higher bucket (the real
 *   node uses free swap here — reproduced as is);
 * * network: the larger of tx/rx bytes per second on `eth*`/`en*` interfaces since the previous
 *   sample, as Gbit/s; `unknown` until there are two samples;
 * * total: machine if machine > network, else machine raised one level.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";

/** Load buckets, lowest first (their order is used for comparisons, as Rust's derived `Ord`). */
export const LOAD_LEVELS = [
  "unknown",
  "negligible",
  "low",
  "medium",
  "high",
  "very_high",
  "at_capacity",
] as const;

/** One load bucket. */
export type LoadLevel = typeof LOAD_LEVELS[number];

/** The `/load` response. */
export interface NodeLoad {
  readonly total: LoadLevel;
  readonly machine: LoadLevel;
  readonly network: LoadLevel;
}

/**
 * Maps a fraction to a bucket: 0/NaN/∞ → unknown, ≤0.1 negligible, ≤0.3 low, ≤0.6 medium,
 * ≤0.8 high, ≤0.95 very_high, else at_capacity.
 *
 * @example
 * ```ts
 * import { loadLevel } from "./load.ts";
 * loadLevel(0.25); // "low"
 * ```
 */
export function loadLevel(value: number): LoadLevel {
  if (value === 0 || !Number.isFinite(value)) return "unknown";
  if (value <= 0.1) return "negligible";
  if (value <= 0.3) return "low";
  if (value <= 0.6) return "medium";
  if (value <= 0.8) return "high";
  if (value <= 0.95) return "very_high";
  return "at_capacity";
}

/**
 * One bucket up (`unknown` and `at_capacity` stay put).
 *
 * @example
 * ```ts
 * import { incrementLoad } from "./load.ts";
 * incrementLoad("low"); // "medium"
 * ```
 */
export function incrementLoad(level: LoadLevel): LoadLevel {
  if (level === "unknown" || level === "at_capacity") return level;
  return LOAD_LEVELS[LOAD_LEVELS.indexOf(level) + 1];
}

function rank(level: LoadLevel): number {
  return LOAD_LEVELS.indexOf(level);
}

/** One reading of the machine's counters. */
export interface UsageSample {
  /** 5-minute load average. */
  readonly loadAverage5: number;
  /** Logical CPUs. */
  readonly cpuCount: number;
  /** Bytes of RAM. */
  readonly totalMemory: number;
  /** Bytes of RAM available to new processes. */
  readonly availableMemory: number;
  /** Bytes of swap. */
  readonly totalSwap: number;
  /** Bytes of free swap. */
  readonly freeSwap: number;
  /** Bytes sent so far on `eth*`/`en*` interfaces. */
  readonly networkTransmitted: number;
  /** Bytes received so far on `eth*`/`en*` interfaces. */
  readonly networkReceived: number;
}

/** Takes a {@linkcode UsageSample}. */
export type UsageReader = () => UsageSample;

/**
 * Sums received/transmitted bytes of the `eth*` and `en*` interfaces in `/proc/net/dev` text.
 *
 * @example
 * ```ts
 * import { parseProcNetDev } from "./load.ts";
 * parseProcNetDev("h\nh\n  eth0: 100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0\n"); // { received: 100, transmitted: 200 }
 * ```
 */
export function parseProcNetDev(text: string): { received: number; transmitted: number } {
  let received = 0;
  let transmitted = 0;
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (!name.startsWith("eth") && !name.startsWith("en")) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (fields.length < 9 || fields.some((x) => !Number.isFinite(x))) continue;
    received += fields[0];
    transmitted += fields[8];
  }
  return { received, transmitted };
}

/**
 * Reads the real machine: `Deno.loadavg()`, `Deno.systemMemoryInfo()` and `/proc/net/dev`
 * (needs `--allow-sys` and `--allow-read`; missing sources read as zero).
 *
 * @example
 * ```ts no-eval
 * import { systemUsageReader } from "./load.ts";
 * const sample = systemUsageReader()();
 * ```
 */
export function systemUsageReader(): UsageReader {
  return () => {
    let loadAverage5 = 0;
    let memory = { total: 0, available: 0, swapTotal: 0, swapFree: 0 };
    let network = { received: 0, transmitted: 0 };
    try {
      loadAverage5 = Deno.loadavg()[1];
    } catch { /* unavailable: reads as unknown */ }
    try {
      memory = Deno.systemMemoryInfo();
    } catch { /* unavailable */ }
    try {
      network = parseProcNetDev(Deno.readTextFileSync("/proc/net/dev"));
    } catch { /* not Linux */ }
    return {
      loadAverage5,
      cpuCount: navigator.hardwareConcurrency || 1,
      totalMemory: memory.total,
      availableMemory: memory.available,
      totalSwap: memory.swapTotal,
      freeSwap: memory.swapFree,
      networkTransmitted: network.transmitted,
      networkReceived: network.received,
    };
  };
}

/**
 * The machine bucket of one sample.
 *
 * @example
 * ```ts
 * import { machineLoad } from "./load.ts";
 * machineLoad({ loadAverage5: 1, cpuCount: 4, totalMemory: 8, availableMemory: 2, totalSwap: 0,
 *   freeSwap: 0, networkTransmitted: 0, networkReceived: 0 }); // "medium"
 * ```
 */
export function machineLoad(sample: UsageSample): LoadLevel {
  let base = loadLevel(sample.loadAverage5 / sample.cpuCount);
  const memory = loadLevel((sample.totalMemory - sample.availableMemory) / sample.totalMemory);
  if (rank(memory) > rank(base)) base = incrementLoad(base);
  if (sample.totalSwap > 1024 * 1024 * 1024) {
    const swap = loadLevel(sample.freeSwap / sample.totalSwap);
    if (rank(swap) > rank(base)) base = incrementLoad(base);
  }
  return base;
}

/** Options of {@linkcode NodeLoadCache}. */
export interface NodeLoadCacheOptions {
  /** Where samples come from. */
  readonly reader: UsageReader;
  /** Time source (monotonic time drives the TTL and the rate computation). */
  readonly clock: Clock;
  /** How long a computed load is served before recomputing. */
  readonly ttlMs: number;
}

/**
 * Computes the node load and caches it for `ttlMs`. The first sample is taken at construction
 * (network `unknown`, total = machine); later ones compare against the previous sample.
 *
 * @example
 * ```ts
 * import { NodeLoadCache } from "./load.ts";
 * import { manualClock } from "../util/clock.ts";
 * const cache = new NodeLoadCache({
 *   clock: manualClock(),
 *   ttlMs: 30_000,
 *   reader: () => ({ loadAverage5: 0.2, cpuCount: 1, totalMemory: 10, availableMemory: 9,
 *     totalSwap: 0, freeSwap: 0, networkTransmitted: 0, networkReceived: 0 }),
 * });
 * cache.current().network; // "unknown"
 * ```
 */
export class NodeLoadCache {
  readonly #options: NodeLoadCacheOptions;
  #sampledAt: number;
  #previous: UsageSample;
  #load: NodeLoad;

  /** Takes the first sample. */
  constructor(options: NodeLoadCacheOptions) {
    this.#options = options;
    this.#sampledAt = options.clock.monotonic();
    this.#previous = options.reader();
    const machine = machineLoad(this.#previous);
    this.#load = { total: machine, machine, network: "unknown" };
  }

  /**
   * The cached load, recomputed if older than the TTL.
   *
   * @example
   * ```ts no-eval
   * cache.current(); // { total: "low", machine: "negligible", network: "negligible" }
   * ```
   */
  current(): NodeLoad {
    const now = this.#options.clock.monotonic();
    if (now - this.#sampledAt <= this.#options.ttlMs) return this.#load;
    const sample = this.#options.reader();
    const seconds = (now - this.#sampledAt) / 1000;
    const txDelta = Math.max(0, sample.networkTransmitted - this.#previous.networkTransmitted);
    const rxDelta = Math.max(0, sample.networkReceived - this.#previous.networkReceived);
    // Bytes/s × 8e-9 = Gbit/s; 1 Gbit/s counts as full load.
    const gbps = Math.max(txDelta, rxDelta) / seconds * 0.000000008;
    const network = loadLevel(gbps);
    const machine = machineLoad(sample);
    const total = rank(machine) > rank(network) ? machine : incrementLoad(machine);
    this.#load = { total, machine, network };
    this.#previous = sample;
    this.#sampledAt = now;
    return this.#load;
  }
}
