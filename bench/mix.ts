/**
 * `deno task bench:mix`: one mix node process on loopback between a sender and a sink (both in
 * this process). Regular packets, zero delay, default replay filter.
 *
 * 1. Throughput: the sender writes as fast as TCP lets it; packets/s at the sink.
 * 2. Latency: at half that rate, each packet's time from write to arrival at the sink
 *    (identified by its expected next-hop α, computed when it was built).
 * 3. Peak RSS of the node process (`VmHWM`).
 *
 * Last line: `mix-pps=<n> p50-ms=<x> p99-ms=<y> rss-mb=<m>`.
 *
 * @module
 */
import {
  concatBytes,
  createCryptoProvider,
  decodeBase58,
  systemRandom,
  toHex,
} from "../crypto/mod.ts";
import { buildSphinxPacket, deriveSenderKeys } from "../sphinx/mod.ts";
import {
  encodeFrame,
  encodeRoutingAddress,
  FrameDecoder,
  KeyRotation,
  NODE_ADDRESS_LENGTH,
  PacketType,
} from "../framing/mod.ts";
import { runNymNode, startNymNode } from "../tests/support/node_process.ts";
import {
  createNoiseAead,
  generateX25519KeyPair,
  noiseAccept,
  noiseConnect,
  type X25519KeyPair,
} from "../transport/mod.ts";
import { encodeBase58 } from "../crypto/mod.ts";

const args = new Set(Deno.args);
/** `--noise`: sender → node and node → sink over Noise XKpsk3, as between real nodes. */
const NOISE = args.has("--noise");

const THROUGHPUT_PACKETS = Number(Deno.env.get("MIX_BENCH_PACKETS") ?? 40_000);
const LATENCY_SECONDS = 4;
const crypto = createCryptoProvider();
const noiseAead = createNoiseAead();
const sinkNoiseKeys: X25519KeyPair = generateX25519KeyPair(crypto, systemRandom);

function nodeAddress(port: number): Uint8Array {
  const a = new Uint8Array(NODE_ADDRESS_LENGTH);
  a.set(encodeRoutingAddress({ ip: "127.0.0.1", port }));
  return a;
}

/** Sink: counts frames and records arrival times by α. */
class Sink {
  count = 0;
  readonly arrivals = new Map<string, number>();
  trackAlphas = false;
  readonly listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly port = this.listener.addr.port;
  readonly #conns: Deno.Conn[] = [];

  constructor() {
    (async () => {
      for await (const conn of this.listener) {
        this.#conns.push(conn);
        (async () => {
          const stream = NOISE
            ? await noiseAccept(conn, {
              localStaticKeyPair: sinkNoiseKeys,
              crypto,
              random: systemRandom,
              aead: noiseAead,
            })
            : conn;
          const decoder = new FrameDecoder({ copyChunks: true, maxBufferedBytes: 1 << 22 });
          const buf = new Uint8Array(1 << 18);
          try {
            for (let n = await stream.read(buf); n !== null; n = await stream.read(buf)) {
              const now = performance.now();
              decoder.push(buf.subarray(0, n));
              for (let f = decoder.next(); f; f = decoder.next()) {
                this.count++;
                if (this.trackAlphas) this.arrivals.set(toHex(f.packet.subarray(0, 8)), now);
              }
            }
          } catch { /* closed */ }
        })();
      }
    })().catch(() => {});
  }

  close(): void {
    this.listener.close();
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  }
}

function fakeNymApi(sinkPort: number) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/v1/epoch/key-rotation-info") {
      return Response.json({
        progress: { current_key_rotation_id: 1 },
        current_absolute_epoch_id: 24,
      });
    }
    if (path === "/v2/unstable/nym-nodes/semi-skimmed") {
      return Response.json({
        nodes: {
          pagination: { total: 1, page: 0, size: 1 },
          data: [{
            basic: { node_id: 1, ip_addresses: ["127.0.0.1"], mix_port: sinkPort },
            x25519_noise_versioned_key: NOISE
              ? { supported_version: 1, x25519_pubkey: encodeBase58(sinkNoiseKeys.publicKey) }
              : null,
          }],
        },
      });
    }
    return new Response("not found", { status: 404 });
  });
}

