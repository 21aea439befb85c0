import { assert, assertEquals } from "../../testing/asserts.ts";
import { concatBytes, createCryptoProvider, randomInt, seededRandom } from "../../crypto/mod.ts";
import type { RandomSource } from "../../crypto/random.ts";
import { createMemoryStreamPair } from "../memory_stream.ts";
import {
  decodeNoiseFrame,
  deriveNymNoisePsk,
  encodeNoiseFrame,
  noiseAccept,
  NoiseError,
  NoiseFrameDecoder,
  openNoiseDataFrame,
  sealNoiseDataFrames,
  x25519KeyPairFromSecret,
  XKpsk3Handshake,
} from "./mod.ts";

const crypto = createCryptoProvider();

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function onlyNoiseErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    assert(e instanceof NoiseError, `unexpected ${describe(e)}`);
    return false;
  }
}

/** Bit flips, truncation, extension, or fresh random bytes. */
function mutate(rng: RandomSource, input: Uint8Array): Uint8Array {
  switch (randomInt(rng, 5)) {
    case 0:
      return rng(randomInt(rng, input.length + 40));
    case 1:
      return input.subarray(0, randomInt(rng, input.length + 1));
    case 2:
      return concatBytes(input, rng(1 + randomInt(rng, 40)));
    default: {
      const out = input.slice();
      const flips = 1 + randomInt(rng, 4);
      for (let i = 0; i < flips && out.length > 0; i++) {
        out[randomInt(rng, out.length)] ^= 1 << randomInt(rng, 8);
      }
      return out;
    }
  }
}

function handshakePair(rng: RandomSource) {
  const r = x25519KeyPairFromSecret(crypto, rng(32));
  const psk = deriveNymNoisePsk(crypto, r.publicKey, 1);
  const initiator = XKpsk3Handshake.initiator({
    crypto,
    random: rng,
    psk,
    localStaticKeyPair: x25519KeyPairFromSecret(crypto, rng(32)),
    remoteStaticPublicKey: r.publicKey,
  });
  const responder = XKpsk3Handshake.responder({ crypto, random: rng, psk, localStaticKeyPair: r });
  return { initiator, responder, responderKeys: r };
}

Deno.test("fuzz: frame decoder on random and mutated streams raises only NoiseErrors", () => {
  const rng = seededRandom(new Uint8Array(32).fill(0xf0));
  const valid = concatBytes(
    encodeNoiseFrame(1, 1, 0, rng(48)),
    encodeNoiseFrame(1, 1, 0, rng(48)),
    encodeNoiseFrame(1, 1, 1, rng(2413 + 16)),
    encodeNoiseFrame(1, 2, 1, rng(16)),
  );
  let frames = 0;
  for (let i = 0; i < 3000; i++) {
    const input = i % 4 === 0 ? rng(randomInt(rng, 200)) : mutate(rng, valid);
    const decoder = new NoiseFrameDecoder();
    onlyNoiseErrors(() => {
      for (let at = 0; at < input.length;) {
        const step = 1 + randomInt(rng, 600);
        decoder.push(input.subarray(at, at + step));
        at += step;
        while (decoder.next() !== null) frames++;
      }
    });
    onlyNoiseErrors(() => decodeNoiseFrame(input));
  }
  assert(frames > 1000, `only ${frames} frames decoded`);
});

Deno.test("fuzz: mutated handshake messages and transport frames raise only NoiseErrors", () => {
  const rng = seededRandom(new Uint8Array(32).fill(0xf1));
  let accepted = 0;
  for (let i = 0; i < 600; i++) {
    const { initiator, responder } = handshakePair(rng);
    const target = i % 4; // 0-2: a handshake message, 3: a transport frame
    const sides = [initiator, responder];
    let failed = false;
    for (let m = 0; m < 3 && !failed; m++) {
      let message = sides[m % 2].writeMessage(
        rng(randomInt(rng, 3) === 0 ? randomInt(rng, 64) : 0),
      );
      if (m === target) message = mutate(rng, message);
      failed = !onlyNoiseErrors(() => sides[(m + 1) % 2].readMessage(message));
    }
    if (failed) continue;
    const a = initiator.intoTransport();
    const b = responder.intoTransport();
    const wire = sealNoiseDataFrames(a, rng(1 + randomInt(rng, 3000)), { version: 1, pattern: 1 });
    const input = target === 3 && randomInt(rng, 2) === 0 ? mutate(rng, wire) : wire;
    const decoder = new NoiseFrameDecoder();
    onlyNoiseErrors(() => {
      decoder.push(input);
      for (let f = decoder.next(); f !== null; f = decoder.next()) {
        openNoiseDataFrame(b, f, { version: 1, pattern: 1 });
        accepted++;
      }
    });
  }
  assert(accepted > 60, `only ${accepted} frames accepted`);
});

Deno.test("fuzz: noiseAccept fed mutated handshake and data frames only fails with NoiseErrors", async () => {
  const rng = seededRandom(new Uint8Array(32).fill(0xf2));
  const outcomes = { established: 0, rejected: 0, readErrors: 0 };
  for (let i = 0; i < 150; i++) {
    const { initiator, responderKeys } = handshakePair(rng);
    const [a, b] = createMemoryStreamPair();
    const accepted = noiseAccept(b, {
      localStaticKeyPair: responderKeys,
      crypto,
      random: rng,
      timeoutMs: 1000,
    });
    const target = i % 3; // which write to mutate: message 1, message 3 (+data), or data only
    const send = async (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length;) at += await a.write(bytes.subarray(at));
    };
    const peer = (async () => {
      const first = encodeNoiseFrame(1, 1, 0, initiator.writeMessage());
      if (target === 0) {
        // Send a mutated first frame, then hang up (a stalled peer would only hit the timeout).
        await send(mutate(rng, first));
        return;
      }
      await send(first);
      const decoder = new NoiseFrameDecoder();
      const buf = new Uint8Array(4096);
      for (;;) {
        const n = await a.read(buf);
        if (n === null) return; // responder gave up
        decoder.push(buf.subarray(0, n));
        const f = decoder.next();
        if (f === null) continue;
        initiator.readMessage(f.data);
        break;
      }
      const third = encodeNoiseFrame(1, 1, 0, initiator.writeMessage());
      const data = sealNoiseDataFrames(initiator.intoTransport(), rng(500), {
        version: 1,
        pattern: 1,
      });
      const rest = concatBytes(third, data);
      await send(mutate(rng, rest));
    })().catch(() => {}).finally(() => a.close());
    try {
      const conn = await accepted;
      outcomes.established++;
      try {
        const buf = new Uint8Array(1000);
        while ((await conn.read(buf)) !== null) { /* drain */ }
      } catch (e) {
        assert(e instanceof NoiseError, `read raised ${describe(e)}`);
        outcomes.readErrors++;
      }
      conn.close();
    } catch (e) {
      assert(e instanceof NoiseError, `accept raised ${describe(e)}`);
      outcomes.rejected++;
    }
    await peer;
  }
  assertEquals(outcomes.established + outcomes.rejected, 150);
  assert(outcomes.rejected > 50 && outcomes.readErrors > 5, JSON.stringify(outcomes));
});
