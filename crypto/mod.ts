/**
 * Cryptographic building blocks: byte helpers, text encodings (base58, PEM), and the
 * {@linkcode CryptoProvider} with its backends.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "./mod.ts";
 * const crypto = createCryptoProvider();
 * crypto.x25519Base(new Uint8Array(32).fill(7));
 * ```
 *
 * @module
 */
import type { CryptoProvider } from "./provider.ts";
import { createNobleProvider } from "./backends/noble.ts";
import { createNodeProvider } from "./backends/node.ts";
import { loadSodium } from "./backends/sodium.ts";

export * from "./bytes.ts";
export * from "./base58.ts";
export * from "./pem.ts";
export { AeadAuthenticationError, CryptoArgumentError, type CryptoProvider } from "./provider.ts";
export * from "./polyval.ts";
export {
  aes256GcmSivOpen,
  aes256GcmSivSeal,
  AES_256_GCM_SIV_KEY_LENGTH,
  AES_256_GCM_SIV_MAX_PLAINTEXT,
  AES_256_GCM_SIV_NONCE_LENGTH,
  AES_256_GCM_SIV_TAG_LENGTH,
} from "./aes_gcm_siv.ts";
export {
  createNobleProvider,
  nobleAes256GcmSivOpen,
  nobleAes256GcmSivSeal,
} from "./backends/noble.ts";
export { createNodeProvider } from "./backends/node.ts";
export { loadSodium, type Sodium } from "./backends/sodium.ts";

/** Which backend {@linkcode createCryptoProvider} should use. */
export type CryptoBackend = "auto" | "sodium" | "node" | "noble";

/** Thrown when a specifically requested backend is not available on this machine. */
export class CryptoBackendUnavailableError extends Error {
  override name = "CryptoBackendUnavailableError";
}

/**
 * Creates a provider. `"auto"` combines libsodium (X25519, ChaCha20, BLAKE2b, HMAC, SHA-256)
 * with `node:crypto` (HKDF, AES-CTR, AES-256-GCM-SIV) when libsodium is loadable, else uses
 * `node:crypto`, else pure JavaScript (browsers).
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "./mod.ts";
 * const c = createCryptoProvider("node");
 * c.name; // "node"
 * ```
 */
export function createCryptoProvider(backend: CryptoBackend = "auto"): CryptoProvider {
  if (backend === "noble") return createNobleProvider();
  const hasNode = typeof Deno !== "undefined";
  if (backend === "node") {
    if (!hasNode) throw new CryptoBackendUnavailableError("node:crypto is not available here");
    return createNodeProvider();
  }
  const sodium = hasNode ? loadSodium() : null;
  if (!sodium) {
    if (backend === "sodium") {
      throw new CryptoBackendUnavailableError(
        "libsodium could not be loaded (install libsodium23 and allow FFI)",
      );
    }
    return hasNode ? createNodeProvider() : createNobleProvider();
  }
  const node = createNodeProvider();
  return {
    ...node,
    ...sodium.primitives,
    name: "sodium+node",
  };
}
export * from "./random.ts";
export * from "./ed25519.ts";
