import { assertEquals, assertStrictEquals, assertThrows } from "../testing/asserts.ts";
import {
  InvalidKeyRotationError,
  InvalidPacketSizeError,
  InvalidPacketTypeError,
  InvalidRoutingAddressError,
  MalformedMixPacketError,
} from "./errors.ts";
import { KeyRotation } from "./key_rotation.ts";
import {
  decodeMixPacketV1,
  decodeMixPacketV2,
  encodeMixPacketV1,
  encodeMixPacketV2,
} from "./mix_packet.ts";
import { ALL_PACKET_SIZES, packetTotalLength, packetTypeOfSize } from "./packet_size.ts";
import { PacketType } from "./packet_type.ts";

const HOPS = [{ ip: "1.2.3.4", port: 1789 }, { ip: "2001:db8::7", port: 9000 }];

Deno.test("v1 and v2 round trip for every size and address family", () => {
  for (const size of ALL_PACKET_SIZES) {
    for (const nextHop of HOPS) {
      const packet = new Uint8Array(packetTotalLength(size)).map((_, i) => i & 0xff);
      const mix = {
        nextHop,
        packetType: packetTypeOfSize(size),
        keyRotation: KeyRotation.Even,
        packet,
      };
      const v1 = encodeMixPacketV1(mix);
      const addressLength = nextHop.ip.includes(":") ? 19 : 7;
      assertEquals(v1.length, 1 + addressLength + packet.length);
      const d1 = decodeMixPacketV1(v1);
      assertEquals(d1, { ...mix, keyRotation: KeyRotation.Unknown, packetSize: size });
      assertStrictEquals(d1.packet.buffer, v1.buffer);
      const v2 = encodeMixPacketV2(mix);
      assertEquals(v2.length, 2 + addressLength + packet.length);
      assertEquals(decodeMixPacketV2(v2), { ...mix, packetSize: size });
    }
  }
});

Deno.test("exact v1/v2 layouts", () => {
  const packet = new Uint8Array(386).fill(0xaa);
  const mix = {
    nextHop: { ip: "10.0.0.1", port: 1789 },
    packetType: PacketType.Mix,
    keyRotation: KeyRotation.Odd,
    packet,
  };
  assertEquals([...encodeMixPacketV1(mix).subarray(0, 9)], [0, 4, 0x06, 0xfd, 10, 0, 0, 1, 0xaa]);
  assertEquals(
    [...encodeMixPacketV2(mix).subarray(0, 10)],
    [0, 1, 4, 0x06, 0xfd, 10, 0, 0, 1, 0xaa],
  );
});

Deno.test("malformed MixPackets raise specific typed errors", () => {
  const ok = encodeMixPacketV2({
    nextHop: HOPS[0],
    packetType: 0,
    keyRotation: 0,
    packet: new Uint8Array(2413),
  });
  assertThrows(() => decodeMixPacketV1(new Uint8Array(0)), MalformedMixPacketError);
  assertThrows(() => decodeMixPacketV1(new Uint8Array([0])), MalformedMixPacketError);
  assertThrows(() => decodeMixPacketV2(new Uint8Array([0, 0])), MalformedMixPacketError);
  const badType = ok.slice();
  badType[0] = 1;
  assertThrows(() => decodeMixPacketV2(badType), InvalidPacketTypeError);
  const badRotation = ok.slice();
  badRotation[1] = 3;
  assertThrows(() => decodeMixPacketV2(badRotation), InvalidKeyRotationError);
  const badAddress = ok.slice();
  badAddress[2] = 5;
  assertThrows(() => decodeMixPacketV2(badAddress), InvalidRoutingAddressError);
  assertThrows(() => decodeMixPacketV2(ok.subarray(0, 8)), InvalidRoutingAddressError);
  assertThrows(() => decodeMixPacketV2(ok.subarray(0, ok.length - 1)), InvalidPacketSizeError);
  assertThrows(() => decodeMixPacketV2(ok.subarray(0, 9)), InvalidPacketSizeError);
  // The outfox "len + 6" length is not accepted on the wire.
  const short = ok.subarray(0, 9 + 2371);
  assertThrows(() => decodeMixPacketV2(short), InvalidPacketSizeError);
});

Deno.test("encoding rejects packets of no packet size and bad fields", () => {
  const base = { nextHop: HOPS[0], packetType: 0, keyRotation: 0 } as const;
  assertThrows(
    () => encodeMixPacketV1({ ...base, packet: new Uint8Array(10) }),
    MalformedMixPacketError,
  );
  assertThrows(
    () => encodeMixPacketV2({ ...base, keyRotation: 7 as 0, packet: new Uint8Array(386) }),
    InvalidKeyRotationError,
  );
  assertThrows(
    () =>
      encodeMixPacketV1({ ...base, nextHop: { ip: "nope", port: 1 }, packet: new Uint8Array(386) }),
    InvalidRoutingAddressError,
  );
});
