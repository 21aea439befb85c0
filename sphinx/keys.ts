/**
 * Per-hop key schedule: the 288-byte expansion of the X25519 shared secret, and payload keys
 * (`wire-format.md` §2.4, §2.5).
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import {
  EXPANDED_SHARED_SECRET_LENGTH,
  expectsLegacyFullPayloadKeys,
  HKDF_INFO,
  PAYLOAD_KEY_HKDF_INFO,
  PAYLOAD_KEY_HKDF_SALT,
  PAYLOAD_KEY_SEED_SIZE,
  PAYLOAD_KEY_SIZE,
} from "./constants.ts";

const EMPTY = new Uint8Array(0);

/**
 * The 288 bytes `HKDF-SHA256(salt = "", ikm = s, info = HKDF_INFO)`, viewed as its parts. The
 * order of the parts is fixed for backward compatibility, which is why the replay tag is last.
 */
export class ExpandedSharedSecret {
  /** All 288 bytes. */
  readonly bytes: Uint8Array;

  /**
   * Wraps 288 expanded bytes.
   *
   * @example
   * ```ts
   * import { ExpandedSharedSecret } from "./keys.ts";
   * new ExpandedSharedSecret(new Uint8Array(288)).replayTag.length; // 32
   * ```
   */
  constructor(bytes: Uint8Array) {
    if (bytes.length !== EXPANDED_SHARED_SECRET_LENGTH) {
      throw new RangeError(`expanded shared secret must be ${EXPANDED_SHARED_SECRET_LENGTH} bytes`);
    }
    this.bytes = bytes;
  }
  /** ρ: AES-128-CTR key for the routing information. */
  get streamCipherKey(): Uint8Array {
    return this.bytes.subarray(0, 16);
  }
  /** μ: HMAC-SHA256 key for γ. */
  get headerMacKey(): Uint8Array {
    return this.bytes.subarray(16, 32);
  }
  /** The 192-byte Lioness key of versions 1, 257 and 258. */
  get legacyPayloadKey(): Uint8Array {
    return this.bytes.subarray(32, 32 + PAYLOAD_KEY_SIZE);
  }
  /** The 16-byte payload key seed of version 259 (overlaps the legacy key). */
  get payloadKeySeed(): Uint8Array {
    return this.bytes.subarray(32, 32 + PAYLOAD_KEY_SEED_SIZE);
  }
  /** The blinding factor for α. */
  get blindingFactor(): Uint8Array {
    return this.bytes.subarray(224, 256);
  }
  /** The replay tag nodes put in their replay filters. */
  get replayTag(): Uint8Array {
    return this.bytes.subarray(256, 288);
  }
}

/**
 * Expands an X25519 shared secret into the per-hop keys.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { expandSharedSecret } from "./keys.ts";
 * const e = expandSharedSecret(createCryptoProvider(), new Uint8Array(32));
 * e.streamCipherKey.length; // 16
 * ```
 */
export function expandSharedSecret(
  crypto: CryptoProvider,
  sharedSecret: Uint8Array,
): ExpandedSharedSecret {
  return new ExpandedSharedSecret(
    crypto.hkdfSha256(sharedSecret, EMPTY, HKDF_INFO, EXPANDED_SHARED_SECRET_LENGTH),
  );
}

/**
 * Derives a 192-byte Lioness key from a version-259 seed.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { derivePayloadKey } from "./keys.ts";
 * derivePayloadKey(createCryptoProvider(), new Uint8Array(16)).length; // 192
 * ```
 */
export function derivePayloadKey(crypto: CryptoProvider, seed: Uint8Array): Uint8Array {
  if (seed.length !== PAYLOAD_KEY_SEED_SIZE) {
    throw new RangeError("payload key seed must be 16 bytes");
  }
  return crypto.hkdfSha256(seed, PAYLOAD_KEY_HKDF_SALT, PAYLOAD_KEY_HKDF_INFO, PAYLOAD_KEY_SIZE);
}

/**
 * The Lioness key a hop uses for `version`, picked by the version in its own routing layer.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { expandSharedSecret, payloadKeyFor } from "./keys.ts";
 * const c = createCryptoProvider();
 * payloadKeyFor(c, expandSharedSecret(c, new Uint8Array(32)), 258).length; // 192
 * ```
 */
export function payloadKeyFor(
  crypto: CryptoProvider,
  expanded: ExpandedSharedSecret,
  version: number,
): Uint8Array {
  return expectsLegacyFullPayloadKeys(version)
    ? expanded.legacyPayloadKey
    : derivePayloadKey(crypto, expanded.payloadKeySeed);
}
