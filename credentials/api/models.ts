/**
 * nym-api's e-cash request and response bodies (`nym-api/nym-api-requests/src/ecash/models.rs`,
 * commit `daed9cd`), in their JSON form (see `json.ts` for the field encodings): converters to
 * JSON and strict parsers that throw only {@linkcode EcashApiFormatError}. Pure, browser-safe.
 *
 * Two bodies are not upstream nym-api ones: {@linkcode DkgEpochInfo} and
 * {@linkcode ContractVkShare} stand in for the DKG contract queries (`get_current_epoch_state`,
 * `get_current_epoch_threshold`, `get_verification_key_share`) that clients and gateways make
 * against Nyx; a localnet has no chain, so each signer serves them about itself.
 *
 * @module
 */
import { decodeBase58, encodeBase58, InvalidBase58Error } from "../../crypto/base58.ts";
import type { AnnotatedCoinIndexSignature } from "../coin_index.ts";
import type { AnnotatedExpirationDateSignature } from "../expiration_date.ts";
import {
  decodeVerificationKey,
  encodeVerificationKey,
  type VerificationKeyAuth,
} from "../keys_auth.ts";
import type { PublicKeyUser } from "../keys_user.ts";
import { PAY_INFO_BYTES, type Payment } from "../payment.ts";
import type { SpendProof } from "../proof_spend.ts";
import type { WithdrawalProof } from "../proof_withdrawal.ts";
import type { BlindedSignature, Signature } from "../signature.ts";
import type { CredentialSpendingData } from "../spending_data.ts";
import type { TicketType } from "../ticket_type.ts";
import { encodeWithdrawalRequest, type WithdrawalRequest } from "../withdrawal.ts";
import { EcashError } from "../errors.ts";
import { EcashApiFormatError } from "./errors.ts";
import {
  byteArrayToJson,
  dateFromJson,
  dateToJson,
  g1FromJson,
  g1ToJson,
  g2FromJson,
  g2ToJson,
  type JsonObject,
  readArray,
  readByteArray,
  readField,
  readObject,
  readString,
  readUint,
  scalarFromJson,
  scalarToJson,
  ticketTypeFromJson,
  ticketTypeToJson,
} from "./json.ts";

/** Largest epoch id these bodies carry (JSON numbers are exact up to 2⁵³ − 1). */
const MAX_U64 = Number.MAX_SAFE_INTEGER;
/** Bounds on list lengths in untrusted bodies. */
const MAX_BETAS = 16;
const MAX_TICKETS_PER_PAYMENT = 64;
const MAX_DATE_SIGNATURES = 64;
const MAX_COIN_SIGNATURES = 1024;

function epochFromJson(value: unknown, path: string): bigint {
  return BigInt(readUint(value, path, MAX_U64));
}

function epochToJson(epochId: bigint): number {
  if (epochId < 0n || epochId > BigInt(MAX_U64)) {
    throw new EcashApiFormatError("epoch_id", "epoch id does not fit a JSON number");
  }
  return Number(epochId);
}

function field<T>(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  read: (value: unknown, path: string) => T,
): T {
  return read(readField(obj, key, path), path ? `${path}.${key}` : key);
}

/**
 * A PS signature `{h, s}`.
 *
 * @example
 * ```ts
 * import { G1 } from "../group.ts";
 * import { signatureToJson } from "./models.ts";
 * Object.keys(signatureToJson({ h: G1.BASE, s: G1.BASE })); // ["h", "s"]
 * ```
 */
export function signatureToJson(sig: Signature): JsonObject {
  return { h: g1ToJson(sig.h), s: g1ToJson(sig.s) };
}

/**
 * Reads `{h, s}`.
 *
 * @example
 * ```ts
 * import { G1 } from "../group.ts";
 * import { signatureFromJson, signatureToJson } from "./models.ts";
 * signatureFromJson(signatureToJson({ h: G1.BASE, s: G1.BASE }), "sig").h.equals(G1.BASE); // true
 * ```
 */
export function signatureFromJson(value: unknown, path: string): Signature {
  const o = readObject(value, path);
  return { h: field(o, "h", path, g1FromJson), s: field(o, "s", path, g1FromJson) };
}

