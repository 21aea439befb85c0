/**
 * Fuzz-style robustness tests: random and mutated inputs for every parser in `framing/` must
 * either parse or throw a {@linkcode FramingError}; nothing else may escape.
 */
import { fail } from "../testing/asserts.ts";
import { randomInt, type RandomSource, seededRandom } from "../crypto/random.ts";
import { FramingError } from "./errors.ts";
import { decodeFrameHeader, encodeFrame } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import {
  decodeMixPacketV1,
  decodeMixPacketV2,
  encodeMixPacketV1,
  encodeMixPacketV2,
} from "./mix_packet.ts";
import {
  ALL_PACKET_SIZES,
  packetSizeFromLength,
  packetSizeFromTag,
  packetTotalLength,
  packetTypeOfSize,
} from "./packet_size.ts";
import { decodeRoutingAddress, parseSocketAddress } from "./routing_address.ts";

const ITERATIONS = 20_000;

function rng(seed: number): RandomSource {
  return seededRandom(new Uint8Array(32).fill(seed));
}

function onlyTyped(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (e) {
    if (e instanceof FramingError) return false;
    fail(`untyped error escaped: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

/** Flips 1..4 random bytes among the first `prefix` bytes and truncates/extends a little. */
function mutate(random: RandomSource, bytes: Uint8Array, prefix: number): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + randomInt(random, 4);
  for (let i = 0; i < flips; i++) {
    const at = randomInt(random, Math.min(prefix, out.length));
    out[at] = random(1)[0];
  }
  const cut = randomInt(random, 3);
  if (cut === 0) return out.subarray(0, randomInt(random, out.length + 1));
  if (cut === 1) {
    const extended = new Uint8Array(out.length + 1 + randomInt(random, 24));
    extended.set(out);
    return extended;
  }
  return out;
}

Deno.test("fuzz: frame headers", () => {
  const random = rng(1);
  let parsed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const bytes = random(randomInt(random, 6));
    // Bias the version byte towards the valid range half of the time.
    if (bytes.length > 0 && i % 2 === 0) bytes[0] = 6 + randomInt(random, 4);
    if (onlyTyped(() => decodeFrameHeader(bytes))) parsed++;
  }
  if (parsed === 0) fail("no header ever parsed");
});

Deno.test("fuzz: frame decoder streams", () => {
  const random = rng(2);
  const packets = ALL_PACKET_SIZES.map((s) => new Uint8Array(packetTotalLength(s)));
  let frames = 0;
  for (let i = 0; i < ITERATIONS / 20; i++) {
    // A stream of 20 frames, one of which may have a mutated header.
    const parts: Uint8Array[] = [];
    for (let j = 0; j < 20; j++) {
      const k = randomInt(random, packets.length);
      const size = ALL_PACKET_SIZES[k];
      let wire = encodeFrame({
        version: randomInt(random, 2) === 0 ? 7 : 8,
        packetType: packetTypeOfSize(size),
        keyRotation: 0,
        packet: packets[k],
      });
      if (randomInt(random, 10) === 0) wire = mutate(random, wire, 4);
      parts.push(wire);
    }
    const decoder = new FrameDecoder();
    for (const part of parts) {
      let offset = 0;
      let failed = false;
      while (offset < part.length && !failed) {
        const n = 1 + randomInt(random, 5000);
        failed = !onlyTyped(() => {
          decoder.push(part.subarray(offset, offset + n));
          frames += decoder.drain().length;
        });
        offset += n;
      }
      if (failed) break;
    }
  }
  if (frames === 0) fail("no frame ever decoded");
});

Deno.test("fuzz: routing addresses (bytes and text)", () => {
  const random = rng(3);
  for (let i = 0; i < ITERATIONS; i++) {
    const bytes = random(randomInt(random, 34));
    if (bytes.length > 0 && i % 2 === 0) bytes[0] = i % 4 === 0 ? 4 : 6;
    onlyTyped(() => decodeRoutingAddress(bytes, randomInt(random, 3)));
    const alphabet = "0123456789abcdefABCDEF:.[]%- ";
    let text = "";
    const len = randomInt(random, 30);
    for (let j = 0; j < len; j++) text += alphabet[randomInt(random, alphabet.length)];
    onlyTyped(() => parseSocketAddress(text));
  }
});

Deno.test("fuzz: MixPacket v1 and v2", () => {
  const random = rng(4);
  const hops = [{ ip: "1.2.3.4", port: 1789 }, { ip: "fe80::1", port: 1 }];
  const valid: Uint8Array[] = [];
  for (const size of ALL_PACKET_SIZES) {
    for (const nextHop of hops) {
      const m = {
        nextHop,
        packetType: packetTypeOfSize(size),
        keyRotation: 1 as const,
        packet: new Uint8Array(packetTotalLength(size)),
      };
      valid.push(encodeMixPacketV1(m), encodeMixPacketV2(m));
    }
  }
  let parsed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = i % 5 === 0
      ? random(randomInt(random, 40))
      : mutate(random, valid[randomInt(random, valid.length)], 24);
    if (onlyTyped(() => decodeMixPacketV1(input))) parsed++;
    if (onlyTyped(() => decodeMixPacketV2(input))) parsed++;
  }
  if (parsed === 0) fail("no MixPacket ever parsed");
});

Deno.test("fuzz: size lookups", () => {
  const random = rng(5);
  for (let i = 0; i < ITERATIONS; i++) {
    const n = randomInt(random, 40_000);
    onlyTyped(() => packetSizeFromLength(n));
    onlyTyped(() => packetSizeFromTag(n & 0xff));
  }
});
