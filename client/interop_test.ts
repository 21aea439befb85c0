/**
 * Interoperability with the real Nym wasm client (`@nymproject/nym-client-wasm-node@1.4.1`, run
 * as its own process by `testing/wasm_peer.ts`) over the simulated network, whose gateways speak
 * the real gateway protocol and whose nodes peel every Sphinx layer: messages both ways, and an
 * anonymous message answered through reply SURBs from each side (which also exercises the SURB
 * request / additional-SURBs exchange, since 5 SURBs are below the reserve of 10).
 */
import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider } from "../crypto/mod.ts";
import { FakeNetwork, utf8 } from "./testing/fake_network.ts";
import { WasmPeer } from "./testing/wasm_peer_process.ts";
import {
  formatSenderTag,
  mergeOverrides,
  MixnetClient,
  noCoverOverrides,
  type ReceivedMessage,
} from "./mod.ts";

const crypto = createCryptoProvider();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function next(
  messages: ReceivedMessage[],
  kind: ReceivedMessage["kind"],
): Promise<ReceivedMessage> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const index = messages.findIndex((m) => m.kind === kind);
    if (index >= 0) return messages.splice(index, 1)[0];
    if (Date.now() > deadline) throw new Error(`no ${kind} message arrived`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

Deno.test({
  name: "interop: our client and the real wasm client exchange messages and anonymous replies",
  // The wasm client runs in a child process that the test kills; its pipes close asynchronously.
  sanitizeResources: false,
}, async () => {
  const net = await FakeNetwork.start({ crypto, gateways: 2 });
  const peer = await WasmPeer.start(net.nymApiUrl, { gateway: net.gateways[0].identityText });
  const ours = await MixnetClient.start({
    nymApiUrls: [net.nymApiUrl],
    crypto,
    gateway: net.gateways[1].identityText,
    config: mergeOverrides(noCoverOverrides(), {
      traffic: { averagePacketDelayMs: 0 },
      acknowledgements: { averageAckDelayMs: 0 },
    }),
  });
  try {
    const received: ReceivedMessage[] = [];
    ours.on("message", (m) => received.push(m));

    // Ours → wasm, plain; multi-packet to exercise the wasm client's reassembly.
    const big = new Uint8Array(6000).map((_, i) => 0x41 + (i % 26));
    ours.send(peer.address, big);
    assertEquals((await peer.nextMessage()).data, big);

    // Ours → wasm anonymously; the wasm client replies through our SURBs.
    ours.sendAnonymous(peer.address, utf8("anonymous hello"), 5);
    const anonymous = await peer.nextMessage();
    assertEquals(text(anonymous.data), "anonymous hello");
    assertEquals(anonymous.senderTag, formatSenderTag(ours.senderTagFor(peer.address)!));
    await peer.reply(anonymous.senderTag!, utf8("reply from wasm"));
    const reply = await next(received, "reply");
    assertEquals(text(reply.message), "reply from wasm");
    assertEquals(reply.senderTag, null);

    // Wasm → ours, plain and anonymous; we reply through the wasm client's SURBs.
    await peer.send(ours.addressText, utf8("plain from wasm"));
    assertEquals(text((await next(received, "plain")).message), "plain from wasm");
    await peer.sendAnonymous(ours.addressText, utf8("anonymous from wasm"), 5);
    const fromWasm = await next(received, "anonymous");
    assertEquals(text(fromWasm.message), "anonymous from wasm");
    assert(fromWasm.senderTag !== null);
    ours.reply(fromWasm.senderTag, utf8("our reply"));
    assertEquals(text((await peer.nextMessage()).data), "our reply");

    const s = ours.stats();
    assert(s.surbRequestsSent >= 1, "we asked the wasm client for more SURBs");
    assertEquals(s.malformedPacketsReceived, 0);
    assertEquals(net.counters.errors, 0);
  } finally {
    await ours.stop();
    await peer.close();
    await net.stop();
  }
});