/**
 * `VerificationKeyAuth` as JSON: `{alpha, beta_g1: [...], beta_g2: [...]}`.
 *
 * @example
 * ```ts
 * // const json = verificationKeyToJson(masterVk);
 * ```
 */
export function verificationKeyToJson(vk: VerificationKeyAuth): JsonObject {
  return {
    alpha: g2ToJson(vk.alpha),
    beta_g1: vk.betaG1.map(g1ToJson),
    beta_g2: vk.betaG2.map(g2ToJson),
  };
}

/**
 * Reads a `VerificationKeyAuth` (same number of G1 and G2 betas, at least one).
 *
 * @example
 * ```ts
 * // const vk = verificationKeyFromJson(json.key, "key");
 * ```
 */
export function verificationKeyFromJson(value: unknown, path: string): VerificationKeyAuth {
  const o = readObject(value, path);
  const alpha = field(o, "alpha", path, g2FromJson);
  const betaG1 = field(o, "beta_g1", path, (v, p) => readArray(v, p, MAX_BETAS, g1FromJson));
  const betaG2 = field(o, "beta_g2", path, (v, p) => readArray(v, p, MAX_BETAS, g2FromJson));
  if (betaG1.length === 0 || betaG1.length !== betaG2.length) {
    throw new EcashApiFormatError(path, "beta_g1 and beta_g2 must have the same, non-zero length");
  }
  return { alpha, betaG1, betaG2 };
}

function withdrawalProofToJson(p: WithdrawalProof): JsonObject {
  return {
    challenge: scalarToJson(p.challenge),
    response_opening: scalarToJson(p.responseOpening),
    response_openings: p.responseOpenings.map(scalarToJson),
    response_attributes: p.responseAttributes.map(scalarToJson),
  };
}

function withdrawalProofFromJson(value: unknown, path: string): WithdrawalProof {
  const o = readObject(value, path);
  const scalars = (v: unknown, p: string) => readArray(v, p, 8, scalarFromJson);
  return {
    challenge: field(o, "challenge", path, scalarFromJson),
    responseOpening: field(o, "response_opening", path, scalarFromJson),
    responseOpenings: field(o, "response_openings", path, scalars),
    responseAttributes: field(o, "response_attributes", path, scalars),
  };
}

/**
 * `WithdrawalRequest` as JSON.
 *
 * @example
 * ```ts
 * // const json = withdrawalRequestToJson(request);
 * ```
 */
export function withdrawalRequestToJson(r: WithdrawalRequest): JsonObject {
  return {
    joined_commitment_hash: g1ToJson(r.joinedCommitmentHash),
    joined_commitment: g1ToJson(r.joinedCommitment),
    private_attributes_commitments: r.privateAttributesCommitments.map(g1ToJson),
    zk_proof: withdrawalProofToJson(r.zkProof),
  };
}

/**
 * Reads a `WithdrawalRequest`.
 *
 * @example
 * ```ts
 * // const request = withdrawalRequestFromJson(body.inner_sign_request, "inner_sign_request");
 * ```
 */
export function withdrawalRequestFromJson(value: unknown, path: string): WithdrawalRequest {
  const o = readObject(value, path);
  return {
    joinedCommitmentHash: field(o, "joined_commitment_hash", path, g1FromJson),
    joinedCommitment: field(o, "joined_commitment", path, g1FromJson),
    privateAttributesCommitments: field(
      o,
      "private_attributes_commitments",
      path,
      (v, p) => readArray(v, p, 8, g1FromJson),
    ),
    zkProof: field(o, "zk_proof", path, withdrawalProofFromJson),
  };
}

/** `BlindSignRequestBody`: what a client POSTs to `/v1/ecash/blind-sign`. */
export interface BlindSignRequestBody {
  /** The withdrawal request. */
  readonly innerSignRequest: WithdrawalRequest;
  /** The id of the (on-chain) deposit paying for the ticketbook (u32). */
  readonly depositId: number;
  /** ed25519 signature over {@linkcode depositRequestPlaintext}, by the deposit's key (64 B). */
  readonly signature: Uint8Array;
  /** The user's e-cash public key. */
  readonly ecashPubkey: PublicKeyUser;
  /** Expiration date (unix seconds of 00:00 UTC). */
  readonly expirationDate: number;
  /** Ticketbook type. */
  readonly ticketbookType: TicketType;
}

