/**
 * The exit role (`nym-node.md` §5.1–5.2): the embedded network requester. It is a full Nym client
 * (our client core, `client/`) with its own persistent keys at
 * `[service_providers.storage_paths.network_requester]`, registered at this node's own gateway
 * over a loopback WebSocket, where it is trusted (no bandwidth accounting, no zk-nym
 * enforcement, no rate limit; `GatewayService.trustLocalClient`). Its address is
 * `<nr identity>.<nr x25519>@<this node's identity>`, served at `GET /api/v1/network-requester`,
 * from where the directory publishes it.
 *
 * Because the client needs the directory's topology (which lists this node only after it has
 * polled it), the client is started in the background and retried until it is up; the address
 * and HTTP routes are available at once. Poisson and cover traffic are off, as upstream's
 * embedded providers have them (`disable_poisson_rate`).
 *
 * Exit policy: `service_providers.open_proxy` = none; otherwise
 * `service_providers.network_requester.exit_policy_file` if set, else `upstream_exit_policy_url`
 * (with `--local`, only a loopback URL is fetched, so local networks never reach the internet),
 * else the built-in default. See `exit_decision.ts` for `allow_local_ips`.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { z } from "@hono/zod-openapi";
import { encodeBase58 } from "../crypto/base58.ts";
import type { NodeContext, RoleService, StopReport } from "../node/context.ts";
import { jsonRoute, type RouteModule } from "../node/http/routes.ts";
import { errorResponse, formatted } from "../node/http/respond.ts";
import type { NodeConfig } from "../config/schema.ts";
import type { GatewayService } from "../gateway/service.ts";
import {
  clientAddress,
  type ClientKeys,
  formatRecipient,
  generateClientKeys,
  mergeOverrides,
  MixnetClient,
  noCoverOverrides,
  type Recipient,
  validateClientKeys,
} from "../client/mod.ts";
import { noDelayWebSocketFactory } from "../client/gateway/deno_websocket.ts";
import { isLoopbackIp, parseIp } from "../util/net.ts";
import { denoDialer } from "./dialer.ts";
import {
  NetworkRequester,
  type NrDialer,
  type NrLimits,
  type NrTransport,
} from "./network_requester.ts";
import { type PolicySource, PolicyStore } from "./policy_source.ts";
import { ProviderClientStorage } from "./storage.ts";

const NetworkRequesterDetails = z.object({
  encoded_identity_key: z.string(),
  encoded_x25519_key: z.string(),
  address: z.string(),
}).openapi("NetworkRequesterDetails");

const NetworkRequesterStatus = z.object({
  client_connected: z.boolean(),
  client_starts: z.number(),
  client_failures: z.number(),
}).openapi("NetworkRequesterStatus");

const ExitPolicyDetails = z.object({
  enabled: z.boolean(),
  upstream_source: z.string(),
  last_updated: z.number(),
  policy: z.object({ rules: z.array(z.unknown()) }).nullable(),
}).openapi("UsedExitPolicy");

/**
 * Chooses the exit policy source from the config (see the module documentation).
 *
 * @example
 * ```ts no-eval
 * import { policySourceFor } from "./service.ts";
 * policySourceFor(config, true); // { kind: "default" } for the mainnet URL with --local
 * ```
 */
export function policySourceFor(config: NodeConfig, local: boolean): PolicySource {
  const sp = config.service_providers;
  if (sp.open_proxy) return { kind: "open" };
  const file = sp.network_requester.exit_policy_file;
  if (file) return { kind: "file", path: file };
  const url = sp.upstream_exit_policy_url;
  if (local) {
    let loopback = false;
    try {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
      loopback = host === "localhost" || isLoopbackIp(parseIp(host));
    } catch { /* a name: not loopback */ }
    if (!loopback) return { kind: "default" };
  }
  return { kind: "url", url };
}

