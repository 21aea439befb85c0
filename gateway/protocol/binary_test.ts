import {
  assertEquals,
  assertInstanceOf,
  assertNotEquals,
  assertThrows,
} from "../../testing/asserts.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { seededRandom } from "../../crypto/random.ts";
import { InvalidPacketSizeError, InvalidRoutingAddressError } from "../../framing/errors.ts";
import { encodeMixPacketV1, encodeMixPacketV2, type MixPacket } from "../../framing/mix_packet.ts";
import {
  ALL_PACKET_SIZES,
  packetTotalLength,
  packetTypeOfSize,
} from "../../framing/packet_size.ts";
import {
  BINARY_FRAME_HEADER_LENGTH,
  decodeClientBinaryRequest,
  decodePushedMixMessage,
  encodeClientBinaryRequest,
  encodePushedMixMessage,
} from "./binary.ts";
import {
  BinaryFrameDecryptionError,
  InvalidEncryptionFlagError,
  MalformedMixPacketFrameError,
  TruncatedBinaryFrameError,
  UnknownBinaryKindError,
} from "./errors.ts";
import { openWithSharedKey, sealWithSharedKey, TAG_LENGTH } from "./shared_key.ts";

const random = seededRandom(new Uint8Array(32).fill(31));
const key = random(32);

function mixPacket(size: number, ipv6: boolean, keyRotation: 0 | 1 | 2): MixPacket {
  const s = ALL_PACKET_SIZES[size];
  return {
    nextHop: ipv6 ? { ip: "2001:db8::7", port: 1789 } : { ip: "127.0.0.11", port: 1789 },
    packetType: packetTypeOfSize(s),
    keyRotation,
    packet: random(packetTotalLength(s)),
  };
}

Deno.test("binary: v1 and v2 requests round trip for every packet size and address family", () => {
  for (let size = 0; size < ALL_PACKET_SIZES.length; size++) {
    for (const ipv6 of [false, true]) {
      for (const kind of [1, 2] as const) {
        const packet = mixPacket(size, ipv6, kind === 2 ? 1 : 0);
        const frame = encodeClientBinaryRequest(kind, packet, key, random);
        const plaintext = kind === 1 ? encodeMixPacketV1(packet) : encodeMixPacketV2(packet);
        // kind ‖ 1 ‖ nonce ‖ AES-256-GCM-SIV(k, nonce, MixPacket)
        assertEquals(frame.length, BINARY_FRAME_HEADER_LENGTH + plaintext.length + TAG_LENGTH);
        assertEquals([frame[0], frame[1]], [kind, 1]);
        assertEquals(openWithSharedKey(key, frame.subarray(2, 14), frame.subarray(14)), plaintext);
        const decoded = decodeClientBinaryRequest(frame, key);
        assertEquals([decoded.kind, decoded.encrypted], [kind, true]);
        assertEquals(decoded.mixPacket.nextHop, packet.nextHop);
        assertEquals(decoded.mixPacket.packetType, packet.packetType);
        assertEquals(decoded.mixPacket.keyRotation, packet.keyRotation);
        assertEquals(decoded.mixPacket.packet, packet.packet);
        assertEquals(decoded.mixPacket.packetSize, ALL_PACKET_SIZES[size]);
      }
    }
  }
});

Deno.test("binary: the wasm client's frame sizes (2451 / 2452 bytes for a 2413-byte packet)", () => {
  const packet = mixPacket(0, false, 2);
  assertEquals(packet.packet.length, 2413);
  assertEquals(encodeClientBinaryRequest(1, packet, key, random).length, 2451);
  assertEquals(encodeClientBinaryRequest(2, packet, key, random).length, 2452);
  // Kind 1 drops the rotation: it decodes as Unknown.
  assertEquals(
    decodeClientBinaryRequest(encodeClientBinaryRequest(1, packet, key, random), key).mixPacket
      .keyRotation,
    0,
  );
});

Deno.test("binary: every frame uses a fresh nonce", () => {
  const packet = mixPacket(1, false, 0);
  const a = encodeClientBinaryRequest(1, packet, key, random);
  const b = encodeClientBinaryRequest(1, packet, key, random);
  assertNotEquals(a.subarray(2, 14), b.subarray(2, 14));
  assertNotEquals(a, b);
});

Deno.test("binary: pushed messages round trip (1673 / 51-byte frames for 1643 / 21 bytes)", () => {
  for (const length of [0, 1, 21, 1643, 2048, 32_768]) {
    const message = random(length);
    const frame = encodePushedMixMessage(message, key, random);
    assertEquals(frame.length, length + 30);
    assertEquals([frame[0], frame[1]], [1, 1]);
    assertEquals(decodePushedMixMessage(frame, key), message);
  }
});

