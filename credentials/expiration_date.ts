/**
 * Expiration-date signatures: for a ticketbook expiring at `exp`, every signer publishes 7 PS
 * signatures, one per valid spending day d = exp − (6 − i)·86400, on (exp, d, TYPE_EXP):
 * h = H_G1(LE32B(exp) ‖ LE32B(d)) (32-byte scalar encodings), s = h^{x + y₁·exp + y₂·d + y₃·TYPE_EXP}.
 * Users aggregate t of them and prove possession of today's one when spending
 * (upstream `scheme/expiration_date_signatures.rs`; credentials-anchors.md §A.3).
 *
 * @module
 */
import { BincodeReader, BincodeWriter } from "./bincode.ts";
import { batchedSignatureCheck, batchWeights } from "./batch.ts";
import { SECONDS_PER_DAY, TICKETBOOK_VALIDITY_DAYS, TYPE_EXP } from "./constants.ts";
import { EcashArgumentError, EcashVerificationError } from "./errors.ts";
import { G1, type G2Point, linearCombination, mulPublic, mulSecret } from "./group.ts";
import { hashToG1 } from "./hash.ts";
import {
  encodeVerificationKey,
  type SecretKeyAuth,
  type VerificationKeyAuth,
} from "./keys_auth.ts";
import { assertSignerIndices, lagrangeCoefficientsAtZero, type SignerIndex } from "./lagrange.ts";
import type { EcashParameters } from "./params.ts";
import { add, mul, scalarFromU64, scalarToBytes } from "./scalar.ts";
import { encodeSignature, type Signature, signatureIsDegenerate } from "./signature.ts";
import { readSignature, SERDE_SIGNATURE_BYTES, writeSignature } from "./serde_codec.ts";

/** An expiration-date signature with the dates it signs. */
export interface AnnotatedExpirationDateSignature {
  /** The (partial or aggregated) signature. */
  readonly signature: Signature;
  /** The ticketbook's expiration date (unix seconds). */
  readonly expirationTimestamp: number;
  /** The spending day this signature is for (unix seconds). */
  readonly spendingTimestamp: number;
}

/** One signer's 7 partial signatures for an expiration date, with its key and index. */
export interface ExpirationDateSignatureShare {
  /** The signer's index. */
  readonly index: SignerIndex;
  /** The signer's verification key. */
  readonly key: VerificationKeyAuth;
  /** Its signatures, ordered by spending day. */
  readonly signatures: readonly Signature[];
}

function checkDate(expirationDate: number): void {
  const minimum = (TICKETBOOK_VALIDITY_DAYS - 1) * SECONDS_PER_DAY;
  if (!Number.isSafeInteger(expirationDate) || expirationDate < minimum) {
    throw new EcashArgumentError(`bad expiration date ${expirationDate}`);
  }
  if (expirationDate > 0xffff_ffff) throw new EcashArgumentError("expiration date exceeds u32");
}

/**
 * The 7 spending days of a ticketbook, oldest first (the last one is the expiration day).
 *
 * @example
 * ```ts
 * import { validSpendingDates } from "./expiration_date.ts";
 * validSpendingDates(1702166400).at(-1); // 1702166400
 * ```
 */
export function validSpendingDates(expirationDate: number): number[] {
  checkDate(expirationDate);
  return Array.from(
    { length: TICKETBOOK_VALIDITY_DAYS },
    (_, i) => expirationDate - (TICKETBOOK_VALIDITY_DAYS - i - 1) * SECONDS_PER_DAY,
  );
}

/**
 * Position of `spendDate` among {@linkcode validSpendingDates} (upstream `find_index`); throws
 * {@linkcode EcashArgumentError} when the date is before or after the validity window.
 *
 * @example
 * ```ts
 * import { findDateIndex } from "./expiration_date.ts";
 * findDateIndex(1702166400, 1702166400); // 6
 * ```
 */
export function findDateIndex(spendDate: number, expirationDate: number): number {
  checkDate(expirationDate);
  const start = expirationDate - (TICKETBOOK_VALIDITY_DAYS - 1) * SECONDS_PER_DAY;
  if (spendDate < start) throw new EcashArgumentError("spend date too early for this ticketbook");
  const index = Math.floor((spendDate - start) / SECONDS_PER_DAY);
  if (index >= TICKETBOOK_VALIDITY_DAYS) {
    throw new EcashArgumentError("spend date too late for this ticketbook");
  }
  return index;
}

/**
 * h for (expiration, spending day): H_G1(scalar(exp) ‖ scalar(day)), scalars 32 B LE.
 *
 * @example
 * ```ts
 * import { expirationDateHash } from "./expiration_date.ts";
 * expirationDateHash(1702166400, 1701648000).is0(); // false
 * ```
 */
export function expirationDateHash(expirationDate: number, spendingDate: number) {
  const bytes = new Uint8Array(64);
  bytes.set(scalarToBytes(scalarFromU64(expirationDate)), 0);
  bytes.set(scalarToBytes(scalarFromU64(spendingDate)), 32);
  return hashToG1(bytes);
}

/**
 * A signer's 7 partial expiration-date signatures (upstream `sign_expiration_date`).
 *
 * @example
 * ```ts
 * // const partials = signExpirationDate(signer.secretKey, expirationDate);
 * ```
 */
export function signExpirationDate(
  skAuth: SecretKeyAuth,
  expirationDate: number,
): AnnotatedExpirationDateSignature[] {
  if (skAuth.ys.length < 3) throw new EcashArgumentError("signing key too short");
  const m0 = scalarFromU64(expirationDate);
  const [y0, y1, y2] = skAuth.ys;
  const partial = add(add(skAuth.x, mul(y0, m0)), mul(y2, TYPE_EXP));
  return validSpendingDates(expirationDate).map((day) => {
    const h = expirationDateHash(expirationDate, day);
    const s = mulSecret(h, add(partial, mul(y1, scalarFromU64(day))));
    return {
      signature: { h, s },
      expirationTimestamp: expirationDate,
      spendingTimestamp: day,
    };
  });
}

