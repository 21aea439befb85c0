/**
 * The client core end to end on the in-process simulated network (`testing/fake_network.ts`:
 * real gateway protocol over loopback WebSockets, every Sphinx hop peeled with the nodes' keys):
 * sending to itself, anonymous messages and replies with SURB replenishment, retransmission
 * around a dead mix node, the Poisson and loop cover streams, restarts, gateway reconnection,
 * and clear errors. Fast settings (no per-hop delays, short ack timers) keep it to seconds.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/asserts.ts";
import { createCryptoProvider } from "../crypto/mod.ts";
import { FakeNetwork, utf8 } from "./testing/fake_network.ts";
import {
  type ClientConfigOverrides,
  GatewaySelectionError,
  MemoryClientStorage,
  mergeOverrides,
  MixnetClient,
  type MixnetClientOptions,
  noCoverOverrides,
  NymApiError,
  type ReceivedMessage,
  SendError,
  type SendFailure,
} from "./mod.ts";

const crypto = createCryptoProvider();
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** No cover, no delays, immediate sending, short ack timers. */
const FAST: ClientConfigOverrides = mergeOverrides(noCoverOverrides(), {
  traffic: { averagePacketDelayMs: 0 },
  acknowledgements: { averageAckDelayMs: 0, ackWaitAdditionMs: 300 },
});

function start(net: FakeNetwork, extra: Partial<MixnetClientOptions> = {}): Promise<MixnetClient> {
  return MixnetClient.start({ nymApiUrls: [net.nymApiUrl], crypto, config: FAST, ...extra });
}

