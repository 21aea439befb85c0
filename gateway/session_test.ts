/**
 * Gateway sessions over in-memory sockets, driven by our client-side protocol code (the same
 * code the interop tests check against the real Nym client).
 */
import { assert, assertEquals, assertStringIncludes } from "../testing/asserts.ts";
import { getLogger } from "@logtape/logtape";
import {
  createCryptoProvider,
  encodeBase58,
  generateEd25519KeyPair,
  type RandomSource,
  seededRandom,
} from "../crypto/mod.ts";
import { manualClock } from "../util/clock.ts";
import type { MixPacket } from "../framing/mod.ts";
import {
  BinaryRequestKind,
  ClientHandshake,
  createAuthenticateV2Request,
  decodePushedMixMessage,
  encodeClientBinaryRequest,
  parseServerResponse,
  serializeClientControlRequest,
  type ServerResponse,
} from "./protocol/mod.ts";
import { ActiveClients } from "./active_clients.ts";
import { BandwidthLedger } from "./bandwidth_ledger.ts";
import { MailboxWriter } from "./mailbox_writer.ts";
import { openGatewayDatabase } from "./storage/database.ts";
import { ClientStore } from "./storage/clients.ts";
import { Mailbox } from "./storage/mailbox.ts";
import {
  DEFAULT_SESSION_LIMITS,
  runClientSession,
  type SessionCounters,
  type SessionDeps,
} from "./session.ts";
import type { ClientSocket, IncomingMessage } from "./socket.ts";

const crypto = createCryptoProvider();

