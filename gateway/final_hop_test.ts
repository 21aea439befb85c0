import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, encodeBase58, seededRandom } from "../crypto/mod.ts";
import {
  type FrameInit,
  KeyRotation,
  type NymNodeRoutingAddress,
  PacketSize,
  PacketType,
} from "../framing/mod.ts";
import { buildSurbAck, surbAckBuilder } from "../message/mod.ts";
import { buildSphinxPacket, processSphinxPacket } from "../sphinx/mod.ts";
import { manualClock } from "../util/clock.ts";
import { ActiveClients, type DeliveryResult } from "./active_clients.ts";
import { FinalHopRouter } from "./final_hop.ts";
import { MailboxWriter } from "./mailbox_writer.ts";
import { openGatewayDatabase } from "./storage/database.ts";
import { Mailbox } from "./storage/mailbox.ts";

const crypto = createCryptoProvider();

Deno.test("final hop: message to a live client or the mailbox, SURB-ack forwarded with the carrier's rotation", () => {
  const rng = seededRandom(new Uint8Array(32).fill(6));
  const gatewaySecret = rng(32);
  const mixSecret = rng(32);
  const mix = { address: { ip: "127.0.0.1", port: 1801 }, sphinxKey: crypto.x25519Base(mixSecret) };
  const gateway = {
    address: { ip: "127.0.0.1", port: 1790 },
    sphinxKey: crypto.x25519Base(gatewaySecret),
  };
  const recipient = rng(32);
  const sender = rng(32);
  const db = openGatewayDatabase(":memory:");
  const mailbox = new Mailbox(db, manualClock(0), {
    maxMessagesPerClient: 10,
    maxMessageSize: 10_000,
  });
  const writer = new MailboxWriter(mailbox, { batchSize: 10, flushDelayMs: 1, maxPending: 100 });
  const clients = new ActiveClients();
  const acks: { to: NymNodeRoutingAddress; frame: FrameInit }[] = [];
  const router = new FinalHopRouter({
    clients,
    mailbox: writer,
    sendAck: (to, frame) => acks.push({ to, frame }) > 0,
    egressFrameVersion: () => 7,
  });
  const message = () => {
    const ack = buildSurbAck(
      crypto,
      rng,
      rng(16),
      { setId: 5, position: 1 },
      PacketType.Mix,
      surbAckBuilder(crypto, rng, {
        ownIdentity: sender,
        ackRoute: () => [mix, gateway],
        version: 259,
        averageDelayMs: 0,
      }),
    );
    const plaintext = new Uint8Array(2048);
    plaintext.set(ack.bytes);
    plaintext.set([1, 2, 3], ack.bytes.length);
    const { packet } = buildSphinxPacket(crypto, {
      message: plaintext,
      route: [{ address: new Uint8Array(32), publicKey: gateway.sphinxKey }],
      destination: { address: recipient, identifier: new Uint8Array(16) },
      delaysNanos: [0],
      payloadSize: 2065,
      random: rng,
    });
    const hop = processSphinxPacket(crypto, packet, gatewaySecret);
    assert(hop.kind === "final");
    return hop;
  };

  // Offline: stored.
  let hop = message();
  router.handle({
    ...hop,
    packetSize: PacketSize.Regular,
    packetType: PacketType.Mix,
    keyRotation: KeyRotation.Odd,
  });
  writer.flush();
  const stored = mailbox.page(encodeBase58(recipient), 0, 10);
  assertEquals(stored.length, 1);
  assertEquals(stored[0].content.length, 2048 - 405);
  assertEquals(stored[0].content.subarray(0, 3), new Uint8Array([1, 2, 3]));
  assertEquals(acks.length, 1);
  assertEquals(acks[0].to, mix.address);
  assertEquals(acks[0].frame.keyRotation, KeyRotation.Odd);
  assertEquals(acks[0].frame.packet.length, 386);

  // Online: delivered live; when the client is busy, stored instead.
  const delivered: Uint8Array[] = [];
  let mode: DeliveryResult = "delivered";
  clients.set({
    address: encodeBase58(recipient),
    sessionTimestamp: 0,
    deliver: (m) => {
      if (mode === "delivered") delivered.push(m);
      return mode;
    },
    isAlive: () => Promise.resolve(true),
    disconnect: () => {},
  });
  hop = message();
  router.handle({
    ...hop,
    packetSize: PacketSize.Regular,
    packetType: PacketType.Mix,
    keyRotation: KeyRotation.Even,
  });
  assertEquals(delivered.length, 1);
  mode = "busy";
  hop = message();
  router.handle({
    ...hop,
    packetSize: PacketSize.Regular,
    packetType: PacketType.Mix,
    keyRotation: KeyRotation.Even,
  });
  writer.flush();
  assertEquals(mailbox.countFor(encodeBase58(recipient)), 2);
  assertEquals(router.counters, {
    deliveredLive: 1,
    stored: 2,
    storedBecauseBusy: 1,
    acksForwarded: 3,
    malformed: 0,
  });

  // A garbage payload is counted, not thrown.
  router.handle({
    ...hop,
    payload: rng(2065),
    packetSize: PacketSize.Regular,
    packetType: PacketType.Mix,
    keyRotation: 0,
  });
  assertEquals(router.counters.malformed, 1);
  db.close();
});
