/**
 * Test-only helpers for `gateway/websocket/`: a raw WebSocket client over a real loopback TCP
 * socket that sends hand-crafted bytes and decodes what the server answers. Not part of the
 * public API (not re-exported from `mod.ts`).
 *
 * @module
 */
import { type DecodedEvent, FrameDecoder } from "./decoder.ts";
import { FrameError } from "./errors.ts";
import { encodeFrame, type EncodeFrameOptions, Opcode } from "./frame.ts";
import { findHeadEnd } from "./handshake.ts";

/** The masking key the raw client uses (any key is valid; a fixed one keeps runs identical). */
export const TEST_MASK_KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** A sample valid `Sec-WebSocket-Key` (RFC 6455 §1.3). */
export const SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/**
 * An upgrade request head with the given target and extra/overridden headers (a `null` value
 * removes a default header).
 *
 * @example
 * ```ts
 * import { upgradeRequest } from "./_test_support.ts";
 * upgradeRequest("/", { "Sec-WebSocket-Version": "8" }); // "GET / HTTP/1.1\r\n..."
 * ```
 */
export function upgradeRequest(
  target = "/",
  headers: Record<string, string | null> = {},
  method = "GET",
): string {
  const all: Record<string, string | null> = {
    Host: "127.0.0.1",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": SAMPLE_KEY,
    "Sec-WebSocket-Version": "13",
    ...headers,
  };
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(all)) {
    if (value !== null) head += `${name}: ${value}\r\n`;
  }
  return head + "\r\n";
}

/** What a {@linkcode RawClient} read: a decoded event, or the end of the TCP stream. */
export type RawEvent = DecodedEvent | { readonly type: "eof" } | { readonly type: "timeout" };

/** The HTTP response head the server sent. */
export interface RawResponse {
  /** The status code. */
  readonly status: number;
  /** The whole head (status line and headers) as text. */
  readonly head: string;
  /** The body, if any arrived with the head. */
  readonly body: string;
}

/**
 * A WebSocket client over a raw TCP socket: it sends exactly the bytes a test builds and decodes
 * the server's frames with a client-role {@linkcode FrameDecoder} (server frames must be unmasked,
 * so a masked server frame fails the test).
 *
 * @example
 * ```ts no-eval
 * import { Opcode, RawClient } from "./_test_support.ts";
 * async function hello(port: number) {
 *   await using client = await RawClient.connect(port);
 *   await client.upgrade();
 *   await client.sendFrame(Opcode.text, new TextEncoder().encode("hi"));
 * }
 * ```
 */
