import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { EcashDecodeError } from "./errors.ts";
import {
  G1,
  g1FromBytes,
  type G1Point,
  g1ToBytes,
  G2,
  g2FromBytes,
  g2ToBytes,
  linearCombination,
  mulPublic,
  mulSecret,
  pairingProductIsOne,
  prepareG2,
  withTable,
} from "./group.ts";

const reason = (f: () => unknown) => assertThrows(f, EcashDecodeError).reason;

Deno.test("compressed points round-trip and the identity is accepted", () => {
  const p = G1.BASE.multiply(12345n);
  assertEquals(g1FromBytes(g1ToBytes(p)).equals(p), true);
  const q = G2.BASE.multiply(999n);
  assertEquals(g2FromBytes(g2ToBytes(q)).equals(q), true);
  assertEquals(g1FromBytes(g1ToBytes(G1.ZERO)).is0(), true);
});

Deno.test("point decoding rejects malformed encodings with typed errors", () => {
  const good = g1ToBytes(G1.BASE.multiply(7n));
  assertEquals(reason(() => g1FromBytes(good.subarray(1))), "length");
  assertEquals(reason(() => g2FromBytes(good)), "length");
  const uncompressedFlag = good.slice();
  uncompressedFlag[0] &= 0x7f;
  assertEquals(reason(() => g1FromBytes(uncompressedFlag)), "point");
  // x ≥ p (non-canonical): all-ones x under the compression flag.
  const big = new Uint8Array(48).fill(0xff);
  big[0] = 0x9f;
  assertEquals(reason(() => g1FromBytes(big)), "point");
  // An x with no curve point: search a small x whose x³+4 is a non-residue.
  const Fp = bls12_381.fields.Fp;
  let x = 1n;
  while (Fp.sqrt !== undefined) {
    try {
      Fp.sqrt(Fp.add(Fp.pow(x, 3n), 4n));
      x++;
    } catch {
      break;
    }
  }
  const offCurve = new Uint8Array(48);
  for (let i = 47, v = x; i >= 0; i--, v >>= 8n) offCurve[i] = Number(v & 0xffn);
  offCurve[0] |= 0x80;
  assertEquals(reason(() => g1FromBytes(offCurve)), "point");
  // A curve point outside the prime-order subgroup: the first x that is on the curve but whose
  // point is not torsion-free (the cofactor of G1 is large, so almost every x qualifies).
  let y = 1n;
  for (;; y++) {
    try {
      Fp.sqrt(Fp.add(Fp.pow(y, 3n), 4n));
      break;
    } catch {
      continue;
    }
  }
  const onCurve = new Uint8Array(48);
  for (let i = 47, v = y; i >= 0; i--, v >>= 8n) onCurve[i] = Number(v & 0xffn);
  onCurve[0] |= 0x80;
  assertEquals(reason(() => g1FromBytes(onCurve)), "point");
  // Infinity flag with a non-zero payload.
  const badInfinity = g1ToBytes(G1.ZERO);
  badInfinity[47] = 1;
  assertEquals(reason(() => g1FromBytes(badInfinity)), "point");
});

Deno.test("scalar multiplication helpers agree and accept zero", () => {
  const p = G1.BASE.multiply(5n);
  assertEquals(mulSecret(p, 0n).is0(), true);
  assertEquals(mulPublic(p, 0n).is0(), true);
  assertEquals(mulSecret(p, 3n).equals(mulPublic(p, 3n)), true);
  const t = withTable(p);
  assertEquals(t.equals(p), true);
  assertEquals(mulSecret(t, 11n).equals(p.multiply(11n)), true);
  const q = G2.BASE.multiply(3n);
  assertEquals(
    linearCombination(G2, [q, G2.BASE, q], [2n, 0n, 5n]).equals(q.multiply(7n)),
    true,
  );
  assertEquals(linearCombination<G1Point>(G1, [], []).is0(), true);
});

Deno.test("pairing products use one final exponentiation and skip identities", () => {
  const a = 6n, b = 7n;
  const P = G1.BASE.multiply(a);
  const Q = G2.BASE.multiply(b);
  // e(aG, bH) · e(-abG, H) = 1
  assertEquals(
    pairingProductIsOne([[P, Q], [G1.BASE.multiply(a * b).negate(), prepareG2(G2.BASE)]]),
    true,
  );
  assertEquals(pairingProductIsOne([[P, Q], [G1.BASE.negate(), G2.BASE]]), false);
  assertEquals(pairingProductIsOne([[G1.ZERO, Q]]), true);
});