/** Collects messages; `next()` waits for the next one. */
function inbox(client: MixnetClient) {
  const messages: ReceivedMessage[] = [];
  const waiters: (() => void)[] = [];
  client.on("message", (m) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  return {
    messages,
    async next(timeoutMs = 10_000): Promise<ReceivedMessage> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length === 0) {
        if (Date.now() > deadline) throw new Error("no message arrived in time");
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages.shift()!;
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 10_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("client: a 40 KB message to itself arrives whole and every packet is acked", async () => {
  const net = await FakeNetwork.start({ crypto });
  const client = await start(net);
  try {
    const box = inbox(client);
    const body = crypto.sha256(utf8("seed"));
    const message = new Uint8Array(40_000).map((_, i) => body[i % 32] ^ (i & 0xff));
    const receipt = client.send(client.addressText, message);
    assertEquals(receipt.packets, 25);
    const received = await box.next();
    assertEquals(received.kind, "plain");
    assertEquals(received.senderTag, null);
    assertEquals(received.message, message);
    await until(() => client.stats().pendingAcks === 0, 5000, "all acks");
    const s = client.stats();
    assertEquals(s.realPacketsSent, 25);
    assertEquals(s.acksReceived, 25);
    assertEquals(s.retransmissions, 0);
    assertEquals(s.coverPacketsSent, 0);
    assertEquals(s.messagesReceived, 1);
    assert(s.gatewayConnected && s.topologyAvailable);
    // Real traffic uses v259 headers throughout (as the real client's messages do).
    assertEquals([...net.versionsSeen.keys()], [259]);
  } finally {
    await client.stop();
    await net.stop();
  }
});

Deno.test("client: anonymous message, replies through SURBs, replenishment when they run short", async () => {
  const net = await FakeNetwork.start({ crypto, gateways: 2 });
  const alice = await start(net, { gateway: net.gateways[0].identityText });
  const bob = await start(net, { gateway: net.gateways[1].identityText });
  try {
    // Different gateways: replies and acks cross between them.
    assert(alice.gatewayIdentity !== bob.gatewayIdentity);
    const bobBox = inbox(bob);
    const aliceBox = inbox(alice);
    alice.sendAnonymous(bob.address, utf8("who am I?"), 12);
    const question = await bobBox.next();
    assertEquals(question.kind, "anonymous");
    assertEquals(decode(question.message), "who am I?");
    // Bob sees only Alice's sender tag, the same one Alice uses for him.
    assertEquals(question.senderTag, alice.senderTagFor(bob.addressText));
    // A 5-packet reply but only 12 − 10 usable SURBs: Bob must ask Alice for more.
    const answer = new Uint8Array(7_000).fill(0x61);
    bob.reply(question.senderTag!, answer);
    const reply = await aliceBox.next();
    assertEquals(reply.kind, "reply");
    assertEquals(reply.senderTag, null);
    assertEquals(reply.message, answer);
    assert(bob.stats().surbRequestsSent >= 1, "bob asked for more SURBs");
    assert(alice.stats().replySurbsSent > 12, "alice sent additional SURBs");
    await until(
      () => bob.stats().replyQueueLength === 0 && bob.stats().pendingAcks === 0,
      5000,
      "bob's replies acked",
    );
    // A second short reply goes straight out with the SURBs Bob now holds.
    const before = bob.stats().surbRequestsSent;
    bob.reply(question.senderTag!, utf8("again"));
    assertEquals(decode((await aliceBox.next()).message), "again");
    assertEquals(bob.stats().surbRequestsSent, before);
  } finally {
    await alice.stop();
    await bob.stop();
    await net.stop();
  }
});

Deno.test("client: retransmission recovers a transfer when a mix node dies mid-way", async () => {
  const net = await FakeNetwork.start({ crypto, mixesPerLayer: 2 });
  const client = await start(net);
  try {
    const box = inbox(client);
    const message = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff); // 63 packets
    client.send(client.address, message);
    // Kill a layer-2 node once the transfer is under way.
    await until(() => client.stats().acksReceived >= 10, 5000, "the first acks");
    net.kill(net.layer(2)[0]);
    const received = await box.next(20_000);
    assertEquals(received.message, message);
    await until(() => client.stats().pendingAcks === 0, 10_000, "all acks");
    const s = client.stats();
    assert(net.counters.droppedAtKilledNodes > 0, "packets were lost at the dead node");
    assert(s.retransmissions > 0, "lost packets were retransmitted");
    assertEquals(s.fragmentsFailed, 0);
    assertEquals(s.acksReceived, 63);
  } finally {
    await client.stop();
    await net.stop();
  }
});

Deno.test("client: a retransmission limit gives up and reports the failure", async () => {
  const net = await FakeNetwork.start({ crypto, mixesPerLayer: 1 });
  const client = await start(net);
  try {
    const failures: SendFailure[] = [];
    client.on("sendFailed", (f) => failures.push(f));
    net.kill(net.layer(1)[0]); // every route is dead
    client.send(client.address, utf8("lost"), { maxRetransmissions: 2 });
    await until(() => failures.length === 1, 5000, "the failure");
    assertEquals(failures[0].retransmissions, 2);
    assertEquals(failures[0].destination, client.addressText);
    assertEquals(client.stats().realPacketsSent, 3);
    assertEquals(client.stats().fragmentsFailed, 1);
    assertEquals(client.stats().pendingAcks, 0);
  } finally {
    await client.stop();
    await net.stop();
  }
});

Deno.test("client: the Poisson stream carries real packets and sends loop cover when idle", async () => {
  const net = await FakeNetwork.start({ crypto });
  // Reference traffic shaping, without per-hop delays to keep the test short.
  const client = await start(net, {
    config: { traffic: { averagePacketDelayMs: 0 }, acknowledgements: { averageAckDelayMs: 0 } },
  });
  try {
    const box = inbox(client);
    const started = performance.now();
    client.send(client.address, utf8("inside the cover stream"));
    assertEquals(decode((await box.next()).message), "inside the cover stream");
    await until(() => performance.now() - started > 1000, 2000);
    const s = client.stats();
    const elapsed = (performance.now() - started) / 1000;
    const rate = (s.realPacketsSent + s.coverPacketsSent) / elapsed;
    // About 50/s (20 ms Poisson) + 5/s (200 ms loop cover) = 55/s.
    assert(rate > 30 && rate < 85, `send rate ${rate.toFixed(1)} packets/s`);
    assertEquals(s.realPacketsSent, 1);
    assert(s.coverPacketsReceived > 10, "cover came back");
    assert(s.coverAcksReceived > 10, "cover acks came back");
    assertEquals(s.messagesReceived, 1); // cover is never delivered
  } finally {
    await client.stop();
    await net.stop();
  }
});

Deno.test("client: a restart keeps its address, registration and reply state", async () => {
  const net = await FakeNetwork.start({ crypto });
  const storage = new MemoryClientStorage();
  const peer = await start(net);
  try {
    const first = await start(net, { storage });
    const address = first.addressText;
    first.sendAnonymous(peer.address, utf8("hi"), 3);
    await until(() => first.stats().pendingAcks === 0, 5000, "acks");
    const tag = first.senderTagFor(peer.address);
    await first.stop();
    assertEquals(net.counters.registrations, 2);
    const second = await start(net, { storage });
    try {
      assertEquals(second.addressText, address);
      assertEquals(net.counters.registrations, 2); // authenticated with the stored key
      assertEquals(second.senderTagFor(peer.address), tag);
    } finally {
      await second.stop();
    }
  } finally {
    await peer.stop();
    await net.stop();
  }
});

Deno.test("client: reconnects after the gateway drops the session", async () => {
  const net = await FakeNetwork.start({ crypto });
  const client = await start(net, {
    config: mergeOverrides(FAST, { gatewayConnection: { reconnectionBackoffMs: 200 } }),
  });
  try {
    const box = inbox(client);
    const statuses: boolean[] = [];
    client.on("gatewayStatus", (s) => statuses.push(s.connected));
    assert(net.dropSession(identityText(client)));
    await until(() => statuses.includes(true), 10_000, "reconnection");
    assertEquals(statuses[0], false);
    client.send(client.address, utf8("after the drop"));
    assertEquals(decode((await box.next()).message), "after the drop");
    assertEquals(client.stats().gatewayReconnections, 1);
  } finally {
    await client.stop();
    await net.stop();
  }
});

function identityText(client: MixnetClient): string {
  return client.addressText.split(".")[0];
}

Deno.test("client: bad requests get clear errors", async () => {
  const net = await FakeNetwork.start({ crypto });
  const client = await start(net, {
    config: mergeOverrides(FAST, { traffic: { maximumQueuedPackets: 5 } }),
  });
  try {
    assertThrows(
      () => client.send("not-an-address", utf8("x")),
      SendError,
      "bad recipient address",
    );
    assertThrows(
      () => client.reply("1111111111111111", utf8("x")),
      SendError,
      "no reply SURBs are stored for sender tag 1111111111111111",
    );
    assertThrows(() => client.reply("zz", utf8("x")), SendError, "bad sender tag");
    assertThrows(
      () => client.reply(new Uint8Array(16), new Uint8Array(0)),
      SendError,
      "must not be empty",
    );
    assertThrows(
      () => client.sendAnonymous(client.address, utf8("x"), 100_000),
      SendError,
      "replySurbs must be an integer",
    );
    assertThrows(
      () => client.send(client.address, new Uint8Array(20_000)),
      SendError,
      "the send queue is full",
    );
    // A recipient whose gateway is not in the topology cannot be routed to.
    const failures: SendFailure[] = [];
    client.on("sendFailed", (f) => failures.push(f));
    const stranger = `${client.addressText.split("@")[0]}@${client.addressText.split(".")[0]}`;
    client.send(stranger, utf8("nowhere"));
    await until(() => failures.length === 1, 5000, "the routing failure");
    await client.stop();
    assertThrows(() => client.send(client.address, utf8("x")), SendError, "the client is stopped");
  } finally {
    await client.stop();
    await net.stop();
  }
});

Deno.test("client: start-up failures name their cause", async () => {
  const net = await FakeNetwork.start({ crypto });
  try {
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadUrl = `http://127.0.0.1:${closed.addr.port}/`;
    closed.close();
    await assertRejects(
      () => MixnetClient.start({ nymApiUrls: [deadUrl], crypto, config: FAST }),
      NymApiError,
      "entry gateways",
    );
    await assertRejects(
      () => start(net, { gateway: "11111111111111111111111111111111" }),
      GatewaySelectionError,
      "no gateway with id 11111111111111111111111111111111",
    );
  } finally {
    await net.stop();
  }
});
