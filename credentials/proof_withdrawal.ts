/**
 * The withdrawal-request zero-knowledge proof: knowledge of (sk, v, o, o₁, o₂) with
 * cm = g1^o·γ₁^{sk}·γ₂^{v}, c_j = g1^{o_j}·h^{m_j} and pk = g1^{sk}
 * (upstream `proofs/proof_withdrawal.rs`).
 *
 * Challenge (credentials-anchors.md §A.2 item 2): SHA-256 over
 * `g1 ‖ γ₁..γ₄ ‖ bincode(instance) ‖ T_cm ‖ T_c₁ ‖ T_c₂ ‖ T_pk`, where the instance is
 * `cm ‖ h ‖ varint(2) ‖ c₁ ‖ c₂ ‖ pk`, each point a serde byte array `0x30 ‖ compressed G1`.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { BincodeReader, BincodeWriter } from "./bincode.ts";
import { EcashArgumentError } from "./errors.ts";
import { type G1Point, g1ToBytes, linearCombination, mulPublic, mulSecret } from "./group.ts";
import { G1 } from "./group.ts";
import { computeChallenge } from "./hash.ts";
import type { EcashParameters } from "./params.ts";
import { mul, randomScalar, randomScalars, type Scalar, sub } from "./scalar.ts";
import { readScalar, SERDE_SCALAR_BYTES, writeG1, writeScalar } from "./serde_codec.ts";

/** The public statement of the withdrawal proof. */
export interface WithdrawalInstance {
  /** cm = g1^o·γ₁^{sk}·γ₂^{v}. */
  readonly joinedCommitment: G1Point;
  /** h = H_G1(cm·γ₃^{exp}·γ₄^{type}). */
  readonly joinedCommitmentHash: G1Point;
  /** c_j = g1^{o_j}·h^{m_j} for m = (sk, v). */
  readonly privateAttributesCommitments: readonly G1Point[];
  /** pk_u. */
  readonly pkUser: G1Point;
}

/** The secrets behind a {@linkcode WithdrawalInstance}. */
export interface WithdrawalWitness {
  /** (sk, v). */
  readonly privateAttributes: readonly Scalar[];
  /** o. */
  readonly joinedCommitmentOpening: Scalar;
  /** (o₁, o₂). */
  readonly privateAttributesOpenings: readonly Scalar[];
}

/** The Fiat–Shamir proof as it travels inside a withdrawal request. */
export interface WithdrawalProof {
  /** c. */
  readonly challenge: Scalar;
  /** Response for o. */
  readonly responseOpening: Scalar;
  /** Responses for o₁, o₂. */
  readonly responseOpenings: readonly Scalar[];
  /** Responses for sk, v. */
  readonly responseAttributes: readonly Scalar[];
}

/**
 * bincode of the instance, as hashed into the challenge: cm ‖ h ‖ Vec<c_j> ‖ pk.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { encodeWithdrawalInstance } from "./proof_withdrawal.ts";
 * const g = setup().g1;
 * encodeWithdrawalInstance({
 *   joinedCommitment: g, joinedCommitmentHash: g, privateAttributesCommitments: [g, g], pkUser: g,
 * }).length; // 246
 * ```
 */
export function encodeWithdrawalInstance(instance: WithdrawalInstance): Uint8Array {
  const w = new BincodeWriter();
  writeG1(w, instance.joinedCommitment);
  writeG1(w, instance.joinedCommitmentHash);
  w.vec(instance.privateAttributesCommitments, writeG1);
  writeG1(w, instance.pkUser);
  return w.finish();
}

function challengeOf(
  params: EcashParameters,
  instance: WithdrawalInstance,
  tCm: G1Point,
  tCommitments: readonly G1Point[],
  tPk: G1Point,
): Scalar {
  return computeChallenge([
    params.g1Bytes,
    params.gammasBytes,
    encodeWithdrawalInstance(instance),
    g1ToBytes(tCm),
    ...tCommitments.map(g1ToBytes),
    g1ToBytes(tPk),
  ]);
}

/**
 * Proves the withdrawal statement.
 *
 * @example
 * ```ts
 * // See withdrawal.ts: withdrawalRequest() builds the instance and calls this.
 * ```
 */
