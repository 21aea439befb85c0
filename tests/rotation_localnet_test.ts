/**
 * Sphinx key rotation on a whole localnet with traffic flowing (issue #10). `nym-node localnet`
 * runs the real directory with 3 s epochs and 3 epochs per rotation (a rotation every 9 s), 3 mix
 * nodes (one per layer) and two gateways, all separate processes. Our client (low-latency, acks
 * on, topology refreshed every 500 ms) sends a steady stream of one-packet messages to itself
 * through two rotations and past the overlap epoch that follows the second one.
 *
 * What must hold (`nym-node.md` §1.8): every node moves its primary key on to the two next
 * rotations and its key files say the same as its host information; the client really built
 * packets with the keys of three rotations; every message arrives with no retransmission; and no
 * node counts a packet as malformed (a wrong key) or as sent for a rotation it holds no key for.
 */
import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, encodeBase58 } from "../crypto/mod.ts";
import { lowLatencyOverrides, mergeOverrides, MixnetClient } from "../client/mod.ts";
import { startLocalnet } from "../client/testing/localnet.ts";
import { loadConfig } from "../config/io.ts";
import { keyPathsFromConfig, loadSphinxKey } from "../node/keys.ts";

const crypto = createCryptoProvider();
const EPOCH_MS = 3000;
const VALIDITY_EPOCHS = 3;
const NODES = ["mix1", "mix2", "mix3", "entry", "exit"] as const;
const SEND_INTERVAL_MS = 100;

interface HostKeys {
  identity: string;
  primary: { rotation_id: number; public_key: string };
  pre: { rotation_id: number; public_key: string } | null;
}

interface PacketsStats {
  ingress_mixing: Record<string, number>;
  egress_mixing: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  condition: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(25);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return await response.json() as T;
}

