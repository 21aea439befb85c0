import { assert, assertEquals, assertStrictEquals, assertThrows } from "../testing/asserts.ts";
import { ctr } from "@noble/ciphers/aes.js";
import { createCryptoProvider } from "../crypto/mod.ts";
import { seededRandom } from "../crypto/random.ts";
import { PacketSize } from "../framing/packet_size.ts";
import { PacketType } from "../framing/packet_type.ts";
import {
  InvalidFragmentIdentifierError,
  InvalidLengthError,
  MalformedSurbAckError,
} from "./errors.ts";
import { COVER_FRAGMENT_IDENTIFIER } from "./fragment.ts";
import {
  ACK_CONTENT_LENGTH,
  buildSurbAck,
  decodeSurbAck,
  decryptAckContent,
  encodeSurbAck,
  encryptAckContent,
  splitFinalHopPayload,
  surbAckLength,
  type SurbAckPacketRequest,
} from "./surb_ack.ts";

const crypto = createCryptoProvider();
const ACK_KEY = new Uint8Array(16).map((_, i) => i * 7);

Deno.test("ack content = IV ‖ AES-128-CTR(ack key, IV)(frag id)", () => {
  const random = seededRandom(new Uint8Array(32).fill(1));
  const iv = seededRandom(new Uint8Array(32).fill(1))(16);
  const content = encryptAckContent(crypto, random, ACK_KEY, { setId: 0x01020304, position: 9 });
  assertEquals(content.length, ACK_CONTENT_LENGTH);
  assertEquals(content.subarray(0, 16), iv);
  assertEquals(content.subarray(16), ctr(ACK_KEY, iv).encrypt(new Uint8Array([1, 2, 3, 4, 9])));
  assertEquals(decryptAckContent(crypto, ACK_KEY, content), { setId: 0x01020304, position: 9 });
  // Trailing bytes are ignored; short content and bad keys are typed errors.
  assertEquals(decryptAckContent(crypto, ACK_KEY, new Uint8Array([...content, 0, 0])).position, 9);
  assertThrows(
    () => decryptAckContent(crypto, ACK_KEY, content.subarray(0, 20)),
    InvalidLengthError,
  );
  assertThrows(() => decryptAckContent(crypto, new Uint8Array(15), content), InvalidLengthError);
});

Deno.test("decrypting a negative set id (wrong key or garbage) is a typed error", () => {
  const random = seededRandom(new Uint8Array(32).fill(2));
  // Find content whose decryption under ACK_KEY has the top bit set.
  for (let i = 0; i < 64; i++) {
    const content = random(21);
    const id = ctr(ACK_KEY, content.subarray(0, 16)).decrypt(content.subarray(16));
    if (id[0] & 0x80) {
      assertThrows(
        () => decryptAckContent(crypto, ACK_KEY, content),
        InvalidFragmentIdentifierError,
      );
      return;
    }
  }
  assert(false, "no negative id in 64 draws");
});

Deno.test("SURB-ack layout: first hop padded to 19 ‖ ack packet", () => {
  const packet = new Uint8Array(386).fill(3);
  const ack = encodeSurbAck({ ip: "1.2.3.4", port: 1789 }, packet, PacketType.Mix);
  assertEquals(ack.length, 405);
  assertEquals([...ack.subarray(0, 19)], [4, 0x06, 0xfd, 1, 2, 3, 4, ...new Array(12).fill(0)]);
  assertEquals(ack.subarray(19), packet);
  const decoded = decodeSurbAck(ack, PacketType.Mix);
  assertEquals(decoded.firstHop, { ip: "1.2.3.4", port: 1789 });
  assertStrictEquals(decoded.packet.buffer, ack.buffer);
  const v6 = encodeSurbAck({ ip: "2001:db8::1", port: 1 }, new Uint8Array(377), PacketType.Outfox);
  assertEquals(v6.length, 396);
  assertEquals(decodeSurbAck(v6, PacketType.Outfox).firstHop, { ip: "2001:db8::1", port: 1 });
  assertEquals(surbAckLength(PacketType.Outfox), 396);
  assertThrows(
    () => encodeSurbAck({ ip: "1.2.3.4", port: 1 }, new Uint8Array(385), PacketType.Mix),
    InvalidLengthError,
  );
  assertThrows(
    () => encodeSurbAck({ ip: "x", port: 1 }, packet, PacketType.Mix),
    MalformedSurbAckError,
  );
  assertThrows(() => decodeSurbAck(new Uint8Array(405), PacketType.Mix), MalformedSurbAckError);
  assertThrows(() => decodeSurbAck(ack.subarray(1), PacketType.Mix), InvalidLengthError);
});

