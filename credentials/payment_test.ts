import { assertEquals, assertNotEquals, assertThrows } from "../testing/asserts.ts";
import { aggregateVerificationKeys } from "./aggregation.ts";
import {
  EcashArgumentError,
  EcashDecodeError,
  EcashError,
  EcashVerificationError,
} from "./errors.ts";
import { identify } from "./identify.ts";
import {
  decodePayment,
  encodePayment,
  type Payment,
  paymentSerialNumber,
  verifyPayment,
} from "./payment.ts";
import { add } from "./scalar.ts";
import { spend, type SpendRequest } from "./spend.ts";
import { buildIssuance, EXPIRATION, SPEND_DATE } from "./testdata/fixture.ts";

const fx = buildIssuance(50);
const { params, prepared } = fx;
const payInfo = new Uint8Array(72).fill(1);
const baseRequest: SpendRequest = {
  verificationKey: prepared,
  secretKey: fx.user.secretKey,
  wallet: fx.wallet,
  payInfo,
  expirationSignatures: fx.expirationSignatures,
  coinIndexSignatures: fx.coinIndexSignatures,
  spendDate: SPEND_DATE,
};
const { payment, wallet: spentOnce } = spend(params, baseRequest, fx.random);
const bytes = encodePayment(payment);

const reasonOf = (f: () => unknown) => assertThrows(f, EcashVerificationError).reason;
const verify = (p: Payment, info = payInfo, date = SPEND_DATE) =>
  verifyPayment(params, prepared, p, info, date);

Deno.test("spend → bincode → verify, with upstream's layout", () => {
  assertEquals(spentOnce.ticketsSpent, 1);
  assertEquals(bytes.length, 1157);
  assertEquals([bytes[0], bytes[97]], [96, 96]); // serde prefixes of κ and κ_e
  const back = decodePayment(bytes);
  assertEquals(encodePayment(back), bytes);
  verify(back);
  verifyPayment(params, fx.masterKey, back, payInfo, SPEND_DATE); // unprepared key too
  assertEquals(paymentSerialNumber(back).length, 48);
  assertEquals(back.zkProof.responsesRK.length, 0); // upstream's prover leaves them empty
});

Deno.test("every day of the validity window spends; other days do not verify", () => {
  for (const day of [EXPIRATION - 6 * 86400, EXPIRATION]) {
    const { payment: p } = spend(params, { ...baseRequest, spendDate: day }, fx.random);
    verify(p, payInfo, day);
    assertEquals(reasonOf(() => verify(p, payInfo, day - 86400)), "spend-signatures");
  }
  assertEquals(reasonOf(() => verify(payment, payInfo, SPEND_DATE + 86400)), "spend-signatures");
  assertThrows(
    () => spend(params, { ...baseRequest, spendDate: EXPIRATION + 86400 }, fx.random),
    EcashArgumentError,
  );
  assertThrows(
    () => spend(params, { ...baseRequest, spendDate: EXPIRATION - 7 * 86400 }, fx.random),
    EcashArgumentError,
  );
});

Deno.test("a different ticket type does not verify", () => {
  for (const t of [1, 2, 3, 200]) {
    assertEquals(reasonOf(() => verify({ ...payment, ticketType: t })), "spend-signatures");
  }
});

Deno.test("a bad spend proof is rejected, response by response", () => {
  const p = payment.zkProof;
  const bump = (xs: readonly bigint[]) => [add(xs[0], 1n), ...xs.slice(1)];
  const proofs = [
    { ...p, challenge: add(p.challenge, 1n) },
    { ...p, responseR: add(p.responseR, 1n) },
    { ...p, responseRE: add(p.responseRE, 1n) },
    { ...p, responseOC: add(p.responseOC, 1n) },
    { ...p, responsesL: bump(p.responsesL) },
    { ...p, responsesOA: bump(p.responsesOA) },
    { ...p, responsesMu: bump(p.responsesMu) },
    { ...p, responsesOMu: bump(p.responsesOMu) },
    { ...p, responsesAttributes: bump(p.responsesAttributes) },
    {
      ...p,
      responsesAttributes: [
        p.responsesAttributes[0],
        p.responsesAttributes[1],
        add(p.responsesAttributes[2], 1n),
      ],
    },
    { ...p, responsesRK: [5n] },
  ];
  for (const zkProof of proofs) {
    assertEquals(reasonOf(() => verify({ ...payment, zkProof })), "spend-proof");
  }
  // Another PayInfo changes R_k and the challenge.
  assertEquals(reasonOf(() => verify(payment, new Uint8Array(72).fill(2))), "spend-proof");
});

