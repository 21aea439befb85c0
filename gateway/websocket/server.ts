/**
 * The WebSocket listener of the entry gateway: accepts TCP on `Deno.listen`, enforces a connection
 * limit, completes the HTTP upgrade within a timeout (1.5 s, `nym-node.md` §4.1) and hands each
 * {@linkcode WebSocketConnection} with its request to `onConnection`. Any path is accepted. A
 * plain HTTP request gets `426 Upgrade Required`; every other invalid request its 4xx response.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { WebSocketCloseCode } from "./close.ts";
import {
  type CloseInfo,
  WebSocketConnection,
  type WebSocketConnectionOptions,
} from "./connection.ts";
import { HandshakeError } from "./errors.ts";
import {
  buildAcceptResponse,
  buildErrorResponse,
  MAX_REQUEST_HEAD_BYTES,
  type ParsedUpgradeRequest,
  parseUpgradeRequest,
  type UpgradeRequest,
} from "./handshake.ts";

const log = getLogger(["nym-node", "gateway", "websocket"]);

/** The upgrade request of an accepted connection, with the peer's address. */
export interface ConnectionRequest extends UpgradeRequest {
  /** The peer's TCP address. */
  readonly remoteAddr: Deno.NetAddr;
  /** `ip:port` (`[ip]:port` for IPv6). */
  readonly remoteAddress: string;
}

/** Options of {@linkcode serveWebSockets}; connection options apply to every connection. */
export interface ServeWebSocketsOptions
  extends Omit<WebSocketConnectionOptions, "initialData" | "remoteAddress"> {
  /** Address to bind (default `"0.0.0.0"`). */
  readonly hostname?: string;
  /** Port to bind; 0 picks a free one (see {@linkcode WebSocketServer.addr}). */
  readonly port: number;
  /**
   * Called for each upgraded connection. The connection stays open after the handler returns;
   * a handler that throws (or rejects) gets its connection closed with 1011. The server's
   * `close()` waits for the returned promise, so return when the connection has closed.
   */
  readonly onConnection: (
    connection: WebSocketConnection,
    request: ConnectionRequest,
  ) => void | Promise<void>;
  /** Open TCP connections (upgrading or upgraded) above which new ones are closed (default 8192). */
  readonly maxConnections?: number;
  /** Time for the whole HTTP upgrade, request and response (default 1500). */
  readonly handshakeTimeoutMs?: number;
}

/** Counters of a {@linkcode WebSocketServer}. */
export interface WebSocketServerStats {
  /** TCP connections accepted for an upgrade attempt. */
  accepted: number;
  /** TCP connections closed at once because `maxConnections` were open. */
  refused: number;
  /** Upgrades completed. */
  upgraded: number;
  /** Requests answered with an HTTP error, or closed before the request head was complete. */
  handshakeFailures: number;
  /** Upgrades that did not finish within `handshakeTimeoutMs`. */
  handshakeTimeouts: number;
  /** `onConnection` calls that threw or rejected. */
  handlerErrors: number;
  /**
   * Upgraded connections we failed for an invalid frame or an oversize message (closed with
   * 1002, 1007 or 1009).
   */
  frameErrors: number;
}

/** A running WebSocket server. */
export interface WebSocketServer extends AsyncDisposable {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /** Upgraded connections currently open. */
  readonly connections: number;
  /** Counters since start. */
  readonly stats: Readonly<WebSocketServerStats>;
  /**
   * Stops accepting, closes every connection (1001 "server shutting down"; upgrades in progress
   * are dropped) and waits for the closing handshakes and the `onConnection` handlers.
   */
  close(): Promise<void>;
}

