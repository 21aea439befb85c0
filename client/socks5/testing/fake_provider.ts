/**
 * Test support: an in-process network requester behind the {@linkcode ProviderTransport}
 * interface, so the SOCKS proxy can be exercised against real TCP targets without a mixnet.
 * It speaks the real request/response codecs (`message/socks5/`), opens real loopback TCP
 * connections, and can misbehave the ways a mixnet and an exit can: reorder responses, never
 * answer, refuse destinations, behave like an upstream requester (no connect confirmation).
 *
 * @module
 */
import {
  CONNECT_CONFIRMATION_MARKER,
  connectConfirmation,
  connectFailureMarker,
  decodeSocks5ProviderRequest,
  encodeSocks5ProviderResponse,
  OrderedMessageBuffer,
  type SocketData,
  SocketDataSequencer,
  socks5Response,
  type Socks5ResponseContent,
} from "../../../message/socks5/mod.ts";
import type { RandomSource } from "../../../crypto/random.ts";
import type { ProviderTransport, RequestKind } from "../transport.ts";

/** Options of {@linkcode FakeProvider}. */
export interface FakeProviderOptions {
  /** Refuse these `host:port` targets as an exit policy would. */
  readonly deny?: (target: string) => boolean;
  /** Send the connect confirmation and announce it (default true; false = upstream). */
  readonly confirms?: boolean;
  /** Never answer Connect requests (a lost exit). */
  readonly silent?: boolean;
  /** Never answer queries (an exit whose answers get lost). */
  readonly ignoreQueries?: boolean;
  /** Deliver each response after a random delay of up to this many ms (reordering). */
  readonly maxJitterMs?: number;
  /** Randomness for the jitter. */
  readonly random?: RandomSource;
  /**
   * Where responses go instead of this transport's own subscribers: e.g. `client.reply(tag, …)`
   * of a mixnet client playing the network requester.
   */
  readonly deliver?: (response: Uint8Array) => void;
}

interface FakeConnection {
  readonly id: bigint;
  readonly out: SocketDataSequencer;
  readonly inbound: OrderedMessageBuffer;
  socket: Deno.TcpConn | null;
  /** Writes to the remote, in order, after the connect. */
  chain: Promise<void>;
  closed: boolean;
}

/**
 * An in-process network requester.
 *
 * @example
 * ```ts no-eval
 * const provider = new FakeProvider({ maxJitterMs: 5 });
 * const server = Socks5Server.start({ transport: provider, port: 0 });
 * ```
 */
export class FakeProvider implements ProviderTransport {
  readonly returnAddress = null;
  /** Requests received, by kind. */
  readonly counts = { connect: 0, send: 0, query: 0, closes: 0 };
  readonly #options: FakeProviderOptions;
  readonly #handlers = new Set<(bytes: Uint8Array) => void>();
  readonly #connections = new Map<bigint, FakeConnection>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;

  /** Creates the provider. */
  constructor(options: FakeProviderOptions = {}) {
    this.#options = options;
  }

  /** Connections the provider still holds open. */
  get openConnections(): number {
    return this.#connections.size;
  }

