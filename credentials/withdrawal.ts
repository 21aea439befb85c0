/**
 * Ticketbook issuance: the user's withdrawal request, a signer's blind signature (after
 * verifying the request and its proof), and the user's unblinding with its pairing check
 * (upstream `scheme/withdrawal.rs`; credentials-anchors.md §A.3 "Withdrawal", "Issue").
 *
 * Byte layouts (bincode, big-endian varint, `binary_serialiser()`):
 * - `WithdrawalRequest`: h ‖ cm ‖ Vec<c_j> ‖ proof (c ‖ r_o ‖ Vec<r_oj> ‖ Vec<r_mj>) — 397 bytes.
 * - `RequestInfo`: h ‖ o ‖ Vec<o_j> ‖ v ‖ exp ‖ type — 248 bytes.
 *
 * Every point is a serde byte array `0x30 ‖ 48 B compressed G1`, every scalar `0x20 ‖ 32 B LE`
 * (`serde_codec.ts`).
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { BincodeReader, BincodeWriter } from "./bincode.ts";
import { ATTRIBUTES, PRIVATE_ATTRIBUTES } from "./constants.ts";
import { EcashArgumentError, EcashDecodeError, EcashVerificationError } from "./errors.ts";
import {
  G1,
  g1FromBytes,
  type G1Point,
  g1ToBytes,
  linearCombination,
  mulPublic,
  mulSecret,
  pairingProductIsOne,
} from "./group.ts";
import { hashToG1 } from "./hash.ts";
import type { SecretKeyAuth, VerificationKeyAuth } from "./keys_auth.ts";
import type { PublicKeyUser, SecretKeyUser } from "./keys_user.ts";
import type { SignerIndex } from "./lagrange.ts";
import type { EcashParameters } from "./params.ts";
import {
  proveWithdrawal,
  readWithdrawalProof,
  verifyWithdrawalProof,
  type WithdrawalProof,
  writeWithdrawalProof,
} from "./proof_withdrawal.ts";
import {
  add,
  mul,
  randomScalar,
  type Scalar,
  scalarFromBytes,
  scalarFromU64,
  scalarToBytes,
} from "./scalar.ts";
import {
  readG1,
  readScalar,
  SERDE_G1_BYTES,
  SERDE_SCALAR_BYTES,
  writeG1,
  writeScalar,
} from "./serde_codec.ts";
import type { BlindedSignature, Signature } from "./signature.ts";
import { isTicketType, type TicketType } from "./ticket_type.ts";

/** What the user sends to every signer. */
export interface WithdrawalRequest {
  /** h = H_G1(cm·γ₃^{exp}·γ₄^{type}), never the identity. */
  readonly joinedCommitmentHash: G1Point;
  /** cm = g1^o·γ₁^{sk}·γ₂^{v}. */
  readonly joinedCommitment: G1Point;
  /** Pedersen commitments c_j = g1^{o_j}·h^{m_j} to (sk, v). */
  readonly privateAttributesCommitments: readonly G1Point[];
  /** The proof of knowledge of the openings and of sk behind pk. */
  readonly zkProof: WithdrawalProof;
}

/** What the user keeps to unblind the answers (secret). */
export interface RequestInfo {
  /** h, to match against the signers' answers. */
  readonly joinedCommitmentHash: G1Point;
  /** o. */
  readonly joinedCommitmentOpening: Scalar;
  /** (o₁, o₂). */
  readonly privateAttributesOpenings: readonly Scalar[];
  /** The wallet secret v. */
  readonly walletSecret: Scalar;
  /** The expiration date as a scalar. */
  readonly expirationDate: Scalar;
  /** The ticket type as a scalar. */
  readonly ticketType: Scalar;
}

/** A user's unblinded share of the wallet signature from one signer. */
export interface PartialWallet {
  /** The unblinded partial signature. */
  readonly signature: Signature;
  /** v. */
  readonly walletSecret: Scalar;
  /** The signer's index. */
  readonly index: SignerIndex;
  /** The expiration date as a scalar. */
  readonly expirationDate: Scalar;
  /** The ticket type as a scalar. */
  readonly ticketType: Scalar;
}

function checkDate(date: number): void {
  if (!Number.isSafeInteger(date) || date < 0 || date > 0xffff_ffff) {
    throw new EcashArgumentError(`expiration date must be a u32 unix timestamp, got ${date}`);
  }
}

function checkType(type: number): void {
  if (!isTicketType(type)) throw new EcashArgumentError(`unknown ticket type ${type}`);
}

