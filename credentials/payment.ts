/**
 * A payment (one or more spent tickets), its bincode layout and its verification
 * (upstream `Payment` in `scheme/mod.rs`; credentials-anchors.md §A.2 item 4, §A.3 "Verify").
 *
 * bincode (big-endian varint, trailing bytes rejected), field by field, where G1/G2/scalar are
 * serde byte arrays `0x30 ‖ 48 B`, `0x60 ‖ 96 B`, `0x20 ‖ 32 B` (`serde_codec.ts`):
 * κ (G2) ‖ κ_e (G2) ‖ σ' (h ‖ s) ‖ σ_e' (h ‖ s) ‖ Vec<κ_k: G2> ‖ Vec<ω_k: h ‖ s> ‖ Vec<S_k: G1> ‖
 * Vec<T_k: G1> ‖ Vec<A_k: G1> ‖ spend value (varint u64) ‖ C (G1) ‖ ticket type (u8) ‖
 * spend proof (see `proof_spend.ts`). One ticket from an upstream client is 1 157 bytes.
 *
 * @module
 */
import { BincodeReader, BincodeWriter } from "./bincode.ts";
import { batchWeights } from "./batch.ts";
import { EcashVerificationError } from "./errors.ts";
import {
  G1,
  G1_BYTES,
  type G1Point,
  g1ToBytes,
  type G2Point,
  linearCombination,
  mulPublic,
  pairingProductIsOne,
  type PreparedG2,
} from "./group.ts";
import { hashToScalar } from "./hash.ts";
import type { VerificationKeyAuth } from "./keys_auth.ts";
import type { EcashParameters } from "./params.ts";
import { asPrepared, type PreparedVerificationKey } from "./prepared_key.ts";
import {
  encodeSpendInstance,
  readSpendProof,
  type SpendInstance,
  type SpendProof,
  verifySpendProof,
  writeSpendProof,
} from "./proof_spend.ts";
import { type Scalar, scalarFromU64, scalarToBytes } from "./scalar.ts";
import { encodeSignature, type Signature } from "./signature.ts";
import {
  readG1,
  readG2,
  readSignature,
  SERDE_G1_BYTES,
  SERDE_G2_BYTES,
  SERDE_SIGNATURE_BYTES,
  writeG1,
  writeG2,
  writeSignature,
} from "./serde_codec.ts";

/** Size of a PayInfo. */
export const PAY_INFO_BYTES = 72;

/** A spent ticket (or several) as sent to the provider. */
export interface Payment {
  /** κ, the wallet signature's show. */
  readonly kappa: G2Point;
  /** κ_e, the date signature's show. */
  readonly kappaE: G2Point;
  /** σ', the randomised wallet signature. */
  readonly sig: Signature;
  /** σ_e', the randomised signature on today's date. */
  readonly sigExp: Signature;
  /** κ_k, one per ticket. */
  readonly kappaK: readonly G2Point[];
  /** ω_k, the randomised coin-index signatures. */
  readonly omega: readonly Signature[];
  /** Serial numbers S_k = δ^{1/(v + l_k + 1)}. */
  readonly ss: readonly G1Point[];
  /** Double-spend tags T_k. */
  readonly tt: readonly G1Point[];
  /** Commitments A_k to the coin indices. */
  readonly aa: readonly G1Point[];
  /** Tickets spent by this payment. */
  readonly spendValue: number;
  /** Commitment C to v. */
  readonly cc: G1Point;
  /** Ticket type, revealed (`EncodedTicketType`, any u8 decodes). */
  readonly ticketType: number;
  /** The spend proof. */
  readonly zkProof: SpendProof;
}

/**
 * R_k = hash_to_scalar(PayInfo ‖ u64 LE k) (upstream `compute_pay_info_hash`).
 *
 * @example
 * ```ts
 * import { payInfoHash } from "./payment.ts";
 * payInfoHash(new Uint8Array(72), 0) > 0n; // true
 * ```
 */
