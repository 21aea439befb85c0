/**
 * Typed errors of the zk-nym (offline compact e-cash) scheme.
 *
 * Every function in `credentials/` throws only these: decoders of untrusted bytes throw
 * {@linkcode EcashDecodeError}, verifiers throw {@linkcode EcashVerificationError}, and calls
 * with impossible arguments (threshold above the signer count, a spent-out wallet, a date outside
 * the validity window) throw {@linkcode EcashArgumentError}.
 *
 * @module
 */

/**
 * Base class of every credential error, so callers can catch the whole family at once.
 *
 * @example
 * ```ts
 * import { EcashError, EcashDecodeError } from "./errors.ts";
 * new EcashDecodeError("Signature", "length", "expected 96 bytes") instanceof EcashError; // true
 * ```
 */
export class EcashError extends Error {
  override name = "EcashError";
}

/** Why bytes could not be decoded. */
export type DecodeFailure =
  /** Wrong total length, or input ended inside a field. */
  | "length"
  /** A G1/G2 encoding that is not compressed, not on the curve, or not in the subgroup. */
  | "point"
  /** A 32-byte little-endian scalar that is not below the group order r. */
  | "scalar"
  /** A structurally valid field whose value is out of range (length prefix, date, enum tag). */
  | "value"
  /** Bytes left over after a complete value (bincode `reject_trailing`). */
  | "trailing";

/**
 * Thrown by every decoder on malformed input. `what` names the type being decoded.
 *
 * @example
 * ```ts
 * import { EcashDecodeError } from "./errors.ts";
 * const e = new EcashDecodeError("Payment", "trailing", "3 bytes left");
 * e.reason; // "trailing"
 * ```
 */
export class EcashDecodeError extends EcashError {
  override name = "EcashDecodeError";
  /** Creates the error; the message is `what: reason (detail)`. */
  constructor(
    readonly what: string,
    readonly reason: DecodeFailure,
    detail?: string,
  ) {
    super(`${what}: malformed (${reason})${detail ? `: ${detail}` : ""}`);
  }
}

/** Which check of the scheme failed. */
export type VerificationFailure =
  /** Withdrawal request: commitment hash mismatch or bad zero-knowledge proof. */
  | "withdrawal-request"
  /** A signer's blinded signature does not unblind to a valid partial signature. */
  | "issuance"
  /** An aggregated signature (wallet, date or coin index) does not verify under the key. */
  | "aggregation"
  /** Partial or aggregated expiration-date signatures do not verify. */
  | "expiration-date-signatures"
  /** Partial or aggregated coin-index signatures do not verify. */
  | "coin-index-signatures"
  /** The payment's structure is inconsistent (vector lengths, spend value). */
  | "payment-structure"
  /** Two serial numbers inside one payment are equal. */
  | "duplicate-serial-number"
  /** The spend zero-knowledge proof does not verify. */
  | "spend-proof"
  /** The pairing checks on the wallet, date or coin-index signatures failed. */
  | "spend-signatures"
  /** The credential's spend date is not the accepted date. */
  | "spend-date"
  /** The ticket type is unknown or not accepted here. */
  | "ticket-type"
  /** The payment spends a number of tickets the verifier does not accept. */
  | "spend-value"
  /** PayInfo is bound to another provider or its timestamp is outside the window. */
  | "pay-info";

/**
 * Thrown when a proof, signature or policy check fails.
 *
 * @example
 * ```ts
 * import { EcashVerificationError } from "./errors.ts";
 * const e = new EcashVerificationError("spend-proof");
 * e.reason; // "spend-proof"
 * ```
 */
export class EcashVerificationError extends EcashError {
  override name = "EcashVerificationError";
  /** Creates the error for `reason`, with an optional detail message. */
  constructor(readonly reason: VerificationFailure, detail?: string) {
    super(`verification failed (${reason})${detail ? `: ${detail}` : ""}`);
  }
}

/**
 * Thrown when a function is called with arguments the scheme cannot work with.
 *
 * @example
 * ```ts
 * import { EcashArgumentError } from "./errors.ts";
 * new EcashArgumentError("threshold must be in 1..n").name; // "EcashArgumentError"
 * ```
 */
export class EcashArgumentError extends EcashError {
  override name = "EcashArgumentError";
}
