/**
 * The entry-gateway role service (`nym-node.md` §4): client WebSockets on the entry port, the
 * SQLite mailbox and client keys, bandwidth accounting, and final-hop delivery for packets the
 * mixnet listener unwraps here.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { DatabaseSync } from "node:sqlite";
import { z } from "@hono/zod-openapi";
import type { NodeContext, RoleService, StopReport } from "../node/context.ts";
import type { RouteModule } from "../node/http/routes.ts";
import { jsonRoute } from "../node/http/routes.ts";
import { formatted } from "../node/http/respond.ts";
import { isLoopbackIp, parseIp, parseSocketAddress } from "../util/net.ts";
import type { MixPacket } from "../framing/mod.ts";
import type { FinalHopDelivery } from "../mixing/pipeline.ts";
import type { MixnetService } from "../mixing/service.ts";
import type { ZkNymTicketVerifier } from "./protocol/mod.ts";
import { ActiveClients } from "./active_clients.ts";
import { BandwidthLedger } from "./bandwidth_ledger.ts";
import { FinalHopRouter } from "./final_hop.ts";
import { MailboxWriter } from "./mailbox_writer.ts";
import {
  DEFAULT_SESSION_LIMITS,
  runClientSession,
  type SessionCounters,
  type SessionDeps,
} from "./session.ts";
import { openGatewayDatabase } from "./storage/database.ts";
import { ClientStore } from "./storage/clients.ts";
import { Mailbox } from "./storage/mailbox.ts";
import { serveWebSockets, type WebSocketServer } from "./websocket/mod.ts";

const log = getLogger(["nym-node", "gateway"]);

/** How often written-back bandwidth is flushed even without a large delta. */
const BANDWIDTH_FLUSH_INTERVAL_MS = 1000;

const SessionsStats = z.object({
  update_time: z.string(),
  unique_active_users: z.number(),
  sessions_started: z.number(),
  sessions_finished: z.number(),
  active_sessions: z.number(),
  stored_messages: z.number(),
  stored_messages_dropped_over_quota: z.number(),
}).openapi("SessionsStats");

/** A {@linkcode ZkNymTicketVerifier} that may hold resources (a worker, a database). */
export interface GatewayTicketVerifier extends ZkNymTicketVerifier {
  /** Releases them; called once when the gateway stops, after every session has ended. */
  close?(): Promise<void>;
}

/** Options of {@linkcode GatewayService}. */
export interface GatewayServiceOptions {
  /** The mixnet role that receives packets and sends ours. */
  readonly mixnet: MixnetService;
  /**
   * zk-nym ticket verification, when tickets are enforced or accepted; called once at start
   * (a throw fails the start). The composition root (`main.ts`) builds it: `gateway/` does not
   * import `credentials/`.
   */
  readonly ticketVerifier?: (ctx: NodeContext) => GatewayTicketVerifier | undefined;
}

/** The entry gateway. */
export class GatewayService implements RoleService {
  readonly name = "gateway";
  readonly modes = ["entry", "exit"] as const;
  readonly counters: SessionCounters = {
    sessionsStarted: 0,
    sessionsFinished: 0,
    registrations: 0,
    authentications: 0,
    refused: 0,
    packetsForwarded: 0,
    packetsNotForwarded: 0,
    packetsOutOfBandwidth: 0,
    malformedRequests: 0,
    storedMessagesDelivered: 0,
    pushed: 0,
    floodsClosed: 0,
  };
  readonly active = new ActiveClients();
  readonly #o: GatewayServiceOptions;
  #db: DatabaseSync | null = null;
  #mailbox: Mailbox | null = null;
  #writer: MailboxWriter | null = null;
  #ledger: BandwidthLedger | null = null;
  #router: FinalHopRouter | null = null;
  #server: WebSocketServer | null = null;
  #timers: ReturnType<typeof setInterval>[] = [];
  #droppedBeforeStart = 0;
  #clients: ClientStore | null = null;
  #verifier: GatewayTicketVerifier | undefined;
  readonly #trusted = new Set<string>();

