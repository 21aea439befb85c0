/**
 * Where the exit policy comes from, and keeping it current: a file (checked for changes every few
 * seconds) or an http(s) URL (re-fetched periodically; upstream fetches it once at start-up), or
 * none (`open_proxy`). A source that fails or holds an invalid policy never replaces the last
 * good policy: the failure is logged and counted. Until a source has produced a policy, the
 * built-in default (`exit_decision.ts`) is in force.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { Clock } from "../util/clock.ts";
import { defaultExitPolicy } from "./exit_decision.ts";
import { ExitPolicy } from "./policy.ts";
import type { NrPolicyView } from "./network_requester.ts";

/** A policy source. */
export type PolicySource =
  /** `open_proxy`: no policy at all. */
  | { readonly kind: "open" }
  /** The built-in default only. */
  | { readonly kind: "default" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "url"; readonly url: string };

/** What one refresh did. */
export type RefreshOutcome = "updated" | "unchanged" | "failed";

/** Counters of a {@linkcode PolicyStore}. */
export interface PolicyStoreCounters {
  /** Policies taken into use (the first load included). */
  loads: number;
  /** Refreshes that failed (unreadable, unreachable or invalid); the last good policy stayed. */
  failures: number;
}

/** Options of {@linkcode PolicyStore}. */
export interface PolicyStoreOptions {
  readonly source: PolicySource;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often a file is checked for changes (default 5 s). */
  readonly fileCheckIntervalMs?: number;
  /** How often a URL is fetched again (default 1 h). */
  readonly urlRefreshIntervalMs?: number;
  /** Time allowed for one fetch (default 10 s). */
  readonly fetchTimeoutMs?: number;
  /** Largest policy accepted (default 1 MiB). */
  readonly maxBytes?: number;
  readonly fetch?: typeof fetch;
}

/**
 * The current exit policy, kept up to date from its source.
 *
 * @example
 * ```ts no-eval
 * const store = new PolicyStore({ source: { kind: "file", path: "/etc/nym/exit-policy.txt" }, clock, logger });
 * await store.refresh();
 * store.start();
 * store.policy?.allows(ip, 443);
 * store.stop();
 * ```
 */
export class PolicyStore implements NrPolicyView {
  /** Load and failure counts. */
  readonly counters: PolicyStoreCounters = { loads: 0, failures: 0 };
  readonly #o: PolicyStoreOptions;
  #policy: ExitPolicy | null;
  #lastUpdated = 0;
  #lastText: string | null = null;
  #lastStamp: string | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<RefreshOutcome> | null = null;

  /** Starts with the default policy (or none for `open`); call {@linkcode refresh} to load. */
  constructor(options: PolicyStoreOptions) {
    this.#o = options;
    this.#policy = options.source.kind === "open" ? null : defaultExitPolicy();
  }

  /** The policy in force; `null` = open proxy. */
  get policy(): ExitPolicy | null {
    return this.#policy;
  }

  /** The source, as shown to clients and on the HTTP API. */
  get upstream(): string {
    const s = this.#o.source;
    if (s.kind === "file") return `file://${s.path}`;
    return s.kind === "url" ? s.url : "";
  }

  /** When the policy in force was loaded from its source (ms since the epoch; 0 = never). */
  get lastUpdated(): number {
    return this.#lastUpdated;
  }

  /** Loads the source if it changed; never throws. Concurrent calls share one refresh. */
  refresh(): Promise<RefreshOutcome> {
    this.#running ??= this.#refresh().finally(() => this.#running = null);
    return this.#running;
  }

  /** Starts the periodic checks. */
  start(): void {
    const s = this.#o.source;
    if (s.kind !== "file" && s.kind !== "url") return;
    const every = s.kind === "file"
      ? this.#o.fileCheckIntervalMs ?? 5_000
      : this.#o.urlRefreshIntervalMs ?? 3_600_000;
    this.#timer = setInterval(() => void this.refresh(), every);
  }

  /** Stops the periodic checks. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #refresh(): Promise<RefreshOutcome> {
    const s = this.#o.source;
    if (s.kind !== "file" && s.kind !== "url") return "unchanged";
    let text: string;
    try {
      if (s.kind === "file") {
        const info = await Deno.stat(s.path);
        const stamp = `${info.mtime?.getTime() ?? 0}:${info.size}`;
        if (stamp === this.#lastStamp) return "unchanged";
        if (info.size > (this.#o.maxBytes ?? 1 << 20)) throw new Error(`larger than the limit`);
        text = await Deno.readTextFile(s.path);
        this.#lastStamp = stamp;
      } else {
        text = await this.#fetch(s.url);
      }
    } catch (e) {
      return this.#failed(
        `cannot read the exit policy from ${this.upstream}: ${(e as Error).message}`,
      );
    }
    if (text === this.#lastText) return "unchanged";
    let policy: ExitPolicy;
    try {
      policy = ExitPolicy.parse(text);
    } catch (e) {
      this.#lastText = text; // do not re-parse (and re-log) the same bad text
      return this.#failed(
        `the exit policy from ${this.upstream} is invalid: ${(e as Error).message}`,
      );
    }
    this.#lastText = text;
    this.#policy = policy;
    this.#lastUpdated = this.#o.clock.now();
    this.counters.loads++;
    this.#o.logger.info("exit policy loaded from {source}: {rules} rules", {
      source: this.upstream,
      rules: policy.rules.length,
    });
    return "updated";
  }

  #failed(message: string): RefreshOutcome {
    this.counters.failures++;
    this.#o.logger.warn("{message}; keeping the previous policy ({rules} rules)", {
      message,
      rules: this.#policy?.rules.length ?? 0,
    });
    return "failed";
  }

  async #fetch(url: string): Promise<string> {
    const limit = this.#o.maxBytes ?? 1 << 20;
    const response = await (this.#o.fetch ?? fetch)(url, {
      signal: AbortSignal.timeout(this.#o.fetchTimeoutMs ?? 10_000),
      redirect: "follow",
    });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > limit) throw new Error(`larger than ${limit} bytes`);
      chunks.push(chunk);
    }
    const all = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      all.set(c, offset);
      offset += c.length;
    }
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  }
}
