/**
 * Test and benchmark support: local TCP targets for the SOCKS proxy, on 127.0.0.1 and port 0.
 *
 * - {@linkcode startHttpTarget}: `GET /bytes/<n>` answers `n` deterministic bytes
 *   ({@linkcode pattern}); `GET /cut/<n>` announces `n` bytes, sends half and closes the
 *   connection (a target that dies mid-stream).
 * - {@linkcode startEchoTarget}: echoes what it receives and closes after the peer's EOF.
 * - {@linkcode deadPort}: a port nothing listens on.
 *
 * @module
 */

/**
 * `length` deterministic bytes (xorshift32 from `seed`).
 *
 * @example
 * ```ts
 * import { pattern } from "./targets.ts";
 * pattern(4, 1).length; // 4
 * ```
 */
export function pattern(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Hex SHA-256 of `bytes`.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./targets.ts";
 * (await sha256Hex(new Uint8Array(0))).slice(0, 8); // "e3b0c442"
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A running target. */
export interface Target {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * A minimal HTTP/1.1 server over raw TCP (so a connection can be cut at a precise point).
 *
 * @example
 * ```ts no-eval
 * const http = startHttpTarget();
 * // curl http://127.0.0.1:${http.port}/bytes/1000
 * await http.stop();
 * ```
 */
export function startHttpTarget(): Target {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serve = async (conn: Deno.Conn) => {
    const buf = new Uint8Array(8192);
    let head = "";
    while (!head.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null || head.length > 16384) return;
      head += new TextDecoder().decode(buf.subarray(0, n));
    }
    const [, path = ""] = head.split(" ");
    const [, kind, n] = path.split("/");
    const length = Number(n);
    const write = async (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    };
    const header = (status: string, size: number) =>
      new TextEncoder().encode(
        `HTTP/1.1 ${status}\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`,
      );
    if ((kind === "bytes" || kind === "cut") && Number.isSafeInteger(length) && length >= 0) {
      await write(header("200 OK", length));
      const body = pattern(length, length);
      const end = kind === "cut" ? Math.floor(length / 2) : length;
      for (let at = 0; at < end; at += 65536) {
        await write(body.subarray(at, Math.min(end, at + 65536)));
      }
    } else {
      await write(header("404 Not Found", 0));
    }
  };
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      serve(conn).catch(() => {}).finally(() => {
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* closed */ }
      });
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async stop() {
      try {
        listener.close();
      } catch { /* closed */ }
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop;
    },
  };
}

/**
 * A TCP echo server.
 *
 * @example
 * ```ts no-eval
 * const echo = startEchoTarget();
 * await echo.stop();
 * ```
 */
export function startEchoTarget(): Target {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      conn.readable.pipeTo(conn.writable).catch(() => {}).finally(() => conns.delete(conn));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async stop() {
      try {
        listener.close();
      } catch { /* closed */ }
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop;
    },
  };
}

/**
 * A loopback port nothing listens on (bound and released at once).
 *
 * @example
 * ```ts
 * import { deadPort } from "./targets.ts";
 * deadPort() > 0; // true
 * ```
 */
export function deadPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
