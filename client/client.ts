/**
 * The mixnet client core (`clients.md` §1–§3, §6): one object that owns the client's keys,
 * gateway session, topology, traffic streams, acknowledgements, reply SURBs and statistics.
 * Browser-safe: all I/O goes through the injected `fetch`, `WebSocket` factory and
 * {@linkcode ClientStorage}; crypto, randomness and time are injected too.
 *
 * Lifecycle (`clients.md` §1.3): load or create keys → load or make the gateway registration
 * (choosing a gateway from nym-api) → fetch the topology (it must be routable and list our
 * gateway) → authenticate with the gateway → start the streams. Then:
 *
 * - **Real stream**: queued packets leave on a Poisson schedule (mean 20 ms × back-pressure
 *   multiplier), a loop cover packet filling every tick with nothing queued; or, with
 *   `disableMainPoissonPacketDistribution`, as soon as they exist. Lanes are scheduled as
 *   upstream does.
 * - **Loop cover stream**: a cover packet to ourselves every `Exp(200 ms)`.
 * - **Acks**: each real packet's timer starts when it leaves; on timeout the fragment is resent
 *   with a new route and SURB-ack (replies with a new SURB), up to its retransmission limit.
 * - **Replies**: anonymous senders' SURBs are stored per sender tag and replenished.
 * - **Topology**: refreshed every 5 min; kept through up to 10 failed refreshes.
 * - **Gateway**: reconnected after a drop (10 attempts, 5 s apart).
 * - **Bandwidth**: topped up below 40 MB by the gateway connection: free testnet bandwidth, or,
 *   at gateways that enforce zk-nyms, one zk-nym ticket at a time from `options.credentials`
 *   (a ticketbook is obtained from the signers when none is left; `client/tickets.ts`). Without
 *   bandwidth `start` fails with a {@linkcode BandwidthError}; later failures are reported as
 *   `bandwidthError` events.
 *
 * @module
 */
import { getLogger, type Logger } from "@logtape/logtape";
import { encodeBase58 } from "../crypto/base58.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { type RandomSource, systemRandom } from "../crypto/random.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import {
  formatRecipient,
  formatSenderTag,
  type Fragment,
  fragmentIdentifier,
  MessageError,
  type NymMessage,
  parseRecipient,
  parseSenderTag,
  prepareFragments,
  type Recipient,
} from "../message/mod.ts";
import { ackTimeoutMs, PendingAcks } from "./acks/pending_acks.ts";
import { type ClientConfig, type ClientConfigOverrides, resolveClientConfig } from "./config.ts";
import { BandwidthError, ClientError, SendError, TopologyError } from "./errors.ts";
import {
  AuthenticationRefusedError,
  GatewayConnection,
  registerWithGateway,
} from "./gateway/connection.ts";
import type { WebSocketFactory } from "./gateway/socket.ts";
import { type ClientCredentialsOptions, ClientTickets } from "./tickets.ts";
import { clientAddress, type ClientKeys, generateClientKeys, validateClientKeys } from "./keys.ts";
import { type BuiltPacket, PacketBuilder, receivedSurbs } from "./packets.ts";
import { PacketReceiver } from "./receiver.ts";
import {
  NoReplySurbsError,
  type ReplyAction,
  ReplyController,
} from "./replies/reply_controller.ts";
import {
  type ReceivedSurb,
  ReceivedSurbStore,
  ReplyKeyStore,
  SenderTagStore,
  tagKey,
} from "./replies/stores.ts";
import {
  type ClientCounters,
  type ClientStatsSnapshot,
  emptyCounters,
  statsSnapshot,
} from "./stats.ts";
import {
  type ClientStorage,
  type GatewayRegistration,
  MemoryClientStorage,
} from "./storage/storage.ts";
import { gatewayWebSocketUrl, selectGateway } from "./topology/gateway_selection.ts";
import { type FetchFunction, NymApiClient } from "./topology/nym_api.ts";
import type { NymTopology } from "./topology/topology.ts";
import { connectionLane, LaneQueues, type TransmissionLane } from "./traffic/lanes.ts";
import { PoissonTicker, sampleExponentialMs } from "./traffic/poisson.ts";
import { SendingDelayController } from "./traffic/sending_delay.ts";

/** How a client starts. */
export interface MixnetClientOptions {
  /** nym-api base URLs (tried in turn). */
  readonly nymApiUrls: readonly string[];
  /** Crypto backend: `createNobleProvider()` in browsers, `createCryptoProvider()` in Deno. */
  readonly crypto: CryptoProvider;
  /** Where keys, the registration and reply state live. Default: in memory (ephemeral). */
  readonly storage?: ClientStorage;
  /** Settings on top of the reference defaults (see `config.ts` for presets). */
  readonly config?: ClientConfigOverrides;
  /** Base58 identity of the gateway to use; default: the registered one, else a random one. */
  readonly gateway?: string;
  /** Only choose gateways reachable over `wss://`. */
  readonly forceTls?: boolean;
  readonly random?: RandomSource;
  readonly clock?: Clock;
  readonly fetch?: FetchFunction;
  readonly webSocket?: WebSocketFactory;
  readonly logger?: Logger;
  /**
   * zk-nym tickets for gateways that enforce them (`enforce_zk_nyms`): the signers to obtain
   * ticketbooks from and where to keep them. Without it the client only claims free bandwidth,
   * and such gateways refuse it with a {@linkcode BandwidthError}.
   */
  readonly credentials?: ClientCredentialsOptions;
}

/** Per-message options. */
export interface SendOptions {
  /**
   * The application connection this message belongs to: it gets its own lane (as SOCKS5
   * streams do) and {@linkcode MixnetClient.laneQueueLength} reports its backlog.
   */
  readonly connectionId?: bigint;
  /** Retransmission limit for this message (`null` = unlimited; replies default to 10). */
  readonly maxRetransmissions?: number | null;
}

/** What {@linkcode MixnetClient.send} and friends report. */
export interface SendReceipt {
  /** Packets the message was split into. */
  readonly packets: number;
  /** The lane they were queued on. */
  readonly lane: TransmissionLane;
}

