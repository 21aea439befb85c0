/**
 * Byte layouts and per-message cryptography of the registration handshake (`nym-node.md` §4.3;
 * upstream `common/gateway-requests/src/registration/handshake/{messages,state}.rs`). The state
 * machines in `handshake.ts` are built from these.
 *
 * ```text
 * init     C→G  client_ed25519 (32) ‖ client_eph_x25519 (32) ‖ hkdf_salt (16)            = 80 B
 * material G→C  gw_eph (32) ‖ AES-256-GCM-SIV(k, n1, Ed25519_gw(gw_eph ‖ client_eph)) (80) ‖ n1 (12)  = 124 B
 * material C→G  AES-256-GCM-SIV(k, n2, Ed25519_client(client_eph ‖ gw_eph)) (80) ‖ n2 (12)          = 92 B
 * finalize G→C  [1] (success) or [0]
 * ```
 *
 * Each side signs its own ephemeral key followed by the peer's, so the verifier checks the
 * signature over `remote_eph ‖ local_eph`.
 *
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { concatBytes } from "../../crypto/bytes.ts";
import { ed25519Sign, ed25519Verify } from "../../crypto/ed25519.ts";
import { HandshakeError, SharedKeyError } from "./errors.ts";
import {
  KDF_SALT_LENGTH,
  NONCE_LENGTH,
  openWithSharedKey,
  sealWithSharedKey,
  TAG_LENGTH,
} from "./shared_key.ts";

/** Length of an Ed25519 public key. */
export const ED25519_PUBLIC_KEY_LENGTH = 32;
/** Length of an X25519 public key. */
export const X25519_PUBLIC_KEY_LENGTH = 32;
/** Length of an Ed25519 signature. */
export const ED25519_SIGNATURE_LENGTH = 64;
/** Length of the current (salted) init message. */
export const HANDSHAKE_INIT_LENGTH = ED25519_PUBLIC_KEY_LENGTH + X25519_PUBLIC_KEY_LENGTH +
  KDF_SALT_LENGTH;
/** Length of the legacy init message of pre-AES-GCM-SIV clients (no salt); refused. */
export const LEGACY_HANDSHAKE_INIT_LENGTH = ED25519_PUBLIC_KEY_LENGTH + X25519_PUBLIC_KEY_LENGTH;
/** Length of the encrypted-signature material (the client's whole second message). */
export const KEY_MATERIAL_LENGTH = ED25519_SIGNATURE_LENGTH + TAG_LENGTH + NONCE_LENGTH;
/** Length of the gateway's material message. */
export const GATEWAY_MATERIAL_LENGTH = X25519_PUBLIC_KEY_LENGTH + KEY_MATERIAL_LENGTH;

/** The client's first handshake message. */
export interface HandshakeInit {
  /** The client's Ed25519 identity (its address). */
  readonly identity: Uint8Array;
  /** The client's ephemeral X25519 public key. */
  readonly ephemeralPublic: Uint8Array;
  /** The 16-byte HKDF salt. */
  readonly salt: Uint8Array;
}

/** The gateway's material message, split. */
export interface GatewayMaterial {
  /** The gateway's ephemeral X25519 public key. */
  readonly ephemeralPublic: Uint8Array;
  /** Encrypted signature ‖ nonce ({@linkcode KEY_MATERIAL_LENGTH} bytes). */
  readonly material: Uint8Array;
}

