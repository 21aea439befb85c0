/**
 * A localnet e-cash signer: the nym-api ecash logic behind the HTTP routes (`app.ts`), holding
 * one trusted-dealer key share (`key_files.ts`). It follows `nym-api/src/ecash/api_routes/*.rs`
 * and `state/mod.rs`:
 *
 * - blind-sign: expiration date not in the past nor after today + 6 days; a deposit already
 *   signed for returns the stored answer (a retry) — or is refused if the request differs; a
 *   blacklisted e-cash key is refused; the {@linkcode DepositVerifier} checks payment; `issue`
 *   verifies the request and signs; the answer is recorded before it is returned.
 * - partial expiration-date signatures (dates from today to today + 7 days) and partial coin-index
 *   signatures (per epoch), computed once and cached; the aggregated variants combine this
 *   signer's partials with those of its configured peers (≥ t), checked under the master key.
 * - verify-ecash-ticket: one ticket only; spend date today (or yesterday before 01:00 UTC —
 *   upstream's condition accepts more than that, see README); a seen serial number with the same
 *   PayInfo is a replay; otherwise the payment must verify under the epoch's master key, and a
 *   seen serial under a different PayInfo is a double spend whose spender `identify` recovers and
 *   the blacklist records.
 *
 * Errors the caller should send to the client are {@linkcode SignerRequestError}s (HTTP status +
 * upstream-style text). CPU cost (this machine): blind-sign ≈ 25 ms, ticket verification
 * ≈ 70 ms, coin-index signing ≈ 150 ms once per epoch.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { encodeBase58 } from "../../crypto/base58.ts";
import { type Ed25519KeyPair, ed25519Sign } from "../../crypto/ed25519.ts";
import type { Clock } from "../../util/clock.ts";
import {
  aggregateCoinIndexSignatures,
  type AnnotatedCoinIndexSignature,
  type CoinIndexSignatureShare,
  signCoinIndices,
} from "../coin_index.ts";
import { defaultExpirationDate, ecashDay, formatEcashDate } from "../ecash_date.ts";
import { EcashError, EcashVerificationError } from "../errors.ts";
import {
  aggregateExpirationSignatures,
  type AnnotatedExpirationDateSignature,
  type ExpirationDateSignatureShare,
  signExpirationDate,
} from "../expiration_date.ts";
import { g1ToBytes } from "../group.ts";
import { identify } from "../identify.ts";
import { type VerificationKeyAuth, verificationKeysEqual } from "../keys_auth.ts";
import { encodePublicKeyUser } from "../keys_user.ts";
import type { EcashParameters } from "../params.ts";
import { paymentSerialNumber, verifyPayment } from "../payment.ts";
import { type PreparedVerificationKey, prepareVerificationKey } from "../prepared_key.ts";
import {
  type BlindedSignature,
  decodeBlindedSignature,
  encodeBlindedSignature,
} from "../signature.ts";
import {
  type CredentialSpendingData,
  decodeCredentialSpendingData,
  encodeCredentialSpendingData,
} from "../spending_data.ts";
import { issue } from "../withdrawal.ts";
import { SECONDS_PER_DAY } from "../constants.ts";
import type {
  BlindSignRequestBody,
  ContractVkShare,
  DkgEpochInfo,
  SignerStatusBody,
  TicketVerificationRejection,
  VerifyEcashTicketBody,
} from "../api/models.ts";
import { signerStatusPlaintext } from "../api/models.ts";
import { EcashApiClient, type FetchLike } from "../client/api_client.ts";
import { type DepositVerifier, freeDepositVerifier } from "./deposit.ts";
import { masterKeyOf, type SignerKeyShare } from "./key_files.ts";
import type { SignerStore } from "./storage.ts";

/**
 * A request the signer refuses: send `status` with `message` as the plain-text body.
 *
 * @example
 * ```ts
 * import { SignerRequestError } from "./signer.ts";
 * new SignerRequestError(400, "the provided expiration date is too late").status; // 400
 * ```
 */
