/**
 * The mix node as a real process (issue #4): a test sender writes framed Sphinx packets to its
 * mixnet port, and a fake next hop (known to the node through a stand-in nym-api) reads what it
 * forwards.
 */
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { assert, assertEquals } from "../testing/asserts.ts";
import { concatBytes, createCryptoProvider, decodeBase58, seededRandom } from "../crypto/mod.ts";
import {
  buildSphinxPacket,
  processSphinxPacket,
  recoverPlaintext,
  sampleDelaysNanos,
} from "../sphinx/mod.ts";
import {
  encodeFrame,
  encodeRoutingAddress,
  FrameDecoder,
  KeyRotation,
  NODE_ADDRESS_LENGTH,
  PacketType,
} from "../framing/mod.ts";
import { runNymNode, startNymNode } from "./support/node_process.ts";

const crypto = createCryptoProvider();
const rng = seededRandom(new Uint8Array(32).fill(44));

/** A fake next hop on a fixed loopback port that can be stopped and restarted. */
class Sink {
  readonly received: { packet: Uint8Array; at: number }[] = [];
  #listener: Deno.TcpListener | null = null;
  #conns = new Set<Deno.Conn>();
  port = 0;

  start(port = 0): void {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port });
    this.port = this.#listener.addr.port;
    (async () => {
      for await (const conn of this.#listener!) {
        this.#conns.add(conn);
        (async () => {
          const decoder = new FrameDecoder({ copyChunks: true });
          const buf = new Uint8Array(65536);
          try {
            for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
              decoder.push(buf.subarray(0, n));
              for (let f = decoder.next(); f; f = decoder.next()) {
                this.received.push({ packet: f.packet.slice(), at: performance.now() });
              }
            }
          } catch { /* closed */ }
          this.#conns.delete(conn);
        })();
      }
    })().catch(() => {});
  }

  stop(): void {
    this.#listener?.close();
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    this.#conns.clear();
  }
}

