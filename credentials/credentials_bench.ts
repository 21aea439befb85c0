/**
 * `deno bench credentials/credentials_bench.ts`: the zk-nym operations of each role, next to one
 * pairing. `deno task bench:credentials` (bench/credentials.ts) reports the same figures as
 * multiples of a pairing.
 *
 * @module
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { systemRandom } from "../crypto/random.ts";
import { aggregateVerificationKeys, aggregateWallets } from "./aggregation.ts";
import { ttpKeygen } from "./keys_auth.ts";
import { spend } from "./spend.ts";
import {
  decodeCredentialSpendingData,
  encodeCredentialSpendingData,
  encodePayInfo,
  generatePayInfo,
} from "./spending_data.ts";
import { buildIssuance, EXPIRATION, SPEND_DATE } from "./testdata/fixture.ts";
import { TicketType } from "./ticket_type.ts";
import { verifyTicket } from "./verify_ticket.ts";
import { issue, issueVerify, withdrawalRequest } from "./withdrawal.ts";

const fx = buildIssuance(50);
const { params, prepared } = fx;
const gateway = new Uint8Array(32).fill(9);
const now = SPEND_DATE + 60;
const type = TicketType.V1MixnetEntry;
const { request, info } = withdrawalRequest(
  params,
  fx.user.secretKey,
  EXPIRATION,
  type,
  systemRandom,
);
const signer = fx.signers[0];
const blinded = issue(params, signer.secretKey, fx.user.publicKey, request, EXPIRATION, type);

const five = ttpKeygen(params, 3, 5, systemRandom);
const master5 = aggregateVerificationKeys(five.map((s) => s.verificationKey), [1, 2, 3, 4, 5]);
const partials5 = five.map((s) =>
  issueVerify(
    params,
    s.verificationKey,
    fx.user.secretKey,
    issue(params, s.secretKey, fx.user.publicKey, request, EXPIRATION, type),
    info,
    s.index,
  )
);

function spendOne() {
  const payInfo = encodePayInfo(generatePayInfo(gateway, now, systemRandom));
  const { payment } = spend(params, {
    verificationKey: prepared,
    secretKey: fx.user.secretKey,
    wallet: fx.wallet,
    payInfo,
    expirationSignatures: fx.expirationSignatures,
    coinIndexSignatures: fx.coinIndexSignatures,
    spendDate: SPEND_DATE,
  }, systemRandom);
  return encodeCredentialSpendingData({ payment, payInfo, spendDate: SPEND_DATE, epochId: 1n });
}
const tickets = Array.from({ length: 4 }, spendOne);
let next = 0;
const P = params.g1.multiply(0x1234567n);
const Q = params.g2.multiply(0x7654321n);

Deno.bench("one pairing e(P, Q)", { baseline: true }, () => {
  bls12_381.pairing(P, Q);
});
Deno.bench("client: withdrawal request", () => {
  withdrawalRequest(params, fx.user.secretKey, EXPIRATION, type, systemRandom);
});
Deno.bench("signer: issue (verify request + blind sign)", () => {
  issue(params, signer.secretKey, fx.user.publicKey, request, EXPIRATION, type);
});
Deno.bench("client: unblind + verify one share", () => {
  issueVerify(params, signer.verificationKey, fx.user.secretKey, blinded, info, signer.index);
});
Deno.bench("client: aggregate wallet, 3 of 5", () => {
  aggregateWallets(params, master5, fx.user.secretKey, partials5.slice(1, 4), info);
});
Deno.bench("client: spend one ticket", () => {
  spendOne();
});
Deno.bench("gateway: decode + verify one ticket", () => {
  const data = decodeCredentialSpendingData(tickets[next++ % tickets.length]);
  verifyTicket(params, prepared, data, { today: SPEND_DATE, now, gatewayIdentity: gateway });
});