/** A message delivered to the application. */
export interface ReceivedMessage {
  /**
   * `plain`: sent with `send` (the sender is unknown); `anonymous`: sent with `sendAnonymous`
   * — answer it with `reply(senderTag, ...)`; `reply`: an answer to our own anonymous message.
   */
  readonly kind: "plain" | "anonymous" | "reply";
  readonly message: Uint8Array;
  /** The anonymous sender's tag (16 bytes) for `anonymous` messages, else `null`. */
  readonly senderTag: Uint8Array | null;
}

/** A fragment that was given up after its retransmission limit. */
export interface SendFailure {
  /** `recipient` for regular and anonymous messages, `reply` for replies. */
  readonly destination: string;
  readonly retransmissions: number;
}

/** Gateway connection changes. */
export interface GatewayStatus {
  readonly connected: boolean;
  readonly reason: string;
}

interface ClientEventMap {
  message: ReceivedMessage;
  sendFailed: SendFailure;
  gatewayStatus: GatewayStatus;
  /** The gateway gives no bandwidth (e.g. no zk-nym ticket could be had); packets are refused. */
  bandwidthError: BandwidthError;
}

type Destination =
  | { readonly kind: "recipient"; readonly recipient: Recipient }
  | { readonly kind: "reply"; readonly tag: string; readonly surbRequest: boolean };

/** A fragment tracked until acked. */
interface PendingEntry {
  readonly fragment: Fragment;
  readonly destination: Destination;
  retransmissions: number;
  readonly maxRetransmissions: number | null;
}

/** A packet to build and send: a fragment, plus the SURB for replies. */
interface OutJob {
  readonly entry: PendingEntry;
  readonly surb?: ReceivedSurb;
}

const REPLY_STATE_VERSION = 1;
const MAINTENANCE_INTERVAL_MS = 1000;
const REPLY_INSPECTION_EVERY_MS = 5000;
const REASSEMBLY_EXPIRY_EVERY_MS = 10_000;
const REPLY_STATE_SAVE_EVERY_MS = 60_000;
const SURB_BATCH = 100;
const DEFAULT_REPLY_RETRANSMISSIONS = 10;
const YIELD_EVERY_PACKETS = 8;

/** A macrotask yield without timer clamping (MessageChannel), so I/O runs between bursts. */
class Yielder {
  readonly #channel = new MessageChannel();
  readonly #waiters: (() => void)[] = [];

  constructor() {
    this.#channel.port1.onmessage = () => this.#waiters.shift()?.();
  }

  yield(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#channel.port2.postMessage(null);
    });
  }

  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** Keys and registration, as {@linkcode prepareClientIdentity} returns them. */
export interface ClientIdentity {
  readonly keys: ClientKeys;
  readonly registration: GatewayRegistration;
  readonly address: Recipient;
  /** Whether new keys were generated. */
  readonly createdKeys: boolean;
  /** Whether a new gateway registration was made. */
  readonly registered: boolean;
}

/**
 * Loads or creates the client's keys and gateway registration (upstream `init`): a new client
 * gets fresh keys; without a registration (or when `options.gateway` names another gateway) a
 * gateway is chosen from nym-api and registered with. Used by {@linkcode MixnetClient.start} and
 * by `nym-node client init`.
 *
 * @example
 * ```ts no-eval
 * const { address } = await prepareClientIdentity({ nymApiUrls, crypto, storage });
 * formatRecipient(address);
 * ```
 * @throws {ClientError} subclasses for storage, nym-api, selection or registration failures.
 */
export async function prepareClientIdentity(
  options: MixnetClientOptions,
  api?: NymApiClient,
): Promise<ClientIdentity> {
  const config = resolveClientConfig(options.config);
  const random = options.random ?? systemRandom;
  const clock = options.clock ?? systemClock;
  const storage = options.storage ?? new MemoryClientStorage();
  let keys = await storage.loadKeys();
  let createdKeys = false;
  if (keys === null) {
    keys = generateClientKeys(options.crypto, random);
    await storage.storeKeys(keys);
    createdKeys = true;
  }
  validateClientKeys(options.crypto, keys);
  let registration = await storage.loadGatewayRegistration();
  if (
    registration !== null && options.gateway !== undefined &&
    encodeBase58(registration.gatewayIdentity) !== options.gateway
  ) {
    registration = null;
  }
  let registered = false;
  if (registration === null) {
    const nymApi = api ?? new NymApiClient({
      urls: options.nymApiUrls,
      fetch: options.fetch,
      timeoutMs: config.topology.topologyResolutionTimeoutMs,
    });
    const { nodes } = await nymApi.entryGateways();
    const chosen = selectGateway(nodes, {
      preferred: options.gateway,
      forceTls: options.forceTls,
      minimumPerformance: config.topology.minimumGatewayPerformance,
      random,
    });
    const result = await registerWithGateway({
      url: chosen.url,
      gatewayIdentity: chosen.node.identity,
      identity: keys.identity,
      crypto: options.crypto,
      random,
      webSocket: options.webSocket,
      timeoutMs: config.gatewayConnection.gatewayResponseTimeoutMs,
    });
    registration = {
      gatewayIdentity: chosen.node.identity,
      gatewayUrl: chosen.url,
      sharedKey: result.sharedKey,
      registeredAtMs: clock.now(),
    };
    await storage.storeGatewayRegistration(registration);
    registered = true;
  }
  return {
    keys,
    registration,
    address: clientAddress(keys, registration.gatewayIdentity),
    createdKeys,
    registered,
  };
}

/**
 * A running mixnet client.
 *
 * @example
 * ```ts no-eval
 * import { createNobleProvider } from "../crypto/backends/noble.ts";
 * const client = await MixnetClient.start({ nymApiUrls: ["http://127.0.0.1:8000/"], crypto: createNobleProvider() });
 * client.on("message", (m) => console.log(new TextDecoder().decode(m.message)));
 * await client.send(client.address, new TextEncoder().encode("hello"));
 * await client.stop();
 * ```
 */