/**
 * The bytes a deposit's ed25519 key signs for a blind-sign request: the withdrawal request's
 * bincode ‖ deposit id (u32 big-endian) — upstream `IssuanceTicketBook::request_plaintext`.
 *
 * @example
 * ```ts
 * // const plaintext = depositRequestPlaintext(request, 42);
 * ```
 */
export function depositRequestPlaintext(request: WithdrawalRequest, depositId: number): Uint8Array {
  const body = encodeWithdrawalRequest(request);
  const out = new Uint8Array(body.length + 4);
  out.set(body, 0);
  new DataView(out.buffer).setUint32(body.length, depositId, false);
  return out;
}

/**
 * JSON of a {@linkcode BlindSignRequestBody}.
 *
 * @example
 * ```ts
 * // await fetch(`${signer}/v1/ecash/blind-sign`, { method: "POST",
 * //   body: JSON.stringify(blindSignRequestBodyToJson(body)) });
 * ```
 */
export function blindSignRequestBodyToJson(b: BlindSignRequestBody): JsonObject {
  return {
    inner_sign_request: withdrawalRequestToJson(b.innerSignRequest),
    deposit_id: b.depositId,
    signature: byteArrayToJson(b.signature),
    ecash_pubkey: { pk: g1ToJson(b.ecashPubkey.pk) },
    expiration_date: dateToJson(b.expirationDate),
    ticketbook_type: ticketTypeToJson(b.ticketbookType),
  };
}

/**
 * Parses a `BlindSignRequestBody`.
 *
 * @example
 * ```ts
 * // const body = parseBlindSignRequestBody(await request.json());
 * ```
 */
export function parseBlindSignRequestBody(value: unknown): BlindSignRequestBody {
  const o = readObject(value, "");
  return {
    innerSignRequest: field(o, "inner_sign_request", "", withdrawalRequestFromJson),
    depositId: field(o, "deposit_id", "", (v, p) => readUint(v, p, 0xffff_ffff)),
    signature: field(o, "signature", "", (v, p) => readByteArray(v, p, 64)),
    ecashPubkey: field(o, "ecash_pubkey", "", (v, p) => {
      const pk = readObject(v, p);
      return { pk: field(pk, "pk", p, g1FromJson) };
    }),
    expirationDate: field(o, "expiration_date", "", dateFromJson),
    ticketbookType: field(o, "ticketbook_type", "", ticketTypeFromJson),
  };
}

/**
 * `BlindedSignatureResponse`: `{"blinded_signature": {"h", "c"}}`.
 *
 * @example
 * ```ts
 * // return c.json(blindedSignatureResponseToJson(blinded));
 * ```
 */
export function blindedSignatureResponseToJson(sig: BlindedSignature): JsonObject {
  return { blinded_signature: { h: g1ToJson(sig.h), c: g1ToJson(sig.c) } };
}

/**
 * Parses a `BlindedSignatureResponse`.
 *
 * @example
 * ```ts
 * // const blinded = parseBlindedSignatureResponse(await response.json());
 * ```
 */
export function parseBlindedSignatureResponse(value: unknown): BlindedSignature {
  const o = readObject(value, "");
  return field(o, "blinded_signature", "", (v, p) => {
    const s = readObject(v, p);
    return { h: field(s, "h", p, g1FromJson), c: field(s, "c", p, g1FromJson) };
  });
}

/**
 * `VerificationKeyResponse` (also served for the master key): `{"key": {...}}`.
 *
 * @example
 * ```ts
 * // return c.json(verificationKeyResponseToJson(masterVk));
 * ```
 */
export function verificationKeyResponseToJson(vk: VerificationKeyAuth): JsonObject {
  return { key: verificationKeyToJson(vk) };
}

/**
 * Parses a `VerificationKeyResponse`.
 *
 * @example
 * ```ts
 * // const vk = parseVerificationKeyResponse(await response.json());
 * ```
 */
export function parseVerificationKeyResponse(value: unknown): VerificationKeyAuth {
  return field(readObject(value, ""), "key", "", verificationKeyFromJson);
}

/**
 * `Partial`/`AggregatedExpirationDateSignatureResponse`: the signatures of one expiration date.
 */