export function proveWithdrawal(
  params: EcashParameters,
  instance: WithdrawalInstance,
  witness: WithdrawalWitness,
  random: RandomSource,
): WithdrawalProof {
  const n = witness.privateAttributes.length;
  if (n !== witness.privateAttributesOpenings.length || n > params.gammas.length || n === 0) {
    throw new EcashArgumentError("withdrawal witness has inconsistent lengths");
  }
  const rOpening = randomScalar(random);
  const rOpenings = randomScalars(random, n);
  const rAttributes = randomScalars(random, n);
  const g1 = params.g1;
  let tCm = mulSecret(g1, rOpening);
  rAttributes.forEach((r, i) => tCm = tCm.add(mulSecret(params.gammas[i], r)));
  const h = instance.joinedCommitmentHash;
  const tCommitments = rOpenings.map((ro, j) =>
    mulSecret(g1, ro).add(mulSecret(h, rAttributes[j]))
  );
  const tPk = mulSecret(g1, rAttributes[0]);
  const challenge = challengeOf(params, instance, tCm, tCommitments, tPk);
  const respond = (r: Scalar, secret: Scalar) => sub(r, mul(challenge, secret));
  return {
    challenge,
    responseOpening: respond(rOpening, witness.joinedCommitmentOpening),
    responseOpenings: rOpenings.map((r, j) => respond(r, witness.privateAttributesOpenings[j])),
    responseAttributes: rAttributes.map((r, j) => respond(r, witness.privateAttributes[j])),
  };
}

/**
 * Verifies the withdrawal proof by recomputing the commitments and the challenge. Returns
 * `false` on any mismatch, including vectors of the wrong length (upstream would index out of
 * bounds on an empty response vector).
 *
 * @example
 * ```ts
 * // See withdrawal.ts: verifyWithdrawalRequest() calls this.
 * ```
 */
export function verifyWithdrawalProof(
  params: EcashParameters,
  instance: WithdrawalInstance,
  proof: WithdrawalProof,
  privateAttributes = 2,
): boolean {
  const n = privateAttributes;
  if (
    instance.privateAttributesCommitments.length !== n || proof.responseOpenings.length !== n ||
    proof.responseAttributes.length !== n
  ) return false;
  const c = proof.challenge;
  const g1 = params.g1;
  let tCm = mulPublic(instance.joinedCommitment, c).add(mulPublic(g1, proof.responseOpening));
  proof.responseAttributes.forEach((r, i) => tCm = tCm.add(mulPublic(params.gammas[i], r)));
  const h = instance.joinedCommitmentHash;
  const tCommitments = instance.privateAttributesCommitments.map((cj, j) =>
    linearCombination(G1, [cj, h], [c, proof.responseAttributes[j]])
      .add(mulPublic(g1, proof.responseOpenings[j]))
  );
  const tPk = mulPublic(instance.pkUser, c).add(mulPublic(g1, proof.responseAttributes[0]));
  return challengeOf(params, instance, tCm, tCommitments, tPk) === c;
}

/**
 * bincode of the proof: c ‖ r_o ‖ Vec<r_oj> ‖ Vec<r_mj> (scalars `0x20 ‖ 32 B LE`).
 *
 * @example
 * ```ts
 * import { BincodeWriter } from "./bincode.ts";
 * import { writeWithdrawalProof } from "./proof_withdrawal.ts";
 * const w = new BincodeWriter();
 * writeWithdrawalProof(w, {
 *   challenge: 1n, responseOpening: 2n, responseOpenings: [], responseAttributes: [],
 * });
 * w.finish().length; // 68
 * ```
 */
export function writeWithdrawalProof(w: BincodeWriter, proof: WithdrawalProof): void {
  writeScalar(w, proof.challenge);
  writeScalar(w, proof.responseOpening);
  w.vec(proof.responseOpenings, writeScalar).vec(proof.responseAttributes, writeScalar);
}

/**
 * Reads {@linkcode writeWithdrawalProof}'s layout.
 *
 * @example
 * ```ts
 * import { BincodeReader, BincodeWriter } from "./bincode.ts";
 * import { readWithdrawalProof, writeWithdrawalProof } from "./proof_withdrawal.ts";
 * const w = new BincodeWriter();
 * writeWithdrawalProof(w, {
 *   challenge: 1n, responseOpening: 2n, responseOpenings: [3n], responseAttributes: [4n],
 * });
 * readWithdrawalProof(new BincodeReader(w.finish(), "proof")).challenge; // 1n
 * ```
 */
export function readWithdrawalProof(r: BincodeReader): WithdrawalProof {
  return {
    challenge: readScalar(r),
    responseOpening: readScalar(r),
    responseOpenings: r.vec(SERDE_SCALAR_BYTES, readScalar),
    responseAttributes: r.vec(SERDE_SCALAR_BYTES, readScalar),
  };
}
