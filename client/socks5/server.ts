/**
 * The SOCKS proxy server (`nym-socks5-client`'s front end, `clients.md` §5): listens on
 * 127.0.0.1:1080 by default, gives each accepted connection a random u64 connection id and a
 * {@linkcode ProxyConnection}, and routes the network requester's responses to them by id.
 *
 * At start (and until answered, a few times) it asks the provider for its `Description`: ours
 * announces connect confirmations (`describesConnectConfirmation`), which makes every CONNECT
 * honest; with a provider that does not, connections fall back to upstream's optimistic success
 * after a short wait without a refusal.
 *
 * @module
 */
import { getLogger, type Logger } from "@logtape/logtape";
import { readU64BE } from "../../crypto/bytes.ts";
import { type RandomSource, systemRandom } from "../../crypto/random.ts";
import {
  decodeSocks5ProviderResponse,
  describesConnectConfirmation,
  encodeSocks5ProviderRequest,
  Socks5ProtocolError,
  socks5Request,
} from "../../message/socks5/mod.ts";
import { type ConnectionContext, ProxyConnection } from "./connection.ts";
import { type ProxySettings, resolveProxySettings } from "./settings.ts";
import type { ProviderTransport } from "./transport.ts";

/** The default SOCKS port (upstream's). */
export const DEFAULT_SOCKS5_PORT = 1080;

/** Options of {@linkcode Socks5Server.start}. */
export interface Socks5ServerOptions {
  readonly transport: ProviderTransport;
  /** Listening address. Default 127.0.0.1. */
  readonly host?: string;
  /** Listening port (0 = any). Default 1080. */
  readonly port?: number;
  /** Timers and bounds (see `settings.ts`). */
  readonly settings?: Partial<ProxySettings>;
  /** Most application connections at once; more get "general failure". Default 1024. */
  readonly maxConnections?: number;
  /**
   * Whether the provider confirms connects, if known; default: ask it (`Description` query).
   * `false` forces upstream's optimistic behaviour.
   */
  readonly providerConfirms?: boolean;
  /** The description query is sent `attempts` times (default 4), `intervalMs` apart (15 s). */
  readonly probe?: { readonly attempts?: number; readonly intervalMs?: number };
  readonly random?: RandomSource;
  readonly logger?: Logger;
}

/** Counters of a running server. */
export interface Socks5ServerStats {
  readonly connectionsAccepted: number;
  readonly connectionsActive: number;
  /** Requests refused by the proxy itself (malformed, unsupported, over the limit). */
  readonly requestsRejected: number;
  /** Connections the exit refused or that timed out before connecting. */
  readonly connectsRefused: number;
  /** Connections that reached the open state and ended. */
  readonly connectionsClosed: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Responses that could not be decoded or were for unknown connections. */
  readonly responsesDropped: number;
  /** Whether the provider confirms connects (`null`: not known yet). */
  readonly providerConfirms: boolean | null;
}

/**
 * A running SOCKS4/4a/5 proxy into the mixnet.
 *
 * @example
 * ```ts no-eval
 * const transport = new MixnetProviderTransport({ client, provider });
 * const server = Socks5Server.start({ transport, port: 1080 });
 * // curl --socks5-hostname 127.0.0.1:1080 https://nymtech.net
 * await server.stop();
 * ```
 */
