/**
 * Signing-authority keys: secret key (x, y₁..y_q), verification key (α = g2ˣ, β_G1 = g1^y,
 * β_G2 = g2^y), trusted-dealer t-of-n key generation, and the byte layouts of upstream
 * `scheme/keygen.rs` (credentials-anchors.md §A.1, §A.3). The production DKG is out of scope.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { ATTRIBUTES } from "./constants.ts";
import { EcashArgumentError, EcashDecodeError } from "./errors.ts";
import {
  G1_BYTES,
  g1FromBytes,
  type G1Point,
  g1ToBytes,
  G2_BYTES,
  g2FromBytes,
  type G2Point,
  g2ToBytes,
  mulSecret,
} from "./group.ts";
import { evaluatePolynomial, type SignerIndex } from "./lagrange.ts";
import type { EcashParameters } from "./params.ts";
import { randomScalars, type Scalar, scalarFromBytes, scalarToBytes } from "./scalar.ts";

/** A signer's secret key share: x and one y per attribute. */
export interface SecretKeyAuth {
  /** Secret for α. */
  readonly x: Scalar;
  /** Secrets for the βs, at least {@linkcode ATTRIBUTES} of them. */
  readonly ys: readonly Scalar[];
}

/** A signer's (or the aggregated master) verification key. */
export interface VerificationKeyAuth {
  /** α = g2ˣ. */
  readonly alpha: G2Point;
  /** β_G1,j = g1^{y_j} (needed to unblind). */
  readonly betaG1: readonly G1Point[];
  /** β_G2,j = g2^{y_j}. */
  readonly betaG2: readonly G2Point[];
}

/** A signer's key pair with its polynomial evaluation point. */
export interface KeyPairAuth {
  /** The secret share. */
  readonly secretKey: SecretKeyAuth;
  /** Its verification key. */
  readonly verificationKey: VerificationKeyAuth;
  /** The evaluation point of the share, used as the Lagrange index when aggregating. */
  readonly index: SignerIndex;
}

/**
 * Derives the verification key of a secret key.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { verificationKeyOf } from "./keys_auth.ts";
 * const params = setup();
 * const vk = verificationKeyOf(params, { x: 1n, ys: [2n, 3n, 4n, 5n] });
 * vk.betaG2.length; // 4
 * ```
 */
export function verificationKeyOf(params: EcashParameters, sk: SecretKeyAuth): VerificationKeyAuth {
  return {
    alpha: mulSecret(params.g2, sk.x),
    betaG1: sk.ys.map((y) => mulSecret(params.g1, y)),
    betaG2: sk.ys.map((y) => mulSecret(params.g2, y)),
  };
}

/**
 * Trusted-dealer key generation: random polynomials of degree t−1 for x and each y; signer i
 * (1..n) gets their evaluations at i. Any t shares interpolate the master key, which is never
 * formed. Keys carry {@linkcode ATTRIBUTES} `y`s, the shape the production DKG deals
 * (`DEFAULT_DEALINGS = 5`: x and four ys).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { ttpKeygen } from "./keys_auth.ts";
 * import { seededRandom } from "../crypto/random.ts";
 * const keys = ttpKeygen(setup(), 2, 3, seededRandom(new Uint8Array(32)));
 * keys.map((k) => k.index); // [1, 2, 3]
 * ```
 */
export function ttpKeygen(
  params: EcashParameters,
  threshold: number,
  authorities: number,
  random: RandomSource,
): KeyPairAuth[] {
  if (!Number.isSafeInteger(threshold) || !Number.isSafeInteger(authorities)) {
    throw new EcashArgumentError("threshold and authorities must be integers");
  }
  if (threshold < 1 || threshold > authorities) {
    throw new EcashArgumentError(`threshold must be in 1..${authorities}, got ${threshold}`);
  }
  const v = randomScalars(random, threshold);
  const ws = Array.from({ length: ATTRIBUTES }, () => randomScalars(random, threshold));
  return Array.from({ length: authorities }, (_, i) => {
    const index = i + 1;
    const at = BigInt(index);
    const secretKey: SecretKeyAuth = {
      x: evaluatePolynomial(v, at),
      ys: ws.map((w) => evaluatePolynomial(w, at)),
    };
    return { secretKey, verificationKey: verificationKeyOf(params, secretKey), index };
  });
}

function u64le(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

function readU64le(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0, true);
}

/**
 * Encodes a secret key: x (32 B LE) ‖ u64 LE count ‖ ys (32 B LE each) — upstream
 * `SecretKeyAuth::to_bytes`, also the PEM payload `ECASH SECRET KEY`.
 *
 * @example
 * ```ts
 * import { encodeSecretKeyAuth } from "./keys_auth.ts";
 * encodeSecretKeyAuth({ x: 1n, ys: [2n, 3n, 4n, 5n] }).length; // 168
 * ```
 */
export function encodeSecretKeyAuth(sk: SecretKeyAuth): Uint8Array {
  const out = new Uint8Array(40 + 32 * sk.ys.length);
  out.set(scalarToBytes(sk.x), 0);
  out.set(u64le(sk.ys.length), 32);
  sk.ys.forEach((y, i) => out.set(scalarToBytes(y), 40 + 32 * i));
  return out;
}