async function peakRssMb(pid: number): Promise<number> {
  // Deno only lets --allow-all read /proc/<pid>; `cat` runs under --allow-run.
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`], stdout: "piped" })
    .output();
  const status = new TextDecoder().decode(out.stdout);
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Sends `packets` at `rate` per second through `conn` (batched per millisecond tick) and returns
 * the sorted latencies (ms) of those the sink saw, matched by `key`.
 */
async function pacedLatency(
  conn: Writer,
  rate: number,
  packets: { frame: Uint8Array; key: string }[],
): Promise<number[]> {
  sink.arrivals.clear();
  sink.trackAlphas = true;
  const sentAt = new Map<string, number>();
  const start = performance.now();
  let sent = 0;
  while (sent < packets.length) {
    const due = Math.min(packets.length, Math.floor(((performance.now() - start) / 1000) * rate));
    if (due > sent) {
      const batch = packets.slice(sent, due);
      const now = performance.now();
      for (const p of batch) sentAt.set(p.key, now);
      await writeAll(conn, concatBytes(...batch.map((p) => p.frame)));
      sent = due;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const deadline = performance.now() + 5000;
  while (sink.arrivals.size < packets.length && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  sink.trackAlphas = false;
  const latencies: number[] = [];
  for (const [key, at] of sink.arrivals) {
    const s = sentAt.get(key);
    if (s !== undefined) latencies.push(at - s);
  }
  return latencies.sort((a, b) => a - b);
}

/** The sending side of a connection (plain TCP or Noise). */
interface Writer {
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** Connects to `port`, over Noise (to `responderKey`) when benchmarking with `--noise`. */
async function openSender(
  port: number,
  responderKey: Uint8Array | null,
): Promise<{ writer: Writer; handshakeMs: number }> {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
  tcp.setNoDelay(true);
  if (!NOISE || !responderKey) return { writer: tcp, handshakeMs: 0 };
  const start = performance.now();
  const writer = await noiseConnect(tcp, {
    responderStaticPublicKey: responderKey,
    localStaticKeyPair: generateX25519KeyPair(crypto, systemRandom),
    crypto,
    random: systemRandom,
    aead: noiseAead,
  });
  return { writer, handshakeMs: performance.now() - start };
}

async function writeAll(conn: Writer, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

const home = await Deno.makeTempDir({ prefix: "nym-bench-mix-" });
const sink = new Sink();
const api = fakeNymApi(sink.port);
const runArgs = [
  "--local",
  "--mode",
  "mixnode",
  "--nym-api-urls",
  `http://127.0.0.1:${api.addr.port}/`,
  "--http-bind-address",
  "127.0.0.1:0",
];
let node: Awaited<ReturnType<typeof startNymNode>> | null = null;
try {
  const init = await runNymNode(["run", ...runArgs, "--init-only", "--log-level", "warning"], {
    NYMNODE_HOME: home,
  });
  if (init.code !== 0) throw new Error(init.stderr);
  const workers = Deno.env.get("MIX_BENCH_WORKERS");
  if (workers !== undefined) {
    const path = `${home}/config/config.toml`;
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(
      path,
      text.replace(/unwrap_workers = -?\d+/, `unwrap_workers = ${Number(workers)}`),
    );
  }
  node = await startNymNode(home, [...runArgs, "--log-level", "warning"]);
  const info = await (await fetch(`${node.baseUrl}/api/v1/host-information`)).json();
  const nodeKey = decodeBase58(info.data.keys.primary_x25519_sphinx_key.public_key, 32);
  const mixPort = node.ready.listeners.mixnet.port;
  const route = [
    { address: nodeAddress(mixPort), publicKey: nodeKey },
    { address: nodeAddress(sink.port), publicKey: crypto.x25519Base(systemRandom(32)) },
  ];
  const destination = { address: systemRandom(32), identifier: new Uint8Array(16) };
  const message = systemRandom(2048);

  /** A framed packet and the first 8 bytes of the α the node will forward it with. */
  const build = (withAlpha: boolean): { frame: Uint8Array; alpha?: string } => {
    const initialSecret = systemRandom(32);
    const { packet } = buildSphinxPacket(crypto, {
      message,
      route,
      destination,
      delaysNanos: [0, 0],
      payloadSize: 2065,
      random: systemRandom,
      initialSecret,
    });
    let alpha: string | undefined;
    if (withAlpha) {
      const { expanded } = deriveSenderKeys(crypto, route.slice(0, 1), initialSecret, 258);
      alpha = toHex(
        crypto.x25519(expanded[0].blindingFactor, packet.subarray(0, 32)).subarray(0, 8),
      );
    }
    const frame = encodeFrame({
      version: 7,
      packetType: PacketType.Mix,
      keyRotation: KeyRotation.Unknown,
      packet,
    });
    return { frame, alpha };
  };

  const t0 = performance.now();
  const throughputFrames = Array.from({ length: THROUGHPUT_PACKETS }, () => build(false).frame);
  console.log(
    `built ${THROUGHPUT_PACKETS} packets in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  // Warm-up (connections, JIT) outside the measurement.
  const nodeNoiseKey = info.data.keys.x25519_versioned_noise
    ? decodeBase58(info.data.keys.x25519_versioned_noise.x25519_pubkey, 32)
    : null;
  const opened = await openSender(mixPort, nodeNoiseKey);
  const conn = opened.writer;
  if (NOISE) {
    console.log(
      `noise handshake (sender → node, over loopback): ${opened.handshakeMs.toFixed(2)} ms`,
    );
  }
  await writeAll(conn, concatBytes(...Array.from({ length: 200 }, () => build(false).frame)));
  while (sink.count < 200) await new Promise((r) => setTimeout(r, 5));

  // 1. Throughput.
  const base = sink.count;
  const start = performance.now();
  const writer = (async () => {
    for (let i = 0; i < throughputFrames.length; i += 64) {
      await writeAll(conn, concatBytes(...throughputFrames.slice(i, i + 64)));
    }
  })();
  const deadline = start + 120_000;
  let marks: { t: number; n: number }[] = [];
  while (sink.count - base < THROUGHPUT_PACKETS && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    marks.push({ t: performance.now(), n: sink.count - base });
  }
  await writer;
  // Steady state: between 10% and 90% of the packets.
  marks = marks.filter((m) => m.n >= 0.1 * THROUGHPUT_PACKETS && m.n <= 0.9 * THROUGHPUT_PACKETS);
  const pps = marks.length >= 2
    ? (marks.at(-1)!.n - marks[0].n) / ((marks.at(-1)!.t - marks[0].t) / 1000)
    : (sink.count - base) / ((performance.now() - start) / 1000);
  const stats = await (await fetch(`${node.baseUrl}/api/v1/metrics/packets-stats`)).json();
  console.log(
    `throughput: ${pps.toFixed(0)} packets/s (received ${
      sink.count - base
    }/${THROUGHPUT_PACKETS}); node stats ${JSON.stringify(stats)}`,
  );

  // 2. Latency at half the measured rate, and the harness floor: a relay that forwards bytes
  //    unchanged, measured the same way in the same run.
  const rate = Number(Deno.env.get("MIX_BENCH_RATE") ?? Math.max(100, Math.floor(pps / 2)));
  const latencyCount = rate * LATENCY_SECONDS;
  const latencyPackets = Array.from({ length: latencyCount }, () => build(true));
  const nodeLatency = await pacedLatency(
    conn,
    rate,
    latencyPackets.map((p) => ({ frame: p.frame, key: p.alpha! })),
  );
  conn.close();
  const p50 = quantile(nodeLatency, 0.5), p99 = quantile(nodeLatency, 0.99);
  console.log(
    `latency at ${rate} packets/s: ${nodeLatency.length}/${latencyCount} matched, p50 ${
      p50.toFixed(2)
    } ms, p99 ${p99.toFixed(2)} ms, max ${nodeLatency.at(-1)?.toFixed(2)} ms`,
  );

  const relay = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      new URL("./support/plain_relay.ts", import.meta.url).pathname,
      String(sink.port),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const first = await relay.stdout.getReader().read();
    const relayPort = JSON.parse(new TextDecoder().decode(first.value)).port as number;
    // With --noise the sender speaks Noise through the relay to the sink itself.
    const relayConn = (await openSender(relayPort, sinkNoiseKeys.publicKey)).writer;
    // The relay does not re-encrypt, so packets are recognised by their own α.
    const baseline = await pacedLatency(
      relayConn,
      rate,
      latencyPackets.map((p) => ({ frame: p.frame, key: toHex(p.frame.subarray(3, 11)) })),
    );
    relayConn.close();
    console.log(
      `harness floor (plain relay, same rate): p50 ${quantile(baseline, 0.5).toFixed(2)} ms, p99 ${
        quantile(baseline, 0.99).toFixed(2)
      } ms, max ${baseline.at(-1)?.toFixed(2)} ms`,
    );
  } finally {
    relay.kill();
    await relay.status;
  }

  const rss = await peakRssMb(node.ready.pid);
  console.log(
    `node peak RSS: ${rss.toFixed(0)} MB (default replay filter, ${
      args.has("--noise") ? "noise" : "plain TCP"
    })`,
  );
  console.log(
    `mix-pps=${pps.toFixed(0)} p50-ms=${p50.toFixed(2)} p99-ms=${p99.toFixed(2)} rss-mb=${
      rss.toFixed(0)
    }`,
  );
} finally {
  await node?.kill();
  sink.close();
  await api.shutdown();
  await Deno.remove(home, { recursive: true });
}
