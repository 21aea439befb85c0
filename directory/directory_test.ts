/**
 * The directory against in-process fake nodes (real signed host information, real HTTP on
 * loopback) with a manual clock: topology as nodes join, fail and return, refusals, bad
 * responses, the API shapes and encodings, forced refreshes and restarts.
 */
import { assert, assertEquals, assertRejects } from "../testing/asserts.ts";
import { encodeBase58 } from "../crypto/base58.ts";
import { ed25519Sign } from "../crypto/ed25519.ts";
import { manualClock } from "../util/clock.ts";
import { type FakeNode, startFakeNode } from "../testing/fake_nym_node.ts";
import { decodeSkimmedNodesBincode } from "./api/codec.ts";
import { NymApiClient, NymApiError } from "./client.ts";
import { type DirectoryConfig, parseDirectoryConfig } from "./config.ts";
import { Directory } from "./directory.ts";
import { createDirectoryApp } from "./http.ts";
import { startDirectory } from "./service.ts";
import type { DirectoryStatus } from "./status.ts";
import { DirectoryStore } from "./store.ts";

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

function testConfig(extra = ""): DirectoryConfig {
  return parseDirectoryConfig(`
[epochs]
start = "2026-01-01T00:00:00Z"
epoch_duration = "1h"
validity_epochs = 24
[polling]
timeout = "300ms"
max_response_bytes = 65536
down_after_failures = 2
down_grace = "5m"
[network]
local = true
${extra}`);
}

interface Harness {
  readonly clock: ReturnType<typeof manualClock>;
  readonly store: DirectoryStore;
  readonly directory: Directory;
  readonly api: NymApiClient;
  readonly app: ReturnType<typeof createDirectoryApp>;
  register(node: FakeNode, identity?: string | null): number;
  status(): Promise<DirectoryStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}

function harness(config = testConfig(), databasePath = ":memory:"): Harness {
  const clock = manualClock(START + 10 * HOUR + 60_000);
  const store = DirectoryStore.open(databasePath);
  const directory = new Directory({ config, store, clock });
  const app = createDirectoryApp({ directory, clock });
  const appFetch =
    ((input: string | URL | Request, init?: RequestInit) =>
      Promise.resolve(app.fetch(new Request(input, init)))) as typeof fetch;
  return {
    clock,
    store,
    directory,
    app,
    api: new NymApiClient({ urls: ["http://directory.test/"], fetch: appFetch }),
    register(node, identity = null) {
      const [host, port] = node.address.split(":");
      return store.addNode({ host, httpPort: Number(port), identity }, clock.now()).nodeId;
    },
    async status() {
      return await (await app.request("/v1/directory/status")).json();
    },
    async [Symbol.asyncDispose]() {
      await directory.close();
      store.close();
    },
  };
}

async function fakeNodes(): Promise<FakeNode[]> {
  return await Promise.all([
    startFakeNode({ seed: "mix-1", mode: "mixnode", mixPort: 1001 }),
    startFakeNode({ seed: "mix-2", mode: "mixnode", mixPort: 1002 }),
    startFakeNode({ seed: "mix-3", mode: "mixnode", mixPort: 1003 }),
    startFakeNode({ seed: "entry", mode: "entry", wsPort: 9100 }),
    startFakeNode({ seed: "exit", mode: "exit", wsPort: 9200 }),
  ]);
}

