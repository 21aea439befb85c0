/**
 * nym-api parsing (performance, lenient nodes), topology building (performance filters, layers
 * from the rewarded set, routability), route selection per layer, and gateway selection.
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { encodeBase58 } from "../../crypto/base58.ts";
import { seededRandom } from "../../crypto/random.ts";
import { GatewaySelectionError, TopologyError } from "../errors.ts";
import {
  NymApiFormatError,
  parseKeyRotationInfo,
  parsePerformance,
  parseRewardedSet,
  parseSkimmedNode,
  type SkimmedNode,
} from "./models.ts";
import { NymTopology } from "./topology.ts";
import { gatewayWebSocketUrl, selectGateway } from "./gateway_selection.ts";

const random = seededRandom(new Uint8Array(32).fill(7));
// Ed25519 identities must be valid points only for recipients; here any 32 bytes do.
const key = (b: number) => encodeBase58(new Uint8Array(32).fill(b));

function raw(id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    node_id: id,
    ed25519_identity_pubkey: key(id),
    ip_addresses: [`127.0.0.${id}`],
    mix_port: 1789,
    x25519_sphinx_pubkey: key(100 + id),
    role: "EntryGateway",
    supported_roles: { mixnode: false, entry: true, exit_nr: false, exit_ipr: false },
    entry: { hostname: null, ws_port: 9000, wss_port: null },
    performance: "1",
    ...extra,
  };
}

const node = (id: number, extra: Record<string, unknown> = {}) => parseSkimmedNode(raw(id, extra));
const METADATA = { status: "null", absoluteEpochId: 1, rotationId: 4 };

function topology(mixnodes: SkimmedNode[], gateways: SkimmedNode[], layers = [[1, 2], [3], [4]]) {
  return NymTopology.build({
    rewardedSet: parseRewardedSet({
      entry_gateways: gateways.map((g) => g.nodeId),
      exit_gateways: [],
      layer1: layers[0],
      layer2: layers[1],
      layer3: layers[2],
      standby: [],
    }),
    mixnodes,
    gateways,
    metadata: METADATA,
    minimumMixnodePerformance: 50,
    minimumGatewayPerformance: 50,
  });
}

Deno.test("models: performance is a decimal truncated to whole percent", () => {
  assertEquals(parsePerformance("1"), 100);
  assertEquals(parsePerformance("1.0"), 100);
  assertEquals(parsePerformance("0.5"), 50);
  assertEquals(parsePerformance("0.499"), 49);
  assertEquals(parsePerformance("0.95"), 95);
  assertEquals(parsePerformance(0.9), 90);
  assertThrows(() => parsePerformance("1.01"), NymApiFormatError, "larger than 100%");
  assertThrows(() => parsePerformance("abc"), NymApiFormatError);
});

Deno.test("models: nodes without usable keys or addresses are refused", () => {
  assertThrows(() => parseSkimmedNode(raw(2, { ip_addresses: [] })), NymApiFormatError, "empty");
  assertThrows(
    () => parseSkimmedNode(raw(3, { x25519_sphinx_pubkey: "bad" })),
    NymApiFormatError,
    "x25519_sphinx_pubkey",
  );
  assertEquals(node(1).entry, { hostname: null, wsPort: 9000, wssPort: null });
  assertThrows(() => parseRewardedSet({ layer1: [] }), NymApiFormatError);
  const info = parseKeyRotationInfo({
    key_rotation_state: { validity_epochs: 24, initial_epoch_id: 0 },
    current_absolute_epoch_id: 100,
    current_epoch_start: "2026-01-01T00:00:00Z",
    epoch_duration: { secs: 3600, nanos: 0 },
  });
  assertEquals(info.epochDurationMs, 3_600_000);
  assertThrows(
    () => parseKeyRotationInfo({ key_rotation_state: { validity_epochs: 0 } }),
    NymApiFormatError,
    "validity_epochs is 0",
  );
});

Deno.test("topology: layers come from the rewarded set; low performance is filtered", () => {
  const t = topology(
    [node(1), node(2, { performance: "0.49" }), node(3), node(4), node(5)],
    [node(10)],
  );
  assertEquals(t.layers.map((l) => l.map((n) => n.nodeId)), [[1], [3], [4]]);
  assertEquals(t.keyRotation, 2); // rotation 4 is even
  t.ensureRoutable();
  assertEquals(t.nodeByIdentity(key(10))?.nodeId, 10);
  assertEquals(t.nodeByIdentity(new Uint8Array(32).fill(3))?.address, {
    ip: "127.0.0.3",
    port: 1789,
  });
  assertThrows(
    () => topology([node(1), node(3)], [node(10)]).ensureRoutable(),
    TopologyError,
    "mix layer 3 has no usable node",
  );
  assertThrows(
    () => topology([node(1), node(3), node(4)], []).ensureRoutable(),
    TopologyError,
    "lists no gateways",
  );
});

Deno.test("routes: one uniformly random node per layer, then the egress gateway", () => {
  const mixes = [1, 2, 3, 4, 5, 6].map((i) => node(i));
  const t = topology(mixes, [node(10), node(11)], [[1, 2], [3, 4, 5], [6]]);
  const counts = new Map<string, number>();
  const n = 6000;
  for (let i = 0; i < n; i++) {
    const route = t.randomRoute(random, new Uint8Array(32).fill(11));
    assertEquals(route.length, 4);
    assertEquals(route[3].address.ip, "127.0.0.11");
    for (let layer = 0; layer < 3; layer++) {
      const k = `${layer}:${route[layer].address.ip}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  assertAlmostEquals(counts.get("0:127.0.0.1")! / n, 1 / 2, 0.03);
  assertAlmostEquals(counts.get("1:127.0.0.4")! / n, 1 / 3, 0.03);
  assertEquals(counts.get("2:127.0.0.6"), n);
  // Nodes only ever appear in their own layer.
  assertEquals(counts.get("0:127.0.0.3"), undefined);
  assertThrows(
    () => t.randomRoute(random, new Uint8Array(32).fill(99)),
    TopologyError,
    `no node with identity ${key(99)} is known`,
  );
});

Deno.test("gateway selection: preferred, uniform, TLS, performance, URL forms", () => {
  const plain = node(10);
  const tls = node(11, { entry: { hostname: "gw.example", ws_port: 9000, wss_port: 9001 } });
  const slow = node(12, { performance: "0.2" });
  const noEntry = node(13, { entry: null });
  assertEquals(gatewayWebSocketUrl(plain), "ws://127.0.0.10:9000/");
  assertEquals(gatewayWebSocketUrl(tls), "wss://gw.example:9001/");
  assertEquals(gatewayWebSocketUrl(plain, true), undefined);
  assertEquals(gatewayWebSocketUrl(node(14, { ip_addresses: ["::1"] })), "ws://[::1]:9000/");
  const all = [plain, tls, slow, noEntry];
  assertEquals(selectGateway(all, { preferred: key(11), random }).url, "wss://gw.example:9001/");
  assertEquals(selectGateway(all, { forceTls: true, random }).node.nodeId, 11);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(selectGateway(all, { random }).node.nodeId);
  assertEquals([...seen].sort(), [10, 11]);
  assertThrows(
    () => selectGateway(all, { preferred: key(50), random }),
    GatewaySelectionError,
    "no gateway with id",
  );
  assertThrows(
    () => selectGateway(all, { preferred: key(12), random }),
    GatewaySelectionError,
    "below 50%",
  );
  assertThrows(
    () => selectGateway(all, { preferred: key(13), random }),
    GatewaySelectionError,
    "mixnet entry",
  );
  assertThrows(
    () => selectGateway([plain], { forceTls: true, random }),
    GatewaySelectionError,
    "no gateways supporting the wss protocol",
  );
  assert(selectGateway([plain], { random }).url.startsWith("ws://"));
});
