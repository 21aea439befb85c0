/**
 * An in-memory, bounded, bidirectional byte stream pair with `Deno.Conn`'s `read`/`write`/
 * `close` semantics, for exercising stream code (Noise, framing) without sockets.
 *
 * Semantics follow TCP as Deno exposes it: `close()` on one end makes that end's pending and
 * later reads reject (like `Deno.errors.BadResource`), and the other end reads the remaining
 * bytes and then `null`; writing towards a closed end rejects. Each direction buffers at most
 * `capacity` bytes; a writer waits while the buffer is full.
 *
 * @module
 */

/** One end of a {@linkcode createMemoryStreamPair} pair. */
export interface MemoryStream {
  /** Reads up to `p.length` bytes; `null` once the peer closed and the buffer is drained. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes up to `maxWriteChunk` bytes of `p`, waiting for room; resolves with the count. */
  write(p: Uint8Array): Promise<number>;
  /** Closes this end. */
  close(): void;
  /** Whether `close()` was called on this end. */
  readonly closed: boolean;
}

/** Options of {@linkcode createMemoryStreamPair}. */
export interface MemoryStreamOptions {
  /** Bytes buffered per direction before writers wait (default 1 MiB). */
  readonly capacity?: number;
  /** Most bytes one `write` call accepts, to exercise partial writes (default: no limit). */
  readonly maxWriteChunk?: number;
}

/**
 * Thrown by operations on a closed memory stream end.
 *
 * @example
 * ```ts
 * import { createMemoryStreamPair, MemoryStreamClosedError } from "./memory_stream.ts";
 * const [a] = createMemoryStreamPair();
 * a.close();
 * await a.write(new Uint8Array(1)).catch((e) => e instanceof MemoryStreamClosedError); // true
 * ```
 */
export class MemoryStreamClosedError extends Error {
  override name = "MemoryStreamClosedError";
}

class Pipe {
  readonly chunks: Uint8Array[] = [];
  size = 0;
  writerClosed = false;
  readerClosed = false;
  readonly readWaiters: (() => void)[] = [];
  readonly writeWaiters: (() => void)[] = [];

  wakeReaders(): void {
    for (const w of this.readWaiters.splice(0)) w();
  }

  wakeWriters(): void {
    for (const w of this.writeWaiters.splice(0)) w();
  }
}

function makeEnd(
  incoming: Pipe,
  outgoing: Pipe,
  capacity: number,
  maxWriteChunk: number,
): MemoryStream {
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    async read(p) {
      for (;;) {
        if (closed) throw new MemoryStreamClosedError("read on a closed stream");
        if (incoming.size > 0) {
          let n = 0;
          while (n < p.length && incoming.chunks.length > 0) {
            const head = incoming.chunks[0];
            const take = Math.min(head.length, p.length - n);
            p.set(head.subarray(0, take), n);
            n += take;
            if (take === head.length) incoming.chunks.shift();
            else incoming.chunks[0] = head.subarray(take);
          }
          incoming.size -= n;
          incoming.wakeWriters();
          return n;
        }
        if (incoming.writerClosed) return null;
        if (p.length === 0) return 0;
        await new Promise<void>((resolve) => incoming.readWaiters.push(resolve));
      }
    },
    async write(p) {
      for (;;) {
        if (closed) throw new MemoryStreamClosedError("write on a closed stream");
        if (outgoing.readerClosed) throw new MemoryStreamClosedError("broken pipe");
        const room = capacity - outgoing.size;
        if (room > 0 || p.length === 0) {
          const n = Math.min(p.length, room, maxWriteChunk);
          if (n > 0) {
            outgoing.chunks.push(p.slice(0, n));
            outgoing.size += n;
            outgoing.wakeReaders();
          }
          return n;
        }
        await new Promise<void>((resolve) => outgoing.writeWaiters.push(resolve));
      }
    },
    close() {
      if (closed) return;
      closed = true;
      outgoing.writerClosed = true;
      incoming.readerClosed = true;
      incoming.chunks.length = 0;
      incoming.size = 0;
      outgoing.wakeReaders();
      incoming.wakeReaders();
      incoming.wakeWriters();
      outgoing.wakeWriters();
    },
  };
}

/**
 * Creates two connected in-memory stream ends.
 *
 * @example
 * ```ts
 * import { createMemoryStreamPair } from "./memory_stream.ts";
 * const [a, b] = createMemoryStreamPair();
 * await a.write(new Uint8Array([1, 2, 3]));
 * const buf = new Uint8Array(8);
 * await b.read(buf); // 3
 * a.close();
 * await b.read(buf); // null
 * ```
 */
export function createMemoryStreamPair(
  options: MemoryStreamOptions = {},
): [MemoryStream, MemoryStream] {
  const capacity = options.capacity ?? 1 << 20;
  const maxWriteChunk = options.maxWriteChunk ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError("capacity must be > 0");
  if (!Number.isInteger(maxWriteChunk) || maxWriteChunk <= 0) {
    throw new RangeError("maxWriteChunk must be > 0");
  }
  const aToB = new Pipe();
  const bToA = new Pipe();
  return [
    makeEnd(bToA, aToB, capacity, maxWriteChunk),
    makeEnd(aToB, bToA, capacity, maxWriteChunk),
  ];
}
