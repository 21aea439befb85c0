/**
 * One proxied application connection (`clients.md` §5.2), from the SOCKS handshake to the
 * close of both directions:
 *
 * 1. **Handshake** (`handshake.ts`) within `handshakeTimeoutMs`, at most 2 KiB read at a time.
 * 2. **Honest connect**: a Connect request goes to the network requester and the application
 *    hears "success" only when the exit confirms the TCP connection (our requester's empty
 *    `NetworkData` seq 0; any data from the remote counts too), or the SOCKS error matching
 *    the exit's refusal (`refusal.ts`), or "TTL expired" after `connectTimeoutMs`. A provider
 *    known not to confirm (upstream's) gets the old optimistic behaviour after
 *    `legacyConnectWaitMs` without a refusal (`/work/notes/socks5-protocol.md`).
 * 3. **Proxying**: application bytes become numbered `Send` requests (`SocketDataSequencer`),
 *    read only while the connection's lane holds ≤ `maxLaneQueue` packets; an empty keepalive
 *    after `keepaliveIntervalMs` of silence. Responses go through an `OrderedMessageBuffer`
 *    and are written to the application in order (at most `maxPendingWriteBytes` waiting).
 * 4. **Close**: application EOF → a close marker; the remote's close marker delivered in order
 *    → our write side is shut and the application has `shutdownTimeoutMs` to finish; nothing
 *    from the mixnet for `mixTtlMs` → closed.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import {
  connectOutcome,
  encodeSocks5ProviderRequest,
  OrderedBufferError,
  OrderedMessageBuffer,
  type SocketData,
  SocketDataSequencer,
  socks5Request,
  type Socks5RequestContent,
  type Socks5ResponseContent,
} from "../../message/socks5/mod.ts";
import { type HandshakeStep, SocksHandshake } from "./handshake.ts";
import {
  encodeConnectReply,
  remoteAddressText,
  SOCKS5_REPLY_TEXT,
  Socks5Reply,
  type Socks5ReplyCode,
  type SocksConnectRequest,
} from "./protocol.ts";
import { socksReplyForRefusal } from "./refusal.ts";
import type { ProxySettings } from "./settings.ts";
import type { ProviderTransport } from "./transport.ts";

/** The application side of a connection (a `Deno.Conn` in practice). */
export interface AppSocket {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}

/** How a connection ended, for statistics. */
export type ConnectionEnd =
  | { readonly kind: "rejected"; readonly reason: string }
  | { readonly kind: "refused"; readonly reply: Socks5ReplyCode; readonly reason: string }
  | {
    readonly kind: "closed";
    readonly reason: string;
    readonly bytesUp: number;
    readonly bytesDown: number;
  };

/** What a connection needs from its server. */
export interface ConnectionContext {
  readonly transport: ProviderTransport;
  readonly settings: ProxySettings;
  readonly logger: Logger;
  /** Whether the provider confirms connects: `true`, `false`, or `null` while unknown. */
  providerConfirms(): boolean | null;
  /** A reason to refuse this connection before connecting (e.g. too many), or `null`. */
  admission(): string | null;
}

type Phase = "handshake" | "connecting" | "open" | "finished";

type ConnectResult =
  | { readonly kind: "connected" }
  | { readonly kind: "refused"; readonly reply: Socks5ReplyCode; readonly reason: string };

const HANDSHAKE_READ_BYTES = 2048;
const KEEPALIVE = Symbol("keepalive");

/**
 * One application connection through the mixnet.
 *
 * @example
 * ```ts no-eval
 * const connection = new ProxyConnection(conn, 42n, context);
 * server.register(connection);
 * const end = await connection.run();
 * ```
 */
export class ProxyConnection {
  /** The random connection id the exit knows this connection by. */
  readonly id: bigint;
  readonly #socket: AppSocket;
  readonly #ctx: ConnectionContext;
  readonly #settings: ProxySettings;
  readonly #log: Logger;
  readonly #sequencer: SocketDataSequencer;
  readonly #inbound: OrderedMessageBuffer;

  #phase: Phase = "handshake";
  #target = "";
  /** Bytes the application sent right after its request (optimistic data). */
  #pendingUpload: Uint8Array | null = null;
  /** The exit refused the connection, so it holds nothing to close. */
  #exitRefused = false;
  #connectStarted = 0;
  #settle: ((result: ConnectResult) => void) | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #legacyTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #mixTtlTimer: ReturnType<typeof setTimeout> | undefined;
  #shutdownTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #writeQueue: Uint8Array[] = [];
  #queuedBytes = 0;
  #writing = false;
  #remoteCloseSeen = false;
  #remoteClosed = false;
  #localClosed = false;
  #bytesUp = 0;
  #bytesDown = 0;
  #end: ConnectionEnd | null = null;
  #finished!: () => void;
  readonly #done: Promise<void>;

