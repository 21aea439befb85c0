/**
 * Outbound mixnet connections (`nym-node.md` §3.6): one connection per next-hop address, each
 * with a bounded queue of frames; a full queue drops (and counts) new packets; a dead connection
 * is re-established with exponential backoff while its queue waits (up to its bound), and is
 * drained as soon as the next hop answers again.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { encodeFrames, type FrameInit } from "../framing/mod.ts";
import { reconnectBackoffMs } from "./backoff.ts";

/** A writable byte stream to a next hop (plain TCP or Noise). */
export interface OutboundStream {
  write(bytes: Uint8Array): Promise<number>;
  /** Next hops never send on this connection; a read only tells us when it closed. */
  read?(buffer: Uint8Array): Promise<number | null>;
  close(): void;
}

/** Opens a stream to `host:port`; rejects on failure or timeout. */
export type Dialer = (host: string, port: number, timeoutMs: number) => Promise<OutboundStream>;

/** Options of {@linkcode PacketForwarder}. */
export interface ForwarderOptions {
  readonly dial: Dialer;
  /** Frames queued per next hop before new ones are dropped (nym-node: 2000). */
  readonly maxQueuePerHop: number;
  readonly connectTimeoutMs: number;
  readonly initialBackoffMs: number;
  readonly maximumBackoffMs: number;
  /** Close connections that carried nothing for this long. */
  readonly idleTimeoutMs: number;
  /** Called for every frame written (`sent`) or dropped (`dropped`). */
  readonly onSent?: (frame: FrameInit, queuedAtMs: number) => void;
  readonly onDropped?: (frame: FrameInit) => void;
  readonly onConnection?: (delta: 1 | -1) => void;
  /** Monotonic milliseconds (injectable for tests). */
  readonly now?: () => number;
}

interface Queued {
  readonly frame: FrameInit;
  readonly at: number;
}

const log = getLogger(["nym-node", "mixnet", "egress"]);

class HopConnection {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  queue: Queued[] = [];
  stream: OutboundStream | null = null;
  attempt = 0;
  running = false;
  closed = false;
  lastActivity = 0;
  wake: (() => void) | null = null;
  timer: ReturnType<typeof setTimeout> | undefined;
  wakeSleep: (() => void) | null = null;

  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
    this.key = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  }
}

/** Routes frames to next hops. */
export class PacketForwarder {
  readonly #options: ForwarderOptions;
  readonly #hops = new Map<string, HopConnection>();
  readonly #now: () => number;
  #closed = false;

