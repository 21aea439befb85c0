import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, seededRandom } from "../crypto/mod.ts";
import { buildSphinxPacket } from "../sphinx/mod.ts";
import { encodeFrame, encodeRoutingAddress, FrameDecoder, PacketType } from "../framing/mod.ts";
import { MetricsRegistry } from "../node/metrics.ts";
import { MixingMetrics } from "./metrics.ts";
import { PacketForwarder, tcpDialer } from "./forwarder.ts";
import { MixPipeline } from "./pipeline.ts";
import { MixnetListener } from "./listener.ts";
import { UnwrapPool } from "./unwrap_pool.ts";
import { bloomParameters, ReplayFilter } from "./replay_filter.ts";

const crypto = createCryptoProvider();

function sink() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: { packet: Uint8Array; at: number }[] = [];
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const d = new FrameDecoder({ copyChunks: true });
        const buf = new Uint8Array(65536);
        try {
          for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
            d.push(buf.subarray(0, n));
            for (let f = d.next(); f; f = d.next()) {
              received.push({ packet: f.packet.slice(), at: performance.now() });
            }
          }
        } catch { /* closed */ }
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    received,
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* */ }
      }
    },
  };
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("mix pipeline: forwards to known hops after the delay, drops replays, unknown hops and bad frames", async () => {
  const rng = seededRandom(new Uint8Array(32).fill(77));
  const nodeSk = rng(32);
  const next = sink();
  const registry = new MetricsRegistry();
  const forwarder = new PacketForwarder({
    dial: tcpDialer,
    maxQueuePerHop: 100,
    connectTimeoutMs: 1000,
    initialBackoffMs: 100,
    maximumBackoffMs: 1000,
    idleTimeoutMs: 10_000,
  });
  const metrics = new MixingMetrics(registry, {
    delayed: () => pipeline.delayed,
    forwarderQueued: () => forwarder.queued,
  });
  const pool = new UnwrapPool({
    workers: 0,
    crypto,
    keys: {
      primary: {
        rotationId: 1,
        secretKey: nodeSk,
        filter: ReplayFilter.create(bloomParameters(1000, 1e-6), 1, rng(16), 0),
      },
    },
  });
  // The metrics gauges close over `pipeline`; they are only read at scrape time, after this.
  const pipeline: MixPipeline = new MixPipeline({
    pool,
    forwarder,
    view: { isKnownNode: (host, port) => host === "127.0.0.1" && port === next.port },
    metrics,
    mixnodeEnabled: true,
    maximumDelayMs: 10_000,
    delayQueueCapacity: 100,
    egressFrameVersion: 7,
  });
  const listener = new MixnetListener({
    hostname: "127.0.0.1",
    port: 0,
    pipeline,
    metrics,
    maxConnections: 10,
    maxConnectionsPerIp: 10,
    idleTimeoutMs: 60_000,
    maxInFlight: 64,
  });
  const build = (nextPort: number, delayMs: number) => {
    const address = new Uint8Array(32);
    address.set(encodeRoutingAddress({ ip: "127.0.0.1", port: nextPort }));
    return buildSphinxPacket(crypto, {
      message: rng(32),
      route: [
        { address: new Uint8Array(32), publicKey: crypto.x25519Base(nodeSk) },
        { address, publicKey: crypto.x25519Base(rng(32)) },
      ],
      destination: { address: rng(32), identifier: new Uint8Array(16) },
      delaysNanos: [delayMs * 1e6, 0],
      payloadSize: 2065,
      random: rng,
    }).packet;
  };
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  try {
    const fast = build(next.port, 0);
    const slow = build(next.port, 150);
    const unknown = build(next.port + 1, 0);
    const start = performance.now();
    for (const p of [fast, slow, unknown, fast]) {
      await conn.write(
        encodeFrame({ version: 8, packetType: PacketType.Mix, keyRotation: 1, packet: p }),
      );
    }
    await until(() => next.received.length === 2);
    assert(
      next.received[1].at - start >= 145,
      `delayed packet came after ${next.received[1].at - start} ms`,
    );
    assertEquals(metrics.counters.replayed, 1);
    assertEquals(metrics.counters.unknownNextHop, 1);
    assertEquals(metrics.counters.forwardSent, 2);
    // A frame with version 9 is malformed: the listener counts it and closes the connection.
    await conn.write(new Uint8Array([9, 1, 0, 0]));
    await until(() => metrics.counters.malformedFrames === 1);
    await until(() => listener.connections === 0);
    const prom = registry.render();
    assert(prom.includes('nym_node_mixnet_ingress_packets_total{outcome="replayed"} 1'), prom);
  } finally {
    try {
      conn.close();
    } catch { /* closed by the listener */ }
    await listener.close();
    pipeline.close();
    forwarder.close();
    pool.close();
    next.close();
  }
});
