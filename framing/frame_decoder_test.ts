import { assert, assertEquals, assertStrictEquals, assertThrows } from "../testing/asserts.ts";
import { randomInt, seededRandom } from "../crypto/random.ts";
import {
  FrameBufferOverflowError,
  InvalidFrameVersionError,
  InvalidPacketSizeError,
} from "./errors.ts";
import { encodeFrame, encodeFrames, type FrameInit, type FrameVersion } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { type KeyRotation } from "./key_rotation.ts";
import { ALL_PACKET_SIZES, packetTotalLength, packetTypeOfSize } from "./packet_size.ts";

function makeFrames(seed: number, count: number): FrameInit[] {
  const random = seededRandom(new Uint8Array(32).fill(seed));
  const frames: FrameInit[] = [];
  for (let i = 0; i < count; i++) {
    const size = ALL_PACKET_SIZES[randomInt(random, ALL_PACKET_SIZES.length)];
    const packet = new Uint8Array(packetTotalLength(size));
    packet[0] = i & 0xff;
    packet[packet.length - 1] = (i >> 8) & 0xff;
    frames.push({
      version: (7 + randomInt(random, 2)) as FrameVersion,
      packetType: packetTypeOfSize(size),
      keyRotation: randomInt(random, 3) as KeyRotation,
      packetSize: size,
      packet,
    });
  }
  return frames;
}

function expectSame(decoded: ReturnType<FrameDecoder["drain"]>, frames: FrameInit[]): void {
  assertEquals(decoded.length, frames.length);
  for (let i = 0; i < frames.length; i++) {
    const d = decoded[i];
    const f = frames[i];
    assertEquals(d.version, f.version);
    assertEquals(d.packetSize, f.packetSize);
    assertEquals(d.packetType, f.packetType);
    assertEquals(d.keyRotation, f.version === 7 ? 0 : f.keyRotation);
    assertEquals(d.packet, f.packet);
  }
}

Deno.test("frames inside one chunk are zero-copy views of it", () => {
  const frames = makeFrames(1, 20);
  const wire = encodeFrames(frames);
  const decoder = new FrameDecoder({ maxBufferedBytes: wire.length });
  decoder.push(wire);
  const decoded = decoder.drain();
  expectSame(decoded, frames);
  for (const d of decoded) assertStrictEquals(d.packet.buffer, wire.buffer);
  assertEquals(decoder.bufferedBytes, 0);
  assertEquals(decoder.next(), undefined);
});

Deno.test("byte-by-byte pushes decode the same frames", () => {
  const frames = makeFrames(2, 6);
  const wire = encodeFrames(frames);
  const decoder = new FrameDecoder();
  const decoded = [];
  for (let i = 0; i < wire.length; i++) {
    decoder.push(wire.subarray(i, i + 1));
    decoded.push(...decoder.drain());
  }
  expectSame(decoded, frames);
  assertEquals(decoder.bufferedBytes, 0);
});

Deno.test("random chunking (including headers split across chunks) round trips", () => {
  const random = seededRandom(new Uint8Array(32).fill(9));
  for (let round = 0; round < 20; round++) {
    const frames = makeFrames(round + 10, 30);
    const wire = encodeFrames(frames);
    const decoder = new FrameDecoder();
    const decoded = [];
    let offset = 0;
    while (offset < wire.length) {
      // Mostly small chunks, sometimes large, so every header offset gets split somewhere.
      const n = 1 + randomInt(random, randomInt(random, 4) === 0 ? 40_000 : 5);
      decoder.push(wire.subarray(offset, Math.min(wire.length, offset + n)));
      offset += n;
      decoded.push(...decoder.drain());
    }
    expectSame(decoded, frames);
  }
});

Deno.test("a malformed header after good frames: good frames first, then a fatal error", () => {
  const good = encodeFrame({
    version: 8,
    packetType: 0,
    keyRotation: 1,
    packet: new Uint8Array(386),
  });
  const decoder = new FrameDecoder();
  decoder.push(good);
  decoder.push(good);
  decoder.push(new Uint8Array([3, 1, 0]));
  assertEquals(decoder.drain().length, 2);
  const e = assertThrows(() => decoder.next(), InvalidFrameVersionError);
  assertStrictEquals(decoder.error, e);
  assertThrows(() => decoder.drain(), InvalidFrameVersionError);
  assertThrows(() => decoder.push(good), InvalidFrameVersionError);
});

Deno.test("a bad version is detected from its first byte; bad sizes once the header is in", () => {
  const d = new FrameDecoder();
  d.push(new Uint8Array([200]));
  assertThrows(() => d.next(), InvalidFrameVersionError);
  const s = new FrameDecoder();
  s.push(new Uint8Array([7, 9]));
  assertEquals(s.next(), undefined);
  s.push(new Uint8Array([0]));
  assertThrows(() => s.next(), InvalidPacketSizeError);
});

Deno.test("the buffer is bounded", () => {
  const decoder = new FrameDecoder({ maxBufferedBytes: 1000 });
  decoder.push(new Uint8Array([7, 1, 0]));
  decoder.push(new Uint8Array(900));
  assertEquals(decoder.next(), undefined);
  assertThrows(() => decoder.push(new Uint8Array(200)), FrameBufferOverflowError);
  assertThrows(() => decoder.next(), FrameBufferOverflowError);
  assertThrows(() => new FrameDecoder({ maxBufferedBytes: 0 }), RangeError);
});

Deno.test("copyChunks protects against callers reusing their read buffer", () => {
  const wire = encodeFrame({
    version: 7,
    packetType: 0,
    keyRotation: 0,
    packet: new Uint8Array(386).fill(5),
  });
  const shared = new FrameDecoder();
  const copying = new FrameDecoder({ copyChunks: true });
  const buffer = wire.slice();
  shared.push(buffer);
  copying.push(buffer);
  const a = shared.next();
  const b = copying.next();
  buffer.fill(0);
  assert(a !== undefined && b !== undefined);
  assertEquals(a.packet[0], 0); // aliases the caller's buffer, as documented
  assertEquals(b.packet[0], 5);
});

Deno.test("bufferedBytes tracks partial frames", () => {
  const wire = encodeFrame({
    version: 8,
    packetType: 0,
    keyRotation: 2,
    packet: new Uint8Array(2413),
  });
  const decoder = new FrameDecoder();
  decoder.push(wire.subarray(0, 1000));
  assertEquals(decoder.bufferedBytes, 1000);
  decoder.push(wire.subarray(1000));
  decoder.push(wire.subarray(0, 2));
  assertEquals(decoder.next()?.keyRotation, 2);
  assertEquals(decoder.bufferedBytes, 2);
  decoder.push(new Uint8Array(0));
  assertEquals(decoder.next(), undefined);
});
