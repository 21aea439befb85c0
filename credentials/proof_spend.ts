/**
 * The spend zero-knowledge proof (upstream `proofs/proof_spend.rs`): one Fiat–Shamir proof that
 * ties κ (wallet signature), κ_e (today's date signature), the commitments C = g1^{o_c}·γ₂^{v} and
 * A_k = g1^{o_a,k}·γ₂^{l_k}, the serial numbers S_k = δ^{μ_k} and the double-spend tags
 * T_k = g1^{sk}·g1^{R_k·μ_k}, with μ_k = 1/(v + l_k + 1).
 *
 * Challenge: SHA-256 over g1 ‖ g2 ‖ γ₁..γ₄ ‖ vk bytes ‖ bincode(instance) ‖ T_κ ‖ T_κe ‖ T_C ‖
 * T_A[] ‖ T_S[] ‖ T_κk[] ‖ T_γ[] ‖ T_T[] ‖ PayInfo (72) ‖ spend value (u64 LE), reduced as in
 * credentials-anchors.md §A.2 item 2. The instance is κ ‖ C ‖ Vec<A> ‖ Vec<S> ‖ Vec<T> ‖ Vec<κ_k>
 * ‖ κ_e, each point a serde byte array (`0x30 ‖ G1`, `0x60 ‖ G2`).
 *
 * Upstream quirk kept for wire compatibility: the prover never fills the κ_k witnesses, so
 * `responses_r_k` is empty and T_κk[] contributes nothing; the verifier, like upstream's, zips
 * whatever it receives, so a proof that does include them also verifies.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import type { BincodeReader, BincodeWriter } from "./bincode.ts";
import { BincodeWriter as Writer } from "./bincode.ts";
import { type G1Point, g1ToBytes, type G2Point, g2ToBytes, mulPublic, mulSecret } from "./group.ts";
import { computeChallenge } from "./hash.ts";
import type { EcashParameters } from "./params.ts";
import type { PreparedVerificationKey } from "./prepared_key.ts";
import { add, mul, randomScalar, randomScalars, type Scalar, sub } from "./scalar.ts";
import { readScalar, SERDE_SCALAR_BYTES, writeG1, writeG2, writeScalar } from "./serde_codec.ts";

/** The public statement of the spend proof. */
export interface SpendInstance {
  /** κ = g2^r·α·β₁^{sk}·β₂^{v}·β₃^{exp}. */
  readonly kappa: G2Point;
  /** C = g1^{o_c}·γ₂^{v}. */
  readonly cc: G1Point;
  /** A_k = g1^{o_a,k}·γ₂^{l_k}. */
  readonly aa: readonly G1Point[];
  /** Serial numbers S_k. */
  readonly ss: readonly G1Point[];
  /** Double-spend tags T_k. */
  readonly tt: readonly G1Point[];
  /** κ_k = g2^{r_k}·α·β₁^{l_k}. */
  readonly kappaK: readonly G2Point[];
  /** κ_e = g2^{r_e}·α·β₁^{exp}. */
  readonly kappaE: G2Point;
}

/** The secrets behind a {@linkcode SpendInstance}. */
export interface SpendWitness {
  /** (sk, v, exp). */
  readonly attributes: readonly Scalar[];
  /** Wallet signature blinding r. */
  readonly r: Scalar;
  /** Date signature blinding r_e. */
  readonly rE: Scalar;
  /** o_c. */
  readonly oC: Scalar;
  /** Coin indices l_k. */
  readonly lk: readonly Scalar[];
  /** o_a,k. */
  readonly oA: readonly Scalar[];
  /** μ_k. */
  readonly mu: readonly Scalar[];
  /** o_μ,k = −(o_a,k + o_c)·μ_k. */
  readonly oMu: readonly Scalar[];
  /** Coin signature blindings r_k (empty in upstream's prover). */
  readonly rK: readonly Scalar[];
}

/** The proof as it travels inside a payment. */
export interface SpendProof {
  /** c. */
  readonly challenge: Scalar;
  /** Response for r. */
  readonly responseR: Scalar;
  /** Response for r_e. */
  readonly responseRE: Scalar;
  /** Responses for r_k (empty from upstream clients). */
  readonly responsesRK: readonly Scalar[];
  /** Responses for l_k. */
  readonly responsesL: readonly Scalar[];
  /** Responses for o_a,k. */
  readonly responsesOA: readonly Scalar[];
  /** Response for o_c. */
  readonly responseOC: Scalar;
  /** Responses for μ_k. */
  readonly responsesMu: readonly Scalar[];
  /** Responses for o_μ,k. */
  readonly responsesOMu: readonly Scalar[];
  /** Responses for (sk, v, exp). */
  readonly responsesAttributes: readonly Scalar[];
}

/**
 * bincode of the instance, as absorbed by the challenge.
 *
 * @example
 * ```ts
 * // encodeSpendInstance(instance).length; // 97+49+3·50+98+97 = 491 for one ticket
 * ```
 */