export class SignerRequestError extends EcashError {
  override name = "SignerRequestError";
  /** Creates the refusal. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Options of {@linkcode EcashSigner}. */
export interface EcashSignerOptions {
  /** Scheme parameters (`setup()`). */
  readonly params: EcashParameters;
  /** This signer's key share. */
  readonly keys: SignerKeyShare;
  /** Bookkeeping database. */
  readonly store: SignerStore;
  /** Wall clock (today's e-cash date, timestamps). */
  readonly clock: Clock;
  /** ed25519 identity that signs `/signer-status` answers. */
  readonly identity: Ed25519KeyPair;
  /** Payment check for blind-sign requests (default: {@linkcode freeDepositVerifier}). */
  readonly deposits?: DepositVerifier;
  /** This signer's public base URL, as it announces it (settable later). */
  readonly announceAddress?: string;
  /** The other signers' base URLs, for the aggregated endpoints. */
  readonly peers?: readonly string[];
  /** HTTP client for peers. */
  readonly fetch?: FetchLike;
  /** Peer request timeout (default 10 s). */
  readonly peerTimeoutMs?: number;
}

const ONE_AM_SECONDS = 3600;
const MAX_CACHED_DATES = 16;

/**
 * One signer's e-cash state.
 *
 * @example
 * ```ts
 * // const signer = new EcashSigner({ params, keys, store, clock: systemClock, identity });
 * // signer.partialCoinIndicesSignatures().signatures.length; // 50
 * ```
 */
export class EcashSigner {
  readonly #o: EcashSignerOptions;
  readonly #deposits: DepositVerifier;
  readonly #masterKey: VerificationKeyAuth;
  #prepared: PreparedVerificationKey | undefined;
  #coinIndexSignatures: AnnotatedCoinIndexSignature[] | undefined;
  #aggregatedCoinIndex: Promise<AnnotatedCoinIndexSignature[]> | undefined;
  readonly #dateSignatures = new Map<number, AnnotatedExpirationDateSignature[]>();
  readonly #aggregatedDates = new Map<number, Promise<AnnotatedExpirationDateSignature[]>>();
  #announceAddress: string;
  readonly #log = getLogger(["nym-node", "signer"]);

  /**
   * Creates the signer; the master key is interpolated from the dealt shares.
   *
   * @example
   * ```ts no-eval
   * const signer = new EcashSigner({ params, keys, store, clock: systemClock, identity });
   * ```
   */
  constructor(options: EcashSignerOptions) {
    this.#o = options;
    this.#deposits = options.deposits ?? freeDepositVerifier;
    this.#masterKey = masterKeyOf(options.keys.verificationKeys);
    this.#announceAddress = options.announceAddress ?? "";
  }

  /** This signer's index. */
  get index(): number {
    return this.#o.keys.index;
  }

  /** The DKG epoch of its keys. */
  get epochId(): bigint {
    return this.#o.keys.epochId;
  }

  /**
   * Sets the announced base URL (known once the HTTP listener is bound).
   *
   * @example
   * ```ts no-eval
   * signer.setAnnounceAddress(`http://127.0.0.1:${port}`);
   * ```
   */
  setAnnounceAddress(url: string): void {
    this.#announceAddress = url;
  }

  #today(): number {
    return ecashDay(Math.floor(this.#o.clock.now() / 1000));
  }

  #checkEpoch(epochId: bigint | undefined): bigint {
    const available = this.#o.keys.epochId;
    if (epochId !== undefined && epochId !== available) {
      throw new SignerRequestError(
        400,
        `could not sign the data for epoch ${epochId}. our current key is for epoch ${available}`,
      );
    }
    return available;
  }

  #checkExpirationDate(date: number): void {
    const today = this.#today();
    if (date < today) {
      throw new SignerRequestError(400, "the provided expiration date is too early");
    }
    if (date > defaultExpirationDate(today) + SECONDS_PER_DAY) {
      throw new SignerRequestError(400, "the provided expiration date is too late");
    }
  }

  /**
   * Localnet stand-in for the DKG contract's epoch state and threshold.
   *
   * @example
   * ```ts no-eval
   * signer.epochInfo(); // { epochId: 1n, threshold: 2, signers: 3 }
   * ```
   */
  epochInfo(): DkgEpochInfo {
    return {
      epochId: this.#o.keys.epochId,
      threshold: this.#o.keys.threshold,
      signers: this.#o.keys.verificationKeys.length,
    };
  }

  /**
   * Localnet stand-in for this signer's `ContractVKShare`.
   *
   * @example
   * ```ts no-eval
   * signer.verificationKeyShare().nodeIndex; // 1
   * ```
   */
  verificationKeyShare(): ContractVkShare {
    return {
      share: this.#o.keys.verificationKey,
      announceAddress: this.#announceAddress,
      nodeIndex: this.#o.keys.index,
      owner: `localnet-signer-${this.#o.keys.index}`,
      epochId: this.#o.keys.epochId,
      verified: true,
    };
  }