  send(request: Uint8Array, _connectionId: bigint, _kind: RequestKind): void {
    if (this.#stopped) throw new Error("the fake provider is stopped");
    this.handle(request);
  }

  query(request: Uint8Array): void {
    this.handle(request);
  }

  /** Handles one encoded request (what a network requester does with a received message). */
  handle(request: Uint8Array): void {
    const decoded = decodeSocks5ProviderRequest(request);
    if (decoded.content.kind !== "provider") return;
    const content = decoded.content.request.content;
    if (content.kind === "query") {
      this.counts.query++;
      if (this.#options.ignoreQueries) return;
      const description = this.#options.confirms === false
        ? "network requester (upstream)"
        : `fake network requester; ${CONNECT_CONFIRMATION_MARKER}`;
      this.#respond({ kind: "query", response: { kind: "description", description } });
    } else if (content.kind === "connect") {
      this.counts.connect++;
      void this.#connect(content.connectionId, content.remoteAddress);
    } else if (content.kind === "send") {
      this.counts.send++;
      this.#data(content.data);
    }
  }

  laneQueueLength(_connectionId: bigint): number {
    return 0;
  }

  dropQueued(_connectionId: bigint): void {}

  onResponse(handler: (response: Uint8Array) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Closes every remote connection and pending delivery. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    for (const c of this.#connections.values()) {
      try {
        c.socket?.close();
      } catch { /* closed */ }
    }
    this.#connections.clear();
  }

  #respond(content: Socks5ResponseContent): void {
    const bytes = encodeSocks5ProviderResponse(socks5Response(content));
    const jitter = this.#options.maxJitterMs ?? 0;
    const deliver = () => {
      if (this.#stopped) return;
      if (this.#options.deliver) this.#options.deliver(bytes);
      else for (const h of this.#handlers) h(bytes);
    };
    const random = this.#options.random;
    const delay = jitter > 0 && random ? (random(1)[0] / 255) * jitter : 0;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      deliver();
    }, delay);
    this.#timers.add(timer);
  }

  async #connect(id: bigint, target: string): Promise<void> {
    if (this.#options.silent) return;
    if (this.#options.deny?.(target)) {
      this.#respond({
        kind: "connection-error",
        connectionId: id,
        message: `exit policy: ${target} is not allowed by the exit policy`,
      });
      return;
    }
    const connection: FakeConnection = {
      id,
      out: new SocketDataSequencer(id),
      inbound: new OrderedMessageBuffer(),
      socket: null,
      chain: Promise.resolve(),
      closed: false,
    };
    this.#connections.set(id, connection);
    let opened!: () => void;
    connection.chain = new Promise((resolve) => (opened = resolve));
    try {
      await this.#open(connection, target);
    } finally {
      opened();
    }
  }

  async #open(connection: FakeConnection, target: string): Promise<void> {
    const id = connection.id;
    const colon = target.lastIndexOf(":");
    const host = target.slice(0, colon).replace(/^\[|\]$/g, "");
    const port = Number(target.slice(colon + 1));
    try {
      connection.socket = await Deno.connect({ hostname: host, port });
    } catch (error) {
      this.#connections.delete(id);
      this.#respond({
        kind: "connection-error",
        connectionId: id,
        message: `connect: connection refused by ${target} (${(error as Error).name})`,
      });
      this.#respond({ kind: "network-data", data: connectFailureMarker(id) });
      return;
    }
    if (this.#options.confirms !== false) {
      this.#respond({ kind: "network-data", data: connectConfirmation(id) });
      connection.out.next(new Uint8Array(0)); // seq 0 is the confirmation
    }
    void this.#pumpRemote(connection);
  }

  async #pumpRemote(connection: FakeConnection): Promise<void> {
    const buffer = new Uint8Array(8192);
    for (;;) {
      let n: number | null;
      try {
        n = await connection.socket!.read(buffer);
      } catch {
        n = null;
      }
      if (this.#stopped || connection.closed) return;
      if (n === null) {
        this.#respond({ kind: "network-data", data: connection.out.close() });
        this.#finish(connection);
        return;
      }
      this.#respond({ kind: "network-data", data: connection.out.next(buffer.slice(0, n)) });
    }
  }

  #data(data: SocketData): void {
    const connection = this.#connections.get(data.connectionId);
    if (connection === undefined) return;
    connection.inbound.write(data.seq, data.data, data.closed);
    for (;;) {
      const run = connection.inbound.read();
      if (run === null) return;
      if (run.closed) this.counts.closes++;
      connection.chain = connection.chain.then(async () => {
        if (connection.socket === null || connection.closed) return;
        await this.#write(connection, run.data);
        if (run.closed) await connection.socket.closeWrite().catch(() => {});
      });
      if (run.closed) return;
    }
  }

  async #write(connection: FakeConnection, bytes: Uint8Array): Promise<void> {
    let offset = 0;
    try {
      while (offset < bytes.length) {
        offset += await connection.socket!.write(bytes.subarray(offset));
      }
    } catch {
      this.#finish(connection);
    }
  }

  #finish(connection: FakeConnection): void {
    connection.closed = true;
    this.#connections.delete(connection.id);
    try {
      connection.socket?.close();
    } catch { /* closed */ }
  }
}
