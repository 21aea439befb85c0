/**
 * A promise-based wrapper over the standard browser `WebSocket` (also Deno's), so the client
 * core runs in browsers and in Deno unchanged: text frames can be awaited one by one during the
 * handshake, binary frames go to a handler, and closing is observable.
 *
 * @module
 */
import { GatewayConnectionError } from "../errors.ts";

/** Creates a WebSocket for a URL (default: `new WebSocket(url)`); injected for tests. */
export type WebSocketFactory = (url: string) => WebSocket;

/**
 * The default factory: the platform's `WebSocket`.
 *
 * @example
 * ```ts no-eval
 * const ws = defaultWebSocketFactory("ws://127.0.0.1:9000/");
 * ```
 */
export const defaultWebSocketFactory: WebSocketFactory = (url) => new WebSocket(url);

/** Options of {@linkcode WebSocketChannel.open}. */
export interface OpenOptions {
  readonly factory?: WebSocketFactory;
  /** Time allowed for the connection to open. */
  readonly timeoutMs: number;
  /** Most text frames kept while nobody awaits them. Default 64. */
  readonly maxQueuedText?: number;
}

/**
 * An open WebSocket.
 *
 * @example
 * ```ts no-eval
 * const channel = await WebSocketChannel.open("ws://127.0.0.1:9000/", { timeoutMs: 5000 });
 * channel.sendText('{"type":"supportedProtocol"}');
 * const reply = await channel.nextText(5000);
 * ```
 */
export class WebSocketChannel {
  readonly #ws: WebSocket;
  readonly #url: string;
  readonly #maxQueued: number;
  readonly #texts: string[] = [];
  #waiter: ((text: string | Error) => void) | undefined;
  #closed: { code: number; reason: string } | undefined;
  #closeHandlers: ((code: number, reason: string) => void)[] = [];
  /** Called for every binary frame. */
  onBinary: (bytes: Uint8Array) => void = () => {};
  /** Called for text frames nobody awaits (after the handshake). */
  onText: ((text: string) => void) | undefined;

  private constructor(ws: WebSocket, url: string, maxQueued: number) {
    this.#ws = ws;
    this.#url = url;
    this.#maxQueued = maxQueued;
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (event) => {
      const data = (event as MessageEvent).data;
      if (typeof data === "string") this.#onText(data);
      else if (data instanceof ArrayBuffer) this.onBinary(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) {
        this.onBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
    });
    ws.addEventListener("close", (event) => {
      const e = event as CloseEvent;
      this.#markClosed(e.code, e.reason);
    });
    ws.addEventListener("error", () => this.#markClosed(1006, "connection error"));
  }

  #markClosed(code: number, reason: string): void {
    if (this.#closed !== undefined) return;
    this.#closed = { code, reason };
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(new GatewayConnectionError(this.#closedMessage()));
    for (const handler of this.#closeHandlers) handler(code, reason);
  }

  #closedMessage(): string {
    const c = this.#closed!;
    return `the gateway at ${this.#url} closed the connection (code ${c.code}${
      c.reason ? `: ${c.reason}` : ""
    })`;
  }

  #onText(text: string): void {
    if (this.#waiter !== undefined) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter(text);
      return;
    }
    if (this.onText !== undefined) {
      this.onText(text);
      return;
    }
    if (this.#texts.length < this.#maxQueued) this.#texts.push(text);
  }

  /**
   * Opens a WebSocket to `url`.
   *
   * @throws {GatewayConnectionError} if it does not open within the timeout.
   */
  static open(url: string, options: OpenOptions): Promise<WebSocketChannel> {
    const factory = options.factory ?? defaultWebSocketFactory;
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = factory(url);
      } catch (e) {
        reject(new GatewayConnectionError(`cannot open ${url}: ${(e as Error).message}`));
        return;
      }
      const channel = new WebSocketChannel(ws, url, options.maxQueuedText ?? 64);
      const timer = setTimeout(() => {
        cleanup();
        try {
          ws.close();
        } catch { /* ignore */ }
        reject(
          new GatewayConnectionError(
            `the gateway at ${url} did not answer within ${options.timeoutMs} ms`,
          ),
        );
      }, options.timeoutMs);
      const onOpen = () => {
        cleanup();
        resolve(channel);
      };
      const onFail = () => {
        cleanup();
        reject(new GatewayConnectionError(`cannot connect to the gateway at ${url}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        ws.removeEventListener("open", onOpen);
        ws.removeEventListener("error", onFail);
        ws.removeEventListener("close", onFail);
      };
      ws.addEventListener("open", onOpen);
      ws.addEventListener("error", onFail);
      ws.addEventListener("close", onFail);
    });
  }

  /** The URL. */
  get url(): string {
    return this.#url;
  }

  /** Whether the socket is closed. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Bytes queued in the socket but not yet sent. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /** Calls `handler` once the socket closes (at once if it already has). */
  onClose(handler: (code: number, reason: string) => void): void {
    if (this.#closed !== undefined) handler(this.#closed.code, this.#closed.reason);
    else this.#closeHandlers.push(handler);
  }

  /**
   * The next text frame.
   *
   * @throws {GatewayConnectionError} on timeout or close.
   */
  nextText(timeoutMs: number): Promise<string> {
    const queued = this.#texts.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed !== undefined) {
      return Promise.reject(new GatewayConnectionError(this.#closedMessage()));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(
          new GatewayConnectionError(
            `the gateway at ${this.#url} did not answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#waiter = (value) => {
        clearTimeout(timer);
        if (value instanceof Error) reject(value);
        else resolve(value);
      };
    });
  }

  /**
   * Sends a text frame.
   *
   * @throws {GatewayConnectionError} if the socket is closed.
   */
  sendText(text: string): void {
    if (this.#closed !== undefined) throw new GatewayConnectionError(this.#closedMessage());
    this.#ws.send(text);
  }

  /**
   * Sends a binary frame.
   *
   * @throws {GatewayConnectionError} if the socket is closed.
   */
  sendBinary(bytes: Uint8Array): void {
    if (this.#closed !== undefined) throw new GatewayConnectionError(this.#closedMessage());
    this.#ws.send(bytes);
  }

  /** Closes the socket (normal closure). */
  close(): void {
    try {
      this.#ws.close(1000);
    } catch { /* already closed */ }
    this.#markClosed(1000, "closed by the client");
  }
}