export class MixnetClient {
  /** The client's address. */
  readonly address: Recipient;
  /** Its text form, `id.enc@gateway`. */
  readonly addressText: string;
  /** The settings in force. */
  readonly config: ClientConfig;

  readonly #crypto: CryptoProvider;
  readonly #random: RandomSource;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #storage: ClientStorage;
  readonly #api: NymApiClient;
  readonly #abort: AbortController;
  readonly #keys: ClientKeys;
  #registration: GatewayRegistration;
  readonly #options: MixnetClientOptions;

  #topology: NymTopology | null;
  #refreshFailures = 0;
  #gateway: GatewayConnection | null = null;
  readonly #tickets: ClientTickets | null;
  #reconnecting = false;
  #stopped = false;

  readonly #builder: PacketBuilder;
  readonly #receiver: PacketReceiver;
  readonly #queue: LaneQueues<OutJob>;
  readonly #pending = new PendingAcks<PendingEntry>();
  readonly #senderTags = new SenderTagStore();
  readonly #replyKeys = new ReplyKeyStore();
  readonly #surbStore = new ReceivedSurbStore();
  readonly #replies: ReplyController<PendingEntry>;
  readonly #delay: SendingDelayController;
  readonly #ticker: PoissonTicker;
  readonly #yielder = new Yielder();
  readonly #counters: ClientCounters = emptyCounters();
  readonly #startedAt: number;

