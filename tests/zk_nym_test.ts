/**
 * zk-nyms end to end over real processes: `nym-node localnet --credentials` (directory, 3 mix
 * nodes, entry and exit gateway enforcing zk-nyms, and 3 `nym-node signer` processes with a
 * 2-of-3 key). Over the gateways' real WebSocket listeners:
 * - a client without tickets is refused bandwidth with a clear `BandwidthError`;
 * - a client with signer URLs obtains a ticketbook, spends a ticket and sends to itself, and
 *   the gateway keeps its spent tickets in `<data dir>/tickets.sqlite`;
 * - a ticket sent twice on a raw protocol session (`gateway/protocol/` client code) is refused
 *   the second time as `ticket_replay`;
 * - with one signer killed, `nym-node client run` in credentials mode still obtains a ticketbook
 *   (t of n), stored in its data directory.
 * Also: `enforce_zk_nyms` without signer URLs is a one-line start-up error.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../testing/asserts.ts";
import {
  createCryptoProvider,
  decodeBase58,
  generateEd25519KeyPair,
  systemRandom,
} from "../crypto/mod.ts";
import {
  BandwidthError,
  MemoryTicketbookStore,
  mergeOverrides,
  MixnetClient,
  noCoverOverrides,
  type ReceivedMessage,
} from "../client/mod.ts";
import { WebSocketChannel } from "../client/gateway/socket.ts";
import { startLocalnet } from "../client/testing/localnet.ts";
import {
  ClientHandshake,
  clientProposedVersion,
  MIXNET_ENTRY_TICKET_BANDWIDTH,
  ONLY_ZK_NYMS_MESSAGE,
  parseServerResponse,
  randomNonce,
  sealWithSharedKey,
  serializeClientControlRequest,
  type ServerResponse,
} from "../gateway/protocol/mod.ts";
import { discoverSigners, TicketbookWallet } from "../credentials/client/mod.ts";
import { DAEMON_PERMISSIONS, runNymNode } from "./support/node_process.ts";

const crypto = createCryptoProvider();
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const utf8 = (s: string) => new TextEncoder().encode(s);
const TIMEOUT_MS = 10_000;

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A raw, registered session: the registration socket stays authenticated (`nym-node.md` §4.4). */
async function registeredSession(
  url: string,
  gatewayIdentity: Uint8Array,
): Promise<{ channel: WebSocketChannel; sharedKey: Uint8Array }> {
  const channel = await WebSocketChannel.open(url, { timeoutMs: TIMEOUT_MS });
  const next = async () => parseServerResponse(await channel.nextText(TIMEOUT_MS));
  channel.sendText(serializeClientControlRequest({ type: "supportedProtocol" }));
  const supported = await next();
  assert(supported.type === "supportedProtocol", JSON.stringify(supported));
  const handshake = new ClientHandshake({
    identity: generateEd25519KeyPair(systemRandom),
    gatewayIdentity,
    crypto,
    random: systemRandom,
    protocolVersion: clientProposedVersion(supported.version),
  });
  channel.sendText(handshake.start());
  let sharedKey: Uint8Array | undefined;
  while (sharedKey === undefined) {
    const step = handshake.receive(await channel.nextText(TIMEOUT_MS));
    if (step.kind === "send") channel.sendText(step.message);
    else if (step.kind === "complete") {
      if (step.message !== undefined) channel.sendText(step.message);
      sharedKey = step.result.sharedKey;
    }
  }
  for (;;) {
    const reply = await next();
    if (reply.type === "register") {
      assert(reply.status, "registered");
      return { channel, sharedKey };
    }
  }
}