/**
 * Verifies a key's 7 expiration-date signatures with one 3-pair batched product
 * (see `batch.ts`); throws {@linkcode EcashVerificationError} (`expiration-date-signatures`).
 *
 * @example
 * ```ts
 * // verifyExpirationDateSignatures(signerVk, partials.map((p) => p.signature), expirationDate);
 * ```
 */
export function verifyExpirationDateSignatures(
  params: EcashParameters,
  vk: VerificationKeyAuth,
  signatures: readonly Signature[],
  expirationDate: number,
): void {
  const fail = (d: string) => new EcashVerificationError("expiration-date-signatures", d);
  const days = validSpendingDates(expirationDate);
  if (signatures.length !== days.length) throw fail(`expected ${days.length} signatures`);
  if (vk.betaG2.length < 3) throw new EcashArgumentError("verification key too short");
  const m0 = scalarFromU64(expirationDate);
  days.forEach((day, i) => {
    if (signatureIsDegenerate(signatures[i])) throw fail("identity element in a signature");
    if (!signatures[i].h.equals(expirationDateHash(expirationDate, day))) throw fail("wrong h");
  });
  const rho = batchWeights([
    encodeVerificationKey(vk),
    scalarToBytes(m0),
    ...signatures.map(encodeSignature),
  ], signatures.length);
  const base: G2Point = vk.alpha.add(mulPublic(vk.betaG2[0], m0))
    .add(mulPublic(vk.betaG2[2], TYPE_EXP));
  if (
    !batchedSignatureCheck(
      params,
      signatures,
      rho,
      days.map((d) => scalarFromU64(d)),
      base,
      vk.betaG2[1],
    )
  ) {
    throw fail("pairing check failed");
  }
}

/**
 * Aggregates ≥ t signers' shares into the 7 master expiration-date signatures and verifies the
 * result under the master key (upstream `aggregate_expiration_signatures`). Each share is
 * verified under its own key first unless `validateShares` is false.
 *
 * @example
 * ```ts
 * // const sigs = aggregateExpirationSignatures(params, masterVk, expirationDate, shares);
 * ```
 */
export function aggregateExpirationSignatures(
  params: EcashParameters,
  vk: VerificationKeyAuth,
  expirationDate: number,
  shares: readonly ExpirationDateSignatureShare[],
  validateShares = true,
): AnnotatedExpirationDateSignature[] {
  if (shares.length === 0) throw new EcashArgumentError("no expiration signature shares");
  assertSignerIndices(shares.map((s) => s.index));
  const days = validSpendingDates(expirationDate);
  for (const share of shares) {
    if (share.signatures.length !== days.length) {
      throw new EcashVerificationError("expiration-date-signatures", "share of the wrong size");
    }
    if (validateShares) {
      verifyExpirationDateSignatures(params, share.key, share.signatures, expirationDate);
    }
  }
  const lambdas = lagrangeCoefficientsAtZero(shares.map((s) => s.index));
  const out = days.map((day, i) => ({
    signature: {
      h: expirationDateHash(expirationDate, day),
      s: linearCombination(G1, shares.map((sh) => sh.signatures[i].s), lambdas),
    },
    expirationTimestamp: expirationDate,
    spendingTimestamp: day,
  }));
  verifyExpirationDateSignatures(params, vk, out.map((o) => o.signature), expirationDate);
  return out;
}

/**
 * Writes the serde/bincode form of an annotated signature: h ‖ s (serde byte arrays) ‖
 * varint(exp) ‖ varint(day).
 *
 * @example
 * ```ts
 * // writeAnnotatedExpirationSignature(writer, sig);
 * ```
 */
export function writeAnnotatedExpirationSignature(
  w: BincodeWriter,
  sig: AnnotatedExpirationDateSignature,
): void {
  writeSignature(w, sig.signature);
  w.varint(sig.expirationTimestamp).varint(sig.spendingTimestamp);
}

/**
 * Reads {@linkcode writeAnnotatedExpirationSignature}'s form.
 *
 * @example
 * ```ts
 * // const sig = readAnnotatedExpirationSignature(reader);
 * ```
 */
export function readAnnotatedExpirationSignature(
  r: BincodeReader,
): AnnotatedExpirationDateSignature {
  return {
    signature: readSignature(r),
    expirationTimestamp: r.varintNumber(0xffff_ffff),
    spendingTimestamp: r.varintNumber(0xffff_ffff),
  };
}

/**
 * bincode of a list of annotated signatures (`Vec<AnnotatedExpirationDateSignature>`), the body
 * of nym-api's `application/bincode` answers and of stored ticketbook exports.
 *
 * @example
 * ```ts
 * // const bytes = encodeExpirationSignatures(sigs);
 * ```
 */
export function encodeExpirationSignatures(
  sigs: readonly AnnotatedExpirationDateSignature[],
): Uint8Array {
  return new BincodeWriter().vec(sigs, writeAnnotatedExpirationSignature).finish();
}

/**
 * Decodes {@linkcode encodeExpirationSignatures}.
 *
 * @example
 * ```ts
 * // const sigs = decodeExpirationSignatures(bytes);
 * ```
 */
export function decodeExpirationSignatures(bytes: Uint8Array): AnnotatedExpirationDateSignature[] {
  const r = new BincodeReader(bytes, "Vec<AnnotatedExpirationDateSignature>");
  const out = r.vec(SERDE_SIGNATURE_BYTES + 2, readAnnotatedExpirationSignature);
  r.end();
  return out;
}