Deno.test("directory: topology follows nodes joining, failing and returning", async () => {
  const nodes = await fakeNodes();
  const late = await startFakeNode({ seed: "mix-4", mode: "mixnode", mixPort: 1004 });
  await using h = harness();
  try {
    const ids = nodes.map((n) => h.register(n));
    assertEquals(ids, [1, 2, 3, 4, 5]);
    await h.directory.pollAll();
    let set = await h.api.rewardedSet();
    assertEquals(set, {
      epoch_id: 10,
      entry_gateways: [4],
      exit_gateways: [5],
      layer1: [1],
      layer2: [2],
      layer3: [3],
      standby: [],
    });
    const topology = await h.api.topology();
    assertEquals(topology.metadata.absolute_epoch_id, 10);
    assertEquals(topology.metadata.rotation_id, 0);
    assertEquals(topology.mixnodes.map((n) => [n.node_id, n.role, n.mix_port, n.performance]), [
      [1, { Mixnode: { layer: 1 } }, 1001, "1"],
      [2, { Mixnode: { layer: 2 } }, 1002, "1"],
      [3, { Mixnode: { layer: 3 } }, 1003, "1"],
    ]);
    // Entry-capable nodes are the entry and the exit gateway; the exit list has the exit only.
    assertEquals(topology.gateways.map((n) => [n.node_id, n.role, n.entry]), [
      [4, "EntryGateway", { hostname: null, ws_port: 9100, wss_port: null }],
      [5, "ExitGateway", { hostname: null, ws_port: 9200, wss_port: null }],
    ]);
    assertEquals((await h.api.skimmedExitGateways()).nodes.data.map((n) => n.node_id), [5]);
    assertEquals(
      topology.mixnodes[0].x25519_sphinx_pubkey,
      encodeBase58(nodes[0].keys.sphinx.primary.publicKey),
    );
    const semi = await h.api.semiSkimmedNodes();
    assertEquals(semi.nodes.data.length, 5);
    assertEquals(
      semi.nodes.data[0].x25519_noise_versioned_key?.x25519_pubkey,
      encodeBase58(nodes[0].keys.noise.publicKey),
    );

    // A node joins mid-epoch: it takes the emptiest layer at once.
    assertEquals(h.register(late), 6);
    await h.directory.pollAll();
    set = await h.api.rewardedSet();
    assertEquals([set.layer1, set.layer2, set.layer3], [[1, 6], [2], [3]]);

    // Node 2 stops answering: after two failed polls it is down (performance 0), keeps its
    // role during the grace period, and is gone afterwards; its empty layer is refilled.
    await nodes[1].stop();
    await h.directory.pollAll();
    assertEquals((await h.status()).nodes[1].status, "up");
    h.clock.advance(60_000);
    await h.directory.pollAll();
    const down = (await h.api.skimmedMixnodes()).nodes.data.find((n) => n.node_id === 2);
    assertEquals(down?.performance, "0");
    assertEquals((await h.status()).nodes[1].status, "down");
    assertEquals((await h.api.rewardedSet()).layer2, [2]);
    h.clock.advance(5 * 60_000);
    await h.directory.pollAll();
    assertEquals((await h.status()).nodes[1].status, "gone");
    set = await h.api.rewardedSet();
    assertEquals([set.layer1, set.layer2, set.layer3], [[1], [6], [3]]);
    assert(!(await h.api.skimmedMixnodes()).nodes.data.some((n) => n.node_id === 2));
    assertEquals((await h.api.describedNodes()).map((d) => d.node_id), [1, 3, 4, 5, 6]);

    // It comes back with the same node id.
    await nodes[1].restart();
    await h.directory.pollAll();
    set = await h.api.rewardedSet();
    assertEquals([set.layer1, set.layer2, set.layer3], [[1, 2], [6], [3]]);
    assertEquals((await h.status()).nodes[1].status, "up");

    // The next epoch rebalances and the metadata moves with it.
    h.clock.advance(HOUR);
    const next = await h.api.topology();
    assertEquals(next.metadata.absolute_epoch_id, 11);
    assertEquals(next.rewardedSet.epoch_id, 11);
    const info = await h.api.keyRotationInfo();
    assertEquals(info.current_absolute_epoch_id, 11);
    assertEquals(info.current_epoch_start, "2026-01-01T11:00:00Z");
  } finally {
    await Promise.all([...nodes, late].map((n) => n.stop()));
  }
});

Deno.test("directory: forged signatures and foreign identities are refused", async () => {
  const good = await startFakeNode({ seed: "good", mode: "mixnode" });
  const forged = await startFakeNode({ seed: "forged", mode: "mixnode", forgeSignature: true });
  const impostor = await startFakeNode({ seed: "impostor", mode: "mixnode" });
  await using h = harness();
  try {
    h.register(good);
    h.register(forged);
    // Registered under another node's identity: what it announces does not match.
    h.register(impostor, forged.identity);
    await h.directory.pollAll();
    const status = await h.status();
    assertEquals(status.nodes.map((n) => n.status), ["up", "refused", "refused"]);
    assert(status.nodes[1].last_error?.includes("bad-signature"));
    assert(status.nodes[2].last_error?.includes("identity-mismatch"));
    assertEquals((await h.api.skimmedNodes()).nodes.data.map((n) => n.node_id), [1]);
  } finally {
    await Promise.all([good.stop(), forged.stop(), impostor.stop()]);
  }
});

