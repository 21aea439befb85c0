/**
 * A client's long-term secrets (`clients.md` §1.1): the Ed25519 identity (signs the gateway
 * handshake, first part of the address), the X25519 encryption key (senders' per-packet
 * Diffie-Hellman, second part of the address) and the AES-128 ack key (encrypts the fragment id
 * inside SURB-acks so only this client can read them).
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import { type Ed25519KeyPair, ed25519PublicKey } from "../crypto/ed25519.ts";
import { constantTimeEqual } from "../crypto/bytes.ts";
import { ACK_KEY_LENGTH, createRecipient, type Recipient } from "../message/mod.ts";
import { ClientStorageError } from "./errors.ts";

/** An X25519 key pair. */
export interface X25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** The three long-term secrets of a client. */
export interface ClientKeys {
  readonly identity: Ed25519KeyPair;
  readonly encryption: X25519KeyPair;
  /** 16-byte AES-128 key for SURB-ack contents. */
  readonly ackKey: Uint8Array;
}

/**
 * Generates fresh keys.
 *
 * @example
 * ```ts
 * import { createNobleProvider } from "../crypto/backends/noble.ts";
 * import { systemRandom } from "../crypto/random.ts";
 * import { generateClientKeys } from "./keys.ts";
 * generateClientKeys(createNobleProvider(), systemRandom).ackKey.length; // 16
 * ```
 */
export function generateClientKeys(crypto: CryptoProvider, random: RandomSource): ClientKeys {
  const identitySecret = random(32);
  const encryptionSecret = random(32);
  return {
    identity: { secretKey: identitySecret, publicKey: ed25519PublicKey(identitySecret) },
    encryption: { secretKey: encryptionSecret, publicKey: crypto.x25519Base(encryptionSecret) },
    ackKey: random(ACK_KEY_LENGTH),
  };
}

/**
 * Checks that stored keys are well-formed and that each public key matches its secret.
 *
 * @example
 * ```ts
 * import { createNobleProvider } from "../crypto/backends/noble.ts";
 * import { systemRandom } from "../crypto/random.ts";
 * import { generateClientKeys, validateClientKeys } from "./keys.ts";
 * const c = createNobleProvider();
 * validateClientKeys(c, generateClientKeys(c, systemRandom)); // no throw
 * ```
 * @throws {ClientStorageError} naming the bad key.
 */
export function validateClientKeys(crypto: CryptoProvider, keys: ClientKeys): void {
  const sizes: [Uint8Array, number, string][] = [
    [keys.identity.secretKey, 32, "identity secret key"],
    [keys.identity.publicKey, 32, "identity public key"],
    [keys.encryption.secretKey, 32, "encryption secret key"],
    [keys.encryption.publicKey, 32, "encryption public key"],
    [keys.ackKey, ACK_KEY_LENGTH, "ack key"],
  ];
  for (const [key, length, what] of sizes) {
    if (!(key instanceof Uint8Array) || key.length !== length) {
      throw new ClientStorageError(`the stored ${what} is not ${length} bytes`);
    }
  }
  if (!constantTimeEqual(ed25519PublicKey(keys.identity.secretKey), keys.identity.publicKey)) {
    throw new ClientStorageError("the stored identity public key does not match its secret key");
  }
  if (!constantTimeEqual(crypto.x25519Base(keys.encryption.secretKey), keys.encryption.publicKey)) {
    throw new ClientStorageError("the stored encryption public key does not match its secret key");
  }
}

/**
 * The client's address with `gatewayIdentity` as its gateway.
 *
 * @example
 * ```ts no-eval
 * formatRecipient(clientAddress(keys, gatewayIdentity)); // "<id>.<enc>@<gw>"
 * ```
 */
export function clientAddress(keys: ClientKeys, gatewayIdentity: Uint8Array): Recipient {
  return createRecipient(keys.identity.publicKey, keys.encryption.publicKey, gatewayIdentity);
}
