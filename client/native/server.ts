/**
 * The native client's WebSocket API server (`clients.md` §4), compatible with Nym's
 * `nym-client` on `127.0.0.1:1977`, without its single-consumer limit (upstream issue #3610):
 * any number of applications (up to a bound) may connect at once.
 *
 * Behaviour, per connection, as upstream:
 * - requests are JSON text or binary frames (`codec.ts`); the response format follows the last
 *   request on that connection (binary until the first text request);
 * - `send`, `sendAnonymous` and `reply` get no response unless they carry a connection id, in
 *   which case the lane's `laneQueueLength` comes back; `closedConnection` gets none;
 * - a request that cannot be decoded gets an `error` response naming the problem.
 *
 * Differences (improvements): received messages go to **every** connected application, and are
 * buffered by the client core while none is connected; a refused send (bad address, unknown
 * sender tag, full queue) gets an `error` response instead of only a log line; `getStats` (and
 * plain HTTP `GET /stats`, `GET /health`) expose the client's statistics.
 *
 * @module
 */
import { getLogger, type Logger } from "@logtape/logtape";
import type { ClientStatsSnapshot } from "../stats.ts";
import type { ReceivedMessage, SendOptions, SendReceipt } from "../client.ts";
import type { Recipient } from "../../message/mod.ts";
import {
  decodeBinaryRequest,
  decodeTextRequest,
  encodeBinaryResponse,
  encodeTextResponse,
  errorResponse,
  NativeApiError,
  NativeErrorKind,
  type NativeRequest,
  type NativeResponse,
} from "./codec.ts";

/** What the server needs from the client core ({@linkcode MixnetClient} fits). */
export interface NativeClientBackend {
  readonly address: Recipient;
  readonly addressText: string;
  send(recipient: Recipient, message: Uint8Array, options?: SendOptions): SendReceipt;
  sendAnonymous(
    recipient: Recipient,
    message: Uint8Array,
    replySurbs: number,
    options?: SendOptions,
  ): SendReceipt;
  reply(senderTag: Uint8Array, message: Uint8Array, options?: SendOptions): SendReceipt;
  laneQueueLength(connectionId: bigint): number;
  closeConnection(connectionId: bigint): void;
  stats(): ClientStatsSnapshot;
  on(event: "message", handler: (message: ReceivedMessage) => void): () => void;
}

/** Options of {@linkcode NativeWebSocketServer.start}. */
export interface NativeServerOptions {
  readonly client: NativeClientBackend;
  /** Listening address. Default `127.0.0.1`. */
  readonly host?: string;
  /** Listening port (0: any). Default 1977. */
  readonly port?: number;
  /** Most applications connected at once. Default 64. */
  readonly maxConnections?: number;
  readonly logger?: Logger;
}

interface AppConnection {
  readonly id: number;
  readonly socket: WebSocket;
  /** The format of the last request (upstream's `ReceivedResponseType`, binary by default). */
  format: "binary" | "text";
}

/** The listening port the reference client uses. */
export const DEFAULT_NATIVE_PORT = 1977;

/**
 * A running WebSocket API server.
 *
 * @example
 * ```ts no-eval
 * const server = NativeWebSocketServer.start({ client, port: 1977 });
 * // ws://127.0.0.1:1977 now speaks the nym-client API
 * await server.stop();
 * ```
 */
export class NativeWebSocketServer {
  readonly #client: NativeClientBackend;
  readonly #logger: Logger;
  readonly #maxConnections: number;
  readonly #connections = new Map<number, AppConnection>();
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  #unsubscribe: (() => void) | undefined;
  #nextId = 1;
  #requests = 0;
  #errors = 0;