Deno.test("directory: garbage, hangs, huge bodies and errors do not disturb the rest", async () => {
  const nodes = await fakeNodes();
  const bad = await Promise.all(
    ["garbage", "hang", "huge", "error"].map((seed) => startFakeNode({ seed, mode: "mixnode" })),
  );
  bad[0].misbehave.set("/api/v1/host-information", { kind: "garbage" });
  bad[1].misbehave.set("/api/v1/roles", { kind: "hang" });
  bad[2].misbehave.set("/api/v1/build-information", { kind: "huge", bytes: 8 << 20 });
  bad[3].misbehave.set("/api/v1/health", { kind: "status", status: 500 });
  await using h = harness();
  try {
    for (const node of [...nodes, ...bad]) h.register(node);
    const started = performance.now();
    await h.directory.pollAll();
    assert(performance.now() - started < 3000, "a round is bounded by the timeouts");
    const status = await h.status();
    assertEquals(status.nodes.map((n) => n.status), [
      "up",
      "up",
      "up",
      "up",
      "up",
      "pending",
      "pending",
      "pending",
      "pending",
    ]);
    const errors = status.nodes.slice(5).map((n) => n.last_error ?? "");
    assert(errors[0].includes("not JSON"), errors[0]);
    assert(errors[1].includes("timed out"), errors[1]);
    assert(errors[2].includes("exceeds"), errors[2]);
    assert(errors[3].includes("HTTP 500"), errors[3]);
    assertEquals((await h.api.rewardedSet()).layer1, [1]);
    // A good node turning bad is a failed poll, not a crash.
    nodes[0].misbehave.set("/api/v1/host-information", { kind: "huge", bytes: 8 << 20 });
    await h.directory.pollAll();
    assertEquals((await h.status()).nodes[0].status, "up");
  } finally {
    await Promise.all([...nodes, ...bad].map((n) => n.stop()));
  }
});