export function encodeSpendInstance(instance: SpendInstance): Uint8Array {
  const w = new Writer();
  writeG2(w, instance.kappa);
  writeG1(w, instance.cc);
  w.vec(instance.aa, writeG1).vec(instance.ss, writeG1).vec(instance.tt, writeG1)
    .vec(instance.kappaK, writeG2);
  writeG2(w, instance.kappaE);
  return w.finish();
}

interface Commitments {
  readonly kappa: G2Point;
  readonly kappaE: G2Point;
  readonly cc: G1Point;
  readonly aa: readonly G1Point[];
  readonly ss: readonly G1Point[];
  readonly kappaK: readonly G2Point[];
  readonly gamma: readonly G1Point[];
  readonly tt: readonly G1Point[];
}

function spendValueBytes(spendValue: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(spendValue), true);
  return out;
}

function challengeOf(
  params: EcashParameters,
  vk: PreparedVerificationKey,
  instanceBytes: Uint8Array,
  t: Commitments,
  payInfo: Uint8Array,
  spendValue: number,
): Scalar {
  return computeChallenge([
    params.g1Bytes,
    params.g2Bytes,
    params.gammasBytes,
    vk.bytes,
    instanceBytes,
    g2ToBytes(t.kappa),
    g2ToBytes(t.kappaE),
    g1ToBytes(t.cc),
    ...t.aa.map(g1ToBytes),
    ...t.ss.map(g1ToBytes),
    ...t.kappaK.map(g2ToBytes),
    ...t.gamma.map(g1ToBytes),
    ...t.tt.map(g1ToBytes),
    payInfo,
    spendValueBytes(spendValue),
  ]);
}

/**
 * Proves a spend. `rr` are the R_k = H(PayInfo ‖ k) values.
 *
 * @example
 * ```ts
 * // spend.ts builds the instance and witness and calls this.
 * ```
 */
export function proveSpend(
  params: EcashParameters,
  vk: PreparedVerificationKey,
  instance: SpendInstance,
  witness: SpendWitness,
  rr: readonly Scalar[],
  payInfo: Uint8Array,
  spendValue: number,
  random: RandomSource,
): SpendProof {
  const g1 = params.g1;
  const g2 = params.g2;
  const gamma2 = params.gammas[1];
  const [b0] = vk.betaG2;
  const rAttr = randomScalars(random, witness.attributes.length);
  const rR = randomScalar(random);
  const rRE = randomScalar(random);
  const rOC = randomScalar(random);
  const rRK = randomScalars(random, witness.rK.length);
  const rL = randomScalars(random, witness.lk.length);
  const rOA = randomScalars(random, witness.oA.length);
  const rMu = randomScalars(random, witness.mu.length);
  const rOMu = randomScalars(random, witness.oMu.length);

  let tKappa = mulSecret(g2, rR).add(vk.alpha);
  rAttr.forEach((r, i) => tKappa = tKappa.add(mulSecret(vk.betaG2[i], r)));
  const t: Commitments = {
    kappa: tKappa,
    cc: mulSecret(g1, rOC).add(mulSecret(gamma2, rAttr[1])),
    kappaE: mulSecret(g2, rRE).add(vk.alpha).add(mulSecret(b0, rAttr[2])),
    aa: rOA.map((o, k) => mulSecret(g1, o).add(mulSecret(gamma2, rL[k]))),
    kappaK: rRK.map((rk, k) => vk.alpha.add(mulSecret(b0, rL[k])).add(mulSecret(g2, rk))),
    ss: rMu.map((m) => mulSecret(params.delta, m)),
    tt: rMu.map((m, k) => mulSecret(g1, add(rAttr[0], mul(rr[k], m)))),
    gamma: rMu.map((m, k) =>
      mulSecret(instance.aa[k].add(instance.cc).add(gamma2), m).add(mulSecret(g1, rOMu[k]))
    ),
  };
  const c = challengeOf(params, vk, encodeSpendInstance(instance), t, payInfo, spendValue);
  const respond = (r: Scalar, w: Scalar) => sub(r, mul(c, w));
  const respondAll = (rs: readonly Scalar[], ws: readonly Scalar[]) =>
    rs.map((r, i) => respond(r, ws[i]));
  return {
    challenge: c,
    responseR: respond(rR, witness.r),
    responseRE: respond(rRE, witness.rE),
    responsesRK: respondAll(rRK, witness.rK),
    responsesL: respondAll(rL, witness.lk),
    responsesOA: respondAll(rOA, witness.oA),
    responseOC: respond(rOC, witness.oC),
    responsesMu: respondAll(rMu, witness.mu),
    responsesOMu: respondAll(rOMu, witness.oMu),
    responsesAttributes: respondAll(rAttr, witness.attributes),
  };
}

/**
 * Verifies a spend proof by recomputing every commitment and the challenge. The caller has
 * checked the vector lengths (see `payment.ts`). `instanceBytes` may be passed when already
 * encoded.
 *
 * @example
 * ```ts
 * // payment.ts verifyPayment() calls this.
 * ```
 */