  readonly #listeners: { [K in keyof ClientEventMap]: Set<(e: ClientEventMap[K]) => void> } = {
    message: new Set(),
    sendFailed: new Set(),
    gatewayStatus: new Set(),
    bandwidthError: new Set(),
  };
  readonly #unread: ReceivedMessage[] = [];

  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #tickTimer: ReturnType<typeof setTimeout> | undefined;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #ackTimerAt: number | undefined;
  #draining = false;
  #maintenanceTicks = 0;
  #replyStateDirty = false;

  private constructor(
    options: MixnetClientOptions,
    config: ClientConfig,
    api: NymApiClient,
    abort: AbortController,
    identity: ClientIdentity,
    topology: NymTopology,
  ) {
    this.#options = options;
    this.config = config;
    this.#crypto = options.crypto;
    this.#random = options.random ?? systemRandom;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? getLogger(["nym-node", "client"]);
    this.#storage = options.storage ?? new MemoryClientStorage();
    this.#api = api;
    this.#abort = abort;
    this.#keys = identity.keys;
    this.#registration = identity.registration;
    this.address = identity.address;
    this.addressText = formatRecipient(identity.address);
    this.#topology = topology;
    this.#startedAt = this.#clock.now();
    this.#builder = new PacketBuilder({
      crypto: this.#crypto,
      random: this.#random,
      keys: this.#keys,
      address: this.address,
      topology: () => this.#topology,
      averagePacketDelayMs: config.traffic.averagePacketDelayMs,
      averageAckDelayMs: config.acknowledgements.averageAckDelayMs,
      useLegacySphinxFormat: config.traffic.useLegacySphinxFormat,
      coverPacketSize: config.traffic.primaryPacketSize,
    });
    this.#receiver = new PacketReceiver({
      crypto: this.#crypto,
      encryptionSecretKey: this.#keys.encryption.secretKey,
      ackKey: this.#keys.ackKey,
      replyKeys: this.#replyKeys,
      clock: this.#clock,
      maxMessageBytes: config.receive.maximumMessageBytes,
    });
    this.#queue = new LaneQueues({ random: this.#random, clock: this.#clock });
    this.#replies = new ReplyController<PendingEntry>({
      store: this.#surbStore,
      config: config.replySurbs,
      random: this.#random,
      clock: this.#clock,
      isPending: (entry) => this.#pending.get(fragmentIdentifier(entry.fragment)) === entry,
      fragmentOf: (entry) => entry.fragment,
    });
    this.#delay = new SendingDelayController(this.#clock);
    this.#ticker = new PoissonTicker(this.#random, this.#clock.monotonic());
    this.#tickets = options.credentials
      ? new ClientTickets(options.credentials, {
        random: this.#random,
        clock: this.#clock,
        fetch: options.fetch,
        onTicketbookObtained: (tickets) => {
          this.#counters.ticketbooksObtained++;
          this.#logger.info("obtained a zk-nym ticketbook from the signers ({tickets} tickets)", {
            tickets,
          });
        },
      })
      : null;
  }

  /**
   * Starts a client (see the module documentation for the steps).
   *
   * @throws {ClientError} subclasses: {@linkcode NymApiError}, {@linkcode TopologyError},
   * {@linkcode GatewaySelectionError}, {@linkcode GatewayConnectionError},
   * {@linkcode ClientStorageError}, {@linkcode ClientConfigError}.
   */
  static async start(options: MixnetClientOptions): Promise<MixnetClient> {
    const config = resolveClientConfig(options.config);
    const abort = new AbortController();
    const api = new NymApiClient({
      urls: options.nymApiUrls,
      fetch: options.fetch,
      timeoutMs: config.topology.topologyResolutionTimeoutMs,
      signal: abort.signal,
    });
    let client: MixnetClient | undefined;
    try {
      const identity = await prepareClientIdentity(options, api);
      const topology = await api.fetchTopology(
        config.topology.minimumMixnodePerformance,
        config.topology.minimumGatewayPerformance,
      );
      topology.ensureRoutable();
      if (topology.nodeByIdentity(identity.registration.gatewayIdentity) === undefined) {
        throw new TopologyError(
          `the network topology cannot route packets: no node with identity ${
            encodeBase58(identity.registration.gatewayIdentity)
          } (our gateway) is known`,
        );
      }
      client = new MixnetClient(options, config, api, abort, identity, topology);
      await client.#loadReplyState();
      await client.#connectGateway(true);
      client.#startStreams();
      client.#logger.info("client {address} started", { address: client.addressText });
      return client;
    } catch (e) {
      abort.abort();
      if (client !== undefined) await client.stop().catch(() => {});
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Public API

  /**
   * Subscribes to an event; returns the unsubscribe function. Messages received while nobody
   * listens to `"message"` are buffered (up to `receive.maximumBufferedMessages`) and delivered
   * to the first subscriber.
   */
  on<K extends keyof ClientEventMap>(
    event: K,
    handler: (e: ClientEventMap[K]) => void,
  ): () => void {
    const set = this.#listeners[event] as Set<(e: ClientEventMap[K]) => void>;
    set.add(handler);
    if (event === "message") {
      for (const m of this.#unread.splice(0)) this.#emit("message", m);
    }
    return () => set.delete(handler);
  }

  /**
   * Sends `message` to `recipient` as a plain message (the recipient learns nothing about us).
   *
   * @throws {SendError} for a bad address, a stopped client or a full queue.
   */
  send(recipient: Recipient | string, message: Uint8Array, options: SendOptions = {}): SendReceipt {
    const to = this.#recipient(recipient);
    return this.#queueMessage(
      { kind: "plain", message },
      to,
      this.#laneOf(options),
      options.maxRetransmissions ?? null,
    );
  }

  /**
   * Sends `message` anonymously with `replySurbs` reply SURBs attached, so `recipient` can
   * answer without learning our address. All anonymous messages to one recipient carry the same
   * sender tag.
   *
   * @throws {SendError} for a bad address or SURB count, a stopped client or a full queue.
   */
  sendAnonymous(
    recipient: Recipient | string,
    message: Uint8Array,
    replySurbs: number,
    options: SendOptions = {},
  ): SendReceipt {
    const to = this.#recipient(recipient);
    if (
      !Number.isInteger(replySurbs) || replySurbs < 0 ||
      replySurbs > this.config.replySurbs.maximumReplySurbsPerMessage
    ) {
      throw new SendError(
        `replySurbs must be an integer in 0..=${this.config.replySurbs.maximumReplySurbsPerMessage}`,
      );
    }
    this.#checkRunning();
    const tag = this.#senderTags.getOrCreate(formatRecipient(to), this.#random);
    const { list, replyKeys } = this.#buildSurbs(replySurbs);
    this.#replyKeys.insert(replyKeys, this.#clock.now());
    this.#counters.replySurbsSent += replySurbs;
    this.#replyStateDirty = true;
    return this.#queueMessage(
      { kind: "repliable", senderTag: tag, content: { kind: "data", replySurbs: list, message } },
      to,
      this.#laneOf(options),
      options.maxRetransmissions ?? null,
    );
  }

  /**
   * Answers an anonymous sender through its reply SURBs. Fragments beyond the SURBs at hand
   * wait while more SURBs are requested.
   *
   * @throws {SendError} for a bad tag, an empty message, a tag we never heard from, a stopped
   * client or a full queue.
   */
  reply(
    senderTag: Uint8Array | string,
    message: Uint8Array,
    options: SendOptions = {},
  ): SendReceipt {
    this.#checkRunning();
    let tag: string;
    try {
      tag = typeof senderTag === "string"
        ? formatSenderTag(parseSenderTag(senderTag))
        : tagKey(senderTag);
    } catch (e) {
      throw new SendError(`bad sender tag: ${(e as Error).message}`);
    }
    if (message.length === 0) throw new SendError("a reply must not be empty");
    const fragments = this.#fragments({ kind: "reply", content: { kind: "data", message } });
    this.#checkCapacity(fragments.length);
    const lane = this.#laneOf(options);
    let actions: ReplyAction<PendingEntry>[];
    try {
      actions = this.#replies.queueReply(
        tag,
        fragments,
        lane,
        options.maxRetransmissions === undefined
          ? DEFAULT_REPLY_RETRANSMISSIONS
          : options.maxRetransmissions,
      );
    } catch (e) {
      if (e instanceof NoReplySurbsError) throw new SendError(e.message);
      throw e;
    }
    this.#counters.messagesSent++;
    this.#execute(actions);
    return { packets: fragments.length, lane };
  }

  /**
   * Packets waiting to be sent on a connection's lane, including reply fragments waiting for
   * SURBs (what `LaneQueueLength` reports; applications use it as back-pressure).
   */
  laneQueueLength(connectionId: bigint): number {
    const lane = connectionLane(connectionId);
    return this.#queue.laneLength(lane) + this.#replies.laneQueueLength(lane);
  }

  /** Drops everything queued for a closed application connection. */
  closeConnection(connectionId: bigint): void {
    const dropped = this.#queue.remove(connectionLane(connectionId));
    for (const job of dropped) this.#discardJob(job);
  }

  /**
   * The sender tag our anonymous messages to `recipient` carry, if we sent it any (so an
   * application can tell the recipient out of band, or check replies).
   */
  senderTagFor(recipient: Recipient | string): Uint8Array | undefined {
    const text = typeof recipient === "string" ? recipient : formatRecipient(recipient);
    return this.#senderTags.get(text)?.slice();
  }

  /** The current topology (`null` after too many failed refreshes). */
  get topology(): NymTopology | null {
    return this.#topology;
  }

  /** The gateway's identity (base58). */
  get gatewayIdentity(): string {
    return encodeBase58(this.#registration.gatewayIdentity);
  }

  /** Whether the client is stopped. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * zk-nym tickets spendable today, or `null` without `options.credentials`.
   *
   * @example
   * ```ts no-eval
   * await client.ticketsRemaining(); // 49
   * ```
   */
  ticketsRemaining(): Promise<number | null> {
    return this.#tickets?.remaining() ?? Promise.resolve(null);
  }

  /** Counters and gauges. */
  stats(): ClientStatsSnapshot {
    return statsSnapshot(
      this.#counters,
      {
        queueLength: this.#queue.totalSize,
        pendingAcks: this.#pending.size,
        replyQueueLength: this.#replies.totalQueued,
        sendingDelayMultiplier: this.#delay.multiplier,
        gatewayConnected: this.#gateway !== null && !this.#gateway.closed,
        gatewayBufferedBytes: this.#gateway?.bufferedAmount ?? 0,
        gatewayBandwidth: this.#gateway?.bandwidth ?? 0,
        topologyAvailable: this.#topology !== null,
        bufferedMessages: this.#unread.length,
      },
      this.#startedAt,
      this.#clock.now(),
    );
  }

  /** Stops every stream, closes the gateway session and saves the reply state. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (this.#tickTimer !== undefined) clearTimeout(this.#tickTimer);
    if (this.#ackTimer !== undefined) clearTimeout(this.#ackTimer);
    this.#yielder.close();
    this.#gateway?.close();
    this.#gateway = null;
    try {
      await this.#saveReplyState();
    } catch (e) {
      this.#logger.error("could not save the reply state: {error}", {
        error: (e as Error).message,
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  #checkRunning(): void {
    if (this.#stopped) throw new SendError("the client is stopped");
  }

  #recipient(recipient: Recipient | string): Recipient {
    if (typeof recipient !== "string") return recipient;
    try {
      return parseRecipient(recipient);
    } catch (e) {
      throw new SendError(`bad recipient address: ${(e as Error).message}`);
    }
  }

  #laneOf(options: SendOptions): TransmissionLane {
    if (options.connectionId === undefined) return "general";
    try {
      return connectionLane(options.connectionId);
    } catch {
      throw new SendError("connectionId must be a u64");
    }
  }

  #fragments(message: NymMessage): Fragment[] {
    try {
      return prepareFragments(message, this.config.traffic.primaryPacketSize, this.#random);
    } catch (e) {
      if (e instanceof MessageError) throw new SendError(`cannot encode the message: ${e.message}`);
      throw e;
    }
  }

  /** Refuses work beyond the bound on packets queued or still waiting for their ack. */
  #checkCapacity(packets: number): void {
    const limit = this.config.traffic.maximumQueuedPackets;
    const tracked = this.#pending.size + this.#replies.totalQueued;
    if (tracked + packets > limit) {
      throw new SendError(
        `the send queue is full (${tracked} packets queued or awaiting acks, limit ${limit}); wait for it to drain`,
      );
    }
  }

  #buildSurbs(count: number) {
    try {
      return this.#builder.replySurbs(count);
    } catch (e) {
      if (e instanceof ClientError) throw new SendError(e.message);
      throw e;
    }
  }

  #queueMessage(
    message: NymMessage,
    recipient: Recipient,
    lane: TransmissionLane,
    maxRetransmissions: number | null,
  ): SendReceipt {
    this.#checkRunning();
    const fragments = this.#fragments(message);
    this.#checkCapacity(fragments.length);
    const destination: Destination = { kind: "recipient", recipient };
    const jobs: OutJob[] = fragments.map((fragment) => {
      const entry: PendingEntry = { fragment, destination, retransmissions: 0, maxRetransmissions };
      this.#pending.insert(fragmentIdentifier(fragment), entry);
      return { entry };
    });
    this.#queue.push(lane, jobs);
    this.#counters.messagesSent++;
    this.#kick();
    return { packets: fragments.length, lane };
  }

  #execute(actions: readonly ReplyAction<PendingEntry>[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case "send": {
          const entry: PendingEntry = {
            fragment: action.item.fragment,
            destination: { kind: "reply", tag: action.tag, surbRequest: false },
            retransmissions: 0,
            maxRetransmissions: action.item.maxRetransmissions,
          };
          this.#pending.insert(fragmentIdentifier(entry.fragment), entry);
          this.#queue.push(action.lane, [{ entry, surb: action.surb }]);
          break;
        }
        case "retransmit":
          this.#queue.push("retransmission", [{ entry: action.entry, surb: action.surb }]);
          break;
        case "requestSurbs": {
          let fragments: Fragment[];
          try {
            fragments = this.#fragments({
              kind: "reply",
              content: { kind: "surbRequest", recipient: this.address, amount: action.amount },
            });
          } catch {
            this.#replies.requestFailed(action.tag, action.surb, action.amount);
            break;
          }
          const entry: PendingEntry = {
            fragment: fragments[0],
            destination: { kind: "reply", tag: action.tag, surbRequest: true },
            retransmissions: 0,
            maxRetransmissions: DEFAULT_REPLY_RETRANSMISSIONS,
          };
          this.#pending.insert(fragmentIdentifier(entry.fragment), entry);
          this.#queue.push("replySurbRequest", [{ entry, surb: action.surb }]);
          this.#counters.surbRequestsSent++;
          break;
        }
        case "dropped":
          this.#counters.repliesDropped += action.fragments + action.entries.length;
          for (const entry of action.entries) {
            this.#pending.remove(fragmentIdentifier(entry.fragment));
          }
          this.#logger.warn(
            "dropped {count} reply fragments for {tag}: it sent no more reply SURBs",
            {
              count: action.fragments + action.entries.length,
              tag: action.tag,
            },
          );
          break;
      }
    }
    this.#kick();
  }

  /** A job that will never be sent: stop tracking it and return its SURB. */
  #discardJob(job: OutJob): void {
    const id = fragmentIdentifier(job.entry.fragment);
    if (this.#pending.get(id) === job.entry) this.#pending.remove(id);
    if (job.surb !== undefined && job.entry.destination.kind === "reply") {
      this.#replies.sendFailed(job.entry.destination.tag, job.surb);
    }
  }

  #gatewayReady(): GatewayConnection | null {
    const gateway = this.#gateway;
    return gateway !== null && !gateway.closed && this.#topology !== null ? gateway : null;
  }

  /**
   * Builds and sends one job. Returns false when it could not be sent now (it was put back).
   */
  #sendJob(gateway: GatewayConnection, lane: TransmissionLane, job: OutJob): boolean {
    const entry = job.entry;
    const id = fragmentIdentifier(entry.fragment);
    if (this.#pending.get(id) !== entry) {
      // Acked (or given up) while queued.
      if (job.surb !== undefined && entry.destination.kind === "reply") {
        this.#replies.sendFailed(entry.destination.tag, job.surb);
      }
      return true;
    }
    let built: BuiltPacket;
    try {
      built = entry.destination.kind === "recipient"
        ? this.#builder.realPacket(entry.fragment, entry.destination.recipient)
        : this.#builder.replyPacket(entry.fragment, job.surb!);
    } catch (e) {
      if (e instanceof TopologyError && entry.destination.kind === "recipient") {
        // The recipient's gateway is unknown: retrying cannot help.
        this.#logger.warn("cannot route to {recipient}: {error}", {
          recipient: formatRecipient(entry.destination.recipient),
          error: e.message,
        });
        this.#giveUp(entry);
        return true;
      }
      if (e instanceof MessageError && entry.destination.kind === "reply") {
        // A malformed SURB from the other side: drop it and try another one.
        this.#counters.malformedPacketsReceived++;
        this.#execute(
          this.#replies.retransmit(entry.destination.tag, entry, entry.destination.surbRequest),
        );
        return true;
      }
      if (e instanceof TopologyError) {
        this.#queue.unshift(lane, [job]);
        return false;
      }
      throw e;
    }
    try {
      gateway.send(built.mixPacket);
    } catch {
      this.#queue.unshift(lane, [job]);
      return false;
    }
    this.#counters.realPacketsSent++;
    this.#counters.realBytesSent += built.mixPacket.packet.length;
    this.#counters.mixingDelaySentMs += built.forwardDelayMs;
    const timeout = ackTimeoutMs(built.totalDelayMs, this.config.acknowledgements);
    this.#pending.startTimer(id, this.#clock.monotonic() + timeout);
    this.#armAckTimer();
    return true;
  }

  #sendCover(gateway: GatewayConnection): void {
    let packet;
    try {
      packet = this.#builder.coverPacket();
    } catch (e) {
      if (e instanceof ClientError) return;
      throw e;
    }
    try {
      gateway.send(packet);
    } catch {
      return;
    }
    this.#counters.coverPacketsSent++;
    this.#counters.coverBytesSent += packet.packet.length;
  }

  /** New work was queued. */
  #kick(): void {
    if (this.#stopped) return;
    if (this.config.traffic.disableMainPoissonPacketDistribution) void this.#drain();
  }

  /** Immediate mode: send everything queued as fast as the gateway connection takes it. */
  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      let sent = 0;
      while (!this.#stopped && this.#queue.totalSize > 0) {
        const gateway = this.#gatewayReady();
        if (gateway === null) return; // resumed on reconnection / topology refresh
        if (gateway.bufferedAmount > this.config.gatewayConnection.maxSendBufferBytes) {
          await this.#sleep(2);
          continue;
        }
        const next = this.#queue.popNext();
        if (next === undefined) break;
        if (!this.#sendJob(gateway, next.lane, next.item)) return;
        if (++sent % YIELD_EVERY_PACKETS === 0) await this.#yielder.yield();
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Poisson mode: one tick of the real stream. */
  #tick(): void {
    this.#tickTimer = undefined;
    if (this.#stopped) return;
    const gateway = this.#gatewayReady();
    const cap = this.config.gatewayConnection.maxSendBufferBytes;
    if (gateway !== null) {
      this.#delay.update(gateway.bufferedAmount, cap);
      // Beyond 4× the soft cap the gateway is not keeping up at all: skip this tick.
      if (gateway.bufferedAmount <= 4 * cap) {
        const next = this.#queue.popNext();
        if (next === undefined) this.#sendCover(gateway);
        else this.#sendJob(gateway, next.lane, next.item);
      }
    }
    const now = this.#clock.monotonic();
    this.#ticker.catchUp(now, 1000);
    const deadline = this.#ticker.next(
      this.config.traffic.messageSendingAverageDelayMs * this.#delay.multiplier,
    );
    this.#tickTimer = setTimeout(() => this.#tick(), Math.max(0, deadline - now));
  }

  #coverTick(): void {
    if (this.#stopped) return;
    const gateway = this.#gatewayReady();
    if (
      gateway !== null && gateway.bufferedAmount <= this.config.gatewayConnection.maxSendBufferBytes
    ) {
      this.#sendCover(gateway);
    }
    this.#after(
      sampleExponentialMs(this.#random, this.config.coverTraffic.loopCoverTrafficAverageDelayMs),
      () => this.#coverTick(),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Acks and retransmission

  #armAckTimer(): void {
    const next = this.#pending.nextDeadline();
    if (next === undefined) return;
    if (this.#ackTimerAt !== undefined && this.#ackTimerAt <= next) return;
    if (this.#ackTimer !== undefined) clearTimeout(this.#ackTimer);
    this.#ackTimerAt = next;
    this.#ackTimer = setTimeout(() => {
      this.#ackTimer = undefined;
      this.#ackTimerAt = undefined;
      this.#checkAcks();
    }, Math.max(0, next - this.#clock.monotonic()));
  }

  #checkAcks(): void {
    if (this.#stopped) return;
    for (const entry of this.#pending.popExpired(this.#clock.monotonic())) {
      this.#onAckTimeout(entry);
    }
    this.#armAckTimer();
    this.#kick();
  }

  #giveUp(entry: PendingEntry): void {
    this.#pending.remove(fragmentIdentifier(entry.fragment));
    this.#counters.fragmentsFailed++;
    this.#emit("sendFailed", {
      destination: entry.destination.kind === "recipient"
        ? formatRecipient(entry.destination.recipient)
        : `reply to ${entry.destination.tag}`,
      retransmissions: entry.retransmissions,
    });
  }

  #onAckTimeout(entry: PendingEntry): void {
    const global = this.config.traffic.maximumNumberOfRetransmissions;
    const local = entry.maxRetransmissions;
    if (
      (local !== null && entry.retransmissions >= local) ||
      (global !== null && entry.retransmissions >= global)
    ) {
      this.#giveUp(entry);
      return;
    }
    entry.retransmissions++;
    this.#counters.retransmissions++;
    if (entry.destination.kind === "recipient") {
      this.#queue.push("retransmission", [{ entry }]);
    } else {
      this.#execute(
        this.#replies.retransmit(entry.destination.tag, entry, entry.destination.surbRequest),
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  #onPlaintext(plaintext: Uint8Array): void {
    if (this.#stopped) return;
    const result = this.#receiver.handle(plaintext);
    switch (result.kind) {
      case "ack":
        if (result.cover) this.#counters.coverAcksReceived++;
        else if (this.#pending.ack(result.id) !== undefined) this.#counters.acksReceived++;
        else this.#counters.unknownAcksReceived++;
        break;
      case "cover":
        this.#counters.coverPacketsReceived++;
        break;
      case "buffered":
      case "duplicate":
        this.#counters.realPacketsReceived++;
        break;
      case "malformed":
        this.#counters.malformedPacketsReceived++;
        this.#logger.debug("dropped a received packet: {reason}", { reason: result.reason });
        break;
      case "message":
        this.#counters.realPacketsReceived++;
        this.#onMessage(result.message);
        break;
    }
  }

  #onMessage(message: NymMessage): void {
    switch (message.kind) {
      case "plain":
        this.#deliver({ kind: "plain", message: message.message, senderTag: null });
        return;
      case "repliable": {
        const tag = tagKey(message.senderTag);
        const list = message.content.replySurbs;
        const surbs = receivedSurbs(list).slice(
          0,
          this.config.replySurbs.maximumReplySurbsPerMessage,
        );
        this.#counters.replySurbsReceived += surbs.length;
        this.#replyStateDirty = true;
        const content = message.content;
        this.#execute(this.#replies.surbsReceived(tag, surbs, content.kind === "additionalSurbs"));
        if (content.kind === "data") {
          this.#deliver({
            kind: "anonymous",
            message: content.message,
            senderTag: message.senderTag,
          });
        }
        return;
      }
      case "reply": {
        const content = message.content;
        if (content.kind === "data") {
          this.#deliver({ kind: "reply", message: content.message, senderTag: null });
        } else {
          this.#onSurbRequest(content.recipient, content.amount);
        }
        return;
      }
    }
  }

  /** Someone we sent anonymous messages to asks for more SURBs (sender side). */
  #onSurbRequest(recipient: Recipient, amount: number): void {
    const text = formatRecipient(recipient);
    const tag = this.#senderTags.get(text);
    if (tag === undefined) {
      this.#logger.warn(
        "{recipient} asked for reply SURBs but we never sent it anonymous messages",
        {
          recipient: text,
        },
      );
      return;
    }
    let remaining = Math.min(amount, this.config.replySurbs.maximumAllowedReplySurbRequestSize);
    while (remaining > 0) {
      const batch = Math.min(remaining, SURB_BATCH);
      remaining -= batch;
      try {
        const { list, replyKeys } = this.#builder.replySurbs(batch);
        this.#replyKeys.insert(replyKeys, this.#clock.now());
        this.#queueMessage(
          {
            kind: "repliable",
            senderTag: tag,
            content: { kind: "additionalSurbs", replySurbs: list },
          },
          recipient,
          "additionalReplySurbs",
          null,
        );
        this.#counters.replySurbsSent += batch;
        this.#replyStateDirty = true;
      } catch (e) {
        this.#logger.warn("could not send additional reply SURBs to {recipient}: {error}", {
          recipient: text,
          error: (e as Error).message,
        });
        return;
      }
    }
  }

  #deliver(message: ReceivedMessage): void {
    this.#counters.messagesReceived++;
    if (this.#listeners.message.size === 0) {
      this.#unread.push(message);
      if (this.#unread.length > this.config.receive.maximumBufferedMessages) {
        this.#unread.shift();
        this.#counters.messagesDroppedUnread++;
      }
      return;
    }
    this.#emit("message", message);
  }

  #emit<K extends keyof ClientEventMap>(event: K, value: ClientEventMap[K]): void {
    for (const handler of this.#listeners[event] as Set<(e: ClientEventMap[K]) => void>) {
      try {
        handler(value);
      } catch (e) {
        this.#logger.error("a {event} handler threw: {error}", {
          event,
          error: (e as Error)?.message,
        });
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Gateway, topology, maintenance

  async #connectGateway(allowReregister: boolean): Promise<void> {
    const config = this.config;
    const topologyNode = this.#topology?.nodeByIdentity(this.#registration.gatewayIdentity);
    const url = (topologyNode && gatewayWebSocketUrl(topologyNode, this.#options.forceTls)) ??
      this.#registration.gatewayUrl;
    const endpoint = {
      url,
      gatewayIdentity: this.#registration.gatewayIdentity,
      identity: this.#keys.identity,
      crypto: this.#crypto,
      random: this.#random,
      webSocket: this.#options.webSocket,
      timeoutMs: config.gatewayConnection.gatewayResponseTimeoutMs,
    };
    try {
      this.#gateway = await GatewayConnection.connect({
        ...endpoint,
        sharedKey: this.#registration.sharedKey,
        clock: this.#clock,
        logger: this.#logger,
        onMessage: (plaintext) => this.#onPlaintext(plaintext),
        onClose: (reason) => this.#onGatewayClosed(reason),
        tickets: this.#tickets ?? undefined,
        onTicketSpent: () => this.#counters.ticketsSpent++,
        onBandwidthError: (error) => {
          this.#counters.bandwidthErrors++;
          this.#emit("bandwidthError", error);
        },
      });
    } catch (e) {
      if (!(e instanceof AuthenticationRefusedError) || !allowReregister) throw e;
      if (/timestamp/i.test(e.message)) {
        // authenticateV2 timestamps are whole seconds and must increase: a restart within the
        // same second is refused. Wait for the next second and try again.
        await this.#sleep(1050 - (this.#clock.now() % 1000));
        return this.#connectGateway(false);
      }
      // The gateway forgot us (e.g. its database was reset): register again, once.
      this.#logger.warn("{error}; registering again", { error: e.message });
      const result = await registerWithGateway(endpoint);
      this.#registration = { ...this.#registration, gatewayUrl: url, sharedKey: result.sharedKey };
      await this.#storage.storeGatewayRegistration(this.#registration);
      return this.#connectGateway(false);
    }
    if (this.#stopped) this.#gateway.close();
  }

  #onGatewayClosed(reason: string): void {
    if (this.#stopped) return;
    this.#logger.warn("gateway session ended: {reason}", { reason });
    this.#emit("gatewayStatus", { connected: false, reason });
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    try {
      const attempts = this.config.gatewayConnection.reconnectionAttempts;
      for (let attempt = 1; attempt <= attempts && !this.#stopped; attempt++) {
        await this.#sleep(this.config.gatewayConnection.reconnectionBackoffMs);
        if (this.#stopped) return;
        try {
          await this.#connectGateway(true);
          this.#counters.gatewayReconnections++;
          this.#emit("gatewayStatus", {
            connected: true,
            reason: `reconnected (attempt ${attempt})`,
          });
          this.#kick();
          return;
        } catch (e) {
          this.#logger.warn("gateway reconnection {attempt}/{attempts} failed: {error}", {
            attempt,
            attempts,
            error: (e as Error).message,
          });
          if (e instanceof BandwidthError) {
            this.#counters.bandwidthErrors++;
            this.#emit("bandwidthError", e);
          }
        }
      }
      if (!this.#stopped) {
        this.#logger.error("gave up reconnecting to the gateway");
        this.#emit("gatewayStatus", { connected: false, reason: "gave up reconnecting" });
      }
    } finally {
      this.#reconnecting = false;
    }
  }

  async #refreshTopology(): Promise<void> {
    if (this.#stopped) return;
    const t = this.config.topology;
    try {
      const topology = await this.#api.fetchTopology(
        t.minimumMixnodePerformance,
        t.minimumGatewayPerformance,
      );
      topology.ensureRoutable();
      if (topology.nodeByIdentity(this.#registration.gatewayIdentity) === undefined) {
        throw new TopologyError("our gateway is missing from the topology");
      }
      const rotated = this.#topology !== null && this.#topology.rotationId !== topology.rotationId;
      this.#topology = topology;
      this.#refreshFailures = 0;
      this.#counters.topologyRefreshes++;
      if (rotated) this.#execute(this.#replies.rotate());
      this.#kick();
    } catch (e) {
      if (this.#stopped) return;
      this.#refreshFailures++;
      this.#counters.topologyRefreshFailures++;
      this.#logger.warn("topology refresh failed ({failures} in a row): {error}", {
        failures: this.#refreshFailures,
        error: (e as Error).message,
      });
      if (this.#refreshFailures >= t.maxConsecutiveRefreshFailures && this.#topology !== null) {
        this.#logger.error("no usable topology after {failures} failed refreshes; sending stops", {
          failures: this.#refreshFailures,
        });
        this.#topology = null;
      }
    }
    this.#scheduleRefresh();
  }

  #scheduleRefresh(): void {
    if (this.config.topology.disableRefreshing || this.#stopped) return;
    this.#after(this.config.topology.topologyRefreshRateMs, () => void this.#refreshTopology());
  }

  #maintenance(): void {
    if (this.#stopped) return;
    const ticks = ++this.#maintenanceTicks;
    const every = (ms: number) => ticks % Math.round(ms / MAINTENANCE_INTERVAL_MS) === 0;
    if (every(REPLY_INSPECTION_EVERY_MS)) this.#execute(this.#replies.inspectStale());
    if (every(REASSEMBLY_EXPIRY_EVERY_MS)) {
      this.#receiver.expire();
      for (const job of this.#queue.pruneStale()) this.#discardJob(job);
      this.#surbStore.dropAbandoned(
        this.#clock.now(),
        this.config.replySurbs.maximumReplySurbDropWaitingPeriodMs,
      );
    }
    if (every(REPLY_STATE_SAVE_EVERY_MS)) {
      this.#replyKeys.expire(this.#clock.now(), this.config.replySurbs.maximumReplyKeyAgeMs);
      if (this.#replyStateDirty) {
        this.#saveReplyState().catch((e) =>
          this.#logger.error("could not save the reply state: {error}", {
            error: (e as Error).message,
          })
        );
      }
    }
    // A drain that stopped for lack of a gateway or topology resumes here.
    if (this.#queue.totalSize > 0) this.#kick();
    this.#after(MAINTENANCE_INTERVAL_MS, () => this.#maintenance());
  }

  #startStreams(): void {
    const c = this.config;
    if (!c.traffic.disableMainPoissonPacketDistribution) {
      const first = this.#ticker.next(c.traffic.messageSendingAverageDelayMs);
      this.#tickTimer = setTimeout(
        () => this.#tick(),
        Math.max(0, first - this.#clock.monotonic()),
      );
    }
    if (!c.coverTraffic.disableLoopCoverTrafficStream) {
      this.#after(
        sampleExponentialMs(this.#random, c.coverTraffic.loopCoverTrafficAverageDelayMs),
        () => this.#coverTick(),
      );
    }
    this.#scheduleRefresh();
    this.#after(MAINTENANCE_INTERVAL_MS, () => this.#maintenance());
  }

  #after(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stopped) return resolve();
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Persistence

  async #loadReplyState(): Promise<void> {
    const text = await this.#storage.loadReplyState();
    if (text === null) return;
    let state: Record<string, unknown>;
    try {
      state = JSON.parse(text);
    } catch {
      this.#logger.warn("the stored reply state is not JSON; starting without it");
      return;
    }
    if (state?.version !== REPLY_STATE_VERSION) return;
    this.#senderTags.load(state.senderTags);
    this.#replyKeys.load(state.replyKeys);
    this.#surbStore.load(state.receivedSurbs);
    this.#replyKeys.expire(this.#clock.now(), this.config.replySurbs.maximumReplyKeyAgeMs);
  }

  async #saveReplyState(): Promise<void> {
    this.#replyStateDirty = false;
    await this.#storage.storeReplyState(JSON.stringify({
      version: REPLY_STATE_VERSION,
      senderTags: this.#senderTags.toJSON(),
      replyKeys: this.#replyKeys.toJSON(),
      receivedSurbs: this.#surbStore.toJSON(),
    }));
  }
}
