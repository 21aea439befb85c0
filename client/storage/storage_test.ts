import { assertEquals, assertRejects } from "../../testing/asserts.ts";
import { createCryptoProvider, decodePem, seededRandom } from "../../crypto/mod.ts";
import { ClientStorageError } from "../errors.ts";
import { generateClientKeys, validateClientKeys } from "../keys.ts";
import { CLIENT_DATA_FILES, CLIENT_PEM_TAGS, FileClientStorage } from "./file.ts";
import { type ClientStorage, MemoryClientStorage } from "./storage.ts";

const crypto = createCryptoProvider();
const keys = generateClientKeys(crypto, seededRandom(new Uint8Array(32).fill(1)));
const registration = {
  gatewayIdentity: new Uint8Array(32).fill(9),
  gatewayUrl: "ws://127.0.0.1:9000/",
  sharedKey: new Uint8Array(32).fill(4),
  registeredAtMs: 1234,
};

async function roundTrip(storage: ClientStorage): Promise<void> {
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
  await storage.removeGatewayRegistration();
  assertEquals(await storage.loadGatewayRegistration(), null);
}

Deno.test("storage: memory store round-trips and copies", async () => {
  const storage = new MemoryClientStorage();
  await roundTrip(storage);
  const copy = (await storage.loadKeys())!;
  copy.ackKey.fill(0);
  assertEquals((await storage.loadKeys())!.ackKey, keys.ackKey);
});

Deno.test("storage: file store uses the native client's PEM files and never replaces keys", async () => {
  const dir = await Deno.makeTempDir({ prefix: "client-storage-" });
  try {
    const storage = new FileClientStorage(dir);
    await roundTrip(storage);
    const pem = decodePem(await Deno.readTextFile(`${dir}/${CLIENT_DATA_FILES.ackKey}`));
    assertEquals(pem.tag, CLIENT_PEM_TAGS.ackKey);
    assertEquals(pem.bytes, keys.ackKey);
    assertEquals(
      (await Deno.stat(`${dir}/${CLIENT_DATA_FILES.privateIdentity}`)).mode! & 0o777,
      0o600,
    );
    await assertRejects(() => storage.storeKeys(keys), ClientStorageError, "refusing to replace");
    // A corrupt or missing key file is an error naming it, not a reason to make new keys.
    await Deno.writeTextFile(`${dir}/${CLIENT_DATA_FILES.publicEncryption}`, "garbage");
    await assertRejects(
      () => storage.loadKeys(),
      ClientStorageError,
      CLIENT_DATA_FILES.publicEncryption,
    );
    await Deno.remove(`${dir}/${CLIENT_DATA_FILES.publicEncryption}`);
    await assertRejects(
      () => storage.loadKeys(),
      ClientStorageError,
      "only some of the client's key files",
    );
    await Deno.writeTextFile(`${dir}/${CLIENT_DATA_FILES.gatewayRegistration}`, "{}");
    await assertRejects(() => storage.loadGatewayRegistration(), ClientStorageError, "is corrupt");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
