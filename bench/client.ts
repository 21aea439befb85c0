/**
 * `deno task bench:client`: the client core through a localnet of our node processes
 * (`nym-node localnet`: directory, 3 mix nodes, entry and exit gateway).
 *
 * The client talks to its gateway through `noDelayWebSocketFactory` (as `nym-node client run`
 * does); the zero-delay latency is measured once more with Deno's built-in WebSocket client.
 *
 * 1. Latency: single-packet messages from the client to itself, one at a time, send → delivery,
 *    with per-hop mean delay 0 and the default 15 ms (Poisson stream off, so only the network
 *    and the client are measured), and once in the default traffic mode (Poisson stream + cover
 *    at 15 ms). p50/p99 are compared with the configured mixing delay: the sum of 3 exponential
 *    hop delays (mean 45 ms, median 40 ms, p99 126 ms; the gateway hop has none).
 * 2. Goodput: one 10 MB message to itself in low-latency mode (no per-hop delays, no Poisson),
 *    KB/s from `send` until the whole message is delivered.
 *
 * With `--fake` it runs on the in-process simulated network (`client/testing/fake_network.ts`,
 * delays honoured) and says so.
 *
 * Last line: `client-p50-0ms=<x> client-p99-0ms=<y> client-p50-15ms=... goodput-kbps=<n>`.
 *
 * @module
 */
import { createCryptoProvider } from "../crypto/mod.ts";
import {
  type ClientConfigOverrides,
  lowLatencyOverrides,
  mergeOverrides,
  MixnetClient,
  noCoverOverrides,
} from "../client/mod.ts";
import { noDelayWebSocketFactory } from "../client/deno.ts";
import type { WebSocketFactory } from "../client/mod.ts";
import { FakeNetwork } from "../client/testing/fake_network.ts";
import { type Localnet, startLocalnet } from "../client/testing/localnet.ts";

const crypto = createCryptoProvider();
const args = new Set(Deno.args);
const LATENCY_SAMPLES = Number(Deno.env.get("CLIENT_BENCH_SAMPLES") ?? 200);
const GOODPUT_BYTES = Number(Deno.env.get("CLIENT_BENCH_BYTES") ?? 10 * 1024 * 1024);

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Quantile of the sum of 3 exponential delays with mean `meanMs` each (Erlang-3). */
function erlang3Quantile(meanMs: number, q: number): number {
  const cdf = (x: number) => 1 - Math.exp(-x) * (1 + x + x * x / 2);
  let lo = 0, hi = 50;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return lo * meanMs;
}

async function startClient(
  nymApiUrl: string,
  gateway: string | undefined,
  config: ClientConfigOverrides,
  webSocket: WebSocketFactory = noDelayWebSocketFactory,
) {
  return await MixnetClient.start({ nymApiUrls: [nymApiUrl], crypto, gateway, config, webSocket });
}

async function latency(
  nymApiUrl: string,
  gateway: string | undefined,
  config: ClientConfigOverrides,
  samples: number,
  webSocket?: WebSocketFactory,
): Promise<{ p50: number; p99: number; mean: number; mixingMean: number }> {
  const client = await startClient(nymApiUrl, gateway, config, webSocket);
  try {
    let resolve: (() => void) | undefined;
    client.on("message", () => resolve?.());
    const times: number[] = [];
    // Warm-up: routes, JIT, connections between nodes.
    for (let i = 0; i < samples + 10; i++) {
      const arrived = new Promise<void>((r) => (resolve = r));
      const started = performance.now();
      client.send(client.address, new Uint8Array(64).fill(i & 0xff));
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("a message did not arrive in 30 s")), 30_000)
      );
      await Promise.race([arrived, timeout]);
      if (i >= 10) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const s = client.stats();
    return {
      mixingMean: s.mixingDelaySentMs / s.realPacketsSent,
      p50: quantile(times, 0.5),
      p99: quantile(times, 0.99),
      mean: times.reduce((a, b) => a + b, 0) / times.length,
    };
  } finally {
    await client.stop();
  }
}