function commitmentHash(
  params: EcashParameters,
  joinedCommitment: G1Point,
  expirationDate: number,
  ticketType: number,
): G1Point {
  const [, , g3, g4] = params.gammas;
  const full = joinedCommitment.add(mulPublic(g3, scalarFromU64(expirationDate)))
    .add(mulPublic(g4, scalarFromU64(ticketType)));
  return hashToG1(g1ToBytes(full));
}

/**
 * Builds a withdrawal request for a ticketbook of `ticketType` expiring at `expirationDate` (unix
 * timestamp of the expiration day, 00:00 UTC). Returns the request for the signers and the
 * secret {@linkcode RequestInfo} for unblinding.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { withdrawalRequest } from "./withdrawal.ts";
 * import { userKeypairFromSeed } from "./keys_user.ts";
 * import { seededRandom } from "../crypto/random.ts";
 * const params = setup();
 * const user = userKeypairFromSeed(params, new Uint8Array(32));
 * const { request, info } = withdrawalRequest(
 *   params, user.secretKey, 1702166400, 0, seededRandom(new Uint8Array(32)),
 * );
 * ```
 */
export function withdrawalRequest(
  params: EcashParameters,
  skUser: SecretKeyUser,
  expirationDate: number,
  ticketType: TicketType,
  random: RandomSource,
): { request: WithdrawalRequest; info: RequestInfo } {
  checkDate(expirationDate);
  checkType(ticketType);
  const [g1c, g2c] = params.gammas;
  const v = randomScalar(random);
  let opening: Scalar;
  let cm: G1Point;
  let h: G1Point;
  // Retry until h is not the identity (probability ~2⁻²⁵⁵ per try, as upstream does).
  do {
    opening = randomScalar(random);
    cm = mulSecret(params.g1, opening).add(mulSecret(g1c, skUser.sk)).add(mulSecret(g2c, v));
    h = commitmentHash(params, cm, expirationDate, ticketType);
  } while (h.is0());
  const privateAttributes = [skUser.sk, v];
  const openings = privateAttributes.map(() => randomScalar(random));
  const commitments = privateAttributes.map((m, j) =>
    mulSecret(params.g1, openings[j]).add(mulSecret(h, m))
  );
  const pkUser = mulSecret(params.g1, skUser.sk);
  const zkProof = proveWithdrawal(
    params,
    {
      joinedCommitment: cm,
      joinedCommitmentHash: h,
      privateAttributesCommitments: commitments,
      pkUser,
    },
    { privateAttributes, joinedCommitmentOpening: opening, privateAttributesOpenings: openings },
    random,
  );
  return {
    request: {
      joinedCommitmentHash: h,
      joinedCommitment: cm,
      privateAttributesCommitments: commitments,
      zkProof,
    },
    info: {
      joinedCommitmentHash: h,
      joinedCommitmentOpening: opening,
      privateAttributesOpenings: openings,
      walletSecret: v,
      expirationDate: scalarFromU64(expirationDate),
      ticketType: scalarFromU64(ticketType),
    },
  };
}

/**
 * A signer's check of a withdrawal request: h is not the identity, h is the hash of the
 * commitment with the claimed date and type, and the proof verifies against `pkUser`.
 * Throws {@linkcode EcashVerificationError} (`withdrawal-request`).
 *
 * @example
 * ```ts
 * // verifyWithdrawalRequest(params, request, publicKey, expirationDate, ticketType);
 * ```
 */
export function verifyWithdrawalRequest(
  params: EcashParameters,
  request: WithdrawalRequest,
  pkUser: PublicKeyUser,
  expirationDate: number,
  ticketType: TicketType,
): void {
  checkDate(expirationDate);
  checkType(ticketType);
  const fail = (detail: string) => new EcashVerificationError("withdrawal-request", detail);
  if (request.joinedCommitmentHash.is0()) throw fail("commitment hash is the identity");
  const expected = commitmentHash(params, request.joinedCommitment, expirationDate, ticketType);
  if (!expected.equals(request.joinedCommitmentHash)) throw fail("commitment hash mismatch");
  const ok = verifyWithdrawalProof(
    params,
    {
      joinedCommitment: request.joinedCommitment,
      joinedCommitmentHash: request.joinedCommitmentHash,
      privateAttributesCommitments: request.privateAttributesCommitments,
      pkUser: pkUser.pk,
    },
    request.zkProof,
    PRIVATE_ATTRIBUTES,
  );
  if (!ok) throw fail("proof does not verify");
}

