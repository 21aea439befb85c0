import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, seededRandom } from "../crypto/mod.ts";
import { legacyBlindAlpha, multiplyUnclamped, SenderKeyAccumulator } from "./blinding.ts";
import {
  bytesToBigIntLE,
  clampedScalar,
  clampFreeScalarFor,
  GROUP_ORDER,
  montgomeryLadder,
  scalarFromBytesModOrder,
} from "./scalar.ts";
import { expandSharedSecret } from "./keys.ts";

const crypto = createCryptoProvider();
const NINE = (() => {
  const b = new Uint8Array(32);
  b[0] = 9;
  return b;
})();

Deno.test("the reference ladder agrees with X25519 on clamped scalars", () => {
  const rng = seededRandom(new Uint8Array(32).fill(11));
  for (let i = 0; i < 8; i++) {
    const sk = rng(32);
    const point = crypto.x25519Base(rng(32));
    assertEquals(montgomeryLadder(clampedScalar(sk), point), crypto.x25519(sk, point));
  }
});

Deno.test("clamp-free scalars survive clamping and multiply like ±k", () => {
  const rng = seededRandom(new Uint8Array(32).fill(12));
  for (let i = 0; i < 40; i++) {
    const k = bytesToBigIntLE(rng(32)) % GROUP_ORDER;
    const s = clampFreeScalarFor(k);
    assert(s !== null);
    assertEquals(clampedScalar(s), bytesToBigIntLE(s), "clamping must not change the scalar");
    const v = bytesToBigIntLE(s) % GROUP_ORDER;
    assert(v === k || v === GROUP_ORDER - k, "scalar must be ±k mod ℓ");
  }
  assertEquals(clampFreeScalarFor(0n), null);
});

// The "unclamped scalar case" of legacy blinding: Scalar::from_bytes_mod_order(bf) * α.
Deno.test("legacy blinding equals an unclamped ladder by bf mod ℓ (native X25519 path)", () => {
  const rng = seededRandom(new Uint8Array(32).fill(13));
  for (let i = 0; i < 12; i++) {
    const bf = rng(32);
    // Force the cases clamping would change: low bits set and bit 254 clear/255 set.
    if (i % 3 === 0) bf[0] |= 7;
    if (i % 3 === 1) bf[31] = (bf[31] & 0x3f) | 0x80;
    const alpha = crypto.x25519Base(rng(32));
    const expected = montgomeryLadder(scalarFromBytesModOrder(bf), alpha);
    assertEquals(legacyBlindAlpha(crypto, bf, alpha), expected);
  }
});

Deno.test("multiplyUnclamped handles k = 0 and k = ℓ - 1", () => {
  const alpha = crypto.x25519Base(new Uint8Array(32).fill(5));
  assertEquals(multiplyUnclamped(crypto, 0n, alpha), new Uint8Array(32));
  assertEquals(multiplyUnclamped(crypto, GROUP_ORDER - 1n, alpha), alpha); // x(−P) = x(P)
  assertEquals(multiplyUnclamped(crypto, 1n, NINE), NINE);
});

Deno.test("the sender accumulator equals the spec's repeated X25519 fold (current versions)", () => {
  const rng = seededRandom(new Uint8Array(32).fill(14));
  const x = rng(32);
  const nodes = [0, 1, 2, 3, 4].map(() => crypto.x25519Base(rng(32)));
  const acc = new SenderKeyAccumulator(crypto, x, false);
  assertEquals(acc.initialAlpha(), crypto.x25519Base(x));
  const factors: Uint8Array[] = [x];
  for (const pk of nodes) {
    // wire-format.md §2.6: acc = P_j; for b in bf_list: acc = X25519(b, acc).
    let folded = pk;
    for (const b of factors) folded = crypto.x25519(b, folded);
    const shared = acc.sharedSecretWith(pk);
    assertEquals(shared, folded);
    const bf = expandSharedSecret(crypto, shared).blindingFactor;
    factors.push(bf);
    acc.absorb(bf);
  }
});

Deno.test("the legacy sender accumulator multiplies scalars mod ℓ without clamping", () => {
  const rng = seededRandom(new Uint8Array(32).fill(15));
  const x = rng(32);
  const pk = crypto.x25519Base(rng(32));
  const bf = rng(32);
  const acc = new SenderKeyAccumulator(crypto, x, true);
  assertEquals(acc.initialAlpha(), montgomeryLadder(scalarFromBytesModOrder(x), NINE));
  acc.absorb(bf);
  const k = (scalarFromBytesModOrder(x) * scalarFromBytesModOrder(bf)) % GROUP_ORDER;
  assertEquals(acc.sharedSecretWith(pk), montgomeryLadder(k, pk));
});
