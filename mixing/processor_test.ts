import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, seededRandom } from "../crypto/mod.ts";
import { buildSphinxPacket, recoverPlaintext } from "../sphinx/mod.ts";
import { bloomParameters, ReplayFilter } from "./replay_filter.ts";
import { candidateKeys, type NodeKeySet, processMixPacket } from "./processor.ts";

const crypto = createCryptoProvider();
const rng = seededRandom(new Uint8Array(32).fill(21));

function keyEntry(rotationId: number) {
  return {
    rotationId,
    secretKey: rng(32),
    filter: ReplayFilter.create(bloomParameters(1000, 1e-6), rotationId, rng(16), 0),
  };
}

function packetFor(publicKeys: Uint8Array[], message = rng(50)) {
  return buildSphinxPacket(crypto, {
    message,
    route: publicKeys.map((publicKey, i) => ({
      address: new Uint8Array(32).fill(i + 1),
      publicKey,
    })),
    destination: { address: new Uint8Array(32).fill(9), identifier: new Uint8Array(16) },
    delaysNanos: publicKeys.map(() => 2_000_000),
    payloadSize: 2065,
    random: rng,
  }).packet;
}

Deno.test("key candidates follow the rotation parity; unknown tries primary then secondary", () => {
  const primary = keyEntry(10), secondary = keyEntry(11);
  const keys: NodeKeySet = { primary, secondary };
  assertEquals(candidateKeys(keys, 0), [primary, secondary]);
  assertEquals(candidateKeys(keys, 2), [primary]);
  assertEquals(candidateKeys(keys, 1), [secondary]);
  assertEquals(candidateKeys({ primary }, 1), []);
});

Deno.test("forward and final hops are classified; replays dropped separately from malformed", () => {
  const hop1 = keyEntry(4), hop2 = keyEntry(4);
  const message = rng(100);
  const packet = packetFor(
    [crypto.x25519Base(hop1.secretKey), crypto.x25519Base(hop2.secretKey)],
    message,
  );
  const first = processMixPacket(crypto, { primary: hop1 }, 0, packet);
  assert(first.kind === "forward");
  assertEquals(first.nextHopAddress, new Uint8Array(32).fill(2));
  assertEquals(first.delayNanos, 2_000_000);
  assertEquals(first.rotationId, 4);
  assertEquals(processMixPacket(crypto, { primary: hop1 }, 0, packet), {
    kind: "drop",
    reason: "replayed",
  });
  const last = processMixPacket(crypto, { primary: hop2 }, 2, first.packet);
  assert(last.kind === "final");
  assertEquals(recoverPlaintext(last.payload), message);
  const garbage = rng(2413);
  assertEquals(processMixPacket(crypto, { primary: keyEntry(4) }, 0, garbage), {
    kind: "drop",
    reason: "malformed",
  });
  assertEquals(processMixPacket(crypto, { primary: keyEntry(4) }, 0, rng(100)), {
    kind: "drop",
    reason: "malformed",
  });
  assertEquals(processMixPacket(crypto, { primary: keyEntry(4) }, 1, packet), {
    kind: "drop",
    reason: "expired-key",
  });
});

Deno.test("a v7 frame (unknown rotation) is unwrapped with the secondary key when the primary fails", () => {
  const primary = keyEntry(7), secondary = keyEntry(6);
  const packet = packetFor([crypto.x25519Base(secondary.secretKey)]);
  const out = processMixPacket(crypto, { primary, secondary }, 0, packet);
  assert(out.kind === "final");
  assertEquals(out.rotationId, 6);
  // The replay went into the secondary's filter, not the primary's.
  assertEquals(processMixPacket(crypto, { primary, secondary }, 0, packet), {
    kind: "drop",
    reason: "replayed",
  });
});
