/**
 * Obtaining a ticketbook from the signers of an epoch (upstream `IssuanceTicketBook` and
 * `bandwidth-controller`): one withdrawal request sent to every signer, each blinded answer
 * unblinded and checked under that signer's key, at least t of them aggregated into the wallet
 * and checked under the master key; then the expiration-date and coin-index signatures fetched
 * as partials from the signers, each share checked, and aggregated (upstream clients take the
 * aggregated lists from one nym-api unverified; fetching partials needs no trust in any one
 * signer). Signers that are down or answer wrongly are skipped as long as t remain.
 *
 * The result is a complete {@linkcode ImportableTicketBook} — wallet, date and coin-index
 * signatures and master key — ready to store and to spend offline.
 *
 * Cost (this machine, t = 2): ≈ 1 s of CPU, most of it verifying coin-index signatures.
 *
 * @module
 */
import { ed25519Sign } from "../../crypto/ed25519.ts";
import { type RandomSource, systemRandom } from "../../crypto/random.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import { aggregateWallets } from "../aggregation.ts";
import {
  aggregateCoinIndexSignatures,
  type AnnotatedCoinIndexSignature,
  type CoinIndexSignatureShare,
  verifyCoinIndexSignatures,
} from "../coin_index.ts";
import { defaultExpirationDate } from "../ecash_date.ts";
import { EcashError } from "../errors.ts";
import {
  aggregateExpirationSignatures,
  type AnnotatedExpirationDateSignature,
  type ExpirationDateSignatureShare,
  validSpendingDates,
  verifyExpirationDateSignatures,
} from "../expiration_date.ts";
import { generateUserKeypair, type KeyPairUser } from "../keys_user.ts";
import type { VerificationKeyAuth } from "../keys_auth.ts";
import { type EcashParameters, setup } from "../params.ts";
import type { TicketType } from "../ticket_type.ts";
import type { ImportableTicketBook } from "../ticketbook.ts";
import { issueVerify, type PartialWallet, withdrawalRequest } from "../withdrawal.ts";
import { type BlindSignRequestBody, depositRequestPlaintext } from "../api/models.ts";
import { EcashApiClient, type FetchLike } from "./api_client.ts";
import { type SignerInfo, type SignerSet, signerSetMasterKey } from "./signer_set.ts";

/**
 * Fewer than t signers produced a usable answer; `failures` says why, per signer.
 *
 * @example
 * ```ts
 * import { TicketbookIssuanceError } from "./issuance.ts";
 * new TicketbookIssuanceError("only 1 of 3 signers issued", ["http://a: down"]).failures; // ["http://a: down"]
 * ```
 */
export class TicketbookIssuanceError extends EcashError {
  override name = "TicketbookIssuanceError";
  /** Creates the error; `failures` lists `url: reason` for each signer that failed. */
  constructor(message: string, readonly failures: readonly string[] = []) {
    super(failures.length ? `${message}: ${failures.join("; ")}` : message);
  }
}

/** The deposit paying for a ticketbook. */
export interface TicketbookDeposit {
  /** Deposit id on the e-cash contract (u32). */
  readonly id: number;
  /** The ed25519 secret key registered with the deposit (signs the request). */
  readonly signingKey: Uint8Array;
}

/** Options of {@linkcode obtainTicketbook}. */
export interface ObtainTicketbookOptions {
  /** What the tickets buy. */
  readonly ticketType: TicketType;
  /** Scheme parameters (default `setup()`; pass one instance to avoid re-deriving). */
  readonly params?: EcashParameters;
  /** Randomness (default system). */
  readonly random?: RandomSource;
  /** Clock for the default expiration date (default system). */
  readonly clock?: Clock;
  /** HTTP client. */
  readonly fetch?: FetchLike;
  /** Per-request timeout (default 15 s). */
  readonly timeoutMs?: number;
  /** The user's e-cash key pair (default: a fresh one for this ticketbook). */
  readonly userKeys?: KeyPairUser;
  /** Expiration date, unix seconds of 00:00 UTC (default today + 6 days). */
  readonly expirationDate?: number;
  /**
   * The deposit (default: a random id and a fresh signing key — enough for signers with free
   * localnet issuance; a Nyx client passes the deposit it made on the e-cash contract).
   */
  readonly deposit?: TicketbookDeposit;
}

