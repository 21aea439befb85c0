import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import {
  aggregateVerificationKeys,
  aggregateWallets,
  interpolateSignatures,
} from "./aggregation.ts";
import { EcashArgumentError, EcashDecodeError, EcashVerificationError } from "./errors.ts";
import { ttpKeygen } from "./keys_auth.ts";
import { userKeypairFromSeed } from "./keys_user.ts";
import { setup } from "./params.ts";
import { TicketType } from "./ticket_type.ts";
import {
  decodeWallet,
  decodeWalletSignatures,
  encodeWallet,
  encodeWalletSignatures,
} from "./wallet.ts";
import { issue, issueVerify, withdrawalRequest } from "./withdrawal.ts";
import { encodeSignature } from "./signature.ts";

const params = setup(8);
const random = seededRandom(new Uint8Array(32).fill(5));
const EXP = 1702166400;

function issueAll(threshold: number, n: number) {
  const signers = ttpKeygen(params, threshold, n, random);
  const master = aggregateVerificationKeys(
    signers.map((s) => s.verificationKey),
    signers.map((s) => s.index),
  );
  const user = userKeypairFromSeed(params, new Uint8Array([threshold, n]));
  const { request, info } = withdrawalRequest(
    params,
    user.secretKey,
    EXP,
    TicketType.V1WireguardEntry,
    random,
  );
  const partials = signers.map((s) =>
    issueVerify(
      params,
      s.verificationKey,
      user.secretKey,
      issue(params, s.secretKey, user.publicKey, request, EXP, TicketType.V1WireguardEntry),
      info,
      s.index,
    )
  );
  return { signers, master, user, info, partials };
}

Deno.test("2-of-3: every pair of signers gives the same aggregated wallet", () => {
  const { master, user, info, partials } = issueAll(2, 3);
  const subsets = [[0, 1], [1, 2], [0, 2], [2, 0], [0, 1, 2]];
  const wallets = subsets.map((idx) =>
    aggregateWallets(params, master, user.secretKey, idx.map((i) => partials[i]), info)
  );
  const first = encodeSignature(wallets[0].signatures.signature);
  for (const w of wallets) assertEquals(encodeSignature(w.signatures.signature), first);
  assertEquals(wallets[0].signatures.ticketType, TicketType.V1WireguardEntry);
  assertEquals(wallets[0].signatures.expirationDate, EXP);
  assertEquals(wallets[0].ticketsSpent, 0);
});

Deno.test("3-of-5: different subsets agree, fewer than t shares do not verify", () => {
  const { signers, master, user, info, partials } = issueAll(3, 5);
  const a = aggregateWallets(params, master, user.secretKey, [
    partials[0],
    partials[2],
    partials[4],
  ], info);
  const b = aggregateWallets(params, master, user.secretKey, [
    partials[3],
    partials[1],
    partials[0],
  ], info);
  assertEquals(encodeSignature(a.signatures.signature), encodeSignature(b.signatures.signature));
  const e = assertThrows(
    () => aggregateWallets(params, master, user.secretKey, [partials[0], partials[1]], info),
    EcashVerificationError,
  );
  assertEquals(e.reason, "aggregation");
  // The same shares under a key aggregated from too few signers do not verify either.
  const shortKey = aggregateVerificationKeys(
    signers.slice(0, 2).map((s) => s.verificationKey),
    [1, 2],
  );
  assertThrows(
    () =>
      aggregateWallets(
        params,
        shortKey,
        user.secretKey,
        [partials[0], partials[2], partials[4]],
        info,
      ),
    EcashVerificationError,
  );
});

Deno.test("aggregation rejects duplicates, empty sets and mixed commitments", () => {
  const { master, user, info, partials } = issueAll(2, 3);
  assertThrows(
    () => aggregateWallets(params, master, user.secretKey, [partials[0], partials[0]], info),
    EcashArgumentError,
  );
  assertThrows(
    () => aggregateWallets(params, master, user.secretKey, [], info),
    EcashArgumentError,
  );
  const other = issueAll(2, 3);
  assertThrows(
    () =>
      interpolateSignatures([{ signature: partials[0].signature, index: 1 }, {
        signature: other.partials[1].signature,
        index: 2,
      }]),
    EcashVerificationError,
  );
});

Deno.test("wallet layouts round-trip (133 and 141 bytes) and reject bad values", () => {
  const { master, user, info, partials } = issueAll(2, 3);
  const wallet = aggregateWallets(params, master, user.secretKey, partials.slice(0, 2), info);
  const sigBytes = encodeWalletSignatures(wallet.signatures);
  assertEquals(sigBytes.length, 133);
  assertEquals(sigBytes[132], TicketType.V1WireguardEntry);
  assertEquals(new DataView(sigBytes.buffer).getUint32(128, false), EXP);
  assertEquals(encodeWalletSignatures(decodeWalletSignatures(sigBytes)), sigBytes);
  const w = encodeWallet({ ...wallet, ticketsSpent: 7 });
  assertEquals(w.length, 141);
  assertEquals(decodeWallet(w).ticketsSpent, 7);
  const badType = sigBytes.slice();
  badType[132] = 9;
  assertEquals(
    assertThrows(() => decodeWalletSignatures(badType), EcashDecodeError).reason,
    "value",
  );
});