export interface ExpirationDateSignaturesResponse {
  /** DKG epoch of the signing keys. */
  readonly epochId: bigint;
  /** Expiration date (unix seconds). */
  readonly expirationDate: number;
  /** One per valid spending day, oldest first. */
  readonly signatures: readonly AnnotatedExpirationDateSignature[];
}

function annotatedExpirationToJson(s: AnnotatedExpirationDateSignature): JsonObject {
  return {
    signature: signatureToJson(s.signature),
    expiration_timestamp: s.expirationTimestamp,
    spending_timestamp: s.spendingTimestamp,
  };
}

function annotatedExpirationFromJson(
  value: unknown,
  path: string,
): AnnotatedExpirationDateSignature {
  const o = readObject(value, path);
  const u32 = (v: unknown, p: string) => readUint(v, p, 0xffff_ffff);
  return {
    signature: field(o, "signature", path, signatureFromJson),
    expirationTimestamp: field(o, "expiration_timestamp", path, u32),
    spendingTimestamp: field(o, "spending_timestamp", path, u32),
  };
}

/**
 * JSON of an expiration-date signature response.
 *
 * @example
 * ```ts
 * // c.json(expirationDateSignaturesToJson({ epochId: 1n, expirationDate, signatures }));
 * ```
 */
export function expirationDateSignaturesToJson(r: ExpirationDateSignaturesResponse): JsonObject {
  return {
    epoch_id: epochToJson(r.epochId),
    expiration_date: dateToJson(r.expirationDate),
    signatures: r.signatures.map(annotatedExpirationToJson),
  };
}

/**
 * Parses an expiration-date signature response (partial or aggregated).
 *
 * @example
 * ```ts
 * // const { signatures } = parseExpirationDateSignatures(await response.json());
 * ```
 */
export function parseExpirationDateSignatures(value: unknown): ExpirationDateSignaturesResponse {
  const o = readObject(value, "");
  return {
    epochId: field(o, "epoch_id", "", epochFromJson),
    expirationDate: field(o, "expiration_date", "", dateFromJson),
    signatures: field(
      o,
      "signatures",
      "",
      (v, p) => readArray(v, p, MAX_DATE_SIGNATURES, annotatedExpirationFromJson),
    ),
  };
}

/** `Partial`/`AggregatedCoinIndicesSignatureResponse`. */
export interface CoinIndicesSignaturesResponse {
  /** DKG epoch. */
  readonly epochId: bigint;
  /** One per coin index, in order. */
  readonly signatures: readonly AnnotatedCoinIndexSignature[];
}

/**
 * JSON of a coin-index signature response.
 *
 * @example
 * ```ts
 * // c.json(coinIndicesSignaturesToJson({ epochId: 1n, signatures }));
 * ```
 */
export function coinIndicesSignaturesToJson(r: CoinIndicesSignaturesResponse): JsonObject {
  return {
    epoch_id: epochToJson(r.epochId),
    signatures: r.signatures.map((s) => ({
      signature: signatureToJson(s.signature),
      index: s.index,
    })),
  };
}

/**
 * Parses a coin-index signature response (partial or aggregated).
 *
 * @example
 * ```ts
 * // const { signatures } = parseCoinIndicesSignatures(await response.json());
 * ```
 */
export function parseCoinIndicesSignatures(value: unknown): CoinIndicesSignaturesResponse {
  const o = readObject(value, "");
  return {
    epochId: field(o, "epoch_id", "", epochFromJson),
    signatures: field(
      o,
      "signatures",
      "",
      (v, p) =>
        readArray(v, p, MAX_COIN_SIGNATURES, (item, ip) => {
          const s = readObject(item, ip);
          return {
            signature: field(s, "signature", ip, signatureFromJson),
            index: field(s, "index", ip, (x, xp) => readUint(x, xp, MAX_U64)),
          };
        }),
    ),
  };
}

function spendProofToJson(p: SpendProof): JsonObject {
  const list = (xs: readonly bigint[]) => xs.map(scalarToJson);
  return {
    challenge: scalarToJson(p.challenge),
    response_r: scalarToJson(p.responseR),
    response_r_e: scalarToJson(p.responseRE),
    responses_r_k: list(p.responsesRK),
    responses_l: list(p.responsesL),
    responses_o_a: list(p.responsesOA),
    response_o_c: scalarToJson(p.responseOC),
    responses_mu: list(p.responsesMu),
    responses_o_mu: list(p.responsesOMu),
    responses_attributes: list(p.responsesAttributes),
  };
}

