/**
 * The entry gateway with real clients, on a localnet of our node processes (`nym-node
 * localnet`: directory, 3 mix nodes, entry and exit gateway): the real wasm client
 * (`@nymproject/nym-client-wasm-node@1.4.1`, in its own process) and our client exchange
 * messages of 1 B to 200 KB byte-exact in both directions; our client goes offline, the wasm
 * client writes to it, and it gets every message from the mailbox when it comes back with the
 * same keys; two real wasm clients exchange messages both ways; a real wasm client that is
 * killed and started again from its storage (its IndexedDB kept in a file, `storageFile`)
 * authenticates with its gateway as the same client and gets what was sent to it meanwhile from
 * the mailbox, exactly once; and messages stored at a gateway that is then SIGKILLed and
 * restarted on the same home are still delivered (`nym-node.md` §4.8).
 *
 * The first wasm client (A) sits at the exit gateway so that restarting the entry gateway, where
 * our client and the second wasm client (B) live, does not cut it off.
 */
import { assert, assertEquals, assertRejects } from "../testing/asserts.ts";
import { createCryptoProvider } from "../crypto/mod.ts";
import {
  mergeOverrides,
  MixnetClient,
  noCoverOverrides,
  type ReceivedMessage,
} from "../client/mod.ts";
import { FileClientStorage } from "../client/deno.ts";
import { type Localnet, startLocalnet } from "../client/testing/localnet.ts";
import { WasmPeer } from "../client/testing/wasm_peer_process.ts";
import { type RunningProcess, startNymNode } from "./support/node_process.ts";

const crypto = createCryptoProvider();
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CONFIG = mergeOverrides(noCoverOverrides(), {
  traffic: { averagePacketDelayMs: 0 },
  acknowledgements: { averageAckDelayMs: 0, ackWaitAdditionMs: 1000 },
});

async function until(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A message of `size` bytes whose content depends on `seed`. */
function pattern(size: number, seed: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);
}

/** The entry gateway's node process as the localnet started it (ports from its ready file). */
async function entryNode(net: Localnet) {
  const home = `${net.dir}/entry`;
  const ready = JSON.parse(await Deno.readTextFile(`${home}/ready.json`));
  const ports = ready.listeners as Record<string, { port: number }>;
  return {
    home,
    baseUrl: `http://127.0.0.1:${ports.http.port}`,
    /** `nym-node run` arguments that bring it back on the same home and ports. */
    restartArgs: [
      "--config-file",
      `${home}/config/config.toml`,
      "--local",
      "--nym-api-urls",
      net.info.nymApi,
      "--accept-operator-terms-and-conditions",
      "--http-bind-address",
      `127.0.0.1:${ports.http.port}`,
      "--mixnet-bind-address",
      `127.0.0.1:${ports.mixnet.port}`,
      "--verloc-bind-address",
      `127.0.0.1:${ports.verloc.port}`,
      "--entry-bind-address",
      `127.0.0.1:${ports.entry.port}`,
    ],
  };
}

