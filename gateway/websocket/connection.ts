/**
 * One server-side WebSocket connection (RFC 6455) over an already-upgraded byte stream: message
 * iteration, awaitable and bounded sends, ping/pong, the closing handshake and an idle timeout.
 * The byte-level work is done by {@linkcode FrameDecoder} and `encodeFrame`; this module only
 * moves bytes and keeps state.
 *
 * Memory: an idle connection holds one pending read into a small buffer (4 KiB by default; it
 * doubles while reads fill it, up to 64 KiB, and halves again after a run of small reads), the
 * decoder's few fields and one timer when an idle timeout is set.
 *
 * Flow control: sends are serialised through one write queue; frames queued while a write is in
 * progress are coalesced into one write. `bufferedAmount` counts bytes queued or being written;
 * with `maxQueuedBytes` a send that would go past it is refused with a
 * {@linkcode BackpressureError}. Inbound, reading pauses while the consumer has more than
 * `maxReceiveQueueMessages` messages or `maxReceiveQueueBytes` bytes waiting, so a slow consumer
 * pushes back on the peer through TCP instead of growing memory.
 *
 * @module
 */
import type { Clock } from "../../util/clock.ts";
import { systemClock } from "../../util/clock.ts";
import {
  type CloseStatus,
  encodeClosePayload,
  isValidCloseCode,
  WebSocketCloseCode,
} from "./close.ts";
import { FrameDecoder } from "./decoder.ts";
import { BackpressureError, ConnectionClosedError, FrameError } from "./errors.ts";
import { encodeFrame, MAX_CONTROL_PAYLOAD, Opcode } from "./frame.ts";

/** The byte stream a connection runs over; a `Deno.Conn` satisfies it. */
export interface WebSocketByteStream {
  /** Reads into `p`; resolves with the byte count, or `null` at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes a prefix of `p`; resolves with the number of bytes written. */
  write(p: Uint8Array): Promise<number>;
  /** Closes the stream; pending reads and writes end. */
  close(): void;
  /** Half-closes (sends FIN) when the transport supports it. */
  closeWrite?(): Promise<void>;
}

/** A received message. */
export type WebSocketMessage =
  | { readonly type: "text"; readonly data: string }
  | { readonly type: "binary"; readonly data: Uint8Array };

/** How a connection ended. */
export interface CloseInfo {
  /**
   * The status of the closing handshake: the code of whoever sent the first close frame (the
   * peer's when `remote`, ours otherwise; 1005 if the peer's frame had no code), or 1006 when the
   * connection ended without any close frame.
   */
  readonly code: number;
  /** The reason that went with `code`. */
  readonly reason: string;
  /** True iff both close frames were exchanged and no protocol error occurred. */
  readonly wasClean: boolean;
  /** True iff the peer sent the first close frame (or dropped the connection). */
  readonly remote: boolean;
}

/** What happens when nothing has been received for `idleTimeoutMs`. */
export type IdleAction = "close" | "ping";

/** Options of a {@linkcode WebSocketConnection}; every field has a default. */
export interface WebSocketConnectionOptions {
  /** Largest payload of one received frame (default 1 MiB). */
  readonly maxFramePayload?: number;
  /** Largest received message after reassembly (default 1 MiB). */
  readonly maxMessageSize?: number;
  /**
   * Sends are refused with {@linkcode BackpressureError} when this many bytes would be queued
   * (default: unlimited). A single frame is always accepted when the queue is empty.
   */
  readonly maxQueuedBytes?: number;
  /** Reading pauses while this many received messages wait for the consumer (default 16). */
  readonly maxReceiveQueueMessages?: number;
  /** Reading pauses while this many received bytes wait for the consumer (default 1 MiB). */
  readonly maxReceiveQueueBytes?: number;
  /** How long to wait for the peer's close frame, and for our own to be written (default 1000). */
  readonly closeTimeoutMs?: number;
  /** Close (or ping, see `idleAction`) after this long without receiving anything; 0 = never. */
  readonly idleTimeoutMs?: number;
  /** `"close"` closes with 1001; `"ping"` pings first and closes if nothing arrives (default "close"). */
  readonly idleAction?: IdleAction;
  /** With `idleAction: "ping"`, how long to wait for any data after the ping (default 10 000). */
  readonly idlePingTimeoutMs?: number;
  /** Initial (and minimum) read buffer size (default 4096). */
  readonly readBufferSize?: number;
  /** Largest read buffer (default 65 536). */
  readonly maxReadBufferSize?: number;
  /** Largest write when coalescing queued frames (default 65 536; one frame may exceed it). */
  readonly maxWriteBatchBytes?: number;
  /** Bytes already read after the HTTP request head: the start of the frame stream. */
  readonly initialData?: Uint8Array;
  /** The peer's address, for logs and limits (default ""). */
  readonly remoteAddress?: string;
  /** Time source for idle detection (default the system clock). */
  readonly clock?: Clock;
}

