/**
 * LIONESS wide-block cipher with ChaCha20 and keyed BLAKE2b-256, as in `lioness 0.1.2`
 * (`wire-format.md` §2.12). The payload of every Sphinx packet is one LIONESS block.
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import { xorInto } from "../crypto/bytes.ts";
import { PAYLOAD_KEY_SIZE } from "./constants.ts";
import { MalformedPacketError } from "./errors.ts";

/** Size of the left part L of a block (a ChaCha20 key). */
export const LIONESS_LEFT_SIZE = 32;

function checkArguments(key: Uint8Array, block: Uint8Array): void {
  if (key.length !== PAYLOAD_KEY_SIZE) {
    throw new RangeError(`lioness key must be ${PAYLOAD_KEY_SIZE} bytes`);
  }
  if (block.length <= LIONESS_LEFT_SIZE) {
    throw new MalformedPacketError(`lioness block must be longer than ${LIONESS_LEFT_SIZE} bytes`);
  }
}

/** R ^= ChaCha20(key = L ^ K). */
function streamRound(crypto: CryptoProvider, left: Uint8Array, k: Uint8Array, right: Uint8Array) {
  const streamKey = left.slice();
  xorInto(streamKey, k);
  crypto.chacha20XorInPlace(streamKey, right);
}

/** L ^= BLAKE2b-256_k(R). */
function hashRound(crypto: CryptoProvider, left: Uint8Array, k: Uint8Array, right: Uint8Array) {
  xorInto(left, crypto.blake2b256Keyed(k, right));
}

/**
 * Encrypts `block` in place with the 192-byte key `K1(32) ‖ K2(64) ‖ K3(32) ‖ K4(64)`.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { lionessDecrypt, lionessEncrypt } from "./lioness.ts";
 * const c = createCryptoProvider();
 * const key = new Uint8Array(192), block = new Uint8Array(100);
 * lionessEncrypt(c, key, block);
 * lionessDecrypt(c, key, block); // block is all zeros again
 * ```
 */
export function lionessEncrypt(crypto: CryptoProvider, key: Uint8Array, block: Uint8Array): void {
  checkArguments(key, block);
  const left = block.subarray(0, LIONESS_LEFT_SIZE);
  const right = block.subarray(LIONESS_LEFT_SIZE);
  streamRound(crypto, left, key.subarray(0, 32), right);
  hashRound(crypto, left, key.subarray(32, 96), right);
  streamRound(crypto, left, key.subarray(96, 128), right);
  hashRound(crypto, left, key.subarray(128, 192), right);
}

/**
 * Decrypts `block` in place (the inverse of {@linkcode lionessEncrypt}).
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { lionessDecrypt } from "./lioness.ts";
 * lionessDecrypt(createCryptoProvider(), new Uint8Array(192), new Uint8Array(64));
 * ```
 */
export function lionessDecrypt(crypto: CryptoProvider, key: Uint8Array, block: Uint8Array): void {
  checkArguments(key, block);
  const left = block.subarray(0, LIONESS_LEFT_SIZE);
  const right = block.subarray(LIONESS_LEFT_SIZE);
  hashRound(crypto, left, key.subarray(128, 192), right);
  streamRound(crypto, left, key.subarray(96, 128), right);
  hashRound(crypto, left, key.subarray(32, 96), right);
  streamRound(crypto, left, key.subarray(0, 32), right);
}
