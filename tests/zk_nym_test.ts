/**
 * zk-nyms end to end, as far as the pieces exist today: `nym-node signer keygen` deals 2-of-3
 * keys, three `nym-node signer run` processes serve them on ephemeral loopback ports, the client
 * library obtains ticketbooks from them (also with one signer stopped), and a gateway session
 * with `enforce_zk_nyms` on — driven over an in-memory socket by the client-side protocol code —
 * uses our `ZkNymTicketVerifier`: no bandwidth without a ticket, 200 MB for one, a replay refused.
 *
 * Still to wire (README, "zk-nyms"): the gateway service creating the verifier, the WebSocket
 * listener in front of the session, the client core spending tickets, and `localnet
 * --credentials` starting the signers.
 */
import { assert, assertEquals, assertStringIncludes } from "../testing/asserts.ts";
import { getLogger } from "@logtape/logtape";
import {
  createCryptoProvider,
  generateEd25519KeyPair,
  type RandomSource,
  seededRandom,
} from "../crypto/mod.ts";
import { systemClock } from "../util/clock.ts";
import type { MixPacket } from "../framing/mod.ts";
import {
  BinaryRequestKind,
  ClientHandshake,
  encodeClientBinaryRequest,
  ONLY_ZK_NYMS_MESSAGE,
  parseServerResponse,
  randomNonce,
  sealWithSharedKey,
  serializeClientControlRequest,
  type ServerResponse,
} from "../gateway/protocol/mod.ts";
import { ActiveClients } from "../gateway/active_clients.ts";
import { BandwidthLedger } from "../gateway/bandwidth_ledger.ts";
import { MailboxWriter } from "../gateway/mailbox_writer.ts";
import { openGatewayDatabase } from "../gateway/storage/database.ts";
import { ClientStore } from "../gateway/storage/clients.ts";
import { Mailbox } from "../gateway/storage/mailbox.ts";
import { DEFAULT_SESSION_LIMITS, runClientSession, type SessionDeps } from "../gateway/session.ts";
import type { ClientSocket, IncomingMessage } from "../gateway/socket.ts";
import { TicketType } from "../credentials/ticket_type.ts";
import {
  discoverSigners,
  MemoryTicketbookStore,
  obtainTicketbook,
  TicketbookWallet,
} from "../credentials/client/mod.ts";
import { createTicketVerifier } from "../credentials/gateway/mod.ts";
import { DAEMON_PERMISSIONS, runNymNode } from "./support/node_process.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const crypto = createCryptoProvider();

interface SignerProcess {
  readonly url: string;
  stop(): Promise<{ code: number; stderr: string }>;
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!key.startsWith("NYMNODE_")) env[key] = value;
  }
  return env;
}

