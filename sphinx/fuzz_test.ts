import { assert } from "../testing/asserts.ts";
import { createCryptoProvider, randomInt, seededRandom } from "../crypto/mod.ts";
import {
  beginUnwrap,
  buildSphinxPacket,
  finishUnwrap,
  HEADER_SIZE,
  parseSurb,
  processSphinxPacket,
  recoverPlaintext,
  SphinxError,
} from "./mod.ts";

const crypto = createCryptoProvider();

function expectOnlySphinxErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert(
      e instanceof SphinxError,
      `unexpected ${e instanceof Error ? e.name + ": " + e.message : String(e)}`,
    );
  }
}

Deno.test("fuzz: random and mutated packets, SURBs and payloads only raise SphinxError", () => {
  const rng = seededRandom(new Uint8Array(32).fill(99));
  const sk = rng(32);
  const node = { address: new Uint8Array(32).fill(1), publicKey: crypto.x25519Base(sk) };
  const nextSk = rng(32);
  const next = { address: new Uint8Array(32).fill(2), publicKey: crypto.x25519Base(nextSk) };
  const { packet } = buildSphinxPacket(crypto, {
    message: rng(64),
    route: [node, next],
    destination: { address: rng(32), identifier: new Uint8Array(16) },
    delaysNanos: [0, 0],
    payloadSize: 2065,
    random: rng,
  });
  const lengths = [0, 1, 31, 347, 348, 380, 381, 386, 2413, 4000];
  let validForward = 0;
  for (let i = 0; i < 3000; i++) {
    let input: Uint8Array;
    if (i % 3 === 0) {
      input = rng(lengths[randomInt(rng, lengths.length)]);
    } else {
      input = packet.slice();
      const flips = 1 + randomInt(rng, 4);
      for (let f = 0; f < flips; f++) input[randomInt(rng, input.length)] ^= 1 << randomInt(rng, 8);
      if (i % 3 === 2) input = input.subarray(0, randomInt(rng, input.length + 1));
    }
    expectOnlySphinxErrors(() => processSphinxPacket(crypto, input, sk));
    expectOnlySphinxErrors(() => parseSurb(input));
    expectOnlySphinxErrors(() => recoverPlaintext(input));
  }
  // Mutations inside the payload pass the header MAC: the node must still not crash.
  for (let i = 0; i < 300; i++) {
    const input = packet.slice();
    input[HEADER_SIZE + randomInt(rng, input.length - HEADER_SIZE)] ^= 0xff;
    const r = finishUnwrap(crypto, beginUnwrap(crypto, input, sk));
    if (r.kind === "forward") validForward++;
    expectOnlySphinxErrors(() => {
      if (r.kind !== "forward") return;
      const last = processSphinxPacket(crypto, r.packet, nextSk);
      if (last.kind === "final") recoverPlaintext(last.payload);
    });
  }
  assert(validForward === 300);
});
