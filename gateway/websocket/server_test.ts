/**
 * The server over real loopback TCP: interop with Deno's built-in `WebSocket` client (what the
 * Nym wasm client runs on under Deno), hand-crafted protocol violations from a raw socket,
 * handshake failures, the connection limit, back-pressure and shutdown.
 */
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import type { CloseInfo, WebSocketConnection } from "./connection.ts";
import { BackpressureError } from "./errors.ts";
import { encodeFrame, encodeFrameHeader } from "./frame.ts";
import {
  type ConnectionRequest,
  serveWebSockets,
  type ServeWebSocketsOptions,
  type WebSocketServer,
} from "./server.ts";
import {
  AsyncQueue,
  delay,
  Opcode,
  openDenoClient,
  RawClient,
  TEST_MASK_KEY,
  upgradeRequest,
  waitFor,
} from "./_test_support.ts";

const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s);

interface Accepted {
  readonly conn: WebSocketConnection;
  readonly request: ConnectionRequest;
  readonly closed: Promise<CloseInfo>;
}

/** A server whose handler queues each connection for the test and lives until it closes. */
function start(
  options: Partial<ServeWebSocketsOptions> = {},
): { server: WebSocketServer; accepted: AsyncQueue<Accepted>; url: string } {
  const accepted = new AsyncQueue<Accepted>();
  const server = serveWebSockets({
    hostname: "127.0.0.1",
    port: 0,
    onConnection: async (conn, request) => {
      accepted.push({ conn, request, closed: conn.closed });
      await conn.closed;
    },
    ...options,
  });
  return { server, accepted, url: `ws://127.0.0.1:${server.addr.port}` };
}

Deno.test("server: Deno WebSocket client — text and binary both ways, request info", async () => {
  const { server, accepted, url } = start();
  await using _ = server;
  await using client = await openDenoClient(`${url}/some/path?id=7`);
  const { conn, request } = await accepted.next();
  assertEquals(request.path, "/some/path");
  assertEquals(request.query, "id=7");
  assertEquals(request.headers.get("user-agent"), `Deno/${Deno.version.deno}`);
  assertEquals(request.remoteAddr.hostname, "127.0.0.1");
  assertEquals(conn.remoteAddress, `127.0.0.1:${request.remoteAddr.port}`);
  assertEquals(server.connections, 1);

  const incoming = conn[Symbol.asyncIterator]();
  client.ws.send("héllo");
  client.ws.send(new Uint8Array([0, 1, 2, 255]));
  assertEquals((await incoming.next()).value, { type: "text", data: "héllo" });
  assertEquals((await incoming.next()).value, {
    type: "binary",
    data: new Uint8Array([0, 1, 2, 255]),
  });
  await conn.sendText("wörld");
  await conn.sendBinary(new Uint8Array([9, 8, 7]));
  assertEquals(await client.messages.next(), "wörld");
  assertEquals(await client.messages.next(), new Uint8Array([9, 8, 7]));
});

Deno.test("server: Deno WebSocket client — 1 MB binary messages both ways", async () => {
  const { server, accepted, url } = start({ maxFramePayload: 2 << 20, maxMessageSize: 2 << 20 });
  await using _ = server;
  await using client = await openDenoClient(url);
  const { conn } = await accepted.next();
  const payload = seededRandom(new Uint8Array(32).fill(5))(1_000_000);
  client.ws.send(payload);
  const received = await conn[Symbol.asyncIterator]().next();
  assertEquals(received.value, { type: "binary", data: payload });
  await conn.sendBinary(payload);
  assertEquals(await client.messages.next(), payload);
});

Deno.test("server: Deno WebSocket client — 2000 small messages arrive in order both ways", async () => {
  const { server, accepted, url } = start();
  await using _ = server;
  await using client = await openDenoClient(url);
  const { conn } = await accepted.next();
  const count = 2000;
  for (let i = 0; i < count; i++) client.ws.send(i % 2 ? `m${i}` : bytes(`m${i}`));
  let i = 0;
  for await (const message of conn) {
    const text = message.type === "text" ? message.data : new TextDecoder().decode(message.data);
    assertEquals(message.type, i % 2 ? "text" : "binary");
    assertEquals(text, `m${i}`);
    if (++i === count) break;
  }
  const sends = [];
  for (let j = 0; j < count; j++) sends.push(conn.sendText(`s${j}`));
  await Promise.all(sends);
  for (let j = 0; j < count; j++) assertEquals(await client.messages.next(), `s${j}`);
});

