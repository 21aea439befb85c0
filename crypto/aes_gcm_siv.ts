/**
 * AES-256-GCM-SIV (RFC 8452) without AAD, with the AES block function from `node:crypto`
 * (AES-NI through OpenSSL/RustCrypto) and POLYVAL in JavaScript ({@linkcode Polyval}).
 * The client↔gateway shared key seals every packet a client sends and every message a gateway
 * pushes with it (`nym-node.md` §4.3); `@noble/ciphers`' `gcmsiv` spends 150–185 µs on a
 * 1.6 KB message, mostly rebuilding POLYVAL tables for the per-nonce key.
 *
 * ```text
 * for i in 0..5:  B_i = AES-256(K, LE32(i) ‖ nonce)            one aes-256-ecb call, 96 bytes
 * authKey = B_0[0..8] ‖ B_1[0..8]     encKey = B_2[0..8] ‖ … ‖ B_5[0..8]
 * S   = POLYVAL(authKey, pad16(P) ‖ LE64(0) ‖ LE64(8·|P|))
 * tag = AES-256(encKey, (S ⊕ nonce) with bit 7 of byte 15 cleared)
 * C   = P ⊕ AES-256(encKey, ctr_0) ‖ AES-256(encKey, ctr_1) ‖ …     (aes-256-ecb over ctr_j)
 * ctr_j = LE32((LE32(tag[0..4]) + j) mod 2^32) ‖ tag[4..15] ‖ (tag[15] | 0x80)
 * ```
 *
 * Why ECB over counter blocks built here, not `aes-256-ctr`: OpenSSL's CTR mode treats the whole
 * block as one big-endian 128-bit counter and increments its *last* bytes, while GCM-SIV
 * increments only the *first four* bytes, little-endian, and lets them wrap without carrying
 * into byte 4 (RFC 8452 §4). The two keystreams differ from the second block on, and splitting
 * the call at the wrap would not help. The wrap is not rare: the counter starts at the tag's
 * first word, which is uniformly random, so any message of two or more blocks wraps with
 * probability ≈ blocks/2^32 — and the RFC's Appendix C.3 vectors are built to hit it. Writing
 * `(first + j) mod 2^32` into each counter block handles it exactly for every size up to the
 * RFC's limit of 2^36 bytes (2^32 blocks, so a counter value never repeats in one message).
 *
 * Every `node:crypto` cipher is finished with `final()`: in Deno a Cipheriv that is never
 * finished keeps its native context alive (measured: ≈ 1.1 KB leaked per call).
 *
 * Not for browsers (it imports `node:crypto`): pick it through
 * `CryptoProvider.aes256GcmSivSeal`/`aes256GcmSivOpen` (the node backend uses it, the noble
 * backend uses `@noble/ciphers`).
 *
 * @module
 */
import { type Cipheriv, createCipheriv } from "node:crypto";
import { constantTimeEqual } from "./bytes.ts";
import { Polyval } from "./polyval.ts";
import { AeadAuthenticationError, CryptoArgumentError, requireLength } from "./provider.ts";

export { AeadAuthenticationError } from "./provider.ts";

/** AES-256-GCM-SIV key length. */
export const AES_256_GCM_SIV_KEY_LENGTH = 32;
/** AES-256-GCM-SIV nonce length. */
export const AES_256_GCM_SIV_NONCE_LENGTH = 12;
/** AES-256-GCM-SIV tag length (appended to the ciphertext). */
export const AES_256_GCM_SIV_TAG_LENGTH = 16;
/** Largest plaintext RFC 8452 §6 allows (`P_MAX`, 2^36 bytes). */
export const AES_256_GCM_SIV_MAX_PLAINTEXT = 2 ** 36;

// Counter blocks handed to one native call: bounds the scratch memory for multi-megabyte
// messages (two 32 KiB buffers) while keeping the per-call overhead (~1 µs) negligible.
const CTR_CHUNK_BLOCKS = 2048;

function ecbEncryptor(key: Uint8Array): Cipheriv {
  const cipher = createCipheriv("aes-256-ecb", key, null);
  cipher.setAutoPadding(false);
  return cipher;
}

/**
 * RFC 8452 §4 key derivation: 48 bytes, the 16-byte authentication key then the 32-byte
 * encryption key.
 */
