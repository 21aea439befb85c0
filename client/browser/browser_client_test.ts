/**
 * The page-facing client under Deno, on the in-process simulated network
 * (`testing/fake_network.ts`) with `fake-indexeddb` and the noble crypto the bundle uses: text
 * and anonymous messages through the wrapper, the same address after a restart from IndexedDB,
 * ephemeral clients that store nothing, and stopping on `pagehide`. The real-browser run (Web
 * Locks, a reload) is `tests/browser_test.ts`.
 */
import { IDBFactory } from "fake-indexeddb";
import { assert, assertEquals, assertNotEquals, assertRejects } from "../../testing/asserts.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { FakeNetwork } from "../testing/fake_network.ts";
import { mergeOverrides, noCoverOverrides } from "../config.ts";
import { NymApiError, SendError } from "../errors.ts";
import { type IncomingMessage, type NymBrowserClient, startNymClient } from "./browser_client.ts";
import type { IdbFactory } from "./idb_types.ts";
import { IndexedDbClientStorage } from "./indexeddb_storage.ts";

const FAST = mergeOverrides(noCoverOverrides(), {
  traffic: { averagePacketDelayMs: 0 },
  acknowledgements: { averageAckDelayMs: 0, ackWaitAdditionMs: 300 },
});

function inbox(client: NymBrowserClient) {
  const messages: IncomingMessage[] = [];
  client.onMessage((m) => messages.push(m));
  return async (timeoutMs = 10_000): Promise<IncomingMessage> => {
    const deadline = Date.now() + timeoutMs;
    while (messages.length === 0) {
      if (Date.now() > deadline) throw new Error("no message arrived in time");
      await new Promise((r) => setTimeout(r, 20));
    }
    return messages.shift()!;
  };
}

Deno.test("browser client: messages, replies and a restart from IndexedDB", async () => {
  const net = await FakeNetwork.start({ crypto: createCryptoProvider() });
  const indexedDB: IdbFactory = new IDBFactory();
  const options = {
    nymApi: net.nymApiUrl,
    storeName: "alice",
    indexedDB,
    locks: null,
    config: FAST,
    stopOnPageHide: false,
  };
  try {
    const client = await startNymClient(options);
    let address: string;
    try {
      address = client.address;
      assertEquals(client.storeName, "alice");
      assert(address.endsWith(`@${client.gateway}`));
      const next = inbox(client);
      assertEquals(client.send(address, "hello from a page").packets, 1);
      const plain = await next();
      assertEquals([plain.kind, plain.text(), plain.senderTag], [
        "plain",
        "hello from a page",
        null,
      ]);
      client.sendAnonymous(address, new Uint8Array([1, 2, 3]), 3);
      const anonymous = await next();
      assertEquals([anonymous.kind, anonymous.data], ["anonymous", new Uint8Array([1, 2, 3])]);
      assert(anonymous.senderTag !== null && anonymous.senderTag.length > 0);
      client.reply(anonymous.senderTag!, "pong");
      assertEquals((await next()).text(), "pong");
      assertEquals(client.stats().messagesReceived, 3);
    } finally {
      await client.stop();
    }
    assertEquals(client.stopped, true);
    await client.stop(); // idempotent
    assert(client.core.stopped);

    // The keys and registration are in IndexedDB: a restart has the same address.
    const stored = new IndexedDbClientStorage({ name: "alice", indexedDB });
    assert((await stored.loadKeys()) !== null);
    stored.close();
    const again = await startNymClient(options);
    try {
      assertEquals(again.address, address);
      const next = inbox(again);
      again.send(again.address, "still me");
      assertEquals((await next()).text(), "still me");
    } finally {
      await again.stop();
    }
    assertEquals(net.counters.registrations, 1, "the restart reused the registration");
  } finally {
    await net.stop();
  }
});

Deno.test("browser client: ephemeral clients store nothing; pagehide stops the client", async () => {
  const net = await FakeNetwork.start({ crypto: createCryptoProvider() });
  const indexedDB: IdbFactory = new IDBFactory();
  try {
    const options = { nymApi: [net.nymApiUrl], ephemeral: true, indexedDB, config: FAST };
    const a = await startNymClient(options);
    const b = await startNymClient({ ...options, stopOnPageHide: false });
    try {
      assertEquals(a.storeName, null);
      assertNotEquals(a.address, b.address);
      const stored = new IndexedDbClientStorage({ indexedDB });
      assertEquals(await stored.loadKeys(), null, "nothing went to IndexedDB");
      stored.close();
      // The page goes away: `a` stops, `b` (stopOnPageHide: false) keeps running.
      globalThis.dispatchEvent(new Event("pagehide"));
      for (let i = 0; i < 100 && !a.stopped; i++) await new Promise((r) => setTimeout(r, 10));
      assertEquals([a.stopped, b.stopped], [true, false]);
      let error: unknown;
      try {
        a.send(b.address, "too late");
      } catch (e) {
        error = e;
      }
      assert(error instanceof SendError, String(error));
    } finally {
      await a.stop();
      await b.stop();
    }
  } finally {
    await net.stop();
  }
});

Deno.test("browser client: a failed start is a typed error; the new keys stay stored", async () => {
  const indexedDB: IdbFactory = new IDBFactory();
  // Nothing listens on port 9 of loopback: nym-api is unreachable.
  const options = {
    nymApi: "http://127.0.0.1:9/",
    storeName: "bob",
    indexedDB,
    locks: null,
    config: { topology: { topologyResolutionTimeoutMs: 1000 } },
  };
  await assertRejects(() => startNymClient(options), NymApiError);
  // Keys are made before nym-api is asked; the next start keeps them (and the address).
  const stored = new IndexedDbClientStorage({ name: "bob", indexedDB });
  try {
    assert((await stored.loadKeys()) !== null);
    assertEquals(await stored.loadGatewayRegistration(), null);
  } finally {
    stored.close();
  }
});
