/**
 * Test helper: an in-process stand-in for a nym-node's self-described HTTP API (the routes the
 * directory polls), on `127.0.0.1:<port>`. Its host information is built and signed by the
 * node's own code (`node/host_info.ts`), so a directory verifies it for real; knobs make it
 * misbehave (forged signature, garbage, hangs, huge bodies) and stop/restart on the same port.
 *
 * @module
 */
import { createCryptoProvider } from "../crypto/mod.ts";
import { generateEd25519KeyPair } from "../crypto/ed25519.ts";
import { seededRandom } from "../crypto/random.ts";
import { buildHostInformation, signHostInformation } from "../node/host_info.ts";
import type { NodeKeys } from "../node/keys.ts";

/** Which routes misbehave and how. */
export type Misbehaviour =
  | { readonly kind: "garbage" }
  | { readonly kind: "hang" }
  | { readonly kind: "huge"; readonly bytes: number }
  | { readonly kind: "status"; readonly status: number };

/** Options of {@linkcode startFakeNode}. */
export interface FakeNodeOptions {
  /** Seed label for deterministic keys. */
  readonly seed: string;
  /** `mixnode`, `entry` or `exit` (exit implies entry). */
  readonly mode: "mixnode" | "entry" | "exit";
  /** Announced IPs (default `["127.0.0.1"]`). */
  readonly ips?: readonly string[];
  /** Announced mix port (default 1789). */
  readonly mixPort?: number;
  /** Client websocket port (default 9000). */
  readonly wsPort?: number;
  /** Sign with a different key than the announced identity. */
  readonly forgeSignature?: boolean;
  /** Sphinx key rotation id (default 0). */
  readonly rotationId?: number;
  /** Build version (default `1.2.3`). */
  readonly version?: string;
  /** Port to bind (default 0: any). */
  readonly port?: number;
}

/** A running fake node. */
export interface FakeNode {
  /** `127.0.0.1:<port>` of its HTTP API. */
  readonly address: string;
  readonly port: number;
  /** Base58 identity. */
  readonly identity: string;
  /** The node's keys. */
  readonly keys: NodeKeys;
  /** Paths (`/api/v1/...`) → misbehaviour; change at will. */
  readonly misbehave: Map<string, Misbehaviour>;
  /** Packets reported by `/metrics/packets-stats` (ingress forward-hop received). */
  packetsReceived: number;
  /** Stops serving (connections are refused until {@linkcode FakeNode.restart}). */
  stop(): Promise<void>;
  /** Serves again on the same port. */
  restart(): Promise<void>;
}

/**
 * Deterministic node keys for `seed`.
 *
 * @example
 * ```ts
 * import { fakeNodeKeys } from "./fake_nym_node.ts";
 * fakeNodeKeys("a").identity.publicKey.length; // 32
 * ```
 */
export function fakeNodeKeys(seed: string, rotationId = 0): NodeKeys {
  const crypto = createCryptoProvider("noble");
  const random = seededRandom(new TextEncoder().encode(seed.padEnd(32, "#").slice(0, 32)));
  const identity = generateEd25519KeyPair(random);
  const x = () => {
    const secretKey = random(32);
    return { secretKey, publicKey: crypto.x25519Base(secretKey) };
  };
  return {
    identity,
    sphinx: { primary: { ...x(), rotationId }, secondary: null },
    noise: x(),
  };
}

/**
 * Starts a fake node.
 *
 * @example
 * ```ts no-eval
 * import { startFakeNode } from "./fake_nym_node.ts";
 * const node = await startFakeNode({ seed: "mix-1", mode: "mixnode" });
 * try { ... } finally { await node.stop(); }
 * ```
 */
