/**
 * The mixnet listener (`nym-node.md` §3.1): accepts node-to-node TCP connections, decodes frames
 * with the shared codec and hands them to the {@linkcode MixPipeline}. Enforces a total and a
 * per-IP connection limit, closes idle connections, applies back-pressure (stops reading while
 * too many packets are being unwrapped), and closes connections that send malformed frames.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { type Frame, FrameDecoder, FramingError, MAX_FRAME_LENGTH } from "../framing/mod.ts";
import type { MixingMetrics } from "./metrics.ts";
import type { MixPipeline } from "./pipeline.ts";

/** Options of {@linkcode MixnetListener}. */
export interface MixnetListenerOptions {
  readonly hostname: string;
  readonly port: number;
  readonly pipeline: MixPipeline;
  readonly metrics: MixingMetrics;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly idleTimeoutMs: number;
  /** Stop reading while this many packets are being unwrapped. */
  readonly maxInFlight: number;
  /** Optional transport upgrade (Noise); defaults to the raw TCP connection. */
  readonly upgrade?: (conn: Deno.TcpConn) => Promise<ByteStream>;
}

/** The readable side of an accepted connection after any transport upgrade. */
export interface ByteStream {
  read(buffer: Uint8Array): Promise<number | null>;
  close(): void;
}

interface Tracked {
  readonly ip: string;
  readonly conn: Deno.TcpConn;
  lastActivity: number;
}

const log = getLogger(["nym-node", "mixnet", "ingress"]);

/** Accepts mixnet connections. */
export class MixnetListener {
  readonly #o: MixnetListenerOptions;
  readonly #listener: Deno.TcpListener;
  readonly #conns = new Set<Tracked>();
  readonly #perIp = new Map<string, number>();
  readonly #handlers = new Set<Promise<void>>();
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #acceptLoop: Promise<void>;
  #closed = false;

  /**
   * Binds and starts accepting.
   *
   * @example
   * ```ts no-eval
   * const listener = new MixnetListener({ hostname: "0.0.0.0", port: 1789, pipeline, metrics,
   *   maxConnections: 10_000, maxConnectionsPerIp: 64, idleTimeoutMs: 300_000, maxInFlight: 2048 });
   * ```
   */
  constructor(options: MixnetListenerOptions) {
    this.#o = options;
    this.#listener = Deno.listen({
      hostname: options.hostname,
      port: options.port,
      transport: "tcp",
    });
    this.#sweeper = setInterval(
      () => this.#sweep(),
      Math.max(1000, Math.min(options.idleTimeoutMs / 4, 30_000)),
    );
    this.#acceptLoop = this.#accept();
  }

  /** The bound address (useful with port 0). */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Open connections. */
  get connections(): number {
    return this.#conns.size;
  }

  async #accept(): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.#closed) return;
        log.warn("accept failed: {error}", { error: (e as Error).message });
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const ip = (conn.remoteAddr as Deno.NetAddr).hostname;
      const perIp = this.#perIp.get(ip) ?? 0;
      if (this.#conns.size >= this.#o.maxConnections || perIp >= this.#o.maxConnectionsPerIp) {
        log.warn("refusing mixnet connection from {ip}: connection limit reached", { ip });
        try {
          conn.close();
        } catch { /* ignore */ }
        continue;
      }
      const tracked: Tracked = { ip, conn, lastActivity: performance.now() };
      this.#conns.add(tracked);
      this.#perIp.set(ip, perIp + 1);
      this.#o.metrics.connection("ingress", 1);
      const handler = this.#handle(tracked).finally(() => {
        this.#conns.delete(tracked);
        const n = (this.#perIp.get(ip) ?? 1) - 1;
        if (n <= 0) this.#perIp.delete(ip);
        else this.#perIp.set(ip, n);
        this.#o.metrics.connection("ingress", -1);
        this.#handlers.delete(handler);
      });
      this.#handlers.add(handler);
    }
  }

  async #handle(tracked: Tracked): Promise<void> {
    let stream: ByteStream = tracked.conn;
    try {
      tracked.conn.setNoDelay(true);
      if (this.#o.upgrade) stream = await this.#o.upgrade(tracked.conn);
    } catch (e) {
      log.debug("transport upgrade with {ip} failed: {error}", {
        ip: tracked.ip,
        error: (e as Error).message,
      });
      this.#closeQuietly(tracked.conn);
      return;
    }
    const decoder = new FrameDecoder({
      copyChunks: true,
      maxBufferedBytes: 4 * MAX_FRAME_LENGTH + 65536,
    });
    const buffer = new Uint8Array(65536);
    try {
      while (!this.#closed) {
        await this.#o.pipeline.whenBelow(this.#o.maxInFlight);
        const n = await stream.read(buffer);
        if (n === null) break;
        tracked.lastActivity = performance.now();
        const frames: Frame[] = [];
        try {
          decoder.push(buffer.subarray(0, n));
          for (let f = decoder.next(); f; f = decoder.next()) frames.push(f);
        } finally {
          // Frames that preceded a malformed header in this read are still good packets.
          if (frames.length > 0) this.#o.pipeline.submit(frames);
        }
      }
    } catch (e) {
      if (e instanceof FramingError) {
        this.#o.metrics.malformedFrame();
        log.info("closing mixnet connection from {ip}: {error}", {
          ip: tracked.ip,
          error: e.message,
        });
      } else if (!this.#closed) {
        log.debug("mixnet connection from {ip} ended: {error}", {
          ip: tracked.ip,
          error: (e as Error).message,
        });
      }
    } finally {
      this.#closeQuietly(stream);
    }
  }

  #sweep(): void {
    const now = performance.now();
    for (const t of this.#conns) {
      if (now - t.lastActivity > this.#o.idleTimeoutMs) {
        log.debug("closing idle mixnet connection from {ip}", { ip: t.ip });
        this.#closeQuietly(t.conn);
      }
    }
  }

  #closeQuietly(c: { close(): void }): void {
    try {
      c.close();
    } catch { /* already closed */ }
  }

  /** Stops accepting, closes every connection and waits for their handlers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#closeQuietly(this.#listener);
    for (const t of this.#conns) this.#closeQuietly(t.conn);
    await this.#acceptLoop;
    await Promise.allSettled([...this.#handlers]);
  }
}