  /** Wraps an accepted application socket. */
  constructor(socket: AppSocket, id: bigint, context: ConnectionContext) {
    this.#socket = socket;
    this.id = id;
    this.#ctx = context;
    this.#settings = context.settings;
    this.#log = context.logger;
    this.#sequencer = new SocketDataSequencer(id);
    this.#inbound = new OrderedMessageBuffer({
      maxBufferedBytes: context.settings.maxBufferedBytes,
    });
    this.#done = new Promise((resolve) => (this.#finished = resolve));
  }

  /** The destination (`host:port`), once the handshake told it. */
  get target(): string {
    return this.#target;
  }

  /** Whether the connection is proxying data. */
  get open(): boolean {
    return this.#phase === "open";
  }

  /** Runs the connection to its end. Never rejects. */
  async run(): Promise<ConnectionEnd> {
    try {
      const request = await this.#handshake();
      if (request !== null) {
        const result = await this.#connect(request);
        if (result.kind === "connected") await this.#proxy(request);
        else await this.#refuse(request, result.reply, result.reason);
      }
    } catch (error) {
      this.#finish(`internal error: ${(error as Error)?.message}`);
    }
    await this.#done;
    return this.#end ?? { kind: "rejected", reason: "closed" };
  }

  /** Closes the connection (server shutdown). */
  close(reason = "the proxy is stopping"): void {
    this.#finish(reason);
  }

  /** The exit's provider-capability answer arrived (see {@linkcode ConnectionContext}). */
  capabilityChanged(): void {
    if (this.#phase === "connecting") this.#armLegacyTimer();
  }

  /** A response of the network requester about this connection. */
  handleResponse(content: Socks5ResponseContent): void {
    if (this.#phase === "connecting") {
      this.#resetMixTtl();
      const outcome = connectOutcome(content, this.id);
      if (content.kind === "network-data" && outcome?.kind === "connected") {
        this.#store(content.data);
      }
      if (outcome === null) return;
      if (outcome.kind === "connected") {
        this.#settleConnect({ kind: "connected" });
      } else if (content.kind === "connection-error") {
        this.#exitRefused = true;
        this.#settleConnect({
          kind: "refused",
          reply: socksReplyForRefusal(outcome.message),
          reason: `the exit refused: ${outcome.message}`,
        });
      } else if (this.#graceTimer === undefined) {
        // Upstream's bare failure marker; our exit also sends a ConnectionError with the reason,
        // which the mixnet may deliver later. Give it a moment.
        this.#exitRefused = true;
        this.#graceTimer = setTimeout(() => {
          this.#settleConnect({
            kind: "refused",
            reply: Socks5Reply.HostUnreachable,
            reason: outcome.message,
          });
        }, this.#settings.refusalGraceMs);
      }
      return;
    }
    if (this.#phase !== "open") return;
    this.#resetMixTtl();
    if (content.kind === "connection-error") {
      this.#finish(`the exit reported an error: ${content.message}`);
      return;
    }
    if (content.kind !== "network-data") return;
    this.#store(content.data);
    this.#deliver();
  }

  // ------------------------------------------------------------------------------------------
  // Handshake

  async #handshake(): Promise<SocksConnectRequest | null> {
    const handshake = new SocksHandshake();
    const buffer = new Uint8Array(HANDSHAKE_READ_BYTES);
    const timer = setTimeout(
      () => this.#reject("the application did not complete the SOCKS handshake in time"),
      this.#settings.handshakeTimeoutMs,
    );
    try {
      for (;;) {
        let n: number | null;
        try {
          n = await this.#socket.read(buffer);
        } catch {
          this.#reject("the application closed the connection during the handshake");
          return null;
        }
        if (this.#phase === "finished") return null;
        if (n === null) {
          this.#reject("the application closed the connection during the handshake");
          return null;
        }
        const step: HandshakeStep = handshake.push(buffer.slice(0, n));
        for (const bytes of step.write) {
          if (!(await this.#writeDirect(bytes))) return null;
        }
        if (step.kind === "incomplete") continue;
        if (step.kind === "rejected") {
          this.#log.info("refused a SOCKS request: {reason}", { reason: step.error.message });
          this.#reject(step.error.message);
          return null;
        }
        const admission = this.#ctx.admission();
        if (admission !== null) {
          await this.#writeDirect(
            encodeConnectReply(step.request.version, Socks5Reply.GeneralFailure),
          );
          this.#reject(admission);
          return null;
        }
        if (step.rest.length > 0) this.#pendingUpload = step.rest;
        return step.request;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends a connection that never got past its handshake. */
  #reject(reason: string): void {
    this.#end ??= { kind: "rejected", reason };
    this.#finish(reason);
  }

  // ------------------------------------------------------------------------------------------
  // Connect

  #connect(request: SocksConnectRequest): Promise<ConnectResult> {
    this.#target = remoteAddressText(request);
    this.#phase = "connecting";
    this.#connectStarted = performance.now();
    const result = new Promise<ConnectResult>((resolve) => (this.#settle = resolve));
    this.#log.debug("connection {id}: connecting to {target}", {
      id: this.id.toString(),
      target: this.#target,
    });
    const sent = this.#sendRequest(
      {
        kind: "connect",
        connectionId: this.id,
        remoteAddress: this.#target,
        returnAddress: this.#ctx.transport.returnAddress,
      },
      "connect",
    );
    if (!sent) {
      this.#settleConnect({
        kind: "refused",
        reply: Socks5Reply.GeneralFailure,
        reason: "the mixnet client refused the Connect request",
      });
      return result;
    }
    this.#connectTimer = setTimeout(() => {
      this.#settleConnect({
        kind: "refused",
        reply: Socks5Reply.TtlExpired,
        reason: `the exit did not answer within ${this.#settings.connectTimeoutMs} ms`,
      });
    }, this.#settings.connectTimeoutMs);
    this.#armLegacyTimer();
    return result;
  }

  #armLegacyTimer(): void {
    if (this.#legacyTimer !== undefined || this.#ctx.providerConfirms() !== false) return;
    const elapsed = performance.now() - this.#connectStarted;
    this.#legacyTimer = setTimeout(
      () => this.#settleConnect({ kind: "connected" }),
      Math.max(0, this.#settings.legacyConnectWaitMs - elapsed),
    );
  }

  #settleConnect(result: ConnectResult): void {
    const settle = this.#settle;
    if (settle === null) return;
    this.#settle = null;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#legacyTimer);
    clearTimeout(this.#graceTimer);
    settle(result);
  }

  async #refuse(request: SocksConnectRequest, reply: Socks5ReplyCode, reason: string) {
    if (this.#phase === "finished") return;
    this.#log.info("connection {id} to {target} failed: {reason} (SOCKS reply: {reply})", {
      id: this.id.toString(),
      target: this.#target,
      reason,
      reply: SOCKS5_REPLY_TEXT[reply],
    });
    await this.#writeDirect(encodeConnectReply(request.version, reply));
    this.#end = { kind: "refused", reply, reason };
    // A timed-out connect may still succeed at the exit later: tell it we are gone.
    this.#finish(reason);
  }

  // ------------------------------------------------------------------------------------------
  // Proxying

  async #proxy(request: SocksConnectRequest): Promise<void> {
    if (this.#phase !== "connecting") return;
    this.#log.debug("connection {id} to {target} is open ({ms} ms)", {
      id: this.id.toString(),
      target: this.#target,
      ms: Math.round(performance.now() - this.#connectStarted),
    });
    if (!(await this.#writeDirect(encodeConnectReply(request.version, Socks5Reply.Succeeded)))) {
      return;
    }
    this.#phase = "open";
    this.#resetMixTtl();
    this.#deliver();
    const upload = this.#pendingUpload;
    this.#pendingUpload = null;
    if (upload !== null && !this.#sendData(this.#sequencer.next(upload))) return;
    if (upload !== null) this.#bytesUp += upload.length;
    await this.#readApplication();
  }

  /** Application → mixnet, with lane back-pressure and keepalives. */
  async #readApplication(): Promise<void> {
    const buffer = new Uint8Array(this.#settings.readChunkBytes);
    let pending: Promise<number | null> | null = null;
    while (this.#phase === "open" && !this.#localClosed) {
      if (!(await this.#waitForLane())) return;
      pending ??= this.#socket.read(buffer);
      let result: number | null | typeof KEEPALIVE;
      try {
        result = await this.#orKeepalive(pending);
      } catch {
        this.#finish("the application connection broke");
        return;
      }
      if (this.#phase !== "open") return;
      if (result === KEEPALIVE) {
        if (!this.#sendData(this.#sequencer.keepalive())) return;
        continue;
      }
      pending = null;
      if (result === null) {
        this.#localClosed = true;
        if (this.#remoteClosed) this.#finish("both sides closed");
        else this.#sendData(this.#sequencer.close());
        return;
      }
      this.#bytesUp += result;
      if (!this.#sendData(this.#sequencer.next(buffer.slice(0, result)))) return;
    }
  }

  async #waitForLane(): Promise<boolean> {
    const transport = this.#ctx.transport;
    while (transport.laneQueueLength(this.id) > this.#settings.maxLaneQueue) {
      await new Promise((r) => setTimeout(r, this.#settings.laneCheckIntervalMs));
      if (this.#phase !== "open") return false;
    }
    return true;
  }

  #orKeepalive(read: Promise<number | null>): Promise<number | null | typeof KEEPALIVE> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const keepalive = new Promise<typeof KEEPALIVE>((resolve) => {
      timer = setTimeout(() => resolve(KEEPALIVE), this.#settings.keepaliveIntervalMs);
    });
    return Promise.race([read, keepalive]).finally(() => clearTimeout(timer));
  }

  #store(data: SocketData): void {
    try {
      this.#inbound.write(data.seq, data.data, data.closed);
    } catch (error) {
      if (!(error instanceof OrderedBufferError)) throw error;
      // Repeats (and anything after the close marker) carry nothing new.
      if (error.kind !== "too-far-ahead" && error.kind !== "full") return;
      this.#finish(`the exit's data cannot be put in order: ${error.message}`);
    }
  }

  /** Moves in-order data to the application. */
  #deliver(): void {
    if (this.#phase !== "open") return;
    for (;;) {
      const run = this.#inbound.read();
      if (run === null) break;
      if (run.data.length > 0) {
        this.#writeQueue.push(run.data);
        this.#queuedBytes += run.data.length;
      }
      if (run.closed) {
        this.#remoteCloseSeen = true;
        break;
      }
    }
    if (this.#queuedBytes > this.#settings.maxPendingWriteBytes) {
      this.#finish(
        `the application reads too slowly (${this.#queuedBytes} bytes waiting to be written)`,
      );
      return;
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#writeQueue.length > 0 && this.#phase === "open") {
        const chunk = this.#writeQueue.shift()!;
        this.#queuedBytes -= chunk.length;
        if (!(await this.#writeDirect(chunk))) return;
        this.#bytesDown += chunk.length;
      }
      if (this.#remoteCloseSeen && !this.#remoteClosed && this.#phase === "open") {
        this.#remoteClosed = true;
        this.#onRemoteClosed();
      }
    } finally {
      this.#writing = false;
    }
    if (this.#writeQueue.length > 0 && this.#phase === "open") void this.#pump();
  }

  #onRemoteClosed(): void {
    if (this.#localClosed) {
      this.#finish("both sides closed");
      return;
    }
    this.#socket.closeWrite().catch(() => {});
    // The exit has forgotten the connection: the application gets a moment to finish.
    this.#shutdownTimer = setTimeout(
      () => this.#finish("the remote side closed"),
      this.#settings.shutdownTimeoutMs,
    );
  }

  #resetMixTtl(): void {
    clearTimeout(this.#mixTtlTimer);
    this.#mixTtlTimer = setTimeout(
      () => this.#finish(`nothing came from the mixnet for ${this.#settings.mixTtlMs} ms`),
      this.#settings.mixTtlMs,
    );
  }

  // ------------------------------------------------------------------------------------------
  // Helpers

  /** Writes all of `bytes` to the application; false (and the connection ends) on failure. */
  async #writeDirect(bytes: Uint8Array): Promise<boolean> {
    let offset = 0;
    try {
      while (offset < bytes.length) {
        offset += await this.#socket.write(bytes.subarray(offset));
      }
      return true;
    } catch {
      this.#finish("the application connection broke");
      return false;
    }
  }

  #sendData(data: SocketData): boolean {
    return this.#sendRequest({ kind: "send", data }, "data");
  }

  #sendRequest(content: Socks5RequestContent, kind: "connect" | "data"): boolean {
    try {
      this.#ctx.transport.send(encodeSocks5ProviderRequest(socks5Request(content)), this.id, kind);
      return true;
    } catch (error) {
      this.#finish(`could not send to the exit: ${(error as Error).message}`);
      return false;
    }
  }

  #finish(reason: string): void {
    if (this.#phase === "finished") return;
    const wasActive = this.#phase === "open" || this.#phase === "connecting";
    this.#phase = "finished";
    this.#settleConnect({ kind: "refused", reply: Socks5Reply.GeneralFailure, reason });
    for (const t of [this.#mixTtlTimer, this.#shutdownTimer, this.#connectTimer]) clearTimeout(t);
    clearTimeout(this.#legacyTimer);
    clearTimeout(this.#graceTimer);
    if (wasActive && !this.#exitRefused && !this.#sequencer.closed && !this.#remoteClosed) {
      // Tell the exit to drop its side (upstream: a Send with local_closed set).
      try {
        this.#ctx.transport.send(
          encodeSocks5ProviderRequest(
            socks5Request({ kind: "send", data: this.#sequencer.close() }),
          ),
          this.id,
          "data",
        );
      } catch { /* the client is stopping: the exit times the connection out */ }
    }
    this.#end ??= {
      kind: "closed",
      reason,
      bytesUp: this.#bytesUp,
      bytesDown: this.#bytesDown,
    };
    this.#log.debug("connection {id} ({target}) ended: {reason}", {
      id: this.id.toString(),
      target: this.#target,
      reason,
    });
    try {
      this.#socket.close();
    } catch { /* already closed */ }
    this.#finished();
  }
}
