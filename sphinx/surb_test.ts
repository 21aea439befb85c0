import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { createCryptoProvider, seededRandom } from "../crypto/mod.ts";
import {
  createSurb,
  MalformedSurbError,
  parseSurb,
  processSphinxPacket,
  recoverPlaintext,
  serializeSurb,
  surbSize,
  useSurb,
} from "./mod.ts";

const crypto = createCryptoProvider();

for (const version of [258, 259]) {
  Deno.test(`v${version} SURB: create → serialise → parse → use → process`, () => {
    for (let hops = 1; hops <= 5; hops++) {
      const rng = seededRandom(new Uint8Array(32).fill(hops + version % 7));
      const secrets = Array.from({ length: hops }, () => rng(32));
      const route = secrets.map((sk, i) => ({
        address: new Uint8Array(32).fill(i + 1),
        publicKey: crypto.x25519Base(sk),
      }));
      const dest = { address: rng(32), identifier: new Uint8Array(16) };
      const surb = createSurb(crypto, {
        route,
        destination: dest,
        delaysNanos: route.map(() => 0),
        version,
        random: rng,
      });
      const bytes = serializeSurb(surb);
      assertEquals(bytes.length, surbSize(hops, version));
      const parsed = parseSurb(bytes);
      assertEquals(parsed.keyMaterial.kind, version === 258 ? "keys" : "seeds");
      const message = rng(1000);
      const { packet, firstHopAddress } = useSurb(crypto, parsed, message, 2065);
      assertEquals(firstHopAddress, route[0].address);
      let current = packet;
      for (let i = 0; i < hops; i++) {
        const r = processSphinxPacket(crypto, current, secrets[i]);
        if (i < hops - 1) {
          assert(r.kind === "forward");
          current = r.packet;
        } else {
          assert(r.kind === "final");
          assertEquals(r.destination, dest.address);
          assertEquals(recoverPlaintext(r.payload), message);
        }
      }
    }
  });
}

Deno.test("V1 reply SURBs (4 hops, v258) have the 1148-byte layout Nym expects", () => {
  // clients.md / wire-format.md §10.1: a V1 ReplySurb is 16 + 348 + 32 + 4·192 = 1164 bytes,
  // i.e. a 1148-byte SURB after the 16-byte reply key.
  assertEquals(surbSize(4, 258), 1148);
  assertEquals(surbSize(4, 259), 348 + 32 + 64);
});

Deno.test("malformed SURBs are rejected with MalformedSurbError", () => {
  assertThrows(() => parseSurb(new Uint8Array(395)), MalformedSurbError);
  assertThrows(() => parseSurb(new Uint8Array(380 + 17)), MalformedSurbError);
  assertThrows(() => parseSurb(new Uint8Array(380 + 193)), MalformedSurbError);
  assertThrows(() => parseSurb(new Uint8Array(380 + 6 * 192)), MalformedSurbError);
});
