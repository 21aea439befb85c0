/**
 * Deterministic fuzzing of every decoder: random and mutated inputs must either decode or throw
 * an `EcashDecodeError` — never a `RangeError`, `TypeError` or a noble error — and decoded
 * payments must only ever fail verification with an `EcashVerificationError`.
 */
import { assertEquals } from "../testing/asserts.ts";
import { randomInt, type RandomSource, seededRandom } from "../crypto/random.ts";
import { decodeCoinIndexSignatures, encodeCoinIndexSignatures } from "./coin_index.ts";
import { EcashDecodeError, EcashVerificationError } from "./errors.ts";
import { decodeExpirationSignatures, encodeExpirationSignatures } from "./expiration_date.ts";
import { g1FromBytes, g1ToBytes, g2FromBytes, g2ToBytes } from "./group.ts";
import {
  decodeSecretKeyAuth,
  decodeVerificationKey,
  encodeSecretKeyAuth,
  encodeVerificationKey,
} from "./keys_auth.ts";
import {
  decodeKeyPairUser,
  decodePublicKeyUser,
  decodeSecretKeyUser,
  encodeKeyPairUser,
  encodePublicKeyUser,
  encodeSecretKeyUser,
} from "./keys_user.ts";
import { decodePayment, encodePayment, verifyPayment } from "./payment.ts";
import { scalarFromBytes, scalarToBytes } from "./scalar.ts";
import {
  decodeBlindedSignature,
  decodeSignature,
  encodeBlindedSignature,
  encodeSignature,
} from "./signature.ts";
import { spend } from "./spend.ts";
import {
  decodeCredentialSpendingData,
  decodePayInfo,
  encodeCredentialSpendingData,
  encodePayInfo,
  generatePayInfo,
} from "./spending_data.ts";
import { buildIssuance, EXPIRATION, SPEND_DATE } from "./testdata/fixture.ts";
import {
  decodeAggregatedCoinIndicesSignatures,
  decodeAggregatedExpirationDateSignatures,
  decodeEpochVerificationKey,
  decodeImportableTicketBook,
  decodeIssuedTicketBook,
  encodeAggregatedCoinIndicesSignatures,
  encodeAggregatedExpirationDateSignatures,
  encodeEpochVerificationKey,
  encodeImportableTicketBook,
  encodeIssuedTicketBook,
} from "./ticketbook.ts";
import { TicketType } from "./ticket_type.ts";
import {
  decodeWallet,
  decodeWalletSignatures,
  encodeWallet,
  encodeWalletSignatures,
} from "./wallet.ts";
import {
  decodePartialWallet,
  decodeRequestInfo,
  decodeWithdrawalRequest,
  encodePartialWallet,
  encodeRequestInfo,
  encodeWithdrawalRequest,
  issue,
  issueVerify,
  withdrawalRequest,
} from "./withdrawal.ts";

const fx = buildIssuance(4, TicketType.V1MixnetEntry, 51);
const payInfo = encodePayInfo(generatePayInfo(new Uint8Array(32).fill(6), SPEND_DATE, fx.random));
const { payment } = spend(fx.params, {
  verificationKey: fx.prepared,
  secretKey: fx.user.secretKey,
  wallet: fx.wallet,
  payInfo,
  expirationSignatures: fx.expirationSignatures,
  coinIndexSignatures: fx.coinIndexSignatures,
  spendDate: SPEND_DATE,
}, fx.random);
const { request, info } = withdrawalRequest(fx.params, fx.user.secretKey, EXPIRATION, 0, fx.random);
const blinded = issue(
  fx.params,
  fx.signers[0].secretKey,
  fx.user.publicKey,
  request,
  EXPIRATION,
  0,
);
const partial = issueVerify(
  fx.params,
  fx.signers[0].verificationKey,
  fx.user.secretKey,
  blinded,
  info,
  1,
);
const ticketbook = {
  signatures: fx.wallet.signatures,
  spentTickets: 1,
  epochId: 9n,
  secretKey: fx.user.secretKey,
  expirationDate: EXPIRATION,
  ticketType: TicketType.V1MixnetEntry,
};
const annotatedDates = fx.expirationSignatures.map((signature, i) => ({
  signature,
  expirationTimestamp: EXPIRATION,
  spendingTimestamp: EXPIRATION - (6 - i) * 86400,
}));
const annotatedCoins = fx.coinIndexSignatures.map((signature, index) => ({ signature, index }));