function spendProofFromJson(value: unknown, path: string): SpendProof {
  const o = readObject(value, path);
  const list = (v: unknown, p: string) => readArray(v, p, MAX_TICKETS_PER_PAYMENT, scalarFromJson);
  return {
    challenge: field(o, "challenge", path, scalarFromJson),
    responseR: field(o, "response_r", path, scalarFromJson),
    responseRE: field(o, "response_r_e", path, scalarFromJson),
    responsesRK: field(o, "responses_r_k", path, list),
    responsesL: field(o, "responses_l", path, list),
    responsesOA: field(o, "responses_o_a", path, list),
    responseOC: field(o, "response_o_c", path, scalarFromJson),
    responsesMu: field(o, "responses_mu", path, list),
    responsesOMu: field(o, "responses_o_mu", path, list),
    responsesAttributes: field(o, "responses_attributes", path, list),
  };
}

/**
 * `Payment` as serde_json writes it.
 *
 * @example
 * ```ts
 * // const json = paymentToJson(payment);
 * ```
 */
export function paymentToJson(p: Payment): JsonObject {
  return {
    kappa: g2ToJson(p.kappa),
    kappa_e: g2ToJson(p.kappaE),
    sig: signatureToJson(p.sig),
    sig_exp: signatureToJson(p.sigExp),
    kappa_k: p.kappaK.map(g2ToJson),
    omega: p.omega.map(signatureToJson),
    ss: p.ss.map(g1ToJson),
    tt: p.tt.map(g1ToJson),
    aa: p.aa.map(g1ToJson),
    spend_value: p.spendValue,
    cc: g1ToJson(p.cc),
    t_type: p.ticketType,
    zk_proof: spendProofToJson(p.zkProof),
  };
}

/**
 * Reads a `Payment`.
 *
 * @example
 * ```ts
 * // const payment = paymentFromJson(json.payment, "payment");
 * ```
 */
export function paymentFromJson(value: unknown, path: string): Payment {
  const o = readObject(value, path);
  const g1s = (v: unknown, p: string) => readArray(v, p, MAX_TICKETS_PER_PAYMENT, g1FromJson);
  return {
    kappa: field(o, "kappa", path, g2FromJson),
    kappaE: field(o, "kappa_e", path, g2FromJson),
    sig: field(o, "sig", path, signatureFromJson),
    sigExp: field(o, "sig_exp", path, signatureFromJson),
    kappaK: field(
      o,
      "kappa_k",
      path,
      (v, p) => readArray(v, p, MAX_TICKETS_PER_PAYMENT, g2FromJson),
    ),
    omega: field(
      o,
      "omega",
      path,
      (v, p) => readArray(v, p, MAX_TICKETS_PER_PAYMENT, signatureFromJson),
    ),
    ss: field(o, "ss", path, g1s),
    tt: field(o, "tt", path, g1s),
    aa: field(o, "aa", path, g1s),
    spendValue: field(o, "spend_value", path, (v, p) => readUint(v, p, MAX_U64)),
    cc: field(o, "cc", path, g1FromJson),
    ticketType: field(o, "t_type", path, (v, p) => readUint(v, p, 255)),
    zkProof: field(o, "zk_proof", path, spendProofFromJson),
  };
}

/**
 * `CredentialSpendingData` as JSON: `{payment, pay_info: [72 bytes], spend_date, epoch_id}`.
 *
 * @example
 * ```ts
 * // const json = credentialSpendingDataToJson(data);
 * ```
 */
export function credentialSpendingDataToJson(d: CredentialSpendingData): JsonObject {
  return {
    payment: paymentToJson(d.payment),
    pay_info: byteArrayToJson(d.payInfo),
    spend_date: dateToJson(d.spendDate),
    epoch_id: epochToJson(d.epochId),
  };
}

/**
 * Reads a `CredentialSpendingData`.
 *
 * @example
 * ```ts
 * // const data = credentialSpendingDataFromJson(body.credential, "credential");
 * ```
 */