Deno.test("every tampered payment element is rejected", () => {
  const g1 = params.g1;
  const variants: Payment[] = [
    { ...payment, kappa: payment.kappa.add(params.g2) },
    { ...payment, kappaE: payment.kappaE.add(params.g2) },
    { ...payment, kappaK: [payment.kappaK[0].add(params.g2)] },
    { ...payment, sig: { h: payment.sig.h.double(), s: payment.sig.s } },
    { ...payment, sig: { h: payment.sig.h, s: payment.sig.s.add(g1) } },
    { ...payment, sigExp: { h: payment.sigExp.h, s: payment.sigExp.s.add(g1) } },
    { ...payment, omega: [{ h: payment.omega[0].h, s: payment.omega[0].s.add(g1) }] },
    { ...payment, omega: [{ h: g1.subtract(g1), s: g1.subtract(g1) }] },
    { ...payment, ss: [payment.ss[0].add(g1)] },
    { ...payment, tt: [payment.tt[0].add(g1)] },
    { ...payment, aa: [payment.aa[0].add(g1)] },
    { ...payment, cc: payment.cc.add(g1) },
  ];
  for (const v of variants) {
    const reason = reasonOf(() => verify(v));
    assertEquals(reason === "spend-proof" || reason === "spend-signatures", true, reason);
  }
  assertEquals(reasonOf(() => verify({ ...payment, spendValue: 2 })), "payment-structure");
  assertEquals(reasonOf(() => verify({ ...payment, ss: [] })), "payment-structure");
});

Deno.test("flipping any byte of the encoded payment never verifies and only typed errors escape", () => {
  // One flip inside every field: κ, κ_e, σ', σ_e', κ_k, ω, S, T, A, spend value, C, type, proof.
  const offsets = [
    5,
    100,
    200,
    300,
    400,
    500,
    600,
    650,
    700,
    738,
    740,
    787,
    790,
    830,
    900,
    1000,
    1100,
    1156,
  ];
  for (const o of offsets) {
    const mutated = bytes.slice();
    mutated[o] ^= 0x04;
    try {
      verify(decodePayment(mutated));
      throw new Error(`byte ${o} flipped and the payment still verified`);
    } catch (e) {
      assertEquals(
        e instanceof EcashDecodeError || e instanceof EcashVerificationError,
        true,
        String(e),
      );
    }
  }
});

Deno.test("several tickets at once; duplicate serial numbers are refused", () => {
  const { payment: two, wallet } = spend(params, {
    ...baseRequest,
    wallet: spentOnce,
    spendValue: 2,
  }, fx.random);
  assertEquals(wallet.ticketsSpent, 3);
  verify(two);
  assertEquals(paymentSerialNumber(two).length, 96);
  assertNotEquals(paymentSerialNumber(two).subarray(0, 48), paymentSerialNumber(two).subarray(48));
  assertEquals(
    reasonOf(() => verify({ ...two, ss: [two.ss[0], two.ss[0]] })),
    "duplicate-serial-number",
  );
});

Deno.test("a ticketbook cannot spend more than L tickets", () => {
  const almost = { ...fx.wallet, ticketsSpent: 49 };
  const { payment: last, wallet } = spend(params, { ...baseRequest, wallet: almost }, fx.random);
  verify(last);
  assertThrows(() => spend(params, { ...baseRequest, wallet }, fx.random), EcashArgumentError);
  assertThrows(
    () => spend(params, { ...baseRequest, spendValue: 51 }, fx.random),
    EcashArgumentError,
  );
});

Deno.test("a key aggregated from fewer than t signers does not verify payments", () => {
  const short = aggregateVerificationKeys([fx.signers[0].verificationKey], [1]);
  const e = assertThrows(
    () => verifyPayment(params, short, payment, payInfo, SPEND_DATE),
    EcashError,
  );
  assertEquals(e instanceof EcashVerificationError, true);
});

Deno.test("identify: replay, double spend (reveals the spender's key) and unrelated payments", () => {
  assertEquals(identify(payment, payment, payInfo, payInfo).kind, "duplicate-pay-info");
  const otherInfo = new Uint8Array(72).fill(3);
  const { payment: again } = spend(params, { ...baseRequest, payInfo: otherInfo }, fx.random);
  verify(again, otherInfo);
  assertEquals(paymentSerialNumber(again), paymentSerialNumber(payment));
  const result = identify(payment, again, payInfo, otherInfo);
  assertEquals(result.kind, "double-spend");
  if (result.kind === "double-spend") {
    assertEquals(result.publicKey.pk.equals(fx.user.publicKey.pk), true);
  }
  const { payment: next } = spend(
    params,
    { ...baseRequest, wallet: spentOnce, payInfo: otherInfo },
    fx.random,
  );
  assertEquals(identify(payment, next, payInfo, otherInfo).kind, "not-duplicate");
  // A double spend hidden in the second ticket of a two-ticket payment (indices 0 and 1) is
  // found too: `next` spent index 1 under another PayInfo.
  const fourth = new Uint8Array(72).fill(4);
  const { payment: pair } = spend(
    params,
    { ...baseRequest, spendValue: 2, payInfo: fourth },
    fx.random,
  );
  const hidden = identify(next, pair, otherInfo, fourth);
  assertEquals(
    hidden.kind === "double-spend" && hidden.publicKey.pk.equals(fx.user.publicKey.pk),
    true,
  );
});