  /**
   * Creates a forwarder.
   *
   * @example
   * ```ts no-eval
   * const forwarder = new PacketForwarder({ dial: tcpDialer, maxQueuePerHop: 2000, connectTimeoutMs: 1500,
   *   initialBackoffMs: 10_000, maximumBackoffMs: 300_000, idleTimeoutMs: 600_000 });
   * forwarder.send("127.0.0.1", 1789, { version: 7, packetType: 0, keyRotation: 0, packet });
   * ```
   */
  constructor(options: ForwarderOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Frames queued on all connections. */
  get queued(): number {
    let n = 0;
    for (const h of this.#hops.values()) n += h.queue.length;
    return n;
  }

  /** Number of next-hop connections (in any state). */
  get connections(): number {
    return this.#hops.size;
  }

  /** Queues `frame` for `host:port`; returns false (and counts a drop) if its queue is full. */
  send(host: string, port: number, frame: FrameInit): boolean {
    if (this.#closed) {
      this.#options.onDropped?.(frame);
      return false;
    }
    const key = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    let hop = this.#hops.get(key);
    if (!hop) {
      hop = new HopConnection(host, port);
      this.#hops.set(key, hop);
    }
    if (hop.queue.length >= this.#options.maxQueuePerHop) {
      this.#options.onDropped?.(frame);
      return false;
    }
    hop.queue.push({ frame, at: this.#now() });
    if (!hop.running) this.#run(hop);
    else hop.wake?.();
    return true;
  }

  async #run(hop: HopConnection): Promise<void> {
    hop.running = true;
    try {
      while (!hop.closed && !this.#closed) {
        if (!hop.stream) {
          try {
            hop.stream = await this.#options.dial(
              hop.host,
              hop.port,
              this.#options.connectTimeoutMs,
            );
            hop.attempt = 0;
            this.#options.onConnection?.(1);
            this.#watch(hop, hop.stream);
            log.debug("connected to next hop {hop}", { hop: hop.key });
          } catch (e) {
            const wait = reconnectBackoffMs(
              hop.attempt++,
              this.#options.initialBackoffMs,
              this.#options.maximumBackoffMs,
            );
            log.warn(
              "cannot reach next hop {hop}: {error}; retrying in {wait} ms with {queued} packets queued",
              {
                hop: hop.key,
                error: (e as Error).message,
                wait,
                queued: hop.queue.length,
              },
            );
            await this.#sleep(hop, wait);
            continue;
          }
        }
        if (hop.queue.length === 0) {
          const idle = await this.#waitForWork(hop);
          if (idle) break;
          continue;
        }
        const batch = hop.queue;
        hop.queue = [];
        const bytes = encodeFrames(batch.map((q) => q.frame));
        try {
          await writeAll(hop.stream, bytes);
          hop.lastActivity = this.#now();
          for (const q of batch) this.#options.onSent?.(q.frame, q.at);
        } catch (e) {
          log.warn("connection to {hop} failed: {error}", {
            hop: hop.key,
            error: (e as Error).message,
          });
          this.#dropStream(hop);
          // The batch may have been partly written; resending could duplicate packets the next
          // hop already accepted, so the unsent remainder is counted as dropped.
          for (const q of batch) this.#options.onDropped?.(q.frame);
        }
      }
    } finally {
      hop.running = false;
      if (hop.queue.length === 0 || hop.closed || this.#closed) {
        this.#dropStream(hop);
        if (this.#hops.get(hop.key) === hop && hop.queue.length === 0) this.#hops.delete(hop.key);
      } else {
        this.#run(hop);
      }
    }
  }

  /** Notices a next hop closing the connection while we have nothing to write. */
  async #watch(hop: HopConnection, stream: OutboundStream): Promise<void> {
    if (!stream.read) return;
    const buffer = new Uint8Array(1024);
    try {
      while ((await stream.read(buffer)) !== null) { /* discard */ }
    } catch { /* reset or closed locally */ }
    if (hop.stream === stream) {
      log.debug("next hop {hop} closed the connection", { hop: hop.key });
      this.#dropStream(hop);
      hop.wake?.();
    }
  }

  #dropStream(hop: HopConnection): void {
    if (hop.stream) {
      try {
        hop.stream.close();
      } catch { /* already closed */ }
      hop.stream = null;
      this.#options.onConnection?.(-1);
    }
  }

  /** Waits for new frames; resolves true if the connection stayed idle past the idle timeout. */
  #waitForWork(hop: HopConnection): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        hop.wake = null;
        resolve(hop.queue.length === 0);
      }, this.#options.idleTimeoutMs);
      hop.wake = () => {
        clearTimeout(timer);
        hop.wake = null;
        resolve(false);
      };
    });
  }

  #sleep(hop: HopConnection, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (hop.timer !== undefined) clearTimeout(hop.timer);
        hop.timer = undefined;
        hop.wakeSleep = null;
        resolve();
      };
      hop.timer = setTimeout(done, ms);
      // close() ends the backoff early so shutdown is not held up by it.
      hop.wakeSleep = done;
    });
  }

  /**
   * Stops every connection. Frames still queued are counted as dropped.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const hop of this.#hops.values()) {
      hop.closed = true;
      hop.wakeSleep?.();
      hop.wake?.();
      for (const q of hop.queue) this.#options.onDropped?.(q.frame);
      hop.queue = [];
      this.#dropStream(hop);
    }
    this.#hops.clear();
  }
}

async function writeAll(stream: OutboundStream, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const n = await stream.write(bytes.subarray(offset));
    if (n <= 0) throw new Error("write returned 0 bytes");
    offset += n;
  }
}

/**
 * Plain TCP dialer with a connect timeout (Noise wraps it when the peer announces a key).
 *
 * @example
 * ```ts no-eval
 * const stream = await tcpDialer("127.0.0.1", 1789, 1500);
 * ```
 */
export const tcpDialer: Dialer = async (host, port, timeoutMs) => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const conn = await Deno.connect({
      hostname: host,
      port,
      transport: "tcp",
      signal: controller.signal,
    });
    conn.setNoDelay(true);
    return conn;
  } catch (e) {
    if (controller.signal.aborted) {
      throw new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`);
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
};
