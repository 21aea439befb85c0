/**
 * A small metrics registry with Prometheus text exposition (format 0.0.4), served at
 * `/api/v1/metrics/prometheus` (`nym-node.md` §2.1, §3.7). Roles register counters, gauges and
 * histograms once and update them on their hot paths; updates are plain number arithmetic.
 *
 * @module
 */

/** Label values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** The content type of {@linkcode MetricsRegistry.render}'s output. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Default histogram buckets (seconds-scale latencies, as the Prometheus clients use). */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Most series one metric may have; further label combinations are dropped and counted. */
export const MAX_SERIES_PER_METRIC = 10_000;

/** Thrown for invalid metric definitions or updates (bad names, negative counter steps). */
export class MetricsError extends Error {
  override name = "MetricsError";
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A monotonically increasing value. */
export interface Counter {
  /** Adds `value` (default 1, must be ≥ 0). */
  inc(value?: number, labels?: Labels): void;
  /** The current value. */
  get(labels?: Labels): number;
}

/** A value that goes up and down. */
export interface Gauge {
  /** Sets the value. */
  set(value: number, labels?: Labels): void;
  /** Adds `value` (default 1). */
  inc(value?: number, labels?: Labels): void;
  /** Subtracts `value` (default 1). */
  dec(value?: number, labels?: Labels): void;
  /** The current value. */
  get(labels?: Labels): number;
}

/** A distribution of observed values. */
export interface Histogram {
  /** Records one observation. */
  observe(value: number, labels?: Labels): void;
  /** Count, sum and cumulative bucket counts (`le` → count, including `+Inf`). */
  snapshot(labels?: Labels): { count: number; sum: number; buckets: Map<number, number> };
}

/** Options shared by every metric kind. */
export interface MetricOptions {
  /** Label names every update must provide (default: none). */
  readonly labelNames?: readonly string[];
}

/** Options of {@linkcode MetricsRegistry.gauge}. */
export interface GaugeOptions extends MetricOptions {
  /** Called on every render to refresh the value (for sizes read from elsewhere). */
  readonly collect?: (gauge: Gauge) => void;
}

/** Options of {@linkcode MetricsRegistry.histogram}. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds of the buckets, ascending (default {@linkcode DEFAULT_BUCKETS}). */
  readonly buckets?: readonly number[];
}

type Kind = "counter" | "gauge" | "histogram";

