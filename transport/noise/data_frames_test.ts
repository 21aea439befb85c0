import { assertEquals, assertInstanceOf, assertThrows } from "../../testing/asserts.ts";
import { concatBytes, createCryptoProvider, seededRandom, toHex } from "../../crypto/mod.ts";
import {
  checkHandshakeFrame,
  decodeNoiseFrameHeader,
  deriveNymNoisePsk,
  encodeNoiseFrame,
  NOISE_MAX_PLAINTEXT_LENGTH,
  NoiseDecryptError,
  NoiseFrameDecoder,
  NoiseMessageLengthError,
  openNoiseDataFrame,
  sealNoiseDataFrames,
  UnexpectedNoiseFrameError,
  x25519KeyPairFromSecret,
  XKpsk3Handshake,
} from "./mod.ts";

const crypto = createCryptoProvider();
const V1 = { version: 1, pattern: 1 } as const;

function sessions(seed: number) {
  const rng = seededRandom(new Uint8Array(32).fill(seed));
  const r = x25519KeyPairFromSecret(crypto, rng(32));
  const psk = deriveNymNoisePsk(crypto, r.publicKey, 1);
  const i = XKpsk3Handshake.initiator({
    crypto,
    random: rng,
    psk,
    localStaticKeyPair: x25519KeyPairFromSecret(crypto, rng(32)),
    remoteStaticPublicKey: r.publicKey,
  });
  const s = XKpsk3Handshake.responder({ crypto, random: rng, psk, localStaticKeyPair: r });
  s.readMessage(i.writeMessage());
  i.readMessage(s.writeMessage());
  s.readMessage(i.writeMessage());
  return { a: i.intoTransport(), b: s.intoTransport(), rng };
}

function splitFrames(wire: Uint8Array) {
  const d = new NoiseFrameDecoder(wire.length + 65536 + 8 + 65535);
  d.push(wire);
  const frames = [];
  for (let f = d.next(); f !== null; f = d.next()) frames.push(f);
  return frames;
}

Deno.test("writes are chunked into frames of at most 65535-16 plaintext bytes", () => {
  const { a, b, rng } = sessions(1);
  for (const size of [1, 2413, 65519, 65520, 131038, 131039, 1_000_000]) {
    const data = rng(size);
    const frames = splitFrames(sealNoiseDataFrames(a, data, V1));
    assertEquals(frames.length, Math.ceil(size / NOISE_MAX_PLAINTEXT_LENGTH), `size ${size}`);
    for (const [i, f] of frames.entries()) {
      const expected = Math.min(NOISE_MAX_PLAINTEXT_LENGTH, size - i * NOISE_MAX_PLAINTEXT_LENGTH);
      assertEquals(f.header.length, expected + 16);
      assertEquals(f.header.messageType, 1);
    }
    const plain = frames.map((f) => openNoiseDataFrame(b, f, V1));
    assertEquals(toHex(concatBytes(...plain)), toHex(data));
  }
  assertEquals(sealNoiseDataFrames(a, new Uint8Array(0), V1).length, 0);
});

Deno.test("tampered transport frames are rejected with NoiseDecryptError", () => {
  const { a, b, rng } = sessions(2);
  const wire = sealNoiseDataFrames(a, rng(2413), V1);
  for (let i = 8; i < wire.length; i += 97) {
    const bad = wire.slice();
    bad[i] ^= 0x10;
    const [frame] = splitFrames(bad);
    assertThrows(() => openNoiseDataFrame(b, frame, V1), NoiseDecryptError);
  }
  // The untampered frame still decrypts: failures do not advance the nonce.
  assertEquals(openNoiseDataFrame(b, splitFrames(wire)[0], V1).length, 2413);
  // Replaying it fails (nonce moved on); reordering fails likewise.
  assertThrows(() => openNoiseDataFrame(b, splitFrames(wire)[0], V1), NoiseDecryptError);
});

Deno.test("data frames with the wrong type, version, pattern or a short body are rejected", () => {
  const { a, b } = sessions(3);
  const good = splitFrames(sealNoiseDataFrames(a, Uint8Array.of(1, 2, 3), V1))[0];
  const handshakeType = { header: { ...good.header, messageType: 0 as const }, data: good.data };
  assertEquals(
    assertThrows(() => openNoiseDataFrame(b, handshakeType, V1), UnexpectedNoiseFrameError).reason,
    "non-data-after-handshake",
  );
  const otherPattern = { header: { ...good.header, pattern: 2 as const }, data: good.data };
  assertEquals(
    assertThrows(() => openNoiseDataFrame(b, otherPattern, V1), UnexpectedNoiseFrameError).reason,
    "pattern-mismatch",
  );
  const otherVersion = { header: { ...good.header, version: 2 }, data: good.data };
  assertEquals(
    assertThrows(() => openNoiseDataFrame(b, otherVersion, V1), UnexpectedNoiseFrameError).reason,
    "version-changed",
  );
  const short = { header: { ...good.header, length: 15 }, data: good.data.subarray(0, 15) };
  assertThrows(() => openNoiseDataFrame(b, short, V1), NoiseMessageLengthError);
  assertEquals(toHex(openNoiseDataFrame(b, good, V1)), "010203");
  const data = {
    header: decodeNoiseFrameHeader(encodeNoiseFrame(1, 1, 1, new Uint8Array())),
    data: new Uint8Array(),
  };
  const e = assertThrows(() => checkHandshakeFrame(data, V1), UnexpectedNoiseFrameError);
  assertInstanceOf(e, UnexpectedNoiseFrameError);
  assertEquals(e.reason, "non-handshake-during-handshake");
});
