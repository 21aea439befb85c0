/**
 * User keys: sk_u ∈ F_r and pk_u = g1^{sk_u} (upstream `SecretKeyUser`, `PublicKeyUser`,
 * `KeyPairUser` in `scheme/keygen.rs`). The public key is what double-spend identification
 * reveals.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { EcashDecodeError } from "./errors.ts";
import { G1_BYTES, g1FromBytes, type G1Point, g1ToBytes, mulSecret } from "./group.ts";
import { hashToScalar } from "./hash.ts";
import type { EcashParameters } from "./params.ts";
import { randomScalar, type Scalar, scalarFromBytes, scalarToBytes } from "./scalar.ts";

/** A user's secret key. */
export interface SecretKeyUser {
  /** sk_u. */
  readonly sk: Scalar;
}

/** A user's public key. */
export interface PublicKeyUser {
  /** pk_u = g1^{sk_u}. */
  readonly pk: G1Point;
}

/** A user key pair. */
export interface KeyPairUser {
  /** The secret key. */
  readonly secretKey: SecretKeyUser;
  /** The public key. */
  readonly publicKey: PublicKeyUser;
}

/**
 * The public key of a secret key.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { publicKeyOf } from "./keys_user.ts";
 * publicKeyOf(setup(), { sk: 1n }).pk.equals(setup().g1); // true
 * ```
 */
export function publicKeyOf(params: EcashParameters, sk: SecretKeyUser): PublicKeyUser {
  return { pk: mulSecret(params.g1, sk.sk) };
}

/**
 * A fresh random user key pair.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { generateUserKeypair } from "./keys_user.ts";
 * import { seededRandom } from "../crypto/random.ts";
 * const kp = generateUserKeypair(setup(), seededRandom(new Uint8Array(32)));
 * ```
 */
export function generateUserKeypair(params: EcashParameters, random: RandomSource): KeyPairUser {
  const secretKey = { sk: randomScalar(random) };
  return { secretKey, publicKey: publicKeyOf(params, secretKey) };
}

/**
 * A deterministic key pair from a seed: sk_u = hash_to_scalar(seed) (upstream
 * `generate_keypair_user_from_seed`; Nym's clients seed it with their ed25519 secret key).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { userKeypairFromSeed } from "./keys_user.ts";
 * const kp = userKeypairFromSeed(setup(), new Uint8Array(32));
 * ```
 */
export function userKeypairFromSeed(params: EcashParameters, seed: Uint8Array): KeyPairUser {
  const secretKey = { sk: hashToScalar(seed) };
  return { secretKey, publicKey: publicKeyOf(params, secretKey) };
}

/**
 * Encodes a user secret key (32 bytes LE).
 *
 * @example
 * ```ts
 * import { encodeSecretKeyUser } from "./keys_user.ts";
 * encodeSecretKeyUser({ sk: 5n })[0]; // 5
 * ```
 */
export function encodeSecretKeyUser(sk: SecretKeyUser): Uint8Array {
  return scalarToBytes(sk.sk);
}

/**
 * Decodes a user secret key.
 *
 * @example
 * ```ts
 * import { decodeSecretKeyUser, encodeSecretKeyUser } from "./keys_user.ts";
 * decodeSecretKeyUser(encodeSecretKeyUser({ sk: 5n })).sk; // 5n
 * ```
 */
export function decodeSecretKeyUser(bytes: Uint8Array): SecretKeyUser {
  return { sk: scalarFromBytes(bytes, "SecretKeyUser") };
}

/**
 * Encodes a user public key (48-byte compressed G1).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { encodePublicKeyUser } from "./keys_user.ts";
 * encodePublicKeyUser({ pk: setup().g1 }).length; // 48
 * ```
 */
export function encodePublicKeyUser(pk: PublicKeyUser): Uint8Array {
  return g1ToBytes(pk.pk);
}

/**
 * Decodes a user public key.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { decodePublicKeyUser, encodePublicKeyUser } from "./keys_user.ts";
 * const g1 = setup().g1;
 * decodePublicKeyUser(encodePublicKeyUser({ pk: g1 })).pk.equals(g1); // true
 * ```
 */
export function decodePublicKeyUser(bytes: Uint8Array): PublicKeyUser {
  return { pk: g1FromBytes(bytes, "PublicKeyUser") };
}

/**
 * Encodes a key pair: secret key (32) ‖ public key (48) (upstream `KeyPairUser::to_bytes`).
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { encodeKeyPairUser, userKeypairFromSeed } from "./keys_user.ts";
 * encodeKeyPairUser(userKeypairFromSeed(setup(), new Uint8Array(1))).length; // 80
 * ```
 */
export function encodeKeyPairUser(kp: KeyPairUser): Uint8Array {
  const out = new Uint8Array(32 + G1_BYTES);
  out.set(encodeSecretKeyUser(kp.secretKey), 0);
  out.set(encodePublicKeyUser(kp.publicKey), 32);
  return out;
}

/**
 * Decodes {@linkcode encodeKeyPairUser}'s layout. Like upstream it does not check that the two
 * halves match.
 *
 * @example
 * ```ts
 * import { setup } from "./params.ts";
 * import { decodeKeyPairUser, encodeKeyPairUser, userKeypairFromSeed } from "./keys_user.ts";
 * const kp = userKeypairFromSeed(setup(), new Uint8Array(1));
 * decodeKeyPairUser(encodeKeyPairUser(kp)).secretKey.sk === kp.secretKey.sk; // true
 * ```
 */
export function decodeKeyPairUser(bytes: Uint8Array): KeyPairUser {
  if (bytes.length !== 32 + G1_BYTES) {
    throw new EcashDecodeError("KeyPairUser", "length", `expected 80 bytes, got ${bytes.length}`);
  }
  return {
    secretKey: decodeSecretKeyUser(bytes.subarray(0, 32)),
    publicKey: decodePublicKeyUser(bytes.subarray(32)),
  };
}