Deno.test("server: Deno WebSocket client closes with a code — clean close both sides", async () => {
  const { server, accepted, url } = start();
  await using _ = server;
  const client = await openDenoClient(url);
  const { closed } = await accepted.next();
  client.ws.close(4000, "bye");
  const event = await client.closed;
  assertEquals(event.code, 4000); // our echo
  assertEquals(event.wasClean, true);
  assertEquals(await closed, { code: 4000, reason: "bye", wasClean: true, remote: true });
  assert(await waitFor(() => server.connections === 0));
});

Deno.test("server: server closes with a code — the Deno client sees it, clean", async () => {
  const { server, accepted, url } = start();
  await using _ = server;
  const client = await openDenoClient(url);
  const { conn } = await accepted.next();
  const info = await conn.close(4001, "server bye");
  const event = await client.closed;
  assertEquals([event.code, event.reason, event.wasClean], [4001, "server bye", true]);
  assertEquals(info, { code: 4001, reason: "server bye", wasClean: true, remote: false });
});

Deno.test("server: ping() — the Deno client answers; a stalled or gone peer does not", async () => {
  const { server, accepted, url } = start();
  await using _ = server;
  await using client = await openDenoClient(url);
  const { conn } = await accepted.next();
  const random = seededRandom(new Uint8Array(32).fill(6));
  assertEquals(await conn.ping(random(8), 2000), true);
  assertEquals(await conn.ping(random(125), 2000), true);
  assertEquals(await conn.ping(new Uint8Array(0), 2000), true);
  assertEquals(client.ws.readyState, WebSocket.OPEN);

  // A raw client that completed the handshake and then neither reads nor answers.
  await using stalled = await RawClient.connect(server.addr.port);
  assertEquals((await stalled.upgrade()).status, 101);
  const stalledConn = (await accepted.next()).conn;
  assertEquals(await stalledConn.ping(random(8), 200), false);
  // Gone: the peer closes its socket while the ping is outstanding.
  const gone = stalledConn.ping(random(8), 10_000);
  await stalled.close();
  assertEquals(await gone, false);
});

Deno.test("server: a requested subprotocol is not selected and the client still connects", async () => {
  const { server, accepted, url } = start();
  await using _ = server;
  await using client = await openDenoClient(url, ["chat", "superchat"]);
  const { request } = await accepted.next();
  assertEquals(request.protocols, ["chat", "superchat"]);
  assertEquals(client.ws.protocol, "");
  assertEquals(client.ws.extensions, "");
});

/** Sends `payload` after the upgrade and returns the server's close code and its close info. */
async function violation(
  server: WebSocketServer,
  accepted: AsyncQueue<Accepted>,
  send: (client: RawClient) => Promise<void>,
): Promise<{ code: number | string; info: CloseInfo }> {
  await using client = await RawClient.connect(server.addr.port);
  assertEquals((await client.upgrade()).status, 101);
  const { closed } = await accepted.next();
  await send(client);
  const event = await client.nextClose();
  const code = event.type === "close" ? event.code : event.type;
  assert(await client.waitEof(), "the server must close TCP after failing the connection");
  await client.close();
  return { code, info: await closed };
}

