import { assert, assertEquals } from "../testing/asserts.ts";
import { TopologyRefresher } from "./topology.ts";

function body(nodes: { ip: string; port: number }[]) {
  return JSON.stringify({
    metadata: {
      status: null,
      absolute_epoch_id: 1,
      rotation_id: 0,
      refreshed_at: "2026-01-01T00:00:00Z",
    },
    nodes: {
      pagination: { total: nodes.length, page: 0, size: nodes.length },
      data: nodes.map((n, i) => ({
        basic: {
          node_id: i,
          ed25519_identity_pubkey: `id${i}`,
          ip_addresses: [n.ip],
          mix_port: n.port,
        },
        x25519_noise_versioned_key: null,
      })),
    },
  });
}

Deno.test("known nodes come from nym-api; failures keep the last good view; garbage is refused", async () => {
  let mode: "ok" | "down" | "garbage" = "ok";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    assert(new URL(req.url).pathname === "/v2/unstable/nym-nodes/semi-skimmed");
    if (mode === "down") return new Response("boom", { status: 503 });
    if (mode === "garbage") return new Response('{"nodes": 5}');
    return new Response(
      body([{ ip: "127.0.0.1", port: 1801 }, { ip: "::ffff:10.0.0.2", port: 1789 }]),
    );
  });
  const api = `http://127.0.0.1:${server.addr.port}/`;
  const view = new TopologyRefresher({
    nymApiUrls: [api],
    refreshIntervalMs: 60_000,
    timeoutMs: 2000,
  });
  try {
    assertEquals(await view.refresh(), true);
    assert(view.isKnownNode("127.0.0.1", 1801));
    assert(view.isKnownNode("10.0.0.2", 1789), "IPv4-mapped addresses match their IPv4 form");
    assert(!view.isKnownNode("127.0.0.1", 1802));
    mode = "down";
    assertEquals(await view.refresh(), false);
    assert(view.isKnownNode("127.0.0.1", 1801), "last good topology is kept");
    mode = "garbage";
    assertEquals(await view.refresh(), false);
    assertEquals(view.nodes.length, 2);
  } finally {
    view.stop();
    await server.shutdown();
  }
});

Deno.test("testnet relaxation: non-global IPs count as known, global ones still need the topology", () => {
  const unreachable: typeof fetch = () => Promise.reject(new Error("no nym-api"));
  const strict = new TopologyRefresher({
    nymApiUrls: ["http://127.0.0.1:9/"],
    refreshIntervalMs: 60_000,
    timeoutMs: 100,
    fetch: unreachable,
  });
  const testnet = new TopologyRefresher({
    nymApiUrls: ["http://127.0.0.1:9/"],
    refreshIntervalMs: 60_000,
    timeoutMs: 100,
    fetch: unreachable,
    allowNonGlobal: true,
  });
  for (const local of ["127.0.0.1", "10.1.2.3", "192.168.0.7", "::1", "[fd00::1]", "169.254.1.1"]) {
    assert(!strict.isKnownNode(local, 1789), `${local} is unknown without the relaxation`);
    assert(testnet.isKnownNode(local, 1789), `${local} passes in testnet mode`);
  }
  for (const global of ["8.8.8.8", "2001:4860::1", "not-an-ip", ""]) {
    assert(!testnet.isKnownNode(global, 1789), `${global} still needs the topology`);
  }
});