function deriveKeys(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  const blocks = new Uint8Array(96);
  for (let i = 0; i < 6; i++) {
    blocks[16 * i] = i; // LE32(i): i < 256
    blocks.set(nonce, 16 * i + 4);
  }
  const cipher = ecbEncryptor(key);
  let encrypted: Uint8Array;
  try {
    encrypted = cipher.update(blocks);
  } finally {
    cipher.final();
  }
  const keys = new Uint8Array(48);
  for (let i = 0; i < 6; i++) keys.set(encrypted.subarray(16 * i, 16 * i + 8), 8 * i);
  encrypted.fill(0);
  return keys;
}

/** `(S_s ⊕ nonce)` with the top bit cleared: the block that is encrypted into the tag. */
function tagInput(authKey: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const lengths = new Uint8Array(16); // LE64(AAD bits) = 0 ‖ LE64(plaintext bits)
  const bits = plaintext.length * 8;
  const low = bits % 2 ** 32;
  const high = (bits - low) / 2 ** 32;
  new DataView(lengths.buffer).setUint32(8, low, true);
  new DataView(lengths.buffer).setUint32(12, high, true);
  const s = new Polyval(authKey).update(plaintext).update(lengths).digest();
  for (let i = 0; i < 12; i++) s[i] ^= nonce[i];
  s[15] &= 0x7f;
  return s;
}

/** `output = input ⊕ keystream`, the GCM-SIV counter mode starting from `tag`. */
function ctrXor(cipher: Cipheriv, tag: Uint8Array, input: Uint8Array, output: Uint8Array): void {
  const n = input.length;
  if (n === 0) return;
  const blocks = Math.ceil(n / 16);
  const chunkBlocks = Math.min(blocks, CTR_CHUNK_BLOCKS);
  const counters = new Uint8Array(chunkBlocks * 16);
  counters.set(tag);
  counters[15] |= 0x80;
  // Bytes 4..15 are the same in every counter block: replicate the first block by doubling.
  for (let filled = 16; filled < counters.length; filled *= 2) {
    counters.copyWithin(filled, 0, Math.min(filled, counters.length - filled));
  }
  const first = (tag[0] | (tag[1] << 8) | (tag[2] << 16) | (tag[3] << 24)) >>> 0;
  for (let done = 0; done < blocks; done += chunkBlocks) {
    const count = Math.min(chunkBlocks, blocks - done);
    for (let j = 0; j < count; j++) {
      // RFC 8452 §4: only the first 32 bits count, modulo 2^32 (`first + done + j` < 2^33).
      const ctr = (first + done + j) >>> 0;
      const o = 16 * j;
      counters[o] = ctr;
      counters[o + 1] = ctr >>> 8;
      counters[o + 2] = ctr >>> 16;
      counters[o + 3] = ctr >>> 24;
    }
    const keystream: Uint8Array = cipher.update(
      count === chunkBlocks ? counters : counters.subarray(0, 16 * count),
    );
    const base = 16 * done;
    const end = Math.min(n - base, 16 * count);
    // Copy, then XOR the keystream in place, a word at a time when both views allow it (the
    // input is often unaligned: a frame body starts at offset 14).
    output.set(end === n ? input : input.subarray(base, base + end), base);
    const words = end >>> 2;
    if ((((output.byteOffset + base) | keystream.byteOffset) & 3) === 0) {
      const k32 = new Int32Array(keystream.buffer, keystream.byteOffset, words);
      const o32 = new Int32Array(output.buffer, output.byteOffset + base, words);
      for (let i = 0; i < words; i++) o32[i] ^= k32[i];
      for (let i = 4 * words; i < end; i++) output[base + i] ^= keystream[i];
    } else {
      for (let i = 0; i < end; i++) output[base + i] ^= keystream[i];
    }
  }
}

/**
 * The GCM-SIV counter mode alone (RFC 8452 §4): `input` XOR the keystream of `encKey` (32 bytes)
 * from the counter block `tag` with bit 7 of byte 15 set; the first 32 bits count up
 * little-endian and wrap modulo 2^32. Exposed for tests of the wrap across the native-call
 * chunks; it authenticates nothing.
 *
 * @example
 * ```ts
 * import { aes256GcmSivCtr } from "./aes_gcm_siv.ts";
 * const tag = new Uint8Array(16).fill(0xff); // the counter wraps after the first block
 * aes256GcmSivCtr(new Uint8Array(32), tag, new Uint8Array(40)).length; // 40
 * ```
 * @throws {CryptoArgumentError} if `encKey` is not 32 bytes or `tag` not 16.
 * @internal
 */