  /**
   * Creates the service and registers it as the mixnet's final-hop receiver.
   *
   * @example
   * ```ts no-eval
   * const mixnet = new MixnetService();
   * const roles = [mixnet, new GatewayService({ mixnet })];
   * ```
   */
  constructor(options: GatewayServiceOptions) {
    this.#o = options;
    options.mixnet.setFinalHopHandler((delivery) => this.#onFinalHop(delivery));
  }

  /** The mailbox (null before start). */
  get mailbox(): Mailbox | null {
    return this.#mailbox;
  }

  /** The mailbox writer (null before start); embedded clients deliver through it too. */
  get mailboxWriter(): MailboxWriter | null {
    return this.#writer;
  }

  /**
   * Marks a client of this node itself (the embedded network requester, by its base58 identity)
   * as trusted: when it connects from a loopback address it is exempt from bandwidth accounting,
   * zk-nym enforcement and the packet rate limit (upstream's embedded providers bypass the
   * gateway's client handling altogether, `nym-node.md` §5.1).
   *
   * @example
   * ```ts no-eval
   * gateway.trustLocalClient(encodeBase58(nrKeys.identity.publicKey));
   * ```
   */
  trustLocalClient(identity: string): void {
    this.#trusted.add(identity);
  }

  /** Withdraws {@linkcode trustLocalClient}. */
  untrustLocalClient(identity: string): void {
    this.#trusted.delete(identity);
  }

  #isTrusted(address: string, peer: string): boolean {
    if (!this.#trusted.has(address)) return false;
    try {
      return isLoopbackIp(parseIp(parseSocketAddress(peer).ip));
    } catch {
      return false;
    }
  }

  /** The port the client WebSocket listener is bound to (null before start). */
  get clientsPort(): number | null {
    return this.#server?.addr.port ?? null;
  }

  /** The client-key store (null before start). */
  get clients(): ClientStore | null {
    return this.#clients;
  }

  #onFinalHop(delivery: FinalHopDelivery): void {
    if (!this.#router) {
      this.#droppedBeforeStart++;
      return;
    }
    this.#router.handle(delivery);
  }

  routes(ctx: NodeContext): readonly RouteModule[] {
    return [{
      name: "gateway-sessions",
      routes: [
        jsonRoute(
          {
            path: "/api/v1/metrics/sessions",
            tag: "Metrics",
            summary: "Client sessions at this gateway",
            schema: SessionsStats,
          },
          (c) =>
            formatted(c, {
              update_time: new Date(ctx.clock.now()).toISOString(),
              unique_active_users: this.active.size,
              sessions_started: this.counters.sessionsStarted,
              sessions_finished: this.counters.sessionsFinished,
              active_sessions: this.counters.sessionsStarted - this.counters.sessionsFinished,
              stored_messages: this.#mailbox?.totalStored() ?? 0,
              stored_messages_dropped_over_quota: this.#mailbox?.counters.droppedOverQuota ?? 0,
            }),
        ),
      ],
    }];
  }