Deno.test("server: every protocol violation is answered with its close code", async () => {
  const { server, accepted } = start({ maxFramePayload: 64 * 1024, maxMessageSize: 100 * 1024 });
  await using _ = server;
  const frame = (opcode: Opcode, payload: Uint8Array | string, fin = true) =>
    encodeFrame(opcode, typeof payload === "string" ? bytes(payload) : payload, {
      fin,
      maskKey: TEST_MASK_KEY,
    });
  const cases: [string, number, (c: RawClient) => Promise<void>][] = [
    ["unmasked frame", 1002, (c) => c.sendFrame(Opcode.text, bytes("x"), { unmasked: true })],
    ["RSV1 set", 1002, (c) => c.sendFrame(Opcode.text, bytes("x"), { rsv: 4 })],
    ["RSV3 set", 1002, (c) => c.sendFrame(Opcode.binary, bytes("x"), { rsv: 1 })],
    ["fragmented ping", 1002, (c) => c.send(fragmentedControl())],
    ["ping over 125 bytes", 1002, (c) => c.send(oversizeControl())],
    ["reserved opcode 0x3", 1002, (c) => c.send(new Uint8Array([0x83, 0x80, 1, 2, 3, 4]))],
    ["reserved opcode 0xB", 1002, (c) => c.send(new Uint8Array([0x8b, 0x80, 1, 2, 3, 4]))],
    ["non-minimal 16-bit length", 1002, (c) => c.send(new Uint8Array([0x82, 0xfe, 0, 5]))],
    [
      "non-minimal 64-bit length",
      1002,
      (c) => c.send(new Uint8Array([0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 200])),
    ],
    ["continuation without start", 1002, (c) => c.send(frame(Opcode.continuation, "x"))],
    [
      "new message inside a fragmented one",
      1002,
      (c) =>
        c.send(new Uint8Array([...frame(Opcode.text, "a", false), ...frame(Opcode.text, "b")])),
    ],
    [
      "text with invalid UTF-8",
      1007,
      (c) => c.send(frame(Opcode.text, new Uint8Array([0xc3, 0x28]))),
    ],
    [
      "fragmented text with invalid UTF-8",
      1007,
      (c) => c.send(frame(Opcode.text, new Uint8Array([0x61, 0xf8]), false)),
    ],
    [
      "frame over the limit (header only, payload never sent)",
      1009,
      (c) => c.send(encodeFrameHeader(Opcode.binary, 100_000_000, { maskKey: TEST_MASK_KEY })),
    ],
    [
      "message over the limit across fragments (second header only)",
      1009,
      (c) =>
        c.send(
          new Uint8Array([
            ...frame(Opcode.binary, new Uint8Array(60 * 1024), false),
            ...encodeFrameHeader(Opcode.continuation, 60 * 1024, {
              fin: true,
              maskKey: TEST_MASK_KEY,
            }),
          ]),
        ),
    ],
    [
      "close with code 1005",
      1002,
      (c) => c.send(frame(Opcode.close, new Uint8Array([0x03, 0xed]))),
    ],
    ["close with code 999", 1002, (c) => c.send(frame(Opcode.close, new Uint8Array([0x03, 0xe7])))],
    [
      "close with code 2000",
      1002,
      (c) => c.send(frame(Opcode.close, new Uint8Array([0x07, 0xd0]))),
    ],
    ["close with a 1-byte payload", 1002, (c) => c.send(frame(Opcode.close, new Uint8Array([3])))],
    [
      "close with an invalid UTF-8 reason",
      1007,
      (c) => c.send(frame(Opcode.close, new Uint8Array([0x03, 0xe8, 0xff]))),
    ],
  ];
  for (const [name, expected, send] of cases) {
    const { code, info } = await violation(server, accepted, send);
    assertEquals(code, expected, name);
    assertEquals(info.code, expected, name);
    assertEquals(info.wasClean, false, name);
  }
  assertEquals(server.stats.upgraded, cases.length);
  assertEquals(server.stats.frameErrors, cases.length);
  assertEquals(server.connections, 0);
  // The server is unharmed.
  await using _client = await openDenoClient(`ws://127.0.0.1:${server.addr.port}`);
  const { conn } = await accepted.next();
  assertEquals(await conn.ping(bytes("still alive"), 2000), true);
});

function fragmentedControl(): Uint8Array {
  const f = encodeFrame(Opcode.ping, bytes("x"), { maskKey: TEST_MASK_KEY });
  f[0] &= 0x7f;
  return f;
}

function oversizeControl(): Uint8Array {
  // A ping with a 16-bit length of 126, written by hand (the encoder refuses it).
  return new Uint8Array([0x89, 0xfe, 0, 126, ...TEST_MASK_KEY, ...new Uint8Array(126)]);
}