function describe(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

async function fromSigners<T>(
  signers: readonly SignerInfo[],
  api: (s: SignerInfo) => EcashApiClient,
  ask: (client: EcashApiClient, signer: SignerInfo) => Promise<T>,
): Promise<{ ok: { signer: SignerInfo; value: T }[]; failures: string[] }> {
  const answers = await Promise.allSettled(signers.map((s) => ask(api(s), s)));
  const ok: { signer: SignerInfo; value: T }[] = [];
  const failures: string[] = [];
  answers.forEach((a, i) => {
    if (a.status === "fulfilled") ok.push({ signer: signers[i], value: a.value });
    else failures.push(`${signers[i].url}: ${describe(a.reason)}`);
  });
  return { ok, failures };
}

/**
 * Obtains a complete ticketbook from `set`'s signers.
 *
 * @example
 * ```ts no-eval
 * const set = await discoverSigners(signerUrls);
 * const book = await obtainTicketbook(set, { ticketType: TicketType.V1MixnetEntry });
 * await wallet.add(book);
 * ```
 */
export async function obtainTicketbook(
  set: SignerSet,
  options: ObtainTicketbookOptions,
): Promise<ImportableTicketBook> {
  const params = options.params ?? setup();
  const random = options.random ?? systemRandom;
  const clock = options.clock ?? systemClock;
  const master = signerSetMasterKey(set);
  const expirationDate = options.expirationDate ??
    defaultExpirationDate(Math.floor(clock.now() / 1000));
  validSpendingDates(expirationDate);
  const user = options.userKeys ?? generateUserKeypair(params, random);
  const deposit = options.deposit ?? {
    id: new DataView(random(4).buffer).getUint32(0),
    signingKey: random(32),
  };
  const clients = new Map<string, EcashApiClient>();
  const api = (s: SignerInfo) => {
    let c = clients.get(s.url);
    if (!c) {
      c = new EcashApiClient(s.url, { fetch: options.fetch, timeoutMs: options.timeoutMs });
      clients.set(s.url, c);
    }
    return c;
  };

  const { request, info } = withdrawalRequest(
    params,
    user.secretKey,
    expirationDate,
    options.ticketType,
    random,
  );
  const body: BlindSignRequestBody = {
    innerSignRequest: request,
    depositId: deposit.id,
    signature: ed25519Sign(deposit.signingKey, depositRequestPlaintext(request, deposit.id)),
    ecashPubkey: user.publicKey,
    expirationDate,
    ticketbookType: options.ticketType,
  };
  const issued = await fromSigners(
    set.signers,
    api,
    async (client, signer): Promise<PartialWallet> => {
      const blinded = await client.blindSign(body);
      return issueVerify(
        params,
        signer.verificationKey,
        user.secretKey,
        blinded,
        info,
        signer.index,
      );
    },
  );
  if (issued.ok.length < set.threshold) {
    throw new TicketbookIssuanceError(
      `only ${issued.ok.length} of ${set.signers.length} signers issued a valid partial ticketbook; ${set.threshold} are needed`,
      issued.failures,
    );
  }
  const wallet = aggregateWallets(
    params,
    master,
    user.secretKey,
    issued.ok.map((o) => o.value),
    info,
  );

  const [dates, coins] = await Promise.all([
    expirationSignatures(set, master, expirationDate, params, api),
    coinIndexSignatures(set, master, params, api),
  ]);

  return {
    ticketbook: {
      signatures: wallet.signatures,
      spentTickets: 0,
      epochId: set.epochId,
      secretKey: user.secretKey,
      expirationDate,
      ticketType: options.ticketType,
    },
    expirationDateSignatures: { epochId: set.epochId, expirationDate, signatures: dates },
    coinIndexSignatures: { epochId: set.epochId, signatures: coins },
    masterVerificationKey: { epochId: set.epochId, key: master },
  };
}

/**
 * Fetches the partial expiration-date signatures of `expirationDate` from the signers, checks
 * each share under its signer's key and aggregates t of them.
 *
 * @example
 * ```ts no-eval
 * const sigs = await expirationSignatures(set, master, expirationDate, params, (s) => new EcashApiClient(s.url));
 * ```
 */
export async function expirationSignatures(
  set: SignerSet,
  master: VerificationKeyAuth,
  expirationDate: number,
  params: EcashParameters,
  api: (s: SignerInfo) => EcashApiClient,
): Promise<AnnotatedExpirationDateSignature[]> {
  const answers = await fromSigners(set.signers, api, async (client, signer) => {
    const r = await client.partialExpirationDateSignatures(expirationDate, set.epochId);
    const signatures = r.signatures.map((s) => s.signature);
    verifyExpirationDateSignatures(params, signer.verificationKey, signatures, expirationDate);
    return signatures;
  });
  if (answers.ok.length < set.threshold) {
    throw new TicketbookIssuanceError(
      `only ${answers.ok.length} signers returned valid expiration-date signatures; ${set.threshold} are needed`,
      answers.failures,
    );
  }
  const shares: ExpirationDateSignatureShare[] = answers.ok.slice(0, set.threshold).map((o) => ({
    index: o.signer.index,
    key: o.signer.verificationKey,
    signatures: o.value,
  }));
  return aggregateExpirationSignatures(params, master, expirationDate, shares, false);
}

/**
 * Fetches the partial coin-index signatures of the epoch, checks each share and aggregates t.
 *
 * @example
 * ```ts no-eval
 * const sigs = await coinIndexSignatures(set, master, params, (s) => new EcashApiClient(s.url));
 * ```
 */
export async function coinIndexSignatures(
  set: SignerSet,
  master: VerificationKeyAuth,
  params: EcashParameters,
  api: (s: SignerInfo) => EcashApiClient,
): Promise<AnnotatedCoinIndexSignature[]> {
  // Fetch from everyone, but verify (the expensive part) only until t shares are good.
  const fetched = await fromSigners(
    set.signers,
    api,
    async (client) => (await client.partialCoinIndicesSignatures(set.epochId)).signatures,
  );
  const failures = [...fetched.failures];
  const shares: CoinIndexSignatureShare[] = [];
  for (const { signer, value } of fetched.ok) {
    if (shares.length === set.threshold) break;
    const signatures = value.map((s) => s.signature);
    try {
      verifyCoinIndexSignatures(params, master, signer.verificationKey, signatures);
      shares.push({ index: signer.index, key: signer.verificationKey, signatures });
    } catch (e) {
      failures.push(`${signer.url}: ${describe(e)}`);
    }
  }
  if (shares.length < set.threshold) {
    throw new TicketbookIssuanceError(
      `only ${shares.length} signers returned valid coin-index signatures; ${set.threshold} are needed`,
      failures,
    );
  }
  return aggregateCoinIndexSignatures(params, master, shares, false);
}
