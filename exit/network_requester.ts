/**
 * The network requester (`nym-node.md` §5.2, `clients.md` §5.2–5.3, upstream b4046a89
 * `service-providers/network-requester/src/core.rs` and `common/socks5/proxy-helpers`): it takes
 * reconstructed mixnet messages, decodes the service-provider envelope, and for each SOCKS5
 * `Connect` resolves the host (with a timeout), checks every address against the exit policy,
 * opens a TCP connection (with a timeout) and streams both ways — client data reordered by
 * sequence number and written to the socket, remote data read in chunks and sent back as
 * numbered `NetworkData` through the client's reply SURBs (anonymous senders) or to its return
 * address. Queries and control requests are answered through SURBs only, as upstream does.
 *
 * Our addition (see `message/socks5/connect_signal.ts`): right after the TCP connect succeeds the
 * requester sends `NetworkData{seq 0, empty}`, so SOCKS clients can report CONNECT honestly; the
 * remote's bytes follow from seq 1. Failures are `ConnectionError`s whose messages start with a
 * stable prefix (`exit policy:`, `dns:`, `connect:`, `limit:`, `malformed:`).
 *
 * Limits: connections per client and in total, a bound on data buffered before a connection is
 * open, idle timeout, per-connection send back-pressure (the reader pauses while more than 30
 * packets of the connection wait in the client's lane), bytes counted per client. Bad requests
 * are counted and dropped; nothing a client sends can throw out of {@linkcode NetworkRequester.handleMessage}.
 *
 * The mixnet side is an injected {@linkcode NrTransport} (the embedded `MixnetClient` in
 * production, an in-process fake in tests); DNS and TCP are injected too ({@linkcode NrDialer}).
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { encodeBase58 } from "../crypto/base58.ts";
import { formatIp, type IpAddress, parseIp } from "../util/net.ts";
import type { Clock } from "../util/clock.ts";
import { formatRecipient, type Recipient } from "../message/mod.ts";
import {
  CONNECT_CONFIRMATION_MARKER,
  connectFailureMarker,
  type ControlRequest,
  type ControlResponse,
  CURRENT_VERSIONS,
  decodeSocks5ProviderRequest,
  encodeSocks5ProviderResponse,
  formatVersion,
  OrderedBufferError,
  OrderedMessageBuffer,
  type QueryRequest,
  type QueryResponse,
  type SocketData,
  SocketDataSequencer,
  Socks5ProtocolError,
  type Socks5ProviderResponse,
  socks5RequestVersions,
  socks5Response,
  type Socks5ResponseContent,
  type Socks5Versions,
} from "../message/socks5/mod.ts";
import { decideExit } from "./exit_decision.ts";
import type { ExitPolicy } from "./policy.ts";

/** Where answers for a client go. */
export type ReturnAddress =
  | { readonly kind: "recipient"; readonly recipient: Recipient }
  | { readonly kind: "sender-tag"; readonly tag: Uint8Array };

/** The mixnet side of the network requester. */
export interface NrTransport {
  /** Sends `message` to a Nym address (a regular message); throws when it cannot be queued. */
  send(recipient: Recipient, message: Uint8Array, connectionId?: bigint): void;
  /** Answers an anonymous sender through its reply SURBs; throws when it cannot be queued. */
  reply(senderTag: Uint8Array, message: Uint8Array, connectionId?: bigint): void;
  /** Packets of a connection still waiting to be sent (back-pressure). */
  laneQueueLength(connectionId: bigint): number;
  /** Drops whatever is still queued for a connection (at shutdown). */
  closeConnection(connectionId: bigint): void;
}

/** A TCP connection (the subset of `Deno.Conn` the requester uses). */
export interface NrConnection {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}

/** DNS and TCP. */
export interface NrDialer {
  /** Resolves a host name to addresses; `signal` aborts it (the requester applies its timeout). */
  resolve(host: string, signal: AbortSignal): Promise<IpAddress[]>;
  /** Opens a TCP connection; `signal` aborts it. */
  connect(ip: IpAddress, port: number, signal: AbortSignal): Promise<NrConnection>;
}

