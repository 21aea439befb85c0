import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertThrows,
} from "../../testing/asserts.ts";
import type { ClientSocket } from "../socket.ts";
import { encodeClosePayload } from "./close.ts";
import { type CloseInfo, WebSocketConnection, type WebSocketMessage } from "./connection.ts";
import { BackpressureError, ConnectionClosedError } from "./errors.ts";
import { encodeFrame, Opcode } from "./frame.ts";
import {
  delay,
  gatedStream,
  type RawClient,
  tcpPair,
  TEST_MASK_KEY,
  waitFor,
} from "./_test_support.ts";

const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s);

/** Answers the server's close frame, then waits for TCP to close; returns the server's code. */
async function completeClose(client: RawClient): Promise<number | string> {
  const event = await client.nextClose();
  if (event.type !== "close") return event.type;
  await client.sendFrame(Opcode.close, encodeClosePayload(event.code === 1005 ? 1000 : event.code));
  assert(await client.waitEof(), "server did not close TCP after the closing handshake");
  return event.code;
}

Deno.test("connection: is a ClientSocket for the gateway session", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server, { remoteAddress: "127.0.0.1:1" });
  const socket: ClientSocket = conn; // compile-time check of the interface
  assertEquals(socket.remoteAddress, "127.0.0.1:1");
  conn.abort();
  assertEquals((await conn.closed).code, 1006);
});

Deno.test("connection: messages flow both ways, including bytes read with the handshake", async () => {
  await using pair = await tcpPair();
  const initialData = encodeFrame(Opcode.text, bytes("early"), { maskKey: TEST_MASK_KEY });
  const conn = new WebSocketConnection(pair.server, { initialData });
  await pair.client.sendFrame(Opcode.binary, new Uint8Array([1, 2, 3]));
  await pair.client.sendFrame(Opcode.text, bytes("frag"), { fin: false });
  await pair.client.sendFrame(Opcode.continuation, bytes("mented"));
  const received: WebSocketMessage[] = [];
  for await (const message of conn) {
    received.push(message);
    if (received.length === 3) break;
  }
  assertEquals(received, [
    { type: "text", data: "early" },
    { type: "binary", data: new Uint8Array([1, 2, 3]) },
    { type: "text", data: "fragmented" },
  ]);
  await conn.sendText("hé");
  await conn.sendBinary(new Uint8Array(70_000).fill(7));
  assertEquals(await pair.client.next(), { type: "text", data: "hé" });
  assertEquals(await pair.client.next(), { type: "binary", data: new Uint8Array(70_000).fill(7) });
  conn.close(1000, "done");
  assertEquals(await completeClose(pair.client), 1000);
  assertEquals(await conn.closed, { code: 1000, reason: "done", wasClean: true, remote: false });
});

Deno.test("connection: sends queued during a write are coalesced into one write", async () => {
  await using pair = await tcpPair();
  const gated = gatedStream(pair.server);
  const conn = new WebSocketConnection(gated.stream);
  gated.shut();
  const sends = Array.from({ length: 50 }, (_, i) => conn.sendText(`message ${i}`));
  // One write in progress (the first frame), 49 frames queued behind it.
  assertEquals(gated.writes, 1);
  const frameSizes = Array.from({ length: 50 }, (_, i) => 2 + `message ${i}`.length);
  assertEquals(conn.bufferedAmount, frameSizes.reduce((a, b) => a + b));
  gated.open();
  await Promise.all(sends);
  assertEquals(gated.writes, 2);
  assertEquals(conn.bufferedAmount, 0);
  for (let i = 0; i < 50; i++) {
    assertEquals(await pair.client.next(), { type: "text", data: `message ${i}` });
  }
  conn.abort();
  await conn.closed;
});

Deno.test("connection: maxQueuedBytes refuses sends with BackpressureError", async () => {
  await using pair = await tcpPair();
  const gated = gatedStream(pair.server);
  const conn = new WebSocketConnection(gated.stream, { maxQueuedBytes: 1000 });
  gated.shut();
  // A frame larger than the limit is accepted when nothing is queued...
  const big = conn.sendBinary(new Uint8Array(5000));
  assertEquals(conn.bufferedAmount, 5004);
  // ...but nothing more while it waits.
  const e = await assertRejects(() => conn.sendBinary(new Uint8Array(1)), BackpressureError);
  assertEquals(e.bufferedAmount, 5004);
  assertEquals(e.limit, 1000);
  gated.open();
  await big;
  assertEquals(conn.bufferedAmount, 0);
  gated.shut();
  const accepted = [conn.sendBinary(new Uint8Array(400)), conn.sendBinary(new Uint8Array(400))];
  assertEquals(conn.bufferedAmount, 808);
  await assertRejects(() => conn.sendBinary(new Uint8Array(400)), BackpressureError);
  gated.open();
  await Promise.all(accepted);
  assertEquals((await pair.client.next()).type, "binary");
  conn.abort();
  await conn.closed;
});