Deno.test("directory: API encodings, pagination, no-updates and bad queries", async () => {
  const nodes = await fakeNodes();
  await using h = harness();
  try {
    for (const node of nodes) h.register(node);
    await h.directory.pollAll();
    const res = await h.app.request(
      "/v2/unstable/nym-nodes/skimmed/entry-gateways?page=0&output=bincode",
      { headers: { accept: "application/bincode", "content-type": "application/bincode" } },
    );
    assertEquals(res.headers.get("content-type"), "application/bincode");
    const decoded = decodeSkimmedNodesBincode(new Uint8Array(await res.arrayBuffer()));
    assertEquals(decoded.nodes.data.map((n) => n.node_id), [4, 5]);
    const json = await (await h.app.request("/v2/unstable/nym-nodes/skimmed/entry-gateways"))
      .json();
    assertEquals(json, decoded);
    assertEquals(
      Object.keys(json.nodes.data[0]),
      [
        "node_id",
        "ed25519_identity_pubkey",
        "ip_addresses",
        "mix_port",
        "x25519_sphinx_pubkey",
        "role",
        "supported_roles",
        "entry",
        "performance",
      ],
    );
    const page = await (await h.app.request("/v2/unstable/nym-nodes/skimmed?page=1&per_page=2"))
      .json();
    assertEquals(page.nodes.pagination, { total: 5, page: 1, size: 2 });
    assertEquals(page.nodes.data.map((n: { node_id: number }) => n.node_id), [3, 4]);
    const byRole = await (await h.app.request("/v2/unstable/nym-nodes/skimmed?role=exit")).json();
    assertEquals(byRole.nodes.data.map((n: { node_id: number }) => n.node_id), [5]);
    const paged = new NymApiClient({
      urls: ["http://d.test/"],
      perPage: 2,
      bincode: true,
      fetch: ((i: string | URL | Request, init?: RequestInit) =>
        Promise.resolve(h.app.fetch(new Request(i, init)))) as typeof fetch,
    });
    assertEquals((await paged.skimmedNodes()).nodes.data.map((n) => n.node_id), [1, 2, 3, 4, 5]);
    const noUpdates = await (await h.app.request(
      "/v2/unstable/nym-nodes/skimmed/mixnodes/active?epoch_id=10",
    )).json();
    assertEquals(noUpdates.metadata.status, "no-updates");
    assertEquals(noUpdates.nodes.data, []);
    const yaml = await (await h.app.request("/v1/nym-nodes/rewarded-set?output=yaml")).text();
    assert(yaml.includes("layer1:"), yaml);
    assertEquals((await h.app.request("/v2/unstable/nym-nodes/skimmed?page=-1")).status, 400);
    assertEquals((await h.app.request("/v1/epoch/key-rotation-info?output=bincode")).status, 400);
    assertEquals((await h.app.request("/nope")).status, 404);
    const html = await (await h.app.request("/")).text();
    assert(html.includes("v1/directory/status"));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
});

Deno.test("directory: refresh-described verifies the signed request", async () => {
  const node = await startFakeNode({ seed: "refresher", mode: "mixnode" });
  await using h = harness();
  try {
    h.register(node);
    await h.directory.pollAll();
    const nowSecs = Math.floor(h.clock.now() / 1000);
    const body = (timestamp: number, secret = node.keys.identity.secretKey) => {
      const plaintext = new Uint8Array([
        ...node.keys.identity.publicKey,
        ...new Uint8Array(new BigInt64Array([0n]).buffer).fill(0),
        ...new TextEncoder().encode("describe-cache-refresh-request"),
      ]);
      new DataView(plaintext.buffer).setBigInt64(32, BigInt(timestamp));
      return JSON.stringify({
        node_identity: node.identity,
        request_timestamp: timestamp,
        signature: [...ed25519Sign(secret, plaintext)],
      });
    };
    const post = (text: string) =>
      h.app.request("/v1/nym-nodes/refresh-described", {
        method: "POST",
        body: text,
        headers: { "content-type": "application/json" },
      });
    assertEquals(
      (await post(body(nowSecs, new Uint8Array(32).fill(9)))).status,
      401,
    );
    assertEquals((await post(body(nowSecs - 60))).status, 400);
    assertEquals((await post(body(nowSecs + 60))).status, 400);
    assertEquals((await post("{")).status, 400);
    const ok = await post(body(nowSecs));
    assertEquals([ok.status, await ok.text()], [200, "null"]);
    assertEquals((await post(body(nowSecs))).status, 429);
    const other = JSON.parse(body(nowSecs));
    other.node_identity = encodeBase58(new Uint8Array(32).fill(3));
    assertEquals((await post(JSON.stringify(other))).status, 404);
  } finally {
    await node.stop();
  }
});

Deno.test("directory: node ids, health and roles survive a restart", async () => {
  const dir = await Deno.makeTempDir();
  const nodes = await fakeNodes();
  try {
    {
      await using h = harness(testConfig(), `${dir}/d.sqlite`);
      for (const node of nodes) h.register(node);
      await h.directory.pollAll();
      assertEquals((await h.api.rewardedSet()).exit_gateways, [5]);
      h.store.removeNode(1);
      // Re-registering an identity keeps its id, at its new address.
      const [host, port] = nodes[2].address.split(":");
      assertEquals(
        h.store.addNode({ host, httpPort: Number(port), identity: nodes[2].identity }, 0).nodeId,
        3,
      );
    }
    await using h = harness(testConfig(), `${dir}/d.sqlite`);
    const set = await h.api.rewardedSet();
    assertEquals([set.layer1, set.layer2, set.layer3, set.exit_gateways], [[], [2], [3], [5]]);
    assertEquals(h.register(nodes[0]), 6, "ids are never reused");
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("directory: served over HTTP; the client fails over from a dead URL", async () => {
  const node = await startFakeNode({ seed: "served", mode: "entry" });
  const [host, port] = node.address.split(":");
  const running = await startDirectory({
    config: testConfig(`
[http]
bind_address = "127.0.0.1:0"
[[nodes]]
address = "${host}:${port}"
identity = "${node.identity}"`),
    databasePath: ":memory:",
  });
  try {
    const dead = await Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadUrl = `http://127.0.0.1:${dead.addr.port}/`;
    dead.close();
    const api = new NymApiClient({ urls: [deadUrl, running.url], timeoutMs: 2000 });
    let gateways = await api.skimmedEntryGateways();
    for (let i = 0; i < 50 && gateways.nodes.data.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      gateways = await api.skimmedEntryGateways();
    }
    assertEquals(gateways.nodes.data.map((n) => n.ed25519_identity_pubkey), [node.identity]);
    const onlyDead = new NymApiClient({ urls: [deadUrl], timeoutMs: 2000 });
    const error = await assertRejects(() => onlyDead.rewardedSet(), NymApiError);
    assertEquals(error.causes.length, 1);
  } finally {
    await running.stop();
    await node.stop();
  }
});