export function payInfoHash(payInfo: Uint8Array, k: number): Scalar {
  const bytes = new Uint8Array(payInfo.length + 8);
  bytes.set(payInfo, 0);
  new DataView(bytes.buffer).setBigUint64(payInfo.length, BigInt(k), true);
  return hashToScalar(bytes);
}

/**
 * The payment's serial number as stored by gateways and nym-api: the compressed S_k
 * concatenated (upstream `encoded_serial_number`).
 *
 * @example
 * ```ts
 * // const serial = paymentSerialNumber(payment); // 48 bytes for one ticket
 * ```
 */
export function paymentSerialNumber(payment: Payment): Uint8Array {
  const out = new Uint8Array(G1_BYTES * payment.ss.length);
  payment.ss.forEach((s, i) => out.set(g1ToBytes(s), G1_BYTES * i));
  return out;
}

/**
 * The spend proof's instance of a payment.
 *
 * @example
 * ```ts
 * // const instance = spendInstanceOf(payment);
 * ```
 */
export function spendInstanceOf(payment: Payment): SpendInstance {
  return {
    kappa: payment.kappa,
    cc: payment.cc,
    aa: payment.aa,
    ss: payment.ss,
    tt: payment.tt,
    kappaK: payment.kappaK,
    kappaE: payment.kappaE,
  };
}

/**
 * bincode of a payment.
 *
 * @example
 * ```ts
 * // const bytes = encodePayment(payment);
 * ```
 */
export function encodePayment(p: Payment): Uint8Array {
  const w = new BincodeWriter();
  writeG2(w, p.kappa);
  writeG2(w, p.kappaE);
  writeSignature(w, p.sig);
  writeSignature(w, p.sigExp);
  w.vec(p.kappaK, writeG2).vec(p.omega, writeSignature)
    .vec(p.ss, writeG1).vec(p.tt, writeG1).vec(p.aa, writeG1)
    .varint(p.spendValue);
  writeG1(w, p.cc);
  w.u8(p.ticketType);
  writeSpendProof(w, p.zkProof);
  return w.finish();
}

/**
 * Decodes {@linkcode encodePayment}'s layout; only {@linkcode EcashDecodeError} escapes.
 *
 * @example
 * ```ts
 * // const payment = decodePayment(bytes);
 * ```
 */
export function decodePayment(bytes: Uint8Array): Payment {
  const r = new BincodeReader(bytes, "Payment");
  const payment: Payment = {
    kappa: readG2(r),
    kappaE: readG2(r),
    sig: readSignature(r),
    sigExp: readSignature(r),
    kappaK: r.vec(SERDE_G2_BYTES, readG2),
    omega: r.vec(SERDE_SIGNATURE_BYTES, readSignature),
    ss: r.vec(SERDE_G1_BYTES, readG1),
    tt: r.vec(SERDE_G1_BYTES, readG1),
    aa: r.vec(SERDE_G1_BYTES, readG1),
    spendValue: r.varintNumber(Number.MAX_SAFE_INTEGER),
    cc: readG1(r),
    ticketType: r.u8(),
    zkProof: readSpendProof(r),
  };
  r.end();
  return payment;
}

function structureError(payment: Payment): string | null {
  const n = payment.spendValue;
  if (n < 1) return "spend value must be at least 1";
  const p = payment.zkProof;
  const perTicket: [string, number][] = [
    ["kappa_k", payment.kappaK.length],
    ["omega", payment.omega.length],
    ["ss", payment.ss.length],
    ["tt", payment.tt.length],
    ["aa", payment.aa.length],
    ["responses_l", p.responsesL.length],
    ["responses_o_a", p.responsesOA.length],
    ["responses_mu", p.responsesMu.length],
    ["responses_o_mu", p.responsesOMu.length],
  ];
  for (const [name, len] of perTicket) {
    if (len !== n) return `${name} has ${len} entries for ${n} tickets`;
  }
  if (p.responsesRK.length !== 0 && p.responsesRK.length !== n) return "bad responses_r_k length";
  if (p.responsesAttributes.length !== 3) return "responses_attributes must have 3 entries";
  return null;
}