export function verifySpendProof(
  params: EcashParameters,
  vk: PreparedVerificationKey,
  instance: SpendInstance,
  proof: SpendProof,
  rr: readonly Scalar[],
  payInfo: Uint8Array,
  spendValue: number,
  instanceBytes: Uint8Array = encodeSpendInstance(instance),
): boolean {
  const c = proof.challenge;
  const g1 = params.g1;
  const g2 = params.g2;
  const gamma2 = params.gammas[1];
  const [b0] = vk.betaG2;
  const oneMinusC = sub(1n, c);
  const attrs = proof.responsesAttributes;
  if (attrs.length !== 3) return false;

  // Fixed bases (generators, key elements) use their window tables; variable bases share one
  // Strauss–Shamir chain where there are several.
  // α·(1 − c) appears in T_κ, T_κe and every T_κk: compute it once.
  const alphaTerm = mulPublic(vk.alpha, oneMinusC);
  let tKappa = mulPublic(instance.kappa, c).add(alphaTerm).add(mulPublic(g2, proof.responseR));
  attrs.forEach((r, i) => tKappa = tKappa.add(mulPublic(vk.betaG2[i], r)));
  const kappaE = mulPublic(instance.kappaE, c).add(alphaTerm)
    .add(mulPublic(b0, attrs[2])).add(mulPublic(g2, proof.responseRE));
  const cc = mulPublic(g1, proof.responseOC).add(mulPublic(gamma2, attrs[1]))
    .add(mulPublic(instance.cc, c));
  const n = Math.min(proof.responsesOA.length, proof.responsesL.length, instance.aa.length);
  const aa: G1Point[] = [];
  for (let k = 0; k < n; k++) {
    aa.push(
      mulPublic(g1, proof.responsesOA[k]).add(mulPublic(gamma2, proof.responsesL[k]))
        .add(mulPublic(instance.aa[k], c)),
    );
  }
  const ss = proof.responsesMu.slice(0, instance.ss.length).map((m, k) =>
    mulPublic(params.delta, m).add(mulPublic(instance.ss[k], c))
  );
  const nt = Math.min(proof.responsesMu.length, rr.length, instance.tt.length);
  const tt: G1Point[] = [];
  for (let k = 0; k < nt; k++) {
    tt.push(
      mulPublic(g1, add(attrs[0], mul(rr[k], proof.responsesMu[k])))
        .add(mulPublic(instance.tt[k], c)),
    );
  }
  const ng = Math.min(instance.aa.length, proof.responsesMu.length, proof.responsesOMu.length);
  const gamma: G1Point[] = [];
  for (let k = 0; k < ng; k++) {
    const base = instance.aa[k].add(instance.cc).add(gamma2);
    gamma.push(
      mulPublic(base, proof.responsesMu[k]).add(mulPublic(g1, proof.responsesOMu[k]))
        .add(mulPublic(gamma2, c)),
    );
  }
  const nk = Math.min(instance.kappaK.length, proof.responsesRK.length, proof.responsesL.length);
  const kappaK: G2Point[] = [];
  for (let k = 0; k < nk; k++) {
    kappaK.push(
      mulPublic(instance.kappaK[k], c).add(mulPublic(g2, proof.responsesRK[k]))
        .add(alphaTerm).add(mulPublic(b0, proof.responsesL[k])),
    );
  }
  const t: Commitments = { kappa: tKappa, kappaE, cc, aa, ss, kappaK, gamma, tt };
  return challengeOf(params, vk, instanceBytes, t, payInfo, spendValue) === c;
}

const scalarOf = readScalar;
const scalarVec = (r: BincodeReader) => r.vec(SERDE_SCALAR_BYTES, readScalar);

/**
 * Writes the proof's bincode: c ‖ r_r ‖ r_re ‖ Vec r_rk ‖ Vec r_l ‖ Vec r_oa ‖ r_oc ‖ Vec r_mu ‖
 * Vec r_omu ‖ Vec r_attr.
 *
 * @example
 * ```ts
 * // writeSpendProof(writer, proof);
 * ```
 */
export function writeSpendProof(w: BincodeWriter, p: SpendProof): void {
  const s = writeScalar;
  s(w, p.challenge);
  s(w, p.responseR);
  s(w, p.responseRE);
  w.vec(p.responsesRK, s).vec(p.responsesL, s).vec(p.responsesOA, s);
  s(w, p.responseOC);
  w.vec(p.responsesMu, s).vec(p.responsesOMu, s).vec(p.responsesAttributes, s);
}

/**
 * Reads {@linkcode writeSpendProof}'s layout.
 *
 * @example
 * ```ts
 * // const proof = readSpendProof(reader);
 * ```
 */
export function readSpendProof(r: BincodeReader): SpendProof {
  return {
    challenge: scalarOf(r),
    responseR: scalarOf(r),
    responseRE: scalarOf(r),
    responsesRK: scalarVec(r),
    responsesL: scalarVec(r),
    responsesOA: scalarVec(r),
    responseOC: scalarOf(r),
    responsesMu: scalarVec(r),
    responsesOMu: scalarVec(r),
    responsesAttributes: scalarVec(r),
  };
}
