/**
 * The mixnet role service (`nym-node.md` §3): listens on the mixnet port, unwraps packets on
 * worker threads, forwards forward-hop packets after their delay (mixnode mode) and hands
 * final-hop packets to the gateway role (entry/exit modes).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { NodeContext, RoleService, StopReport } from "../node/context.ts";
import type { RouteModule } from "../node/http/routes.ts";
import type { FrameInit, FrameVersion, NymNodeRoutingAddress } from "../framing/mod.ts";
import { parseSocketAddress } from "../util/net.ts";
import { MixingMetrics } from "./metrics.ts";
import { PacketForwarder, tcpDialer } from "./forwarder.ts";
import { type FinalHopHandler, MixPipeline } from "./pipeline.ts";
import { MixnetListener } from "./listener.ts";
import { TopologyRefresher } from "./topology.ts";
import { UnwrapPool } from "./unwrap_pool.ts";
import type { NodeKeySet, SphinxKeyEntry } from "./processor.ts";
import type { ReplayFilter } from "./replay_filter.ts";
import { ReplayFilterStore } from "./replay_store.ts";
import { mixingRoutes } from "./routes.ts";
import { NoiseLinks } from "./noise_links.ts";
import { recoverInterruptedSwap, RotationController } from "./rotation_controller.ts";
import { keyPathsFromConfig, loadNodeKeys, type NodeKeys } from "../node/keys.ts";
import { createNoiseAead } from "../transport/mod.ts";

const log = getLogger(["nym-node", "mixnet"]);

/** A key rotation lasts 24 one-hour epochs plus one epoch of overlap (`nym-node.md` §1.8). */
const REPLAY_FILTER_LIFETIME_SECONDS = 25 * 3600;
/** Outbound queues get this long to drain at shutdown. */
const SHUTDOWN_DRAIN_MS = 500;

/**
 * Resolves the number of unwrap workers from the config value. -1 (automatic) gives one worker
 * per core beyond the first: the main thread unwraps a share of the packets itself.
 *
 * @example
 * ```ts
 * import { resolveWorkerCount } from "./service.ts";
 * resolveWorkerCount(3); // 3
 * ```
 */
export function resolveWorkerCount(configured: number): number {
  if (configured >= 0) return configured;
  return Math.max(0, (navigator.hardwareConcurrency || 1) - 1);
}

/** What other roles (the gateway) use from the running mixnet service. */
export interface MixnetHandle {
  /** Sends a packet originating here (client packets at an entry gateway, SURB-acks). */
  sendDirect(address: NymNodeRoutingAddress, frame: FrameInit, kind: "forward" | "ack"): boolean;
  /** Frame version used towards other nodes. */
  readonly egressFrameVersion: FrameVersion;
  /** Whether `host:port` is a node of the current topology. */
  isKnownNode(host: string, port: number): boolean;
}

/** The mix role: runs in every mode, since gateways receive final hops on the same port. */
export class MixnetService implements RoleService, MixnetHandle {
  readonly name = "mixnet";
  readonly modes = ["mixnode", "entry", "exit"] as const;
  #finalHop: FinalHopHandler | undefined;
  #metrics: MixingMetrics | null = null;
  #pipeline: MixPipeline | null = null;
  #forwarder: PacketForwarder | null = null;
  #listener: MixnetListener | null = null;
  #pool: UnwrapPool | null = null;
  #topology: TopologyRefresher | null = null;
  #store: ReplayFilterStore | null = null;
  #filters: ReplayFilter[] = [];
  /** Insert counts at the last flush, so unchanged filters are not rewritten. */
  #flushedCounts = new Map<ReplayFilter, number>();
  #flushTimer: ReturnType<typeof setInterval> | undefined;
  #egressFrameVersion: FrameVersion = 7;
  #noise: NoiseLinks | null = null;
  #rotation: RotationController | null = null;
  #filtersByRotation = new Map<number, ReplayFilter>();
  #replayDisabled = false;

  /** Sets the receiver of final-hop packets (the gateway role); call before the node starts. */
  setFinalHopHandler(handler: FinalHopHandler): void {
    this.#finalHop = handler;
  }

  get egressFrameVersion(): FrameVersion {
    return this.#egressFrameVersion;
  }

  /** Noise link counters (null before start). */
  get noise(): NoiseLinks | null {
    return this.#noise;
  }

  /** The running pipeline's counters (undefined before start). */
  get metrics(): MixingMetrics | null {
    return this.#metrics;
  }

  routes(ctx: NodeContext): readonly RouteModule[] {
    const metrics = this.#ensureMetrics(ctx);
    return [mixingRoutes(metrics, { now: () => ctx.clock.now(), updateIntervalMs: 30_000 })];
  }

