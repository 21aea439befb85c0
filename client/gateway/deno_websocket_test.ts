import { assert, assertEquals } from "../../testing/asserts.ts";
import { noDelayWebSocketFactory } from "./deno_websocket.ts";
import { WebSocketChannel } from "./socket.ts";

function echoServer() {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    if (new URL(request.url).pathname === "/refuse") return new Response("no", { status: 400 });
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (e) => {
      if (e.data === "close please") socket.close(4000, "bye");
      else socket.send(e.data);
    };
    return response;
  });
}

Deno.test("no-delay WebSocket: text and binary both ways, large frames, server close", async () => {
  const server = echoServer();
  try {
    const url = `ws://127.0.0.1:${server.addr.port}/x?y=1`;
    const channel = await WebSocketChannel.open(url, {
      factory: noDelayWebSocketFactory,
      timeoutMs: 5000,
    });
    const binaries: Uint8Array[] = [];
    channel.onBinary = (b) => binaries.push(b.slice());
    channel.sendText('{"hello":"world"}');
    assertEquals(await channel.nextText(5000), '{"hello":"world"}');
    const packet = new Uint8Array(2451).map((_, i) => i & 0xff);
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    channel.sendBinary(packet);
    channel.sendBinary(big);
    assert(channel.bufferedAmount > 0, "writes are accounted until flushed");
    const deadline = Date.now() + 5000;
    while (binaries.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(binaries[0], packet);
    assertEquals(binaries[1], big);
    assertEquals(channel.bufferedAmount, 0);
    const closed = new Promise<[number, string]>((r) =>
      channel.onClose((code, reason) => r([code, reason]))
    );
    channel.sendText("close please");
    assertEquals(await closed, [4000, "bye"]);
    assert(channel.closed);
  } finally {
    await server.shutdown();
  }
});

Deno.test("no-delay WebSocket: a refused upgrade or a dead port fails the open", async () => {
  const server = echoServer();
  try {
    let failed = await WebSocketChannel.open(`ws://127.0.0.1:${server.addr.port}/refuse`, {
      factory: noDelayWebSocketFactory,
      timeoutMs: 5000,
    }).then(() => false, (e) => (e as Error).message);
    assert(typeof failed === "string" && failed.includes("cannot connect"), String(failed));
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    failed = await WebSocketChannel.open(`ws://127.0.0.1:${port}/`, {
      factory: noDelayWebSocketFactory,
      timeoutMs: 5000,
    }).then(() => false, (e) => (e as Error).message);
    assert(typeof failed === "string" && failed.includes("cannot connect"), String(failed));
  } finally {
    await server.shutdown();
  }
});

Deno.test("no-delay WebSocket: client close is orderly", async () => {
  const server = echoServer();
  try {
    const channel = await WebSocketChannel.open(`ws://127.0.0.1:${server.addr.port}/`, {
      factory: noDelayWebSocketFactory,
      timeoutMs: 5000,
    });
    channel.sendText("last");
    assertEquals(await channel.nextText(5000), "last");
    channel.close();
    assert(channel.closed);
    // Sending after close is a clear error, not a crash.
    let error = "";
    try {
      channel.sendText("too late");
    } catch (e) {
      error = (e as Error).message;
    }
    assert(error.includes("closed the connection"), error);
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await server.shutdown();
  }
});
