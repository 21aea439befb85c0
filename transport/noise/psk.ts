/**
 * Nym's Noise versions and PSK derivation (`wire-format.md` §5, `nym-node.md` §3.1). The PSK
 * depends only on the responder's static key, so it is public knowledge: it binds the session
 * to the protocol version and key rather than adding secrecy.
 *
 * @module
 */
import type { CryptoProvider } from "../../crypto/provider.ts";
import { UnknownNoiseVersionError } from "./errors.ts";
import { requireKeyLength } from "./keys.ts";

/** Noise version 1, the only one defined (`NoiseVersion::V1`). */
export const NOISE_VERSION_V1 = 1;
/** The highest version this implementation speaks (`LATEST_NOISE_VERSION`). */
export const LATEST_NOISE_VERSION: number = NOISE_VERSION_V1;

/** The ASCII prefix of the version-1 PSK preimage (upstream `NOISE_PSK_PREFIX`). */
export const NOISE_PSK_PREFIX_V1 = "NYMTECH_NOISE_dQw4w9WgXcQ";
const PREFIX_BYTES = new TextEncoder().encode(NOISE_PSK_PREFIX_V1);

/**
 * Whether `version` is one this implementation can run a handshake for.
 *
 * @example
 * ```ts
 * import { isSupportedNoiseVersion } from "./psk.ts";
 * isSupportedNoiseVersion(1); // true
 * isSupportedNoiseVersion(2); // false
 * ```
 */
export function isSupportedNoiseVersion(version: number): boolean {
  return version === NOISE_VERSION_V1;
}

/**
 * The PSK for `version`: V1 is `SHA-256("NYMTECH_NOISE_dQw4w9WgXcQ" ‖ responder_static_pub)`.
 * Any other version throws {@linkcode UnknownNoiseVersionError} (upstream
 * `PskGenerationFailure`).
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../../crypto/mod.ts";
 * import { deriveNymNoisePsk } from "./psk.ts";
 * deriveNymNoisePsk(createCryptoProvider(), new Uint8Array(32), 1).length; // 32
 * ```
 */
export function deriveNymNoisePsk(
  crypto: CryptoProvider,
  responderStaticPublicKey: Uint8Array,
  version: number,
): Uint8Array {
  if (!isSupportedNoiseVersion(version)) throw new UnknownNoiseVersionError(version);
  requireKeyLength("responder static public key", responderStaticPublicKey);
  const preimage = new Uint8Array(PREFIX_BYTES.length + 32);
  preimage.set(PREFIX_BYTES, 0);
  preimage.set(responderStaticPublicKey, PREFIX_BYTES.length);
  return crypto.sha256(preimage);
}