Deno.test("server: a message over the limit is refused without waiting for its payload", async () => {
  const { server, accepted } = start({ maxFramePayload: 1 << 20, maxMessageSize: 1 << 20 });
  await using _ = server;
  await using client = await RawClient.connect(server.addr.port);
  await client.upgrade();
  const { closed } = await accepted.next();
  // Announce 1 GiB, send 1 KiB of it, and keep the connection open.
  await client.send(encodeFrameHeader(Opcode.binary, 1 << 30, { maskKey: TEST_MASK_KEY }));
  await client.send(new Uint8Array(1024));
  const event = await client.nextClose(1000);
  assert(event.type === "close");
  assertEquals(event.code, 1009);
  assertEquals(event.reason, "frame payload of 1073741824 bytes exceeds the limit of 1048576");
  await client.close();
  assertEquals((await closed).code, 1009);
  assertEquals(server.stats.frameErrors, 1);
});

Deno.test("server: pipelined frames sent with the upgrade request are not lost", async () => {
  const { server, accepted } = start();
  await using _ = server;
  await using client = await RawClient.connect(server.addr.port);
  const head = bytes(upgradeRequest("/"));
  const first = encodeFrame(Opcode.text, bytes("right behind the head"), {
    maskKey: TEST_MASK_KEY,
  });
  await client.send(new Uint8Array([...head, ...first])); // one write: head and frame together
  assertEquals((await client.readResponse()).status, 101);
  const { conn } = await accepted.next();
  assertEquals((await conn[Symbol.asyncIterator]().next()).value, {
    type: "text",
    data: "right behind the head",
  });
  conn.abort();
});

Deno.test("server: invalid upgrade requests get 400/405/426/431 and are closed", async () => {
  const { server } = start();
  await using _ = server;
  const port = server.addr.port;
  const attempt = async (request: string) => {
    await using client = await RawClient.connect(port);
    return await client.upgrade(request);
  };
  const missingKey = await attempt(upgradeRequest("/", { "Sec-WebSocket-Key": null }));
  assertEquals(missingKey.status, 400);
  assertStringIncludes(missingKey.body, "Sec-WebSocket-Key");
  const wrongVersion = await attempt(upgradeRequest("/", { "Sec-WebSocket-Version": "8" }));
  assertEquals(wrongVersion.status, 426);
  assertStringIncludes(wrongVersion.head, "Sec-WebSocket-Version: 13\r\n");
  assertEquals((await attempt(upgradeRequest("/", {}, "POST"))).status, 405);
  const plain = await attempt("GET /index.html HTTP/1.1\r\nHost: gw\r\nAccept: */*\r\n\r\n");
  assertEquals(plain.status, 426);
  assertStringIncludes(plain.head, "426 Upgrade Required");
  const huge = await attempt(upgradeRequest("/", { "X-Pad": "a".repeat(9000) }));
  assertEquals(huge.status, 431);
  assertEquals(server.stats.handshakeFailures, 5);
  assertEquals(server.stats.upgraded, 0);
  // A real HTTP client gets the 426 too.
  const response = await fetch(`http://127.0.0.1:${port}/`);
  assertEquals(response.status, 426);
  assertEquals(await response.text(), "missing Upgrade: websocket\n");
});

Deno.test("server: a request head that never finishes is closed after the timeout", async () => {
  const { server } = start({ handshakeTimeoutMs: 300 });
  await using _ = server;
  await using slow = await RawClient.connect(server.addr.port);
  await using silent = await RawClient.connect(server.addr.port);
  const started = performance.now();
  // Slowloris: a header line every 100 ms, never the blank line.
  await slow.send("GET / HTTP/1.1\r\n");
  const trickle = (async () => {
    for (let i = 0; i < 10; i++) {
      await delay(100);
      try {
        await slow.send(`X-Slow-${i}: 1\r\n`);
      } catch {
        return;
      }
    }
  })();
  assert(await slow.waitEof(2000), "slowloris connection stayed open");
  assert(await silent.waitEof(2000), "silent connection stayed open");
  const elapsed = performance.now() - started;
  assert(elapsed >= 250, `closed after ${elapsed} ms`);
  await trickle;
  assertEquals(server.stats.handshakeTimeouts, 2);
});

