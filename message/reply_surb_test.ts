import { assertEquals, assertStrictEquals, assertThrows } from "../testing/asserts.ts";
import { PacketSize } from "../framing/packet_size.ts";
import { InvalidLengthError, MalformedReplySurbError } from "./errors.ts";
import {
  joinReplySurb,
  replyMaxMessageLength,
  replySurbFirstHop,
  splitReplySurb,
  V1_REPLY_SURB_LENGTH,
  v2ReplySurbHops,
  v2ReplySurbLength,
} from "./reply_surb.ts";

function surb(length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0xcc);
  out.set([6, 0, 80, 0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1], 364);
  return out;
}

Deno.test("reply SURB sizes (§10.1)", () => {
  assertEquals(V1_REPLY_SURB_LENGTH, 1164);
  assertEquals(v2ReplySurbLength(4), 460);
  assertEquals(v2ReplySurbLength(1), 412);
  for (let hops = 1; hops <= 5; hops++) {
    assertEquals(v2ReplySurbHops(v2ReplySurbLength(hops)), hops);
  }
  for (const n of [396, 397, v2ReplySurbLength(6), 1164]) {
    assertEquals(v2ReplySurbHops(n), undefined);
  }
});

Deno.test("split and join: reply_key (16) ‖ SURB", () => {
  for (const length of [1164, 460, 412]) {
    const bytes = surb(length);
    bytes.fill(7, 0, 16);
    const { replyKey, surb: rest } = splitReplySurb(bytes);
    assertEquals(replyKey, new Uint8Array(16).fill(7));
    assertEquals(rest.length, length - 16);
    assertStrictEquals(rest.buffer, bytes.buffer);
    assertEquals(joinReplySurb(replyKey, rest), bytes);
    assertEquals(replySurbFirstHop(bytes), { ip: "2001:db8::1", port: 80 });
  }
  for (const length of [0, 16, 395, 413, 1163, 1165]) {
    assertThrows(
      () => splitReplySurb(surb(Math.max(length, 383)).subarray(0, length)),
      MalformedReplySurbError,
    );
  }
  const badHop = surb(460);
  badHop[364] = 5;
  assertThrows(() => splitReplySurb(badHop), MalformedReplySurbError);
  assertThrows(() => joinReplySurb(new Uint8Array(15), new Uint8Array(444)), InvalidLengthError);
});

Deno.test("max reply length per packet: pt − 405 − 32 − 1", () => {
  assertEquals(replyMaxMessageLength(PacketSize.Regular), 1610);
  assertEquals(replyMaxMessageLength(PacketSize.Extended8), 8192 - 438);
  assertEquals(replyMaxMessageLength(PacketSize.Extended16), 16384 - 438);
  assertEquals(replyMaxMessageLength(PacketSize.Extended32), 32768 - 438);
  assertEquals(replyMaxMessageLength(PacketSize.OutfoxRegular), 1610);
  assertThrows(() => replyMaxMessageLength(PacketSize.Ack), InvalidLengthError);
});