export class RawClient implements AsyncDisposable {
  /** The socket. */
  readonly conn: Deno.TcpConn;
  readonly #decoder = new FrameDecoder({
    role: "client",
    maxFramePayload: 64 * 1024 * 1024,
    maxMessageSize: 64 * 1024 * 1024,
  });
  readonly #buffer = new Uint8Array(64 * 1024);
  #pending: Promise<number | null> | null = null;
  #eof = false;
  #closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  /** Connects to `127.0.0.1:port`. */
  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Wraps a connection whose upgrade is already done (or not needed, in connection tests). */
  static upgraded(conn: Deno.TcpConn): RawClient {
    return new RawClient(conn);
  }

  /** Writes all of `bytes`. */
  async send(bytes: Uint8Array | string): Promise<void> {
    const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    let written = 0;
    while (written < data.length) written += await this.conn.write(data.subarray(written));
  }

  /** Sends a masked frame (or unmasked with `maskKey: undefined` in `options`). */
  sendFrame(
    opcode: Opcode,
    payload: Uint8Array,
    options: EncodeFrameOptions & { readonly unmasked?: boolean; readonly rsv?: number } = {},
  ): Promise<void> {
    const frame = encodeFrame(opcode, payload, {
      fin: options.fin,
      maskKey: options.unmasked ? undefined : options.maskKey ?? TEST_MASK_KEY,
    });
    frame[0] |= (options.rsv ?? 0) << 4;
    return this.send(frame);
  }

  /** Reads once (sharing one pending read across timeouts); `null` at EOF or on a reset. */
  async #readOnce(timeoutMs: number): Promise<number | null | "timeout"> {
    if (this.#eof) return null;
    this.#pending ??= this.conn.read(this.#buffer).catch(() => null);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      this.#pending,
      new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), timeoutMs)),
    ]);
    clearTimeout(timer);
    if (result === "timeout") return result;
    this.#pending = null;
    if (result === null) this.#eof = true;
    return result;
  }

  /** Sends the upgrade request (default: valid) and reads the response head. */
  async upgrade(request: string = upgradeRequest(), timeoutMs = 2000): Promise<RawResponse> {
    await this.send(request);
    return await this.readResponse(timeoutMs);
  }

  /** Reads an HTTP response head (and whatever body arrives until EOF for error responses). */
  async readResponse(timeoutMs = 2000): Promise<RawResponse> {
    let bytes: Uint8Array = new Uint8Array(0);
    for (;;) {
      const end = findHeadEnd(bytes);
      if (end >= 0) {
        const head = latin1.decode(bytes.subarray(0, end));
        const status = Number(head.split(" ")[1]);
        const rest = bytes.slice(end);
        if (status === 101) {
          this.#decoder.push(rest);
          return { status, head, body: "" };
        }
        // Error responses close the connection: read the body to EOF.
        let body: Uint8Array = rest;
        for (;;) {
          const n = await this.#readOnce(timeoutMs);
          if (n === null || n === "timeout") break;
          body = concat(body, this.#buffer.subarray(0, n));
        }
        return { status, head, body: latin1.decode(body) };
      }
      const n = await this.#readOnce(timeoutMs);
      if (n === null) throw new Error("connection closed before the response head");
      if (n === "timeout") throw new Error("no response head in time");
      bytes = concat(bytes, this.#buffer.subarray(0, n));
    }
  }

  /** The next frame event from the server, `eof` when the server closed TCP, or `timeout`. */
  async next(timeoutMs = 2000): Promise<RawEvent> {
    for (;;) {
      let event: DecodedEvent | null;
      try {
        event = this.#decoder.next();
      } catch (e) {
        if (e instanceof FrameError) throw new Error(`server sent an invalid frame: ${e.message}`);
        throw e;
      }
      if (event !== null) return event;
      const n = await this.#readOnce(timeoutMs);
      if (n === null) return { type: "eof" };
      if (n === "timeout") return { type: "timeout" };
      this.#decoder.push(this.#buffer.subarray(0, n));
    }
  }

  /** Skips data and control frames until the server's close frame; returns it (or eof/timeout). */
  async nextClose(timeoutMs = 2000): Promise<RawEvent> {
    for (;;) {
      const event = await this.next(timeoutMs);
      if (event.type === "close" || event.type === "eof" || event.type === "timeout") return event;
    }
  }

  /** Waits until the server closes TCP; true if it did within `timeoutMs`. */
  async waitEof(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const n = await this.#readOnce(left);
      if (n === null) return true;
      if (n === "timeout") return false;
    }
  }

  /** Closes the socket and waits for the pending read to settle. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
    await this.#pending;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Concatenates two byte arrays.
 *
 * @example
 * ```ts
 * import { concat } from "./_test_support.ts";
 * concat(new Uint8Array([1]), new Uint8Array([2])); // Uint8Array [1, 2]
 * ```
 */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Resolves after `ms` milliseconds.
 *
 * @example
 * ```ts
 * import { delay } from "./_test_support.ts";
 * await delay(1);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` every 5 ms until it holds or `timeoutMs` passes; returns whether it held.
 *
 * @example
 * ```ts
 * import { waitFor } from "./_test_support.ts";
 * await waitFor(() => true); // true
 * ```
 */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await delay(5);
  }
  return true;
}

/** A loopback TCP connection pair: `server` is the accepted side. */
export interface TcpPair extends AsyncDisposable {
  /** The accepted (server) side. */
  readonly server: Deno.TcpConn;
  /** The connecting side, as a raw WebSocket client past the handshake. */
  readonly client: RawClient;
}

/**
 * Opens a loopback TCP connection pair on an ephemeral port.
 *
 * @example
 * ```ts no-eval
 * import { tcpPair } from "./_test_support.ts";
 * import { WebSocketConnection } from "./connection.ts";
 * await using pair = await tcpPair();
 * const conn = new WebSocketConnection(pair.server);
 * ```
 */
