import { assert, assertEquals, assertRejects } from "../testing/asserts.ts";
import { createCryptoProvider, seededRandom } from "../crypto/mod.ts";
import { buildSphinxPacket, recoverPlaintext } from "../sphinx/mod.ts";
import { bloomParameters, ReplayFilter } from "./replay_filter.ts";
import { UnwrapPool, UnwrapPoolClosedError } from "./unwrap_pool.ts";

const crypto = createCryptoProvider();

for (const workers of [0, 2]) {
  Deno.test(`unwrap pool with ${workers} workers: outcomes in order, replays caught across batches`, async () => {
    const rng = seededRandom(new Uint8Array(32).fill(30 + workers));
    const sk = rng(32);
    const filter = ReplayFilter.create(bloomParameters(10_000, 1e-6), 1, rng(16), 0);
    const pool = new UnwrapPool({
      workers,
      crypto,
      keys: { primary: { rotationId: 1, secretKey: sk, filter } },
    });
    try {
      const messages = Array.from({ length: 40 }, () => rng(64));
      const packets = messages.map((message) =>
        buildSphinxPacket(crypto, {
          message,
          route: [{ address: new Uint8Array(32), publicKey: crypto.x25519Base(sk) }],
          destination: { address: new Uint8Array(32).fill(7), identifier: new Uint8Array(16) },
          delaysNanos: [0],
          payloadSize: 2065,
          random: rng,
        }).packet
      );
      // The pool may rewrite packets in place, so keep pristine copies for the replay round.
      const copies = packets.map((p) => p.slice());
      const outcomes = await pool.process(packets.map((packet) => ({ hint: 0, packet })));
      outcomes.forEach((o, i) => {
        assert(o.kind === "final", `packet ${i}: ${o.kind}`);
        assertEquals(recoverPlaintext(o.payload), messages[i]);
      });
      const again = await pool.process(copies.slice(0, 10).map((packet) => ({ hint: 0, packet })));
      assertEquals(again, new Array(10).fill({ kind: "drop", reason: "replayed" }));
      // The filter is shared: the main thread sees the workers' insertions.
      assert(filter.estimatedItems() > 35);
    } finally {
      pool.close();
    }
    await assertRejects(
      () => pool.process([{ hint: 0, packet: new Uint8Array(2413) }]),
      UnwrapPoolClosedError,
    );
  });
}
