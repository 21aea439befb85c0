/**
 * A master verification key prepared for repeated spending and verification: window tables on α
 * and the β_G2s, its byte encoding (absorbed by every spend challenge), and the constant G2 terms
 * of the date and coin-index pairing checks. A gateway prepares the key of each epoch once and
 * reuses it for every ticket.
 *
 * @module
 */
import { ATTRIBUTES, TYPE_EXP, TYPE_IDX } from "./constants.ts";
import { EcashArgumentError } from "./errors.ts";
import { type G2Point, mulPublic, withTable } from "./group.ts";
import { encodeVerificationKey, type VerificationKeyAuth } from "./keys_auth.ts";

/** A verification key with precomputation for spending and verifying. */
export interface PreparedVerificationKey {
  /** The key itself. */
  readonly key: VerificationKeyAuth;
  /** `encodeVerificationKey(key)`. */
  readonly bytes: Uint8Array;
  /** α with a window table. */
  readonly alpha: G2Point;
  /** β_G2,1..4 with window tables (`betaG2[0]` is the sk / date / index base). */
  readonly betaG2: readonly G2Point[];
  /** β_G2,3 · TYPE_EXP, the constant part of the expiration-date check. */
  readonly typeExpTerm: G2Point;
  /** (β_G2,2 + β_G2,3) · TYPE_IDX, the constant part of the coin-index check. */
  readonly typeIdxTerm: G2Point;
}

/**
 * Prepares `key` (≥ 4 βs). Costs a few tens of milliseconds; do it once per key.
 *
 * @example
 * ```ts
 * // const prepared = prepareVerificationKey(masterVk);
 * ```
 */
export function prepareVerificationKey(key: VerificationKeyAuth): PreparedVerificationKey {
  if (key.betaG2.length < ATTRIBUTES || key.betaG1.length !== key.betaG2.length) {
    throw new EcashArgumentError(`verification key needs ${ATTRIBUTES} betas`);
  }
  const betaG2 = key.betaG2.map((b) => withTable(b));
  return Object.freeze({
    key,
    bytes: encodeVerificationKey(key),
    alpha: withTable(key.alpha),
    betaG2: Object.freeze(betaG2),
    typeExpTerm: mulPublic(betaG2[2], TYPE_EXP),
    typeIdxTerm: mulPublic(betaG2[1].add(betaG2[2]), TYPE_IDX),
  });
}

/**
 * Returns `key` if it is already prepared, else prepares it.
 *
 * @example
 * ```ts
 * // const prepared = asPrepared(masterVkOrPrepared);
 * ```
 */
export function asPrepared(
  key: VerificationKeyAuth | PreparedVerificationKey,
): PreparedVerificationKey {
  return "bytes" in key ? key : prepareVerificationKey(key);
}
