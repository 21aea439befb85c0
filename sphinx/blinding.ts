/**
 * Blinding of α between hops and the sender's derivation of per-hop shared secrets
 * (`wire-format.md` §2.6).
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import {
  clampedScalar,
  clampFreeScalarFor,
  GROUP_ORDER,
  montgomeryLadder,
  scalarFromBytesModOrder,
  scalarMul,
} from "./scalar.ts";

const BASE_POINT = (() => {
  const b = new Uint8Array(32);
  b[0] = 9;
  return b;
})();

/**
 * Current blinding (versions ≥ 258): `X25519(blinding_factor, α)` with the usual clamping.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { blindAlpha } from "./blinding.ts";
 * const c = createCryptoProvider();
 * blindAlpha(c, new Uint8Array(32).fill(1), c.x25519Base(new Uint8Array(32).fill(2)));
 * ```
 */
export function blindAlpha(
  crypto: CryptoProvider,
  blindingFactor: Uint8Array,
  alpha: Uint8Array,
): Uint8Array {
  return crypto.x25519(blindingFactor, alpha);
}

/**
 * Multiplies a Montgomery point by an arbitrary scalar k (mod ℓ), x-only, using native X25519
 * through the clamp-free trick of `scalar.ts`, with a pure fallback.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { multiplyUnclamped } from "./blinding.ts";
 * const nine = new Uint8Array(32); nine[0] = 9;
 * multiplyUnclamped(createCryptoProvider(), 5n, nine);
 * ```
 */
export function multiplyUnclamped(
  crypto: CryptoProvider,
  k: bigint,
  point: Uint8Array,
): Uint8Array {
  const scalar = clampFreeScalarFor(k);
  if (scalar === null) return montgomeryLadder(k, point);
  return crypto.x25519(scalar, point);
}

/**
 * Legacy blinding (versions 1 and 257, sphinx ≤ 0.5 `legacy_blind_shared_secret`):
 * `Scalar::from_bytes_mod_order(blinding_factor) * α` with no clamping.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { legacyBlindAlpha } from "./blinding.ts";
 * const c = createCryptoProvider();
 * legacyBlindAlpha(c, new Uint8Array(32).fill(3), c.x25519Base(new Uint8Array(32).fill(4)));
 * ```
 */
export function legacyBlindAlpha(
  crypto: CryptoProvider,
  blindingFactor: Uint8Array,
  alpha: Uint8Array,
): Uint8Array {
  return multiplyUnclamped(crypto, scalarFromBytesModOrder(blindingFactor), alpha);
}

/**
 * Tracks the sender's accumulated blinding scalar so each hop's shared secret costs one X25519
 * instead of one per previous hop: the product of all scalars so far, modulo ℓ.
 *
 * Current versions multiply *clamped* scalars (X25519 folds); legacy versions multiply scalars
 * reduced modulo ℓ without clamping (`KeyMaterial::derive_legacy`).
 */
export class SenderKeyAccumulator {
  #product: bigint;
  readonly #legacy: boolean;
  readonly #crypto: CryptoProvider;
  readonly #initialSecret: Uint8Array;

  /**
   * Starts from the sender's initial secret.
   *
   * @example
   * ```ts
   * import { createCryptoProvider } from "../crypto/mod.ts";
   * import { SenderKeyAccumulator } from "./blinding.ts";
   * const acc = new SenderKeyAccumulator(createCryptoProvider(), new Uint8Array(32).fill(7), false);
   * acc.initialAlpha();
   * ```
   */
  constructor(crypto: CryptoProvider, initialSecret: Uint8Array, legacy: boolean) {
    this.#crypto = crypto;
    this.#legacy = legacy;
    this.#initialSecret = initialSecret;
    this.#product = legacy
      ? scalarFromBytesModOrder(initialSecret)
      : clampedScalar(initialSecret) % GROUP_ORDER;
  }

  /** α written into the header: `[x]G` (clamped x, or x mod ℓ for legacy). */
  initialAlpha(): Uint8Array {
    return this.#legacy
      ? multiplyUnclamped(this.#crypto, this.#product, BASE_POINT)
      : this.#crypto.x25519Base(this.#initialSecret);
  }

  /** The shared secret with a node whose public key is `nodePublicKey`. */
  sharedSecretWith(nodePublicKey: Uint8Array): Uint8Array {
    return multiplyUnclamped(this.#crypto, this.#product, nodePublicKey);
  }

  /** Folds in a hop's blinding factor. */
  absorb(blindingFactor: Uint8Array): void {
    const factor = this.#legacy
      ? scalarFromBytesModOrder(blindingFactor)
      : clampedScalar(blindingFactor) % GROUP_ORDER;
    this.#product = scalarMul(this.#product, factor);
  }
}
