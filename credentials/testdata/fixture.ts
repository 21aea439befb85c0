/**
 * Test-only fixture: a deterministic issuance (trusted-dealer keys, one user, one wallet, the
 * aggregated date and coin-index signatures) shared by the credential tests.
 *
 * @module
 */
import { seededRandom } from "../../crypto/random.ts";
import type { RandomSource } from "../../crypto/random.ts";
import { aggregateVerificationKeys, aggregateWallets } from "../aggregation.ts";
import { aggregateCoinIndexSignatures, signCoinIndices } from "../coin_index.ts";
import {
  aggregateExpirationSignatures,
  signExpirationDate,
  validSpendingDates,
} from "../expiration_date.ts";
import type { ImportableTicketBook } from "../ticketbook.ts";
import type { SignerKeyShare } from "../signer/key_files.ts";
import { type KeyPairAuth, ttpKeygen, type VerificationKeyAuth } from "../keys_auth.ts";
import { type KeyPairUser, userKeypairFromSeed } from "../keys_user.ts";
import { type EcashParameters, setup } from "../params.ts";
import { type PreparedVerificationKey, prepareVerificationKey } from "../prepared_key.ts";
import type { Signature } from "../signature.ts";
import { TicketType } from "../ticket_type.ts";
import type { Wallet } from "../wallet.ts";
import { issue, issueVerify, type RequestInfo, withdrawalRequest } from "../withdrawal.ts";

/** Expiration date used by the fixture: 2023-12-10 00:00 UTC. */
export const EXPIRATION = 1702166400;
/** A valid spend date: two days before expiration. */
export const SPEND_DATE = EXPIRATION - 2 * 86400;

/** Everything a spend/verify test needs. */
export interface Issuance {
  /** Parameters (L as requested). */
  readonly params: EcashParameters;
  /** 3 signers, threshold 2. */
  readonly signers: readonly KeyPairAuth[];
  /** Master key from all three. */
  readonly masterKey: VerificationKeyAuth;
  /** Its prepared form. */
  readonly prepared: PreparedVerificationKey;
  /** The user. */
  readonly user: KeyPairUser;
  /** The request info of the wallet. */
  readonly info: RequestInfo;
  /** The fresh wallet. */
  readonly wallet: Wallet;
  /** The 7 aggregated date signatures. */
  readonly expirationSignatures: readonly Signature[];
  /** The L aggregated coin-index signatures. */
  readonly coinIndexSignatures: readonly Signature[];
  /** A seeded random source for further use. */
  readonly random: RandomSource;
}

/**
 * Builds a deterministic issuance for `ticketType` with ticketbooks of `totalCoins` tickets.
 *
 * @example
 * ```ts
 * import { buildIssuance } from "./fixture.ts";
 * const issuance = buildIssuance(8);
 * issuance.wallet.ticketsSpent; // 0
 * ```
 */
export function buildIssuance(
  totalCoins = 50,
  ticketType: TicketType = TicketType.V1MixnetEntry,
  seed = 7,
): Issuance {
  const params = setup(totalCoins);
  const random = seededRandom(new Uint8Array(32).fill(seed));
  const signers = ttpKeygen(params, 2, 3, random);
  const masterKey = aggregateVerificationKeys(signers.map((s) => s.verificationKey), [1, 2, 3]);
  const user = userKeypairFromSeed(params, new Uint8Array(32).fill(seed + 1));
  const { request, info } = withdrawalRequest(
    params,
    user.secretKey,
    EXPIRATION,
    ticketType,
    random,
  );
  const partials = signers.slice(0, 2).map((s) =>
    issueVerify(
      params,
      s.verificationKey,
      user.secretKey,
      issue(params, s.secretKey, user.publicKey, request, EXPIRATION, ticketType),
      info,
      s.index,
    )
  );
  const wallet = aggregateWallets(params, masterKey, user.secretKey, partials, info);
  const expirationSignatures = aggregateExpirationSignatures(
    params,
    masterKey,
    EXPIRATION,
    signers.slice(0, 2).map((s) => ({
      index: s.index,
      key: s.verificationKey,
      signatures: signExpirationDate(s.secretKey, EXPIRATION).map((a) => a.signature),
    })),
    false,
  ).map((a) => a.signature);
  const coinIndexSignatures = aggregateCoinIndexSignatures(
    params,
    masterKey,
    signers.slice(1, 3).map((s) => ({
      index: s.index,
      key: s.verificationKey,
      signatures: signCoinIndices(params, masterKey, s.secretKey).map((a) => a.signature),
    })),
    false,
  ).map((a) => a.signature);
  return {
    params,
    signers,
    masterKey,
    prepared: prepareVerificationKey(masterKey),
    user,
    info,
    wallet,
    expirationSignatures,
    coinIndexSignatures,
    random,
  };
}

/**
 * The fixture's wallet as a complete client ticketbook (what `obtainTicketbook` returns), for
 * client- and gateway-side tests that do not need signers over HTTP.
 *
 * @example
 * ```ts
 * import { buildIssuance, ticketbookOf } from "./fixture.ts";
 * ticketbookOf(buildIssuance(8), 1n).ticketbook.spentTickets; // 0
 * ```
 */
export function ticketbookOf(
  issuance: Issuance,
  epochId: bigint,
  ticketType: TicketType = TicketType.V1MixnetEntry,
): ImportableTicketBook {
  const days = validSpendingDates(EXPIRATION);
  return {
    ticketbook: {
      signatures: issuance.wallet.signatures,
      spentTickets: issuance.wallet.ticketsSpent,
      epochId,
      secretKey: issuance.user.secretKey,
      expirationDate: EXPIRATION,
      ticketType,
    },
    expirationDateSignatures: {
      epochId,
      expirationDate: EXPIRATION,
      signatures: issuance.expirationSignatures.map((signature, i) => ({
        signature,
        expirationTimestamp: EXPIRATION,
        spendingTimestamp: days[i],
      })),
    },
    coinIndexSignatures: {
      epochId,
      signatures: issuance.coinIndexSignatures.map((signature, index) => ({ signature, index })),
    },
    masterVerificationKey: { epochId, key: issuance.masterKey },
  };
}

/**
 * The fixture's signer `i` (0-based) as a signer key share for epoch `epochId`.
 *
 * @example
 * ```ts
 * import { buildIssuance, signerShareOf } from "./fixture.ts";
 * signerShareOf(buildIssuance(8), 0, 1n).index; // 1
 * ```
 */
export function signerShareOf(issuance: Issuance, i: number, epochId: bigint): SignerKeyShare {
  const s = issuance.signers[i];
  return {
    epochId,
    threshold: 2,
    index: s.index,
    secretKey: s.secretKey,
    verificationKey: s.verificationKey,
    verificationKeys: issuance.signers.map((k) => ({ index: k.index, key: k.verificationKey })),
  };
}
