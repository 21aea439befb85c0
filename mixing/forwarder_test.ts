import { assert, assertEquals } from "../testing/asserts.ts";
import { FrameDecoder, type FrameInit } from "../framing/mod.ts";
import { PacketForwarder, tcpDialer } from "./forwarder.ts";

/** A fake next hop: counts frames received on a loopback listener. */
function fakeHop(port = 0) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const received: Uint8Array[] = [];
  const conns = new Set<Deno.Conn>();
  const done = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        const decoder = new FrameDecoder({ copyChunks: true });
        const buf = new Uint8Array(65536);
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            decoder.push(buf.subarray(0, n));
            for (let f = decoder.next(); f; f = decoder.next()) received.push(f.packet.slice());
          }
        } catch { /* closed */ }
        conns.delete(conn);
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    received,
    async stop() {
      listener.close();
      for (const c of conns) c.close();
      await done;
    },
  };
}

function frame(i: number): FrameInit {
  const packet = new Uint8Array(386);
  packet[0] = i;
  return { version: 7, packetType: 0, keyRotation: 0, packet };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("frames reach the next hop; a hop that goes away and comes back gets its queue drained", async () => {
  let hop = fakeHop();
  const port = hop.port;
  let connections = 0;
  let dropped = 0;
  const forwarder = new PacketForwarder({
    dial: tcpDialer,
    maxQueuePerHop: 100,
    connectTimeoutMs: 500,
    initialBackoffMs: 50,
    maximumBackoffMs: 200,
    idleTimeoutMs: 60_000,
    onConnection: (d) => connections += d,
    onDropped: () => dropped++,
  });
  try {
    for (let i = 0; i < 5; i++) assert(forwarder.send("127.0.0.1", port, frame(i)));
    await until(() => hop.received.length === 5);
    assertEquals(hop.received.map((p) => p[0]), [0, 1, 2, 3, 4]);

    await hop.stop();
    await until(() => connections === 0);
    for (let i = 5; i < 25; i++) assert(forwarder.send("127.0.0.1", port, frame(i)));
    await new Promise((r) => setTimeout(r, 200)); // a few failed reconnects
    assertEquals(forwarder.queued, 20);

    hop = fakeHop(port);
    await until(() => hop.received.length === 20);
    assertEquals(hop.received.map((p) => p[0]), Array.from({ length: 20 }, (_, i) => i + 5));
    assertEquals(dropped, 0);
  } finally {
    forwarder.close();
    await hop.stop();
  }
});

Deno.test("a full per-hop queue drops and counts instead of growing", () => {
  let dropped = 0;
  const forwarder = new PacketForwarder({
    dial: () => new Promise(() => {}), // never connects
    maxQueuePerHop: 3,
    connectTimeoutMs: 100,
    initialBackoffMs: 10,
    maximumBackoffMs: 10,
    idleTimeoutMs: 1000,
    onDropped: () => dropped++,
  });
  const results = [0, 1, 2, 3, 4].map((i) => forwarder.send("127.0.0.1", 9, frame(i)));
  assertEquals(results, [true, true, true, false, false]);
  assertEquals(dropped, 2);
  forwarder.close();
  assertEquals(dropped, 5, "queued frames are counted as dropped at shutdown");
});