/**
 * A signer's blind signature on a verified request:
 * c = c₁^{y₁}·c₂^{y₂}·h^{x + y₃·exp + y₄·type} (upstream `issue`).
 *
 * @example
 * ```ts
 * // const blinded = issue(params, signer.secretKey, user.publicKey, request, expiration, type);
 * ```
 */
export function issue(
  params: EcashParameters,
  skAuth: SecretKeyAuth,
  pkUser: PublicKeyUser,
  request: WithdrawalRequest,
  expirationDate: number,
  ticketType: TicketType,
): BlindedSignature {
  verifyWithdrawalRequest(params, request, pkUser, expirationDate, ticketType);
  if (skAuth.ys.length < ATTRIBUTES) {
    throw new EcashArgumentError(`signing key needs ${ATTRIBUTES} ys, has ${skAuth.ys.length}`);
  }
  const [y1, y2, y3, y4] = skAuth.ys;
  const [c1, c2] = request.privateAttributesCommitments;
  const h = request.joinedCommitmentHash;
  const exponent = add(
    add(skAuth.x, mul(y3, scalarFromU64(expirationDate))),
    mul(y4, scalarFromU64(ticketType)),
  );
  const c = mulSecret(c1, y1).add(mulSecret(c2, y2)).add(mulSecret(h, exponent));
  return { h, c };
}

/**
 * The sum α + Σ β_G2,j·m_j that a signature on `attributes` verifies against.
 *
 * @example
 * ```ts
 * // e(h, signedAttributesKey(vk, [sk, v, exp, type])) = e(s, g2)
 * ```
 */
export function signedAttributesKey(
  vk: VerificationKeyAuth,
  attributes: readonly Scalar[],
): typeof vk.alpha {
  if (attributes.length > vk.betaG2.length) {
    throw new EcashArgumentError("more attributes than verification key betas");
  }
  let acc = vk.alpha;
  attributes.forEach((m, j) => acc = acc.add(mulSecret(vk.betaG2[j], m)));
  return acc;
}

/**
 * Unblinds one signer's answer and checks it with a 2-pair product (one final exponentiation):
 * s = c · Π (β_G1,j)^{−o_j}, then e(h, α·Π β_G2,j^{m_j}) = e(s, g2) (upstream `issue_verify`).
 * Throws {@linkcode EcashVerificationError} (`issuance`).
 *
 * @example
 * ```ts
 * // const share = issueVerify(params, signerVk, user.secretKey, blinded, info, signerIndex);
 * ```
 */
export function issueVerify(
  params: EcashParameters,
  vkAuth: VerificationKeyAuth,
  skUser: SecretKeyUser,
  blinded: BlindedSignature,
  info: RequestInfo,
  signerIndex: SignerIndex,
): PartialWallet {
  if (!info.joinedCommitmentHash.equals(blinded.h)) {
    throw new EcashVerificationError("issuance", "answer is for another commitment hash");
  }
  if (blinded.h.is0()) throw new EcashVerificationError("issuance", "identity commitment hash");
  if (vkAuth.betaG1.length < ATTRIBUTES || vkAuth.betaG2.length < ATTRIBUTES) {
    throw new EcashArgumentError("verification key too short");
  }
  const remover = linearCombination(
    G1,
    vkAuth.betaG1.slice(0, info.privateAttributesOpenings.length),
    info.privateAttributesOpenings,
  );
  const s = blinded.c.subtract(remover);
  const key = signedAttributesKey(vkAuth, [
    skUser.sk,
    info.walletSecret,
    info.expirationDate,
    info.ticketType,
  ]);
  if (!pairingProductIsOne([[blinded.h, key], [s, params.g2NegPrepared]])) {
    throw new EcashVerificationError("issuance", "partial signature does not verify");
  }
  return {
    signature: { h: blinded.h, s },
    walletSecret: info.walletSecret,
    index: signerIndex,
    expirationDate: info.expirationDate,
    ticketType: info.ticketType,
  };
}

/**
 * bincode of a withdrawal request (upstream `WithdrawalRequest::to_bytes`; base58 of these bytes
 * is what clients send).
 *
 * @example
 * ```ts
 * // const bytes = encodeWithdrawalRequest(request); // 397 bytes for an honest request
 * ```
 */
export function encodeWithdrawalRequest(request: WithdrawalRequest): Uint8Array {
  const w = new BincodeWriter();
  writeG1(w, request.joinedCommitmentHash);
  writeG1(w, request.joinedCommitment);
  w.vec(request.privateAttributesCommitments, writeG1);
  writeWithdrawalProof(w, request.zkProof);
  return w.finish();
}