/** Where the requester gets its policy from (it may change while running). */
export interface NrPolicyView {
  /** The current policy; `null` = open proxy (no policy). */
  readonly policy: ExitPolicy | null;
  /** The source the policy came from (for the `ExitPolicy` query). */
  readonly upstream: string;
}

/** Limits and timings. */
export interface NrLimits {
  /** Open (or opening) connections per client. */
  readonly maxConnectionsPerClient: number;
  /** Open (or opening) connections in total. */
  readonly maxConnections: number;
  /** A connection with no traffic either way for this long is closed (upstream MIX_TTL: 5 min). */
  readonly idleTimeoutMs: number;
  /** DNS resolution timeout. */
  readonly dnsTimeoutMs: number;
  /** Timeout of one TCP connect attempt. */
  readonly connectTimeoutMs: number;
  /** Bytes read from the remote per `NetworkData` message. */
  readonly readChunkBytes: number;
  /** The reader pauses while more packets than this wait in the connection's lane (upstream: 30). */
  readonly maxLaneBacklogPackets: number;
  /** How often a paused reader looks again. */
  readonly backlogPollMs: number;
  /** After the remote closed, how long to keep the connection for the client's last data (3 s). */
  readonly shutdownGraceMs: number;
  /** Empty keepalive towards the client after this long without sending (60 s). */
  readonly keepaliveMs: number;
  /** Bytes of client data buffered per connection (out of order, or before the connect). */
  readonly maxBufferedBytesPerConnection: number;
  /** `Send`s for connections we do not know yet, kept this long (mixnet reordering). */
  readonly orphanTtlMs: number;
  /** Connection ids with orphaned data at most. */
  readonly maxOrphanConnections: number;
  /** Clients whose byte counts are kept. */
  readonly maxTrackedClients: number;
  /**
   * Delay of upstream's "closed before established" marker after a failed TCP connect, so the
   * `ConnectionError` with the reason (sent first) almost always arrives first.
   */
  readonly failureMarkerDelayMs: number;
}

/** Defaults (upstream's where it has them). */
export const DEFAULT_NR_LIMITS: NrLimits = {
  maxConnectionsPerClient: 64,
  maxConnections: 2048,
  idleTimeoutMs: 5 * 60_000,
  dnsTimeoutMs: 5_000,
  connectTimeoutMs: 10_000,
  readChunkBytes: 8 * 1024,
  maxLaneBacklogPackets: 30,
  backlogPollMs: 20,
  shutdownGraceMs: 3_000,
  keepaliveMs: 60_000,
  maxBufferedBytesPerConnection: 4 * 1024 * 1024,
  orphanTtlMs: 30_000,
  maxOrphanConnections: 1024,
  maxTrackedClients: 10_000,
  failureMarkerDelayMs: 1_000,
};

/** Counters an operator sees. */
export interface NrCounters {
  requestsConnect: number;
  requestsSend: number;
  requestsQuery: number;
  requestsControl: number;
  malformed: number;
  unanswerable: number;
  connectionsOpened: number;
  connectionsClosed: number;
  deniedPolicy: number;
  deniedLocal: number;
  deniedLimit: number;
  dnsFailures: number;
  connectFailures: number;
  idleClosed: number;
  orderingErrors: number;
  orphanDropped: number;
  sendFailures: number;
  bytesFromClients: number;
  bytesToClients: number;
}

/** Bytes and connections of one client. */
export interface NrClientUsage {
  /** `recipient:<address>` or `tag:<base58 sender tag>`. */
  readonly client: string;
  readonly bytesFromClient: number;
  readonly bytesToClient: number;
  readonly openConnections: number;
  readonly connectionsTotal: number;
}

/** What {@linkcode NetworkRequester} needs. */
export interface NetworkRequesterOptions {
  readonly transport: NrTransport;
  readonly dialer: NrDialer;
  readonly policy: NrPolicyView;
  /** `service_providers.network_requester.allow_local_ips`. */
  readonly allowLocalIps: boolean;
  /** `service_providers.open_proxy` (reported by the `OpenProxy` query). */
  readonly openProxy: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits?: Partial<NrLimits>;
  /** Answers the `BinaryInfo` control request. */
  readonly buildInformation?: ControlResponse & { kind: "binary-info" };
}

