/**
 * The client↔gateway shared key: derived once in the registration handshake, persisted by both
 * sides and used for every encrypted message afterwards (`nym-node.md` §4.3, upstream
 * `common/gateway-requests/src/shared_key.rs`, `registration/handshake/state.rs`).
 *
 * ```text
 * k = HKDF-Extract-then-Expand(BLAKE3, HMAC over BLAKE3 with a 64-byte block,
 *                              salt = the client's 16-byte salt, ikm = X25519(eph, eph'),
 *                              info = empty, L = 32)
 * seal(k, nonce, m) = AES-256-GCM-SIV(k, nonce (12 B), m), no AAD, 16-byte tag appended
 * ```
 *
 * Only the AES-256-GCM-SIV key (protocol ≥ 3) is implemented; the legacy AES-128-CTR + HMAC key
 * of salt-less clients is refused during the handshake.
 *
 * The cipher is injected ({@linkcode SharedKeyCipher}, any `CryptoProvider`): this module is
 * shared with the browser client, so it must not import `node:crypto`. The gateway passes its
 * provider, whose node backend (`crypto/aes_gcm_siv.ts`: native AES + JavaScript POLYVAL) seals
 * a 1.6 KB message about 4× faster than the portable default, `@noble/ciphers`' `gcmsiv`.
 *
 * @module
 */
import { nobleAes256GcmSivOpen, nobleAes256GcmSivSeal } from "../../crypto/backends/noble.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import type { RandomSource } from "../../crypto/random.ts";
import { hkdfBlake3 } from "../../message/payload_crypto.ts";
import { SharedKeyError } from "./errors.ts";

/** Length of the shared AES-256-GCM-SIV key. */
export const SHARED_KEY_LENGTH = 32;
/** Length of an AES-256-GCM-SIV nonce. */
export const NONCE_LENGTH = 12;
/** Length of the AES-256-GCM-SIV tag appended to every ciphertext. */
export const TAG_LENGTH = 16;
/** Length of the HKDF salt the client puts in its init message (`KDF_SALT_LENGTH`). */
export const KDF_SALT_LENGTH = 16;

/**
 * The AES-256-GCM-SIV implementation used under the shared key: any {@linkcode CryptoProvider}
 * fits (`createCryptoProvider()` picks the fastest one available).
 */
export type SharedKeyCipher = Pick<CryptoProvider, "aes256GcmSivSeal" | "aes256GcmSivOpen">;

/**
 * The default {@linkcode SharedKeyCipher}: `@noble/ciphers`, pure JavaScript, runs anywhere.
 *
 * @example
 * ```ts
 * import { PORTABLE_SHARED_KEY_CIPHER } from "./shared_key.ts";
 * PORTABLE_SHARED_KEY_CIPHER.aes256GcmSivSeal(new Uint8Array(32), new Uint8Array(12), new Uint8Array(1)).length; // 17
 * ```
 */
export const PORTABLE_SHARED_KEY_CIPHER: SharedKeyCipher = Object.freeze({
  aes256GcmSivSeal: nobleAes256GcmSivSeal,
  aes256GcmSivOpen: nobleAes256GcmSivOpen,
});

function checkLength(what: string, value: Uint8Array, length: number): void {
  if (value.length !== length) {
    throw new SharedKeyError(`${what} must be ${length} bytes, got ${value.length}`);
  }
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_LENGTH) {
    // upstream SharedKeyUsageError::MalformedNonce
    throw new SharedKeyError("the provided nonce (or legacy IV) did not have the expected length");
  }
}

