/**
 * t-of-n aggregation by Lagrange interpolation at 0, in the exponent: verification keys
 * (α = Π α_i^{λ_i}, β likewise) and signatures (s = Π s_i^{λ_i}), with the aggregated wallet
 * checked by one 2-pair product (upstream `scheme/aggregation.rs`).
 *
 * With fewer than t shares the interpolation lands on a different polynomial value, so the
 * result does not verify: {@linkcode aggregateWallets} then throws `aggregation`.
 *
 * @module
 */
import { EcashArgumentError, EcashVerificationError } from "./errors.ts";
import { G1, type G1Point, G2, type G2Point, linearCombination } from "./group.ts";
import { type VerificationKeyAuth } from "./keys_auth.ts";
import type { SecretKeyUser } from "./keys_user.ts";
import { assertSignerIndices, lagrangeCoefficientsAtZero, type SignerIndex } from "./lagrange.ts";
import type { EcashParameters } from "./params.ts";
import { type Scalar } from "./scalar.ts";
import { type Signature, signatureIsDegenerate } from "./signature.ts";
import { isTicketType } from "./ticket_type.ts";
import type { Wallet } from "./wallet.ts";
import { type PartialWallet, type RequestInfo, signedAttributesKey } from "./withdrawal.ts";
import { pairingProductIsOne } from "./group.ts";

/**
 * Aggregates verification keys. With `indices`, interpolates at 0 (any t keys give the master
 * key); without, sums them as upstream does for `None`.
 *
 * @example
 * ```ts
 * // const master = aggregateVerificationKeys(keys.map((k) => k.verificationKey), [1, 2, 3]);
 * ```
 */
export function aggregateVerificationKeys(
  keys: readonly VerificationKeyAuth[],
  indices?: readonly SignerIndex[],
): VerificationKeyAuth {
  if (keys.length === 0) throw new EcashArgumentError("no verification keys to aggregate");
  const n = keys[0].betaG2.length;
  if (keys.some((k) => k.betaG1.length !== n || k.betaG2.length !== n)) {
    throw new EcashArgumentError("verification keys of different sizes");
  }
  let weights: Scalar[];
  if (indices !== undefined) {
    if (indices.length !== keys.length) {
      throw new EcashArgumentError("need one index per verification key");
    }
    weights = lagrangeCoefficientsAtZero(indices);
  } else {
    weights = keys.map(() => 1n);
  }
  const g2 = (pick: (k: VerificationKeyAuth) => G2Point) =>
    linearCombination(G2, keys.map(pick), weights);
  const g1 = (pick: (k: VerificationKeyAuth) => G1Point) =>
    linearCombination(G1, keys.map(pick), weights);
  return {
    alpha: g2((k) => k.alpha),
    betaG1: Array.from({ length: n }, (_, j) => g1((k) => k.betaG1[j])),
    betaG2: Array.from({ length: n }, (_, j) => g2((k) => k.betaG2[j])),
  };
}

/** One signer's partial signature and Lagrange index. */
export interface SignatureShare {
  /** The partial signature. */
  readonly signature: Signature;
  /** The signer's index. */
  readonly index: SignerIndex;
}

/**
 * Interpolates partial signatures that share the same h: s = Σ λ_i·s_i. No verification.
 *
 * @example
 * ```ts
 * // const sig = interpolateSignatures(shares);
 * ```
 */
export function interpolateSignatures(shares: readonly SignatureShare[]): Signature {
  if (shares.length === 0) throw new EcashArgumentError("no signature shares to aggregate");
  assertSignerIndices(shares.map((s) => s.index));
  const h = shares[0].signature.h;
  for (const share of shares) {
    if (signatureIsDegenerate(share.signature)) {
      throw new EcashVerificationError("aggregation", "identity element in a signature share");
    }
    if (!share.signature.h.equals(h)) {
      throw new EcashVerificationError("aggregation", "signature shares on different h");
    }
  }
  const lambdas = lagrangeCoefficientsAtZero(shares.map((s) => s.index));
  return { h, s: linearCombination(G1, shares.map((s) => s.signature.s), lambdas) };
}

/**
 * Aggregates signature shares and checks the result on `attributes` under the aggregated key:
 * e(h, α·Π β_j^{m_j}) = e(s, g2) (upstream `aggregate_signature_shares`).
 *
 * @example
 * ```ts
 * // const sig = aggregateSignatureShares(params, masterVk, [sk, v, exp, type], shares);
 * ```
 */
export function aggregateSignatureShares(
  params: EcashParameters,
  verificationKey: VerificationKeyAuth,
  attributes: readonly Scalar[],
  shares: readonly SignatureShare[],
): Signature {
  const sig = interpolateSignatures(shares);
  if (signatureIsDegenerate(sig)) {
    throw new EcashVerificationError("aggregation", "aggregated signature is the identity");
  }
  const key = signedAttributesKey(verificationKey, attributes);
  if (!pairingProductIsOne([[sig.h, key], [sig.s, params.g2NegPrepared]])) {
    throw new EcashVerificationError("aggregation", "aggregated signature does not verify");
  }
  return sig;
}

/**
 * Aggregates ≥ t unblinded partial wallets into the spendable wallet and verifies it under the
 * master key (upstream `aggregate_wallets`).
 *
 * @example
 * ```ts
 * // const wallet = aggregateWallets(params, masterVk, user.secretKey, partials, info);
 * ```
 */
export function aggregateWallets(
  params: EcashParameters,
  verificationKey: VerificationKeyAuth,
  skUser: SecretKeyUser,
  wallets: readonly PartialWallet[],
  info: RequestInfo,
): Wallet {
  const signature = aggregateSignatureShares(
    params,
    verificationKey,
    [skUser.sk, info.walletSecret, info.expirationDate, info.ticketType],
    wallets.map((w) => ({ signature: w.signature, index: w.index })),
  );
  const ticketType = Number(info.ticketType);
  if (!isTicketType(ticketType) || info.expirationDate > 0xffff_ffffn) {
    throw new EcashArgumentError("request info holds an invalid date or ticket type");
  }
  return {
    signatures: {
      signature,
      walletSecret: info.walletSecret,
      expirationDate: Number(info.expirationDate),
      ticketType,
    },
    ticketsSpent: 0,
  };
}