Deno.test("buildSurbAck hands the builder the encrypted id and payload size", () => {
  const requests: SurbAckPacketRequest[] = [];
  const builder = (request: SurbAckPacketRequest) => {
    requests.push(request);
    const size = request.packetType === PacketType.Mix ? 386 : 377;
    return {
      packet: new Uint8Array(size),
      firstHop: { ip: "9.9.9.9", port: 1789 },
      expectedDelayNanos: 45e6,
    };
  };
  const random = seededRandom(new Uint8Array(32).fill(3));
  const built = buildSurbAck(
    crypto,
    random,
    ACK_KEY,
    { setId: 77, position: 3 },
    PacketType.Mix,
    builder,
  );
  assertEquals(built.bytes.length, 405);
  assertEquals(built.expectedDelayNanos, 45e6);
  assertEquals(requests[0].payloadSize, 38);
  assertEquals(decryptAckContent(crypto, ACK_KEY, requests[0].content), { setId: 77, position: 3 });
  const cover = buildSurbAck(
    crypto,
    random,
    ACK_KEY,
    COVER_FRAGMENT_IDENTIFIER,
    PacketType.Outfox,
    builder,
  );
  assertEquals(cover.bytes.length, 396);
  assertEquals(requests[1].payloadSize, 48);
  assertEquals(decryptAckContent(crypto, ACK_KEY, requests[1].content), { setId: 0, position: 0 });
  assertThrows(
    () =>
      buildSurbAck(crypto, random, ACK_KEY, { setId: 1, position: 1 }, PacketType.Mix, () => ({
        packet: new Uint8Array(2413),
        firstHop: { ip: "9.9.9.9", port: 1 },
        expectedDelayNanos: 0,
      })),
    InvalidLengthError,
  );
});

Deno.test("the final hop splits (SURB-ack, message) off non-ack plaintexts", () => {
  const ack = encodeSurbAck(
    { ip: "1.2.3.4", port: 1789 },
    new Uint8Array(386).fill(8),
    PacketType.Mix,
  );
  const plaintext = new Uint8Array(2048);
  plaintext.set(ack);
  plaintext.fill(5, 405);
  const split = splitFinalHopPayload(plaintext, PacketSize.Regular, PacketType.Mix);
  assert(split.kind === "message");
  assertEquals(split.ackFirstHop, { ip: "1.2.3.4", port: 1789 });
  assertEquals(split.ackPacket, new Uint8Array(386).fill(8));
  assertEquals(split.message.length, 2048 - 405);
  assert(split.message.every((b) => b === 5));
  const content = new Uint8Array(21).fill(1);
  assertEquals(splitFinalHopPayload(content, PacketSize.Ack, PacketType.Mix), {
    kind: "ack",
    content,
  });
  assertEquals(splitFinalHopPayload(content, PacketSize.OutfoxAck, PacketType.Outfox).kind, "ack");
  const outfox = new Uint8Array(2048);
  outfox.set(encodeSurbAck({ ip: "1.2.3.4", port: 1 }, new Uint8Array(377), PacketType.Outfox));
  const o = splitFinalHopPayload(outfox, PacketSize.OutfoxRegular, PacketType.Outfox);
  assert(o.kind === "message");
  assertEquals(o.message.length, 2048 - 396);
  assertThrows(
    () => splitFinalHopPayload(new Uint8Array(404), PacketSize.Regular, PacketType.Mix),
    MalformedSurbAckError,
  );
  assertThrows(
    () => splitFinalHopPayload(new Uint8Array(2048), PacketSize.Regular, PacketType.Mix),
    MalformedSurbAckError,
  );
});