export async function tcpPair(): Promise<TcpPair> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const [client, server] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      listener.accept(),
    ]);
    const raw = RawClient.upgraded(client);
    return {
      server,
      client: raw,
      async [Symbol.asyncDispose]() {
        await raw.close();
        try {
          server.close();
        } catch { /* closed by the test */ }
      },
    };
  } finally {
    listener.close();
  }
}

/** A stream wrapper whose writes wait while its gate is shut, to hold frames in the queue. */
export interface GatedStream {
  /** The stream to give the connection. */
  readonly stream: {
    read(p: Uint8Array): Promise<number | null>;
    write(p: Uint8Array): Promise<number>;
    close(): void;
    closeWrite(): Promise<void>;
  };
  /** Write calls made so far. */
  readonly writes: number;
  /** Shuts the gate: later writes wait. */
  shut(): void;
  /** Opens the gate: waiting writes proceed. */
  open(): void;
}

/**
 * Wraps a real connection so a test can hold writes back (as a peer that stops reading would,
 * but deterministically) and count write calls.
 *
 * @example
 * ```ts no-eval
 * import { gatedStream } from "./_test_support.ts";
 * function hold(conn: Deno.TcpConn) {
 *   const gated = gatedStream(conn);
 *   gated.shut();
 *   return gated;
 * }
 * ```
 */
export function gatedStream(conn: Deno.TcpConn): GatedStream {
  let gate: Promise<void> | null = null;
  let release: () => void = () => {};
  let writes = 0;
  return {
    stream: {
      read: (p) => conn.read(p),
      async write(p) {
        writes++;
        while (gate) await gate;
        return await conn.write(p);
      },
      close: () => {
        gate = null;
        release();
        conn.close();
      },
      closeWrite: () => conn.closeWrite(),
    },
    get writes() {
      return writes;
    },
    shut() {
      gate ??= new Promise((resolve) => release = resolve);
    },
    open() {
      gate = null;
      release();
    },
  };
}

/**
 * An unbounded FIFO with a timed `next`, for collecting what callbacks deliver in tests.
 *
 * @example
 * ```ts
 * import { AsyncQueue } from "./_test_support.ts";
 * const q = new AsyncQueue<number>();
 * q.push(1);
 * await q.next(); // 1
 * ```
 */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];

  /** Number of items waiting. */
  get length(): number {
    return this.#items.length;
  }

  /** Adds an item (or hands it to a waiting `next`). */
  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  /** The next item; rejects after `timeoutMs`. */
  next(timeoutMs = 3000): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift()!);
    return new Promise((resolve, reject) => {
      const waiter = (item: T) => {
        clearTimeout(timer);
        resolve(item);
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`nothing arrived within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}

/** A Deno `WebSocket` client with its messages queued and its close event awaited. */
export interface DenoClient extends AsyncDisposable {
  /** The client. */
  readonly ws: WebSocket;
  /** Received messages (strings, or bytes for binary). */
  readonly messages: AsyncQueue<string | Uint8Array>;
  /** Resolves with the close event. */
  readonly closed: Promise<CloseEvent>;
}

/**
 * Opens Deno's built-in `WebSocket` client (what the Nym wasm client uses under Deno) and waits
 * for the connection to open.
 *
 * @example
 * ```ts no-eval
 * import { openDenoClient } from "./_test_support.ts";
 * async function hello(port: number) {
 *   await using client = await openDenoClient(`ws://127.0.0.1:${port}/`);
 *   client.ws.send("hi");
 * }
 * ```
 */
export async function openDenoClient(url: string, protocols?: string[]): Promise<DenoClient> {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = "arraybuffer";
  const messages = new AsyncQueue<string | Uint8Array>();
  ws.onmessage = (e) => {
    messages.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
  };
  const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = (e) => reject(new Error(`WebSocket error: ${(e as ErrorEvent).message}`));
  });
  return {
    ws,
    messages,
    closed,
    async [Symbol.asyncDispose]() {
      if (ws.readyState === WebSocket.OPEN) ws.close();
      await closed;
    },
  };
}

/** Re-exported for tests that build frames. */
export { Opcode };
