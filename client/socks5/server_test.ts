/**
 * The SOCKS proxy against an in-process network requester (`testing/fake_provider.ts`: real
 * codecs, real loopback TCP, reordered responses) and real applications: curl (SOCKS5 with
 * remote names, SOCKS4, SOCKS4a) and raw sockets. Checks byte-exact transfers both ways, the
 * honest CONNECT replies (refused by policy, dead port, silent exit, upstream exit), close in
 * both directions, and that malformed or stalled applications are answered and closed while the
 * proxy keeps serving.
 */
import { assert, assertEquals, assertStringIncludes } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { Socks5Server, type Socks5ServerOptions } from "./server.ts";
import { FakeProvider, type FakeProviderOptions } from "./testing/fake_provider.ts";
import {
  deadPort,
  pattern,
  sha256Hex,
  startEchoTarget,
  startHttpTarget,
} from "./testing/targets.ts";

const CURL = "/usr/bin/curl";
const sha256 = sha256Hex;

async function withProxy(
  providerOptions: FakeProviderOptions,
  serverOptions: Partial<Socks5ServerOptions>,
  body: (ctx: { port: number; provider: FakeProvider; server: Socks5Server }) => Promise<void>,
) {
  const provider = new FakeProvider({
    random: seededRandom(new Uint8Array(32).fill(3)),
    ...providerOptions,
  });
  const server = Socks5Server.start({ transport: provider, port: 0, ...serverOptions });
  try {
    await body({ port: server.addr.port, provider, server });
  } finally {
    await server.stop();
    provider.stop();
  }
}

