/**
 * Noise between real node processes (issue #10): sender → node A → (Noise) node B → (plain TCP)
 * sink. Node keys come from the nodes' own key files; the stand-in nym-api announces A's and B's
 * Noise keys but none for the sink, so A must speak Noise to B and B plain TCP to the sink, and
 * the plain-TCP sender is still accepted by A.
 */
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { assert, assertEquals } from "../testing/asserts.ts";
import {
  concatBytes,
  createCryptoProvider,
  decodeBase58,
  decodePemExpecting,
  encodeBase58,
  seededRandom,
} from "../crypto/mod.ts";
import { buildSphinxPacket } from "../sphinx/mod.ts";
import {
  encodeFrame,
  encodeRoutingAddress,
  FrameDecoder,
  NODE_ADDRESS_LENGTH,
} from "../framing/mod.ts";
import { runNymNode, startNymNode } from "./support/node_process.ts";

const crypto = createCryptoProvider();
const rng = seededRandom(new Uint8Array(32).fill(91));

function nodeAddress(port: number): Uint8Array {
  const a = new Uint8Array(NODE_ADDRESS_LENGTH);
  a.set(encodeRoutingAddress({ ip: "127.0.0.1", port }));
  return a;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

Deno.test("mix nodes talk Noise to each other and plain TCP to peers without a key", async () => {
  const homes = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  const sinkListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: Uint8Array[] = [];
  const sinkConns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of sinkListener) {
      sinkConns.push(conn);
      (async () => {
        const d = new FrameDecoder({ copyChunks: true });
        const b = new Uint8Array(65536);
        try {
          for (let n = await conn.read(b); n !== null; n = await conn.read(b)) {
            d.push(b.subarray(0, n));
            for (let f = d.next(); f; f = d.next()) received.push(f.packet.slice());
          }
        } catch { /* closed */ }
      })();
    }
  })().catch(() => {});
  const mixPorts = [freePort(), freePort()];
  const noiseKeys: string[] = [];
  const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/v1/epoch/key-rotation-info") {
      return Response.json({
        progress: { current_key_rotation_id: 2 },
        current_absolute_epoch_id: 50,
      });
    }
    if (path === "/v2/unstable/nym-nodes/semi-skimmed") {
      const node = (id: number, port: number, noise: string | null) => ({
        basic: { node_id: id, ip_addresses: ["127.0.0.1"], mix_port: port },
        x25519_noise_versioned_key: noise ? { supported_version: 1, x25519_pubkey: noise } : null,
      });
      return Response.json({
        nodes: {
          pagination: { total: 3, page: 0, size: 3 },
          data: [
            node(1, mixPorts[0], noiseKeys[0]),
            node(2, mixPorts[1], noiseKeys[1]),
            node(3, sinkListener.addr.port, null),
          ],
        },
      });
    }
    return new Response("not found", { status: 404 });
  });
  const nodes: Awaited<ReturnType<typeof startNymNode>>[] = [];
  try {
    const apiUrl = `http://127.0.0.1:${api.addr.port}/`;
    for (let i = 0; i < 2; i++) {
      const args = [
        "--local",
        "--mode",
        "mixnode",
        "--nym-api-urls",
        apiUrl,
        "--mixnet-bind-address",
        `127.0.0.1:${mixPorts[i]}`,
      ];
      const init = await runNymNode(["run", ...args, "--init-only"], { NYMNODE_HOME: homes[i] });
      assertEquals(init.code, 0, init.stderr);
      const pub = decodePemExpecting(
        await Deno.readTextFile(`${homes[i]}/data/x25519_noise.pub`),
        "X25519 PUBLIC KEY",
        32,
      );
      noiseKeys.push(encodeBase58(pub));
      const configPath = `${homes[i]}/config/config.toml`;
      const config = parseToml(await Deno.readTextFile(configPath)) as Record<
        string,
        Record<string, unknown>
      >;
      config.http.access_token = "t";
      await Deno.writeTextFile(configPath, stringifyToml(config));
    }
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startNymNode(homes[i], [
          "--local",
          "--mode",
          "mixnode",
          "--nym-api-urls",
          apiUrl,
          "--mixnet-bind-address",
          `127.0.0.1:${mixPorts[i]}`,
        ]),
      );
    }
    const keys: Uint8Array[] = [];
    for (const node of nodes) {
      const info = await (await fetch(`${node.baseUrl}/api/v1/host-information`)).json();
      assertEquals(
        info.data.keys.x25519_versioned_noise.x25519_pubkey,
        noiseKeys[nodes.indexOf(node)],
      );
      keys.push(decodeBase58(info.data.keys.primary_x25519_sphinx_key.public_key, 32));
    }
    const packets = Array.from({ length: 20 }, () =>
      buildSphinxPacket(crypto, {
        message: rng(50),
        route: [
          { address: nodeAddress(mixPorts[0]), publicKey: keys[0] },
          { address: nodeAddress(mixPorts[1]), publicKey: keys[1] },
          { address: nodeAddress(sinkListener.addr.port), publicKey: crypto.x25519Base(rng(32)) },
        ],
        destination: { address: rng(32), identifier: new Uint8Array(16) },
        delaysNanos: [0, 0, 0],
        payloadSize: 2065,
        random: rng,
      }).packet);
    const sender = await Deno.connect({ hostname: "127.0.0.1", port: mixPorts[0] });
    await sender.write(
      concatBytes(
        ...packets.map((packet) =>
          encodeFrame({ version: 7, packetType: 0, keyRotation: 0, packet })
        ),
      ),
    );
    const deadline = Date.now() + 10_000;
    while (received.length < 20 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assertEquals(received.length, 20);
    sender.close();
    const metric = async (node: typeof nodes[number]) =>
      await (await fetch(`${node.baseUrl}/api/v1/metrics/prometheus`, {
        headers: { authorization: "Bearer t" },
      })).text();
    const a = await metric(nodes[0]), b = await metric(nodes[1]);
    assert(
      a.includes('nym_node_mixnet_noise_connections{direction="egress",transport="noise"} 1'),
      a,
    );
    assert(
      a.includes('nym_node_mixnet_noise_connections{direction="ingress",transport="plain"} 1'),
      a,
    );
    assert(
      b.includes('nym_node_mixnet_noise_connections{direction="ingress",transport="noise"} 1'),
      b,
    );
    assert(
      b.includes('nym_node_mixnet_noise_connections{direction="egress",transport="plain"} 1'),
      b,
    );
  } finally {
    for (const n of nodes) await n.kill();
    sinkListener.close();
    for (const c of sinkConns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await api.shutdown();
    for (const h of homes) await Deno.remove(h, { recursive: true });
  }
});