async function goodput(
  nymApiUrl: string,
  gateway: string | undefined,
): Promise<{ kbps: number; seconds: number; retransmissions: number }> {
  const client = await startClient(
    nymApiUrl,
    gateway,
    mergeOverrides(lowLatencyOverrides(), noCoverOverrides()),
  );
  try {
    const message = new Uint8Array(GOODPUT_BYTES).map((_, i) => (i * 2654435761) >>> 24);
    const arrived = new Promise<Uint8Array>((r) => client.on("message", (m) => r(m.message)));
    const started = performance.now();
    client.send(client.address, message);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("the transfer did not finish in 10 min")), 600_000)
    );
    const received = await Promise.race([arrived, timeout]);
    const seconds = (performance.now() - started) / 1000;
    if (received.length !== message.length) throw new Error("the transfer arrived truncated");
    return {
      kbps: GOODPUT_BYTES / 1024 / seconds,
      seconds,
      retransmissions: client.stats().retransmissions,
    };
  } finally {
    await client.stop();
  }
}

const zeroDelay = mergeOverrides(noCoverOverrides(), {
  traffic: { averagePacketDelayMs: 0 },
  acknowledgements: { averageAckDelayMs: 0 },
});
const defaultDelay = noCoverOverrides();
const defaultMode: ClientConfigOverrides = {};

let localnet: Localnet | undefined;
let fake: FakeNetwork | undefined;
let nymApiUrl: string;
let gateway: string | undefined;
let network: string;
if (!args.has("--fake")) {
  console.log("starting a localnet (directory, 3 mix nodes, entry and exit gateway)...");
  localnet = await startLocalnet({ mixnodes: 3 });
  nymApiUrl = localnet.info.nymApi;
  gateway = localnet.info.gateways.find((g) => !g.exit)?.identity;
  network = "localnet of nym-node processes";
} else {
  console.log(
    "--fake: using the in-process simulated network",
  );
  fake = await FakeNetwork.start({ crypto, honourDelays: true });
  nymApiUrl = fake.nymApiUrl;
  network = "in-process simulated network (delays honoured)";
}

try {
  console.log(`network: ${network}; crypto: ${crypto.name}`);
  const zero = await latency(nymApiUrl, gateway, zeroDelay, LATENCY_SAMPLES);
  console.log(
    `latency, per-hop delay 0:  p50 ${zero.p50.toFixed(1)} ms, p99 ${zero.p99.toFixed(1)} ms ` +
      `(mean ${zero.mean.toFixed(1)}; configured mixing delay 0)`,
  );
  const builtin = await latency(
    nymApiUrl,
    gateway,
    zeroDelay,
    Math.max(50, LATENCY_SAMPLES / 2),
    (url) => new WebSocket(url),
  );
  console.log(
    `  (same with Deno's built-in WebSocket client: p50 ${builtin.p50.toFixed(1)} ms, ` +
      `p99 ${builtin.p99.toFixed(1)} ms — its ~40 ms Nagle stalls on 2.4 KB frames)`,
  );
  const fifteen = await latency(
    nymApiUrl,
    gateway,
    defaultDelay,
    Math.max(50, LATENCY_SAMPLES / 2),
  );
  console.log(
    `latency, per-hop delay 15 ms: p50 ${fifteen.p50.toFixed(1)} ms, p99 ${
      fifteen.p99.toFixed(1)
    } ms ` +
      `(mean ${fifteen.mean.toFixed(1)}; sampled mixing delay of these packets: mean ${
        fifteen.mixingMean.toFixed(1)
      }; configured: mean 45, p50 ${erlang3Quantile(15, 0.5).toFixed(1)}, p99 ${
        erlang3Quantile(15, 0.99).toFixed(1)
      } ms)`,
  );
  const mode = await latency(nymApiUrl, gateway, defaultMode, Math.max(50, LATENCY_SAMPLES / 4));
  console.log(
    `latency, default traffic mode (Poisson 20 ms + cover, 15 ms hops): p50 ${
      mode.p50.toFixed(1)
    } ms, ` +
      `p99 ${mode.p99.toFixed(1)} ms (mean ${mode.mean.toFixed(1)})`,
  );
  const g = await goodput(nymApiUrl, gateway);
  console.log(
    `goodput: ${(GOODPUT_BYTES / 1024 / 1024).toFixed(1)} MB to itself in ${
      g.seconds.toFixed(1)
    } s = ` +
      `${g.kbps.toFixed(0)} KB/s (low-latency mode; ${g.retransmissions} retransmissions)`,
  );
  console.log(
    `client-p50-0ms=${zero.p50.toFixed(1)} client-p99-0ms=${zero.p99.toFixed(1)} ` +
      `client-p50-15ms=${fifteen.p50.toFixed(1)} client-p99-15ms=${fifteen.p99.toFixed(1)} ` +
      `goodput-kbps=${g.kbps.toFixed(0)}`,
  );
} finally {
  await localnet?.stop();
  await fake?.stop();
}
