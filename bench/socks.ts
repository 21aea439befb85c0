/**
 * `deno task bench:socks`: curl through `nym-node client socks5` (a separate process, anonymous
 * replies through reply SURBs, the default), a localnet of our node processes (`nym-node
 * localnet`: directory, 3 mix nodes, entry gateway, exit gateway with its network requester)
 * and a local HTTP server, side by side with curl fetching the same file directly.
 *
 * Modes of the SOCKS client:
 * - **default**: the reference traffic mode (Poisson stream with mean gap 20 ms and loop cover,
 *   15 ms mean delay per mix hop);
 * - **15 ms, no cover** (`--no-cover`): the default per-hop delays, packets sent at once;
 * - **0 ms** (`--low-latency`): no per-hop delays, packets sent at once.
 *
 * Per mode: time to first byte (curl `time_starttransfer` of a 1-byte fetch on a new connection:
 * SOCKS handshake, the exit's connect confirmation, HTTP request and first response byte; median
 * and p90 of `SOCKS_BENCH_SAMPLES`, default 10) and throughput (one `SOCKS_BENCH_BYTES` fetch,
 * default 2 MB, byte-exact; MB/s = bytes / total time, 1 MB = 10^6 bytes).
 *
 * Last line: `socks-ttfb-ms-direct=<x> socks-ttfb-ms-0ms=<x> socks-ttfb-ms-15ms=<x>
 * socks-ttfb-ms-default=<x> socks-mbps-direct=<x> socks-mbps-0ms=<x> socks-mbps-15ms=<x>
 * socks-mbps-default=<x>`.
 *
 * @module
 */
import { startLocalnet } from "../client/testing/localnet.ts";
import {
  curl,
  type CurlResult,
  type Socks5Process,
  startSocks5Process,
} from "../client/socks5/testing/socks5_process.ts";
import { pattern, sha256Hex, startHttpTarget } from "../client/socks5/testing/targets.ts";

const SAMPLES = Number(Deno.env.get("SOCKS_BENCH_SAMPLES") ?? 10);
const BYTES = Number(Deno.env.get("SOCKS_BENCH_BYTES") ?? 2_000_000);

interface ModeResult {
  readonly ttfbP50: number;
  readonly ttfbP90: number;
  readonly mbps: number;
  readonly seconds: number;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function check(r: CurlResult, what: string, proxy?: Socks5Process): void {
  if (r.code !== 0) {
    throw new Error(
      `${what}: curl exit ${r.code}: ${r.stderr}\n${proxy?.output().slice(-3000) ?? ""}`,
    );
  }
}

async function measure(
  url: (size: number) => string,
  via: string[],
  proxy?: Socks5Process,
): Promise<ModeResult> {
  const ttfb: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const r = await curl([...via, url(1)], { writeOut: "%{time_starttransfer}" });
    check(r, "a 1-byte fetch", proxy);
    ttfb.push(Number(r.writeOut) * 1000);
  }
  ttfb.sort((a, b) => a - b);
  const r = await curl([...via, url(BYTES)], {
    writeOut: "%{time_total}",
    maxTimeSeconds: 600,
  });
  check(r, `the ${BYTES}-byte fetch`, proxy);
  if (await sha256Hex(r.body) !== await sha256Hex(pattern(BYTES, BYTES))) {
    throw new Error(`the ${BYTES}-byte fetch arrived corrupted (${r.body.length} bytes)`);
  }
  const seconds = Number(r.writeOut);
  return {
    ttfbP50: quantile(ttfb, 0.5),
    ttfbP90: quantile(ttfb, 0.9),
    mbps: BYTES / 1e6 / seconds,
    seconds,
  };
}

function line(name: string, m: ModeResult): string {
  return `${name.padEnd(36)} TTFB p50 ${m.ttfbP50.toFixed(1).padStart(7)} ms, p90 ${
    m.ttfbP90.toFixed(1).padStart(7)
  } ms   ${(BYTES / 1e6).toFixed(1)} MB in ${m.seconds.toFixed(2).padStart(6)} s = ${
    m.mbps.toFixed(3).padStart(7)
  } MB/s`;
}

console.log("starting a localnet (directory, 3 mix nodes, entry and exit gateway)...");
const net = await startLocalnet({ mixnodes: 3 });
const http = startHttpTarget();
try {
  const provider = net.info.networkRequester;
  if (provider === null) throw new Error("the localnet has no network requester");
  const gateway = net.info.gateways.find((g) => !g.exit)?.identity;
  const url = (size: number) => `http://localhost:${http.port}/bytes/${size}`;

  const direct = await measure(url, []);
  console.log(line("direct (no proxy)", direct));

  const modes: [string, string, string[]][] = [
    ["0ms", "SOCKS, 0 ms per hop (--low-latency)", ["--low-latency"]],
    ["15ms", "SOCKS, 15 ms per hop (--no-cover)", ["--no-cover"]],
    ["default", "SOCKS, default mode (Poisson+cover)", []],
  ];
  const results = new Map<string, ModeResult>();
  for (const [key, name, args] of modes) {
    const proxy = await startSocks5Process({ nymApi: net.info.nymApi, provider, gateway, args });
    try {
      const via = ["--socks5-hostname", proxy.socks5];
      // Warm-up: the exit's client may still be connecting; routes and links get established.
      const deadline = Date.now() + 60_000;
      for (let ok = 0; ok < 3;) {
        const r = await curl([...via, url(1000)], { maxTimeSeconds: 20 });
        if (r.code === 0) ok++;
        else if (Date.now() > deadline) check(r, "warm-up", proxy);
      }
      const m = await measure(url, via, proxy);
      results.set(key, m);
      console.log(line(name, m));
    } finally {
      await proxy.stop();
    }
  }
  const r = (key: string) => results.get(key)!;
  console.log(
    `slowdown vs direct: 0 ms ${(direct.mbps / r("0ms").mbps).toFixed(0)}x, 15 ms ${
      (direct.mbps / r("15ms").mbps).toFixed(0)
    }x, default ${(direct.mbps / r("default").mbps).toFixed(0)}x (throughput)`,
  );
  console.log(
    `socks-ttfb-ms-direct=${direct.ttfbP50.toFixed(1)} socks-ttfb-ms-0ms=${
      r("0ms").ttfbP50.toFixed(1)
    } socks-ttfb-ms-15ms=${r("15ms").ttfbP50.toFixed(1)} socks-ttfb-ms-default=${
      r("default").ttfbP50.toFixed(1)
    } socks-mbps-direct=${direct.mbps.toFixed(3)} socks-mbps-0ms=${
      r("0ms").mbps.toFixed(3)
    } socks-mbps-15ms=${r("15ms").mbps.toFixed(3)} socks-mbps-default=${
      r("default").mbps.toFixed(3)
    }`,
  );
} finally {
  await http.stop();
  await net.stop();
}