/** Default limits of received frames and messages. */
export const DEFAULT_MAX_FRAME_PAYLOAD = 1024 * 1024;
/** Default limit of a reassembled message. */
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;
/** Default wait for the closing handshake. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 1000;

interface QueuedWrite {
  bytes: Uint8Array;
  resolve?: () => void;
  reject?: (error: Error) => void;
}

interface PongWaiter {
  readonly payload: Uint8Array;
  readonly resolve: (alive: boolean) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Connection state: see {@linkcode WebSocketConnection.readyState}. */
export type WebSocketState = "open" | "closing" | "closed";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const encoder = new TextEncoder();

/**
 * A server-side WebSocket connection. Reading starts at construction; iterate the connection to
 * receive messages (iteration ends when the connection closes). Ping frames are answered
 * automatically; control frames are never surfaced.
 *
 * Always handle the promises `sendText`/`sendBinary` return: they reject with
 * {@linkcode BackpressureError} or {@linkcode ConnectionClosedError}.
 *
 * @example
 * ```ts no-eval
 * import { WebSocketConnection } from "./connection.ts";
 * import type { ParsedUpgradeRequest } from "./handshake.ts";
 *
 * // `tcpConn` has been upgraded: the 101 response is written.
 * async function echo(tcpConn: Deno.TcpConn, parsed: ParsedUpgradeRequest) {
 *   const conn = new WebSocketConnection(tcpConn, {
 *     initialData: parsed.rest,
 *     maxQueuedBytes: 1 << 20,
 *   });
 *   for await (const message of conn) {
 *     if (message.type === "text") await conn.sendText(message.data);
 *   }
 *   return await conn.closed; // { code, reason, wasClean, remote }
 * }
 * ```
 */
export class WebSocketConnection implements AsyncIterable<WebSocketMessage> {
  /** The peer's address. */
  readonly remoteAddress: string;
  /** Resolves once the connection is fully closed (TCP closed), from either side. */
  readonly closed: Promise<CloseInfo>;

  readonly #stream: WebSocketByteStream;
  readonly #decoder: FrameDecoder;
  readonly #clock: Clock;
  readonly #maxQueuedBytes: number;
  readonly #maxReceiveMessages: number;
  readonly #maxReceiveBytes: number;
  readonly #closeTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #idleAction: IdleAction;
  readonly #idlePingTimeoutMs: number;
  readonly #minRead: number;
  readonly #maxRead: number;
  readonly #maxBatch: number;

  #state: WebSocketState = "open";
  /** Set once no more messages will be delivered (close frame, EOF, failure, local close). */
  #inputEnded = false;
  /** Reading discards everything (after a protocol error). */
  #draining = false;
  #closeWritten = false;
  #closeReceived: CloseStatus | null = null;
  #localStatus: CloseStatus | null = null;
  #failed = false;
  #finishing = false;
  #closeFrameWritten: Promise<boolean> | null = null;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  // Write side.
  #queue: QueuedWrite[] = [];
  #queueHead = 0;
  #buffered = 0;
  #flushing: Promise<void> | null = null;
  #pendingPong: QueuedWrite | null = null;
  #writeClosed = false;

  // Read side.
  #inbox: WebSocketMessage[] = [];
  #inboxHead = 0;
  #inboxBytes = 0;
  #readers: ((result: IteratorResult<WebSocketMessage>) => void)[] = [];
  #resume: (() => void) | null = null;
  #readLoop: Promise<void>;

  // Liveness.
  #pongWaiters = new Set<PongWaiter>();
  #lastActivity: number;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #idlePingSentAt: number | null = null;

  #resolveClosed!: (info: CloseInfo) => void;

