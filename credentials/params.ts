/**
 * Scheme setup: the group parameters (g1, g2, γ₁..γ₄ = H_G1("gamma1".."gamma4"), δ = H_G1("delta"))
 * and the ticketbook size L (upstream `scheme/setup.rs`; credentials-anchors.md §A.3).
 *
 * Build them once with {@linkcode setup} and pass them to every call: they carry fixed-base
 * window tables and prepared pairing lines, so creating them costs a few tens of milliseconds.
 *
 * @module
 */
import { ATTRIBUTES, TICKETBOOK_SIZE } from "./constants.ts";
import { EcashArgumentError } from "./errors.ts";
import {
  G1,
  type G1Point,
  g1ToBytes,
  G2,
  type G2Point,
  g2ToBytes,
  type PreparedG2,
  prepareG2,
  withTable,
} from "./group.ts";
import { hashToG1 } from "./hash.ts";

/** Public parameters shared by signers, users and verifiers. */
export interface EcashParameters {
  /** Generator of G1 (with a window table). */
  readonly g1: G1Point;
  /** Generator of G2 (with a window table). */
  readonly g2: G2Point;
  /** γ₁..γ₄, one per attribute (with window tables). `gammas[0]` is γ₁ = H_G1("gamma1"). */
  readonly gammas: readonly G1Point[];
  /** δ, the base of serial numbers (with a window table). */
  readonly delta: G1Point;
  /** Tickets per ticketbook, L. */
  readonly totalCoins: number;
  /** Compressed g1, as hashed into challenges. */
  readonly g1Bytes: Uint8Array;
  /** Compressed g2, as hashed into challenges. */
  readonly g2Bytes: Uint8Array;
  /** Compressed γ₁..γ₄ concatenated (upstream `gammas_to_bytes`). */
  readonly gammasBytes: Uint8Array;
  /** −g2 with its Miller-loop lines, for `e(s, g2⁻¹)` terms. */
  readonly g2NegPrepared: PreparedG2;
}

/**
 * Builds the parameters for ticketbooks of `totalCoins` tickets (Nym uses L = 50).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * const params = setup();
 * params.gammas.length; // 4
 * ```
 */
export function setup(totalCoins: number = TICKETBOOK_SIZE): EcashParameters {
  if (!Number.isSafeInteger(totalCoins) || totalCoins <= 0) {
    throw new EcashArgumentError("totalCoins must be a positive integer");
  }
  const gammas = Array.from({ length: ATTRIBUTES }, (_, i) => withTable(hashToG1(`gamma${i + 1}`)));
  const delta = withTable(hashToG1("delta"));
  const g1 = withTable(G1.BASE as G1Point, 8);
  const g2 = withTable(G2.BASE as G2Point);
  const gammasBytes = new Uint8Array(48 * gammas.length);
  gammas.forEach((g, i) => gammasBytes.set(g1ToBytes(g), 48 * i));
  return Object.freeze({
    g1,
    g2,
    gammas: Object.freeze(gammas),
    delta,
    totalCoins,
    g1Bytes: g1ToBytes(g1),
    g2Bytes: g2ToBytes(g2),
    gammasBytes,
    g2NegPrepared: prepareG2(g2.negate()),
  });
}