/**
 * Verifies a payment against the aggregated key of its epoch, the provider's PayInfo and the
 * spend date (unix seconds of the day, 00:00 UTC) — upstream `Payment::spend_verify`: distinct
 * serial numbers, the spend proof, then the wallet, date and coin-index pairing equations
 *
 *   e(h', κ·β₄^{type}) = e(s', g2),  e(h_e', κ_e·β₂^{date}·β₃^{TYPE_EXP}) = e(s_e', g2),
 *   e(h_k', κ_k·(β₂β₃)^{TYPE_IDX}) = e(s_k', g2),
 *
 * checked together as one weighted product (see `batch.ts`): 2 + spend value Miller loops with
 * prepared G2 lines plus one for g2, and a single final exponentiation.
 * Throws {@linkcode EcashVerificationError}.
 *
 * @example
 * ```ts
 * // verifyPayment(params, preparedMasterVk, payment, payInfo, spendDate);
 * ```
 */
export function verifyPayment(
  params: EcashParameters,
  verificationKey: VerificationKeyAuth | PreparedVerificationKey,
  payment: Payment,
  payInfo: Uint8Array,
  spendDate: number,
): void {
  const vk = asPrepared(verificationKey);
  const problem = structureError(payment);
  if (problem !== null) throw new EcashVerificationError("payment-structure", problem);
  if (payInfo.length !== PAY_INFO_BYTES) {
    throw new EcashVerificationError("pay-info", `PayInfo must be ${PAY_INFO_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(spendDate) || spendDate < 0 || spendDate > 0xffff_ffff) {
    throw new EcashVerificationError("spend-date", `bad spend date ${spendDate}`);
  }
  for (let i = 0; i < payment.ss.length; i++) {
    for (let j = i + 1; j < payment.ss.length; j++) {
      if (payment.ss[i].equals(payment.ss[j])) {
        throw new EcashVerificationError("duplicate-serial-number");
      }
    }
  }

  const rr = Array.from({ length: payment.spendValue }, (_, k) => payInfoHash(payInfo, k));
  const instance = spendInstanceOf(payment);
  const instanceBytes = encodeSpendInstance(instance);
  const proofOk = verifySpendProof(
    params,
    vk,
    instance,
    payment.zkProof,
    rr,
    payInfo,
    payment.spendValue,
    instanceBytes,
  );
  if (!proofOk) throw new EcashVerificationError("spend-proof");

  const sigs = [payment.sig, payment.sigExp, ...payment.omega];
  if (sigs.some((s) => s.h.is0())) {
    throw new EcashVerificationError("spend-signatures", "identity element in a signature");
  }
  const rho = batchWeights([
    vk.bytes,
    scalarToBytes(payment.zkProof.challenge),
    instanceBytes,
    ...sigs.map(encodeSignature),
    payInfo,
    scalarToBytes(scalarFromU64(spendDate)),
    new Uint8Array([payment.ticketType]),
  ], sigs.length);
  const [, b1, , b3] = vk.betaG2;
  const g2Sides: G2Point[] = [
    payment.kappa.add(mulPublic(b3, scalarFromU64(payment.ticketType))),
    payment.kappaE.add(mulPublic(b1, scalarFromU64(spendDate))).add(vk.typeExpTerm),
    ...payment.kappaK.map((k) => k.add(vk.typeIdxTerm)),
  ];
  const terms: [G1Point, G2Point | PreparedG2][] = sigs.map((s, i) => [
    i === 0 ? s.h : mulPublic(s.h, rho[i]),
    g2Sides[i],
  ]);
  terms.push([linearCombination(G1, sigs.map((s) => s.s), rho), params.g2NegPrepared]);
  if (!pairingProductIsOne(terms)) {
    throw new EcashVerificationError("spend-signatures", "pairing check failed");
  }
}
