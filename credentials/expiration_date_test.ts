import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import { aggregateVerificationKeys } from "./aggregation.ts";
import { EcashArgumentError, EcashVerificationError } from "./errors.ts";
import {
  aggregateExpirationSignatures,
  decodeExpirationSignatures,
  encodeExpirationSignatures,
  expirationDateHash,
  findDateIndex,
  signExpirationDate,
  validSpendingDates,
  verifyExpirationDateSignatures,
} from "./expiration_date.ts";
import { ttpKeygen } from "./keys_auth.ts";
import { setup } from "./params.ts";
import { encodeSignature } from "./signature.ts";

const params = setup(8);
const random = seededRandom(new Uint8Array(32).fill(6));
const signers = ttpKeygen(params, 2, 3, random);
const master = aggregateVerificationKeys(signers.map((s) => s.verificationKey), [1, 2, 3]);
const EXP = 1702050209; // upstream's test date (not midnight)
const partials = signers.map((s) => signExpirationDate(s.secretKey, EXP));
const share = (i: number) => ({
  index: signers[i].index,
  key: signers[i].verificationKey,
  signatures: partials[i].map((p) => p.signature),
});

Deno.test("find_index matches upstream's window arithmetic", () => {
  const exp = 1701993600; // Dec 8 2023
  for (let i = 0; i < 7; i++) assertEquals(findDateIndex(exp - i * 86400, exp), 6 - i);
  assertThrows(() => findDateIndex(exp + 86400, exp), EcashArgumentError, "too late");
  assertThrows(() => findDateIndex(exp - 7 * 86400, exp), EcashArgumentError, "too early");
  assertEquals(validSpendingDates(exp).length, 7);
});

Deno.test("partial expiration signatures verify under their signer's key only", () => {
  const sigs = partials[0].map((p) => p.signature);
  assertEquals(partials[0].map((p) => p.spendingTimestamp), validSpendingDates(EXP));
  assertEquals(sigs[3].h.equals(expirationDateHash(EXP, EXP - 3 * 86400)), true);
  verifyExpirationDateSignatures(params, signers[0].verificationKey, sigs, EXP);
  const reason = (f: () => unknown) => assertThrows(f, EcashVerificationError).reason;
  assertEquals(
    reason(() => verifyExpirationDateSignatures(params, signers[1].verificationKey, sigs, EXP)),
    "expiration-date-signatures",
  );
  const swapped = [...sigs];
  [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
  assertEquals(
    reason(() => verifyExpirationDateSignatures(params, signers[0].verificationKey, swapped, EXP)),
    "expiration-date-signatures",
  );
  const tampered = sigs.map((s, i) => (i === 4 ? { h: s.h, s: s.s.double() } : s));
  assertEquals(
    reason(() => verifyExpirationDateSignatures(params, signers[0].verificationKey, tampered, EXP)),
    "expiration-date-signatures",
  );
  assertEquals(
    reason(() =>
      verifyExpirationDateSignatures(params, signers[0].verificationKey, sigs.slice(1), EXP)
    ),
    "expiration-date-signatures",
  );
});

Deno.test("any 2 of 3 shares aggregate to the same master signatures; 1 share does not", () => {
  const a = aggregateExpirationSignatures(params, master, EXP, [share(0), share(1)]);
  const b = aggregateExpirationSignatures(params, master, EXP, [share(2), share(0)]);
  assertEquals(
    a.map((x) => encodeSignature(x.signature)),
    b.map((x) => encodeSignature(x.signature)),
  );
  assertThrows(
    () => aggregateExpirationSignatures(params, master, EXP, [share(0)]),
    EcashVerificationError,
  );
  assertThrows(
    () => aggregateExpirationSignatures(params, master, EXP, [share(0), share(0)]),
    EcashArgumentError,
  );
  // A bad share is caught before aggregation when validating.
  const bad = { ...share(1), key: signers[2].verificationKey };
  assertThrows(
    () => aggregateExpirationSignatures(params, master, EXP, [share(0), bad]),
    EcashVerificationError,
  );
  const bytes = encodeExpirationSignatures(a);
  assertEquals(bytes.length, 1 + 7 * (98 + 5 + 5));
  const back = decodeExpirationSignatures(bytes);
  assertEquals(encodeExpirationSignatures(back), bytes);
});
