import { assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  InvalidFrameError,
  InvalidFrameVersionError,
  InvalidKeyRotationError,
  InvalidPacketSizeError,
  InvalidPacketTypeError,
} from "./errors.ts";
import {
  decodeFrameHeader,
  encodeFrame,
  encodeFrames,
  frameHeaderLength,
  frameLength,
  FrameVersion,
  frameVersionFromByte,
  writeFrameHeader,
} from "./frame.ts";
import { KeyRotation } from "./key_rotation.ts";
import { ALL_PACKET_SIZES, PacketSize, packetTotalLength } from "./packet_size.ts";
import { PacketType } from "./packet_type.ts";

Deno.test("v7 and v8 headers round trip for every size, type and rotation", () => {
  for (const packetSize of ALL_PACKET_SIZES) {
    for (const packetType of [PacketType.Mix, PacketType.Outfox]) {
      for (const keyRotation of [KeyRotation.Unknown, KeyRotation.Odd, KeyRotation.Even]) {
        for (const version of [FrameVersion.Legacy, FrameVersion.KeyRotation]) {
          const header = { version, packetSize, packetType, keyRotation };
          const buf = new Uint8Array(4);
          const n = writeFrameHeader(buf, 0, header);
          assertEquals(n, version === 7 ? 3 : 4);
          const decoded = decodeFrameHeader(buf.subarray(0, n));
          assertEquals(decoded, { ...header, keyRotation: version === 7 ? 0 : keyRotation });
          assertEquals(frameLength(header), n + packetTotalLength(packetSize));
        }
      }
    }
  }
});

Deno.test("exact header bytes", () => {
  const v7 = encodeFrame({
    version: 7,
    packetType: PacketType.Mix,
    keyRotation: KeyRotation.Even,
    packet: new Uint8Array(2413),
  });
  assertEquals([...v7.subarray(0, 3)], [7, 1, 0]);
  assertEquals(v7.length, 3 + 2413);
  const v8 = encodeFrame({
    version: 8,
    packetType: PacketType.Outfox,
    keyRotation: KeyRotation.Odd,
    packet: new Uint8Array(377),
  });
  assertEquals([...v8.subarray(0, 4)], [8, 7, 2, 1]);
  assertEquals(frameHeaderLength(8), 4);
});

Deno.test("incomplete headers decode to undefined", () => {
  assertEquals(decodeFrameHeader(new Uint8Array(0)), undefined);
  assertEquals(decodeFrameHeader(new Uint8Array([7])), undefined);
  assertEquals(decodeFrameHeader(new Uint8Array([7, 1])), undefined);
  assertEquals(decodeFrameHeader(new Uint8Array([8, 1, 0])), undefined);
  assertEquals(decodeFrameHeader(new Uint8Array([0, 8, 1, 0, 2]), 1)?.keyRotation, 2);
});

Deno.test("bad versions fail on the first byte; bad fields once the header is complete", () => {
  for (let v = 0; v < 7; v++) {
    const e = assertThrows(() => decodeFrameHeader(new Uint8Array([v])), InvalidFrameVersionError);
    assertEquals(e.version, v);
  }
  for (const v of [9, 100, 255]) {
    assertThrows(() => decodeFrameHeader(new Uint8Array([v, 1, 0, 0])), InvalidFrameVersionError);
  }
  assertThrows(() => frameVersionFromByte(6), InvalidFrameVersionError);
  assertThrows(() => decodeFrameHeader(new Uint8Array([7, 0, 0])), InvalidPacketSizeError);
  assertThrows(() => decodeFrameHeader(new Uint8Array([7, 8, 0])), InvalidPacketSizeError);
  assertThrows(() => decodeFrameHeader(new Uint8Array([7, 1, 1])), InvalidPacketTypeError);
  assertThrows(() => decodeFrameHeader(new Uint8Array([8, 1, 0, 3])), InvalidKeyRotationError);
  // v7 has no rotation byte: whatever follows belongs to the packet.
  assertEquals(decodeFrameHeader(new Uint8Array([7, 1, 0, 99]))?.keyRotation, 0);
});

Deno.test("encodeFrame checks the packet length against the size", () => {
  const base = { version: 8, packetType: 0, keyRotation: 0 } as const;
  assertThrows(() => encodeFrame({ ...base, packet: new Uint8Array(100) }), InvalidFrameError);
  // The outfox "len + 6" form cannot be framed: the receiver would wait for 6 more bytes.
  assertThrows(() => encodeFrame({ ...base, packet: new Uint8Array(2371) }), InvalidFrameError);
  assertThrows(
    () => encodeFrame({ ...base, packetSize: PacketSize.Ack, packet: new Uint8Array(2413) }),
    InvalidFrameError,
  );
  assertEquals(
    encodeFrame({ ...base, packetSize: PacketSize.Ack, packet: new Uint8Array(386) }).length,
    390,
  );
  assertThrows(
    () => encodeFrame({ ...base, version: 6 as 7, packet: new Uint8Array(386) }),
    InvalidFrameVersionError,
  );
  assertThrows(
    () => encodeFrame({ ...base, packetType: 1 as 0, packet: new Uint8Array(386) }),
    InvalidPacketTypeError,
  );
  assertThrows(() => writeFrameHeader(new Uint8Array(3), 0, { ...base, packetSize: 1 }));
});

Deno.test("encodeFrames concatenates frames", () => {
  const a = new Uint8Array(386).fill(1);
  const b = new Uint8Array(2413).fill(2);
  const out = encodeFrames([
    { version: 7, packetType: 0, keyRotation: 0, packet: a },
    { version: 8, packetType: 0, keyRotation: 2, packet: b },
  ]);
  assertEquals(out.length, 3 + 386 + 4 + 2413);
  assertEquals([...out.subarray(0, 3)], [7, 2, 0]);
  assertEquals(out[3], 1);
  assertEquals([...out.subarray(389, 393)], [8, 1, 0, 2]);
  assertEquals(out[393], 2);
  assertEquals(encodeFrames([]).length, 0);
});