/** A stand-in nym-api: key-rotation info and a semi-skimmed topology listing the sink. */
function fakeNymApi(sinkPort: () => number) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/v1/epoch/key-rotation-info") {
      return Response.json({
        key_rotation_state: { validity_epochs: 24, initial_epoch_id: 1 },
        current_absolute_epoch_id: 100,
        progress: { current_key_rotation_id: 4 },
      });
    }
    if (path === "/v2/unstable/nym-nodes/semi-skimmed") {
      return Response.json({
        metadata: {
          status: null,
          absolute_epoch_id: 100,
          rotation_id: 4,
          refreshed_at: new Date().toISOString(),
        },
        nodes: {
          pagination: { total: 1, page: 0, size: 1 },
          data: [{
            basic: {
              node_id: 7,
              ed25519_identity_pubkey: "x",
              ip_addresses: ["127.0.0.1"],
              mix_port: sinkPort(),
            },
            x25519_noise_versioned_key: null,
          }],
        },
      });
    }
    return new Response("not found", { status: 404 });
  });
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Spearman rank correlation of two equally long samples. */
function spearman(a: number[], b: number[]): number {
  const rank = (xs: number[]) => {
    const order = xs.map((x, i) => [x, i]).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(xs.length);
    order.forEach(([, i], k) => r[i] = k);
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const n = a.length;
  const d2 = ra.reduce((sum, r, i) => sum + (r - rb[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

function nodeAddress(port: number): Uint8Array {
  const a = new Uint8Array(NODE_ADDRESS_LENGTH);
  a.set(encodeRoutingAddress({ ip: "127.0.0.1", port }));
  return a;
}

Deno.test("mix node process: forwards with delays, drops replays and bad input, survives restarts and downstream outages", async () => {
  const home = await Deno.makeTempDir({ prefix: "nym-mixnode-test-" });
  const sink = new Sink();
  sink.start();
  const api = fakeNymApi(() => sink.port);
  const apiUrl = `http://127.0.0.1:${api.addr.port}/`;
  const args = [
    "--local",
    "--mode",
    "mixnode",
    "--nym-api-urls",
    apiUrl,
    "--http-bind-address",
    "127.0.0.1:0",
  ];
  let node: Awaited<ReturnType<typeof startNymNode>> | null = null;
  try {
    // Initialise, then make backoff and replay sizing test-friendly in the config file.
    const init = await runNymNode(["run", ...args, "--init-only"], { NYMNODE_HOME: home });
    assertEquals(init.code, 0, init.stderr);
    const configPath = `${home}/config/config.toml`;
    const config = parseToml(await Deno.readTextFile(configPath)) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    config.mixnet.debug.packet_forwarding_initial_backoff = "100ms";
    config.mixnet.debug.packet_forwarding_maximum_backoff = "400ms";
    (config.mixnet.replay_protection as Record<string, Record<string, unknown>>).debug
      .initial_expected_packets_per_second = 10;
    await Deno.writeTextFile(configPath, stringifyToml(config));

    node = await startNymNode(home, args);
    const info = await (await fetch(`${node.baseUrl}/api/v1/host-information`)).json();
    const sphinxKey = decodeBase58(info.data.keys.primary_x25519_sphinx_key.public_key, 32);
    let mixPort = node.ready.listeners.mixnet.port;
    // The next hop's key is ours, so forwarded packets can be opened to tell which one arrived.
    const sinkSecret = rng(32);
    const build = (delayNanos: number, nextPort = sink.port, message = rng(100)) =>
      buildSphinxPacket(crypto, {
        message,
        route: [
          { address: nodeAddress(mixPort), publicKey: sphinxKey },
          { address: nodeAddress(nextPort), publicKey: crypto.x25519Base(sinkSecret) },
        ],
        destination: { address: rng(32), identifier: new Uint8Array(16) },
        delaysNanos: [delayNanos, 0],
        payloadSize: 2065,
        random: rng,
      }).packet;
    const frame = (packet: Uint8Array) =>
      encodeFrame({
        version: 8,
        packetType: PacketType.Mix,
        keyRotation: KeyRotation.Even,
        packet,
      });
    const stats = async () =>
      (await (await fetch(`${node!.baseUrl}/api/v1/metrics/packets-stats`)).json()).ingress_mixing;

    // 1. Delays: 30 packets with exponential delays (mean 40 ms) are held at least as long as
    //    asked, and leave in the order of their delays (rank correlation), whatever the load.
    const delays = sampleDelaysNanos(rng, 30, 40);
    const packets = delays.map((d, i) => build(d, sink.port, new Uint8Array([i])));
    let conn = await Deno.connect({ hostname: "127.0.0.1", port: mixPort });
    const batch = concatBytes(...packets.map(frame));
    const sentAt = performance.now();
    await conn.write(batch);
    await until(() => sink.received.length === 30);
    const arrivals = new Map<number, number>();
    for (const r of sink.received) {
      const hop = processSphinxPacket(crypto, r.packet, sinkSecret);
      assert(hop.kind === "final");
      arrivals.set(recoverPlaintext(hop.payload)[0], r.at - sentAt);
    }
    assertEquals(arrivals.size, 30, "every packet forwarded exactly once");
    for (const [i, at] of arrivals) {
      assert(
        at >= delays[i] / 1e6 - 2,
        `packet ${i} left after ${at} ms, ${delays[i] / 1e6} ms requested`,
      );
    }
    const rho = spearman(delays, delays.map((_, i) => arrivals.get(i)!));
    assert(rho > 0.8, `arrival order barely follows the delays (rank correlation ${rho})`);

    // 2. A replay is dropped and counted as a replay, not as malformed.
    await conn.write(frame(packets[0]));
    await until(() => false, 300).catch(() => {});
    assertEquals(sink.received.length, 30);
    assertEquals((await stats()).replayed_packets_received, 1);

    // 3. Bad input: tampered MAC, outfox type, then a bad frame header (which closes the
    //    connection). The node keeps working on a new connection. (Unknown next hops are not
    //    tried here: a `--local` node runs in testnet mode, where every loopback address
    //    passes the routing filter as in nym-node; mixing/pipeline_test.ts covers the filter.)
    const tampered = build(0);
    tampered[60] ^= 1;
    await conn.write(frame(tampered));
    await conn.write(
      encodeFrame({ version: 8, packetType: PacketType.Outfox, keyRotation: 0, packet: rng(2377) }),
    );
    await conn.write(new Uint8Array([9, 1, 0, 0]));
    const closed = await conn.read(new Uint8Array(1)).catch(() => null);
    assertEquals(closed, null, "the node closes a connection that sent a malformed frame");
    conn.close();
    await until(() => false, 200).catch(() => {});
    const afterBad = await stats();
    assertEquals(afterBad.malformed_packets_received, 1);
    assertEquals(afterBad.forward_hop_packets_dropped, 0);
    // A truncated frame followed by an abrupt close must not hurt either.
    conn = await Deno.connect({ hostname: "127.0.0.1", port: mixPort });
    await conn.write(frame(build(0)).subarray(0, 1000));
    conn.close();
    conn = await Deno.connect({ hostname: "127.0.0.1", port: mixPort });
    await conn.write(frame(build(0)));
    await until(() => sink.received.length === 31);

    // 4. Downstream outage: packets queue while the next hop is down and drain when it returns.
    const port = sink.port;
    sink.stop();
    await new Promise((r) => setTimeout(r, 100));
    const during = [build(0), build(0), build(0)];
    for (const p of during) await conn.write(frame(p));
    await new Promise((r) => setTimeout(r, 300));
    const before = sink.received.length;
    sink.start(port);
    await until(() => sink.received.length === before + 3);
    conn.close();

    // 5. Restart: same keys (host information), and the persisted replay filter still knows
    //    the packets seen before the restart.
    const stopped = await node.stop("SIGTERM");
    assertEquals(stopped.code, 0, stopped.stderr);
    node = await startNymNode(home, args);
    const infoAfter = await (await fetch(`${node.baseUrl}/api/v1/host-information`)).json();
    assertEquals(
      infoAfter.data.keys.primary_x25519_sphinx_key,
      info.data.keys.primary_x25519_sphinx_key,
    );
    mixPort = node.ready.listeners.mixnet.port;
    conn = await Deno.connect({ hostname: "127.0.0.1", port: mixPort });
    const count = sink.received.length;
    await conn.write(frame(packets[1])); // seen before the restart
    await conn.write(frame(build(0))); // new
    await until(() => sink.received.length === count + 1);
    await until(() => false, 200).catch(() => {});
    assertEquals(sink.received.length, count + 1);
    assertEquals((await stats()).replayed_packets_received, 1);
    conn.close();
  } finally {
    await node?.kill();
    sink.stop();
    await api.shutdown();
    await Deno.remove(home, { recursive: true });
  }
});
