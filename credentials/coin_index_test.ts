import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import { aggregateVerificationKeys } from "./aggregation.ts";
import {
  aggregateCoinIndexSignatures,
  coinIndexHash,
  decodeCoinIndexSignatures,
  encodeCoinIndexSignatures,
  signCoinIndices,
  verifyCoinIndexSignatures,
} from "./coin_index.ts";
import { EcashArgumentError, EcashVerificationError } from "./errors.ts";
import { encodeVerificationKey, ttpKeygen } from "./keys_auth.ts";
import { setup } from "./params.ts";
import { encodeSignature } from "./signature.ts";

const params = setup(12);
const random = seededRandom(new Uint8Array(32).fill(8));
const signers = ttpKeygen(params, 2, 3, random);
const master = aggregateVerificationKeys(signers.map((s) => s.verificationKey), [1, 2, 3]);
const partials = signers.map((s) => signCoinIndices(params, master, s.secretKey));
const share = (i: number) => ({
  index: signers[i].index,
  key: signers[i].verificationKey,
  signatures: partials[i].map((p) => p.signature),
});

Deno.test("coin-index signatures hash the master key and index", () => {
  assertEquals(partials[0].length, 12);
  assertEquals(partials[0].map((p) => p.index), [...Array(12).keys()]);
  assertEquals(
    partials[0][5].signature.h.equals(coinIndexHash(encodeVerificationKey(master), 5)),
    true,
  );
  verifyCoinIndexSignatures(params, master, signers[0].verificationKey, share(0).signatures);
});

Deno.test("coin-index verification rejects the wrong key, order, values and count", () => {
  const reason = (f: () => unknown) => assertThrows(f, EcashVerificationError).reason;
  const sigs = share(0).signatures;
  assertEquals(
    reason(() => verifyCoinIndexSignatures(params, master, signers[1].verificationKey, sigs)),
    "coin-index-signatures",
  );
  assertEquals(
    reason(() =>
      verifyCoinIndexSignatures(
        params,
        signers[0].verificationKey,
        signers[0].verificationKey,
        sigs,
      )
    ),
    "coin-index-signatures",
  );
  const tampered = sigs.map((s, i) => (i === 11 ? { h: s.h, s: s.s.add(params.g1) } : s));
  assertEquals(
    reason(() => verifyCoinIndexSignatures(params, master, signers[0].verificationKey, tampered)),
    "coin-index-signatures",
  );
  assertEquals(
    reason(() =>
      verifyCoinIndexSignatures(params, master, signers[0].verificationKey, sigs.slice(0, 11))
    ),
    "coin-index-signatures",
  );
});

Deno.test("coin-index aggregation: subsets agree, too few or duplicate shares fail", () => {
  const a = aggregateCoinIndexSignatures(params, master, [share(0), share(2)]);
  const b = aggregateCoinIndexSignatures(params, master, [share(1), share(2)], false);
  assertEquals(
    a.map((x) => encodeSignature(x.signature)),
    b.map((x) => encodeSignature(x.signature)),
  );
  assertThrows(
    () => aggregateCoinIndexSignatures(params, master, [share(1)], false),
    EcashVerificationError,
  );
  assertThrows(
    () => aggregateCoinIndexSignatures(params, master, [share(1), share(1)]),
    EcashArgumentError,
  );
  const bytes = encodeCoinIndexSignatures(a);
  assertEquals(bytes.length, 1 + 12 * (98 + 1));
  assertEquals(encodeCoinIndexSignatures(decodeCoinIndexSignatures(bytes)), bytes);
});
