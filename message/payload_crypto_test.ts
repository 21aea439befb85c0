import { assert, assertEquals, assertNotEquals, assertThrows } from "../testing/asserts.ts";
import { blake3 } from "@noble/hashes/blake3.js";
import { ctr } from "@noble/ciphers/aes.js";
import { fromHex, toHex } from "../crypto/bytes.ts";
import { createCryptoProvider } from "../crypto/mod.ts";
import { seededRandom } from "../crypto/random.ts";
import { packetPlaintextLength, PacketSize } from "../framing/packet_size.ts";
import { PacketType } from "../framing/packet_type.ts";
import { InvalidLengthError } from "./errors.ts";
import {
  buildLoopCoverPlaintext,
  buildRegularPlaintext,
  buildReplyPlaintext,
  derivePacketKey,
  hkdfBlake3,
  isLoopCover,
  LOOP_COVER_MESSAGE,
  matchesReplyKey,
  openReceivedBody,
  openRegularFragment,
  openReplyFragment,
  replyKeyDigest,
  sealRegularFragment,
  sealReplyFragment,
} from "./payload_crypto.ts";

const crypto = createCryptoProvider();

Deno.test("§12.4 HKDF-BLAKE3 (HMAC-BLAKE3, no salt, empty info, 16 bytes) cross-check", () => {
  // ss from §12.1: X25519(sk2, X25519(sk1, 9)) with the seeded ChaCha20 stream.
  const random = seededRandom(new Uint8Array(32).fill(1));
  const sk1 = random(32);
  const sk2 = random(32);
  const ss = crypto.x25519(sk2, crypto.x25519Base(sk1));
  assertEquals(toHex(ss), "499a6ab6e6c50f92a5f15d4a93bf90c0b7d8b0e9577f31907c8e01152b752747");
  assertEquals(toHex(hkdfBlake3(ss, 16)), "dd6dac9a8a9cbcd2f45cdc1974b14470");
  // derivePacketKey is exactly that construction.
  assertEquals(
    toHex(derivePacketKey(crypto, sk2, crypto.x25519Base(sk1))),
    "dd6dac9a8a9cbcd2f45cdc1974b14470",
  );
  // An absent salt equals 32 zero bytes and an empty salt (HMAC pads keys to its 64-byte block).
  assertEquals(hkdfBlake3(ss, 16, new Uint8Array(32)), hkdfBlake3(ss, 16));
  assertEquals(hkdfBlake3(ss, 16, new Uint8Array(0)), hkdfBlake3(ss, 16));
});

Deno.test("both ends derive the same packet key", () => {
  const random = seededRandom(new Uint8Array(32).fill(2));
  const a = random(32);
  const b = random(32);
  assertEquals(
    derivePacketKey(crypto, a, crypto.x25519Base(b)),
    derivePacketKey(crypto, b, crypto.x25519Base(a)),
  );
  assertThrows(() => derivePacketKey(crypto, a, new Uint8Array(31)), InvalidLengthError);
});

Deno.test("regular fragments: eph_pub ‖ AES-128-CTR(k, IV 0)", () => {
  const random = seededRandom(new Uint8Array(32).fill(3));
  const recipientSecret = random(32);
  const recipientKey = crypto.x25519Base(recipientSecret);
  const fragment = random(1611);
  // Replay the same random stream to learn the ephemeral secret the sealer draws.
  const replay = seededRandom(new Uint8Array(32).fill(9));
  const ephemeral = replay(32);
  const body = sealRegularFragment(
    crypto,
    seededRandom(new Uint8Array(32).fill(9)),
    recipientKey,
    fragment,
  );
  assertEquals(body.length, 2048 - 405);
  assertEquals(body.subarray(0, 32), crypto.x25519Base(ephemeral));
  const key = hkdfBlake3(crypto.x25519(ephemeral, recipientKey), 16);
  // Independent AES-CTR (noble) with a zero IV.
  assertEquals(body.subarray(32), ctr(key, new Uint8Array(16)).encrypt(fragment));
  assertEquals(openRegularFragment(crypto, recipientSecret, body), fragment);
  assertNotEquals(openRegularFragment(crypto, random(32), body), fragment);
  assertThrows(
    () => openRegularFragment(crypto, recipientSecret, new Uint8Array(31)),
    InvalidLengthError,
  );
});

Deno.test("reply fragments: BLAKE3(key) ‖ AES-128-CTR(key, IV 0)", () => {
  const key = fromHex("000102030405060708090a0b0c0d0e0f");
  const fragment = new Uint8Array(1611).fill(0x42);
  const body = sealReplyFragment(crypto, key, fragment);
  assertEquals(body.length, 1643);
  assertEquals(body.subarray(0, 32), blake3(key));
  assertEquals(replyKeyDigest(key), blake3(key));
  assert(matchesReplyKey(body.subarray(0, 32), key));
  assert(!matchesReplyKey(body.subarray(0, 32), new Uint8Array(16)));
  assertEquals(body.subarray(32), ctr(key, new Uint8Array(16)).encrypt(fragment));
  assertEquals(openReplyFragment(crypto, key, body), fragment);
  assertThrows(() => replyKeyDigest(new Uint8Array(32)), InvalidLengthError);
  assertThrows(() => openReplyFragment(crypto, key, new Uint8Array(10)), InvalidLengthError);
});