Deno.test("binary: frames sealed with the injected native cipher open with the portable one", () => {
  const native = createCryptoProvider("node");
  for (const kind of [1, 2] as const) {
    const packet = mixPacket(0, false, kind === 2 ? 2 : 0);
    const frame = encodeClientBinaryRequest(kind, packet, key, random, native);
    assertEquals(decodeClientBinaryRequest(frame, key).mixPacket.packet, packet.packet);
    assertEquals(
      decodeClientBinaryRequest(encodeClientBinaryRequest(kind, packet, key, random), key, native)
        .mixPacket.packet,
      packet.packet,
    );
    const tampered = frame.slice();
    tampered[frame.length - 1] ^= 1;
    assertThrows(
      () => decodeClientBinaryRequest(tampered, key, native),
      BinaryFrameDecryptionError,
    );
  }
  const message = random(1643);
  const pushed = encodePushedMixMessage(message, key, random, native);
  assertEquals(pushed.length, 1673);
  assertEquals(decodePushedMixMessage(pushed, key), message);
  assertEquals(
    decodePushedMixMessage(encodePushedMixMessage(message, key, random), key, native),
    message,
  );
  assertThrows(
    () => decodePushedMixMessage(pushed.subarray(0, 29), key, native),
    BinaryFrameDecryptionError,
  );
});

Deno.test("binary: plaintext frames (flag 0) are accepted, as upstream does", () => {
  const packet = mixPacket(0, false, 2);
  const frame = new Uint8Array([2, 0, ...new Uint8Array(12), ...encodeMixPacketV2(packet)]);
  const decoded = decodeClientBinaryRequest(frame, key);
  assertEquals([decoded.kind, decoded.encrypted, decoded.mixPacket.keyRotation], [2, false, 2]);
  assertEquals(
    decodePushedMixMessage(new Uint8Array([1, 0, ...new Uint8Array(12), 7, 8]), key),
    new Uint8Array([7, 8]),
  );
});

Deno.test("binary: short frames, bad flags and unknown kinds are typed errors", () => {
  for (const length of [0, 1]) {
    assertThrows(
      () => decodeClientBinaryRequest(new Uint8Array(length).fill(1), key),
      TruncatedBinaryFrameError,
      "too short",
    );
  }
  for (const length of [2, 13]) {
    assertThrows(
      () => decodeClientBinaryRequest(new Uint8Array(length).fill(1), key),
      TruncatedBinaryFrameError,
    );
    const plain = new Uint8Array(length).fill(1);
    plain[1] = 0;
    assertThrows(() => decodePushedMixMessage(plain, key), TruncatedBinaryFrameError);
  }
  for (const flag of [2, 255]) {
    const frame = encodePushedMixMessage(new Uint8Array(5), key, random);
    frame[1] = flag;
    assertThrows(() => decodePushedMixMessage(frame, key), InvalidEncryptionFlagError);
  }
  const packet = mixPacket(0, false, 0);
  for (const kind of [0, 3, 255]) {
    const frame = encodeClientBinaryRequest(1, packet, key, random);
    frame[0] = kind;
    const e = assertThrows(
      () => decodeClientBinaryRequest(frame, key),
      UnknownBinaryKindError,
      `unknown kind: ${kind}`,
    );
    assertEquals(e.kind, kind);
  }
  // Clients only accept kind 1 from the gateway.
  const pushed = encodePushedMixMessage(new Uint8Array(3), key, random);
  pushed[0] = 2;
  assertThrows(() => decodePushedMixMessage(pushed, key), UnknownBinaryKindError);
});

Deno.test("binary: frames that do not decrypt are typed errors", () => {
  const frame = encodeClientBinaryRequest(2, mixPacket(0, false, 1), key, random);
  assertThrows(() => decodeClientBinaryRequest(frame, random(32)), BinaryFrameDecryptionError);
  for (const at of [2, 13, 14, 500, frame.length - 1]) {
    const tampered = frame.slice();
    tampered[at] ^= 0x80;
    assertThrows(() => decodeClientBinaryRequest(tampered, key), BinaryFrameDecryptionError);
  }
  // Ciphertext shorter than a tag.
  assertThrows(
    () =>
      decodePushedMixMessage(
        encodePushedMixMessage(new Uint8Array(9), key, random).subarray(0, 20),
        key,
      ),
    BinaryFrameDecryptionError,
  );
  // A frame encrypted for another session.
  assertThrows(
    () =>
      decodePushedMixMessage(encodePushedMixMessage(new Uint8Array(4), random(32), random), key),
    BinaryFrameDecryptionError,
  );
});

Deno.test("binary: decrypted bytes that are no MixPacket are typed errors", () => {
  function frameOf(kind: number, plaintext: Uint8Array): Uint8Array {
    const nonce = random(12);
    return new Uint8Array([kind, 1, ...nonce, ...sealWithSharedKey(key, nonce, plaintext)]);
  }
  const good = encodeMixPacketV1(mixPacket(0, false, 0));
  const cases: [number, Uint8Array, unknown][] = [
    [1, new Uint8Array(0), undefined],
    [1, good.subarray(0, good.length - 1), InvalidPacketSizeError], // wrong packet size
    [1, new Uint8Array([1, ...good.subarray(1)]), undefined], // packet type 1 (retired)
    [1, new Uint8Array([0, 9, ...good.subarray(2)]), InvalidRoutingAddressError], // address family 9
    [2, good, undefined], // a v1 packet sent as kind 2: the address byte is read as the rotation
    [2, new Uint8Array([0, 3, ...good.subarray(1)]), undefined], // rotation 3
  ];
  for (const [kind, plaintext, cause] of cases) {
    const e = assertThrows(
      () => decodeClientBinaryRequest(frameOf(kind, plaintext), key),
      MalformedMixPacketFrameError,
    );
    if (cause !== undefined) assertInstanceOf(e.cause, cause as new () => Error);
  }
});
