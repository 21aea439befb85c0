/**
 * End-to-end through the pure layers: a sender fragments a message to a recipient, packets cross
 * three mixes and the recipient's gateway (processed with real node keys), SURB-acks return to
 * the sender's gateway, the recipient reassembles and answers anonymously with a reply SURB.
 */
import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, type RandomSource, seededRandom } from "../crypto/mod.ts";
import { KeyRotation, packetPlaintextLength, PacketSize, PacketType } from "../framing/mod.ts";
import { processSphinxPacket, recoverPlaintext } from "../sphinx/mod.ts";
import {
  buildRegularPlaintext,
  buildReplyPlaintext,
  buildSurbAck,
  decodeFragment,
  decodePaddedNymMessage,
  decryptAckContent,
  encodeFragment,
  fragmentIdentifier,
  matchesReplyKey,
  MessageReconstructor,
  openReceivedBody,
  prepareFragments,
  splitFinalHopPayload,
} from "./mod.ts";
import {
  buildDataPacket,
  createReplySurb,
  type RouteHop,
  sphinxVersionFor,
  surbAckBuilder,
  useReplySurb,
} from "./sphinx_packets.ts";

const crypto = createCryptoProvider();

interface TestNode {
  readonly hop: RouteHop;
  readonly secret: Uint8Array;
}

function node(rng: RandomSource, port: number): TestNode {
  const secret = rng(32);
  return {
    hop: { address: { ip: "127.0.0.1", port }, sphinxKey: crypto.x25519Base(secret) },
    secret,
  };
}

/** Runs a packet through `nodes`, checking each hop names the next, and returns the final payload. */
function traverse(
  packet: Uint8Array,
  nodes: TestNode[],
): { destination: Uint8Array; plaintext: Uint8Array } {
  let current = packet;
  for (let i = 0; i < nodes.length; i++) {
    const r = processSphinxPacket(crypto, current, nodes[i].secret);
    if (i < nodes.length - 1) {
      assert(r.kind === "forward", `hop ${i} should forward`);
      assertEquals(r.packet.length, packet.length);
      current = r.packet;
    } else {
      assert(r.kind === "final");
      return { destination: r.destination, plaintext: recoverPlaintext(r.payload) };
    }
  }
  throw new Error("unreachable");
}

