import { assert, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { seededRandom, toHex } from "../../crypto/mod.ts";
import {
  decodeNoiseFrame,
  decodeNoiseFrameHeader,
  encodeNoiseFrame,
  NOISE_MAX_FRAME_LENGTH,
  NoiseFrameDecoder,
  NoiseFrameLengthError,
  NoiseMessageType,
  NoisePattern,
  NoiseStateError,
  UnknownNoiseMessageTypeError,
  UnknownNoisePatternError,
  UnknownNoiseVersionError,
} from "./mod.ts";

Deno.test("frame header layout: version, pattern, type, u16 BE length, 3 zero bytes", () => {
  const frame = encodeNoiseFrame(
    1,
    NoisePattern.XKpsk3,
    NoiseMessageType.Data,
    new Uint8Array(0x1234),
  );
  assertEquals(toHex(frame.subarray(0, 8)), "0101011234000000");
  const hs = encodeNoiseFrame(
    1,
    NoisePattern.XKpsk3,
    NoiseMessageType.Handshake,
    new Uint8Array(48),
  );
  assertEquals(toHex(hs.subarray(0, 8)), "0101000030000000");
  const decoded = decodeNoiseFrame(frame);
  assertEquals(decoded.header, { version: 1, pattern: 1, messageType: 1, length: 0x1234 });
  assertEquals(decoded.data.length, 0x1234);
  assertEquals(decodeNoiseFrameHeader(Uint8Array.of(9, 1, 2, 0, 0, 0, 0, 0, 0), 1).pattern, 2);
});

Deno.test("unknown version, pattern and message type are typed errors", () => {
  const header = (v: number, p: number, t: number) => Uint8Array.of(v, p, t, 0, 0, 0, 0, 0);
  for (const v of [0, 2, 255]) {
    assertEquals(
      assertThrows(() => decodeNoiseFrameHeader(header(v, 1, 0)), UnknownNoiseVersionError).encoded,
      v,
    );
  }
  for (const p of [0, 3, 255]) {
    assertEquals(
      assertThrows(() => decodeNoiseFrameHeader(header(1, p, 0)), UnknownNoisePatternError).encoded,
      p,
    );
  }
  for (const t of [2, 128]) {
    assertEquals(
      assertThrows(() => decodeNoiseFrameHeader(header(1, 1, t)), UnknownNoiseMessageTypeError)
        .encoded,
      t,
    );
  }
});

Deno.test("length mismatches and short headers are NoiseFrameLengthErrors", () => {
  const frame = encodeNoiseFrame(1, 1, 1, new Uint8Array(20));
  assertThrows(() => decodeNoiseFrame(frame.subarray(0, 27)), NoiseFrameLengthError);
  assertThrows(() => decodeNoiseFrame(Uint8Array.of(...frame, 0)), NoiseFrameLengthError);
  assertThrows(() => decodeNoiseFrameHeader(frame.subarray(0, 7)), NoiseFrameLengthError);
  assertThrows(() => decodeNoiseFrameHeader(frame, frame.length - 7), NoiseFrameLengthError);
  assertThrows(() => encodeNoiseFrame(1, 1, 1, new Uint8Array(65536)), NoiseFrameLengthError);
});

Deno.test("reserved bytes are written as zero and ignored when reading (as upstream)", () => {
  const frame = encodeNoiseFrame(1, 1, 0, Uint8Array.of(5));
  frame.set([0xaa, 0xbb, 0xcc], 5);
  assertEquals(decodeNoiseFrame(frame).data, Uint8Array.of(5));
});

Deno.test("streaming decoder reassembles frames split at every byte boundary", () => {
  const rng = seededRandom(new Uint8Array(32).fill(0xf1));
  const payloads = [0, 1, 16, 48, 300, 65535].map((n) => rng(n));
  const wire = Uint8Array.of(
    ...payloads.flatMap((p, i) => [...encodeNoiseFrame(1, 1, (i % 2) as 0 | 1, p)]),
  );
  for (const step of [1, 7, 8, 9, 4096, wire.length]) {
    const decoder = new NoiseFrameDecoder();
    const out: Uint8Array[] = [];
    for (let i = 0; i < wire.length; i += step) {
      decoder.push(wire.subarray(i, i + step));
      for (let f = decoder.next(); f !== null; f = decoder.next()) out.push(f.data);
    }
    assertEquals(out.length, payloads.length, `step ${step}`);
    out.forEach((d, i) => assertEquals(toHex(d), toHex(payloads[i])));
    assertEquals(decoder.hasPartialFrame, false);
  }
});

Deno.test("streaming decoder buffer is bounded and refuses to grow", () => {
  const decoder = new NoiseFrameDecoder();
  assertEquals(decoder.capacity, NOISE_MAX_FRAME_LENGTH + 65536);
  decoder.push(
    new Uint8Array(decoder.capacity).fill(1).map((
      _,
      i,
    ) => (i < 8 ? [1, 1, 1, 0xff, 0xff, 0, 0, 0][i] : 1)),
  );
  assertThrows(() => decoder.push(Uint8Array.of(1)), NoiseStateError);
  assert(decoder.next() !== null); // one max frame out, room again
  decoder.push(new Uint8Array(NOISE_MAX_FRAME_LENGTH - 65536 + 1));
  assertThrows(() => new NoiseFrameDecoder(100), RangeError);
});

Deno.test("a corrupt header in the stream surfaces as a typed error", () => {
  const decoder = new NoiseFrameDecoder();
  decoder.push(Uint8Array.of(1, 7, 0, 0, 0, 0, 0, 0));
  assertThrows(() => decoder.next(), UnknownNoisePatternError);
});

Deno.test("reserve/commit reads in place; bytesNeeded tracks the current frame", () => {
  const decoder = new NoiseFrameDecoder(NoiseFrameDecoder.DEFAULT_CAPACITY, 16);
  assertEquals(decoder.bytesNeeded, 8);
  const frame = encodeNoiseFrame(1, 1, 1, new Uint8Array(1000).fill(3));
  let region = decoder.reserve(5);
  assertEquals(region.length, 5);
  region.set(frame.subarray(0, 5));
  decoder.commit(5);
  assertEquals(decoder.bytesNeeded, 3);
  region = decoder.reserve(3);
  region.set(frame.subarray(5, 8));
  decoder.commit(3);
  assertEquals(decoder.next(), null); // header parsed, data missing
  assertEquals(decoder.bytesNeeded, 1000);
  region = decoder.reserve(2000); // grows past the 16-byte initial buffer
  assertEquals(region.length, 2000);
  region.set(frame.subarray(8));
  decoder.commit(1000);
  assertEquals(decoder.next()?.data.length, 1000);
  assertEquals(decoder.hasPartialFrame, false);
  assertThrows(() => decoder.commit(1 << 20), NoiseStateError);
  assertEquals(decoder.reserve(1 << 30).length, decoder.capacity); // never beyond the bound
});
