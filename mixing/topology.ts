/**
 * The node's view of the network (`nym-node.md` §0 step 6, §3.6): which socket addresses belong
 * to nodes of the current topology, and which Noise keys they announce. Refreshed from nym-api
 * periodically; when every nym-api is unreachable or answers garbage, the last good view stays
 * in force.
 *
 * @module
 */
import { isGlobalIp, parseIp } from "../util/net.ts";
import { getLogger } from "@logtape/logtape";

/** A node's mixnet endpoint as announced in the topology. */
export interface KnownNode {
  readonly nodeId: number;
  readonly identity: string;
  /** Announced IPs; mixing uses only the first, but all are known for routing checks. */
  readonly ips: readonly string[];
  readonly mixPort: number;
  /** base58 X25519 Noise key and its version, if announced. */
  readonly noise: { readonly key: string; readonly version: number } | null;
}

/** What the forwarding path needs from the topology. */
export interface NetworkView {
  /** True if `host:port` is the mixnet address of a known node. */
  isKnownNode(host: string, port: number): boolean;
}

/** Options of {@linkcode TopologyRefresher}. */
export interface TopologyRefresherOptions {
  readonly nymApiUrls: readonly string[];
  readonly refreshIntervalMs: number;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  /** Upper bound on nodes accepted from one refresh (bad input must not exhaust memory). */
  readonly maxNodes?: number;
  readonly fetch?: typeof fetch;
  /** Addresses always treated as known (e.g. this node itself). */
  readonly alwaysKnown?: readonly string[];
  /** Called with the new node list after every successful refresh. */
  readonly onUpdate?: (nodes: readonly KnownNode[]) => void;
  /**
   * Testnet relaxation (`--local`, `debug.testnet`): any non-global IP counts as known, as in
   * nym-node's routing filter (`nym-node.md` §3.6). Without it a fresh local network drops
   * every packet to a node registered after this node's last refresh.
   */
  readonly allowNonGlobal?: boolean;
}

const log = getLogger(["nym-node", "topology"]);
const PAGE_SIZE = 500;

function addressKey(host: string, port: number): string {
  let h = host.toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.startsWith("::ffff:") && h.includes(".")) h = h.slice(7); // IPv4-mapped → IPv4
  return `${h}|${port}`;
}

/** Thrown when a nym-api answer cannot be used. */
export class TopologyFetchError extends Error {
  override name = "TopologyFetchError";
}

function parseNode(entry: unknown): KnownNode | null {
  if (typeof entry !== "object" || entry === null) return null;
  const e = entry as Record<string, unknown>;
  const basic = (typeof e.basic === "object" && e.basic !== null ? e.basic : e) as Record<
    string,
    unknown
  >;
  const ips = basic.ip_addresses;
  if (!Array.isArray(ips) || !ips.every((ip) => typeof ip === "string")) return null;
  const mixPort = basic.mix_port;
  if (typeof mixPort !== "number" || !Number.isInteger(mixPort) || mixPort < 0 || mixPort > 65535) {
    return null;
  }
  const noiseRaw = e.x25519_noise_versioned_key as Record<string, unknown> | null | undefined;
  const noise = noiseRaw && typeof noiseRaw.x25519_pubkey === "string" &&
      typeof noiseRaw.supported_version === "number"
    ? { key: noiseRaw.x25519_pubkey, version: noiseRaw.supported_version }
    : null;
  return {
    nodeId: typeof basic.node_id === "number" ? basic.node_id : -1,
    identity: typeof basic.ed25519_identity_pubkey === "string"
      ? basic.ed25519_identity_pubkey
      : "",
    ips: ips as string[],
    mixPort,
    noise,
  };
}

/** Periodically refreshed {@linkcode NetworkView}. */
export class TopologyRefresher implements NetworkView {
  readonly #options: TopologyRefresherOptions;
  readonly #fetch: typeof fetch;
  #known = new Set<string>();
  #nodes: KnownNode[] = [];
  #apiIndex = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #lastSuccessMs = 0;
  #inFlight: AbortController | null = null;

  /**
   * Creates a refresher; call {@linkcode start} to begin polling.
   *
   * @example
   * ```ts no-eval
   * const view = new TopologyRefresher({ nymApiUrls: ["http://127.0.0.1:8081/"], refreshIntervalMs: 60_000, timeoutMs: 5000 });
   * await view.start();
   * view.isKnownNode("127.0.0.1", 1789);
   * ```
   */
  constructor(options: TopologyRefresherOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    for (const a of options.alwaysKnown ?? []) {
      const i = a.lastIndexOf(":");
      this.#known.add(addressKey(a.slice(0, i), Number(a.slice(i + 1))));
    }
  }