Deno.test({
  name: "a localnet driven through two key rotations with traffic flowing loses no packet",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const net = await startLocalnet({
    mixnodes: 3,
    args: ["--epoch-duration", `${EPOCH_MS}ms`, "--key-validity-epochs", String(VALIDITY_EPOCHS)],
  });
  let client: MixnetClient | null = null;
  try {
    const base = new Map<string, string>();
    for (const name of NODES) {
      const ready = JSON.parse(await Deno.readTextFile(`${net.dir}/${name}/ready.json`));
      base.set(name, `http://127.0.0.1:${ready.listeners.http.port}`);
    }
    const hostKeys = async (name: string): Promise<HostKeys> => {
      const info = await getJson<{ data: { keys: Record<string, unknown> } }>(
        `${base.get(name)}/api/v1/host-information`,
      );
      return {
        identity: info.data.keys.ed25519_identity as string,
        primary: info.data.keys.primary_x25519_sphinx_key as HostKeys["primary"],
        pre: (info.data.keys.pre_announced_x25519_sphinx_key ?? null) as HostKeys["pre"],
      };
    };
    const stats = async () =>
      new Map(
        await Promise.all(NODES.map(async (name) =>
          [
            name,
            await getJson<PacketsStats>(`${base.get(name)}/api/v1/metrics/packets-stats`),
          ] as const
        )),
      );

    const entry = net.info.gateways.find((g) => !g.exit)!;
    client = await MixnetClient.start({
      nymApiUrls: [net.info.nymApi],
      crypto,
      gateway: entry.identity,
      config: mergeOverrides(lowLatencyOverrides(), {
        // Well inside the one-epoch overlap, so the client moves to the new keys before the
        // nodes retire the old ones.
        topology: { topologyRefreshRateMs: 500 },
        // Generous, so that a retransmission means a lost packet (or ack), not a slow machine.
        acknowledgements: { ackWaitAdditionMs: 5000 },
      }),
    }).catch((e) => {
      throw new Error(`${e.message}\nlocalnet output:\n${net.output().slice(-3000)}`);
    });
    const received = new Set<number>();
    let duplicates = 0;
    let probes = 0;
    client.on("message", (m) => {
      const [kind, n] = new TextDecoder().decode(m.message).split(":");
      if (kind === "probe") {
        probes++;
        return;
      }
      if (received.has(Number(n))) duplicates++;
      received.add(Number(n));
    });

    // The very first packet on a fresh localnet must make it: `--local` nodes run in testnet
    // mode, where every non-global next hop passes the routing filter as in nym-node (before
    // that, packets were dropped until each node's first topology refresh listed the others).
    client.send(client.address, new TextEncoder().encode("probe:"), { maxRetransmissions: 0 });
    const probeDeadline = Date.now() + 10_000;
    while (probes === 0) {
      assert(Date.now() < probeDeadline, "the first packet of a fresh localnet was lost");
      await sleep(50);
    }

    const before = await stats();
    const clientBefore = client.stats();
    const startRotation = client.topology!.rotationId;
    // Watch, while the traffic flows, every node's published keys (its primary, and the next
    // rotation's key once pre-announced) and the key the directory serves for it.
    const primaries = new Map<string, Set<number>>(NODES.map((n) => [n, new Set<number>()]));
    const published = new Map<string, Map<number, string>>(NODES.map((n) => [n, new Map()]));
    const nameOf = new Map<string, string>();
    const conflicts: string[] = [];
    const learn = (name: string, key: { rotation_id: number; public_key: string }) => {
      const known = published.get(name)!.get(key.rotation_id);
      if (known !== undefined && known !== key.public_key) {
        conflicts.push(`${name} published two keys for rotation ${key.rotation_id}`);
      }
      published.get(name)!.set(key.rotation_id, key.public_key);
    };
    const observeNode = async (name: string) => {
      const keys = await hostKeys(name);
      nameOf.set(keys.identity, name);
      primaries.get(name)!.add(keys.primary.rotation_id);
      learn(name, keys.primary);
      if (keys.pre) learn(name, keys.pre);
    };
    const served: { rotation: number; identity: string; key: string }[] = [];
    const observeDirectory = async () => {
      const list = await getJson<{
        metadata: { rotation_id: number };
        nodes: { data: { ed25519_identity_pubkey: string; x25519_sphinx_pubkey: string }[] };
      }>(`${net.info.nymApi.replace(/\/?$/, "/")}v2/unstable/nym-nodes/skimmed`);
      for (const n of list.nodes.data) {
        served.push({
          rotation: list.metadata.rotation_id,
          identity: n.ed25519_identity_pubkey,
          key: n.x25519_sphinx_pubkey,
        });
      }
    };
    await Promise.all(NODES.map(observeNode));
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        await Promise.all(
          [...NODES.map(observeNode), observeDirectory()].map((p) =>
            p.catch(() => {/* a busy process: next round */})
          ),
        );
        await sleep(200);
      }
    })();

    // One single-packet message every 100 ms, each tagged with the rotation whose keys the
    // client holds when it sends it, until the client is on the second next rotation and the
    // overlap epoch after that switch (when the previous key is retired) is over.
    const rotationOfMessage: number[] = [];
    const deadline = Date.now() + 45_000;
    let secondSwitchAt: number | null = null;
    while (
      secondSwitchAt === null || Date.now() < secondSwitchAt + 1.5 * EPOCH_MS
    ) {
      assert(Date.now() < deadline, `rotations too slow: client at ${client.topology?.rotationId}`);
      const rotation = client.topology!.rotationId;
      if (secondSwitchAt === null && rotation >= startRotation + 2) secondSwitchAt = Date.now();
      const n = rotationOfMessage.length;
      rotationOfMessage.push(rotation);
      client.send(client.address, new TextEncoder().encode(`m:${n}:r${rotation}`));
      await sleep(SEND_INTERVAL_MS);
    }
    const sent = rotationOfMessage.length;
    await until(
      () =>
        received.size === sent && client!.stats().pendingAcks === 0 &&
        client!.stats().fragmentsFailed === 0,
      20_000,
      () =>
        `all messages and acks (${received.size}/${sent} received, ${
          client!.stats().pendingAcks
        } acks pending)`,
    );
    watching = false;
    await watcher;
    const after = await stats();
    const clientAfter = client.stats();
    const clientDelta = (key: "retransmissions" | "unknownAcksReceived") =>
      clientAfter[key] - clientBefore[key];

    // The client built packets with the keys of three consecutive rotations.
    const rotationsUsed = [...new Set(rotationOfMessage)].sort((a, b) => a - b);
    assertEquals(rotationsUsed.slice(0, 3), [startRotation, startRotation + 1, startRotation + 2]);
    // (The first rotation may have just been ending; the next two carry a whole rotation and
    // one and a half epochs of traffic.)
    for (const r of [startRotation + 1, startRotation + 2]) {
      const count = rotationOfMessage.filter((x) => x === r).length;
      assert(count >= 20, `only ${count} messages with rotation ${r}`);
    }

    // Every node moved its primary key through both rotations while the traffic flowed, and the
    // directory only ever served, for a rotation, the key the node holds for that rotation
    // (which needs the next key pre-announced before the switch: the directory's view of a node
    // is up to one polling round old).
    for (const [name, seen] of primaries) {
      for (const r of [startRotation, startRotation + 1, startRotation + 2]) {
        assert(seen.has(r), `${name} never published rotation ${r} as primary: ${[...seen]}`);
      }
    }
    assertEquals(conflicts, []);
    assert(served.length > 0);
    for (const entry of served) {
      const name = nameOf.get(entry.identity);
      assert(name !== undefined, `the directory serves an unknown node ${entry.identity}`);
      assertEquals(
        entry.key,
        published.get(name)!.get(entry.rotation),
        `the directory's key for ${name} in rotation ${entry.rotation}`,
      );
    }

    // Nothing lost, nothing resent, no wrong-key packet at any node.
    assertEquals(received.size, sent);
    assertEquals(duplicates, 0);
    assertEquals(clientDelta("retransmissions"), 0, "no packet or ack had to be resent");
    assertEquals(clientAfter.fragmentsFailed, 0);
    assertEquals(clientDelta("unknownAcksReceived"), 0);
    const acks = clientAfter.acksReceived - clientBefore.acksReceived;
    assert(acks >= sent, `acks: ${acks}/${sent}`);
    for (const name of NODES) {
      const d = (section: keyof PacketsStats, key: string) =>
        after.get(name)![section][key] - before.get(name)![section][key];
      // `malformed_packets_received` counts both a failed header MAC (a packet built for a key
      // the node does not hold) and a frame naming a rotation it has no key for.
      assertEquals(d("ingress_mixing", "malformed_packets_received"), 0, `${name} wrong-key drops`);
      assertEquals(d("ingress_mixing", "replayed_packets_received"), 0, `${name} replays`);
      assertEquals(d("ingress_mixing", "forward_hop_packets_dropped"), 0, `${name} drops`);
      assertEquals(d("ingress_mixing", "final_hop_packets_dropped"), 0, `${name} drops`);
      assertEquals(d("egress_mixing", "forward_hop_packets_dropped"), 0, `${name} egress drops`);
      if (name.startsWith("mix")) {
        // Each message and its ack cross every layer once.
        assert(d("ingress_mixing", "forward_hop_packets_received") >= 2 * sent, `${name} idle`);
      }
    }
    assert(
      after.get("entry")!.ingress_mixing.final_hop_packets_received -
          before.get("entry")!.ingress_mixing.final_hop_packets_received >= 2 * sent,
      "the entry gateway received every message and ack as a final hop",
    );

    // Every node's Noise key reaches the others through the directory, so the localnet's
    // node-to-node links are Noise (tests/noise_test.ts shows a node uses Noise exactly when
    // the topology announces the peer's key, and plain TCP otherwise).
    const semi = await getJson<{
      nodes: {
        data: {
          basic: { ed25519_identity_pubkey: string };
          x25519_noise_versioned_key: { x25519_pubkey: string } | null;
        }[];
      };
    }>(`${net.info.nymApi.replace(/\/?$/, "/")}v2/unstable/nym-nodes/semi-skimmed`);
    for (const name of NODES) {
      const info = await getJson<{
        data: {
          keys: { ed25519_identity: string; x25519_versioned_noise: { x25519_pubkey: string } };
        };
      }>(`${base.get(name)}/api/v1/host-information`);
      const announced = semi.nodes.data.find((n) =>
        n.basic.ed25519_identity_pubkey === info.data.keys.ed25519_identity
      );
      assertEquals(
        announced?.x25519_noise_versioned_key?.x25519_pubkey,
        info.data.keys.x25519_versioned_noise.x25519_pubkey,
        `${name}'s Noise key as served by the directory`,
      );
    }

    // The key files on disk agree with what each node publishes. A node writes its key files
    // just before it switches keys in memory, so a reading that straddles a key change (the
    // host information differs before and after, or disk and memory disagree) is taken again.
    for (const name of NODES) {
      const paths = keyPathsFromConfig(await loadConfig(`${net.dir}/${name}/config/config.toml`));
      let problem = "";
      for (let attempt = 0; attempt < 10; attempt++) {
        if (attempt > 0) await sleep(300);
        const first = await hostKeys(name);
        const primary = await loadSphinxKey(paths.primarySphinx, crypto);
        const secondary = await loadSphinxKey(paths.secondarySphinx, crypto, true);
        const second = await hostKeys(name);
        const disk = (k: typeof primary) => k && `${k.rotationId}:${encodeBase58(k.publicKey)}`;
        const host = (k: HostKeys["primary"] | null) => k && `${k.rotation_id}:${k.public_key}`;
        if (JSON.stringify(first) !== JSON.stringify(second)) {
          problem = "the keys changed while they were read";
        } else if (disk(primary) !== host(first.primary)) {
          problem = `primary on disk ${disk(primary)}, published ${host(first.primary)}`;
        } else if (first.pre && disk(secondary) !== host(first.pre)) {
          problem = `secondary on disk ${disk(secondary)}, pre-announced ${host(first.pre)}`;
        } else if (!first.pre && secondary && secondary.rotationId !== primary!.rotationId - 1) {
          // Not announced, so it must be the previous rotation's key, kept for the overlap.
          problem = `unannounced secondary of rotation ${secondary.rotationId} on disk`;
        } else {
          assert(primary!.rotationId >= startRotation + 2, `${name} at ${primary!.rotationId}`);
          problem = "";
          break;
        }
      }
      assertEquals(problem, "", `${name}'s key files`);
    }
    console.log(
      `rotation localnet: ${sent} messages over rotations ${rotationsUsed.join(",")}, ` +
        `${acks} acks, ${clientDelta("retransmissions")} retransmissions`,
    );
  } catch (error) {
    console.error(net.output().slice(-6000));
    throw error;
  } finally {
    await client?.stop();
    await net.stop();
  }
});