export function aes256GcmSivCtr(
  encKey: Uint8Array,
  tag: Uint8Array,
  input: Uint8Array,
): Uint8Array {
  requireLength("an AES-256 key", encKey, 32);
  requireLength("a GCM-SIV tag", tag, AES_256_GCM_SIV_TAG_LENGTH);
  const out = new Uint8Array(input.length);
  const cipher = ecbEncryptor(encKey);
  try {
    ctrXor(cipher, tag, input, out);
  } finally {
    cipher.final();
  }
  return out;
}

function checkKeyAndNonce(key: Uint8Array, nonce: Uint8Array): void {
  requireLength("an AES-256-GCM-SIV key", key, AES_256_GCM_SIV_KEY_LENGTH);
  requireLength("an AES-256-GCM-SIV nonce", nonce, AES_256_GCM_SIV_NONCE_LENGTH);
}

/**
 * AES-256-GCM-SIV encryption without AAD: returns ciphertext ‖ tag
 * (`plaintext.length + 16` bytes). Deterministic for a given key, nonce and plaintext.
 *
 * @example
 * ```ts
 * import { toHex } from "./bytes.ts";
 * import { aes256GcmSivSeal } from "./aes_gcm_siv.ts";
 * const key = new Uint8Array(32), nonce = new Uint8Array(12);
 * key[0] = 1, nonce[0] = 3;
 * toHex(aes256GcmSivSeal(key, nonce, new Uint8Array(0))); // RFC 8452 C.2
 * // "07f5f4169bbf55a8400cd47ea6fd400f"
 * ```
 * @throws {CryptoArgumentError} if the key is not 32 bytes, the nonce not 12, or the plaintext
 * longer than 2^36 bytes.
 */
export function aes256GcmSivSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  checkKeyAndNonce(key, nonce);
  if (plaintext.length > AES_256_GCM_SIV_MAX_PLAINTEXT) {
    throw new CryptoArgumentError("an AES-256-GCM-SIV plaintext may be at most 2^36 bytes");
  }
  const keys = deriveKeys(key, nonce);
  const out = new Uint8Array(plaintext.length + AES_256_GCM_SIV_TAG_LENGTH);
  const cipher = ecbEncryptor(keys.subarray(16));
  try {
    const tag: Uint8Array = cipher.update(tagInput(keys.subarray(0, 16), nonce, plaintext));
    out.set(tag, plaintext.length);
    ctrXor(cipher, tag, plaintext, out);
  } finally {
    cipher.final();
    keys.fill(0);
  }
  return out;
}

/**
 * AES-256-GCM-SIV decryption without AAD of ciphertext ‖ tag. The plaintext is released only
 * after the tag has been checked (in constant time).
 *
 * @example
 * ```ts
 * import { aes256GcmSivOpen, aes256GcmSivSeal } from "./aes_gcm_siv.ts";
 * const key = new Uint8Array(32).fill(7), nonce = new Uint8Array(12).fill(9);
 * const sealed = aes256GcmSivSeal(key, nonce, new TextEncoder().encode("hi"));
 * new TextDecoder().decode(aes256GcmSivOpen(key, nonce, sealed)); // "hi"
 * ```
 * @throws {AeadAuthenticationError} if `sealed` is shorter than the tag, longer than the RFC
 * allows, or does not authenticate under this key and nonce.
 * @throws {CryptoArgumentError} if the key is not 32 bytes or the nonce not 12.
 */
export function aes256GcmSivOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
): Uint8Array {
  checkKeyAndNonce(key, nonce);
  if (sealed.length < AES_256_GCM_SIV_TAG_LENGTH) {
    throw new AeadAuthenticationError(
      `an AES-256-GCM-SIV ciphertext is at least 16 bytes (the tag), got ${sealed.length}`,
    );
  }
  const n = sealed.length - AES_256_GCM_SIV_TAG_LENGTH;
  if (n > AES_256_GCM_SIV_MAX_PLAINTEXT) {
    throw new AeadAuthenticationError(
      "an AES-256-GCM-SIV ciphertext may be at most 2^36 + 16 bytes",
    );
  }
  const tag = sealed.slice(n);
  const keys = deriveKeys(key, nonce);
  const cipher = ecbEncryptor(keys.subarray(16));
  try {
    const plaintext = new Uint8Array(n);
    ctrXor(cipher, tag, sealed.subarray(0, n), plaintext);
    const expected: Uint8Array = cipher.update(tagInput(keys.subarray(0, 16), nonce, plaintext));
    if (!constantTimeEqual(expected, tag)) {
      plaintext.fill(0);
      throw new AeadAuthenticationError("the AES-256-GCM-SIV ciphertext does not authenticate");
    }
    return plaintext;
  } finally {
    cipher.final();
    keys.fill(0);
  }
}