export function credentialSpendingDataFromJson(
  value: unknown,
  path: string,
): CredentialSpendingData {
  const o = readObject(value, path);
  return {
    payment: field(o, "payment", path, paymentFromJson),
    payInfo: field(o, "pay_info", path, (v, p) => readByteArray(v, p, PAY_INFO_BYTES)),
    spendDate: field(o, "spend_date", path, dateFromJson),
    epochId: field(o, "epoch_id", path, epochFromJson),
  };
}

/** `VerifyEcashTicketBody`: a gateway forwarding a received ticket to a signer. */
export interface VerifyEcashTicketBody {
  /** The ticket. */
  readonly credential: CredentialSpendingData;
  /** The gateway's Nyx (cosmos) address. */
  readonly gatewayCosmosAddr: string;
}

/**
 * JSON of a {@linkcode VerifyEcashTicketBody}.
 *
 * @example
 * ```ts
 * // JSON.stringify(verifyEcashTicketBodyToJson({ credential, gatewayCosmosAddr: "n1..." }));
 * ```
 */
export function verifyEcashTicketBodyToJson(b: VerifyEcashTicketBody): JsonObject {
  return {
    credential: credentialSpendingDataToJson(b.credential),
    gateway_cosmos_addr: b.gatewayCosmosAddr,
  };
}

/**
 * Parses a `VerifyEcashTicketBody`; the address must look like a bech32 account
 * (`<prefix>1<data>`, lower case).
 *
 * @example
 * ```ts
 * // const body = parseVerifyEcashTicketBody(await request.json());
 * ```
 */
export function parseVerifyEcashTicketBody(value: unknown): VerifyEcashTicketBody {
  const o = readObject(value, "");
  const credential = field(o, "credential", "", credentialSpendingDataFromJson);
  const gatewayCosmosAddr = field(o, "gateway_cosmos_addr", "", (v, p) => {
    const text = readString(v, p, 128);
    if (!/^[a-z]{1,83}1[02-9ac-hj-np-z]{6,}$/.test(text)) {
      throw new EcashApiFormatError(p, "not a bech32 account address");
    }
    return text;
  });
  return { credential, gatewayCosmosAddr };
}

/** Why a signer refused a ticket (`EcashTicketVerificationRejection`). */
export type TicketVerificationRejection =
  | {
    readonly kind: "InvalidSpentDate";
    readonly today: number;
    readonly yesterday: number;
    readonly received: number;
  }
  | { readonly kind: "ReplayedTicket" }
  | { readonly kind: "DoubleSpend" }
  | { readonly kind: "InvalidTicket" }
  | { readonly kind: "MultipleTickets" };

/**
 * `EcashTicketVerificationResponse`: serde's externally tagged `Result`, i.e.
 * `{"verified": {"Ok": null}}` or `{"verified": {"Err": "ReplayedTicket"}}` /
 * `{"verified": {"Err": {"InvalidSpentDate": {...}}}}`.
 *
 * @example
 * ```ts
 * import { ticketVerificationResponseToJson } from "./models.ts";
 * ticketVerificationResponseToJson(null); // { verified: { Ok: null } }
 * ```
 */
export function ticketVerificationResponseToJson(
  rejection: TicketVerificationRejection | null,
): JsonObject {
  if (rejection === null) return { verified: { Ok: null } };
  if (rejection.kind === "InvalidSpentDate") {
    return {
      verified: {
        Err: {
          InvalidSpentDate: {
            today: dateToJson(rejection.today),
            yesterday: dateToJson(rejection.yesterday),
            received: dateToJson(rejection.received),
          },
        },
      },
    };
  }
  return { verified: { Err: rejection.kind } };
}

/**
 * Parses an `EcashTicketVerificationResponse`: `null` when verified, else the rejection.
 *
 * @example
 * ```ts
 * import { parseTicketVerificationResponse } from "./models.ts";
 * parseTicketVerificationResponse({ verified: { Err: "DoubleSpend" } }); // { kind: "DoubleSpend" }
 * ```
 */