async function storedAt(baseUrl: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}/api/v1/metrics/sessions`);
    return Number((await response.json()).stored_messages);
  } catch {
    return -1;
  }
}

/** The gateway's session counters (`/api/v1/metrics/sessions`). */
async function sessionsAt(
  baseUrl: string,
): Promise<{ started: number; active: number; users: number }> {
  const stats = await (await fetch(`${baseUrl}/api/v1/metrics/sessions`)).json();
  return {
    started: Number(stats.sessions_started),
    active: Number(stats.active_sessions),
    users: Number(stats.unique_active_users),
  };
}

Deno.test({
  name:
    "gateway with real clients: 1 B–200 KB both ways, offline mailbox, two wasm clients, wasm restart from storage, kill -9 durability",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const net = await startLocalnet({ mixnodes: 3 });
  const nymApiUrls = [net.info.nymApi];
  const entry = net.info.gateways.find((g) => !g.exit)!;
  const exit = net.info.gateways.find((g) => g.exit)!;
  const node = await entryNode(net);
  const storageDir = await Deno.makeTempDir({ prefix: "gateway-test-client-" });
  const wasmStorageDir = await Deno.makeTempDir({ prefix: "gateway-test-wasm-" });
  const startOurs = async () => {
    const client = await MixnetClient.start({
      nymApiUrls,
      crypto,
      storage: new FileClientStorage(storageDir),
      gateway: entry.identity,
      config: CONFIG,
    });
    const received: ReceivedMessage[] = [];
    client.on("message", (m) => received.push(m));
    return { client, received };
  };
  let restarted: RunningProcess | null = null;
  let peer: WasmPeer | null = null;
  let peerB: WasmPeer | null = null;
  let ours: Awaited<ReturnType<typeof startOurs>> | null = null;
  try {
    peer = await WasmPeer.start(net.info.nymApi, { gateway: exit.identity });
    ours = await startOurs();
    const address = ours.client.addressText;
    const wasm = peer;

    await t.step("1 B, 1 KB, 50 KB and 200 KB arrive byte-exact both ways", async () => {
      const sizes = [1, 1024, 50 * 1024, 200 * 1024];
      for (const [i, size] of sizes.entries()) {
        const message = pattern(size, i);
        await wasm.send(address, message);
        await until(() => ours!.received.length > 0, 60_000, `${size} B from the wasm client`);
        const got = ours!.received.shift()!;
        assertEquals(got.kind, "plain");
        assertEquals(got.message, message, `${size} B wasm → ours`);
      }
      for (const [i, size] of sizes.entries()) {
        const message = pattern(size, 100 + i);
        ours!.client.send(wasm.address, message);
        assertEquals(
          (await wasm.nextMessage(undefined, 60_000)).data,
          message,
          `${size} B ours → wasm`,
        );
      }
    });

    await t.step("offline: messages wait in the mailbox and arrive on reconnection", async () => {
      await ours!.client.stop();
      ours = null;
      const n = 250; // more than two pages of 100
      const sent = new Set<string>();
      for (let i = 0; i < n; i++) {
        const text = `offline-${i}`;
        sent.add(text);
        await wasm.send(address, encoder.encode(text));
      }
      await until(async () => (await storedAt(node.baseUrl)) >= n, 60_000, `${n} stored`);
      ours = await startOurs();
      assertEquals(ours.client.addressText, address, "the same keys came back");
      await until(() => ours!.received.length >= n, 60_000, `${n} messages from the mailbox`);
      assertEquals(new Set(ours.received.map((m) => decoder.decode(m.message))), sent);
      assertEquals(ours.received.length, n);
      ours.received.length = 0;
      await until(async () => (await storedAt(node.baseUrl)) === 0, 10_000, "an empty mailbox");
    });

    await t.step("two real clients: 1 B and 50 KB arrive byte-exact both ways", async () => {
      const before = await sessionsAt(node.baseUrl);
      peerB = await WasmPeer.start(net.info.nymApi, {
        gateway: entry.identity,
        storageFile: `${wasmStorageDir}/b.json`,
      });
      const b = peerB;
      assertEquals(b.restored, false);
      // A new client registers (WS#1) and then authenticates (WS#2): two sessions.
      assertEquals((await sessionsAt(node.baseUrl)).started - before.started, 2);
      for (const [i, size] of [1, 50 * 1024].entries()) {
        const toB = pattern(size, 200 + i);
        await wasm.send(b.address, toB);
        assertEquals((await b.nextMessage(undefined, 60_000)).data, toB, `${size} B A → B`);
        const toA = pattern(size, 300 + i);
        await b.send(wasm.address, toA);
        assertEquals((await wasm.nextMessage(undefined, 60_000)).data, toA, `${size} B B → A`);
      }
    });

    await t.step(
      "a real client restarted from its storage gets its mail exactly once",
      async () => {
        const b = peerB!;
        const { address: addressB, clientId } = b;
        const online = await sessionsAt(node.baseUrl);
        const authenticatedBy = Date.now();
        await b.persist();
        await b.close();
        peerB = null;
        // Only once the gateway has seen B go does new mail for it go to the mailbox.
        await until(
          async () => (await sessionsAt(node.baseUrl)).active === online.active - 1,
          10_000,
          "the gateway to notice that B left",
        );
        assertEquals(await storedAt(node.baseUrl), 0);
        const n = 30;
        const sent = new Set<string>();
        for (let i = 0; i < n; i++) {
          const text = `mailbox-${i}`;
          sent.add(text);
          await wasm.send(addressB, encoder.encode(text));
        }
        await until(async () => (await storedAt(node.baseUrl)) >= n, 60_000, `${n} stored for B`);
        assertEquals(await storedAt(node.baseUrl), n);
        // authenticateV2 timestamps are whole seconds and must increase (wasm-client.md §3.3).
        await new Promise((r) => setTimeout(r, Math.max(0, authenticatedBy + 1000 - Date.now())));

        const before = await sessionsAt(node.baseUrl);
        peerB = await WasmPeer.start(net.info.nymApi, {
          gateway: entry.identity,
          storageFile: `${wasmStorageDir}/b.json`,
        });
        const back = peerB;
        assertEquals(back.restored, true);
        assertEquals([back.address, back.clientId], [addressB, clientId], "the same client");
        // Authenticated with its stored key: one session (WS#2 only), no registration handshake.
        assertEquals((await sessionsAt(node.baseUrl)).started - before.started, 1);
        assert(!back.log.some((l) => l.includes("finished registration")), back.log.join("\n"));
        assert(!back.log.some((l) => l.includes("no prior keys found")), "keys from the file");

        const received: string[] = [];
        for (let i = 0; i < n; i++) {
          received.push(decoder.decode((await back.nextMessage(undefined, 60_000)).data));
        }
        assertEquals(new Set(received), sent);
        assertEquals(received.length, n);
        await until(async () => (await storedAt(node.baseUrl)) === 0, 10_000, "an empty mailbox");
        // Exactly once: nothing more comes, also not after A's retransmission timeout (~1.5 s).
        await assertRejects(() => back.nextMessage(undefined, 2_000), Error, "timed out");
        // And B is a working client again, both ways.
        await back.send(wasm.address, encoder.encode("B is back"));
        assertEquals(decoder.decode((await wasm.nextMessage(undefined, 60_000)).data), "B is back");
        await wasm.send(addressB, encoder.encode("welcome back"));
        assertEquals(
          decoder.decode((await back.nextMessage(undefined, 60_000)).data),
          "welcome back",
        );
        // Off before the next step kills its gateway (the 1.4.1 client never reconnects, §3.8).
        await back.close();
        peerB = null;
      },
    );

    await t.step("kill -9 of the gateway: stored messages survive the restart", async () => {
      await ours!.client.stop();
      ours = null;
      const n = 120;
      const sent = new Set<string>();
      for (let i = 0; i < n; i++) {
        const text = `durable-${i}`;
        sent.add(text);
        await wasm.send(address, encoder.encode(text));
      }
      await until(async () => (await storedAt(node.baseUrl)) >= n, 60_000, `${n} stored`);
      await net.kill("entry");
      assertEquals(await storedAt(node.baseUrl), -1, "the gateway is down");
      restarted = await startNymNode(node.home, node.restartArgs);
      assertEquals(await storedAt(node.baseUrl), n, "every stored message is still there");
      ours = await startOurs();
      await until(() => ours!.received.length >= n, 60_000, `${n} messages after the restart`);
      assertEquals(new Set(ours.received.map((m) => decoder.decode(m.message))), sent);
      assertEquals(ours.received.length, n);
      await until(async () => (await storedAt(node.baseUrl)) === 0, 10_000, "an empty mailbox");
      // And the restarted gateway carries new traffic both ways.
      ours.client.send(wasm.address, encoder.encode("after the restart"));
      assertEquals(
        decoder.decode((await wasm.nextMessage(undefined, 60_000)).data),
        "after the restart",
      );
      await wasm.send(address, encoder.encode("back to ours"));
      await until(() => ours!.received.length > n, 60_000, "a live message after the restart");
      assertEquals(decoder.decode(ours.received[n].message), "back to ours");
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlocalnet output:\n${net.output().slice(-3000)}`, {
      cause: e,
    });
  } finally {
    await ours?.client.stop().catch(() => {});
    await peer?.close();
    await (peerB as WasmPeer | null)?.close();
    await (restarted as RunningProcess | null)?.kill();
    await net.stop();
    await Deno.remove(storageDir, { recursive: true }).catch(() => {});
    await Deno.remove(wasmStorageDir, { recursive: true }).catch(() => {});
  }
});