Deno.test("connection: pings get pongs; while writes are stuck only the latest is kept", async () => {
  await using pair = await tcpPair();
  const gated = gatedStream(pair.server);
  const conn = new WebSocketConnection(gated.stream);
  await pair.client.sendFrame(Opcode.ping, bytes("first"));
  assertEquals(await pair.client.next(), { type: "pong", data: bytes("first") });
  gated.shut();
  await pair.client.sendFrame(Opcode.ping, bytes("a"));
  assert(await waitFor(() => conn.bufferedAmount === 3));
  // Four pings in one write, so they arrive (and are answered) together.
  const pings = ["b", "c", "d", "e"].flatMap((p) => [
    ...encodeFrame(Opcode.ping, bytes(p), { maskKey: TEST_MASK_KEY }),
  ]);
  await pair.client.send(new Uint8Array(pings));
  assert(await waitFor(() => conn.bufferedAmount === 6));
  await delay(50);
  // "a" is being written; of b–e only the latest pong waits behind it.
  assertEquals(conn.bufferedAmount, 6);
  gated.open();
  assertEquals(await pair.client.next(), { type: "pong", data: bytes("a") });
  assertEquals(await pair.client.next(), { type: "pong", data: bytes("e") });
  assertEquals((await pair.client.next(200)).type, "timeout");
  conn.abort();
  await conn.closed;
});

Deno.test("connection: ping() is true only for the matching pong, false on timeout", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server);
  const alive = conn.ping(bytes("tag-1"), 2000);
  assertEquals(await pair.client.next(), { type: "ping", data: bytes("tag-1") });
  // An unsolicited pong and a pong with another payload are ignored.
  await pair.client.sendFrame(Opcode.pong, bytes("other"));
  await pair.client.sendFrame(Opcode.pong, new Uint8Array(0));
  let settled = false;
  alive.then(() => settled = true);
  await delay(50);
  assertEquals(settled, false);
  await pair.client.sendFrame(Opcode.pong, bytes("tag-1"));
  assertEquals(await alive, true);
  // No answer: false after the timeout.
  const started = performance.now();
  assertEquals(await conn.ping(bytes("tag-2"), 100), false);
  assert(performance.now() - started >= 90);
  assertThrows(() => conn.ping(new Uint8Array(126), 100), RangeError);
  // Peer gone while waiting: false without waiting for the timeout.
  const gone = conn.ping(bytes("tag-3"), 10_000);
  await pair.client.close();
  assertEquals(await gone, false);
  assertEquals((await conn.closed).code, 1006);
  assertEquals(await conn.ping(bytes("late"), 100), false);
});

Deno.test("connection: a close from the peer is echoed and TCP is closed", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server);
  const iterated = (async () => {
    const all: WebSocketMessage[] = [];
    for await (const m of conn) all.push(m);
    return all;
  })();
  await pair.client.sendFrame(Opcode.text, bytes("last words"));
  await pair.client.sendFrame(Opcode.close, encodeClosePayload(4002, "client leaving"));
  assertEquals(await pair.client.next(), { type: "close", code: 4002, reason: "" });
  assert(await pair.client.waitEof());
  assertEquals(await conn.closed, {
    code: 4002,
    reason: "client leaving",
    wasClean: true,
    remote: true,
  });
  assertEquals(await iterated, [{ type: "text", data: "last words" }]);
  await assertRejects(() => conn.sendText("x"), ConnectionClosedError);
});

Deno.test("connection: an empty close is answered with an empty close (1005)", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server);
  await pair.client.sendFrame(Opcode.close, new Uint8Array(0));
  assertEquals(await pair.client.next(), { type: "close", code: 1005, reason: "" });
  assertEquals((await conn.closed).code, 1005);
});

Deno.test("connection: close() waits for the peer's close frame, then closes TCP", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server);
  const pending = conn.sendText("queued before close");
  const closing = conn.close(4001, "x".repeat(200));
  assertEquals(conn.readyState, "closing");
  await assertRejects(() => conn.sendText("after close"), ConnectionClosedError);
  assertThrows(() => conn.close(1006), RangeError);
  await pending;
  assertEquals(await pair.client.next(), { type: "text", data: "queued before close" });
  const close = await pair.client.next();
  assert(close.type === "close");
  assertEquals(close.code, 4001);
  assertEquals(close.reason, "x".repeat(123)); // truncated to fit a control frame
  // Data the peer sends before its close frame is discarded after our close.
  await pair.client.sendFrame(Opcode.text, bytes("ignored"));
  await pair.client.sendFrame(Opcode.close, encodeClosePayload(4001));
  assert(await pair.client.waitEof());
  const info: CloseInfo = await closing;
  assertEquals(info.wasClean, true);
  assertEquals(info.code, 4001);
  assertEquals(conn.readyState, "closed");
  assertEquals(conn.receiveQueueLength, 0);
});