Deno.test({
  name: "zk-nyms on a localnet: refused without tickets, works with them, replays refused, t of n",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const home = await Deno.makeTempDir({ prefix: "zk-nym-test-" });
  // The config check runs while the localnet starts.
  const [net, misconfigured] = await Promise.all([
    startLocalnet({ mixnodes: 3, args: ["--credentials"] }),
    runNymNode([
      "run",
      "--mode",
      "entry-gateway",
      "--local",
      "--enforce-zk-nyms",
      "true",
      "--init-only",
      "--accept-operator-terms-and-conditions",
    ], { NYMNODE_HOME: `${home}/node` }),
  ]);
  const nymApiUrls = [net.info.nymApi];
  const entry = net.info.gateways.find((g) => !g.exit)!;
  const entryIdentity = decodeBase58(entry.identity, 32);
  const signerUrls = net.info.signers ?? [];
  const config = mergeOverrides(noCoverOverrides(), {
    traffic: { averagePacketDelayMs: 0 },
    acknowledgements: { averageAckDelayMs: 0, ackWaitAdditionMs: 1000 },
  });
  const store = new MemoryTicketbookStore();
  try {
    await t.step("enforce_zk_nyms without signer URLs fails at start with one line", () => {
      assertEquals(misconfigured.code, 1);
      const lines = misconfigured.stderr.trim().split("\n");
      const error = lines[lines.length - 1];
      assert(error.startsWith("error: "), misconfigured.stderr);
      assertStringIncludes(error, "gateway_tasks.zk_nyms.signer_urls");
      assertStringIncludes(error, "--ecash-signer-urls");
    });

    await t.step("the localnet lists 3 signers with threshold 2", async () => {
      assertEquals(signerUrls.length, 3, net.output().slice(-3000));
      const set = await discoverSigners(signerUrls);
      assertEquals([set.threshold, set.signers.length], [2, 3]);
    });

    await t.step("a client without tickets is refused bandwidth with a clear error", async () => {
      const error = await assertRejects(
        () => MixnetClient.start({ nymApiUrls, crypto, gateway: entry.identity, config }),
        BandwidthError,
      );
      assertStringIncludes(error.message, "accepts only zk-nym tickets");
      assertStringIncludes(error.message, ONLY_ZK_NYMS_MESSAGE);
      assertStringIncludes(error.message, "signer");
    });

    await t.step("with tickets from the signers a client sends a message to itself", async () => {
      const client = await MixnetClient.start({
        nymApiUrls,
        crypto,
        gateway: entry.identity,
        config,
        credentials: { signerUrls, store },
      });
      try {
        const stats = client.stats();
        assertEquals([stats.ticketbooksObtained, stats.ticketsSpent], [1, 1]);
        assertEquals(stats.gatewayBandwidth, MIXNET_ENTRY_TICKET_BANDWIDTH);
        assertEquals(await client.ticketsRemaining(), 49);
        const received: ReceivedMessage[] = [];
        client.on("message", (m) => received.push(m));
        client.send(client.address, utf8("paid for with a zk-nym"));
        await until(() => received.length > 0, 30_000, "the message");
        assertEquals(new TextDecoder().decode(received[0].message), "paid for with a zk-nym");
        await until(() => client.stats().pendingAcks === 0, 20_000, "its ack");
        assert(client.stats().gatewayBandwidth < MIXNET_ENTRY_TICKET_BANDWIDTH, "bytes charged");
      } finally {
        await client.stop();
      }
      const db = await Deno.stat(`${net.dir}/entry/data/tickets.sqlite`);
      assert(db.isFile, "the spent ticket is stored in the gateway's data directory");
    });

    await t.step("a ticket sent twice is refused the second time (ticket_replay)", async () => {
      const wallet = new TicketbookWallet({ store });
      const { channel, sharedKey } = await registeredSession(entry.clientsWs, entryIdentity);
      try {
        const spend = async (credential: Uint8Array): Promise<ServerResponse> => {
          const nonce = randomNonce(systemRandom);
          channel.sendText(serializeClientControlRequest({
            type: "ecashCredential",
            encCredential: sealWithSharedKey(sharedKey, nonce, credential),
            nonce,
          }));
          return parseServerResponse(await channel.nextText(TIMEOUT_MS));
        };
        const ticket = await wallet.nextCredential(entryIdentity);
        assertEquals(await spend(ticket), {
          type: "bandwidth",
          availableTotal: MIXNET_ENTRY_TICKET_BANDWIDTH,
          upgradeMode: false,
        });
        const replay = await spend(ticket);
        assert(
          replay.type === "typedError" && replay.error.kind === "ticket_replay",
          JSON.stringify(replay),
        );
        // The session is fine: a fresh ticket still counts.
        assertEquals(await spend(await wallet.nextCredential(entryIdentity)), {
          type: "bandwidth",
          availableTotal: 2 * MIXNET_ENTRY_TICKET_BANDWIDTH,
          upgradeMode: false,
        });
      } finally {
        channel.close();
      }
    });

    await t.step(
      "one signer killed: `nym-node client` still obtains tickets (2 of 3)",
      async () => {
        await net.kill("signer-2");
        const env = { NYM_CLIENTS_HOME: `${home}/clients`, NO_COLOR: "1" };
        const init = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            ...DAEMON_PERMISSIONS,
            MAIN,
            "client",
            "init",
            "--id",
            "payer",
            "--nym-api-urls",
            net.info.nymApi,
            "--gateway",
            entry.identity,
            "--ecash-signer-urls",
            signerUrls.join(","),
          ],
          env,
        }).output();
        assertEquals(init.code, 0, new TextDecoder().decode(init.stderr));
        const ready = `${home}/payer-ready.json`;
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            ...DAEMON_PERMISSIONS,
            MAIN,
            "client",
            "run",
            "--id",
            "payer",
            "--port",
            "0",
            "--no-cover",
            "--ready-file",
            ready,
          ],
          env,
          stdin: "null",
          stdout: "null",
          stderr: "piped",
        }).spawn();
        const stderr = new Response(child.stderr).text();
        let exited = false;
        const status = child.status.finally(() => exited = true);
        try {
          await until(
            () => {
              try {
                Deno.statSync(ready);
                return true;
              } catch {
                if (exited) throw new Error("the client exited");
                return false;
              }
            },
            60_000,
            "the native client",
          ).catch(async (e) => {
            if (!exited) child.kill("SIGKILL");
            throw new Error(`${e.message}:\n${await stderr}`);
          });
          const dir = `${home}/clients/payer/data/ticketbooks`;
          const books = [...Deno.readDirSync(dir)].filter((e) =>
            e.name.endsWith(".ticketbook.json")
          );
          assertEquals(books.length, 1);
          assertEquals(Deno.statSync(`${dir}/${books[0].name}`).mode! & 0o777, 0o600);
          const set = await discoverSigners(signerUrls);
          assertEquals(set.signers.map((s) => s.index), [1, 3]);
        } finally {
          if (!exited) child.kill("SIGTERM");
          assertEquals((await status).code, 0, await stderr);
        }
        assertStringIncludes(await stderr, "obtained a zk-nym ticketbook from the signers");
      },
    );
  } finally {
    await net.stop();
    await Deno.remove(home, { recursive: true });
  }
});