/** The embedded client as the requester's transport (a no-op until the client is up). */
class ClientTransport implements NrTransport {
  client: MixnetClient | null = null;
  send(recipient: Recipient, message: Uint8Array, connectionId?: bigint): void {
    if (!this.client) throw new Error("the network requester's client is not connected");
    this.client.send(recipient, message, { connectionId });
  }
  reply(senderTag: Uint8Array, message: Uint8Array, connectionId?: bigint): void {
    if (!this.client) throw new Error("the network requester's client is not connected");
    this.client.reply(senderTag, message, { connectionId });
  }
  laneQueueLength(connectionId: bigint): number {
    return this.client?.laneQueueLength(connectionId) ?? 0;
  }
  closeConnection(connectionId: bigint): void {
    this.client?.closeConnection(connectionId);
  }
}

/** What the exit role needs from this node's gateway (`GatewayService`). */
export type ExitGateway = Pick<
  GatewayService,
  "clientsPort" | "trustLocalClient" | "untrustLocalClient"
>;

/** Options of {@linkcode ExitService}. */
export interface ExitServiceOptions {
  /** This node's gateway, which the network requester connects to. */
  readonly gateway: ExitGateway;
  /** DNS and TCP (default: the real ones). */
  readonly dialer?: NrDialer;
  /** Limits of the requester. */
  readonly limits?: Partial<NrLimits>;
  /** Retry delays of the client start, ms (default 1 s doubling up to 15 s; 2 s in testnet mode). */
  readonly retryDelayMs?: { readonly initial: number; readonly max: number };
}

/**
 * The exit role service.
 *
 * @example
 * ```ts no-eval
 * const mixnet = new MixnetService();
 * const gateway = new GatewayService({ mixnet });
 * const roles = [mixnet, gateway, new ExitService({ gateway })];
 * ```
 */
export class ExitService implements RoleService {
  readonly name = "exit";
  readonly modes = ["exit"] as const;
  readonly #o: ExitServiceOptions;
  #keys: ClientKeys | null = null;
  #address: Recipient | null = null;
  #policy: PolicyStore | null = null;
  #nr: NetworkRequester | null = null;
  readonly #transport = new ClientTransport();
  #abort = new AbortController();
  #starter: Promise<void> | null = null;
  #log: Logger | null = null;
  #clientStarts = 0;
  #clientFailures = 0;

  /** The exit role, connecting to `options.gateway`. */
  constructor(options: ExitServiceOptions) {
    this.#o = options;
  }

  /** The network requester's address (null before start). */
  get address(): Recipient | null {
    return this.#address;
  }

  /** The requester (null before start). */
  get networkRequester(): NetworkRequester | null {
    return this.#nr;
  }

  /** The policy store (null before start). */
  get policy(): PolicyStore | null {
    return this.#policy;
  }

  /** Whether the embedded client is connected to the gateway. */
  get clientConnected(): boolean {
    return this.#transport.client !== null && !this.#transport.client.stopped;
  }

  routes(_ctx: NodeContext): readonly RouteModule[] {
    return [{
      name: "exit",
      routes: [
        jsonRoute(
          {
            path: "/api/v1/network-requester",
            tag: "Exit",
            summary: "The embedded network requester's keys and Nym address",
            schema: NetworkRequesterDetails,
            errors: { 501: "the network requester is not running" },
          },
          (c) => {
            const keys = this.#keys, address = this.#address;
            if (!keys || !address) {
              return errorResponse(501, "the network requester is not running");
            }
            return formatted(c, {
              encoded_identity_key: encodeBase58(keys.identity.publicKey),
              encoded_x25519_key: encodeBase58(keys.encryption.publicKey),
              address: formatRecipient(address),
            });
          },
        ),
        jsonRoute(
          {
            // Not a nym-node route: tells a localnet (or a health check) when the requester
            // can answer, i.e. its embedded client is connected to this gateway.
            path: "/api/v1/network-requester/status",
            tag: "Exit",
            summary: "Whether the embedded network requester is connected to its gateway",
            schema: NetworkRequesterStatus,
          },
          (c) =>
            formatted(c, {
              client_connected: this.clientConnected,
              client_starts: this.#clientStarts,
              client_failures: this.#clientFailures,
            }),
        ),
        jsonRoute(
          {
            path: "/api/v1/network-requester/exit-policy",
            tag: "Exit",
            summary: "The exit policy in force",
            schema: ExitPolicyDetails,
            errors: { 501: "the network requester is not running" },
          },
          (c) => {
            const store = this.#policy;
            if (!store) return errorResponse(501, "the network requester is not running");
            const policy = store.policy;
            return formatted(c, {
              enabled: true,
              upstream_source: store.upstream,
              last_updated: Math.floor(store.lastUpdated / 1000),
              // Upstream's `AddressPolicy` serde shape (the Rust node always sends null here).
              policy: policy === null ? null : {
                rules: policy.toWire().map((r) => ({
                  action: r.action,
                  pattern: { ip_pattern: r.ipPattern, ports: r.ports },
                })),
              },
            });
          },
        ),
      ],
    }];
  }

