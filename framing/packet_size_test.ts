import { assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  InvalidKeyRotationError,
  InvalidPacketSizeError,
  InvalidPacketTypeError,
} from "./errors.ts";
import { KeyRotation, keyRotationFromByte, keyRotationFromId } from "./key_rotation.ts";
import {
  ALL_PACKET_SIZES,
  isExtendedPacketSize,
  packetPayloadLength,
  packetPlaintextLength,
  PacketSize,
  packetSizeFromLength,
  packetSizeFromPlaintext,
  packetSizeFromTag,
  packetSizeFromWireLength,
  packetSizeInfo,
  packetSizeName,
  packetTotalLength,
  packetTypeOfSize,
  parsePacketSizeName,
} from "./packet_size.ts";
import {
  PacketType,
  packetTypeFromByte,
  packetTypeName,
  parsePacketTypeName,
} from "./packet_type.ts";

// wire-format.md §3, row by row.
const EXPECTED = [
  { size: PacketSize.Regular, tag: 1, name: "regular", total: 2413, payload: 2065, pt: 2048 },
  { size: PacketSize.Ack, tag: 2, name: "ack", total: 386, payload: 38, pt: 21 },
  {
    size: PacketSize.Extended32,
    tag: 3,
    name: "extended32",
    total: 33133,
    payload: 32785,
    pt: 32768,
  },
  { size: PacketSize.Extended8, tag: 4, name: "extended8", total: 8557, payload: 8209, pt: 8192 },
  {
    size: PacketSize.Extended16,
    tag: 5,
    name: "extended16",
    total: 16749,
    payload: 16401,
    pt: 16384,
  },
  {
    size: PacketSize.OutfoxRegular,
    tag: 6,
    name: "outfox_regular",
    total: 2377,
    payload: 2371,
    pt: 2048,
  },
  { size: PacketSize.OutfoxAck, tag: 7, name: "outfox_ack", total: 377, payload: 371, pt: 48 },
] as const;

Deno.test("packet sizes match the §3 table", () => {
  assertEquals(ALL_PACKET_SIZES.length, 7);
  for (const e of EXPECTED) {
    assertEquals(e.size, e.tag);
    assertEquals(packetTotalLength(e.size), e.total, e.name);
    assertEquals(packetPayloadLength(e.size), e.payload, e.name);
    assertEquals(packetPlaintextLength(e.size), e.pt, e.name);
    assertEquals(packetSizeName(e.size), e.name);
    assertEquals(parsePacketSizeName(e.name), e.size);
    assertEquals(packetSizeFromTag(e.tag), e.size);
    assertEquals(packetSizeFromLength(e.total), e.size);
    assertEquals(packetSizeFromWireLength(e.total), e.size);
    const info = packetSizeInfo(e.size);
    assertEquals(info.total - info.header, info.payload);
    assertEquals(
      packetTypeOfSize(e.size),
      e.tag >= 6 ? PacketType.Outfox : PacketType.Mix,
    );
    assertEquals(packetSizeFromPlaintext(e.pt, packetTypeOfSize(e.size)), e.size);
  }
});

Deno.test("sphinx sizes are plaintext + 365, outfox sizes plaintext + 329", () => {
  for (const size of ALL_PACKET_SIZES) {
    const overhead = packetTypeOfSize(size) === PacketType.Mix ? 365 : 329;
    assertEquals(packetTotalLength(size) - packetPlaintextLength(size), overhead);
  }
});

Deno.test("packetSizeFromLength applies the outfox len + 6 rule, the wire form does not", () => {
  assertEquals(packetSizeFromLength(2371), PacketSize.OutfoxRegular);
  assertEquals(packetSizeFromWireLength(2371), undefined);
  // p + 329 = 2371, then + 6: upstream's quirk carries over to get_type_from_plaintext.
  assertEquals(packetSizeFromPlaintext(2042, PacketType.Outfox), PacketSize.OutfoxRegular);
  // The ack outfox size has no such rule.
  assertThrows(() => packetSizeFromLength(371), InvalidPacketSizeError);
});

Deno.test("unknown sizes, tags and names are typed errors", () => {
  for (const len of [0, 1, 385, 387, 2412, 2414, 8556, 33134, -1, 1e9]) {
    assertThrows(() => packetSizeFromLength(len), InvalidPacketSizeError);
  }
  for (const tag of [0, 8, 255, -1, 1.5, NaN]) {
    assertThrows(() => packetSizeFromTag(tag), InvalidPacketSizeError);
  }
  assertThrows(() => parsePacketSizeName("Regular"), InvalidPacketSizeError);
  assertThrows(() => parsePacketSizeName(""), InvalidPacketSizeError);
  assertThrows(() => packetSizeFromPlaintext(2047, PacketType.Mix), InvalidPacketSizeError);
});

Deno.test("extended sizes", () => {
  assertEquals(ALL_PACKET_SIZES.filter(isExtendedPacketSize), [3, 4, 5]);
});

Deno.test("packet types: Mix = 0, Outfox = 2, the old VPN value 1 is invalid", () => {
  assertEquals(packetTypeFromByte(0), PacketType.Mix);
  assertEquals(packetTypeFromByte(2), PacketType.Outfox);
  for (const v of [1, 3, 255]) assertThrows(() => packetTypeFromByte(v), InvalidPacketTypeError);
  assertEquals(packetTypeName(PacketType.Mix), "mix");
  assertEquals(packetTypeName(PacketType.Outfox), "outfox");
  assertEquals(parsePacketTypeName("mix"), PacketType.Mix);
  assertEquals(parsePacketTypeName("sphinx"), PacketType.Mix);
  assertEquals(parsePacketTypeName("outfox"), PacketType.Outfox);
  assertThrows(() => parsePacketTypeName("vpn"), InvalidPacketTypeError);
});

Deno.test("key rotation bytes and rotation-id parity", () => {
  assertEquals(keyRotationFromByte(0), KeyRotation.Unknown);
  assertEquals(keyRotationFromByte(1), KeyRotation.Odd);
  assertEquals(keyRotationFromByte(2), KeyRotation.Even);
  for (const v of [3, 255]) assertThrows(() => keyRotationFromByte(v), InvalidKeyRotationError);
  assertEquals(keyRotationFromId(0), KeyRotation.Unknown);
  assertEquals(keyRotationFromId(0xffff_ffff), KeyRotation.Unknown);
  assertEquals(keyRotationFromId(1), KeyRotation.Odd);
  assertEquals(keyRotationFromId(2), KeyRotation.Even);
  assertEquals(keyRotationFromId(12345), KeyRotation.Odd);
  assertEquals(keyRotationFromId(0xffff_fffe), KeyRotation.Even);
  for (const id of [-1, 2 ** 32, 1.5, NaN]) {
    assertThrows(() => keyRotationFromId(id), InvalidKeyRotationError);
  }
});