function isValidEd25519Point(bytes: Uint8Array): boolean {
  try {
    ed25519.Point.fromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serialises the init message.
 *
 * @example
 * ```ts
 * import { encodeHandshakeInit } from "./handshake_messages.ts";
 * encodeHandshakeInit({
 *   identity: new Uint8Array(32), ephemeralPublic: new Uint8Array(32), salt: new Uint8Array(16),
 * }).length; // 80
 * ```
 */
export function encodeHandshakeInit(init: HandshakeInit): Uint8Array {
  return concatBytes(init.identity, init.ephemeralPublic, init.salt);
}

/**
 * Parses the init message. Only the salted 80-byte form is accepted; the 64-byte legacy form
 * (which would need the retired AES-128-CTR + HMAC key) gets a specific error.
 *
 * @example
 * ```ts
 * import { ed25519PublicKey } from "../../crypto/ed25519.ts";
 * import { decodeHandshakeInit } from "./handshake_messages.ts";
 * const bytes = new Uint8Array(80);
 * bytes.set(ed25519PublicKey(new Uint8Array(32)));
 * decodeHandshakeInit(bytes).salt.length; // 16
 * ```
 * @throws {HandshakeError} `legacy_key_unsupported` for 64 bytes, `malformed_message` for any
 * other wrong length or an identity that is not an Ed25519 point.
 */
export function decodeHandshakeInit(bytes: Uint8Array): HandshakeInit {
  if (bytes.length === LEGACY_HANDSHAKE_INIT_LENGTH) {
    throw new HandshakeError(
      "legacy_key_unsupported",
      "legacy (salt-less) registration is not supported: this gateway only derives AES-256-GCM-SIV keys (protocol >= 3)",
    );
  }
  if (bytes.length !== HANDSHAKE_INIT_LENGTH) {
    throw new HandshakeError("malformed_message", "sent request was malformed");
  }
  const identity = bytes.slice(0, ED25519_PUBLIC_KEY_LENGTH);
  if (!isValidEd25519Point(identity)) {
    throw new HandshakeError("malformed_message", "sent request was malformed");
  }
  return {
    identity,
    ephemeralPublic: bytes.slice(ED25519_PUBLIC_KEY_LENGTH, LEGACY_HANDSHAKE_INIT_LENGTH),
    salt: bytes.slice(LEGACY_HANDSHAKE_INIT_LENGTH),
  };
}

/**
 * Signs `localEphemeral ‖ remoteEphemeral` with our identity and encrypts the signature under the
 * shared key with `nonce`; returns ciphertext ‖ nonce ({@linkcode KEY_MATERIAL_LENGTH} bytes).
 *
 * @example
 * ```ts
 * import { sealKeyMaterial } from "./handshake_messages.ts";
 * sealKeyMaterial(
 *   new Uint8Array(32), new Uint8Array(32).fill(1), new Uint8Array(32), new Uint8Array(32),
 *   new Uint8Array(12),
 * ).length; // 92
 * ```
 * @throws {SharedKeyError} for a wrong-sized key or nonce.
 */
export function sealKeyMaterial(
  sharedKey: Uint8Array,
  identitySecret: Uint8Array,
  localEphemeral: Uint8Array,
  remoteEphemeral: Uint8Array,
  nonce: Uint8Array,
): Uint8Array {
  const signature = ed25519Sign(identitySecret, concatBytes(localEphemeral, remoteEphemeral));
  return concatBytes(sealWithSharedKey(sharedKey, nonce, signature), nonce);
}

/**
 * Decrypts the peer's material and verifies its signature over
 * `remoteEphemeral ‖ localEphemeral` with the peer's identity.
 *
 * @example
 * ```ts
 * import { ed25519PublicKey } from "../../crypto/ed25519.ts";
 * import { openKeyMaterial, sealKeyMaterial } from "./handshake_messages.ts";
 * const k = new Uint8Array(32), sk = new Uint8Array(32).fill(5);
 * const a = new Uint8Array(32).fill(1), b = new Uint8Array(32).fill(2);
 * const m = sealKeyMaterial(k, sk, a, b, new Uint8Array(12));
 * openKeyMaterial(k, m, ed25519PublicKey(sk), a, b); // no error: a signed a ‖ b
 * ```
 * @throws {HandshakeError} `malformed_message` for a wrong length, `invalid_signature` if it
 * does not decrypt or verify.
 */
export function openKeyMaterial(
  sharedKey: Uint8Array,
  material: Uint8Array,
  remoteIdentity: Uint8Array,
  remoteEphemeral: Uint8Array,
  localEphemeral: Uint8Array,
): void {
  if (material.length !== KEY_MATERIAL_LENGTH) {
    throw new HandshakeError("malformed_message", "received key material was malformed");
  }
  const ciphertextLength = ED25519_SIGNATURE_LENGTH + TAG_LENGTH;
  let signature: Uint8Array;
  try {
    signature = openWithSharedKey(
      sharedKey,
      material.subarray(ciphertextLength),
      material.subarray(0, ciphertextLength),
    );
  } catch (e) {
    if (!(e instanceof SharedKeyError)) throw e;
    throw new HandshakeError("invalid_signature", "received invalid signature");
  }
  if (
    !ed25519Verify(remoteIdentity, concatBytes(remoteEphemeral, localEphemeral), signature)
  ) {
    throw new HandshakeError("invalid_signature", "received invalid signature");
  }
}

/**
 * Serialises the gateway's material message: its ephemeral key followed by the material.
 *
 * @example
 * ```ts
 * import { encodeGatewayMaterial } from "./handshake_messages.ts";
 * encodeGatewayMaterial({ ephemeralPublic: new Uint8Array(32), material: new Uint8Array(92) })
 *   .length; // 124
 * ```
 */
export function encodeGatewayMaterial(material: GatewayMaterial): Uint8Array {
  return concatBytes(material.ephemeralPublic, material.material);
}

/**
 * Splits the gateway's material message.
 *
 * @example
 * ```ts
 * import { decodeGatewayMaterial } from "./handshake_messages.ts";
 * decodeGatewayMaterial(new Uint8Array(124)).material.length; // 92
 * ```
 * @throws {HandshakeError} `malformed_message` unless it is exactly 124 bytes (the legacy
 * 96-byte form carries no nonce and is refused).
 */
export function decodeGatewayMaterial(bytes: Uint8Array): GatewayMaterial {
  if (bytes.length !== GATEWAY_MATERIAL_LENGTH) {
    throw new HandshakeError("malformed_message", "received response was malformed");
  }
  return {
    ephemeralPublic: bytes.slice(0, X25519_PUBLIC_KEY_LENGTH),
    material: bytes.slice(X25519_PUBLIC_KEY_LENGTH),
  };
}

/**
 * Serialises the finalization message: `[1]` on success, `[0]` otherwise.
 *
 * @example
 * ```ts
 * import { encodeFinalization } from "./handshake_messages.ts";
 * encodeFinalization(true); // Uint8Array [1]
 * ```
 */
export function encodeFinalization(success: boolean): Uint8Array {
  return new Uint8Array([success ? 1 : 0]);
}

/**
 * Parses the finalization message; only `1` means success.
 *
 * @example
 * ```ts
 * import { decodeFinalization } from "./handshake_messages.ts";
 * decodeFinalization(new Uint8Array([1])); // true
 * ```
 * @throws {HandshakeError} `malformed_message` unless it is exactly one byte.
 */
export function decodeFinalization(bytes: Uint8Array): boolean {
  if (bytes.length !== 1) {
    throw new HandshakeError("malformed_message", "received response was malformed");
  }
  return bytes[0] === 1;
}
