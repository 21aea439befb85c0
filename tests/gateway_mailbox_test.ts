/**
 * The entry gateway's offline mailbox, against a real `nym-node --mode entry-gateway` process:
 * final-hop packets for an offline client are stored, the per-client quota drops the oldest
 * (and the operator sees the count in `/metrics`), a returning client gets everything before its
 * `authenticate` reply, and a gateway SIGKILLed while storing delivers every message whose
 * storage completed exactly once after restart (`nym-node.md` §4.8). Clients are driven with our
 * protocol code (`tests/support/gateway_client.ts`); packets come in over the mixnet port.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, encodeBase58, systemRandom } from "../crypto/mod.ts";
import { serveFakeNymApi } from "./support/fake_nym_api.ts";
import { GatewayTestClient } from "./support/gateway_client.ts";
import { type GatewayProcess, startGatewayProcess } from "./support/gateway_process.ts";
import { finalHopFrame, FrameSink, openMixnetLink } from "./support/mixnet_peer.ts";

const crypto = createCryptoProvider();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function until(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Registers a new client and disconnects it; returns its keys. */
async function registerOffline(gateway: GatewayProcess) {
  const client = await GatewayTestClient.connect({
    url: gateway.wsUrl,
    gatewayIdentity: gateway.identity,
    crypto,
  });
  await client.register();
  await client.close();
  return { identity: client.identity!, sharedKey: client.sharedKey!, address: client.address };
}

/**
 * Authenticates as a returning client and collects every message pushed before the
 * `authenticate` reply (the mailbox is drained first, `gateway/session.ts`).
 */
async function reconnect(
  gateway: GatewayProcess,
  keys: Awaited<ReturnType<typeof registerOffline>>,
): Promise<{ client: GatewayTestClient; drained: string[] }> {
  const client = await GatewayTestClient.connect({
    url: gateway.wsUrl,
    gatewayIdentity: gateway.identity,
    crypto,
  });
  await client.authenticate(keys.identity, keys.sharedKey, 30_000);
  const drained: string[] = [];
  while (client.pushedWaiting > 0) drained.push(decoder.decode(await client.nextPushed()));
  return { client, drained };
}

Deno.test({
  name: "mailbox: quota drops the oldest (seen in /metrics), drained on reconnection",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  await using sink = new FrameSink();
  await using api = serveFakeNymApi(() => [{ mixPort: sink.port }]);
  await using gateway = await startGatewayProcess({
    nymApiUrl: api.url,
    debug: { maximum_stored_messages_per_client: 150 },
  });
  const keys = await registerOffline(gateway);
  const recipient = keys.identity.publicKey;
  const link = await openMixnetLink(gateway.hop.mixPort);
  try {
    const frames = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        finalHopFrame(
          crypto,
          systemRandom,
          gateway.hop,
          recipient,
          encoder.encode(`${prefix}-${i}`),
          sink.port,
        ));
    // 60 old messages are stored first; 150 newer ones then push the client over its quota
    // of 150, so exactly the 60 old ones must go.
    await link.write(frames("old", 60));
    await until(async () => (await gateway.sessions()).stored_messages === 60, 20_000, "60 stored");
    await link.write(frames("new", 150));
    await until(
      async () => (await gateway.sessions()).stored_messages_dropped_over_quota === 60,
      20_000,
      "the quota to drop 60",
    );
    const metrics = await gateway.metrics();
    assertEquals(metrics.get('nym_node_gateway_mailbox{kind="dropped_over_quota"}'), 60);
    assertEquals(metrics.get('nym_node_gateway_mailbox{kind="stored_now"}'), 150);
    // Every packet's SURB-ack went on to its first hop (the sink), stored or not.
    assert(await sink.waitFor(210, 10_000), `acks forwarded: ${sink.count}`);

    const { client, drained } = await reconnect(gateway, keys);
    try {
      assertEquals(drained.length, 150);
      assertEquals(
        new Set(drained),
        new Set(Array.from({ length: 150 }, (_, i) => `new-${i}`)),
      );
      const after = await gateway.metrics();
      assertEquals(after.get('nym_node_gateway_mailbox{kind="stored_now"}'), 0);
      assertEquals(after.get('nym_node_gateway_mailbox{kind="delivered"}'), 150);

      // Now online: a message is pushed at once, not stored.
      await link.write([
        finalHopFrame(
          crypto,
          systemRandom,
          gateway.hop,
          recipient,
          encoder.encode("live"),
          sink.port,
        ),
      ]);
      assertEquals(decoder.decode(await client.nextPushed()), "live");
      assertEquals((await gateway.sessions()).stored_messages, 0);
    } finally {
      await client.close();
    }
  } finally {
    link.close();
  }
});

Deno.test({
  name: "mailbox: kill -9 while storing; after restart each stored message is delivered once",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  await using sink = new FrameSink();
  await using api = serveFakeNymApi(() => [{ mixPort: sink.port }]);
  await using gateway = await startGatewayProcess({ nymApiUrl: api.url });
  const keys = await registerOffline(gateway);
  const total = 4000;
  const sent = new Set<string>();
  const frames = Array.from({ length: total }, (_, i) => {
    sent.add(`m-${i}`);
    return finalHopFrame(
      crypto,
      systemRandom,
      gateway.hop,
      keys.identity.publicKey,
      encoder.encode(`m-${i}`),
      sink.port,
    );
  });
  const link = await openMixnetLink(gateway.hop.mixPort);
  let seenStored = 0;
  try {
    // Paced (100 frames every 5 ms, so storing lasts a while however fast the gateway is);
    // the writes end when the kill resets the connection.
    const writing = (async () => {
      for (let i = 0; i < frames.length; i += 100) {
        await link.write(frames.slice(i, i + 100));
        await new Promise((r) => setTimeout(r, 5));
      }
    })().catch(() => {});
    // Kill once storing is under way (not before anything was stored, not after all was).
    await until(
      async () => {
        seenStored = Number((await gateway.sessions()).stored_messages);
        return seenStored >= 200;
      },
      30_000,
      "storing to begin",
    );
    await gateway.kill9();
    await writing;
  } finally {
    link.close();
  }

  // What survived the crash: the committed rows.
  const db = new DatabaseSync(`${gateway.home}/data/clients.sqlite`);
  let stored: string[];
  try {
    stored = (db.prepare("SELECT content FROM message_store WHERE client_address_bs58 = ?")
      .all(encodeBase58(keys.identity.publicKey)) as { content: Uint8Array }[])
      .map((r) => decoder.decode(r.content));
  } finally {
    db.close();
  }
  assert(stored.length >= seenStored, `${stored.length} rows, but ${seenStored} were reported`);
  assert(stored.length < total, "the kill landed while messages were still being stored");
  assertEquals(new Set(stored).size, stored.length);

  await gateway.restart();
  const first = await reconnect(gateway, keys);
  try {
    assertEquals(first.drained.length, stored.length);
    assertEquals(new Set(first.drained), new Set(stored));
    for (const m of first.drained) assert(sent.has(m));
  } finally {
    await first.client.close();
  }
  // Delivered means deleted: a second reconnection gets nothing again. (Its signed timestamp,
  // in whole seconds, must be newer than the first one's.)
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 10));
  const second = await reconnect(gateway, keys);
  await second.client.close();
  assertEquals(second.drained, []);
  assertEquals((await gateway.sessions()).stored_messages, 0);
});
