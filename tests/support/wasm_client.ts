/**
 * Runs the real Nym wasm client (`@nymproject/nym-client-wasm-node@1.4.1`) against a nym-api
 * in its own process (the client has no `stop()`, and fake-indexeddb patches globals), then
 * exits. Its own console output is left as it is; this script adds lines prefixed `RESULT `:
 *
 * - `RESULT topology {...}`: what `currentNetworkTopology(nymApi)` (the client's requests #3–#5:
 *   rewarded set, active mix nodes, entry gateways) made of the directory's answers, or
 *   `RESULT topology-error <message>`;
 * - `RESULT websocket <url>`: every gateway WebSocket the client opened;
 * - `RESULT started <address>` or `RESULT failed <message>` for `new NymClient(...)`.
 *
 * Usage: `deno run --allow-net=127.0.0.1 --allow-read --allow-env wasm_client.ts <nym-api URL> [timeout ms]`
 *
 * @module
 */
import "fake-indexeddb/auto"; // must come first: the client keeps its keys in IndexedDB

const [nymApiUrl, timeoutArg] = Deno.args;
const timeoutMs = Number(timeoutArg ?? 20_000);
const host = new URL(nymApiUrl).hostname;
if (!host.startsWith("127.")) throw new Error(`refusing non-loopback nym-api ${nymApiUrl}`);

const RealWebSocket = globalThis.WebSocket;
globalThis.WebSocket = class extends RealWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    const target = new URL(String(url));
    if (!target.hostname.startsWith("127.") && target.hostname !== "localhost") {
      throw new Error(`refusing non-loopback websocket ${url}`);
    }
    console.log(`RESULT websocket ${url}`);
    super(url, protocols);
  }
} as typeof WebSocket;

const wasm = await import("@nymproject/nym-client-wasm-node");
try {
  const topology = await wasm.currentNetworkTopology(nymApiUrl);
  console.log(
    `RESULT topology ${
      JSON.stringify(
        topology,
        (_k, v) => v instanceof Map ? Object.fromEntries(v) : typeof v === "bigint" ? Number(v) : v,
      )
    }`,
  );
} catch (error) {
  console.log(
    `RESULT topology-error ${String((error as Error)?.message ?? error).replace(/\s+/g, " ")}`,
  );
}

const timer = setTimeout(() => {
  console.log(`RESULT failed timeout after ${timeoutMs} ms`);
  Deno.exit(2);
}, timeoutMs);
try {
  const client = await new wasm.NymClient(() => {}, {
    clientId: `test-${crypto.randomUUID()}`,
    nymApiUrl,
    nyxdUrl: "http://127.0.0.1:1/",
    clientOverride: {
      traffic: { averagePacketDelayMs: 0, disableMainPoissonPacketDistribution: true },
      coverTraffic: { disableLoopCoverTrafficStream: true },
      acknowledgements: { averageAckDelayMs: 0 },
    },
  });
  console.log(`RESULT started ${client.selfAddress()}`);
} catch (error) {
  console.log(`RESULT failed ${String((error as Error)?.message ?? error).replace(/\s+/g, " ")}`);
}
clearTimeout(timer);
Deno.exit(0);