/** An in-memory socket: the test plays the client. */
class MemorySocket implements ClientSocket {
  readonly remoteAddress = "127.0.0.1:5555";
  readonly outgoing: (string | Uint8Array)[] = [];
  closeCode: number | null = null;
  answersPings = true;
  #waiters: (() => void)[] = [];
  #incoming: IncomingMessage[] = [];
  #readers: ((r: IteratorResult<IncomingMessage>) => void)[] = [];
  #closedResolve!: () => void;
  readonly closed = new Promise<void>((r) => this.#closedResolve = r);
  bufferedAmount = 0;

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
    return Promise.resolve(this.answersPings && this.closeCode === null);
  }
  close(code: number): void {
    if (this.closeCode !== null) return;
    this.closeCode = code;
    this.#closedResolve();
    for (const r of this.#readers.splice(0)) r({ done: true, value: undefined });
    for (const w of this.#waiters.splice(0)) w();
  }
  /** Client side: sends a message to the gateway. */
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
  /** Client side: the next message the gateway sent. */
  async next(): Promise<string | Uint8Array> {
    while (this.outgoing.length === 0) {
      if (this.closeCode !== null) throw new Error(`closed with ${this.closeCode}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    return this.outgoing.shift()!;
  }
  async nextText(): Promise<ServerResponse> {
    const m = await this.next();
    assert(typeof m === "string", "expected a text frame");
    return parseServerResponse(m);
  }
}

function newCounters(): SessionCounters {
  return {
    sessionsStarted: 0,
    sessionsFinished: 0,
    registrations: 0,
    authentications: 0,
    refused: 0,
    packetsForwarded: 0,
    packetsNotForwarded: 0,
    packetsOutOfBandwidth: 0,
    malformedRequests: 0,
    storedMessagesDelivered: 0,
    pushed: 0,
    floodsClosed: 0,
  };
}

function gatewayFixture(rng: RandomSource) {
  const db = openGatewayDatabase(":memory:");
  const clock = manualClock(1_800_000_000_000);
  const mailbox = new Mailbox(db, clock, { maxMessagesPerClient: 1000, maxMessageSize: 10_000 });
  const clients = new ClientStore(db);
  const forwarded: MixPacket[] = [];
  const deps: SessionDeps = {
    identity: generateEd25519KeyPair(rng),
    crypto,
    random: rng,
    clock,
    clients,
    mailbox,
    mailboxWriter: new MailboxWriter(mailbox, {
      batchSize: 100,
      flushDelayMs: 1,
      maxPending: 1000,
    }),
    ledger: new BandwidthLedger(clients, 512 * 1024),
    active: new ActiveClients(),
    forward: (p) => {
      forwarded.push(p);
      return true;
    },
    enforceZkNyms: false,
    limits: {
      ...DEFAULT_SESSION_LIMITS,
      firstMessageTimeoutMs: 500,
      handshakeStepTimeoutMs: 500,
      maxPacketsPerSecond: 50,
    },
    counters: newCounters(),
    log: getLogger(["test"]),
  };
  return { deps, forwarded, db, clock };
}

/** Registers a new client over a fresh socket; returns its key material and the open socket. */
async function register(
  deps: SessionDeps,
  rng: RandomSource,
  identity = generateEd25519KeyPair(rng),
) {
  const socket = new MemorySocket();
  const done = runClientSession(socket, socket.messages(), deps);
  const handshake = new ClientHandshake({
    identity,
    gatewayIdentity: deps.identity.publicKey,
    crypto,
    random: rng,
    protocolVersion: 3,
  });
  socket.send({ type: "text", data: handshake.start() });
  let sharedKey: Uint8Array | undefined;
  for (;;) {
    const m = await socket.next();
    assert(typeof m === "string");
    if (m.includes('"register"')) break;
    const step = handshake.receive(m);
    if (step.kind === "send") socket.send({ type: "text", data: step.message });
    if (step.kind === "complete") sharedKey = step.result.sharedKey;
  }
  assert(sharedKey);
  return { socket, done, sharedKey, identity, address: encodeBase58(identity.publicKey) };
}

function authenticate(
  deps: SessionDeps,
  rng: RandomSource,
  identity: ReturnType<typeof generateEd25519KeyPair>,
  sharedKey: Uint8Array,
) {
  const socket = new MemorySocket();
  const done = runClientSession(socket, socket.messages(), deps);
  const request = createAuthenticateV2Request({
    sharedKey,
    identity,
    protocolVersion: 4,
    clock: deps.clock,
    random: rng,
  });
  socket.send({ type: "text", data: serializeClientControlRequest(request) });
  return { socket, done };
}

function mixPacketFor(rng: RandomSource): MixPacket {
  return {
    nextHop: { ip: "127.0.0.1", port: 1789 },
    packetType: 0,
    keyRotation: 0,
    packet: rng(2413),
  };
}

Deno.test("register → authenticate → claim bandwidth → packets forwarded and charged", async () => {
  const rng = seededRandom(new Uint8Array(32).fill(1));
  const { deps, forwarded, db } = gatewayFixture(rng);
  const client = await register(deps, rng);
  assertEquals(deps.active.get(client.address) !== undefined, true);
  client.socket.close(1000);
  await client.done;
  assertEquals(deps.active.size, 0);

  (deps.clock as ReturnType<typeof manualClock>).advance(1000);
  const { socket, done } = authenticate(deps, rng, client.identity, client.sharedKey);
  const auth = await socket.nextText();
  assertEquals(auth, {
    type: "authenticate",
    protocolVersion: 4,
    status: true,
    bandwidthRemaining: 0,
    upgradeMode: false,
  });

  // Without bandwidth a packet is refused with the typed error.
  socket.send({
    type: "binary",
    data: encodeClientBinaryRequest(
      BinaryRequestKind.ForwardSphinx,
      mixPacketFor(rng),
      client.sharedKey,
      rng,
    ),
  });
  const refused = await socket.nextText();
  assertEquals(refused.type, "typedError");
  assertEquals(forwarded.length, 0);

  socket.send({ type: "text", data: '{"type":"claimFreeTestnetBandwidth"}' });
  const bandwidth = await socket.nextText();
  assert(bandwidth.type === "bandwidth" && bandwidth.availableTotal === 64 * 1024 ** 3);
  for (const kind of [BinaryRequestKind.ForwardSphinx, BinaryRequestKind.ForwardSphinxV2]) {
    const packet = mixPacketFor(rng);
    socket.send({
      type: "binary",
      data: encodeClientBinaryRequest(kind, packet, client.sharedKey, rng),
    });
    const sent = await socket.nextText();
    assert(sent.type === "send");
    assertEquals(forwarded.at(-1)!.packet, packet.packet);
  }
  assertEquals(forwarded.length, 2);

  // Final-hop messages for a connected client are pushed encrypted.
  assertEquals(deps.active.get(client.address)!.deliver(new Uint8Array([9, 9, 9])), "delivered");
  const pushed = await socket.next();
  assert(pushed instanceof Uint8Array);
  assertEquals(decodePushedMixMessage(pushed, client.sharedKey), new Uint8Array([9, 9, 9]));

  // Malformed requests get an error but keep the session.
  socket.send({ type: "text", data: "{not json" });
  assertEquals((await socket.nextText()).type, "error");
  socket.send({ type: "binary", data: new Uint8Array([1, 1, 2, 3]) });
  assertEquals((await socket.nextText()).type, "error");
  socket.send({ type: "text", data: '{"type":"supportedProtocol"}' });
  assertEquals(await socket.nextText(), { type: "supportedProtocol", version: 6 });
  socket.close(1000);
  await done;
  // Consumption was written back when the session ended.
  const id = deps.clients.get(client.address)!.id;
  assertEquals(deps.clients.bandwidth(id).available, 64 * 1024 ** 3 - 2 * 2413);
  db.close();
});

Deno.test("stored messages are delivered on reconnection, oldest first, and deleted", async () => {
  const rng = seededRandom(new Uint8Array(32).fill(2));
  const { deps, db } = gatewayFixture(rng);
  const client = await register(deps, rng);
  client.socket.close(1000);
  await client.done;
  const messages = Array.from({ length: 250 }, (_, i) => new Uint8Array([i & 255, i >> 8]));
  for (const content of messages) {
    deps.mailboxWriter.enqueue({ clientAddress: client.address, content });
  }
  (deps.clock as ReturnType<typeof manualClock>).advance(1000);
  const { socket, done } = authenticate(deps, rng, client.identity, client.sharedKey);
  const received: Uint8Array[] = [];
  for (;;) {
    const m = await socket.next();
    if (typeof m === "string") {
      assertEquals(parseServerResponse(m).type, "authenticate");
      break;
    }
    received.push(decodePushedMixMessage(m, client.sharedKey));
  }
  assertEquals(received, messages);
  assertEquals(deps.mailbox.countFor(client.address), 0);
  socket.close(1000);
  await done;
  db.close();
});

Deno.test("duplicate sessions: a live one wins, a dead one is replaced, stale timestamps are refused", async () => {
  const rng = seededRandom(new Uint8Array(32).fill(3));
  const { deps, db, clock } = gatewayFixture(rng);
  const client = await register(deps, rng);
  client.socket.close(1000);
  await client.done;

  clock.advance(1000);
  const first = authenticate(deps, rng, client.identity, client.sharedKey);
  assertEquals((await first.socket.nextText()).type, "authenticate");
  clock.advance(1000);
  const second = authenticate(deps, rng, client.identity, client.sharedKey);
  const refusal = await second.socket.nextText();
  assert(refusal.type === "error");
  assertStringIncludes(refusal.message, "already an open connection");
  await second.done;

  first.socket.answersPings = false; // the old session went silent
  clock.advance(1000);
  const third = authenticate(deps, rng, client.identity, client.sharedKey);
  assertEquals((await third.socket.nextText()).type, "authenticate");
  assert(first.socket.closeCode !== null, "the dead session was closed");
  await first.done;
  // A request whose timestamp is not newer than the live session's is refused.
  const replay = authenticate(deps, rng, client.identity, client.sharedKey);
  assertEquals((await replay.socket.nextText()).type, "error");
  await replay.done;
  third.socket.close(1000);
  await third.done;
  db.close();
});

Deno.test("bad first messages, timeouts and floods close only the offending session", async () => {
  const rng = seededRandom(new Uint8Array(32).fill(4));
  const { deps, db, clock } = gatewayFixture(rng);
  const bystander = await register(deps, rng);
  const cases: IncomingMessage[] = [
    { type: "binary", data: new Uint8Array(2451) },
    { type: "text", data: "garbage" },
    { type: "text", data: '{"type":"claimFreeTestnetBandwidth"}' },
    { type: "text", data: '{"type":"authenticate","address":"x","enc_address":"y","iv":"z"}' },
    { type: "text", data: '{"type":"handshakePayload","protocol_version":3,"data":[1,2,3]}' },
  ];
  for (const message of cases) {
    const socket = new MemorySocket();
    const done = runClientSession(socket, socket.messages(), deps);
    socket.send(message);
    const reply = await socket.next();
    assert(
      typeof reply === "string" && /error/i.test(reply),
      `reply to ${JSON.stringify(message).slice(0, 60)}: ${reply}`,
    );
    await done;
    assert(socket.closeCode !== null);
  }
  // No first message at all: closed after the timeout.
  const silent = new MemorySocket();
  await runClientSession(silent, silent.messages(), deps);
  assert(silent.closeCode !== null);

  // A flood over the per-second limit closes that session only.
  clock.advance(1000);
  const flooder = await register(deps, rng);
  flooder.socket.send({ type: "text", data: '{"type":"claimFreeTestnetBandwidth"}' });
  await flooder.socket.nextText();
  for (let i = 0; i < 60; i++) {
    flooder.socket.send({
      type: "binary",
      data: encodeClientBinaryRequest(1, mixPacketFor(rng), flooder.sharedKey, rng),
    });
  }
  await flooder.done;
  assertEquals(deps.counters.floodsClosed, 1);
  assert(deps.active.get(bystander.address), "other sessions are unaffected");
  bystander.socket.close(1000);
  await bystander.done;
  db.close();
});

Deno.test("trusted local clients (the embedded network requester) are never charged or limited", async () => {
  const rng = seededRandom(new Uint8Array(32).fill(4));
  const fixture = gatewayFixture(rng);
  const trustedIdentity = generateEd25519KeyPair(rng);
  const trustedAddress = encodeBase58(trustedIdentity.publicKey);
  const deps: SessionDeps = {
    ...fixture.deps,
    enforceZkNyms: true,
    isTrustedClient: (address, peer) => address === trustedAddress && peer.startsWith("127."),
  };
  const trusted = await register(deps, rng, trustedIdentity);
  const other = await register(deps, rng);
  // zk-nyms are enforced: the free claim is refused to others but answered for the trusted one
  for (const c of [trusted, other]) {
    c.socket.send({ type: "text", data: '{"type":"claimFreeTestnetBandwidth"}' });
  }
  const granted = await trusted.socket.nextText();
  assert(granted.type === "bandwidth" && granted.availableTotal === 2 ** 40);
  assertEquals((await other.socket.nextText()).type, "error");
  // more packets than the rate limit (50/s), none charged, all forwarded
  for (let i = 0; i < 60; i++) {
    trusted.socket.send({
      type: "binary",
      data: encodeClientBinaryRequest(
        BinaryRequestKind.ForwardSphinx,
        mixPacketFor(rng),
        trusted.sharedKey,
        rng,
      ),
    });
  }
  for (let i = 0; i < 60; i++) {
    const r = await trusted.socket.nextText();
    assert(r.type === "send" && r.remainingBandwidth === 2 ** 40, JSON.stringify(r));
  }
  assertEquals(fixture.forwarded.length, 60);
  assertEquals(deps.counters.floodsClosed, 0);
  other.socket.send({
    type: "binary",
    data: encodeClientBinaryRequest(
      BinaryRequestKind.ForwardSphinx,
      mixPacketFor(rng),
      other.sharedKey,
      rng,
    ),
  });
  assertEquals((await other.socket.nextText()).type, "typedError");
  assertEquals(fixture.forwarded.length, 60);
  for (const c of [trusted, other]) {
    c.socket.close(1000);
    await c.done;
  }
  fixture.db.close();
});
