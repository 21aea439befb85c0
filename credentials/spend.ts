/**
 * Spending tickets from a wallet, offline (upstream `WalletSignatures::spend`;
 * credentials-anchors.md §A.3 "Spend").
 *
 * For ticket index l the payment reveals the serial number S = δ^{1/(v+l+1)} (the
 * Dodis–Yampolskiy PRF, equal for every spend of the same (v, l)) and the double-spend tag
 * T = g1^{sk}·(g1^{1/(v+l+1)})^{R}, R = H(PayInfo ‖ k), which exposes pk_u when the same serial
 * is spent under two different PayInfos (see `identify.ts`).
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { TICKETBOOK_VALIDITY_DAYS } from "./constants.ts";
import { EcashArgumentError } from "./errors.ts";
import { type G1Point, type G2Point, mulSecret } from "./group.ts";
import type { SecretKeyUser } from "./keys_user.ts";
import type { EcashParameters } from "./params.ts";
import { PAY_INFO_BYTES, payInfoHash, type Payment } from "./payment.ts";
import { asPrepared, type PreparedVerificationKey } from "./prepared_key.ts";
import { proveSpend } from "./proof_spend.ts";
import type { VerificationKeyAuth } from "./keys_auth.ts";
import { add, inv, mul, neg, randomScalar, type Scalar, scalarFromU64 } from "./scalar.ts";
import { randomiseSignature, type Signature } from "./signature.ts";
import type { Wallet } from "./wallet.ts";
import { findDateIndex } from "./expiration_date.ts";

/** Everything {@linkcode spend} needs besides parameters and randomness. */
export interface SpendRequest {
  /** The aggregated key of the wallet's epoch (prepare it once for many spends). */
  readonly verificationKey: VerificationKeyAuth | PreparedVerificationKey;
  /** The user's secret key. */
  readonly secretKey: SecretKeyUser;
  /** The wallet and its spend counter. */
  readonly wallet: Wallet;
  /** The 72-byte PayInfo bound to the provider (see `spending_data.ts`). */
  readonly payInfo: Uint8Array;
  /** The 7 aggregated expiration-date signatures, ordered by day. */
  readonly expirationSignatures: readonly (Signature | { readonly signature: Signature })[];
  /** The L aggregated coin-index signatures, ordered by index. */
  readonly coinIndexSignatures: readonly (Signature | { readonly signature: Signature })[];
  /** The spend day (unix seconds of 00:00 UTC). */
  readonly spendDate: number;
  /** Tickets to spend at once (gateways accept only 1). Default 1. */
  readonly spendValue?: number;
}

function plain(s: Signature | { readonly signature: Signature }): Signature {
  return "signature" in s ? s.signature : s;
}

/**
 * Spends `spendValue` tickets: returns the payment and the wallet with its counter advanced.
 * Throws {@linkcode EcashArgumentError} when the wallet is spent out, the date is outside the
 * validity window, or the signature lists have the wrong sizes.
 *
 * @example
 * ```ts
 * // const { payment, wallet } = spend(params, { verificationKey, secretKey, wallet, payInfo,
 * //   expirationSignatures, coinIndexSignatures, spendDate }, systemRandom);
 * ```
 */
export function spend(
  params: EcashParameters,
  request: SpendRequest,
  random: RandomSource,
): { payment: Payment; wallet: Wallet } {
  const vk = asPrepared(request.verificationKey);
  const spendValue = request.spendValue ?? 1;
  const { wallet, payInfo } = request;
  const sk = request.secretKey.sk;
  const { walletSecret: v, expirationDate, ticketType } = wallet.signatures;
  if (!Number.isSafeInteger(spendValue) || spendValue < 1) {
    throw new EcashArgumentError("spend value must be a positive integer");
  }
  if (wallet.ticketsSpent + spendValue > params.totalCoins) {
    throw new EcashArgumentError(
      `spending ${spendValue} exceeds the ${params.totalCoins - wallet.ticketsSpent} tickets left`,
    );
  }
  if (payInfo.length !== PAY_INFO_BYTES) throw new EcashArgumentError("PayInfo must be 72 bytes");
  if (request.expirationSignatures.length !== TICKETBOOK_VALIDITY_DAYS) {
    throw new EcashArgumentError("need one expiration-date signature per valid day");
  }
  if (request.coinIndexSignatures.length !== params.totalCoins) {
    throw new EcashArgumentError("need one coin-index signature per ticket");
  }
  const exp = scalarFromU64(expirationDate);
  const [b0, b1, b2] = vk.betaG2;
  const { g1, g2, delta } = params;
  const gamma2 = params.gammas[1];

  const wsig = randomiseSignature(wallet.signatures.signature, random);
  const kappa = mulSecret(g2, wsig.blinding).add(vk.alpha).add(mulSecret(b0, sk))
    .add(mulSecret(b1, v)).add(mulSecret(b2, exp));

  const dateIndex = findDateIndex(request.spendDate, expirationDate);
  const dsig = randomiseSignature(plain(request.expirationSignatures[dateIndex]), random);
  const kappaE = mulSecret(g2, dsig.blinding).add(vk.alpha).add(mulSecret(b0, exp));

  const oC = randomScalar(random);
  const cc = mulSecret(g1, oC).add(mulSecret(gamma2, v));

  const rr: Scalar[] = [];
  const lk: Scalar[] = [];
  const oA: Scalar[] = [];
  const mu: Scalar[] = [];
  const oMu: Scalar[] = [];
  const aa: G1Point[] = [];
  const ss: G1Point[] = [];
  const tt: G1Point[] = [];
  const kappaK: G2Point[] = [];
  const omega: Signature[] = [];
  for (let k = 0; k < spendValue; k++) {
    const l = wallet.ticketsSpent + k;
    const lScalar = scalarFromU64(l);
    const rK = payInfoHash(payInfo, k);
    const oAk = randomScalar(random);
    // v + l + 1 = 0 has probability ~L/r; upstream reports it as `UnluckiestError`.
    const muK = inv(add(add(v, lScalar), 1n));
    rr.push(rK);
    lk.push(lScalar);
    oA.push(oAk);
    mu.push(muK);
    oMu.push(neg(mul(add(oAk, oC), muK)));
    aa.push(mulSecret(g1, oAk).add(mulSecret(gamma2, lScalar)));
    ss.push(mulSecret(delta, muK));
    tt.push(mulSecret(g1, add(sk, mul(rK, muK))));
    const csig = randomiseSignature(plain(request.coinIndexSignatures[l]), random);
    omega.push(csig.signature);
    kappaK.push(mulSecret(g2, csig.blinding).add(vk.alpha).add(mulSecret(b0, lScalar)));
  }

  const instance = { kappa, cc, aa, ss, tt, kappaK, kappaE };
  const zkProof = proveSpend(
    params,
    vk,
    instance,
    // rK stays empty, as upstream's prover leaves it (see proof_spend.ts).
    { attributes: [sk, v, exp], r: wsig.blinding, rE: dsig.blinding, oC, lk, oA, mu, oMu, rK: [] },
    rr,
    payInfo,
    spendValue,
    random,
  );
  const payment: Payment = {
    kappa,
    kappaE,
    sig: wsig.signature,
    sigExp: dsig.signature,
    kappaK,
    omega,
    ss,
    tt,
    aa,
    spendValue,
    cc,
    ticketType,
    zkProof,
  };
  return {
    payment,
    wallet: { signatures: wallet.signatures, ticketsSpent: wallet.ticketsSpent + spendValue },
  };
}