  /** Nodes of the last good topology. */
  get nodes(): readonly KnownNode[] {
    return this.#nodes;
  }

  /** Unix ms of the last successful refresh (0 = never). */
  get lastSuccessMs(): number {
    return this.#lastSuccessMs;
  }

  isKnownNode(host: string, port: number): boolean {
    if (this.#known.has(addressKey(host, port))) return true;
    if (!this.#options.allowNonGlobal) return false;
    try {
      return !isGlobalIp(parseIp(host.startsWith("[") ? host.slice(1, -1) : host));
    } catch {
      return false;
    }
  }

  /** Fetches once and then every `refreshIntervalMs`. Resolves after the first attempt. */
  async start(): Promise<void> {
    await this.refresh();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      await this.refresh();
      this.#schedule();
    }, this.#options.refreshIntervalMs);
  }

  /** One refresh; returns whether it succeeded (failures keep the previous view). */
  async refresh(): Promise<boolean> {
    const urls = this.#options.nymApiUrls;
    for (let attempt = 0; attempt < urls.length && !this.#stopped; attempt++) {
      const base = urls[(this.#apiIndex + attempt) % urls.length];
      try {
        const nodes = await this.#fetchAll(base);
        this.#apply(nodes);
        this.#apiIndex = (this.#apiIndex + attempt) % urls.length;
        return true;
      } catch (e) {
        log.warn(
          "topology refresh from {api} failed: {error}; keeping the last good topology ({count} nodes)",
          {
            api: base,
            error: (e as Error).message,
            count: this.#nodes.length,
          },
        );
      }
    }
    return false;
  }

  #apply(nodes: KnownNode[]): void {
    const known = new Set<string>();
    for (const a of this.#options.alwaysKnown ?? []) {
      const i = a.lastIndexOf(":");
      known.add(addressKey(a.slice(0, i), Number(a.slice(i + 1))));
    }
    for (const n of nodes) for (const ip of n.ips) known.add(addressKey(ip, n.mixPort));
    this.#known = known;
    this.#nodes = nodes;
    this.#lastSuccessMs = Date.now();
    this.#options.onUpdate?.(nodes);
  }

  async #fetchAll(base: string): Promise<KnownNode[]> {
    const nodes: KnownNode[] = [];
    const maxNodes = this.#options.maxNodes ?? 100_000;
    for (let page = 0; page < 1000; page++) {
      const url = new URL(
        `v2/unstable/nym-nodes/semi-skimmed?page=${page}&per_page=${PAGE_SIZE}`,
        base.endsWith("/") ? base : base + "/",
      );
      const controller = new AbortController();
      this.#inFlight = controller;
      const timer = setTimeout(() => controller.abort(), this.#options.timeoutMs);
      let body: unknown;
      try {
        const response = await this.#fetch(url, {
          signal: controller.signal,
          headers: { accept: "application/json" },
        });
        if (!response.ok) throw new TopologyFetchError(`${url} answered ${response.status}`);
        const text = await response.text();
        if (text.length > 64 * 1024 * 1024) {
          throw new TopologyFetchError(`${url} answered more than 64 MiB`);
        }
        body = JSON.parse(text);
      } catch (e) {
        if (e instanceof TopologyFetchError) throw e;
        throw new TopologyFetchError(`${url}: ${(e as Error).message}`);
      } finally {
        clearTimeout(timer);
        this.#inFlight = null;
      }
      const data = (body as { nodes?: { data?: unknown; pagination?: { total?: unknown } } })
        ?.nodes;
      if (!data || !Array.isArray(data.data)) {
        throw new TopologyFetchError(`${url} has no nodes.data array`);
      }
      for (const entry of data.data) {
        const node = parseNode(entry);
        if (node) nodes.push(node);
        if (nodes.length > maxNodes) {
          throw new TopologyFetchError(`topology has more than ${maxNodes} nodes`);
        }
      }
      const total = Number(data.pagination?.total ?? nodes.length);
      if (data.data.length < PAGE_SIZE || nodes.length >= total) break;
    }
    return nodes;
  }

  /** Stops polling (and aborts a request in flight). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#inFlight?.abort();
  }
}
