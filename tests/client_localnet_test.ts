/**
 * The client against a localnet of our own node processes (`nym-node localnet`: directory, 6
 * mix nodes in 3 layers, entry and exit gateway), one localnet for the whole file to keep it
 * short: our client to itself; to the real wasm client and back, with an anonymous reply from
 * each side; a transfer that survives a dead mix node; and `nym-node client run`
 * serving several applications at once.
 */
import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider } from "../crypto/mod.ts";
import {
  formatSenderTag,
  mergeOverrides,
  MixnetClient,
  noCoverOverrides,
  type ReceivedMessage,
} from "../client/mod.ts";
import { decodeBinaryResponse } from "../client/native/codec.ts";
import { startLocalnet } from "../client/testing/localnet.ts";
import { WasmPeer } from "../client/testing/wasm_peer_process.ts";
import { DAEMON_PERMISSIONS } from "./support/node_process.ts";

const crypto = createCryptoProvider();
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function take(messages: ReceivedMessage[], kind: ReceivedMessage["kind"], timeoutMs = 30_000) {
  return until(() => messages.some((m) => m.kind === kind), timeoutMs, `a ${kind} message`).then(
    () => messages.splice(messages.findIndex((m) => m.kind === kind), 1)[0],
  );
}

Deno.test({
  name: "client on a localnet: self, wasm client both ways, a dead mix node, native API",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const net = await startLocalnet({ mixnodes: 6 });
  const nymApiUrls = [net.info.nymApi];
  const entry = net.info.gateways.find((g) => !g.exit)!;
  const config = mergeOverrides(noCoverOverrides(), {
    traffic: { averagePacketDelayMs: 0 },
    acknowledgements: { averageAckDelayMs: 0, ackWaitAdditionMs: 1000 },
  });
  const client = await MixnetClient.start({ nymApiUrls, crypto, gateway: entry.identity, config })
    .catch((e) => {
      throw new Error(`${e.message}\nlocalnet output:\n${net.output().slice(-3000)}`);
    });
  const received: ReceivedMessage[] = [];
  client.on("message", (m) => received.push(m));
  try {
    await t.step("our client sends a 100 KB message to itself", async () => {
      const message = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
      client.send(client.address, message);
      assertEquals((await take(received, "plain")).message, message);
      await until(() => client.stats().pendingAcks === 0, 20_000, "acks");
    });

    await t.step("to the real wasm client and back, anonymous replies from each side", async () => {
      const peer = await WasmPeer.start(net.info.nymApi, { gateway: entry.identity });
      try {
        client.send(peer.address, utf8("hello wasm"));
        assertEquals(text((await peer.nextMessage()).data), "hello wasm");
        client.sendAnonymous(peer.address, utf8("anonymous to wasm"), 10);
        const anonymous = await peer.nextMessage();
        assertEquals(anonymous.senderTag, formatSenderTag(client.senderTagFor(peer.address)!));
        await peer.reply(anonymous.senderTag!, utf8("wasm replies"));
        assertEquals(text((await take(received, "reply")).message), "wasm replies");
        await peer.sendAnonymous(client.addressText, utf8("anonymous from wasm"), 10);
        const fromWasm = await take(received, "anonymous");
        client.reply(fromWasm.senderTag!, utf8("we reply"));
        assertEquals(text((await peer.nextMessage()).data), "we reply");
      } finally {
        await peer.close();
      }
    });

    await t.step("retransmission recovers from a mix node killed mid-transfer", async () => {
      // A paced sender (one packet per ~30 ms) makes the 150 KB transfer last about two
      // seconds, so the kill after the first acks lands while most packets are still to be
      // sent; about half of those are routed through the dead layer-2 node until the
      // directory drops it, and must be resent.
      const sender = await MixnetClient.start({
        nymApiUrls,
        crypto,
        gateway: entry.identity,
        config: mergeOverrides(config, {
          traffic: {
            messageSendingAverageDelayMs: 30,
            disableMainPoissonPacketDistribution: false,
          },
        }),
      });
      try {
        const message = new Uint8Array(150_000).map((_, i) => (i * 13) & 0xff);
        sender.send(client.address, message);
        await until(() => sender.stats().acksReceived >= 10, 20_000, "first acks");
        const victim = net.info.mixnodes.find((m) => m.layer === 2)!;
        await net.kill(await net.nameOf(victim.identity));
        assert(sender.stats().queueLength > 20, "the kill landed mid-transfer");
        assertEquals((await take(received, "plain", 90_000)).message, message);
        assert(sender.stats().retransmissions > 0, "lost packets were resent");
      } finally {
        await sender.stop();
      }
    });

    await t.step("`nym-node client run` serves several applications at once", async () => {
      const home = await Deno.makeTempDir({ prefix: "client-run-" });
      const env = { NYM_CLIENTS_HOME: home, NO_COLOR: "1" };
      const init = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...DAEMON_PERMISSIONS,
          MAIN,
          "client",
          "init",
          "--id",
          "app",
          "--nym-api-urls",
          net.info.nymApi,
          "--gateway",
          entry.identity,
        ],
        env,
      }).output();
      assertEquals(init.code, 0, new TextDecoder().decode(init.stderr));
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...DAEMON_PERMISSIONS,
          MAIN,
          "client",
          "run",
          "--id",
          "app",
          "--port",
          "0",
          "--low-latency",
          "--ready-file",
          `${home}/ready.json`,
        ],
        env,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      try {
        let ready: { address: string; websocket: string } | undefined;
        await until(
          () => {
            try {
              ready = JSON.parse(Deno.readTextFileSync(`${home}/ready.json`));
            } catch { /* not yet */ }
            return ready !== undefined;
          },
          60_000,
          "the native client",
        );
        const sockets = [new WebSocket(ready!.websocket), new WebSocket(ready!.websocket)];
        const frames: (string | ArrayBuffer)[][] = [[], []];
        sockets.forEach((s, i) => {
          s.binaryType = "arraybuffer";
          s.onmessage = (e) => frames[i].push(e.data);
        });
        await Promise.all(sockets.map((s) => new Promise((r) => (s.onopen = r))));
        sockets[0].send(
          JSON.stringify({ type: "send", recipient: ready!.address, message: "to both apps" }),
        );
        await until(() => frames.every((f) => f.length > 0), 30_000, "delivery to both apps");
        // The sender made a text request, so it gets text; the other app has made none, so it
        // gets upstream's default, binary.
        assertEquals(JSON.parse(frames[0][0] as string), {
          type: "received",
          message: "to both apps",
          senderTag: null,
        });
        const binary = decodeBinaryResponse(new Uint8Array(frames[1][0] as ArrayBuffer));
        assert(binary.type === "received" && text(binary.message) === "to both apps");
        sockets[1].send("not json");
        await until(() => frames[1].length > 1, 10_000, "an error");
        assertEquals(JSON.parse(frames[1][1] as string).type, "error");
        await Promise.all(sockets.map((s) => {
          const closed = new Promise((r) => (s.onclose = r));
          s.close();
          return closed;
        }));
      } finally {
        child.kill("SIGTERM");
        await child.status;
        await child.stderr.cancel();
        await Deno.remove(home, { recursive: true });
      }
    });
  } finally {
    await client.stop();
    await net.stop();
  }
});