  private constructor(options: NativeServerOptions) {
    this.#client = options.client;
    this.#logger = options.logger ?? getLogger(["nym-node", "client", "native"]);
    this.#maxConnections = options.maxConnections ?? 64;
    this.#server = Deno.serve({
      hostname: options.host ?? "127.0.0.1",
      port: options.port ?? DEFAULT_NATIVE_PORT,
      onListen() {},
    }, (request) => this.#handle(request));
  }

  /**
   * Starts listening.
   *
   * @throws {Deno.errors.AddrInUse} (and other listen errors) if the address cannot be bound.
   */
  static start(options: NativeServerOptions): NativeWebSocketServer {
    return new NativeWebSocketServer(options);
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#server.addr;
  }

  /** Applications connected now. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Stops listening and closes every application connection. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const c of this.#connections.values()) {
      try {
        c.socket.close(1001, "the client is shutting down");
      } catch { /* closed */ }
    }
    this.#connections.clear();
    await this.#server.shutdown();
  }

  #json(value: unknown, status = 200): Response {
    return new Response(JSON.stringify(value, null, 2), {
      status,
      headers: { "content-type": "application/json" },
    });
  }

  #handle(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      const path = new URL(request.url).pathname;
      if (request.method === "GET" && path === "/stats") {
        return this.#json({ address: this.#client.addressText, ...this.#serverStats() });
      }
      if (request.method === "GET" && path === "/health") {
        const s = this.#client.stats();
        const healthy = s.gatewayConnected && s.topologyAvailable;
        return this.#json({
          status: healthy ? "up" : "degraded",
          gatewayConnected: s.gatewayConnected,
          topologyAvailable: s.topologyAvailable,
          uptimeMs: s.uptimeMs,
        }, healthy ? 200 : 503);
      }
      return this.#json({
        message: "this is the Nym client's WebSocket API: connect with a WebSocket client " +
          "(GET /stats and /health give the client's state)",
      }, 426);
    }
    if (this.#connections.size >= this.#maxConnections) {
      return this.#json({
        message: `too many applications are connected (limit ${this.#maxConnections})`,
      }, 503);
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.binaryType = "arraybuffer";
    const connection: AppConnection = { id: this.#nextId++, socket, format: "binary" };
    socket.onopen = () => {
      this.#connections.set(connection.id, connection);
      this.#logger.info("application {id} connected ({count} now)", {
        id: connection.id,
        count: this.#connections.size,
      });
      // The first application takes over the messages the core buffered meanwhile.
      if (this.#unsubscribe === undefined) {
        this.#unsubscribe = this.#client.on("message", (m) => this.#broadcast(m));
      }
    };
    socket.onclose = () => {
      if (!this.#connections.delete(connection.id)) return;
      this.#logger.info("application {id} disconnected", { id: connection.id });
      if (this.#connections.size === 0) {
        this.#unsubscribe?.();
        this.#unsubscribe = undefined;
      }
    };
    socket.onerror = () => {};
    socket.onmessage = (event) => this.#onRequest(connection, event.data);
    return response;
  }

  #serverStats(): Record<string, unknown> {
    return {
      ...this.#client.stats(),
      appConnections: this.#connections.size,
      apiRequests: this.#requests,
      apiErrors: this.#errors,
    };
  }

  #respond(connection: AppConnection, response: NativeResponse): void {
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    if (response.type === "error") this.#errors++;
    connection.socket.send(
      connection.format === "text" ? encodeTextResponse(response) : encodeBinaryResponse(response),
    );
  }

  #broadcast(message: ReceivedMessage): void {
    const response: NativeResponse = {
      type: "received",
      message: message.message,
      senderTag: message.senderTag,
    };
    for (const connection of this.#connections.values()) this.#respond(connection, response);
  }

  #onRequest(connection: AppConnection, data: unknown): void {
    this.#requests++;
    let request: NativeRequest;
    try {
      if (typeof data === "string") {
        connection.format = "text";
        request = decodeTextRequest(data);
      } else {
        connection.format = "binary";
        request = decodeBinaryRequest(new Uint8Array(data as ArrayBuffer));
      }
    } catch (e) {
      this.#respond(connection, errorResponse(e));
      return;
    }
    let response: NativeResponse | undefined;
    try {
      response = this.#execute(request);
    } catch (e) {
      response = errorResponse(
        e instanceof NativeApiError
          ? e
          : new NativeApiError(NativeErrorKind.Other, (e as Error).message),
      );
    }
    if (response !== undefined) this.#respond(connection, response);
  }

  #laneResponse(connectionId: bigint | null): NativeResponse | undefined {
    if (connectionId === null) return undefined;
    return {
      type: "laneQueueLength",
      lane: connectionId,
      queueLength: this.#client.laneQueueLength(connectionId),
    };
  }

  #execute(request: NativeRequest): NativeResponse | undefined {
    const c = this.#client;
    switch (request.type) {
      case "send": {
        const options = request.connectionId === null ? {} : { connectionId: request.connectionId };
        c.send(request.recipient, request.message, options);
        return this.#laneResponse(request.connectionId);
      }
      case "sendAnonymous": {
        const options = request.connectionId === null ? {} : { connectionId: request.connectionId };
        c.sendAnonymous(request.recipient, request.message, request.replySurbs, options);
        return this.#laneResponse(request.connectionId);
      }
      case "reply": {
        const options = request.connectionId === null ? {} : { connectionId: request.connectionId };
        c.reply(request.senderTag, request.message, options);
        return this.#laneResponse(request.connectionId);
      }
      case "selfAddress":
        return { type: "selfAddress", address: c.address };
      case "closedConnection":
        c.closeConnection(request.connectionId);
        return undefined;
      case "getLaneQueueLength":
        return this.#laneResponse(request.connectionId);
      case "getStats":
        return { type: "stats", stats: this.#serverStats() };
    }
  }
}