export class Socks5Server {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  readonly #listener: Deno.TcpListener;
  readonly #transport: ProviderTransport;
  readonly #settings: ProxySettings;
  readonly #maxConnections: number;
  readonly #random: RandomSource;
  readonly #log: Logger;
  readonly #connections = new Map<bigint, ProxyConnection>();
  /** Connections past their handshake and admitted (what `maxConnections` bounds). */
  readonly #admitted = new Set<bigint>();
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #unsubscribe: () => void;
  #providerConfirms: boolean | null;
  readonly #probeAttempts: number;
  readonly #probeIntervalMs: number;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #counters = {
    connectionsAccepted: 0,
    requestsRejected: 0,
    connectsRefused: 0,
    connectionsClosed: 0,
    bytesUp: 0,
    bytesDown: 0,
    responsesDropped: 0,
  };

  private constructor(listener: Deno.TcpListener, options: Socks5ServerOptions) {
    this.#listener = listener;
    this.addr = listener.addr;
    this.#transport = options.transport;
    this.#settings = resolveProxySettings(options.settings);
    this.#maxConnections = options.maxConnections ?? 1024;
    this.#random = options.random ?? systemRandom;
    this.#log = options.logger ?? getLogger(["nym-node", "socks5"]);
    this.#providerConfirms = options.providerConfirms ?? null;
    this.#probeAttempts = options.probe?.attempts ?? 4;
    this.#probeIntervalMs = options.probe?.intervalMs ?? 15_000;
    this.#unsubscribe = this.#transport.onResponse((bytes) => this.#onResponse(bytes));
  }

  /**
   * Listens and starts accepting applications.
   *
   * @throws {Deno.errors.AddrInUse} and other listen errors; {@linkcode ProxySettingsError}.
   */
  static start(options: Socks5ServerOptions): Socks5Server {
    resolveProxySettings(options.settings);
    const listener = Deno.listen({
      hostname: options.host ?? "127.0.0.1",
      port: options.port ?? DEFAULT_SOCKS5_PORT,
      transport: "tcp",
    });
    const server = new Socks5Server(listener, options);
    server.#track(server.#acceptLoop());
    if (server.#providerConfirms === null) server.#probe(1);
    return server;
  }

  /** Counters and state. */
  stats(): Socks5ServerStats {
    return {
      ...this.#counters,
      connectionsActive: this.#connections.size,
      providerConfirms: this.#providerConfirms,
    };
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#probeTimer);
    this.#unsubscribe();
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const connection of this.#connections.values()) connection.close();
    await Promise.allSettled([...this.#tasks]);
  }

  #track(task: Promise<unknown>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#stopped) return;
        this.#log.warn("accepting a connection failed: {error}", {
          error: (error as Error).message,
        });
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (this.#stopped) {
        conn.close();
        return;
      }
      try {
        conn.setNoDelay(true);
      } catch { /* not fatal */ }
      this.#counters.connectionsAccepted++;
      const id = this.#newConnectionId();
      const context: ConnectionContext = {
        transport: this.#transport,
        settings: this.#settings,
        logger: this.#log,
        providerConfirms: () => this.#providerConfirms,
        admission: () => {
          if (this.#admitted.size >= this.#maxConnections) {
            return `too many connections (limit ${this.#maxConnections})`;
          }
          this.#admitted.add(id);
          return null;
        },
      };
      const connection = new ProxyConnection(conn, id, context);
      this.#connections.set(id, connection);
      this.#track(this.#runConnection(connection));
    }
  }

  async #runConnection(connection: ProxyConnection): Promise<void> {
    const end = await connection.run();
    this.#connections.delete(connection.id);
    this.#admitted.delete(connection.id);
    switch (end.kind) {
      case "rejected":
        this.#counters.requestsRejected++;
        break;
      case "refused":
        this.#counters.connectsRefused++;
        break;
      case "closed":
        this.#counters.connectionsClosed++;
        this.#counters.bytesUp += end.bytesUp;
        this.#counters.bytesDown += end.bytesDown;
        break;
    }
  }

  /** A fresh random u64 no live connection uses (`clients.md` §5.2). */
  #newConnectionId(): bigint {
    for (;;) {
      const id = readU64BE(this.#random(8), 0);
      if (!this.#connections.has(id)) return id;
    }
  }

  #probe(attempt: number): void {
    if (this.#stopped || this.#providerConfirms !== null) return;
    try {
      this.#transport.query(
        encodeSocks5ProviderRequest(socks5Request({ kind: "query", query: "description" })),
      );
    } catch (error) {
      this.#log.warn("could not ask the provider for its description: {error}", {
        error: (error as Error).message,
      });
    }
    this.#probeTimer = setTimeout(
      () => attempt < this.#probeAttempts ? this.#probe(attempt + 1) : this.#probeGaveUp(),
      this.#probeIntervalMs,
    );
  }

  /**
   * No description came: treat the provider as one that does not confirm, so connections to it
   * cannot all end in "TTL expired" (a confirming provider is unaffected: its confirmation
   * still settles the connect, usually well within the legacy wait).
   */
  #probeGaveUp(): void {
    if (this.#stopped || this.#providerConfirms !== null) return;
    this.#providerConfirms = false;
    this.#log.warn(
      "the network requester did not answer {attempts} description queries; assuming it does " +
        "not confirm connections",
      { attempts: this.#probeAttempts },
    );
    for (const c of this.#connections.values()) c.capabilityChanged();
  }

  #onResponse(bytes: Uint8Array): void {
    let content;
    try {
      const response = decodeSocks5ProviderResponse(bytes);
      if (response.content.kind !== "provider") return; // control answers: not ours to handle
      content = response.content.response.content;
    } catch (error) {
      if (!(error instanceof Socks5ProtocolError)) throw error;
      this.#counters.responsesDropped++;
      this.#log.debug("dropped a malformed provider response: {error}", { error: error.message });
      return;
    }
    if (content.kind === "query") {
      if (content.response.kind === "description" && this.#providerConfirms === null) {
        this.#providerConfirms = describesConnectConfirmation(content.response.description);
        clearTimeout(this.#probeTimer);
        this.#log.info(
          this.#providerConfirms
            ? "the network requester confirms connections: CONNECT replies are exact"
            : "the network requester does not confirm connections: CONNECT succeeds after " +
              "{ms} ms without a refusal (upstream behaviour)",
          { ms: this.#settings.legacyConnectWaitMs },
        );
        for (const c of this.#connections.values()) c.capabilityChanged();
      }
      return;
    }
    const id = content.kind === "network-data" ? content.data.connectionId : content.connectionId;
    const connection = this.#connections.get(id);
    if (connection === undefined) {
      // Late data for a connection that already ended (upstream drops it too).
      this.#counters.responsesDropped++;
      return;
    }
    connection.handleResponse(content);
  }
}