type ConnState = "connecting" | "open" | "closed";

interface ClientUsage {
  bytesFromClient: number;
  bytesToClient: number;
  openConnections: number;
  connectionsTotal: number;
  lastSeen: number;
}

interface Connection {
  readonly id: bigint;
  readonly client: string;
  readonly usage: ClientUsage;
  readonly returnTo: ReturnAddress;
  readonly versions: Socks5Versions;
  readonly target: string;
  readonly inbound: OrderedMessageBuffer;
  readonly outbound: SocketDataSequencer;
  readonly abort: AbortController;
  state: ConnState;
  tcp: NrConnection | null;
  writes: Promise<void>;
  clientClosed: boolean;
  remoteClosed: boolean;
  lastActivity: number;
  lastSent: number;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
}

interface Orphan {
  readonly firstSeen: number;
  readonly items: SocketData[];
  bytes: number;
}

const DESCRIPTION = `nym-node (TypeScript) network requester; ${CONNECT_CONFIRMATION_MARKER}`;
const MAX_HOST_LENGTH = 253;
const HOST_RE = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?)*\.?$/;
const RECENTLY_CLOSED_MAX = 10_000;

/** A `host:port` target. */
export interface RemoteTarget {
  readonly host: string;
  readonly port: number;
  /** Set when `host` is an IP literal. */
  readonly ip: IpAddress | null;
}

/**
 * Parses the `"host:port"` of a `Connect` (a name, IPv4, or `[IPv6]`; port 1–65535).
 *
 * @example
 * ```ts
 * import { parseRemoteTarget } from "./network_requester.ts";
 * parseRemoteTarget("[::1]:8080").port; // 8080
 * parseRemoteTarget("example.org:443").ip; // null
 * ```
 * @throws {Error} with a readable reason.
 */
export function parseRemoteTarget(text: string): RemoteTarget {
  let host: string, portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") throw new Error(`'${text}' is not host:port`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon <= 0) throw new Error(`'${text}' has no port`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) throw new Error(`IPv6 address in '${text}' must be in brackets`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new Error(`'${portText}' is not a port in 1..65535`);
  }
  let ip: IpAddress | null = null;
  try {
    ip = parseIp(host);
  } catch {
    if (host.length === 0 || host.length > MAX_HOST_LENGTH || !HOST_RE.test(host)) {
      throw new Error(`'${host}' is not a valid host name`);
    }
  }
  return { host, port: Number(portText), ip };
}

function clientKeyOf(returnTo: ReturnAddress): string {
  return returnTo.kind === "recipient"
    ? `recipient:${formatRecipient(returnTo.recipient)}`
    : `tag:${encodeBase58(returnTo.tag)}`;
}

function describeError(e: unknown): string {
  if (e instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (e instanceof Deno.errors.TimedOut) return "timed out";
  return (e as Error)?.message ?? String(e);
}

function withTimeout<T>(
  run: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  outer: AbortSignal,
): Promise<T | "timeout"> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  outer.addEventListener("abort", onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      resolve("timeout"); // first, so the race reports the timeout and not the abort it causes
      controller.abort();
    }, timeoutMs);
  });
  const work = run(controller.signal);
  work.catch(() => {}); // a late rejection after the timeout must not go unhandled
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
    outer.removeEventListener("abort", onAbort);
  });
}

/**
 * The network requester.
 *
 * @example
 * ```ts no-eval
 * const nr = new NetworkRequester({ transport, dialer: denoDialer(), policy, allowLocalIps: false,
 *   openProxy: false, clock: systemClock, logger });
 * client.on("message", (m) => nr.handleMessage(m.message, m.senderTag));
 * ```
 */