/** Default `maxConnections` (nym-node's `maximum_open_connections`, `nym-node.md` §4.1). */
export const DEFAULT_MAX_CONNECTIONS = 8192;
/** Default `handshakeTimeoutMs` (`nym-node.md` §4.1). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 1500;

/** Close codes of `FrameError`s (`errors.ts`): the peer broke RFC 6455 or a size limit. */
const FRAME_ERROR_CODES: ReadonlySet<number> = new Set([
  WebSocketCloseCode.protocolError,
  WebSocketCloseCode.invalidPayload,
  WebSocketCloseCode.tooBig,
]);

interface Tracked {
  readonly tcp: Deno.TcpConn;
  ws: WebSocketConnection | null;
}

function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

function closeQuietly(c: { close(): void }): void {
  try {
    c.close();
  } catch { /* already closed */ }
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

class Server implements WebSocketServer {
  readonly #o: ServeWebSocketsOptions;
  readonly #listener: Deno.TcpListener;
  readonly #maxConnections: number;
  readonly #handshakeTimeoutMs: number;
  readonly #tracked = new Set<Tracked>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #stats: WebSocketServerStats = {
    accepted: 0,
    refused: 0,
    upgraded: 0,
    handshakeFailures: 0,
    handshakeTimeouts: 0,
    handlerErrors: 0,
    frameErrors: 0,
  };
  readonly #acceptLoop: Promise<void>;
  /** TCP connections holding a slot: upgrading, or upgraded and not yet closed. */
  #slots = 0;
  #connections = 0;
  #closing: Promise<void> | null = null;
  #backoff: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;

  constructor(options: ServeWebSocketsOptions) {
    this.#o = options;
    this.#maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.#listener = Deno.listen({
      hostname: options.hostname ?? "0.0.0.0",
      port: options.port,
      transport: "tcp",
    });
    this.#acceptLoop = this.#accept();
  }

  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  get connections(): number {
    return this.#connections;
  }

  get stats(): Readonly<WebSocketServerStats> {
    return { ...this.#stats };
  }

  async #accept(): Promise<void> {
    for (;;) {
      let tcp: Deno.TcpConn;
      try {
        tcp = await this.#listener.accept();
      } catch (e) {
        if (this.#closing) return;
        // Out of descriptors and similar: back off instead of spinning.
        log.warn("accept failed: {error}", { error: (e as Error).message });
        await new Promise<void>((resolve) => {
          this.#backoff = { timer: setTimeout(resolve, 100), resolve };
        });
        this.#backoff = null;
        continue;
      }
      if (this.#closing || this.#slots >= this.#maxConnections) {
        this.#stats.refused++;
        closeQuietly(tcp);
        continue;
      }
      this.#stats.accepted++;
      this.#slots++;
      const tracked: Tracked = { tcp, ws: null };
      this.#tracked.add(tracked);
      const task = this.#handle(tracked).finally(() => {
        this.#tracked.delete(tracked);
        this.#tasks.delete(task);
      });
      this.#tasks.add(task);
    }
  }

  async #handle(tracked: Tracked): Promise<void> {
    const tcp = tracked.tcp;
    const remoteAddr = tcp.remoteAddr as Deno.NetAddr;
    let parsed: ParsedUpgradeRequest | null = null;
    let upgraded = false;
    let failure: unknown = null;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      closeQuietly(tcp);
    }, this.#handshakeTimeoutMs);
    try {
      tcp.setNoDelay(true);
      parsed = await this.#readRequest(tcp);
      await writeAll(tcp, buildAcceptResponse(parsed.request.key));
      upgraded = true;
    } catch (e) {
      failure = e;
    } finally {
      clearTimeout(timer);
    }
    if (!upgraded || parsed === null || timedOut || this.#closing) {
      if (timedOut) {
        this.#stats.handshakeTimeouts++;
        log.debug("upgrade from {peer} timed out", { peer: formatAddress(remoteAddr) });
      } else if (failure !== null) {
        this.#stats.handshakeFailures++;
        log.debug("upgrade from {peer} failed: {error}", {
          peer: formatAddress(remoteAddr),
          error: (failure as Error)?.message ?? String(failure),
        });
        if (failure instanceof HandshakeError && !this.#closing) await this.#refuse(tcp, failure);
      }
      closeQuietly(tcp);
      this.#slots--;
      return;
    }

    const remoteAddress = formatAddress(remoteAddr);
    const ws = new WebSocketConnection(tcp, {
      ...this.#o,
      initialData: parsed.rest,
      remoteAddress,
    });
    tracked.ws = ws;
    this.#stats.upgraded++;
    this.#connections++;
    const closed = ws.closed.then((info: CloseInfo) => {
      this.#connections--;
      this.#slots--;
      if (!info.remote && FRAME_ERROR_CODES.has(info.code)) this.#stats.frameErrors++;
      log.debug("connection from {peer} closed: {code} {reason}", {
        peer: remoteAddress,
        code: info.code,
        reason: info.reason,
      });
    });
    let handler: Promise<void>;
    try {
      handler = Promise.resolve(
        this.#o.onConnection(ws, { ...parsed.request, remoteAddr, remoteAddress }),
      );
    } catch (e) {
      handler = Promise.reject(e);
    }
    handler = handler.catch((e) => {
      this.#stats.handlerErrors++;
      log.error("connection handler for {peer} failed: {error}", {
        peer: remoteAddress,
        error: (e as Error)?.message ?? String(e),
      });
      if (ws.readyState === "open") ws.close(WebSocketCloseCode.internalError, "internal error");
    });
    await Promise.all([closed, handler]);
  }

  async #readRequest(tcp: Deno.TcpConn): Promise<ParsedUpgradeRequest> {
    // Grows 1 KiB → 8 KiB: the limit of a request head, past which parsing fails with 431.
    let buffer = new Uint8Array(1024);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const grown = new Uint8Array(Math.min(MAX_REQUEST_HEAD_BYTES, buffer.length * 2));
        grown.set(buffer);
        buffer = grown;
      }
      const n = await tcp.read(buffer.subarray(length));
      if (n === null) throw new Error("connection closed during the upgrade");
      length += n;
      const parsed = parseUpgradeRequest(buffer.subarray(0, length));
      if (parsed !== null) return parsed;
    }
  }

  /** Answers an invalid request, half-closes, and drains briefly so the answer is not reset. */
  async #refuse(tcp: Deno.TcpConn, error: HandshakeError): Promise<void> {
    const timer = setTimeout(() => closeQuietly(tcp), 1000);
    try {
      await writeAll(tcp, buildErrorResponse(error.status, error.message));
      await tcp.closeWrite();
      const sink = new Uint8Array(4096);
      while ((await tcp.read(sink)) !== null) { /* discard until the client closes */ }
    } catch {
      /* closed by the timer or the peer */
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    closeQuietly(this.#listener);
    if (this.#backoff) {
      clearTimeout(this.#backoff.timer);
      this.#backoff.resolve();
    }
    await this.#acceptLoop;
    for (const tracked of this.#tracked) {
      if (tracked.ws) {
        if (tracked.ws.readyState === "open") {
          tracked.ws.close(WebSocketCloseCode.goingAway, "server shutting down");
        }
      } else {
        closeQuietly(tracked.tcp);
      }
    }
    await Promise.allSettled([...this.#tasks]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts a WebSocket server. Connection options (`maxFramePayload`, `maxMessageSize`,
 * `maxQueuedBytes`, `idleTimeoutMs`, …) apply to every connection.
 *
 * @example
 * ```ts no-eval
 * await using server = serveWebSockets({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   async onConnection(conn, request) {
 *     for await (const message of conn) {
 *       if (message.type === "text") await conn.sendText(message.data);
 *     }
 *   },
 * });
 * console.log(`listening on ${server.addr.port}`);
 * ```
 */
export function serveWebSockets(options: ServeWebSocketsOptions): WebSocketServer {
  return new Server(options);
}