export function parseTicketVerificationResponse(
  value: unknown,
): TicketVerificationRejection | null {
  const verified = field(readObject(value, ""), "verified", "", readObject);
  if (Object.hasOwn(verified, "Ok")) return null;
  const err = readField(verified, "Err", "verified");
  if (typeof err === "string") {
    if (["ReplayedTicket", "DoubleSpend", "InvalidTicket", "MultipleTickets"].includes(err)) {
      return { kind: err as "ReplayedTicket" };
    }
    throw new EcashApiFormatError("verified.Err", `unknown rejection ${JSON.stringify(err)}`);
  }
  const detail = field(
    readObject(err, "verified.Err"),
    "InvalidSpentDate",
    "verified.Err",
    readObject,
  );
  const p = "verified.Err.InvalidSpentDate";
  return {
    kind: "InvalidSpentDate",
    today: field(detail, "today", p, dateFromJson),
    yesterday: field(detail, "yesterday", p, dateFromJson),
    received: field(detail, "received", p, dateFromJson),
  };
}

/** `EcashSignerStatusResponseBody` (camelCase, as upstream). */
export interface SignerStatusBody {
  /** RFC 3339 time of the answer (whole seconds). */
  readonly currentTime: string;
  /** The DKG epoch the signer believes is current. */
  readonly dkgEcashEpochId: bigint;
  /** The operator disabled signing. */
  readonly signerDisabled: boolean;
  /** The signer thinks it is a signer of the current epoch. */
  readonly isEcashSigner: boolean;
  /** It holds signing keys. */
  readonly hasSigningKeys: boolean;
}

/**
 * The JSON text a signer signs for `/v1/ecash/signer-status`: serde_json of the body, fields in
 * declaration order, no whitespace (upstream `SignableMessageBody::plaintext`).
 *
 * @example
 * ```ts
 * import { signerStatusPlaintext } from "./models.ts";
 * signerStatusPlaintext({ currentTime: "2026-01-01T00:00:00Z", dkgEcashEpochId: 1n,
 *   signerDisabled: false, isEcashSigner: true, hasSigningKeys: true }).startsWith('{"currentTime"'); // true
 * ```
 */
export function signerStatusPlaintext(body: SignerStatusBody): string {
  return JSON.stringify({
    currentTime: body.currentTime,
    dkgEcashEpochId: epochToJson(body.dkgEcashEpochId),
    signerDisabled: body.signerDisabled,
    isEcashSigner: body.isEcashSigner,
    hasSigningKeys: body.hasSigningKeys,
  });
}

/**
 * `SignedMessage<EcashSignerStatusResponseBody>`: `{"body": {...}, "signature": "<bs58>"}`.
 *
 * @example
 * ```ts
 * // c.json(signerStatusResponseToJson(body, ed25519Sign(identity, plaintextBytes)));
 * ```
 */
export function signerStatusResponseToJson(
  body: SignerStatusBody,
  signature: Uint8Array,
): JsonObject {
  return {
    body: JSON.parse(signerStatusPlaintext(body)),
    signature: encodeBase58(signature),
  };
}

/**
 * Parses a signer-status response; returns the body, its signature and the exact plaintext the
 * signature covers (re-serialised, as upstream verifies it).
 *
 * @example
 * ```ts
 * // const { body, signature, plaintext } = parseSignerStatusResponse(await response.json());
 * ```
 */
export function parseSignerStatusResponse(
  value: unknown,
): { body: SignerStatusBody; signature: Uint8Array; plaintext: string } {
  const o = readObject(value, "");
  const b = field(o, "body", "", readObject);
  const bool = (v: unknown, p: string) => {
    if (typeof v !== "boolean") throw new EcashApiFormatError(p, "expected a boolean");
    return v;
  };
  const body: SignerStatusBody = {
    currentTime: field(b, "currentTime", "body", (v, p) => readString(v, p, 64)),
    dkgEcashEpochId: field(b, "dkgEcashEpochId", "body", epochFromJson),
    signerDisabled: field(b, "signerDisabled", "body", bool),
    isEcashSigner: field(b, "isEcashSigner", "body", bool),
    hasSigningKeys: field(b, "hasSigningKeys", "body", bool),
  };
  const signature = field(o, "signature", "", (v, p) => base58Field(v, p, 64));
  return { body, signature, plaintext: signerStatusPlaintext(body) };
}

function base58Field(value: unknown, path: string, length?: number): Uint8Array {
  const text = readString(value, path, 8192);
  try {
    return decodeBase58(text, length);
  } catch (e) {
    if (e instanceof InvalidBase58Error) throw new EcashApiFormatError(path, "not valid base58");
    throw e;
  }
}