type Decoder = [name: string, seed: Uint8Array, decode: (b: Uint8Array) => unknown];
const decoders: Decoder[] = [
  ["scalar", scalarToBytes(123456789n), (b) => scalarFromBytes(b)],
  ["G1", g1ToBytes(fx.params.delta), (b) => g1FromBytes(b)],
  ["G2", g2ToBytes(fx.masterKey.alpha), (b) => g2FromBytes(b)],
  ["SecretKeyAuth", encodeSecretKeyAuth(fx.signers[0].secretKey), decodeSecretKeyAuth],
  ["VerificationKeyAuth", encodeVerificationKey(fx.masterKey), decodeVerificationKey],
  ["SecretKeyUser", encodeSecretKeyUser(fx.user.secretKey), decodeSecretKeyUser],
  ["PublicKeyUser", encodePublicKeyUser(fx.user.publicKey), decodePublicKeyUser],
  ["KeyPairUser", encodeKeyPairUser(fx.user), decodeKeyPairUser],
  ["Signature", encodeSignature(fx.expirationSignatures[0]), (b) => decodeSignature(b)],
  ["BlindedSignature", encodeBlindedSignature(blinded), decodeBlindedSignature],
  ["WithdrawalRequest", encodeWithdrawalRequest(request), decodeWithdrawalRequest],
  ["RequestInfo", encodeRequestInfo(info), decodeRequestInfo],
  ["PartialWallet", encodePartialWallet(partial), decodePartialWallet],
  ["WalletSignatures", encodeWalletSignatures(fx.wallet.signatures), decodeWalletSignatures],
  ["Wallet", encodeWallet(fx.wallet), decodeWallet],
  ["ExpirationSignatures", encodeExpirationSignatures(annotatedDates), decodeExpirationSignatures],
  ["CoinIndexSignatures", encodeCoinIndexSignatures(annotatedCoins), decodeCoinIndexSignatures],
  ["Payment", encodePayment(payment), decodePayment],
  [
    "CredentialSpendingData",
    encodeCredentialSpendingData({ payment, payInfo, spendDate: SPEND_DATE, epochId: 3n }),
    decodeCredentialSpendingData,
  ],
  ["PayInfo", payInfo, decodePayInfo],
  ["IssuedTicketBook", encodeIssuedTicketBook(ticketbook), decodeIssuedTicketBook],
  [
    "EpochVerificationKey",
    encodeEpochVerificationKey({ epochId: 9n, key: fx.masterKey }),
    decodeEpochVerificationKey,
  ],
  [
    "AggregatedExpirationDateSignatures",
    encodeAggregatedExpirationDateSignatures({
      epochId: 9n,
      expirationDate: EXPIRATION,
      signatures: annotatedDates,
    }),
    decodeAggregatedExpirationDateSignatures,
  ],
  [
    "AggregatedCoinIndicesSignatures",
    encodeAggregatedCoinIndicesSignatures({ epochId: 9n, signatures: annotatedCoins }),
    decodeAggregatedCoinIndicesSignatures,
  ],
  [
    "ImportableTicketBook",
    encodeImportableTicketBook({
      ticketbook,
      masterVerificationKey: { epochId: 9n, key: fx.masterKey },
    }).data,
    (b) => decodeImportableTicketBook(b),
  ],
];

function mutate(seed: Uint8Array, random: RandomSource): Uint8Array {
  const pick = (n: number) => randomInt(random, Math.max(1, n));
  switch (pick(7)) {
    case 0: // random bytes of a random length
      return random(pick(2 * seed.length + 2));
    case 1: { // flip 1..3 bits
      const out = seed.slice();
      for (let i = 0, n = 1 + pick(3); i < n && out.length; i++) {
        out[pick(out.length)] ^= 1 << pick(8);
      }
      return out;
    }
    case 2: // truncate
      return seed.slice(0, pick(seed.length));
    case 3: { // append garbage
      const extra = random(1 + pick(8));
      const out = new Uint8Array(seed.length + extra.length);
      out.set(seed);
      out.set(extra, seed.length);
      return out;
    }
    case 4: { // overwrite a byte with a varint marker or an extreme value
      const out = seed.slice();
      if (out.length) {
        out[pick(out.length)] = [0x00, 0xff, 0xfb, 0xfc, 0xfd, 0xfe, 0x30, 0x60][pick(8)];
      }
      return out;
    }
    case 5: { // insert a byte
      const at = pick(seed.length + 1);
      const out = new Uint8Array(seed.length + 1);
      out.set(seed.subarray(0, at));
      out[at] = random(1)[0];
      out.set(seed.subarray(at), at + 1);
      return out;
    }
    default: { // delete a byte
      const at = pick(seed.length);
      return new Uint8Array([...seed.subarray(0, at), ...seed.subarray(at + 1)]);
    }
  }
}

for (const [name, seed, decode] of decoders) {
  Deno.test(`fuzz: ${name} decoder throws only EcashDecodeError`, () => {
    decode(seed); // the seed itself is valid
    const random = seededRandom(new TextEncoder().encode(name.padEnd(32, "#")).subarray(0, 32));
    const rounds = seed.length > 400 ? 120 : 250;
    let rejected = 0;
    for (let i = 0; i < rounds; i++) {
      const input = mutate(seed, random);
      try {
        decode(input);
      } catch (e) {
        if (!(e instanceof EcashDecodeError)) {
          throw new Error(`${name}: ${String(e)} escaped for input of ${input.length} bytes`);
        }
        rejected++;
      }
    }
    assertEquals(rejected > 0, true);
  });
}

Deno.test("fuzz: decodable mutated payments fail verification with typed errors only", () => {
  const random = seededRandom(new Uint8Array(32).fill(0x77));
  const seed = encodePayment(payment);
  let verified = 0;
  for (let i = 0; i < 400 && verified < 25; i++) {
    const input = mutate(seed, random);
    let decoded;
    try {
      decoded = decodePayment(input);
    } catch (e) {
      if (e instanceof EcashDecodeError) continue;
      throw e;
    }
    verified++;
    try {
      verifyPayment(fx.params, fx.prepared, decoded, payInfo, SPEND_DATE);
      assertEquals(encodePayment(decoded), seed, "only the original may verify");
    } catch (e) {
      if (!(e instanceof EcashVerificationError)) throw e;
    }
  }
  assertEquals(verified > 0, true);
});