  /**
   * The aggregated key of `epochId` (default: the current epoch).
   *
   * @example
   * ```ts no-eval
   * const vk = signer.masterVerificationKey();
   * ```
   */
  masterVerificationKey(epochId?: bigint): VerificationKeyAuth {
    this.#checkEpoch(epochId);
    return this.#masterKey;
  }

  #preparedMasterKey(): PreparedVerificationKey {
    this.#prepared ??= prepareVerificationKey(this.#masterKey);
    return this.#prepared;
  }

  /**
   * This signer's 7 partial expiration-date signatures (default date: today + 6 days).
   *
   * @example
   * ```ts no-eval
   * const { signatures } = signer.partialExpirationDateSignatures(expirationDate);
   * ```
   */
  partialExpirationDateSignatures(
    expirationDate?: number,
    epochId?: bigint,
  ): { epochId: bigint; expirationDate: number; signatures: AnnotatedExpirationDateSignature[] } {
    const epoch = this.#checkEpoch(epochId);
    const date = expirationDate ?? defaultExpirationDate(this.#today());
    this.#checkExpirationDate(date);
    let signatures = this.#dateSignatures.get(date);
    if (!signatures) {
      signatures = signExpirationDate(this.#o.keys.secretKey, date);
      remember(this.#dateSignatures, date, signatures);
    }
    return { epochId: epoch, expirationDate: date, signatures };
  }

  /**
   * This signer's L partial coin-index signatures for the epoch.
   *
   * @example
   * ```ts no-eval
   * const { signatures } = signer.partialCoinIndicesSignatures();
   * ```
   */
  partialCoinIndicesSignatures(
    epochId?: bigint,
  ): { epochId: bigint; signatures: AnnotatedCoinIndexSignature[] } {
    const epoch = this.#checkEpoch(epochId);
    this.#coinIndexSignatures ??= signCoinIndices(
      this.#o.params,
      this.#masterKey,
      this.#o.keys.secretKey,
    );
    return { epochId: epoch, signatures: this.#coinIndexSignatures };
  }

  async #peerShares<T>(
    own: () => T,
    fetchPeer: (api: EcashApiClient) => Promise<T>,
  ): Promise<{ index: number; key: VerificationKeyAuth; value: T }[]> {
    const keys = this.#o.keys;
    const shares = [{ index: keys.index, key: keys.verificationKey, value: own() }];
    const peers = (this.#o.peers ?? []).map((url) =>
      new EcashApiClient(url, { fetch: this.#o.fetch, timeoutMs: this.#o.peerTimeoutMs ?? 10_000 })
    );
    const answers = await Promise.allSettled(peers.map(async (api) => {
      const share = await api.verificationKeyShare();
      const known = keys.verificationKeys.find((k) => k.index === share.nodeIndex);
      if (!known || !verificationKeysEqual(known.key, share.share)) {
        throw new Error(`peer ${api.baseUrl} announces a key that was not dealt`);
      }
      return { index: share.nodeIndex, key: known.key, value: await fetchPeer(api) };
    }));
    for (const a of answers) {
      if (a.status === "fulfilled") {
        if (!shares.some((s) => s.index === a.value.index)) shares.push(a.value);
      } else {
        this.#log.warn("failed to obtain partial threshold data from a peer: {error}", {
          error: (a.reason as Error).message,
        });
      }
    }
    if (shares.length < keys.threshold) {
      throw new SignerRequestError(
        400,
        `could not obtain enough shares for aggregation. got ${shares.length} shares whilst the threshold is ${keys.threshold}`,
      );
    }
    return shares;
  }

  /**
   * The aggregated expiration-date signatures, from this signer and its peers (≥ t).
   *
   * @example
   * ```ts no-eval
   * const { signatures } = await signer.aggregatedExpirationDateSignatures(expirationDate);
   * ```
   */
  async aggregatedExpirationDateSignatures(
    expirationDate?: number,
    epochId?: bigint,
  ): Promise<
    { epochId: bigint; expirationDate: number; signatures: AnnotatedExpirationDateSignature[] }
  > {
    const own = this.partialExpirationDateSignatures(expirationDate, epochId);
    const date = own.expirationDate;
    let pending = this.#aggregatedDates.get(date);
    if (!pending) {
      pending = (async () => {
        const shares = await this.#peerShares(
          () => own.signatures,
          async (api) => (await api.partialExpirationDateSignatures(date, own.epochId)).signatures,
        );
        const input: ExpirationDateSignatureShare[] = shares.map((s) => ({
          index: s.index,
          key: s.key,
          signatures: s.value.map((a) => a.signature),
        }));
        return this.#aggregate(() =>
          aggregateExpirationSignatures(this.#o.params, this.#masterKey, date, input)
        );
      })();
      remember(this.#aggregatedDates, date, pending);
      pending.catch(() => this.#aggregatedDates.delete(date));
    }
    return { epochId: own.epochId, expirationDate: date, signatures: await pending };
  }

  /**
   * The aggregated coin-index signatures, from this signer and its peers (≥ t).
   *
   * @example
   * ```ts no-eval
   * const { signatures } = await signer.aggregatedCoinIndicesSignatures();
   * ```
   */
  async aggregatedCoinIndicesSignatures(
    epochId?: bigint,
  ): Promise<{ epochId: bigint; signatures: AnnotatedCoinIndexSignature[] }> {
    const own = this.partialCoinIndicesSignatures(epochId);
    if (!this.#aggregatedCoinIndex) {
      const pending = (async () => {
        const shares = await this.#peerShares(
          () => own.signatures,
          async (api) => (await api.partialCoinIndicesSignatures(own.epochId)).signatures,
        );
        const input: CoinIndexSignatureShare[] = shares.map((s) => ({
          index: s.index,
          key: s.key,
          signatures: s.value.map((a) => a.signature),
        }));
        return this.#aggregate(() =>
          aggregateCoinIndexSignatures(this.#o.params, this.#masterKey, input)
        );
      })();
      this.#aggregatedCoinIndex = pending;
      pending.catch(() => this.#aggregatedCoinIndex = undefined);
    }
    return { epochId: own.epochId, signatures: await this.#aggregatedCoinIndex };
  }

  #aggregate<T>(run: () => T): T {
    try {
      return run();
    } catch (e) {
      if (e instanceof EcashError) {
        throw new SignerRequestError(
          400,
          `could not aggregate the partial signatures: ${e.message}`,
        );
      }
      throw e;
    }
  }

  /**
   * Handles `POST /blind-sign`.
   *
   * @example
   * ```ts no-eval
   * const blinded = await signer.blindSign(parseBlindSignRequestBody(json));
   * ```
   */
  async blindSign(request: BlindSignRequestBody): Promise<BlindedSignature> {
    const { keys, store, params, clock } = this.#o;
    if (request.expirationDate > defaultExpirationDate(this.#today())) {
      throw new SignerRequestError(400, "the provided expiration date is too late");
    }
    if (request.expirationDate < this.#today()) {
      throw new SignerRequestError(400, "the provided expiration date is too early");
    }
    const hash = g1ToBytes(request.innerSignRequest.joinedCommitmentHash);
    const previous = store.issued(request.depositId);
    if (previous) return this.#replay(previous, hash, request.depositId);
    const publicKey = encodeBase58(encodePublicKeyUser(request.ecashPubkey));
    if (store.isBlacklisted(publicKey)) {
      throw new SignerRequestError(400, "Account linked to this public key has been blacklisted");
    }
    const deposit = await this.#deposits.verify(request);
    if (!deposit.ok) throw new SignerRequestError(400, deposit.message);
    let blinded: BlindedSignature;
    try {
      blinded = issue(
        params,
        keys.secretKey,
        request.ecashPubkey,
        request.innerSignRequest,
        request.expirationDate,
        request.ticketbookType,
      );
    } catch (e) {
      if (e instanceof EcashError) {
        throw new SignerRequestError(400, `the withdrawal request is invalid: ${e.message}`);
      }
      throw e;
    }
    const stored = store.recordIssued({
      depositId: request.depositId,
      joinedCommitmentHash: hash,
      blindedSignature: encodeBlindedSignature(blinded),
      ecashPublicKey: publicKey,
      expirationDate: request.expirationDate,
      ticketType: request.ticketbookType,
      epochId: keys.epochId,
      issuedAt: clock.now(),
    });
    this.#log.debug("issued a partial ticketbook for deposit {depositId}", {
      depositId: request.depositId,
    });
    return this.#replay(stored, hash, request.depositId);
  }

  #replay(
    record: { joinedCommitmentHash: Uint8Array; blindedSignature: Uint8Array },
    hash: Uint8Array,
    depositId: number,
  ): BlindedSignature {
    if (!record.joinedCommitmentHash.every((b, i) => b === hash[i])) {
      throw new SignerRequestError(
        400,
        `deposit ${depositId} was already used for a different ticketbook request`,
      );
    }
    return decodeBlindedSignature(record.blindedSignature);
  }

  /**
   * Handles `POST /verify-ecash-ticket`: `null` when accepted, else the rejection.
   *
   * @example
   * ```ts no-eval
   * const rejection = signer.verifyEcashTicket(parseVerifyEcashTicketBody(json));
   * ```
   */
  verifyEcashTicket(body: VerifyEcashTicketBody): TicketVerificationRejection | null {
    const data: CredentialSpendingData = body.credential;
    if (data.payment.spendValue !== 1) return { kind: "MultipleTickets" };
    const nowSeconds = Math.floor(this.#o.clock.now() / 1000);
    const today = ecashDay(nowSeconds);
    const yesterday = today - SECONDS_PER_DAY;
    const earlyEnough = nowSeconds - today < ONE_AM_SECONDS;
    if (data.spendDate !== today && !(earlyEnough && data.spendDate === yesterday)) {
      return { kind: "InvalidSpentDate", today, yesterday, received: data.spendDate };
    }
    this.#checkEpoch(data.epochId);
    const serial = paymentSerialNumber(data.payment);
    const previous = this.#o.store.verifiedTicket(serial);
    let previousData: CredentialSpendingData | undefined;
    if (previous) {
      previousData = decodeCredentialSpendingData(previous.credential);
      if (previousData.payInfo.every((b, i) => b === data.payInfo[i])) {
        return { kind: "ReplayedTicket" };
      }
    }
    try {
      verifyPayment(
        this.#o.params,
        this.#preparedMasterKey(),
        data.payment,
        data.payInfo,
        data.spendDate,
      );
    } catch (e) {
      if (e instanceof EcashVerificationError) return { kind: "InvalidTicket" };
      throw e;
    }
    if (previousData) {
      const result = identify(
        data.payment,
        previousData.payment,
        data.payInfo,
        previousData.payInfo,
      );
      if (result.kind === "double-spend") {
        const publicKey = encodeBase58(encodePublicKeyUser(result.publicKey));
        this.#log.warn("double spending attempt for key {publicKey}", { publicKey });
        this.#o.store.blacklist(
          publicKey,
          `double spend of serial number ${encodeBase58(serial)}`,
          this.#o.clock.now(),
        );
        return { kind: "DoubleSpend" };
      }
      return { kind: "ReplayedTicket" };
    }
    const inserted = this.#o.store.recordVerifiedTicket(
      serial,
      encodeCredentialSpendingData(data),
      body.gatewayCosmosAddr,
      this.#o.clock.now(),
    );
    return inserted ? null : { kind: "ReplayedTicket" };
  }

  /**
   * The signed `/signer-status` answer.
   *
   * @example
   * ```ts no-eval
   * const { body, signature } = signer.signerStatus();
   * ```
   */
  signerStatus(): { body: SignerStatusBody; signature: Uint8Array } {
    const body: SignerStatusBody = {
      currentTime: new Date(Math.floor(this.#o.clock.now() / 1000) * 1000).toISOString()
        .replace(/\.\d{3}Z$/, "Z"),
      dkgEcashEpochId: this.#o.keys.epochId,
      signerDisabled: false,
      isEcashSigner: true,
      hasSigningKeys: true,
    };
    const plaintext = new TextEncoder().encode(signerStatusPlaintext(body));
    return { body, signature: ed25519Sign(this.#o.identity.secretKey, plaintext) };
  }

  /**
   * A summary for logs: index, epoch, threshold, today's default expiration date.
   *
   * @example
   * ```ts no-eval
   * signer.describe(); // "signer 1 of 3 (threshold 2, epoch 1)"
   * ```
   */
  describe(): string {
    const k = this.#o.keys;
    return `signer ${k.index} of ${k.verificationKeys.length} (threshold ${k.threshold}, epoch ${k.epochId}, default expiration ${
      formatEcashDate(defaultExpirationDate(this.#today()))
    })`;
  }
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.set(key, value);
  while (map.size > MAX_CACHED_DATES) map.delete(map.keys().next().value as K);
}