export class NetworkRequester {
  /** Counters (monotonic). */
  readonly counters: NrCounters = {
    requestsConnect: 0,
    requestsSend: 0,
    requestsQuery: 0,
    requestsControl: 0,
    malformed: 0,
    unanswerable: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
    deniedPolicy: 0,
    deniedLocal: 0,
    deniedLimit: 0,
    dnsFailures: 0,
    connectFailures: 0,
    idleClosed: 0,
    orderingErrors: 0,
    orphanDropped: 0,
    sendFailures: 0,
    bytesFromClients: 0,
    bytesToClients: 0,
  };
  readonly #o: NetworkRequesterOptions;
  readonly #limits: NrLimits;
  readonly #log: Logger;
  readonly #connections = new Map<bigint, Connection>();
  readonly #orphans = new Map<bigint, Orphan>();
  readonly #recentlyClosed = new Set<bigint>();
  readonly #clients = new Map<string, ClientUsage>();
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  readonly #markerTimers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;

  /** Creates the requester and starts its idle sweep. */
  constructor(options: NetworkRequesterOptions) {
    this.#o = options;
    this.#limits = { ...DEFAULT_NR_LIMITS, ...options.limits };
    this.#log = options.logger;
    const every = Math.max(50, Math.min(10_000, this.#limits.idleTimeoutMs / 4));
    this.#sweepTimer = setInterval(() => this.#sweep(), every);
  }

  /** Connections open or being opened. */
  get openConnections(): number {
    return this.#connections.size;
  }

  /** Usage of every tracked client (bytes for bandwidth accounting). */
  clientUsage(): NrClientUsage[] {
    return [...this.#clients].map(([client, u]) => ({
      client,
      bytesFromClient: u.bytesFromClient,
      bytesToClient: u.bytesToClient,
      openConnections: u.openConnections,
      connectionsTotal: u.connectionsTotal,
    }));
  }

  /**
   * Handles one reconstructed mixnet message (`senderTag` set for anonymous senders). Never
   * throws for anything in the message.
   */
  handleMessage(message: Uint8Array, senderTag: Uint8Array | null): void {
    if (this.#stopped) return;
    let request;
    try {
      request = decodeSocks5ProviderRequest(message);
    } catch (e) {
      if (!(e instanceof Socks5ProtocolError)) throw e;
      this.counters.malformed++;
      this.#log.debug("malformed request: {error}", { error: e.message });
      return;
    }
    const versions = socks5RequestVersions(request);
    try {
      if (request.content.kind === "control") {
        this.counters.requestsControl++;
        // Control requests did not exist in legacy mode (upstream answers nothing).
        if (request.interfaceVersion === "legacy") return;
        this.#answerControl(request.content.request, versions, senderTag);
        return;
      }
      const content = request.content.request.content;
      switch (content.kind) {
        case "connect":
          this.counters.requestsConnect++;
          this.#onConnect(
            content.connectionId,
            content.remoteAddress,
            content.returnAddress,
            senderTag,
            versions,
          );
          return;
        case "send":
          this.counters.requestsSend++;
          this.#onSend(content.data);
          return;
        case "query":
          this.counters.requestsQuery++;
          this.#answerQuery(content.query, versions, senderTag);
          return;
      }
    } catch (e) {
      // Defensive: a bug must not take the requester down with it.
      this.counters.malformed++;
      this.#log.error("request handling failed: {error}", { error: (e as Error).message });
    }
  }