Deno.test("the receive path tells replies, regular fragments and loop cover apart", () => {
  const random = seededRandom(new Uint8Array(32).fill(4));
  const secret = random(32);
  const own = crypto.x25519Base(secret);
  const replyKey = random(16);
  const digest = toHex(replyKeyDigest(replyKey));
  const keys = {
    encryptionSecretKey: secret,
    findReplyKey: (d: Uint8Array) => (toHex(d) === digest ? replyKey : undefined),
  };
  const fragment = random(1611);
  const reply = openReceivedBody(crypto, sealReplyFragment(crypto, replyKey, fragment), keys);
  assert(reply.kind === "fragment");
  assertEquals(reply.fragment, fragment);
  assertEquals(reply.replyKey, replyKey);
  const regular = openReceivedBody(
    crypto,
    sealRegularFragment(crypto, random, own, fragment),
    keys,
  );
  assert(regular.kind === "fragment");
  assertEquals(regular.fragment, fragment);
  assertEquals(regular.replyKey, undefined);
  for (const size of [PacketSize.Regular, PacketSize.Extended8, PacketSize.OutfoxRegular]) {
    const ackLength = size === PacketSize.OutfoxRegular ? 396 : 405;
    const cover = buildLoopCoverPlaintext(crypto, random, {
      surbAck: new Uint8Array(ackLength),
      ownEncryptionKey: own,
      packetSize: size,
    });
    assertEquals(cover.length, packetPlaintextLength(size));
    const body = cover.subarray(ackLength);
    assertEquals(openReceivedBody(crypto, body, keys).kind, "cover");
    const plain = openRegularFragment(crypto, secret, body);
    assertEquals(plain.subarray(0, 19), new Uint8Array([...LOOP_COVER_MESSAGE, 1]));
    assert(plain.subarray(19).every((b) => b === 0));
  }
  assert(isLoopCover(new Uint8Array([...LOOP_COVER_MESSAGE, 7])));
  assert(!isLoopCover(LOOP_COVER_MESSAGE.subarray(1)));
  assertThrows(() => openReceivedBody(crypto, new Uint8Array(20), keys), InvalidLengthError);
});

Deno.test("whole packet plaintexts have exactly the plaintext size of their packet", () => {
  const random = seededRandom(new Uint8Array(32).fill(5));
  const key = crypto.x25519Base(random(32));
  const cases = [
    [PacketSize.Regular, PacketType.Mix, 405, 1611],
    [PacketSize.Extended8, PacketType.Mix, 405, 7755],
    [PacketSize.Extended16, PacketType.Mix, 405, 15947],
    [PacketSize.Extended32, PacketType.Mix, 405, 32331],
    [PacketSize.OutfoxRegular, PacketType.Outfox, 396, 1620],
  ] as const;
  for (const [size, type, ack, ppp] of cases) {
    const surbAck = random(ack);
    const regular = buildRegularPlaintext(crypto, random, {
      surbAck,
      recipientEncryptionKey: key,
      fragment: new Uint8Array(ppp),
      packetType: type,
    });
    assertEquals(regular.packetSize, size);
    assertEquals(regular.plaintext.length, packetPlaintextLength(size));
    assertEquals(regular.plaintext.subarray(0, ack), surbAck);
  }
  const reply = buildReplyPlaintext(crypto, {
    surbAck: new Uint8Array(405),
    replyKey: new Uint8Array(16),
    fragment: new Uint8Array(7755),
  });
  assertEquals(reply.packetSize, PacketSize.Extended8);
  assertEquals(reply.plaintext.length, 8192);
  assertThrows(
    () =>
      buildRegularPlaintext(crypto, random, {
        surbAck: new Uint8Array(405),
        recipientEncryptionKey: key,
        fragment: new Uint8Array(1610),
        packetType: PacketType.Mix,
      }),
    InvalidLengthError,
  );
  assertThrows(
    () =>
      buildReplyPlaintext(crypto, {
        surbAck: new Uint8Array(396),
        replyKey: new Uint8Array(16),
        fragment: new Uint8Array(1611),
      }),
    InvalidLengthError,
  );
  assertThrows(
    () =>
      buildLoopCoverPlaintext(crypto, random, {
        surbAck: new Uint8Array(405),
        ownEncryptionKey: key,
        packetSize: PacketSize.Ack,
      }),
    InvalidLengthError,
  );
});