/**
 * Decodes {@linkcode encodeWithdrawalRequest}'s layout.
 *
 * @example
 * ```ts
 * // const request = decodeWithdrawalRequest(bytes);
 * ```
 */
export function decodeWithdrawalRequest(bytes: Uint8Array): WithdrawalRequest {
  const r = new BincodeReader(bytes, "WithdrawalRequest");
  const joinedCommitmentHash = readG1(r);
  const joinedCommitment = readG1(r);
  const privateAttributesCommitments = r.vec(SERDE_G1_BYTES, readG1);
  const zkProof = readWithdrawalProof(r);
  r.end();
  return { joinedCommitmentHash, joinedCommitment, privateAttributesCommitments, zkProof };
}

/**
 * bincode of the request info (upstream `RequestInfo::to_bytes`; secret, keep it local).
 *
 * @example
 * ```ts
 * // const bytes = encodeRequestInfo(info); // 248 bytes
 * ```
 */
export function encodeRequestInfo(info: RequestInfo): Uint8Array {
  const w = new BincodeWriter();
  writeG1(w, info.joinedCommitmentHash);
  writeScalar(w, info.joinedCommitmentOpening);
  w.vec(info.privateAttributesOpenings, writeScalar);
  writeScalar(w, info.walletSecret);
  writeScalar(w, info.expirationDate);
  writeScalar(w, info.ticketType);
  return w.finish();
}

/**
 * Decodes {@linkcode encodeRequestInfo}'s layout.
 *
 * @example
 * ```ts
 * // const info = decodeRequestInfo(bytes);
 * ```
 */
export function decodeRequestInfo(bytes: Uint8Array): RequestInfo {
  const r = new BincodeReader(bytes, "RequestInfo");
  const info: RequestInfo = {
    joinedCommitmentHash: readG1(r),
    joinedCommitmentOpening: readScalar(r),
    privateAttributesOpenings: r.vec(SERDE_SCALAR_BYTES, readScalar),
    walletSecret: readScalar(r),
    expirationDate: readScalar(r),
    ticketType: readScalar(r),
  };
  r.end();
  return info;
}

/** Encoded size of a partial wallet. */
export const PARTIAL_WALLET_BYTES = 200;

/**
 * Encodes a partial wallet: σ (96) ‖ v (32) ‖ exp (32) ‖ type (32) ‖ index (u64 LE) — upstream
 * `PartialWallet::to_bytes`.
 *
 * @example
 * ```ts
 * // encodePartialWallet(share).length; // 200
 * ```
 */
export function encodePartialWallet(wallet: PartialWallet): Uint8Array {
  const out = new Uint8Array(PARTIAL_WALLET_BYTES);
  out.set(g1ToBytes(wallet.signature.h), 0);
  out.set(g1ToBytes(wallet.signature.s), 48);
  out.set(scalarToBytes(wallet.walletSecret), 96);
  out.set(scalarToBytes(wallet.expirationDate), 128);
  out.set(scalarToBytes(wallet.ticketType), 160);
  new DataView(out.buffer).setBigUint64(192, BigInt(wallet.index), true);
  return out;
}

/**
 * Decodes {@linkcode encodePartialWallet}'s layout (indices above 2⁵³ are rejected).
 *
 * @example
 * ```ts
 * // const share = decodePartialWallet(bytes);
 * ```
 */
export function decodePartialWallet(bytes: Uint8Array): PartialWallet {
  const what = "PartialWallet";
  if (bytes.length !== PARTIAL_WALLET_BYTES) {
    throw new EcashDecodeError(what, "length", `expected 200 bytes, got ${bytes.length}`);
  }
  const h = g1FromBytes(bytes.subarray(0, 48), what);
  const s = g1FromBytes(bytes.subarray(48, 96), what);
  const walletSecret = scalarFromBytes(bytes.subarray(96, 128), what);
  const expirationDate = scalarFromBytes(bytes.subarray(128, 160), what);
  const ticketType = scalarFromBytes(bytes.subarray(160, 192), what);
  const idx = new DataView(bytes.buffer, bytes.byteOffset + 192, 8).getBigUint64(0, true);
  if (idx === 0n || idx > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EcashDecodeError(what, "value", `signer index ${idx} out of range`);
  }
  return { signature: { h, s }, walletSecret, index: Number(idx), expirationDate, ticketType };
}