  /** Closes every connection and stops the timers. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#sweepTimer);
    for (const t of this.#markerTimers) clearTimeout(t);
    this.#markerTimers.clear();
    for (const conn of [...this.#connections.values()]) {
      this.#close(conn, "shutting down", false);
      this.#o.transport.closeConnection(conn.id);
    }
    this.#orphans.clear();
  }

  // ------------------------------------------------------------------------------------------
  // Queries and control

  #answerQuery(query: QueryRequest, versions: Socks5Versions, tag: Uint8Array | null): void {
    let response: QueryResponse;
    switch (query) {
      case "open-proxy":
        response = { kind: "open-proxy", open: this.#o.openProxy };
        break;
      case "description":
        response = { kind: "description", description: DESCRIPTION };
        break;
      case "exit-policy": {
        const view = this.#o.policy;
        response = {
          kind: "exit-policy",
          enabled: true,
          upstream: view.upstream,
          policy: view.policy === null ? null : view.policy.toWire(),
        };
        break;
      }
    }
    // Upstream answers queries with its current SOCKS5 version and the request's interface one.
    this.#answerViaSurbs(
      socks5Response({ kind: "query", response }, {
        interface: versions.interface,
        protocol: CURRENT_VERSIONS.protocol,
      }),
      tag,
    );
  }

  #answerControl(request: ControlRequest, versions: Socks5Versions, tag: Uint8Array | null): void {
    let response: ControlResponse;
    switch (request) {
      case "health":
        response = { kind: "health" };
        break;
      case "binary-info":
        response = this.#o.buildInformation ?? { kind: "error", message: "not available" };
        break;
      case "supported-versions":
        response = {
          kind: "supported-versions",
          interfaceVersion: formatVersion(CURRENT_VERSIONS.interface),
          providerVersion: formatVersion(CURRENT_VERSIONS.protocol),
        };
        break;
    }
    this.#answerViaSurbs(
      { interfaceVersion: versions.interface, content: { kind: "control", response } },
      tag,
    );
  }

  #answerViaSurbs(response: Socks5ProviderResponse, tag: Uint8Array | null): void {
    if (tag === null) {
      // "we can only send generic replies via reply surbs" (upstream core.rs)
      this.counters.unanswerable++;
      return;
    }
    this.#transmit({ kind: "sender-tag", tag }, encodeSocks5ProviderResponse(response), undefined);
  }

  // ------------------------------------------------------------------------------------------
  // Connect

  #onConnect(
    id: bigint,
    remoteAddress: string,
    explicit: Recipient | null,
    tag: Uint8Array | null,
    versions: Socks5Versions,
  ): void {
    const returnTo: ReturnAddress | null = explicit !== null
      ? { kind: "recipient", recipient: explicit }
      : tag !== null
      ? { kind: "sender-tag", tag }
      : null;
    if (returnTo === null) {
      this.counters.unanswerable++;
      this.#log.debug("connect {id} without any way to answer; dropped", { id: String(id) });
      return;
    }
    const refuse = (message: string) =>
      this.#respond(returnTo, versions, id, {
        kind: "connection-error",
        connectionId: id,
        message,
      });
    if (this.#connections.has(id)) {
      this.counters.malformed++;
      refuse(`malformed: connection id ${id} is already in use`);
      return;
    }
    const client = clientKeyOf(returnTo);
    const usage = this.#usageOf(client);
    if (this.#connections.size >= this.#limits.maxConnections) {
      this.counters.deniedLimit++;
      refuse(`limit: too many connections at this exit (${this.#limits.maxConnections})`);
      return;
    }
    if (usage.openConnections >= this.#limits.maxConnectionsPerClient) {
      this.counters.deniedLimit++;
      refuse(
        `limit: too many connections from this client (${this.#limits.maxConnectionsPerClient})`,
      );
      return;
    }
    const now = this.#o.clock.monotonic();
    const conn: Connection = {
      id,
      client,
      usage,
      returnTo,
      versions,
      target: remoteAddress,
      inbound: new OrderedMessageBuffer({
        maxBufferedBytes: this.#limits.maxBufferedBytesPerConnection,
      }),
      outbound: new SocketDataSequencer(id),
      abort: new AbortController(),
      state: "connecting",
      tcp: null,
      writes: Promise.resolve(),
      clientClosed: false,
      remoteClosed: false,
      lastActivity: now,
      lastSent: now,
      graceTimer: undefined,
    };
    this.#connections.set(id, conn);
    this.#recentlyClosed.delete(id);
    usage.openConnections++;
    usage.connectionsTotal++;
    const orphan = this.#orphans.get(id);
    if (orphan) {
      this.#orphans.delete(id);
      for (const d of orphan.items) this.#acceptData(conn, d);
    }
    void this.#establish(conn).catch((e) => {
      this.#log.error("connection {id} failed unexpectedly: {error}", {
        id: String(id),
        error: (e as Error).message,
      });
      this.#close(conn, "internal error", true);
    });
  }

  async #establish(conn: Connection): Promise<void> {
    const fail = (message: string, marker: boolean) => {
      this.#log.info("connection {id} to {target} refused: {message}", {
        id: String(conn.id),
        target: conn.target,
        message,
      });
      this.#respond(conn.returnTo, conn.versions, conn.id, {
        kind: "connection-error",
        connectionId: conn.id,
        message,
      });
      // Upstream's "closed before it was established" marker, for clients that ignore errors;
      // a little later, so the reason above wins the race through the mixnet.
      if (marker) {
        const timer = setTimeout(() => {
          this.#markerTimers.delete(timer);
          if (this.#stopped) return;
          this.#respond(conn.returnTo, conn.versions, conn.id, {
            kind: "network-data",
            data: connectFailureMarker(conn.id),
          });
        }, this.#limits.failureMarkerDelayMs);
        this.#markerTimers.add(timer);
      }
      this.#forget(conn);
    };
    let target: RemoteTarget;
    try {
      target = parseRemoteTarget(conn.target);
    } catch (e) {
      this.counters.malformed++;
      return fail(`malformed: ${(e as Error).message}`, false);
    }
    let addresses: IpAddress[];
    if (target.ip !== null) addresses = [target.ip];
    else {
      const resolved = await withTimeout(
        (signal) => this.#o.dialer.resolve(target.host, signal),
        this.#limits.dnsTimeoutMs,
        conn.abort.signal,
      ).catch((e: unknown) => e as Error);
      if (conn.state === "closed") return;
      if (resolved === "timeout") {
        this.counters.dnsFailures++;
        return fail(`dns: resolving ${target.host} timed out`, false);
      }
      if (resolved instanceof Error || resolved.length === 0) {
        this.counters.dnsFailures++;
        return fail(`dns: could not resolve ${target.host}`, false);
      }
      addresses = resolved;
    }
    // Every address must pass: a name must not smuggle in a local or refused address.
    for (const ip of addresses) {
      const decision = decideExit(this.#o.policy.policy, ip, target.port, {
        allowLocalIps: this.#o.allowLocalIps,
      });
      if (!decision.allowed) {
        const shown = `${target.host}:${target.port} (${formatIp(ip)})`;
        if (decision.reason === "local") {
          this.counters.deniedLocal++;
          return fail(
            `exit policy: ${shown} is not allowed by the exit policy: not a global address`,
            false,
          );
        }
        this.counters.deniedPolicy++;
        return fail(
          `exit policy: ${shown} is not allowed by the exit policy${
            decision.rule ? ` (rule '${decision.rule}')` : " (no rule accepts it)"
          }`,
          false,
        );
      }
    }
    let lastError = "no address to connect to";
    for (const ip of addresses) {
      const shown = ip.family === 6
        ? `[${formatIp(ip)}]:${target.port}`
        : `${formatIp(ip)}:${target.port}`;
      const result = await withTimeout(
        (signal) => this.#o.dialer.connect(ip, target.port, signal),
        this.#limits.connectTimeoutMs,
        conn.abort.signal,
      ).catch((e: unknown) => e as Error);
      if (conn.state === "closed") {
        if (result !== "timeout" && !(result instanceof Error)) result.close();
        return;
      }
      if (result === "timeout") {
        lastError = `connect: timed out connecting to ${shown}`;
        continue;
      }
      if (result instanceof Error) {
        const reason = describeError(result);
        lastError = reason === "connection refused"
          ? `connect: connection refused by ${shown}`
          : `connect: ${reason} (${shown})`;
        continue;
      }
      conn.tcp = result;
      conn.state = "open";
      this.counters.connectionsOpened++;
      this.#log.debug("connection {id} open to {target}", {
        id: String(conn.id),
        target: conn.target,
      });
      // The connect confirmation (seq 0, empty): see message/socks5/connect_signal.ts.
      this.#sendData(conn, conn.outbound.keepalive());
      this.#flushInbound(conn);
      void this.#pumpRemote(conn);
      return;
    }
    this.counters.connectFailures++;
    fail(lastError, true);
  }

  // ------------------------------------------------------------------------------------------
  // Client → remote

  #onSend(data: SocketData): void {
    const conn = this.#connections.get(data.connectionId);
    if (conn) {
      this.#acceptData(conn, data);
      return;
    }
    if (this.#recentlyClosed.has(data.connectionId)) {
      this.counters.orphanDropped++;
      return;
    }
    // Data can overtake its Connect in the mixnet: keep it a little while (bounded).
    let orphan = this.#orphans.get(data.connectionId);
    if (!orphan) {
      if (this.#orphans.size >= this.#limits.maxOrphanConnections) {
        this.counters.orphanDropped++;
        return;
      }
      orphan = { firstSeen: this.#o.clock.monotonic(), items: [], bytes: 0 };
      this.#orphans.set(data.connectionId, orphan);
    }
    if (orphan.bytes + data.data.length > this.#limits.maxBufferedBytesPerConnection) {
      this.counters.orphanDropped++;
      return;
    }
    orphan.items.push(data);
    orphan.bytes += data.data.length;
  }

  #acceptData(conn: Connection, data: SocketData): void {
    if (conn.state === "closed") return;
    conn.lastActivity = this.#o.clock.monotonic();
    conn.usage.bytesFromClient += data.data.length;
    conn.usage.lastSeen = this.#o.clock.now();
    this.counters.bytesFromClients += data.data.length;
    try {
      conn.inbound.write(data.seq, data.data, data.closed);
    } catch (e) {
      if (!(e instanceof OrderedBufferError)) throw e;
      this.counters.orderingErrors++;
      this.#log.debug("connection {id}: {error}", { id: String(conn.id), error: e.message });
      if (e.kind === "full" || e.kind === "too-far-ahead") {
        this.#close(conn, `client data could not be buffered (${e.kind})`, true);
      }
      return;
    }
    if (conn.state === "open") this.#flushInbound(conn);
  }

  #flushInbound(conn: Connection): void {
    const run = conn.inbound.read();
    if (run === null) return;
    const tcp = conn.tcp!;
    const data = run.data;
    const closing = run.closed;
    conn.writes = conn.writes.then(async () => {
      if (conn.state === "closed") return;
      let offset = 0;
      while (offset < data.length) offset += await tcp.write(data.subarray(offset));
      if (closing && !conn.clientClosed) {
        conn.clientClosed = true;
        await tcp.closeWrite().catch(() => {});
        if (conn.remoteClosed) this.#close(conn, "both sides closed", false);
      }
    }).catch((e) => {
      this.#close(conn, `writing to the remote failed: ${describeError(e)}`, true);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Remote → client

  async #pumpRemote(conn: Connection): Promise<void> {
    const tcp = conn.tcp!;
    const buffer = new Uint8Array(this.#limits.readChunkBytes);
    // A function, so TypeScript does not narrow the state across the awaits.
    const closed = () => conn.state === "closed";
    try {
      for (;;) {
        // Back-pressure: do not read more than the mixnet can carry (upstream: ≤ 30 packets).
        while (
          !closed() &&
          this.#o.transport.laneQueueLength(conn.id) > this.#limits.maxLaneBacklogPackets
        ) {
          await new Promise((r) => setTimeout(r, this.#limits.backlogPollMs));
        }
        if (closed()) return;
        let n: number | null;
        try {
          n = await tcp.read(buffer);
        } catch {
          n = null; // reset by the remote: report it as closed
        }
        if (closed()) return;
        if (n === null) {
          conn.remoteClosed = true;
          this.#sendData(conn, conn.outbound.close());
          if (conn.clientClosed) this.#close(conn, "both sides closed", false);
          else {
            conn.graceTimer = setTimeout(
              () => this.#close(conn, "remote closed", false),
              this.#limits.shutdownGraceMs,
            );
          }
          return;
        }
        conn.lastActivity = this.#o.clock.monotonic();
        this.#sendData(conn, conn.outbound.next(buffer.slice(0, n)));
      }
    } catch (e) {
      this.#close(conn, `reading from the remote failed: ${describeError(e)}`, true);
    }
  }

  #sendData(conn: Connection, data: SocketData): void {
    conn.lastSent = this.#o.clock.monotonic();
    conn.usage.bytesToClient += data.data.length;
    this.counters.bytesToClients += data.data.length;
    this.#respond(conn.returnTo, conn.versions, conn.id, { kind: "network-data", data });
  }

  // ------------------------------------------------------------------------------------------
  // Plumbing

  #respond(
    returnTo: ReturnAddress,
    versions: Socks5Versions,
    connectionId: bigint,
    content: Socks5ResponseContent,
  ): void {
    this.#transmit(
      returnTo,
      encodeSocks5ProviderResponse(socks5Response(content, versions)),
      connectionId,
    );
  }

  #transmit(returnTo: ReturnAddress, bytes: Uint8Array, connectionId: bigint | undefined): void {
    try {
      if (returnTo.kind === "recipient") {
        this.#o.transport.send(returnTo.recipient, bytes, connectionId);
      } else this.#o.transport.reply(returnTo.tag, bytes, connectionId);
    } catch (e) {
      this.counters.sendFailures++;
      this.#log.warn("could not send a response: {error}", { error: (e as Error).message });
    }
  }

  #usageOf(client: string): ClientUsage {
    let usage = this.#clients.get(client);
    if (usage) {
      // Refresh its position (Map order = least recently used first).
      this.#clients.delete(client);
    } else {
      usage = {
        bytesFromClient: 0,
        bytesToClient: 0,
        openConnections: 0,
        connectionsTotal: 0,
        lastSeen: 0,
      };
      if (this.#clients.size >= this.#limits.maxTrackedClients) {
        for (const [key, u] of this.#clients) {
          if (u.openConnections === 0) {
            this.#clients.delete(key);
            break;
          }
        }
      }
    }
    usage.lastSeen = this.#o.clock.now();
    this.#clients.set(client, usage);
    return usage;
  }

  /** Removes a connection that never opened. */
  #forget(conn: Connection): void {
    if (conn.state === "closed") return;
    conn.state = "closed";
    conn.abort.abort();
    this.#connections.delete(conn.id);
    this.#rememberClosed(conn.id);
    conn.usage.openConnections--;
    // The lane is left to drain: it still holds the ConnectionError just queued.
  }

  #close(conn: Connection, why: string, tellClient: boolean): void {
    if (conn.state === "closed") return;
    const wasOpen = conn.state === "open";
    if (tellClient && !conn.remoteClosed && !conn.outbound.closed) {
      // Tell the client the stream is over (upstream sends the close marker too).
      this.#sendData(conn, conn.outbound.close());
    }
    clearTimeout(conn.graceTimer);
    conn.state = "closed";
    conn.abort.abort();
    try {
      conn.tcp?.close();
    } catch { /* already closed */ }
    this.#connections.delete(conn.id);
    this.#rememberClosed(conn.id);
    conn.usage.openConnections--;
    if (wasOpen) this.counters.connectionsClosed++;
    this.#log.debug("connection {id} closed: {why}", { id: String(conn.id), why });
  }

  #rememberClosed(id: bigint): void {
    this.#recentlyClosed.add(id);
    if (this.#recentlyClosed.size > RECENTLY_CLOSED_MAX) {
      const oldest = this.#recentlyClosed.values().next().value;
      if (oldest !== undefined) this.#recentlyClosed.delete(oldest);
    }
  }

  #sweep(): void {
    const now = this.#o.clock.monotonic();
    for (const conn of [...this.#connections.values()]) {
      if (conn.state !== "open") continue;
      if (now - conn.lastActivity > this.#limits.idleTimeoutMs) {
        this.counters.idleClosed++;
        this.#close(conn, "idle", true);
      } else if (!conn.remoteClosed && now - conn.lastSent > this.#limits.keepaliveMs) {
        this.#sendData(conn, conn.outbound.keepalive());
      }
    }
    for (const [id, orphan] of this.#orphans) {
      if (now - orphan.firstSeen > this.#limits.orphanTtlMs) {
        this.#orphans.delete(id);
        this.counters.orphanDropped += orphan.items.length;
      }
    }
  }
}