Deno.test("server: connections above maxConnections are closed at once, and counted", async () => {
  const { server, accepted, url } = start({ maxConnections: 3 });
  await using _ = server;
  const clients = [await openDenoClient(url), await openDenoClient(url), await openDenoClient(url)];
  for (let i = 0; i < 3; i++) await accepted.next();
  assertEquals(server.connections, 3);
  await using refused = await RawClient.connect(server.addr.port);
  assert(await refused.waitEof(1000), "the 4th connection was not closed");
  await assertRejects(() => openDenoClient(url));
  assertEquals(server.stats.refused, 2);
  // Freeing a slot admits a new connection.
  clients[0].ws.close(1000);
  await clients[0].closed;
  assert(await waitFor(() => server.connections === 2));
  await using again = await openDenoClient(url);
  await accepted.next();
  assertEquals(server.connections, 3);
  for (const c of clients.slice(1)) await c[Symbol.asyncDispose]();
  assertEquals(again.ws.readyState, WebSocket.OPEN);
});

Deno.test("server: a client that stops reading builds bufferedAmount until BackpressureError", async () => {
  const { server, accepted } = start({ maxQueuedBytes: 1 << 20 });
  await using _ = server;
  await using client = await RawClient.connect(server.addr.port);
  await client.upgrade();
  const { conn } = await accepted.next();
  const chunk = new Uint8Array(64 * 1024);
  const sends: Promise<void>[] = [];
  let refused: unknown = null;
  let peak = 0;
  // The kernel's socket buffers absorb some megabytes first; then the queue grows.
  for (let i = 0; i < 4096 && refused === null; i++) {
    const send = conn.sendBinary(chunk);
    send.catch((e) => refused ??= e);
    sends.push(send);
    peak = Math.max(peak, conn.bufferedAmount);
    await delay(0);
  }
  assert(refused instanceof BackpressureError, "no BackpressureError after 256 MiB");
  assert(peak > 512 * 1024, `bufferedAmount peaked at ${peak}`);
  assert(conn.bufferedAmount <= (1 << 20) + chunk.length + 10);
  assertEquals(conn.readyState, "open");
  // The client reads again: everything accepted is delivered and the queue drains.
  const accepted_ = sends.length - 1;
  let received = 0;
  while (received < accepted_) {
    const event = await client.next(5000);
    assertEquals(event.type, "binary");
    received++;
  }
  await Promise.all(sends.slice(0, -1));
  assertEquals(conn.bufferedAmount, 0);
  await conn.sendBinary(chunk);
});

Deno.test("server: close() closes every connection with 1001 and waits for the handlers", async () => {
  const handlersDone: string[] = [];
  const accepted = new AsyncQueue<WebSocketConnection>();
  const server = serveWebSockets({
    hostname: "127.0.0.1",
    port: 0,
    onConnection: async (conn) => {
      accepted.push(conn);
      for await (const _ of conn) { /* consume until closed */ }
      await delay(50);
      handlersDone.push(conn.remoteAddress);
    },
  });
  const url = `ws://127.0.0.1:${server.addr.port}`;
  const a = await openDenoClient(url);
  const b = await openDenoClient(url);
  await accepted.next();
  await accepted.next();
  await using pending = await RawClient.connect(server.addr.port); // upgrade never sent
  await server.close();
  assertEquals(handlersDone.length, 2);
  for (const client of [a, b]) {
    const event = await client.closed;
    assertEquals([event.code, event.reason], [1001, "server shutting down"]);
  }
  assert(await pending.waitEof(1000));
  assertEquals(server.connections, 0);
  await assertRejects(() => Deno.connect({ hostname: "127.0.0.1", port: server.addr.port }));
});

Deno.test("server: a handler that throws gets its connection closed with 1011", async () => {
  const server = serveWebSockets({
    hostname: "127.0.0.1",
    port: 0,
    onConnection: () => {
      throw new Error("handler bug");
    },
  });
  await using _ = server;
  const client = await openDenoClient(`ws://127.0.0.1:${server.addr.port}`);
  const event = await client.closed;
  assertEquals([event.code, event.reason], [1011, "internal error"]);
  assertEquals(server.stats.handlerErrors, 1);
});