interface HistogramSeries {
  counts: number[];
  count: number;
  sum: number;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly kind: Kind;
  readonly labelNames: readonly string[];
  readonly series: Map<string, { labels: Labels; value: number | HistogramSeries }>;
  readonly buckets: readonly number[];
  readonly collect?: () => void;
  readonly handle: Counter | Gauge | Histogram;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function renderLabels(labels: Labels, names: readonly string[], extra?: [string, string]): string {
  const parts = names.map((name) => `${name}="${escapeLabelValue(labels[name])}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/**
 * Holds a node's metrics and renders them for Prometheus. Names get the registry's prefix
 * (default `nym_node_`, as the real node's metrics).
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "./metrics.ts";
 * const metrics = new MetricsRegistry();
 * const received = metrics.counter("mixnet_ingress_forward_packets_received", "Forward packets received");
 * received.inc();
 * metrics.render().includes("nym_node_mixnet_ingress_forward_packets_received 1"); // true
 * ```
 */
export class MetricsRegistry {
  readonly #prefix: string;
  readonly #families = new Map<string, Family>();
  #droppedSeries = 0;

  /** Creates an empty registry; `prefix` is prepended to every metric name. */
  constructor(options: { prefix?: string } = {}) {
    this.#prefix = options.prefix ?? "nym_node_";
  }

  /** How many updates were dropped because a metric hit {@linkcode MAX_SERIES_PER_METRIC}. */
  get droppedSeries(): number {
    return this.#droppedSeries;
  }

  /**
   * Registers (or returns the already registered) counter `name`.
   *
   * @example
   * ```ts
   * import { MetricsRegistry } from "./metrics.ts";
   * const c = new MetricsRegistry().counter("requests_total", "Requests", { labelNames: ["status"] });
   * c.inc(1, { status: "200" });
   * ```
   */
  counter(name: string, help: string, options: MetricOptions = {}): Counter {
    return this.#register(name, help, "counter", options) as Counter;
  }

  /**
   * Registers (or returns) gauge `name`.
   *
   * @example
   * ```ts
   * import { MetricsRegistry } from "./metrics.ts";
   * const queue: number[] = [];
   * new MetricsRegistry().gauge("queue_size", "Queued packets", { collect: (g) => g.set(queue.length) });
   * ```
   */
  gauge(name: string, help: string, options: GaugeOptions = {}): Gauge {
    return this.#register(name, help, "gauge", options) as Gauge;
  }

  /**
   * Registers (or returns) histogram `name`.
   *
   * @example
   * ```ts
   * import { MetricsRegistry } from "./metrics.ts";
   * const h = new MetricsRegistry().histogram("delay_seconds", "Delay", { buckets: [0.1, 1] });
   * h.observe(0.3);
   * ```
   */
  histogram(name: string, help: string, options: HistogramOptions = {}): Histogram {
    return this.#register(name, help, "histogram", options) as Histogram;
  }

  #register(
    shortName: string,
    help: string,
    kind: Kind,
    options: GaugeOptions & HistogramOptions,
  ): Counter | Gauge | Histogram {
    const name = this.#prefix + shortName;
    if (!METRIC_NAME.test(name)) {
      throw new MetricsError(`invalid metric name ${JSON.stringify(name)}`);
    }
    const labelNames = [...(options.labelNames ?? [])];
    for (const label of labelNames) {
      if (
        !LABEL_NAME.test(label) || label.startsWith("__") ||
        (kind === "histogram" && label === "le")
      ) {
        throw new MetricsError(`invalid label name ${JSON.stringify(label)} for ${name}`);
      }
    }
    const existing = this.#families.get(name);
    if (existing) {
      if (existing.kind !== kind || existing.labelNames.join() !== labelNames.join()) {
        throw new MetricsError(`${name} is already registered as a different ${existing.kind}`);
      }
      return existing.handle;
    }
    const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
    if (buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]))) {
      throw new MetricsError(`histogram ${name} needs strictly ascending finite buckets`);
    }
    const series = new Map<string, { labels: Labels; value: number | HistogramSeries }>();
    const slot = (labels: Labels | undefined, create: boolean) => {
      const given = labels ?? {};
      const keys = Object.keys(given);
      if (
        keys.length !== labelNames.length || !labelNames.every((l) => typeof given[l] === "string")
      ) {
        throw new MetricsError(`${name} needs exactly the labels [${labelNames.join(", ")}]`);
      }
      const key = labelNames.map((l) => given[l]).join("\u0000");
      let entry = series.get(key);
      if (!entry && create) {
        if (series.size >= MAX_SERIES_PER_METRIC) {
          this.#droppedSeries++;
          return undefined;
        }
        const value = kind === "histogram"
          ? { counts: new Array<number>(buckets.length).fill(0), count: 0, sum: 0 }
          : 0;
        entry = { labels: { ...given }, value };
        series.set(key, entry);
      }
      return entry;
    };
    const add = (delta: number, labels?: Labels) => {
      const entry = slot(labels, true);
      if (entry) entry.value = (entry.value as number) + delta;
    };
    const read = (labels?: Labels) => (slot(labels, false)?.value as number | undefined) ?? 0;
    let handle: Counter | Gauge | Histogram;
    if (kind === "counter") {
      handle = {
        inc: (value = 1, labels?: Labels) => {
          if (!(value >= 0)) throw new MetricsError(`counter ${name} cannot change by ${value}`);
          add(value, labels);
        },
        get: read,
      } satisfies Counter;
    } else if (kind === "gauge") {
      handle = {
        set: (value: number, labels?: Labels) => {
          const entry = slot(labels, true);
          if (entry) entry.value = value;
        },
        inc: (value = 1, labels?: Labels) => add(value, labels),
        dec: (value = 1, labels?: Labels) => add(-value, labels),
        get: read,
      } satisfies Gauge;
    } else {
      handle = {
        observe: (value: number, labels?: Labels) => {
          const entry = slot(labels, true);
          if (!entry) return;
          const data = entry.value as HistogramSeries;
          data.count++;
          data.sum += value;
          const index = buckets.findIndex((b) => value <= b);
          if (index >= 0) data.counts[index]++;
        },
        snapshot: (labels?: Labels) => {
          const data = slot(labels, false)?.value as HistogramSeries | undefined;
          const out = new Map<number, number>();
          let running = 0;
          buckets.forEach((b, i) => {
            running += data?.counts[i] ?? 0;
            out.set(b, running);
          });
          out.set(Infinity, data?.count ?? 0);
          return { count: data?.count ?? 0, sum: data?.sum ?? 0, buckets: out };
        },
      } satisfies Histogram;
    }
    const collect = options.collect;
    this.#families.set(name, {
      name,
      help,
      kind,
      labelNames,
      series,
      buckets,
      collect: collect ? () => collect(handle as Gauge) : undefined,
      handle,
    });
    return handle;
  }

  /**
   * Renders every metric in the Prometheus text format.
   *
   * @example
   * ```ts
   * import { MetricsRegistry } from "./metrics.ts";
   * new MetricsRegistry().render(); // ""
   * ```
   */
  render(): string {
    const lines: string[] = [];
    for (const family of this.#families.values()) {
      family.collect?.();
      const help = family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
      lines.push(`# HELP ${family.name} ${help}`, `# TYPE ${family.name} ${family.kind}`);
      if (family.series.size === 0 && family.labelNames.length === 0) {
        // An unlabelled metric is reported as 0 before its first update.
        if (family.kind === "histogram") {
          for (const b of family.buckets) {
            lines.push(`${family.name}_bucket{le="${formatNumber(b)}"} 0`);
          }
          lines.push(
            `${family.name}_bucket{le="+Inf"} 0`,
            `${family.name}_sum 0`,
            `${family.name}_count 0`,
          );
        } else {
          lines.push(`${family.name} 0`);
        }
        continue;
      }
      for (const { labels, value } of family.series.values()) {
        if (family.kind !== "histogram") {
          lines.push(
            `${family.name}${renderLabels(labels, family.labelNames)} ${
              formatNumber(value as number)
            }`,
          );
          continue;
        }
        const data = value as HistogramSeries;
        let running = 0;
        family.buckets.forEach((b, i) => {
          running += data.counts[i];
          lines.push(
            `${family.name}_bucket${
              renderLabels(labels, family.labelNames, ["le", formatNumber(b)])
            } ${running}`,
          );
        });
        lines.push(
          `${family.name}_bucket${
            renderLabels(labels, family.labelNames, ["le", "+Inf"])
          } ${data.count}`,
          `${family.name}_sum${renderLabels(labels, family.labelNames)} ${formatNumber(data.sum)}`,
          `${family.name}_count${renderLabels(labels, family.labelNames)} ${data.count}`,
        );
      }
    }
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }
}