  /** Starts a connection over `stream`, which must already have completed the HTTP upgrade. */
  constructor(stream: WebSocketByteStream, options: WebSocketConnectionOptions = {}) {
    this.#stream = stream;
    this.remoteAddress = options.remoteAddress ?? "";
    this.#clock = options.clock ?? systemClock;
    this.#decoder = new FrameDecoder({
      role: "server",
      maxFramePayload: options.maxFramePayload ?? DEFAULT_MAX_FRAME_PAYLOAD,
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    });
    this.#maxQueuedBytes = options.maxQueuedBytes ?? Infinity;
    this.#maxReceiveMessages = Math.max(1, options.maxReceiveQueueMessages ?? 16);
    this.#maxReceiveBytes = Math.max(1, options.maxReceiveQueueBytes ?? 1024 * 1024);
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 0;
    this.#idleAction = options.idleAction ?? "close";
    this.#idlePingTimeoutMs = options.idlePingTimeoutMs ?? 10_000;
    this.#minRead = Math.max(64, options.readBufferSize ?? 4096);
    this.#maxRead = Math.max(this.#minRead, options.maxReadBufferSize ?? 65536);
    this.#maxBatch = Math.max(1, options.maxWriteBatchBytes ?? 65536);
    this.#lastActivity = this.#clock.monotonic();
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    if (this.#idleTimeoutMs > 0) this.#armIdle(this.#idleTimeoutMs);
    this.#readLoop = this.#read(options.initialData);
  }

  /** Bytes queued for sending (or being written) but not yet handed to the socket. */
  get bufferedAmount(): number {
    return this.#buffered;
  }

  /** `"open"`, `"closing"` (a close frame was sent or received) or `"closed"`. */
  get readyState(): WebSocketState {
    return this.#state;
  }

  /** Received messages not yet taken by the consumer. */
  get receiveQueueLength(): number {
    return this.#inbox.length - this.#inboxHead;
  }

  /**
   * Sends a text message; resolves when the frame has been handed to the socket.
   *
   * @throws {BackpressureError} (rejection) more than `maxQueuedBytes` would be queued.
   * @throws {ConnectionClosedError} (rejection) the connection is closing or closed, or closed
   * before the frame could be written.
   */
  sendText(text: string): Promise<void> {
    return this.#sendData(Opcode.text, encoder.encode(text));
  }

  /** Sends a binary message (the bytes are copied); same semantics as {@linkcode sendText}. */
  sendBinary(data: Uint8Array): Promise<void> {
    return this.#sendData(Opcode.binary, data);
  }

  #sendData(opcode: Opcode, payload: Uint8Array): Promise<void> {
    if (this.#state !== "open") {
      return Promise.reject(new ConnectionClosedError(`connection is ${this.#state}`));
    }
    const frame = encodeFrame(opcode, payload);
    if (this.#buffered > 0 && this.#buffered + frame.length > this.#maxQueuedBytes) {
      return Promise.reject(new BackpressureError(this.#buffered, this.#maxQueuedBytes));
    }
    return new Promise((resolve, reject) => this.#enqueue({ bytes: frame, resolve, reject }));
  }

  /**
   * Sends a ping and waits for the pong carrying the same payload. Resolves `true` iff it
   * arrives within `timeoutMs`; `false` on timeout or when the connection closes first (never
   * rejects). Pongs with other payloads (unsolicited, or for other pings) are ignored.
   *
   * @throws {RangeError} a payload over 125 bytes.
   */
  ping(payload: Uint8Array, timeoutMs: number): Promise<boolean> {
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new RangeError("ping payload is limited to 125 bytes");
    }
    if (this.#state !== "open") return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: PongWaiter = {
        payload: payload.slice(),
        resolve: (alive) => {
          clearTimeout(waiter.timer);
          this.#pongWaiters.delete(waiter);
          resolve(alive);
        },
        timer: setTimeout(() => waiter.resolve(false), timeoutMs),
      };
      this.#pongWaiters.add(waiter);
      this.#enqueue({ bytes: encodeFrame(Opcode.ping, payload) });
    });
  }

  /**
   * Starts the closing handshake: queued messages are written, then a close frame with `code` and
   * `reason` (truncated to 123 UTF-8 bytes); the TCP connection is closed when the peer's close
   * frame arrives or after `closeTimeoutMs`. Messages received meanwhile are discarded. Resolves
   * like {@linkcode closed}; calling it again (or after the peer closed) changes nothing.
   *
   * @throws {RangeError} a code that may not be sent (1005, 1006, 1015, 0–999, 1016–2999, ≥ 5000).
   */
  close(
    code: number = WebSocketCloseCode.normal,
    reason = "",
  ): Promise<CloseInfo> {
    if (!isValidCloseCode(code)) throw new RangeError(`close code ${code} may not be sent`);
    if (this.#state === "open") {
      this.#state = "closing";
      this.#localStatus = { code, reason };
      this.#endInput();
      this.#sendClose(code, reason);
      this.#closeTimer = setTimeout(() => this.#finish(), this.#closeTimeoutMs);
      this.#wakeReader();
    }
    return this.closed;
  }

  /** Closes the TCP connection at once, without a closing handshake (reported as 1006). */
  abort(): void {
    this.#endInput();
    this.#finish();
  }

  /** Iterates received messages until the connection closes. */
  [Symbol.asyncIterator](): AsyncIterator<WebSocketMessage> {
    return {
      next: () => this.#nextMessage(),
      return: () => Promise.resolve({ done: true, value: undefined }),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  #nextMessage(): Promise<IteratorResult<WebSocketMessage>> {
    if (this.#inboxHead < this.#inbox.length) {
      const message = this.#inbox[this.#inboxHead];
      this.#inbox[this.#inboxHead++] = undefined as unknown as WebSocketMessage;
      if (this.#inboxHead === this.#inbox.length) {
        this.#inbox = [];
        this.#inboxHead = 0;
      }
      this.#inboxBytes -= messageBytes(message);
      this.#wakeReader();
      return Promise.resolve({ done: false, value: message });
    }
    if (this.#inputEnded) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.#readers.push(resolve));
  }

  #deliver(message: WebSocketMessage): void {
    const reader = this.#readers.shift();
    if (reader) {
      reader({ done: false, value: message });
      return;
    }
    this.#inbox.push(message);
    this.#inboxBytes += messageBytes(message);
  }

  #endInput(): void {
    if (this.#inputEnded) return;
    this.#inputEnded = true;
    if (this.#inboxHead >= this.#inbox.length) {
      for (const reader of this.#readers.splice(0)) reader({ done: true, value: undefined });
    }
  }

  #paused(): boolean {
    return this.#state === "open" &&
      (this.#inbox.length - this.#inboxHead >= this.#maxReceiveMessages ||
        this.#inboxBytes >= this.#maxReceiveBytes);
  }

  #wakeReader(): void {
    if (this.#resume && !this.#paused()) {
      const resume = this.#resume;
      this.#resume = null;
      resume();
    }
  }

  async #read(initialData: Uint8Array | undefined): Promise<void> {
    let buffer = new Uint8Array(this.#minRead);
    let smallReads = 0;
    try {
      if (initialData && initialData.length > 0) this.#receive(initialData);
      while (this.#state !== "closed" && this.#closeReceived === null) {
        if (this.#paused()) {
          await new Promise<void>((resolve) => this.#resume = resolve);
          continue;
        }
        const n = await this.#stream.read(buffer);
        if (n === null) break;
        this.#lastActivity = this.#clock.monotonic();
        if (this.#draining) continue;
        this.#receive(buffer.subarray(0, n));
        // Adapt the buffer: grow while reads fill it, shrink after a run of small reads, so an
        // idle connection's pending read holds a small buffer.
        if (n === buffer.length && buffer.length < this.#maxRead) {
          buffer = new Uint8Array(Math.min(this.#maxRead, buffer.length * 2));
          smallReads = 0;
        } else if (buffer.length > this.#minRead && n <= buffer.length >>> 2) {
          if (++smallReads >= 4) {
            buffer = new Uint8Array(Math.max(this.#minRead, buffer.length >>> 1));
            smallReads = 0;
          }
        } else {
          smallReads = 0;
        }
      }
    } catch {
      // A reset or a read on a stream we closed: the connection is over either way.
    }
    // End of stream (or the peer's close frame, after which nothing more is read).
    if (this.#closeReceived === null) {
      this.#endInput();
      this.#finish();
    }
  }

  #receive(chunk: Uint8Array): void {
    this.#decoder.push(chunk);
    for (;;) {
      let event;
      try {
        event = this.#decoder.next();
      } catch (e) {
        if (e instanceof FrameError) {
          this.#fail(e);
          return;
        }
        throw e;
      }
      if (event === null) return;
      switch (event.type) {
        case "text":
        case "binary":
          if (this.#state === "open") this.#deliver(event);
          break;
        case "ping":
          if (!this.#writeClosed) this.#queuePong(event.data);
          break;
        case "pong":
          for (const waiter of this.#pongWaiters) {
            if (sameBytes(waiter.payload, event.data)) waiter.resolve(true);
          }
          break;
        case "close":
          this.#onPeerClose({ code: event.code, reason: event.reason });
          return;
      }
    }
  }

  #onPeerClose(status: CloseStatus): void {
    this.#closeReceived = status;
    this.#endInput();
    if (this.#state === "open") {
      this.#state = "closing";
      // Echo the peer's code (RFC 6455 §5.5.1); an empty close is answered with an empty one.
      this.#sendClose(status.code, "");
      this.#closeTimer = setTimeout(() => this.#finish(), this.#closeTimeoutMs);
    }
    // Both close frames are known: close TCP once ours is written (the server closes first,
    // RFC 6455 §7.1.1).
    this.#closeFrameWritten!.then(() => this.#finish());
  }

  /** _Fail the WebSocket Connection_ (RFC 6455 §7.1.7) with the error's close code. */
  #fail(error: FrameError): void {
    this.#failed = true;
    this.#draining = true;
    this.#endInput();
    if (this.#state !== "open") {
      this.#finish();
      return;
    }
    this.#state = "closing";
    this.#localStatus = { code: error.closeCode, reason: error.message };
    // Queued data will never be wanted now; keep only what is already being written.
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      this.#queue[i].reject?.(new ConnectionClosedError("connection failed: " + error.message));
      this.#buffered -= this.#queue[i].bytes.length;
    }
    this.#queue = [];
    this.#queueHead = 0;
    this.#pendingPong = null;
    this.#sendClose(error.closeCode, error.message);
    this.#closeTimer = setTimeout(() => this.#finish(), this.#closeTimeoutMs);
    // After our close frame, half-close and keep draining until the peer closes: closing with
    // unread input would reset the connection and could destroy the close frame in flight.
    this.#closeFrameWritten!.then(async (written) => {
      if (!written) return this.#finish();
      try {
        await this.#stream.closeWrite?.();
      } catch {
        this.#finish();
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  #sendClose(code: number, reason: string): void {
    const frame = encodeFrame(Opcode.close, encodeClosePayload(code, reason));
    this.#closeFrameWritten = new Promise<boolean>((resolve) => {
      this.#enqueue({
        bytes: frame,
        resolve: () => {
          this.#closeWritten = true;
          resolve(true);
        },
        reject: () => resolve(false),
      });
    });
    this.#writeClosed = true;
  }

  #queuePong(payload: Uint8Array): void {
    const frame = encodeFrame(Opcode.pong, payload);
    // Answer only the latest ping when earlier pongs are still queued (RFC 6455 §5.5.3), so a
    // ping flood from a peer that does not read cannot grow the queue.
    if (this.#pendingPong) {
      this.#buffered += frame.length - this.#pendingPong.bytes.length;
      this.#pendingPong.bytes = frame;
      return;
    }
    const entry: QueuedWrite = { bytes: frame };
    this.#pendingPong = entry;
    this.#enqueue(entry);
  }

  #enqueue(entry: QueuedWrite): void {
    if (this.#writeClosed || this.#state === "closed") {
      entry.reject?.(new ConnectionClosedError(`connection is ${this.#state}`));
      return;
    }
    this.#queue.push(entry);
    this.#buffered += entry.bytes.length;
    this.#flushing ??= this.#flush();
  }

  async #flush(): Promise<void> {
    while (this.#queueHead < this.#queue.length && this.#state !== "closed") {
      const queue = this.#queue;
      const start = this.#queueHead;
      let end = start + 1;
      let total = queue[start].bytes.length;
      while (end < queue.length && total + queue[end].bytes.length <= this.#maxBatch) {
        total += queue[end].bytes.length;
        end++;
      }
      const batch = queue.slice(start, end);
      this.#queueHead = end;
      if (end === queue.length) {
        this.#queue = [];
        this.#queueHead = 0;
      } else if (end > 1024 && end * 2 > queue.length) {
        this.#queue = queue.slice(end);
        this.#queueHead = 0;
      }
      if (this.#pendingPong && batch.includes(this.#pendingPong)) this.#pendingPong = null;
      let data: Uint8Array;
      if (batch.length === 1) {
        data = batch[0].bytes;
      } else {
        data = new Uint8Array(total);
        let at = 0;
        for (const entry of batch) {
          data.set(entry.bytes, at);
          at += entry.bytes.length;
        }
      }
      try {
        let written = 0;
        while (written < data.length) {
          const n = await this.#stream.write(written === 0 ? data : data.subarray(written));
          written += n;
          this.#buffered -= n;
        }
      } catch {
        const error = new ConnectionClosedError("write failed: the connection is gone");
        for (const entry of batch) entry.reject?.(error);
        this.#buffered = 0;
        this.#flushing = null;
        this.#endInput();
        this.#finish();
        return;
      }
      for (const entry of batch) entry.resolve?.();
    }
    this.#flushing = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Idle timeout

  #armIdle(delayMs: number): void {
    this.#idleTimer = setTimeout(() => this.#onIdleTimer(), Math.max(1, delayMs));
  }

  #onIdleTimer(): void {
    this.#idleTimer = undefined;
    if (this.#state !== "open") return;
    const now = this.#clock.monotonic();
    if (this.#paused()) {
      // The consumer is behind, so we are not reading: silence is ours, not the peer's.
      this.#lastActivity = now;
      this.#idlePingSentAt = null;
      return this.#armIdle(this.#idleTimeoutMs);
    }
    if (this.#idlePingSentAt !== null) {
      if (this.#lastActivity > this.#idlePingSentAt) {
        this.#idlePingSentAt = null;
      } else {
        const waited = now - this.#idlePingSentAt;
        if (waited >= this.#idlePingTimeoutMs) {
          this.close(WebSocketCloseCode.goingAway, "idle timeout");
          return;
        }
        return this.#armIdle(this.#idlePingTimeoutMs - waited);
      }
    }
    const idle = now - this.#lastActivity;
    if (idle < this.#idleTimeoutMs) return this.#armIdle(this.#idleTimeoutMs - idle);
    if (this.#idleAction === "close") {
      this.close(WebSocketCloseCode.goingAway, "idle timeout");
      return;
    }
    this.#idlePingSentAt = now;
    this.#enqueue({ bytes: encodeFrame(Opcode.ping, new Uint8Array(0)) });
    this.#armIdle(this.#idlePingTimeoutMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Teardown

  /** Closes TCP, settles everything pending and resolves {@linkcode closed}. Idempotent. */
  #finish(): void {
    if (this.#finishing) return;
    this.#finishing = true;
    this.#state = "closed";
    this.#writeClosed = true;
    clearTimeout(this.#closeTimer);
    clearTimeout(this.#idleTimer);
    this.#endInput();
    try {
      this.#stream.close();
    } catch { /* already closed */ }
    const error = new ConnectionClosedError("connection closed before the frame was written");
    for (let i = this.#queueHead; i < this.#queue.length; i++) this.#queue[i].reject?.(error);
    this.#queue = [];
    this.#queueHead = 0;
    this.#pendingPong = null;
    this.#buffered = 0;
    for (const waiter of this.#pongWaiters) waiter.resolve(false);
    const resume = this.#resume;
    this.#resume = null;
    resume?.();

    const info = this.#closeInfo();
    // Resolve only after the read loop and any write have returned, so no operation on the
    // closed stream is still pending when `closed` settles.
    Promise.all([this.#readLoop, this.#flushing]).then(() => this.#resolveClosed(info));
  }

  #closeInfo(): CloseInfo {
    const local = this.#localStatus;
    const remote = this.#closeReceived;
    if (local !== null) {
      return {
        code: local.code,
        reason: local.reason,
        wasClean: !this.#failed && remote !== null && this.#closeWritten,
        remote: false,
      };
    }
    if (remote !== null) {
      return {
        code: remote.code,
        reason: remote.reason,
        wasClean: this.#closeWritten,
        remote: true,
      };
    }
    return { code: WebSocketCloseCode.abnormal, reason: "", wasClean: false, remote: true };
  }
}

/** Bytes for binary messages; UTF-16 code units (an approximation of the footprint) for text. */
function messageBytes(message: WebSocketMessage): number {
  return message.data.length;
}