  async start(ctx: NodeContext): Promise<void> {
    const log = ctx.logger.getChild("exit");
    this.#log = log;
    const sp = ctx.config.service_providers;
    const storage = new ProviderClientStorage(sp.storage_paths.network_requester);
    let keys = await storage.loadKeys();
    if (keys === null) {
      keys = generateClientKeys(ctx.crypto, ctx.random);
      await storage.storeKeys(keys);
      log.info("created the network requester's keys");
    }
    validateClientKeys(ctx.crypto, keys);
    this.#keys = keys;
    const gatewayIdentity = ctx.keys.current.identity.publicKey;
    this.#address = clientAddress(keys, gatewayIdentity);
    const identityText = encodeBase58(keys.identity.publicKey);
    this.#o.gateway.trustLocalClient(identityText);

    const source = policySourceFor(ctx.config, ctx.local);
    const store = new PolicyStore({ source, clock: ctx.clock, logger: log });
    this.#policy = store;
    if (source.kind === "file") await store.refresh();
    else if (source.kind === "url") void store.refresh();
    else if (source.kind === "default") {
      log.info("using the built-in default exit policy");
    }
    store.start();

    this.#nr = new NetworkRequester({
      transport: this.#transport,
      dialer: this.#o.dialer ?? denoDialer(),
      policy: store,
      allowLocalIps: sp.network_requester.allow_local_ips,
      openProxy: sp.open_proxy,
      clock: ctx.clock,
      logger: log.getChild("network-requester"),
      limits: this.#o.limits,
      buildInformation: {
        kind: "binary-info",
        binaryName: ctx.buildInformation.binary_name,
        buildInformation: ctx.buildInformation,
      },
    });
    this.#registerMetrics(ctx);
    this.#abort = new AbortController();
    this.#starter = this.#runClient(ctx, storage, identityText, encodeBase58(gatewayIdentity));
    log.info("network requester {address} (exit policy: {policy}, allow_local_ips {local})", {
      address: formatRecipient(this.#address),
      policy: source.kind === "open" ? "open proxy" : store.upstream || "built-in default",
      local: sp.network_requester.allow_local_ips,
    });
  }

  /** Starts the embedded client, retrying until it is up or the service stops. */
  async #runClient(
    ctx: NodeContext,
    storage: ProviderClientStorage,
    identity: string,
    gatewayIdentity: string,
  ): Promise<void> {
    const log = this.#log!;
    const signal = this.#abort.signal;
    // The client can start only once the directory lists this gateway; on a local testnet
    // that happens seconds after start, so retry often there instead of backing off to 15 s.
    const delays = this.#o.retryDelayMs ??
      { initial: 1000, max: ctx.config.debug.testnet ? 2000 : 15_000 };
    let delay = delays.initial;
    const delayMs = ctx.config.service_providers.network_requester.average_packet_delay;
    while (!signal.aborted) {
      const port = this.#o.gateway.clientsPort;
      if (port !== null) {
        this.#clientStarts++;
        try {
          const loopback = `ws://127.0.0.1:${port}/`;
          const client = await MixnetClient.start({
            nymApiUrls: ctx.config.mixnet.nym_api_urls,
            crypto: ctx.crypto,
            storage,
            gateway: gatewayIdentity,
            random: ctx.random,
            clock: ctx.clock,
            logger: log.getChild("client"),
            // Whatever URL the directory announces, talk to our own gateway over loopback.
            webSocket: () => noDelayWebSocketFactory(loopback),
            config: mergeOverrides(noCoverOverrides(), {
              traffic: { averagePacketDelayMs: delayMs },
              acknowledgements: { averageAckDelayMs: delayMs },
              // A download is answered entirely through the sender's reply SURBs: a window of
              // 200 (the client default) caps anonymous downloads at ~200 packets per SURB
              // round trip. 5000 stored SURBs cost ~2 MB per busy sender.
              replySurbs: {
                maximumReplySurbRequestSize: 500,
                maximumReplySurbStorageThreshold: 5000,
              },
            }),
          });
          if (signal.aborted) {
            await client.stop();
            return;
          }
          client.on("message", (m) => this.#nr?.handleMessage(m.message, m.senderTag));
          this.#transport.client = client;
          log.info("network requester client {identity} connected to its gateway", { identity });
          return;
        } catch (e) {
          this.#clientFailures++;
          log.info("network requester client not started yet ({error}); retrying in {delay} ms", {
            error: (e as Error).message,
            delay,
          });
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      delay = Math.min(delays.max, delay * 2);
    }
  }

  #registerMetrics(ctx: NodeContext): void {
    const m = ctx.metrics;
    const counters = () => this.#nr?.counters;
    m.gauge("network_requester_requests", "Network requester requests by kind", {
      labelNames: ["kind"],
      collect: (g) => {
        const c = counters();
        if (!c) return;
        g.set(c.requestsConnect, { kind: "connect" });
        g.set(c.requestsSend, { kind: "send" });
        g.set(c.requestsQuery, { kind: "query" });
        g.set(c.requestsControl, { kind: "control" });
        g.set(c.malformed, { kind: "malformed" });
        g.set(c.unanswerable, { kind: "unanswerable" });
      },
    });
    m.gauge("network_requester_connections", "Network requester connections", {
      labelNames: ["state"],
      collect: (g) => {
        const c = counters();
        if (!c) return;
        g.set(this.#nr!.openConnections, { state: "open" });
        g.set(c.connectionsOpened, { state: "opened_total" });
        g.set(c.connectionsClosed, { state: "closed_total" });
        g.set(c.idleClosed, { state: "idle_closed_total" });
      },
    });
    m.gauge("network_requester_refused", "Connects refused, by reason", {
      labelNames: ["reason"],
      collect: (g) => {
        const c = counters();
        if (!c) return;
        g.set(c.deniedPolicy, { reason: "exit_policy" });
        g.set(c.deniedLocal, { reason: "local_address" });
        g.set(c.deniedLimit, { reason: "limit" });
        g.set(c.dnsFailures, { reason: "dns" });
        g.set(c.connectFailures, { reason: "connect" });
      },
    });
    m.gauge("network_requester_bytes", "Bytes proxied, by direction", {
      labelNames: ["direction"],
      collect: (g) => {
        const c = counters();
        if (!c) return;
        g.set(c.bytesFromClients, { direction: "from_clients" });
        g.set(c.bytesToClients, { direction: "to_clients" });
      },
    });
    m.gauge("network_requester_exit_policy", "Exit policy (re)loads and failed reloads", {
      labelNames: ["event"],
      collect: (g) => {
        const p = this.#policy?.counters;
        if (!p) return;
        g.set(p.loads, { event: "loaded" });
        g.set(p.failures, { event: "failed" });
      },
    });
    m.gauge("network_requester_client", "The embedded client: starts, failed starts, connected", {
      labelNames: ["state"],
      collect: (g) => {
        g.set(this.#clientStarts, { state: "starts" });
        g.set(this.#clientFailures, { state: "failed_starts" });
        g.set(this.clientConnected ? 1 : 0, { state: "connected" });
      },
    });
  }

  async stop(): Promise<StopReport> {
    this.#abort.abort();
    await this.#starter?.catch(() => {});
    const open = this.#nr?.openConnections ?? 0;
    this.#nr?.stop();
    this.#policy?.stop();
    const client = this.#transport.client;
    this.#transport.client = null;
    await client?.stop().catch(() => {});
    if (this.#keys) this.#o.gateway.untrustLocalClient(encodeBase58(this.#keys.identity.publicKey));
    return {
      dropped: open,
      note: `connections served: ${this.#nr?.counters.connectionsOpened ?? 0}`,
    };
  }
}
