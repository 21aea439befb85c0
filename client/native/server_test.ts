/**
 * The native WebSocket API served by a real client on the simulated network: several
 * applications at once (text and binary), responses in the format of each connection's last
 * request, messages to every application, buffering while none is connected, clear errors for
 * bad requests, stats and health.
 */
import { assert, assertEquals } from "../../testing/asserts.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { toHex } from "../../crypto/bytes.ts";
import { encodeRecipient } from "../../message/mod.ts";
import { FakeNetwork, utf8 } from "../testing/fake_network.ts";
import { mergeOverrides, MixnetClient, noCoverOverrides } from "../mod.ts";
import {
  decodeBinaryResponse,
  encodeBinaryRequest,
  NativeErrorKind,
  type NativeResponse,
} from "./codec.ts";
import { NativeWebSocketServer } from "./server.ts";

const crypto = createCryptoProvider();

/** A test application: a WebSocket with a queue of decoded responses. */
class App {
  readonly frames: (string | Uint8Array)[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e) =>
      this.frames.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data));
  }

  static async connect(url: string): Promise<App> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error("cannot connect"));
    });
    return new App(socket);
  }

  sendText(value: unknown): void {
    this.socket.send(typeof value === "string" ? value : JSON.stringify(value));
  }

  async next(timeoutMs = 10_000): Promise<string | Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (Date.now() > deadline) throw new Error("no response in time");
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.frames.shift()!;
  }

  async nextJson(): Promise<Record<string, unknown>> {
    const frame = await this.next();
    assert(typeof frame === "string", "expected a text frame");
    return JSON.parse(frame);
  }

  async nextBinary(): Promise<NativeResponse> {
    const frame = await this.next();
    assert(frame instanceof Uint8Array, "expected a binary frame");
    return decodeBinaryResponse(frame);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => (this.socket.onclose = r));
    this.socket.close();
    await closed;
  }
}

