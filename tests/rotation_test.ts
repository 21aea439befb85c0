/**
 * Sphinx key rotation in a real node process (issue #10). A stand-in nym-api runs a fast
 * schedule (1 s epochs, 3 epochs per rotation); the node must pre-announce, swap and retire keys
 * on time, keep them on disk, and forward every packet built with a key that is valid when it
 * arrives (the pre-announced key before the swap, the previous key during the overlap epoch).
 */
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, decodeBase58, seededRandom } from "../crypto/mod.ts";
import { buildSphinxPacket } from "../sphinx/mod.ts";
import {
  encodeFrame,
  encodeRoutingAddress,
  FrameDecoder,
  keyRotationFromId,
  NODE_ADDRESS_LENGTH,
} from "../framing/mod.ts";
import { runNymNode, startNymNode } from "./support/node_process.ts";

const crypto = createCryptoProvider();
const rng = seededRandom(new Uint8Array(32).fill(17));
const EPOCH_MS = 1000;
const VALIDITY = 3;

function nodeAddress(port: number): Uint8Array {
  const a = new Uint8Array(NODE_ADDRESS_LENGTH);
  a.set(encodeRoutingAddress({ ip: "127.0.0.1", port }));
  return a;
}

interface PublishedKeys {
  primary: { rotation_id: number; public_key: string };
  pre: { rotation_id: number; public_key: string } | null;
}

Deno.test("a node rotates its sphinx keys on schedule and loses no packet sent with a valid key", async () => {
  const home = await Deno.makeTempDir({ prefix: "nym-rotation-test-" });
  const origin = Math.floor(Date.now() / EPOCH_MS) * EPOCH_MS;
  const epochNow = () => Math.floor((Date.now() - origin) / EPOCH_MS);
  const sink = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: Uint8Array[] = [];
  const sinkConns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of sink) {
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
  const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/v1/epoch/key-rotation-info") {
      const epoch = epochNow();
      return Response.json({
        key_rotation_state: { validity_epochs: VALIDITY, initial_epoch_id: 0 },
        current_absolute_epoch_id: epoch,
        current_epoch_start: new Date(origin + epoch * EPOCH_MS).toISOString(),
        epoch_duration: { secs: EPOCH_MS / 1000, nanos: 0 },
        progress: { current_key_rotation_id: Math.floor(epoch / VALIDITY) },
      });
    }
    if (path === "/v2/unstable/nym-nodes/semi-skimmed") {
      return Response.json({
        nodes: {
          pagination: { total: 1, page: 0, size: 1 },
          data: [{
            basic: { node_id: 1, ip_addresses: ["127.0.0.1"], mix_port: sink.addr.port },
            x25519_noise_versioned_key: null,
          }],
        },
      });
    }
    return new Response("not found", { status: 404 });
  });
  const args = [
    "--local",
    "--mode",
    "mixnode",
    "--nym-api-urls",
    `http://127.0.0.1:${api.addr.port}/`,
  ];
  let node: Awaited<ReturnType<typeof startNymNode>> | null = null;
  try {
    const init = await runNymNode(["run", ...args, "--init-only"], { NYMNODE_HOME: home });
    assertEquals(init.code, 0, init.stderr);
    const configPath = `${home}/config/config.toml`;
    const config = parseToml(await Deno.readTextFile(configPath)) as Record<
      string,
      Record<string, Record<string, Record<string, unknown>>>
    >;
    config.mixnet.key_rotation.debug.rotation_state_poling_interval = "200ms";
    await Deno.writeTextFile(configPath, stringifyToml(config));
    node = await startNymNode(home, args);
    const mixPort = node.ready.listeners.mixnet.port;
    const published = async (): Promise<PublishedKeys> => {
      const info = await (await fetch(`${node!.baseUrl}/api/v1/host-information`)).json();
      return {
        primary: info.data.keys.primary_x25519_sphinx_key,
        pre: info.data.keys.pre_announced_x25519_sphinx_key,
      };
    };
    const packetFor = (key: string, rotationId: number, tag: number) => {
      const { packet } = buildSphinxPacket(crypto, {
        message: new Uint8Array([tag]),
        route: [
          { address: nodeAddress(mixPort), publicKey: decodeBase58(key, 32) },
          { address: nodeAddress(sink.addr.port), publicKey: crypto.x25519Base(rng(32)) },
        ],
        destination: { address: rng(32), identifier: new Uint8Array(16) },
        delaysNanos: [0, 0],
        payloadSize: 2065,
        random: rng,
      });
      return encodeFrame({
        version: 8,
        packetType: 0,
        keyRotation: keyRotationFromId(rotationId),
        packet,
      });
    };
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: mixPort });
    const seen = new Set<number>();
    let sent = 0;
    let retired: { key: string; rotation: number } | null = null;
    // Watch two rotations, sending a packet with every key the node publishes as it appears.
    const startRotation = (await published()).primary.rotation_id;
    const deadline = Date.now() + (2 * VALIDITY + 3) * EPOCH_MS;
    let last: PublishedKeys | null = null;
    while (Date.now() < deadline) {
      const now = await published();
      if (now.pre && !seen.has(now.pre.rotation_id)) {
        seen.add(now.pre.rotation_id);
        await conn.write(packetFor(now.pre.public_key, now.pre.rotation_id, sent++)); // before its swap
      }
      if (last && now.primary.rotation_id !== last.primary.rotation_id) {
        // Just swapped: the previous key is still valid for one epoch.
        await conn.write(packetFor(last.primary.public_key, last.primary.rotation_id, sent++));
        retired = { key: last.primary.public_key, rotation: last.primary.rotation_id };
      }
      last = now;
      if (now.primary.rotation_id >= startRotation + 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert(
      last && last.primary.rotation_id >= startRotation + 2,
      `only reached rotation ${last?.primary.rotation_id}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(received.length, sent, "every packet sent with a valid key was forwarded");
    assert(sent >= 4);

    // After the overlap epoch the old key is gone: its packets are refused.
    await new Promise((r) => setTimeout(r, 1.5 * EPOCH_MS));
    const before = received.length;
    await conn.write(packetFor(retired!.key, retired!.rotation, 99));
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(received.length, before);
    conn.close();

    // Key files and replay filters on disk match what the node holds (filters are written at shutdown).
    const stopped = await node.stop("SIGTERM");
    assertEquals(stopped.code, 0, stopped.stderr);
    const files = [...Deno.readDirSync(`${home}/data`)].map((e) => e.name);
    assert(files.includes("x25519_sphinx_primary"));
    assert(!files.includes("x25519_sphinx_primary.tmp"));
    const filters = [...Deno.readDirSync(`${home}/data/replay-detection`)].map((e) => e.name)
      .filter((n) => n.endsWith(".bloom"));
    assert(filters.length >= 1 && filters.length <= 2, `replay filters on disk: ${filters}`);
  } finally {
    await node?.kill();
    sink.close();
    for (const c of sinkConns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await api.shutdown();
    await Deno.remove(home, { recursive: true });
  }
});