/** Localnet stand-in for the DKG contract's current epoch and threshold. */
export interface DkgEpochInfo {
  /** The current DKG epoch. */
  readonly epochId: bigint;
  /** Signatures needed to aggregate (t). */
  readonly threshold: number;
  /** Signers dealt keys in this epoch (n). */
  readonly signers: number;
}

/**
 * JSON of {@linkcode DkgEpochInfo}: `{"epoch_id", "threshold", "signers"}`.
 *
 * @example
 * ```ts
 * import { dkgEpochInfoToJson } from "./models.ts";
 * dkgEpochInfoToJson({ epochId: 1n, threshold: 2, signers: 3 }); // { epoch_id: 1, threshold: 2, signers: 3 }
 * ```
 */
export function dkgEpochInfoToJson(info: DkgEpochInfo): JsonObject {
  return { epoch_id: epochToJson(info.epochId), threshold: info.threshold, signers: info.signers };
}

/**
 * Parses {@linkcode DkgEpochInfo} (1 ≤ threshold ≤ signers ≤ 1000).
 *
 * @example
 * ```ts
 * import { parseDkgEpochInfo } from "./models.ts";
 * parseDkgEpochInfo({ epoch_id: 1, threshold: 2, signers: 3 }).threshold; // 2
 * ```
 */
export function parseDkgEpochInfo(value: unknown): DkgEpochInfo {
  const o = readObject(value, "");
  const info = {
    epochId: field(o, "epoch_id", "", epochFromJson),
    threshold: field(o, "threshold", "", (v, p) => readUint(v, p, 1000)),
    signers: field(o, "signers", "", (v, p) => readUint(v, p, 1000)),
  };
  if (info.threshold < 1 || info.threshold > info.signers) {
    throw new EcashApiFormatError("threshold", "must be in 1..signers");
  }
  return info;
}

/** Localnet stand-in for the DKG contract's `ContractVKShare` of one signer. */
export interface ContractVkShare {
  /** The signer's partial verification key. */
  readonly share: VerificationKeyAuth;
  /** The signer's nym-api base URL as announced. */
  readonly announceAddress: string;
  /** The signer's index (Lagrange evaluation point). */
  readonly nodeIndex: number;
  /** Owner account (a placeholder name in a localnet). */
  readonly owner: string;
  /** DKG epoch. */
  readonly epochId: bigint;
  /** Whether the share passed verification (always true for dealt localnet keys). */
  readonly verified: boolean;
}

/**
 * JSON of a {@linkcode ContractVkShare}, with `share` in base58 of the key's bytes as the
 * contract stores it.
 *
 * @example
 * ```ts
 * // c.json(contractVkShareToJson(share));
 * ```
 */
export function contractVkShareToJson(s: ContractVkShare): JsonObject {
  return {
    share: encodeBase58(encodeVerificationKey(s.share)),
    announce_address: s.announceAddress,
    node_index: s.nodeIndex,
    owner: s.owner,
    epoch_id: epochToJson(s.epochId),
    verified: s.verified,
  };
}

/**
 * Parses a {@linkcode ContractVkShare}.
 *
 * @example
 * ```ts
 * // const share = parseContractVkShare(await response.json());
 * ```
 */
export function parseContractVkShare(value: unknown): ContractVkShare {
  const o = readObject(value, "");
  const verified = readField(o, "verified", "");
  if (typeof verified !== "boolean") {
    throw new EcashApiFormatError("verified", "expected a boolean");
  }
  return {
    share: field(o, "share", "", (v, p) => {
      const bytes = base58Field(v, p);
      try {
        return decodeVerificationKey(bytes);
      } catch (e) {
        if (e instanceof EcashError) throw new EcashApiFormatError(p, e.message);
        throw e;
      }
    }),
    announceAddress: field(o, "announce_address", "", (v, p) => readString(v, p, 2048)),
    nodeIndex: field(o, "node_index", "", (v, p) => readUint(v, p, 0xffff_ffff)),
    owner: field(o, "owner", "", (v, p) => readString(v, p, 256)),
    epochId: field(o, "epoch_id", "", epochFromJson),
    verified,
  };
}
