import { assertEquals } from "../../testing/asserts.ts";
import { openGatewayDatabase } from "./database.ts";
import { ClientStore } from "./clients.ts";

Deno.test("register, re-register (keeps bandwidth), authenticate timestamps, forget", () => {
  const db = openGatewayDatabase(":memory:");
  const store = new ClientStore(db);
  assertEquals(store.get("alice"), null);
  const id = store.register("alice", new Uint8Array(32).fill(1));
  assertEquals(store.get("alice"), {
    id,
    address: "alice",
    sharedKey: new Uint8Array(32).fill(1),
    lastAuthentication: null,
  });
  assertEquals(store.bandwidth(id), { available: 0, expiration: null });
  store.setBandwidth(id, { available: 64 * 1024 ** 3, expiration: 123 });
  const again = store.register("alice", new Uint8Array(32).fill(2));
  assertEquals(again, id);
  assertEquals(store.get("alice")!.sharedKey, new Uint8Array(32).fill(2));
  assertEquals(store.bandwidth(id), { available: 64 * 1024 ** 3, expiration: 123 });
  store.setLastAuthentication("alice", 1_700_000_000);
  assertEquals(store.get("alice")!.lastAuthentication, 1_700_000_000);
  assertEquals(store.remove("alice"), true);
  assertEquals(store.get("alice"), null);
  assertEquals(store.bandwidth(id), { available: 0, expiration: null });
  assertEquals(store.remove("alice"), false);
  db.close();
});
