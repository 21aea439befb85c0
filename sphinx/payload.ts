/**
 * Sphinx payload: padding, layered LIONESS encryption, and final-hop plaintext recovery
 * (`wire-format.md` §2.11, §2.14).
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import { PAYLOAD_OVERHEAD_SIZE, SECURITY_PARAMETER } from "./constants.ts";
import { InvalidBuildArgumentError, PayloadRecoveryError } from "./errors.ts";
import { lionessEncrypt } from "./lioness.ts";

/** Smallest payload LIONESS can encrypt (its left half is 32 bytes and R must be non-empty). */
export const MINIMUM_PAYLOAD_SIZE = 33;

/**
 * Lays out `16 zeros ‖ message ‖ 0x01 ‖ zeros` in `payloadSize` bytes and encrypts it with each
 * hop's key, last hop first, so each hop removes one layer.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { encapsulatePayload } from "./payload.ts";
 * encapsulatePayload(createCryptoProvider(), new Uint8Array(5), 64, [new Uint8Array(192)]).length; // 64
 * ```
 */
export function encapsulatePayload(
  crypto: CryptoProvider,
  message: Uint8Array,
  payloadSize: number,
  payloadKeys: readonly Uint8Array[],
): Uint8Array {
  if (!Number.isInteger(payloadSize) || payloadSize < MINIMUM_PAYLOAD_SIZE) {
    throw new InvalidBuildArgumentError(`payload size must be at least ${MINIMUM_PAYLOAD_SIZE}`);
  }
  if (message.length > payloadSize - PAYLOAD_OVERHEAD_SIZE) {
    throw new InvalidBuildArgumentError(
      `message of ${message.length} bytes does not fit a ${payloadSize}-byte payload`,
    );
  }
  const payload = new Uint8Array(payloadSize);
  payload.set(message, SECURITY_PARAMETER);
  payload[SECURITY_PARAMETER + message.length] = 0x01;
  for (let i = payloadKeys.length - 1; i >= 0; i--) lionessEncrypt(crypto, payloadKeys[i], payload);
  return payload;
}

/**
 * Recovers the message from a fully unwrapped payload: the first 16 bytes must be zero, and the
 * message ends at the *last* 0x01 byte (everything after it must be zero padding).
 *
 * @example
 * ```ts
 * import { recoverPlaintext } from "./payload.ts";
 * const p = new Uint8Array(40); p[16] = 7; p[17] = 1;
 * recoverPlaintext(p); // Uint8Array [7]
 * ```
 */
export function recoverPlaintext(payload: Uint8Array): Uint8Array {
  if (payload.length < PAYLOAD_OVERHEAD_SIZE) {
    throw new PayloadRecoveryError("payload is shorter than its overhead");
  }
  for (let i = 0; i < SECURITY_PARAMETER; i++) {
    if (payload[i] !== 0) throw new PayloadRecoveryError("payload integrity check failed");
  }
  let end = payload.length - 1;
  while (end >= SECURITY_PARAMETER && payload[end] === 0) end--;
  if (end < SECURITY_PARAMETER || payload[end] !== 0x01) {
    throw new PayloadRecoveryError("payload has no end-of-message marker");
  }
  return payload.subarray(SECURITY_PARAMETER, end);
}