async function curl(args: string[]) {
  const out = await new Deno.Command(CURL, {
    args: ["-sS", "--max-time", "30", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, body: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

async function readExactly(conn: Deno.Conn, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  while (at < length) {
    const n = await conn.read(out.subarray(at));
    if (n === null) throw new Error(`EOF after ${at} of ${length} bytes`);
    at += n;
  }
  return out;
}

async function readToEnd(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      n = null;
    }
    if (n === null) break;
    parts.push(buf.slice(0, n));
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

Deno.test("curl through the proxy: 1 byte and 1 MB byte-exact, SOCKS5 hostname, 4 and 4a", async () => {
  const http = startHttpTarget();
  try {
    await withProxy({ maxJitterMs: 3 }, {}, async ({ port, server }) => {
      for (
        const [flag, host] of [
          ["--socks5-hostname", "localhost"],
          ["--socks5", "127.0.0.1"],
          ["--socks4", "127.0.0.1"],
          ["--socks4a", "localhost"],
        ]
      ) {
        for (const size of [1, 1_000_000]) {
          const r = await curl([
            flag,
            `127.0.0.1:${port}`,
            `http://${host}:${http.port}/bytes/${size}`,
          ]);
          assertEquals(r.code, 0, `${flag} ${size}: ${r.stderr}`);
          assertEquals(await sha256(r.body), await sha256(pattern(size, size)), `${flag} ${size}`);
        }
      }
      const stats = server.stats();
      assertEquals(stats.connectionsAccepted, 8);
      assertEquals(stats.providerConfirms, true);
      assert(stats.bytesDown > 4_000_000, `${stats.bytesDown}`);
    });
  } finally {
    await http.stop();
  }
});

Deno.test("raw SOCKS5: 1 MB echoed byte-exact both ways under reordering, then a clean close", async () => {
  const echo = startEchoTarget();
  try {
    await withProxy({ maxJitterMs: 5 }, {}, async ({ port, provider }) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(Uint8Array.of(5, 1, 0));
        assertEquals(hex(await readExactly(conn, 2)), "05 00");
        await conn.write(Uint8Array.of(5, 1, 0, 1, 127, 0, 0, 1, echo.port >> 8, echo.port & 255));
        assertEquals(hex(await readExactly(conn, 10)), "05 00 00 01 00 00 00 00 00 00");
        const data = pattern(1_000_000, 9);
        const reading = readToEnd(conn);
        for (let at = 0; at < data.length; at += 100_000) {
          await conn.write(data.subarray(at, at + 100_000));
        }
        await conn.closeWrite(); // our EOF reaches the echo server, which then closes too
        const echoed = await reading;
        assertEquals(echoed.length, data.length);
        assertEquals(await sha256(echoed), await sha256(data));
        assertEquals(provider.counts.closes, 1);
      } finally {
        conn.close();
      }
    });
  } finally {
    await echo.stop();
  }
});

Deno.test("honest CONNECT: policy refusal, dead port, silent exit get the matching SOCKS error", async () => {
  const http = startHttpTarget();
  try {
    await withProxy(
      { deny: (target) => target.endsWith(":25") },
      { settings: { connectTimeoutMs: 800 } },
      async ({ port, server }) => {
        const denied = await curl([
          "--socks5-hostname",
          `127.0.0.1:${port}`,
          "http://localhost:25/",
        ]);
        assertEquals(denied.code, 97, denied.stderr);
        assertStringIncludes(denied.stderr, "(2)"); // connection not allowed by ruleset

        const started = performance.now();
        const dead = await curl([
          "--socks5-hostname",
          `127.0.0.1:${port}`,
          `http://127.0.0.1:${deadPort()}/`,
        ]);
        assertEquals(dead.code, 97, dead.stderr);
        assertStringIncludes(dead.stderr, "(5)"); // connection refused
        assert(performance.now() - started < 5000, "the refusal came fast");

        const socks4 = await curl(["--socks4a", `127.0.0.1:${port}`, "http://localhost:25/"]);
        assertEquals(socks4.code, 97, socks4.stderr);
        assertStringIncludes(socks4.stderr, "SOCKS4");
        assertEquals(server.stats().connectsRefused, 3);
      },
    );
    await withProxy({ silent: true }, { settings: { connectTimeoutMs: 500 } }, async ({ port }) => {
      const started = performance.now();
      const r = await curl([
        "--socks5-hostname",
        `127.0.0.1:${port}`,
        `http://localhost:${http.port}/bytes/1`,
      ]);
      assertEquals(r.code, 97, r.stderr);
      assertStringIncludes(r.stderr, "(6)"); // TTL expired: the exit never answered
      assert(performance.now() - started < 5000);
    });
  } finally {
    await http.stop();
  }
});

Deno.test("an upstream exit (no confirmation): success after the legacy wait, data flows", async () => {
  const http = startHttpTarget();
  try {
    await withProxy(
      { confirms: false, deny: (t) => t.endsWith(":25") },
      { settings: { legacyConnectWaitMs: 200 } },
      async ({ port, server }) => {
        // Wait for the description answer so the proxy knows it talks to an upstream exit.
        for (let i = 0; i < 100 && server.stats().providerConfirms === null; i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        assertEquals(server.stats().providerConfirms, false);
        const r = await curl([
          "--socks5-hostname",
          `127.0.0.1:${port}`,
          `http://localhost:${http.port}/bytes/50000`,
        ]);
        assertEquals(r.code, 0, r.stderr);
        assertEquals(await sha256(r.body), await sha256(pattern(50000, 50000)));
        // A refusal that arrives within the wait is still reported.
        const denied = await curl([
          "--socks5-hostname",
          `127.0.0.1:${port}`,
          "http://localhost:25/",
        ]);
        assertStringIncludes(denied.stderr, "(2)");
      },
    );
  } finally {
    await http.stop();
  }
});

Deno.test("the target closing mid-stream: curl sees a truncated transfer, not a hang", async () => {
  const http = startHttpTarget();
  try {
    await withProxy({}, {}, async ({ port }) => {
      const started = performance.now();
      const r = await curl([
        "--socks5-hostname",
        `127.0.0.1:${port}`,
        `http://localhost:${http.port}/cut/200000`,
      ]);
      assertEquals(r.code, 18, r.stderr); // CURLE_PARTIAL_FILE
      assertEquals(r.body.length, 100000);
      assert(performance.now() - started < 10_000);
    });
  } finally {
    await http.stop();
  }
});

Deno.test("malformed and stalled applications are answered and closed; the proxy keeps serving", async () => {
  const http = startHttpTarget();
  try {
    await withProxy({}, { settings: { handshakeTimeoutMs: 300 } }, async ({ port, server }) => {
      const exchange = async (bytes: Uint8Array) => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        try {
          await conn.write(bytes);
          return await readToEnd(conn);
        } finally {
          conn.close();
        }
      };
      assertEquals(hex(await exchange(Uint8Array.of(5, 1, 2))), "05 ff");
      assertEquals(
        hex(await exchange(Uint8Array.of(5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 80))),
        "05 00 05 07 00 01 00 00 00 00 00 00",
      );
      assertEquals(
        hex(await exchange(Uint8Array.of(5, 1, 0, 5, 1, 0, 9))),
        "05 00 05 08 00 01 00 00 00 00 00 00",
      );
      assertEquals(
        hex(await exchange(Uint8Array.of(4, 2, 0, 80, 1, 2, 3, 4, 0))),
        "00 5b 00 00 00 00 00 00",
      );
      assertEquals(await exchange(Uint8Array.of(0x16, 3, 1)), new Uint8Array(0)); // TLS hello
      assertStringIncludes(
        new TextDecoder().decode(
          await exchange(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n")),
        ),
        "not an HTTP proxy",
      );
      // A partial request, then silence: closed after the handshake timeout.
      const started = performance.now();
      assertEquals(hex(await exchange(Uint8Array.of(5, 1, 0, 5, 1))), "05 00");
      assert(performance.now() - started < 3000);
      // Still serving.
      const ok = await curl([
        "--socks5-hostname",
        `127.0.0.1:${port}`,
        `http://localhost:${http.port}/bytes/10`,
      ]);
      assertEquals(ok.code, 0, ok.stderr);
      assertEquals(server.stats().requestsRejected, 7); // 6 malformed + 1 stalled
    });
  } finally {
    await http.stop();
  }
});

Deno.test("connections beyond the limit get a general failure", async () => {
  const echo = startEchoTarget();
  try {
    await withProxy({}, { maxConnections: 1 }, async ({ port }) => {
      const open = await Deno.connect({ hostname: "127.0.0.1", port });
      const second = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        const request = Uint8Array.of(
          5,
          1,
          0,
          5,
          1,
          0,
          1,
          127,
          0,
          0,
          1,
          echo.port >> 8,
          echo.port & 255,
        );
        await open.write(request);
        assertEquals(hex(await readExactly(open, 12)), "05 00 05 00 00 01 00 00 00 00 00 00");
        await second.write(request);
        assertEquals(hex(await readToEnd(second)), "05 00 05 01 00 01 00 00 00 00 00 00");
      } finally {
        open.close();
        second.close();
      }
    });
  } finally {
    await echo.stop();
  }
});

Deno.test("optimistic data after the request is forwarded once the exit confirms", async () => {
  const echo = startEchoTarget();
  try {
    await withProxy({ maxJitterMs: 2 }, {}, async ({ port }) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        const request = Uint8Array.of(
          5,
          1,
          0,
          5,
          1,
          0,
          1,
          127,
          0,
          0,
          1,
          echo.port >> 8,
          echo.port & 255,
        );
        const hello = new TextEncoder().encode("hello before the reply");
        await conn.write(new Uint8Array([...request, ...hello]));
        assertEquals(hex(await readExactly(conn, 12)), "05 00 05 00 00 01 00 00 00 00 00 00");
        assertEquals(
          new TextDecoder().decode(await readExactly(conn, hello.length)),
          "hello before the reply",
        );
      } finally {
        conn.close();
      }
    });
  } finally {
    await echo.stop();
  }
});