export async function startFakeNode(options: FakeNodeOptions): Promise<FakeNode> {
  const keys = fakeNodeKeys(options.seed, options.rotationId ?? 0);
  const signingKey = options.forgeSignature
    ? fakeNodeKeys(`${options.seed}-forger`).identity.secretKey
    : keys.identity.secretKey;
  const signed = signHostInformation(
    buildHostInformation({
      publicIps: options.ips ?? ["127.0.0.1"],
      hostname: null,
      keys,
      noiseDisabled: false,
    }),
    signingKey,
  );
  const mixnode = options.mode === "mixnode";
  const entry = options.mode !== "mixnode";
  const exit = options.mode === "exit";
  const misbehave = new Map<string, Misbehaviour>();
  const json = (value: unknown) =>
    new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });
  const state = { packetsReceived: 0 };
  const routes: Record<string, () => Response> = {
    "/api/v1/health": () => json({ status: "up", uptime: 1 }),
    "/api/v1/host-information": () =>
      new Response(signed.json, { headers: { "content-type": "application/json" } }),
    "/api/v1/build-information": () =>
      json({
        binary_name: "nym-node",
        build_timestamp: "2026-01-01T00:00:00Z",
        build_version: options.version ?? "1.2.3",
        commit_sha: "0".repeat(40),
        commit_timestamp: "2026-01-01T00:00:00Z",
        commit_branch: "main",
        rustc_version: "deno",
        rustc_channel: "stable",
        cargo_profile: "release",
        cargo_triple: "x86_64-unknown-linux-gnu",
      }),
    "/api/v1/roles": () =>
      json({
        mixnode_enabled: mixnode,
        gateway_enabled: entry,
        network_requester_enabled: exit,
        ip_packet_router_enabled: exit,
      }),
    "/api/v1/auxiliary-details": () =>
      json({
        location: "PL",
        announce_ports: { verloc_port: null, mix_port: options.mixPort ?? 1789 },
        accepted_operator_terms_and_conditions: true,
      }),
    "/api/v1/gateway/client-interfaces/mixnet-websockets": () =>
      json({ ws_port: options.wsPort ?? 9000, wss_port: null }),
    "/api/v1/load": () => json({ total: "low", machine: "low", network: "negligible" }),
    "/api/v1/metrics/packets-stats": () =>
      json({
        ingress_mixing: {
          forward_hop_packets_received: state.packetsReceived,
          final_hop_packets_received: 0,
          malformed_packets_received: 0,
          replayed_packets_received: 0,
          excessive_delay_packets: 0,
          forward_hop_packets_dropped: 0,
          final_hop_packets_dropped: 0,
        },
        egress_mixing: {
          forward_hop_packets_sent: state.packetsReceived,
          forward_hop_packets_dropped: 0,
          ack_packets_sent: 0,
        },
      }),
  };
  const pending = new Set<(r: Response) => void>();
  const handler = (request: Request): Response | Promise<Response> => {
    const path = new URL(request.url).pathname;
    const bad = misbehave.get(path);
    if (bad?.kind === "garbage") {
      return new Response("{not json", { headers: { "content-type": "application/json" } });
    }
    if (bad?.kind === "status") return new Response("nope", { status: bad.status });
    if (bad?.kind === "hang") {
      return new Promise((resolve) => pending.add(resolve));
    }
    if (bad?.kind === "huge") {
      let sent = 0;
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      return new Response(
        new ReadableStream({
          pull(controller) {
            if (sent >= bad.bytes) return controller.close();
            sent += chunk.length;
            controller.enqueue(chunk);
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    }
    const route = routes[path];
    return route ? route() : new Response('{"message":"not found"}', { status: 404 });
  };
  let server: Deno.HttpServer<Deno.NetAddr> | null = null;
  const listen = async (port: number) => {
    const ready = Promise.withResolvers<number>();
    server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: (addr) => ready.resolve(addr.port),
    }, handler);
    return await ready.promise;
  };
  const port = await listen(options.port ?? 0);
  const stop = async () => {
    for (const resolve of pending) resolve(new Response("bye", { status: 503 }));
    pending.clear();
    if (server) await server.shutdown();
    server = null;
  };
  const node: FakeNode = {
    address: `127.0.0.1:${port}`,
    port,
    identity: JSON.parse(signed.json).data.keys.ed25519_identity,
    keys,
    misbehave,
    get packetsReceived() {
      return state.packetsReceived;
    },
    set packetsReceived(n: number) {
      state.packetsReceived = n;
    },
    stop,
    restart: async () => {
      if (!server) await listen(port);
    },
  };
  return node;
}