/**
 * Derives the shared key from our ephemeral X25519 secret, the peer's ephemeral public key and
 * the client's salt. Both sides get the same key.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../../crypto/mod.ts";
 * import { deriveSharedKey } from "./shared_key.ts";
 * const c = createCryptoProvider();
 * const a = new Uint8Array(32).fill(1), b = new Uint8Array(32).fill(2), salt = new Uint8Array(16);
 * deriveSharedKey(c, a, c.x25519Base(b), salt); // equals deriveSharedKey(c, b, c.x25519Base(a), salt)
 * ```
 * @throws {SharedKeyError} for wrong-sized inputs, or when the exchange yields the all-zero
 * secret (the peer sent a low-order point, so the key would be public).
 */
export function deriveSharedKey(
  crypto: CryptoProvider,
  ephemeralSecret: Uint8Array,
  remoteEphemeralPublic: Uint8Array,
  salt: Uint8Array,
): Uint8Array {
  checkLength("an X25519 secret key", ephemeralSecret, 32);
  checkLength("an X25519 public key", remoteEphemeralPublic, 32);
  checkLength("the HKDF salt", salt, KDF_SALT_LENGTH);
  const dh = crypto.x25519(ephemeralSecret, remoteEphemeralPublic);
  let acc = 0;
  for (let i = 0; i < dh.length; i++) acc |= dh[i];
  if (acc === 0) throw new SharedKeyError("the X25519 exchange produced the all-zero secret");
  return hkdfBlake3(dh, SHARED_KEY_LENGTH, salt);
}

/**
 * A fresh random 12-byte nonce. Every encryption under the shared key uses a new one.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { randomNonce } from "./shared_key.ts";
 * randomNonce(systemRandom).length; // 12
 * ```
 */
export function randomNonce(random: RandomSource): Uint8Array {
  const nonce = random(NONCE_LENGTH);
  checkNonce(nonce);
  return nonce;
}

/**
 * AES-256-GCM-SIV encryption without AAD; returns ciphertext ‖ tag (`plaintext.length + 16`).
 * `cipher` picks the implementation (default: the portable one); every implementation gives
 * the same bytes.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../../crypto/mod.ts";
 * import { sealWithSharedKey } from "./shared_key.ts";
 * const k = new Uint8Array(32), n = new Uint8Array(12), m = new Uint8Array(5);
 * sealWithSharedKey(k, n, m).length; // 21
 * sealWithSharedKey(k, n, m, createCryptoProvider()); // the same 21 bytes, faster in Deno
 * ```
 * @throws {SharedKeyError} if the key is not 32 bytes or the nonce not 12.
 */
export function sealWithSharedKey(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  cipher: SharedKeyCipher = PORTABLE_SHARED_KEY_CIPHER,
): Uint8Array {
  checkLength("the shared key", key, SHARED_KEY_LENGTH);
  checkNonce(nonce);
  return cipher.aes256GcmSivSeal(key, nonce, plaintext);
}

/**
 * AES-256-GCM-SIV decryption without AAD of ciphertext ‖ tag; `cipher` as in
 * {@linkcode sealWithSharedKey}.
 *
 * @example
 * ```ts
 * import { openWithSharedKey, sealWithSharedKey } from "./shared_key.ts";
 * const k = new Uint8Array(32), n = new Uint8Array(12);
 * openWithSharedKey(k, n, sealWithSharedKey(k, n, new Uint8Array([7]))); // Uint8Array [7]
 * ```
 * @throws {SharedKeyError} for a wrong-sized key or nonce, or a ciphertext that does not
 * authenticate (upstream `SharedKeyUsageError::DecryptionError`'s message).
 */
export function openWithSharedKey(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  cipher: SharedKeyCipher = PORTABLE_SHARED_KEY_CIPHER,
): Uint8Array {
  checkLength("the shared key", key, SHARED_KEY_LENGTH);
  checkNonce(nonce);
  if (ciphertext.length < TAG_LENGTH) {
    throw new SharedKeyError("failed to either encrypt or decrypt provided message");
  }
  try {
    return cipher.aes256GcmSivOpen(key, nonce, ciphertext);
  } catch (e) {
    throw new SharedKeyError("failed to either encrypt or decrypt provided message", { cause: e });
  }
}