  #ensureMetrics(ctx: NodeContext): MixingMetrics {
    this.#metrics ??= new MixingMetrics(ctx.metrics, {
      delayed: () => this.#pipeline?.delayed ?? 0,
      forwarderQueued: () => this.#forwarder?.queued ?? 0,
    });
    return this.#metrics;
  }

  async start(ctx: NodeContext): Promise<void> {
    const cfg = ctx.config.mixnet;
    const debug = cfg.debug;
    const metrics = this.#ensureMetrics(ctx);
    this.#egressFrameVersion = debug.use_legacy_packet_encoding ? 7 : 8;

    const replay = cfg.replay_protection;
    const keyPaths = keyPathsFromConfig(ctx.config);
    if (await recoverInterruptedSwap(keyPaths, ctx.crypto)) {
      ctx.keys.replace(await loadNodeKeys(keyPaths, ctx.crypto));
    }
    const keys = ctx.keys.current.sphinx;
    this.#replayDisabled = replay.debug.unsafe_disabled;
    if (this.#replayDisabled) {
      log.warn("replay protection is DISABLED by configuration");
    } else {
      this.#store = new ReplayFilterStore({
        directory: replay.storage_paths.current_bloomfilters_directory,
        itemsPerFilter: replay.debug.initial_expected_packets_per_second *
          REPLAY_FILTER_LIFETIME_SECONDS,
        falsePositiveRate: replay.debug.false_positive_rate,
        random: ctx.random,
        now: () => ctx.clock.now(),
      });
      for (const k of [keys.primary, keys.secondary]) if (k) await this.#addFilter(k.rotationId);
      await this.#store.removeStale([...this.#filtersByRotation.keys()]);
      this.#flushTimer = setInterval(
        () => this.#flushFilters(),
        replay.debug.bloomfilter_disk_flushing_rate,
      );
    }
    const keySet = this.#keySet(keys);

    const workers = resolveWorkerCount(debug.unwrap_workers);
    this.#pool = new UnwrapPool({ workers, crypto: ctx.crypto, keys: keySet });
    const backends = await this.#pool.ready();
    this.#noise = new NoiseLinks({
      localStaticKeyPair: ctx.keys.current.noise,
      crypto: ctx.crypto,
      random: ctx.random,
      aead: createNoiseAead(),
      handshakeTimeoutMs: debug.initial_connection_timeout,
      disabled: debug.unsafe_disable_noise,
      local: ctx.local,
      dial: tcpDialer,
    });
    const noise = this.#noise;
    ctx.metrics.gauge("mixnet_noise_handshake_failures", "Noise handshakes that failed", {
      collect: (g) => g.set(noise.counters.handshakeFailures),
    });
    ctx.metrics.gauge("mixnet_noise_connections", "Mixnet connections by transport", {
      labelNames: ["direction", "transport"],
      collect: (g) => {
        g.set(noise.counters.outboundNoise, { direction: "egress", transport: "noise" });
        g.set(noise.counters.outboundPlain, { direction: "egress", transport: "plain" });
        g.set(noise.counters.inboundNoise, { direction: "ingress", transport: "noise" });
        g.set(noise.counters.inboundPlain, { direction: "ingress", transport: "plain" });
      },
    });
    this.#forwarder = new PacketForwarder({
      dial: noise.dial,
      maxQueuePerHop: debug.maximum_connection_buffer_size,
      connectTimeoutMs: debug.initial_connection_timeout,
      initialBackoffMs: debug.packet_forwarding_initial_backoff,
      maximumBackoffMs: debug.packet_forwarding_maximum_backoff,
      idleTimeoutMs: debug.connection_idle_timeout,
      onDropped: () => metrics.egressDropped(),
      onConnection: (d) => metrics.connection("egress", d),
    });
    this.#topology = new TopologyRefresher({
      nymApiUrls: cfg.nym_api_urls,
      refreshIntervalMs: ctx.config.debug.topology_cache_ttl,
      timeoutMs: 5000,
      onUpdate: (nodes) => noise.updateView(nodes),
      allowNonGlobal: ctx.config.debug.testnet,
    });
    await this.#topology.start();
    if (this.#topology.lastSuccessMs === 0) {
      log.warn("no topology yet: forward-hop packets are dropped until nym-api answers ({apis})", {
        apis: cfg.nym_api_urls.join(", "),
      });
    }
    this.#pipeline = new MixPipeline({
      pool: this.#pool,
      forwarder: this.#forwarder,
      view: this.#topology,
      metrics,
      mixnodeEnabled: ctx.config.modes.mixnode,
      finalHop: this.#finalHop,
      maximumDelayMs: debug.maximum_forward_packet_delay,
      delayQueueCapacity: debug.maximum_delay_queue_size,
      egressFrameVersion: this.#egressFrameVersion,
    });
    this.#rotation = new RotationController({
      nymApiUrls: cfg.nym_api_urls,
      paths: keyPaths,
      keys: ctx.keys,
      crypto: ctx.crypto,
      random: ctx.random,
      clock: ctx.clock,
      pollIntervalMs: cfg.key_rotation.debug.rotation_state_poling_interval,
      hooks: {
        keyAdded: async (key) => {
          if (!this.#replayDisabled) await this.#addFilter(key.rotationId);
        },
        keyRemoved: async (rotationId) => {
          const filter = this.#filtersByRotation.get(rotationId);
          this.#filtersByRotation.delete(rotationId);
          if (filter) this.#filters = this.#filters.filter((f) => f !== filter);
          await this.#store?.removeStale([...this.#filtersByRotation.keys()]);
        },
        keysChanged: (sphinx) => this.#pool?.setKeys(this.#keySet(sphinx)),
      },
    });
    this.#rotation.start();
    const bind = parseSocketAddress(cfg.bind_address);
    this.#listener = new MixnetListener({
      hostname: bind.ip,
      port: bind.port,
      pipeline: this.#pipeline,
      metrics,
      maxConnections: debug.maximum_inbound_connections,
      maxConnectionsPerIp: debug.maximum_inbound_connections_per_ip,
      idleTimeoutMs: debug.connection_idle_timeout,
      maxInFlight: debug.maximum_packets_in_flight,
      upgrade: noise.upgrade,
    });
    ctx.announceListener("mixnet", { hostname: bind.ip, port: this.#listener.addr.port });
    log.info(
      "mixnet ready: {workers} unwrap worker(s), crypto backend {backend}, frames v{version} out",
      {
        workers,
        backend: [...new Set(backends)].join(", "),
        version: this.#egressFrameVersion,
      },
    );
  }

  async #addFilter(rotationId: number): Promise<void> {
    if (!this.#store || this.#filtersByRotation.has(rotationId)) return;
    const filter = await this.#store.loadOrCreate(rotationId);
    this.#filters.push(filter);
    this.#filtersByRotation.set(rotationId, filter);
    // A filter loaded from disk is already persisted as it is.
    if (filter.inserted > 0) this.#flushedCounts.set(filter, filter.inserted);
  }

  #keySet(sphinx: NodeKeys["sphinx"]): NodeKeySet {
    const entry = (k: { rotationId: number; secretKey: Uint8Array }): SphinxKeyEntry => ({
      rotationId: k.rotationId,
      secretKey: k.secretKey,
      filter: this.#filtersByRotation.get(k.rotationId) ?? null,
    });
    return {
      primary: entry(sphinx.primary),
      secondary: sphinx.secondary ? entry(sphinx.secondary) : undefined,
    };
  }

  sendDirect(address: NymNodeRoutingAddress, frame: FrameInit, kind: "forward" | "ack"): boolean {
    if (!this.#pipeline) return false;
    return this.#pipeline.sendDirect(address, frame, kind);
  }

  isKnownNode(host: string, port: number): boolean {
    return this.#topology?.isKnownNode(host, port) ?? false;
  }

  async #flushFilters(): Promise<void> {
    if (!this.#store) return;
    for (const filter of this.#filters) {
      const count = filter.inserted;
      if (this.#flushedCounts.get(filter) === count) continue;
      try {
        await this.#store.flush(filter);
        this.#flushedCounts.set(filter, count);
      } catch (e) {
        log.error("flushing replay filter of rotation {rotation} failed: {error}", {
          rotation: filter.info.rotationId,
          error: (e as Error).message,
        });
      }
    }
  }

  async stop(): Promise<StopReport> {
    clearInterval(this.#flushTimer);
    await this.#rotation?.stop();
    await this.#listener?.close();
    const before = this.#metrics ? this.#metrics.counters.egressDropped : 0;
    this.#pipeline?.close();
    // Give outbound queues a moment to drain before dropping what is left.
    const forwarder = this.#forwarder;
    if (forwarder) {
      const deadline = performance.now() + SHUTDOWN_DRAIN_MS;
      while (forwarder.queued > 0 && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      forwarder.close();
    }
    this.#pool?.close();
    this.#topology?.stop();
    await this.#flushFilters();
    const dropped = (this.#metrics?.counters.egressDropped ?? 0) - before;
    return { dropped, note: `replay filters flushed: ${this.#filters.length}` };
  }
}
