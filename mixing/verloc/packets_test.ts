import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import { generateEd25519KeyPair, seededRandom } from "../../crypto/mod.ts";
import {
  createEchoPacket,
  createReplyPacket,
  parseEchoPacket,
  parseReplyPacket,
  VerlocPacketError,
} from "./packets.ts";
import { formatHumantime, summarizeRtts } from "./stats.ts";

const rng = seededRandom(new Uint8Array(32).fill(5));
const a = generateEd25519KeyPair(rng);
const b = generateEd25519KeyPair(rng);

Deno.test("echo → reply round trip verifies both signatures", () => {
  const echo = createEchoPacket(0xfedcba9876543210n, a);
  assertEquals(echo.length, 104);
  const parsed = parseEchoPacket(echo);
  assertEquals(parsed.sequence, 0xfedcba9876543210n);
  assertEquals(parsed.sender, a.publicKey);
  const reply = createReplyPacket(parsed, b.secretKey);
  assertEquals(reply.length, 168);
  assertEquals(parseReplyPacket(reply, b.publicKey), 0xfedcba9876543210n);
});

Deno.test("wrong sizes, tampered bytes and the wrong responder are rejected", () => {
  const echo = createEchoPacket(1n, a);
  assertThrows(() => parseEchoPacket(echo.subarray(0, 103)), VerlocPacketError);
  for (const i of [0, 7, 8, 39, 40, 103]) {
    const bad = echo.slice();
    bad[i] ^= 1;
    assertThrows(() => parseEchoPacket(bad), VerlocPacketError);
  }
  const reply = createReplyPacket(parseEchoPacket(echo), b.secretKey);
  assertThrows(() => parseReplyPacket(reply, a.publicKey), VerlocPacketError);
  const bad = reply.slice();
  bad[150] ^= 1;
  assertThrows(() => parseReplyPacket(bad, b.publicKey), VerlocPacketError);
  assertThrows(() => parseReplyPacket(reply.subarray(1), b.publicKey), VerlocPacketError);
});

Deno.test("RTT summaries use humantime formatting", () => {
  assertEquals(formatHumantime(1.2345), "1ms 234us 500ns");
  assertEquals(formatHumantime(1500), "1s 500ms");
  assertEquals(summarizeRtts([]), null);
  assertEquals(summarizeRtts([1, 3]), {
    minimum: "1ms",
    mean: "2ms",
    maximum: "3ms",
    standard_deviation: "1ms",
  });
});