Deno.test("idle connections: keepalives go out; silence from the mixnet closes after the mix TTL", async () => {
  const echo = startEchoTarget();
  try {
    await withProxy(
      {},
      { settings: { keepaliveIntervalMs: 50, mixTtlMs: 600 } },
      async ({ port, provider, server }) => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        try {
          const request = Uint8Array.of(
            5,
            1,
            0,
            5,
            1,
            0,
            1,
            127,
            0,
            0,
            1,
            echo.port >> 8,
            echo.port & 255,
          );
          await conn.write(request);
          assertEquals(hex(await readExactly(conn, 12)), "05 00 05 00 00 01 00 00 00 00 00 00");
          const sendsBefore = provider.counts.send;
          const started = performance.now();
          // The echo target stays silent: only our keepalives flow, then the TTL closes us.
          const rest = await readToEnd(conn);
          const elapsed = performance.now() - started;
          assertEquals(rest.length, 0);
          assert(elapsed >= 500 && elapsed < 3000, `closed after ${elapsed} ms`);
          assert(
            provider.counts.send - sendsBefore >= 5,
            `${provider.counts.send - sendsBefore} keepalives`,
          );
          assertEquals(server.stats().connectionsClosed, 1);
        } finally {
          conn.close();
        }
      },
    );
  } finally {
    await echo.stop();
  }
});

Deno.test("a provider that never describes itself is treated as not confirming", async () => {
  const http = startHttpTarget();
  try {
    await withProxy(
      { ignoreQueries: true, confirms: false },
      { probe: { attempts: 2, intervalMs: 50 }, settings: { legacyConnectWaitMs: 100 } },
      async ({ port, server, provider }) => {
        // While unknown, a connect waits for a confirmation; once the probes give up, the
        // legacy wait applies and the connection opens.
        const started = performance.now();
        const r = await curl([
          "--socks5-hostname",
          `127.0.0.1:${port}`,
          `http://localhost:${http.port}/bytes/1000`,
        ]);
        assertEquals(r.code, 0, r.stderr);
        assertEquals(await sha256(r.body), await sha256(pattern(1000, 1000)));
        assert(performance.now() - started < 5000);
        assertEquals(server.stats().providerConfirms, false);
        assertEquals(provider.counts.query, 2);
      },
    );
  } finally {
    await http.stop();
  }
});