async function startSigner(home: string): Promise<SignerProcess> {
  const readyFile = `${home}/ready.json`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...DAEMON_PERMISSIONS,
      MAIN,
      "signer",
      "run",
      "--home",
      home,
      "--ready-file",
      readyFile,
    ],
    env: cleanEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      const ready = JSON.parse(await Deno.readTextFile(readyFile));
      return {
        url: ready.url,
        async stop() {
          if (!exited) child.kill("SIGTERM");
          return { code: (await status).code, stderr: await stderr };
        },
      };
    } catch {
      if (exited || performance.now() > deadline) {
        if (!exited) child.kill("SIGKILL");
        await status;
        throw new Error(`signer did not start:\n${await stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** An in-memory socket: the test plays the client. */
class MemorySocket implements ClientSocket {
  readonly remoteAddress = "127.0.0.1:5555";
  readonly outgoing: (string | Uint8Array)[] = [];
  closeCode: number | null = null;
  bufferedAmount = 0;
  #waiters: (() => void)[] = [];
  #incoming: IncomingMessage[] = [];
  #readers: ((r: IteratorResult<IncomingMessage>) => void)[] = [];
  #closedResolve!: () => void;
  readonly closed = new Promise<void>((r) => this.#closedResolve = r);

  sendText(text: string): Promise<void> {
    return this.#push(text);
  }
  sendBinary(data: Uint8Array): Promise<void> {
    return this.#push(data);
  }
  #push(item: string | Uint8Array): Promise<void> {
    if (this.closeCode !== null) return Promise.reject(new Error("closed"));
    this.outgoing.push(item);
    for (const w of this.#waiters.splice(0)) w();
    return Promise.resolve();
  }
  ping(): Promise<boolean> {
    return Promise.resolve(this.closeCode === null);
  }
  close(code: number): void {
    if (this.closeCode !== null) return;
    this.closeCode = code;
    this.#closedResolve();
    for (const r of this.#readers.splice(0)) r({ done: true, value: undefined });
    for (const w of this.#waiters.splice(0)) w();
  }
  send(message: IncomingMessage): void {
    const reader = this.#readers.shift();
    if (reader) reader({ done: false, value: message });
    else this.#incoming.push(message);
  }
  messages(): AsyncIterator<IncomingMessage> {
    return {
      next: () => {
        const m = this.#incoming.shift();
        if (m) return Promise.resolve({ done: false, value: m });
        if (this.closeCode !== null) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => this.#readers.push(resolve));
      },
    };
  }
  async nextText(): Promise<ServerResponse> {
    while (this.outgoing.length === 0) {
      if (this.closeCode !== null) throw new Error(`closed with ${this.closeCode}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    const m = this.outgoing.shift()!;
    assert(typeof m === "string", "expected a text frame");
    return parseServerResponse(m);
  }
}

function mixPacket(rng: RandomSource): MixPacket {
  return {
    nextHop: { ip: "127.0.0.1", port: 1789 },
    packetType: 0,
    keyRotation: 0,
    packet: rng(2413),
  };
}

Deno.test("zk-nyms: 2-of-3 signer processes issue, a gateway enforcing zk-nyms credits tickets and refuses replays", async (t) => {
  const dir = await Deno.makeTempDir();
  const signers: SignerProcess[] = [];
  try {
    const keygen = await runNymNode(
      ["signer", "keygen", "--threshold", "2", "--signers", "3", "--out", `${dir}/keys`],
      {},
    );
    assertEquals(keygen.code, 0, keygen.stderr);
    assertStringIncludes(keygen.stdout, "dealt 3 key shares (threshold 2, epoch 1)");
    const again = await runNymNode(
      ["signer", "keygen", "--threshold", "2", "--signers", "3", "--out", `${dir}/keys`],
      {},
    );
    assertEquals(again.code, 1);
    assertStringIncludes(again.stderr, "refusing to overwrite keys");
    for (const i of [1, 2, 3]) {
      const init = await runNymNode([
        "signer",
        "init",
        "--home",
        `${dir}/signer-${i}`,
        "--key-file",
        `${dir}/keys/signer-${i}.json`,
        "--bind-address",
        "127.0.0.1:0",
      ], {});
      assertEquals(init.code, 0, init.stderr);
    }
    for (const i of [1, 2, 3]) signers.push(await startSigner(`${dir}/signer-${i}`));
    const urls = signers.map((s) => s.url);

    const wallet = new TicketbookWallet({ store: new MemoryTicketbookStore() });
    await t.step("a client obtains a ticketbook from the three signers", async () => {
      const set = await discoverSigners(urls);
      assertEquals(set.signers.length, 3);
      await wallet.add(await obtainTicketbook(set, { ticketType: TicketType.V1MixnetEntry }));
      assertEquals(await wallet.remaining(), 50);
    });

    await t.step("with one signer stopped the other two still issue", async () => {
      const stopped = await signers[1].stop();
      assertEquals(stopped.code, 0, stopped.stderr);
      const set = await discoverSigners(urls);
      assertEquals(set.signers.map((s) => s.index), [1, 3]);
      await wallet.add(await obtainTicketbook(set, { ticketType: TicketType.V1MixnetEntry }));
      assertEquals(await wallet.remaining(), 100);
    });

    await t.step(
      "a gateway with enforce_zk_nyms refuses, then credits, then refuses a replay",
      async () => {
        const rng = seededRandom(new Uint8Array(32).fill(77));
        const identity = generateEd25519KeyPair(rng);
        const db = openGatewayDatabase(":memory:");
        const verifier = createTicketVerifier({
          signerUrls: urls,
          databasePath: `${dir}/tickets.sqlite`,
          gatewayIdentity: identity.publicKey,
        });
        const mailbox = new Mailbox(db, systemClock, {
          maxMessagesPerClient: 100,
          maxMessageSize: 10_000,
        });
        const clients = new ClientStore(db);
        const forwarded: MixPacket[] = [];
        const deps: SessionDeps = {
          identity,
          crypto,
          random: rng,
          clock: systemClock,
          clients,
          mailbox,
          mailboxWriter: new MailboxWriter(mailbox, {
            batchSize: 100,
            flushDelayMs: 1,
            maxPending: 100,
          }),
          ledger: new BandwidthLedger(clients, 512 * 1024),
          active: new ActiveClients(),
          forward: (p) => {
            forwarded.push(p);
            return true;
          },
          enforceZkNyms: true,
          ticketVerifier: verifier,
          limits: {
            ...DEFAULT_SESSION_LIMITS,
            firstMessageTimeoutMs: 5000,
            handshakeStepTimeoutMs: 5000,
          },
          counters: {
            sessionsStarted: 0,
            sessionsFinished: 0,
            registrations: 0,
            authentications: 0,
            refused: 0,
            packetsForwarded: 0,
            packetsOutOfBandwidth: 0,
            malformedRequests: 0,
            storedMessagesDelivered: 0,
            pushed: 0,
            floodsClosed: 0,
          },
          log: getLogger(["test"]),
        };
        const socket = new MemorySocket();
        const done = runClientSession(socket, socket.messages(), deps);
        try {
          const handshake = new ClientHandshake({
            identity: generateEd25519KeyPair(rng),
            gatewayIdentity: identity.publicKey,
            crypto,
            random: rng,
            protocolVersion: 3,
          });
          socket.send({ type: "text", data: handshake.start() });
          let sharedKey: Uint8Array | undefined;
          for (;;) {
            const m = socket.outgoing.shift() ??
              await (async () => {
                await new Promise((r) => setTimeout(r, 5));
                return undefined;
              })();
            if (m === undefined) continue;
            assert(typeof m === "string");
            if (m.includes('"register"')) break;
            const step = handshake.receive(m);
            if (step.kind === "send") socket.send({ type: "text", data: step.message });
            if (step.kind === "complete") sharedKey = step.result.sharedKey;
          }
          assert(sharedKey);
          const sendPacket = () =>
            socket.send({
              type: "binary",
              data: encodeClientBinaryRequest(
                BinaryRequestKind.ForwardSphinx,
                mixPacket(rng),
                sharedKey!,
                rng,
              ),
            });
          const spendTicket = async () => {
            const credential = await wallet.nextCredential(identity.publicKey);
            const nonce = randomNonce(rng);
            return serializeClientControlRequest({
              type: "ecashCredential",
              encCredential: sealWithSharedKey(sharedKey!, nonce, credential),
              nonce,
            });
          };

          // No ticket: packets are refused and free bandwidth is not on offer.
          sendPacket();
          const refused = await socket.nextText();
          assert(refused.type === "typedError" && refused.error.kind === "out_of_bandwidth");
          socket.send({ type: "text", data: '{"type":"claimFreeTestnetBandwidth"}' });
          assertEquals(await socket.nextText(), { type: "error", message: ONLY_ZK_NYMS_MESSAGE });
          assertEquals(forwarded.length, 0);

          // One ticket: 200 MB.
          const request = await spendTicket();
          socket.send({ type: "text", data: request });
          const credited = await socket.nextText();
          assert(credited.type === "bandwidth", JSON.stringify(credited));
          assertEquals(credited.availableTotal, 200_000_000);
          sendPacket();
          const sent = await socket.nextText();
          assert(sent.type === "send" && sent.remainingBandwidth === 200_000_000 - 2413);
          assertEquals(forwarded.length, 1);

          // The same ticket again: refused as a replay, no bandwidth added.
          socket.send({ type: "text", data: request });
          const replay = await socket.nextText();
          assert(
            replay.type === "typedError" && replay.error.kind === "ticket_replay",
            JSON.stringify(replay),
          );

          // A fresh ticket still works.
          socket.send({ type: "text", data: await spendTicket() });
          const more = await socket.nextText();
          assert(more.type === "bandwidth" && more.availableTotal === 400_000_000 - 2413);
          assertEquals(verifier.stats.accepted, 2);
          assertEquals(verifier.stats.replays, 1);
        } finally {
          socket.close(1000);
          await done;
          deps.mailboxWriter.close();
          await verifier.close();
          db.close();
        }
      },
    );
  } finally {
    for (const s of signers) await s.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