Deno.test("connection: a peer that never answers the close is cut off after closeTimeoutMs", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server, { closeTimeoutMs: 150 });
  const started = performance.now();
  conn.close(1000);
  assertEquals((await pair.client.next()).type, "close");
  assert(await pair.client.waitEof(2000));
  const info = await conn.closed;
  assert(performance.now() - started >= 140);
  assertEquals(info, { code: 1000, reason: "", wasClean: false, remote: false });
});

Deno.test("connection: TCP closing without a close frame is 1006 and ends iteration", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server);
  const iterator = conn[Symbol.asyncIterator]();
  const next = iterator.next();
  await pair.client.close();
  assertEquals(await next, { done: true, value: undefined });
  assertEquals(await conn.closed, { code: 1006, reason: "", wasClean: false, remote: true });
});

Deno.test("connection: a protocol error sends its close code, half-closes, then closes", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server);
  await pair.client.sendFrame(Opcode.text, bytes("ok"));
  await pair.client.sendFrame(Opcode.text, bytes("unmasked"), { unmasked: true });
  const close = await pair.client.nextClose();
  assert(close.type === "close");
  assertEquals(close.code, 1002);
  assertEquals(close.reason, "client frame not masked");
  // The server half-closed right after its close frame.
  assert(await pair.client.waitEof(500));
  await pair.client.close();
  assertEquals(await conn.closed, {
    code: 1002,
    reason: "client frame not masked",
    wasClean: false,
    remote: false,
  });
  // The message before the violation was delivered.
  const iterator = conn[Symbol.asyncIterator]();
  assertEquals(await iterator.next(), { done: false, value: { type: "text", data: "ok" } });
  assertEquals((await iterator.next()).done, true);
});

Deno.test("connection: the idle timeout closes a silent peer with 1001", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server, { idleTimeoutMs: 400 });
  // Activity keeps it open well past the timeout (generous margins for loaded machines).
  for (let i = 0; i < 16; i++) {
    await delay(50);
    await pair.client.sendFrame(Opcode.pong, new Uint8Array(0));
  }
  assertEquals(conn.readyState, "open");
  assertEquals(await completeClose(pair.client), 1001);
  assertEquals(await conn.closed, {
    code: 1001,
    reason: "idle timeout",
    wasClean: true,
    remote: false,
  });
});

Deno.test("connection: idle ping mode keeps a responsive peer and drops a silent one", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server, {
    idleTimeoutMs: 100,
    idleAction: "ping",
    idlePingTimeoutMs: 400,
  });
  // Answer every ping for a while.
  const until = performance.now() + 800;
  let pings = 0;
  while (performance.now() < until) {
    const event = await pair.client.next(100);
    if (event.type === "ping") {
      pings++;
      await pair.client.sendFrame(Opcode.pong, event.data);
    }
  }
  assert(pings >= 2, `only ${pings} idle pings`);
  assertEquals(conn.readyState, "open");
  // Stop answering: the next ping goes unanswered and the connection is closed.
  const event = await pair.client.nextClose(3000);
  assert(event.type === "close");
  assertEquals(event.code, 1001);
  await pair.client.close();
  assertEquals((await conn.closed).code, 1001);
});

Deno.test("connection: reading pauses while the consumer lags, then resumes in order", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server, {
    maxReceiveQueueMessages: 8,
    maxReceiveQueueBytes: 64 * 1024,
  });
  const count = 200;
  const writer = (async () => {
    for (let i = 0; i < count; i++) {
      await pair.client.sendFrame(Opcode.binary, new Uint8Array(8192).fill(i & 0xff));
    }
  })();
  await delay(300);
  // Bounded by the limits plus at most one read buffer (64 KiB) of already decoded frames.
  assert(conn.receiveQueueLength <= 8 + 8, `queue grew to ${conn.receiveQueueLength}`);
  let i = 0;
  for await (const message of conn) {
    assertEquals(message.type, "binary");
    assertEquals((message.data as Uint8Array)[0], i & 0xff);
    if (++i === count) break;
  }
  await writer;
  conn.abort();
  await conn.closed;
});

Deno.test("connection: a write failure rejects the send and closes as 1006", async () => {
  await using pair = await tcpPair();
  const conn = new WebSocketConnection(pair.server);
  await pair.client.close();
  // Writes into a reset connection fail, possibly only after a few succeed into the buffer.
  let failure: unknown = null;
  for (let i = 0; i < 100 && failure === null; i++) {
    await conn.sendBinary(new Uint8Array(16_384)).catch((e) => failure = e);
  }
  assertInstanceOf(failure, ConnectionClosedError);
  assertEquals((await conn.closed).code, 1006);
});
