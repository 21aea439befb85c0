/**
 * The IndexedDB client store under Deno on `fake-indexeddb` (an in-memory IndexedDB; each test
 * gets its own factory): round trips, persistence across connections (a page reload), refusal
 * to replace keys, clear errors for corrupt records, and deletion while a connection is open.
 */
import { IDBFactory } from "fake-indexeddb";
import { assert, assertEquals, assertRejects } from "../../testing/asserts.ts";
import { createNobleProvider } from "../../crypto/backends/noble.ts";
import { seededRandom } from "../../crypto/random.ts";
import { ClientStorageError } from "../errors.ts";
import { generateClientKeys, validateClientKeys } from "../keys.ts";
import type { IdbDatabase, IdbFactory } from "./idb_types.ts";
import { CLIENT_DATABASE_RECORDS, IndexedDbClientStorage } from "./indexeddb_storage.ts";

const crypto = createNobleProvider();
const keys = generateClientKeys(crypto, seededRandom(new Uint8Array(32).fill(7)));
const registration = {
  gatewayIdentity: new Uint8Array(32).fill(9),
  gatewayUrl: "ws://127.0.0.1:9000/",
  sharedKey: new Uint8Array(32).fill(4),
  registeredAtMs: 1234,
};

/** Writes a raw value into the store, bypassing the class (to plant corrupt records). */
async function writeRaw(factory: IdbFactory, name: string, key: string, value: unknown) {
  const db = await new Promise<IdbDatabase>((resolve, reject) => {
    const req = factory.open(name, 1);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction("client", "readwrite");
      tx.objectStore("client").put(value, key);
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

Deno.test("indexeddb store: round-trips keys, registration and reply state", async () => {
  const indexedDB: IdbFactory = new IDBFactory();
  const storage = new IndexedDbClientStorage({ name: "alice", indexedDB });
  try {
    assertEquals(await storage.loadKeys(), null);
    assertEquals(await storage.loadGatewayRegistration(), null);
    assertEquals(await storage.loadReplyState(), null);
    await storage.storeKeys(keys);
    await storage.storeGatewayRegistration(registration);
    await storage.storeReplyState('{"version":1}');
    const loaded = await storage.loadKeys();
    assertEquals(loaded, keys);
    validateClientKeys(crypto, loaded!);
    assertEquals(await storage.loadGatewayRegistration(), registration);
    assertEquals(await storage.loadReplyState(), '{"version":1}');
    // Loaded values are copies.
    loaded!.ackKey.fill(0);
    assertEquals((await storage.loadKeys())!.ackKey, keys.ackKey);
    // Replacing the registration and reply state works; removing the registration too.
    const other = { ...registration, sharedKey: new Uint8Array(32).fill(5), registeredAtMs: 99 };
    await storage.storeGatewayRegistration(other);
    await storage.storeReplyState('{"version":1,"x":2}');
    assertEquals(await storage.loadGatewayRegistration(), other);
    assertEquals(await storage.loadReplyState(), '{"version":1,"x":2}');
    await storage.removeGatewayRegistration();
    assertEquals(await storage.loadGatewayRegistration(), null);
    assertEquals(await storage.loadKeys(), keys);
  } finally {
    storage.close();
  }
});

Deno.test("indexeddb store: data survives a new connection; databases are separate", async () => {
  const indexedDB: IdbFactory = new IDBFactory();
  const first = new IndexedDbClientStorage({ name: "alice", indexedDB });
  await first.storeKeys(keys);
  await first.storeGatewayRegistration(registration);
  first.close();
  await assertRejects(() => first.loadKeys(), ClientStorageError, "closed");
  const reopened = new IndexedDbClientStorage({ name: "alice", indexedDB });
  const bob = new IndexedDbClientStorage({ name: "bob", indexedDB });
  try {
    assertEquals(await reopened.loadKeys(), keys);
    assertEquals(await reopened.loadGatewayRegistration(), registration);
    assertEquals(await bob.loadKeys(), null);
  } finally {
    reopened.close();
    bob.close();
  }
});

Deno.test("indexeddb store: never replaces stored keys", async () => {
  const indexedDB: IdbFactory = new IDBFactory();
  const storage = new IndexedDbClientStorage({ name: "alice", indexedDB });
  try {
    await storage.storeKeys(keys);
    const other = generateClientKeys(crypto, seededRandom(new Uint8Array(32).fill(8)));
    await assertRejects(() => storage.storeKeys(other), ClientStorageError, "refusing to replace");
    assertEquals(await storage.loadKeys(), keys);
  } finally {
    storage.close();
  }
});

Deno.test("indexeddb store: corrupt records are errors naming the record", async () => {
  const indexedDB: IdbFactory = new IDBFactory();
  const storage = new IndexedDbClientStorage({ name: "alice", indexedDB });
  try {
    await storage.storeKeys(keys); // creates the database
    const bad = [
      [CLIENT_DATABASE_RECORDS.keys, { version: 1, identitySecretKey: new Uint8Array(31) }],
      [CLIENT_DATABASE_RECORDS.keys, "garbage"],
      [CLIENT_DATABASE_RECORDS.keys, { version: 2 }],
      [CLIENT_DATABASE_RECORDS.gatewayRegistration, {
        version: 1,
        gatewayIdentity: new Uint8Array(32),
        gatewayUrl: 5,
        sharedKey: new Uint8Array(32),
        registeredAtMs: 1,
      }],
      [CLIENT_DATABASE_RECORDS.gatewayRegistration, {
        version: 1,
        gatewayIdentity: [1, 2, 3],
        gatewayUrl: "ws://x/",
        sharedKey: new Uint8Array(32),
        registeredAtMs: 1,
      }],
      [CLIENT_DATABASE_RECORDS.replyState, { not: "a string" }],
    ] as const;
    for (const [key, value] of bad) {
      await writeRaw(indexedDB, "alice", key, value);
      const load = key === CLIENT_DATABASE_RECORDS.keys
        ? () => storage.loadKeys()
        : key === CLIENT_DATABASE_RECORDS.gatewayRegistration
        ? () => storage.loadGatewayRegistration()
        : () => storage.loadReplyState();
      await assertRejects(load, ClientStorageError, `the "${key}" record in "alice" is corrupt`);
    }
  } finally {
    storage.close();
  }
});

Deno.test("indexeddb store: deleting the database while it is open forgets the client", async () => {
  const indexedDB: IdbFactory = new IDBFactory();
  const storage = new IndexedDbClientStorage({ name: "alice", indexedDB });
  try {
    await storage.storeKeys(keys);
    // The open connection closes on `versionchange`, so the deletion is not blocked.
    await IndexedDbClientStorage.delete("alice", indexedDB);
    assertEquals(await storage.loadKeys(), null, "the store reopened an empty database");
    await storage.storeKeys(keys);
    assert((await storage.loadKeys()) !== null);
  } finally {
    storage.close();
  }
});

Deno.test("indexeddb store: a missing IndexedDB is a clear error", async () => {
  // Deno has no indexedDB global: this is the case of a browser without IndexedDB.
  assertEquals((globalThis as { indexedDB?: unknown }).indexedDB, undefined);
  const storage = new IndexedDbClientStorage();
  await assertRejects(() => storage.loadKeys(), ClientStorageError, "IndexedDB is not available");
  await assertRejects(
    () => IndexedDbClientStorage.delete("x"),
    ClientStorageError,
    "IndexedDB is not available",
  );
});
