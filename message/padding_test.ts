import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import { PacketSize, packetTypeOfSize } from "../framing/packet_size.ts";
import { PacketType } from "../framing/packet_type.ts";
import { InvalidLengthError, InvalidPaddingError } from "./errors.ts";
import { encodeFragment } from "./fragment.ts";
import type { NymMessage } from "./nym_message.ts";
import {
  decodePaddedNymMessage,
  packetsForMessage,
  packetSizeForFragment,
  padMessage,
  padNymMessage,
  plaintextPerPacket,
  prepareFragments,
  unpadMessage,
} from "./padding.ts";
import { MessageReconstructor } from "./reassembly.ts";

const SIZES = [
  [PacketSize.Regular, 1611],
  [PacketSize.Extended8, 7755],
  [PacketSize.Extended16, 15947],
  [PacketSize.Extended32, 32331],
  [PacketSize.OutfoxRegular, 2048 - 396 - 32],
] as const;

Deno.test("plaintext per packet (§9.1)", () => {
  for (const [size, ppp] of SIZES) assertEquals(plaintextPerPacket(size), ppp);
  assertThrows(() => plaintextPerPacket(PacketSize.Ack), InvalidLengthError);
  assertThrows(() => plaintextPerPacket(PacketSize.OutfoxAck), InvalidLengthError);
});

Deno.test("every fragment of every padded message is exactly ppp bytes, for every size", () => {
  const random = seededRandom(new Uint8Array(32).fill(6));
  for (const [size, ppp] of SIZES) {
    const u = ppp - 7;
    const k = ppp - 10;
    // Serialized plain message = 1 + data; padding adds at least one byte.
    const lengths = [
      0,
      1,
      u - 3,
      u - 2, // 1 + data + 1 == u: one exactly full fragment
      u - 1, // spills into a second fragment
      2 * u - 2,
      255 * u - 2, // exactly 255 full fragments
      255 * u - 1, // needs a second set
      255 * u - 3 + k - 2, // second set of exactly one full linked fragment
      255 * u - 3 + k - 1,
    ];
    for (const length of lengths) {
      const data = random(length);
      const message: NymMessage = { kind: "plain", message: data };
      const fragments = prepareFragments(message, size, random);
      assertEquals(fragments.length, packetsForMessage(message, size), `${size}/${length}`);
      const r = new MessageReconstructor({ maxBufferedBytes: 2 ** 30 });
      let done: Uint8Array | undefined;
      for (const f of fragments) {
        const bytes = encodeFragment(f);
        assertEquals(bytes.length, ppp, `fragment size for ${size}/${length}`);
        assertEquals(packetSizeForFragment(bytes.length, packetTypeOfSize(size)), size);
        const result = r.insert(f, 0);
        if (result.status === "complete") done = result.message;
      }
      assert(done !== undefined);
      assertEquals(decodePaddedNymMessage(done), message);
    }
  }
});

Deno.test("padding is message ‖ 0x01 ‖ exactly the leftover zeros", () => {
  const padded = padMessage(new Uint8Array([5, 6]), 1611);
  assertEquals(padded.length, 1604);
  assertEquals([...padded.subarray(0, 3)], [5, 6, 1]);
  assert(padded.subarray(3).every((b) => b === 0));
  assertEquals(padMessage(new Uint8Array(1603), 1611).length, 1604);
  assertEquals(padMessage(new Uint8Array(1604), 1611).length, 2 * 1604);
  const nym = padNymMessage({ kind: "plain", message: new Uint8Array([7]) }, 1611);
  assertEquals([...nym.subarray(0, 4)], [0, 7, 1, 0]);
});

Deno.test("unpadding takes everything before the last 0x01", () => {
  assertEquals(unpadMessage(new Uint8Array([1, 1, 0, 0])), new Uint8Array([1]));
  assertEquals(unpadMessage(new Uint8Array([0, 2, 1])), new Uint8Array([0, 2]));
  // Upstream searches for the last 0x01, not the last non-zero byte.
  assertEquals(unpadMessage(new Uint8Array([0, 1, 9, 9])), new Uint8Array([0]));
  assertThrows(() => unpadMessage(new Uint8Array(0)), InvalidPaddingError);
  assertThrows(() => unpadMessage(new Uint8Array([0, 2, 0])), InvalidPaddingError);
});

Deno.test("fragment lengths that are not a packet's ppp fit no packet size", () => {
  assertEquals(packetSizeForFragment(1611, PacketType.Mix), PacketSize.Regular);
  assertEquals(packetSizeForFragment(1620, PacketType.Outfox), PacketSize.OutfoxRegular);
  assertEquals(packetSizeForFragment(32331, PacketType.Mix), PacketSize.Extended32);
  for (const n of [0, 1610, 1612, 7754]) {
    assertThrows(() => packetSizeForFragment(n, PacketType.Mix), InvalidLengthError);
  }
});
