/**
 * The wasm peer's `storageFile` over the simulated network: the real wasm client 1.4.1, killed
 * and started again from its file, is the same client (same address), authenticates with its
 * gateway instead of registering again, and receives what was sent to it while it was away.
 */
import { assert, assertEquals, assertRejects } from "../../testing/asserts.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { FakeNetwork, utf8 } from "./fake_network.ts";
import { WasmPeer } from "./wasm_peer_process.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

Deno.test({
  name: "wasm peer: a restart from its storage file is the same client and gets its mail",
  // The wasm client runs in a child process that the test kills; its pipes close asynchronously.
  sanitizeResources: false,
}, async () => {
  const net = await FakeNetwork.start({ crypto: createCryptoProvider() });
  const dir = await Deno.makeTempDir({ prefix: "wasm-peer-storage-" });
  const storageFile = `${dir}/peer.json`;
  const gateway = net.gateways[0].identityText;
  let peer: WasmPeer | null = null;
  let sender: WasmPeer | null = null;
  try {
    peer = await WasmPeer.start(net.nymApiUrl, { gateway, storageFile });
    const authenticatedBy = Date.now();
    assertEquals(peer.restored, false);
    assertEquals([net.counters.registrations, net.counters.authentications], [1, 1]);
    const { address, clientId } = peer;
    const file = JSON.parse(await Deno.readTextFile(storageFile));
    assertEquals([file.clientId, file.address, file.gateway], [clientId, address, gateway]);
    const names = file.indexedDb.databases.map((d: { name: string }) => d.name);
    assertEquals(names, [`wasm-client-storage-${clientId}`], "the client's database is kept");
    await peer.persist();
    await peer.close();
    peer = null;

    sender = await WasmPeer.start(net.nymApiUrl, { gateway });
    const sent = ["one", "two", "three"];
    for (const m of sent) await sender.send(address, utf8(m));
    await until(() => net.counters.stored >= sent.length, "the messages to be stored");
    // authenticateV2 timestamps are whole seconds and must increase (wasm-client.md §3.3).
    await new Promise((r) => setTimeout(r, Math.max(0, authenticatedBy + 1000 - Date.now())));

    const registrations = net.counters.registrations;
    const authentications = net.counters.authentications;
    peer = await WasmPeer.start(net.nymApiUrl, { storageFile }); // gateway comes from the file
    assertEquals(peer.restored, true);
    assertEquals([peer.address, peer.clientId], [address, clientId]);
    assertEquals(net.counters.registrations, registrations, "no new registration");
    assertEquals(net.counters.authentications, authentications + 1, "one authentication");
    assert(!peer.log.some((l) => l.includes("no prior keys found")), "keys came from the file");
    const received = new Set<string>();
    for (let i = 0; i < sent.length; i++) received.add(text((await peer.nextMessage()).data));
    assertEquals(received, new Set(sent));
    // It still works as a client: a message to itself and one back to the sender.
    await peer.send(address, utf8("to myself"));
    assertEquals(text((await peer.nextMessage()).data), "to myself");
    await peer.send(sender.address, utf8("back"));
    assertEquals(text((await sender.nextMessage()).data), "back");
  } finally {
    await peer?.close();
    await sender?.close();
    await net.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test({
  name: "wasm peer: a storage file that is not one is refused before the client starts",
  sanitizeResources: false,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "wasm-peer-storage-" });
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, JSON.stringify({ format: "something else" }));
    // No network is needed: the file is checked before the client contacts anything.
    await assertRejects(
      () => WasmPeer.start("http://127.0.0.1:9/", { storageFile: `${dir}/bad.json` }),
      Error,
      "is not a wasm peer storage file",
    );
    await assertRejects(
      () => WasmPeer.start("http://127.0.0.1:9/", { storageFile: `${dir}/a,b.json` }),
      Error,
      "comma",
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
