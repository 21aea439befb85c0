/**
 * `deno task bench:credentials`: the zk-nym scheme's operations measured in one run, each also
 * as a multiple of one BLS12-381 pairing measured alongside (interleaved batches, medians):
 * withdrawal request, issuance per signer, unblinding per share, wallet aggregation (t = 2 of 3
 * and t = 3 of 5, including the aggregate's pairing check), verification-key aggregation, spending
 * one ticket, and a gateway's decode + verification of one ticket.
 *
 * Target: gateway verification of one ticket ≤ 20 pairings.
 * Last line: `cred-verify-ms=<x> pairing-ms=<y> verify-pairings=<x/y>`.
 *
 * @module
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { systemRandom } from "../crypto/random.ts";
import {
  aggregateVerificationKeys,
  aggregateWallets,
  decodeCredentialSpendingData,
  encodeCredentialSpendingData,
  encodePayInfo,
  generatePayInfo,
  issue,
  issueVerify,
  type PartialWallet,
  spend,
  TicketType,
  ttpKeygen,
  type VerificationKeyAuth,
  verifyTicket,
  withdrawalRequest,
} from "../credentials/mod.ts";
import { buildIssuance, EXPIRATION, SPEND_DATE } from "../credentials/testdata/fixture.ts";
import { runInterleaved } from "./harness.ts";

const fx = buildIssuance(50);
const { params, prepared, user } = fx;
const type = TicketType.V1MixnetEntry;
const gateway = new Uint8Array(32).fill(9);
const now = SPEND_DATE + 60;

const { request, info } = withdrawalRequest(params, user.secretKey, EXPIRATION, type, systemRandom);

function issuance(threshold: number, n: number) {
  const signers = ttpKeygen(params, threshold, n, systemRandom);
  const keys: VerificationKeyAuth[] = signers.map((s) => s.verificationKey);
  const master = aggregateVerificationKeys(keys, signers.map((s) => s.index));
  const partials: PartialWallet[] = signers.map((s) =>
    issueVerify(
      params,
      s.verificationKey,
      user.secretKey,
      issue(params, s.secretKey, user.publicKey, request, EXPIRATION, type),
      info,
      s.index,
    )
  );
  return { signers, keys, master, partials };
}
const t2of3 = issuance(2, 3);
const t3of5 = issuance(3, 5);
const signer = t2of3.signers[0];
const blinded = issue(params, signer.secretKey, user.publicKey, request, EXPIRATION, type);

function spendOne(): Uint8Array {
  const payInfo = encodePayInfo(generatePayInfo(gateway, now, systemRandom));
  const { payment } = spend(params, {
    verificationKey: prepared,
    secretKey: user.secretKey,
    wallet: fx.wallet,
    payInfo,
    expirationSignatures: fx.expirationSignatures,
    coinIndexSignatures: fx.coinIndexSignatures,
    spendDate: SPEND_DATE,
  }, systemRandom);
  return encodeCredentialSpendingData({ payment, payInfo, spendDate: SPEND_DATE, epochId: 1n });
}
// Distinct tickets, so every verification decodes and checks fresh points.
const tickets = Array.from({ length: 16 }, spendOne);
let next = 0;
let pairs = 0;
const pairingInputs = Array.from({ length: 8 }, (_, i) => ({
  p: params.g1.multiply(BigInt(1000 + i)),
  q: params.g2.multiply(BigInt(2000 + i)),
}));

const results = runInterleaved([
  {
    name: "one pairing e(P, Q) (full, incl. final exp.)",
    fn: () => {
      const { p, q } = pairingInputs[pairs++ & 7];
      bls12_381.pairing(p, q);
    },
  },
  {
    name: "client: withdrawal request",
    fn: () => void withdrawalRequest(params, user.secretKey, EXPIRATION, type, systemRandom),
  },
  {
    name: "signer: issuance (verify request + sign)",
    fn: () => void issue(params, signer.secretKey, user.publicKey, request, EXPIRATION, type),
  },
  {
    name: "client: unblind + check one share",
    fn: () =>
      void issueVerify(params, signer.verificationKey, user.secretKey, blinded, info, signer.index),
  },
  {
    name: "client: aggregate wallet t=2 of 3",
    fn: () =>
      void aggregateWallets(params, t2of3.master, user.secretKey, t2of3.partials.slice(1), info),
  },
  {
    name: "client: aggregate wallet t=3 of 5",
    fn: () =>
      void aggregateWallets(params, t3of5.master, user.secretKey, t3of5.partials.slice(2), info),
  },
  {
    name: "aggregate verification key t=3 of 5",
    fn: () => void aggregateVerificationKeys(t3of5.keys.slice(0, 3), [1, 2, 3]),
  },
  { name: "client: spend one ticket (+ encode)", fn: () => void spendOne() },
  {
    name: "gateway: decode + verify one ticket",
    fn: () => {
      const data = decodeCredentialSpendingData(tickets[next++ % tickets.length]);
      verifyTicket(params, prepared, data, { today: SPEND_DATE, now, gatewayIdentity: gateway });
    },
  },
], { rounds: 9, batchSize: 2, warmup: 1 });

const pairingMs = results[0].medianUs / 1000;
for (const r of results) {
  const ms = r.medianUs / 1000;
  console.log(
    `${r.name.padEnd(46)} ${ms.toFixed(2).padStart(8)} ms  ` +
      `(p10 ${(r.p10Us / 1000).toFixed(2)}, p90 ${(r.p90Us / 1000).toFixed(2)})  ` +
      `= ${(ms / pairingMs).toFixed(2).padStart(6)} pairings`,
  );
}
const verifyMs = results[results.length - 1].medianUs / 1000;
console.log(
  `cred-verify-ms=${verifyMs.toFixed(2)} pairing-ms=${pairingMs.toFixed(2)} ` +
    `verify-pairings=${(verifyMs / pairingMs).toFixed(2)}`,
);