for (const legacy of [true, false]) {
  Deno.test(`sender → 3 mixes → gateway → recipient, acks back, reply via SURB (legacy format: ${legacy})`, () => {
    const rng = seededRandom(new Uint8Array(32).fill(legacy ? 1 : 2));
    const version = sphinxVersionFor(legacy);
    const mixes = [node(rng, 1801), node(rng, 1802), node(rng, 1803)];
    const senderGateway = node(rng, 1790), recipientGateway = node(rng, 1791);
    const sender = { identity: rng(32), encSecret: rng(32), ackKey: rng(16) };
    const recipient = { identity: rng(32), encSecret: rng(32) };
    const recipientEncKey = crypto.x25519Base(recipient.encSecret);

    // The sender attaches 2 reply SURBs (routes end at its own gateway) and a ~4 KB message.
    const surbs = [0, 1].map(() =>
      createReplySurb(crypto, rng, {
        route: [...mixes.map((m) => m.hop), senderGateway.hop],
        ownIdentity: sender.identity,
        version,
        averageDelayMs: 0,
      })
    );
    const body = rng(4000);
    const fragments = prepareFragments(
      {
        kind: "repliable",
        senderTag: rng(16),
        content: {
          kind: "data",
          replySurbs: {
            version: legacy ? 1 : 2,
            keyRotation: KeyRotation.Unknown,
            surbs: surbs.map((s) => s.bytes),
          },
          message: body,
        },
      },
      PacketSize.Regular,
      rng,
    );
    assert(fragments.length >= 3);

    const ackBuilder = surbAckBuilder(crypto, rng, {
      ownIdentity: sender.identity,
      ackRoute: () => [...mixes.map((m) => m.hop), senderGateway.hop],
      version,
      averageDelayMs: 0,
    });
    const reconstructor = new MessageReconstructor({
      maxPendingSets: 16,
      maxBufferedBytes: 1 << 20,
      timeoutMs: 60_000,
      maxRememberedSets: 16,
    });
    let complete: Uint8Array | undefined;
    const acked: string[] = [];
    for (const fragment of fragments) {
      const id = fragmentIdentifier(fragment);
      const ack = buildSurbAck(crypto, rng, sender.ackKey, id, PacketType.Mix, ackBuilder);
      const { plaintext, packetSize } = buildRegularPlaintext(crypto, rng, {
        surbAck: ack.bytes,
        recipientEncryptionKey: recipientEncKey,
        fragment: encodeFragment(fragment),
        packetType: PacketType.Mix,
      });
      assertEquals(packetSize, PacketSize.Regular);
      assertEquals(plaintext.length, packetPlaintextLength(PacketSize.Regular));
      const { mixPacket } = buildDataPacket(crypto, rng, {
        plaintext,
        packetSize,
        route: [...mixes.map((m) => m.hop), recipientGateway.hop],
        recipientIdentity: recipient.identity,
        keyRotation: KeyRotation.Unknown,
        version,
        averageDelayMs: 0,
      });
      assertEquals(mixPacket.packet.length, 2413);
      assertEquals(mixPacket.nextHop, mixes[0].hop.address);

      // Recipient's gateway: final hop, split off the SURB-ack.
      const delivered = traverse(mixPacket.packet, [...mixes, recipientGateway]);
      assertEquals(delivered.destination, recipient.identity);
      const split = splitFinalHopPayload(delivered.plaintext, PacketSize.Regular, PacketType.Mix);
      assert(split.kind === "message");
      assertEquals(split.ackFirstHop, mixes[0].hop.address);

      // The ack travels back to the sender's gateway and identifies the fragment.
      const ackDelivered = traverse(split.ackPacket, [...mixes, senderGateway]);
      assertEquals(ackDelivered.destination, sender.identity);
      const ackSplit = splitFinalHopPayload(ackDelivered.plaintext, PacketSize.Ack, PacketType.Mix);
      assert(ackSplit.kind === "ack");
      const ackedId = decryptAckContent(crypto, sender.ackKey, ackSplit.content);
      assertEquals(ackedId, id);
      acked.push(`${ackedId.setId}/${ackedId.position}`);

      // The recipient opens the body and reassembles.
      const opened = openReceivedBody(crypto, split.message, {
        encryptionSecretKey: recipient.encSecret,
      });
      assert(opened.kind === "fragment");
      const r = reconstructor.insert(decodeFragment(opened.fragment), 0);
      if (r.status === "complete") complete = r.message;
    }
    assertEquals(acked.length, fragments.length);
    assert(complete);
    const received = decodePaddedNymMessage(complete);
    assert(received.kind === "repliable" && received.content.kind === "data");
    assertEquals(received.content.message, body);
    assertEquals(received.content.replySurbs.surbs.length, 2);

    // Anonymous reply with the first SURB: it reaches the sender, who recognises its reply key.
    const replyFragment = prepareFragments(
      { kind: "reply", content: { kind: "data", message: new TextEncoder().encode("pong") } },
      PacketSize.Regular,
      rng,
    )[0];
    const recipientAcks = surbAckBuilder(crypto, rng, {
      ownIdentity: recipient.identity,
      ackRoute: () => [...mixes.map((m) => m.hop), recipientGateway.hop],
      version,
      averageDelayMs: 0,
    });
    const replyAck = buildSurbAck(
      crypto,
      rng,
      rng(16),
      fragmentIdentifier(replyFragment),
      PacketType.Mix,
      recipientAcks,
    );
    const replyPlain = buildReplyPlaintext(crypto, {
      surbAck: replyAck.bytes,
      replyKey: received.content.replySurbs.surbs[0].subarray(0, 16),
      fragment: encodeFragment(replyFragment),
    });
    const { mixPacket: replyPacket } = useReplySurb(
      crypto,
      received.content.replySurbs.surbs[0],
      replyPlain.plaintext,
      replyPlain.packetSize,
      KeyRotation.Unknown,
    );
    assertEquals(replyPacket.nextHop, mixes[0].hop.address);
    const replyDelivered = traverse(replyPacket.packet, [...mixes, senderGateway]);
    assertEquals(replyDelivered.destination, sender.identity);
    const replySplit = splitFinalHopPayload(
      replyDelivered.plaintext,
      PacketSize.Regular,
      PacketType.Mix,
    );
    assert(replySplit.kind === "message");
    const opened = openReceivedBody(crypto, replySplit.message, {
      encryptionSecretKey: sender.encSecret,
      findReplyKey: (digest) => surbs.find((s) => matchesReplyKey(digest, s.replyKey))?.replyKey,
    });
    assert(opened.kind === "fragment" && opened.replyKey !== undefined);
    const replyMessage = decodePaddedNymMessage(decodeFragment(opened.fragment).payload);
    assert(replyMessage.kind === "reply" && replyMessage.content.kind === "data");
    assertEquals(new TextDecoder().decode(replyMessage.content.message), "pong");
  });
}