/**
 * Decodes {@linkcode encodeSecretKeyAuth}'s layout.
 *
 * @example
 * ```ts
 * import { decodeSecretKeyAuth, encodeSecretKeyAuth } from "./keys_auth.ts";
 * decodeSecretKeyAuth(encodeSecretKeyAuth({ x: 1n, ys: [2n] })).ys; // [2n]
 * ```
 */
export function decodeSecretKeyAuth(bytes: Uint8Array): SecretKeyAuth {
  const what = "SecretKeyAuth";
  if (bytes.length < 72 || (bytes.length - 40) % 32 !== 0) {
    throw new EcashDecodeError(what, "length", `bad length ${bytes.length}`);
  }
  const count = readU64le(bytes, 32);
  const actual = (bytes.length - 40) / 32;
  if (count !== BigInt(actual)) {
    throw new EcashDecodeError(what, "length", `declares ${count} ys, holds ${actual}`);
  }
  const x = scalarFromBytes(bytes.subarray(0, 32), what);
  const ys = Array.from(
    { length: actual },
    (_, i) => scalarFromBytes(bytes.subarray(40 + 32 * i, 72 + 32 * i), what),
  );
  return { x, ys };
}

/**
 * Encodes a verification key: α (96) ‖ u64 LE count ‖ β_G1s (48 each) ‖ β_G2s (96 each) —
 * upstream `VerificationKeyAuth::to_bytes`, which is also what challenges and coin-index
 * hashes absorb and what nym-api serves in base58.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { encodeVerificationKey, verificationKeyOf } from "./keys_auth.ts";
 * const vk = verificationKeyOf(setup(), { x: 1n, ys: [2n, 3n, 4n, 5n] });
 * encodeVerificationKey(vk).length; // 680
 * ```
 */
export function encodeVerificationKey(vk: VerificationKeyAuth): Uint8Array {
  if (vk.betaG1.length !== vk.betaG2.length) {
    throw new EcashArgumentError("verification key has different numbers of G1 and G2 betas");
  }
  const n = vk.betaG1.length;
  const out = new Uint8Array(G2_BYTES + 8 + n * (G1_BYTES + G2_BYTES));
  out.set(g2ToBytes(vk.alpha), 0);
  out.set(u64le(n), G2_BYTES);
  let o = G2_BYTES + 8;
  for (const b of vk.betaG1) {
    out.set(g1ToBytes(b), o);
    o += G1_BYTES;
  }
  for (const b of vk.betaG2) {
    out.set(g2ToBytes(b), o);
    o += G2_BYTES;
  }
  return out;
}

/**
 * Decodes {@linkcode encodeVerificationKey}'s layout (at least one β).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { decodeVerificationKey, encodeVerificationKey, verificationKeyOf } from "./keys_auth.ts";
 * const vk = verificationKeyOf(setup(), { x: 1n, ys: [2n] });
 * decodeVerificationKey(encodeVerificationKey(vk)).alpha.equals(vk.alpha); // true
 * ```
 */
export function decodeVerificationKey(bytes: Uint8Array): VerificationKeyAuth {
  const what = "VerificationKeyAuth";
  const pair = G1_BYTES + G2_BYTES;
  if (bytes.length < 2 * G2_BYTES + G1_BYTES + 8 || (bytes.length - 104) % pair !== 0) {
    throw new EcashDecodeError(what, "length", `bad length ${bytes.length}`);
  }
  const count = readU64le(bytes, G2_BYTES);
  const actual = (bytes.length - 104) / pair;
  if (count !== BigInt(actual)) {
    throw new EcashDecodeError(what, "length", `declares ${count} betas, holds ${actual}`);
  }
  const alpha = g2FromBytes(bytes.subarray(0, G2_BYTES), what);
  const betaG1: G1Point[] = [];
  const betaG2: G2Point[] = [];
  let o = 104;
  for (let i = 0; i < actual; i++, o += G1_BYTES) {
    betaG1.push(g1FromBytes(bytes.subarray(o, o + G1_BYTES), what));
  }
  for (let i = 0; i < actual; i++, o += G2_BYTES) {
    betaG2.push(g2FromBytes(bytes.subarray(o, o + G2_BYTES), what));
  }
  return { alpha, betaG1, betaG2 };
}

/**
 * Whether two verification keys are equal element by element.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { verificationKeyOf, verificationKeysEqual } from "./keys_auth.ts";
 * const params = setup();
 * const vk = verificationKeyOf(params, { x: 1n, ys: [2n] });
 * verificationKeysEqual(vk, vk); // true
 * ```
 */
export function verificationKeysEqual(a: VerificationKeyAuth, b: VerificationKeyAuth): boolean {
  return a.alpha.equals(b.alpha) &&
    a.betaG1.length === b.betaG1.length && a.betaG2.length === b.betaG2.length &&
    a.betaG1.every((p, i) => p.equals(b.betaG1[i])) &&
    a.betaG2.every((p, i) => p.equals(b.betaG2[i]));
}