Deno.test("native API: several apps at once, text and binary, errors, buffering, stats", async () => {
  const net = await FakeNetwork.start({ crypto });
  const client = await MixnetClient.start({
    nymApiUrls: [net.nymApiUrl],
    crypto,
    config: mergeOverrides(noCoverOverrides(), {
      traffic: { averagePacketDelayMs: 0 },
      acknowledgements: { averageAckDelayMs: 0 },
    }),
  });
  const server = NativeWebSocketServer.start({ client, port: 0, maxConnections: 3 });
  const url = `ws://127.0.0.1:${server.addr.port}`;
  const apps: App[] = [];
  try {
    const [text, binary, third] = await Promise.all([
      App.connect(url),
      App.connect(url),
      App.connect(url),
    ]);
    apps.push(text, binary, third);
    await until(() => server.connections === 3);

    // selfAddress in both forms.
    text.sendText({ type: "selfAddress" });
    assertEquals(await text.nextJson(), { type: "selfAddress", address: client.addressText });
    binary.socket.send(encodeBinaryRequest({ type: "selfAddress" }));
    const self = await binary.nextBinary();
    assert(self.type === "selfAddress");
    assertEquals(toHex(encodeRecipient(self.address)), toHex(encodeRecipient(client.address)));

    // A fourth application is refused while three are connected.
    let refused = false;
    await App.connect(url).then((a) => apps.push(a), () => (refused = true));
    assert(refused, "the connection limit holds");

    // `send` with a connection id answers with the lane's queue length; the message then
    // reaches every application, each in the format of its last request.
    third.sendText({ type: "selfAddress" });
    await third.nextJson();
    text.sendText({
      type: "send",
      recipient: client.addressText,
      message: "to all apps",
      connectionId: 5,
    });
    const lane = await text.nextJson();
    assertEquals(lane.type, "laneQueueLength");
    assertEquals(lane.lane, 5);
    assert(typeof lane.queue_length === "number");
    assertEquals(await text.nextJson(), {
      type: "received",
      message: "to all apps",
      senderTag: null,
    });
    assertEquals(await third.nextJson(), {
      type: "received",
      message: "to all apps",
      senderTag: null,
    });
    const asBinary = await binary.nextBinary();
    assert(asBinary.type === "received");
    assertEquals(new TextDecoder().decode(asBinary.message), "to all apps");

    // Binary send without a connection id: no response, just the message.
    binary.socket.send(encodeBinaryRequest({
      type: "send",
      recipient: client.address,
      message: new Uint8Array([0, 255, 1]),
      connectionId: null,
    }));
    const raw = await binary.nextBinary();
    assert(raw.type === "received");
    assertEquals(raw.message, new Uint8Array([0, 255, 1]));
    await text.nextJson();
    await third.nextJson();

    // Anonymous to itself: the application sees the sender tag and can reply through it.
    text.sendText({
      type: "sendAnonymous",
      recipient: client.addressText,
      message: "anon",
      replySurbs: 20,
    });
    const anonymous = await text.nextJson();
    assertEquals(anonymous.message, "anon");
    assert(typeof anonymous.senderTag === "string");
    await binary.next();
    await third.next();
    text.sendText({ type: "reply", senderTag: anonymous.senderTag, message: "replied" });
    assertEquals(await text.nextJson(), { type: "received", message: "replied", senderTag: null });
    await binary.next();
    await third.next();

    // Bad input gets errors in the requester's format; other apps see nothing.
    text.sendText("{not json");
    const bad = await text.nextJson();
    assertEquals(bad.type, "error");
    assert(String(bad.message).startsWith("malformed request:invalid JSON"), String(bad.message));
    text.sendText({ type: "send", recipient: "nobody@nowhere", message: "x" });
    assertEquals(await text.nextJson(), {
      type: "error",
      message:
        "malformed request:the string address does not contain exactly a single '.' character",
    });
    text.sendText({ type: "reply", senderTag: "1111111111111111", message: "x" });
    assertEquals(await text.nextJson(), {
      type: "error",
      message:
        "other:no reply SURBs are stored for sender tag 1111111111111111 (it never sent us an anonymous message)",
    });
    binary.socket.send(new Uint8Array([0x42]));
    assertEquals(await binary.nextBinary(), {
      type: "error",
      kind: NativeErrorKind.UnknownRequest,
      message: "66 does not correspond to any valid request tag",
    });
    binary.socket.send(new Uint8Array([0x00, 1, 2, 3]));
    const short = await binary.nextBinary();
    assert(short.type === "error" && short.kind === NativeErrorKind.TooShortRequest);
    assertEquals(third.frames.length, 0);

    // The binary app switches to text by sending a text request.
    binary.sendText({ type: "getLaneQueueLength", connectionId: 5 });
    assertEquals(await binary.nextJson(), { type: "laneQueueLength", lane: 5, queue_length: 0 });
    binary.sendText({ type: "getStats" });
    const stats = await binary.nextJson();
    assertEquals(stats.type, "stats");
    assertEquals(stats.appConnections, 3);
    assert((stats.realPacketsSent as number) >= 4 && (stats.apiErrors as number) >= 5);

    // With no application connected, messages wait in the client for the next one.
    for (const app of apps.splice(0)) await app.close();
    await until(() => server.connections === 0);
    client.send(client.address, utf8("while nobody listens"));
    await until(() => client.stats().bufferedMessages === 1);
    const late = await App.connect(url);
    apps.push(late);
    const buffered = await late.nextBinary();
    assert(buffered.type === "received");
    assertEquals(new TextDecoder().decode(buffered.message), "while nobody listens");

    // Plain HTTP: health and stats.
    const health = await (await fetch(`http://127.0.0.1:${server.addr.port}/health`)).json();
    assertEquals(health.status, "up");
    const httpStats = await (await fetch(`http://127.0.0.1:${server.addr.port}/stats`)).json();
    assertEquals(httpStats.address, client.addressText);
    const other = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    assertEquals(other.status, 426);
    await other.body?.cancel();
  } finally {
    for (const app of apps) await app.close();
    await server.stop();
    await client.stop();
    await net.stop();
  }
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