  start(ctx: NodeContext): Promise<void> {
    try {
      this.#begin(ctx);
      return Promise.resolve();
    } catch (e) {
      // The daemon stops only roles that started: release what was opened here.
      for (const t of this.#timers.splice(0)) clearInterval(t);
      void this.#server?.close();
      try {
        this.#db?.close();
      } catch { /* already closed */ }
      void this.#verifier?.close?.().catch(() => {});
      this.#verifier = undefined;
      return Promise.reject(e);
    }
  }

  #begin(ctx: NodeContext): void {
    const tasks = ctx.config.gateway_tasks;
    const debug = tasks.debug;
    const mixnet = this.#o.mixnet;
    // First, so that a verifier that cannot be built fails the start before anything is open.
    const verifier = this.#o.ticketVerifier?.(ctx);
    this.#verifier = verifier;
    this.#db = openGatewayDatabase(tasks.storage_paths.clients_storage);
    const clients = new ClientStore(this.#db);
    this.#clients = clients;
    this.#mailbox = new Mailbox(this.#db, ctx.clock, {
      maxMessagesPerClient: debug.maximum_stored_messages_per_client,
      maxMessageSize: 64 * 1024,
    });
    this.#writer = new MailboxWriter(this.#mailbox, {
      batchSize: 500,
      flushDelayMs: 5,
      maxPending: 100_000,
    });
    this.#ledger = new BandwidthLedger(clients, debug.client_bandwidth.max_delta_flushing_amount);
    this.#router = new FinalHopRouter({
      clients: this.active,
      mailbox: this.#writer,
      sendAck: (to, frame) => mixnet.sendDirect(to, frame, "ack"),
      egressFrameVersion: () => mixnet.egressFrameVersion,
    });
    const forward = (packet: MixPacket): boolean => {
      // Like nym-node's routing filter: clients may only send to nodes of the topology.
      if (!mixnet.isKnownNode(packet.nextHop.ip, packet.nextHop.port)) return false;
      return mixnet.sendDirect(packet.nextHop, {
        version: mixnet.egressFrameVersion,
        packetType: packet.packetType,
        keyRotation: packet.keyRotation,
        packet: packet.packet,
      }, "forward");
    };
    const deps: SessionDeps = {
      identity: ctx.keys.current.identity,
      crypto: ctx.crypto,
      random: ctx.random,
      clock: ctx.clock,
      clients,
      mailbox: this.#mailbox,
      mailboxWriter: this.#writer,
      ledger: this.#ledger,
      active: this.active,
      forward,
      enforceZkNyms: tasks.enforce_zk_nyms,
      ticketVerifier: verifier,
      limits: {
        ...DEFAULT_SESSION_LIMITS,
        retrievalPageSize: debug.message_retrieval_limit,
        maxRequestSkewMs: debug.max_request_timestamp_skew,
        maxSendQueueBytes: debug.maximum_client_send_queue,
        maxPacketsPerSecond: debug.maximum_client_packets_per_second,
      },
      counters: this.counters,
      log,
      isTrustedClient: (address, peer) => this.#isTrusted(address, peer),
    };
    this.#registerMetrics(ctx);
    const bind = parseSocketAddress(tasks.ws_bind_address);
    this.#server = serveWebSockets({
      hostname: bind.ip,
      port: bind.port,
      maxConnections: debug.maximum_open_connections,
      handshakeTimeoutMs: 1500,
      maxMessageSize: debug.maximum_client_message_size,
      maxFramePayload: debug.maximum_client_message_size,
      // Twice the push threshold: sessions switch to the mailbox first, sends fail only beyond.
      maxQueuedBytes: 2 * debug.maximum_client_send_queue,
      // Dead TCP peers are found by pinging clients that went quiet.
      idleTimeoutMs: 5 * 60_000,
      idleAction: "ping",
      onConnection: (conn) => runClientSession(conn, conn[Symbol.asyncIterator](), deps),
    });
    ctx.announceListener("entry", { hostname: bind.ip, port: this.#server.addr.port });
    const mailbox = this.#mailbox;
    this.#timers.push(setInterval(() => {
      const removed = mailbox.expire(debug.stale_messages.max_age);
      if (removed > 0) {
        log.info("expired {removed} stored messages older than {age} ms", {
          removed,
          age: debug.stale_messages.max_age,
        });
      }
    }, debug.stale_messages.cleaner_run_interval));
    const ledger = this.#ledger;
    this.#timers.push(setInterval(() => ledger.flushAll(), BANDWIDTH_FLUSH_INTERVAL_MS));
    log.info(
      "entry gateway ready: {stored} stored messages, zk-nym enforcement {enforce}, tickets {tickets}",
      {
        stored: mailbox.totalStored(),
        enforce: tasks.enforce_zk_nyms ? "on" : "off",
        tickets: verifier ? "accepted" : "refused",
      },
    );
  }

  #registerMetrics(ctx: NodeContext): void {
    const c = this.counters;
    const m = ctx.metrics;
    m.gauge("network_active_ingress_web_socket_connections", "Client websocket connections", {
      collect: (g) => g.set(this.#server?.connections ?? 0),
    });
    m.gauge("entry_client_sessions", "Client sessions by state", {
      labelNames: ["state"],
      collect: (g) => {
        g.set(c.sessionsStarted, { state: "started" });
        g.set(c.sessionsFinished, { state: "finished" });
        g.set(this.active.size, { state: "active" });
      },
    });
    m.gauge("entry_client_packets", "Client packets by outcome", {
      labelNames: ["outcome"],
      collect: (g) => {
        g.set(c.packetsForwarded, { outcome: "forwarded" });
        g.set(c.packetsNotForwarded, { outcome: "not_forwarded" });
        g.set(c.packetsOutOfBandwidth, { outcome: "out_of_bandwidth" });
        g.set(c.malformedRequests, { outcome: "malformed" });
        g.set(c.floodsClosed, { outcome: "flood_closed" });
      },
    });
    // Refusals are counted where they happen: the HTTP upgrade and frame layer here, requests
    // in the sessions (CONTRIBUTING.md: bad input gets a clear error or a counted drop).
    m.gauge("entry_client_websocket_upgrades", "Client WebSocket connections by outcome", {
      labelNames: ["outcome"],
      collect: (g) => {
        const s = this.#server?.stats;
        if (!s) return;
        g.set(s.upgraded, { outcome: "upgraded" });
        g.set(s.refused, { outcome: "refused_over_limit" });
        g.set(s.handshakeFailures, { outcome: "handshake_failed" });
        g.set(s.handshakeTimeouts, { outcome: "handshake_timed_out" });
        g.set(s.frameErrors, { outcome: "frame_error" });
        g.set(s.handlerErrors, { outcome: "handler_error" });
      },
    });
    m.gauge("entry_client_authentications", "Client registrations and authentications", {
      labelNames: ["outcome"],
      collect: (g) => {
        g.set(c.registrations, { outcome: "registered" });
        g.set(c.authentications, { outcome: "authenticated" });
        g.set(c.refused, { outcome: "refused" });
      },
    });
    m.gauge(
      "mixnet_egress_stored_on_disk_final_hop_packets",
      "Final-hop messages stored for offline clients",
      {
        collect: (g) => g.set(this.#router?.counters.stored ?? 0),
      },
    );
    m.gauge("gateway_mailbox", "Offline mailbox", {
      labelNames: ["kind"],
      collect: (g) => {
        const counters = this.#mailbox?.counters;
        if (!counters) return;
        g.set(this.#mailbox!.totalStored(), { kind: "stored_now" });
        g.set(counters.droppedOverQuota, { kind: "dropped_over_quota" });
        g.set(counters.delivered, { kind: "delivered" });
        g.set(counters.expired, { kind: "expired" });
        g.set(this.#writer?.droppedPending ?? 0, { kind: "dropped_pending" });
      },
    });
    m.gauge("process_final_hop_packets", "Final-hop packets by outcome", {
      labelNames: ["outcome"],
      collect: (g) => {
        const r = this.#router?.counters;
        if (!r) return;
        g.set(r.deliveredLive, { outcome: "delivered_live" });
        g.set(r.stored, { outcome: "stored" });
        g.set(r.storedBecauseBusy, { outcome: "stored_client_busy" });
        g.set(r.acksForwarded, { outcome: "ack_forwarded" });
        g.set(r.malformed, { outcome: "malformed" });
        g.set(this.#droppedBeforeStart, { outcome: "dropped_before_start" });
      },
    });
  }

  async stop(): Promise<StopReport> {
    for (const t of this.#timers) clearInterval(t);
    await this.#server?.close();
    this.#writer?.close();
    this.#ledger?.flushAll();
    const pending = this.#writer?.droppedPending ?? 0;
    try {
      this.#db?.close();
    } catch { /* already closed */ }
    const verifier = this.#verifier;
    this.#verifier = undefined;
    try {
      await verifier?.close?.();
    } catch (e) {
      log.warn("closing the zk-nym verifier failed: {error}", { error: (e as Error).message });
    }
    return { dropped: pending, note: `sessions served: ${this.counters.sessionsStarted}` };
  }
}
