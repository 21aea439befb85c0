/**
 * End-to-end encryption of what follows the SURB-ack in a packet plaintext
 * (`wire-format.md` §7.1, §7.2, §7.4, §7.5, upstream `common/nymsphinx/src/preparer/payload.rs`,
 * `receiver.rs`, `common/nymsphinx/cover/src/lib.rs`, `common/crypto/src/{hkdf,shared_key}.rs`).
 *
 * ```text
 * regular: eph_pub (32) ‖ AES-128-CTR(k, IV 0)(fragment)
 *          k = HKDF<BLAKE3, HMAC-BLAKE3>(salt none, ikm = X25519(eph_sk, recipient_key), info empty, 16)
 * reply:   BLAKE3(reply_key) (32) ‖ AES-128-CTR(reply_key, IV 0)(fragment)
 * cover:   eph_pub (32) ‖ AES-128-CTR(k, IV 0)("The cake is a lie!" ‖ 0x01 ‖ zeros)
 * ```
 *
 * With a fragment of exactly `ppp` bytes, a body is `pt − 405` bytes (`pt − 396` for outfox).
 *
 * @module
 */
import { blake3 } from "@noble/hashes/blake3.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { constantTimeEqual } from "../crypto/bytes.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import {
  packetPlaintextLength,
  type PacketSize,
  packetSizeFromPlaintext,
  packetTypeOfSize,
} from "../framing/packet_size.ts";
import { PacketType } from "../framing/packet_type.ts";
import { InvalidPacketSizeError } from "../framing/errors.ts";
import { InvalidLengthError } from "./errors.ts";
import { REPLY_KEY_LENGTH } from "./reply_surb.ts";
import { surbAckLength } from "./surb_ack.ts";

/** Length of the ephemeral X25519 public key in front of a regular body. */
export const EPHEMERAL_KEY_LENGTH = 32;
/** Length of the BLAKE3 reply-key digest in front of a reply body. */
export const REPLY_KEY_DIGEST_LENGTH = 32;
/** Either body prefix: upstream's "variant overhead". */
export const VARIANT_OVERHEAD = 32;
/** AES-128 key length of the packet key. */
export const PACKET_KEY_LENGTH = 16;
/** What a loop cover plaintext starts with (`wire-format.md` §7.5). */
export const LOOP_COVER_MESSAGE: Uint8Array = new TextEncoder().encode("The cake is a lie!");

const ZERO_IV = new Uint8Array(16);

function checkKey(key: Uint8Array, length: number, what: string): void {
  if (key.length !== length) {
    throw new InvalidLengthError(`${what} must be ${length} bytes, got ${key.length}`);
  }
}

/**
 * HKDF (RFC 5869) over BLAKE3 with the generic HMAC construction (64-byte block, 32-byte
 * output): Rust's `Hkdf<blake3::Hasher, SimpleHmac<blake3::Hasher>>`. An absent salt is 32 zero
 * bytes, which HMAC treats like an empty key.
 *
 * @example
 * ```ts
 * import { hkdfBlake3 } from "./payload_crypto.ts";
 * hkdfBlake3(new Uint8Array(32), 16).length; // 16
 * ```
 */
export function hkdfBlake3(
  ikm: Uint8Array,
  length: number,
  salt?: Uint8Array,
  info?: Uint8Array,
): Uint8Array {
  return hkdf(blake3, ikm, salt, info ?? new Uint8Array(0), length);
}

/**
 * The packet key: `HKDF-BLAKE3(X25519(secretKey, publicKey))`, 16 bytes. The sender uses its
 * ephemeral secret and the recipient's encryption key; the recipient its own secret and the
 * ephemeral public key.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { derivePacketKey } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * const a = new Uint8Array(32).fill(1), b = new Uint8Array(32).fill(2);
 * // Both sides derive the same key.
 * derivePacketKey(c, a, c.x25519Base(b)); // equals derivePacketKey(c, b, c.x25519Base(a))
 * ```
 * @throws {InvalidLengthError} for keys that are not 32 bytes.
 */
export function derivePacketKey(
  crypto: CryptoProvider,
  secretKey: Uint8Array,
  publicKey: Uint8Array,
): Uint8Array {
  checkKey(secretKey, 32, "an X25519 secret key");
  checkKey(publicKey, 32, "an X25519 public key");
  return hkdfBlake3(crypto.x25519(secretKey, publicKey), PACKET_KEY_LENGTH);
}

/**
 * BLAKE3 digest of a reply key: how a reply body names the key it is encrypted with.
 *
 * @example
 * ```ts
 * import { replyKeyDigest } from "./payload_crypto.ts";
 * replyKeyDigest(new Uint8Array(16)).length; // 32
 * ```
 * @throws {InvalidLengthError} if the key is not 16 bytes.
 */
export function replyKeyDigest(replyKey: Uint8Array): Uint8Array {
  checkKey(replyKey, REPLY_KEY_LENGTH, "a reply key");
  return blake3(replyKey);
}

/**
 * Encrypts a serialized fragment for `recipientEncryptionKey` with a fresh ephemeral key from
 * `random`: returns `eph_pub ‖ ciphertext` (`fragment.length + 32` bytes).
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { openRegularFragment, sealRegularFragment } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * const sk = systemRandom(32);
 * const body = sealRegularFragment(c, systemRandom, c.x25519Base(sk), new Uint8Array([1, 2, 3]));
 * openRegularFragment(c, sk, body); // Uint8Array [1, 2, 3]
 * ```
 * @throws {InvalidLengthError} if the key is not 32 bytes.
 */
export function sealRegularFragment(
  crypto: CryptoProvider,
  random: RandomSource,
  recipientEncryptionKey: Uint8Array,
  fragment: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(EPHEMERAL_KEY_LENGTH + fragment.length);
  writeRegularBody(crypto, random, recipientEncryptionKey, fragment, out, 0);
  return out;
}

function writeRegularBody(
  crypto: CryptoProvider,
  random: RandomSource,
  recipientEncryptionKey: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): void {
  const ephemeral = random(32);
  const key = derivePacketKey(crypto, ephemeral, recipientEncryptionKey);
  out.set(crypto.x25519Base(ephemeral), offset);
  out.set(crypto.aes128Ctr(key, ZERO_IV, plaintext), offset + EPHEMERAL_KEY_LENGTH);
  ephemeral.fill(0);
}

/**
 * Decrypts a regular body (`eph_pub ‖ ciphertext`) with the recipient's X25519 secret.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { openRegularFragment, sealRegularFragment } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * const sk = systemRandom(32);
 * openRegularFragment(c, sk, sealRegularFragment(c, systemRandom, c.x25519Base(sk), new Uint8Array(4))).length; // 4
 * ```
 * @throws {InvalidLengthError} for a body shorter than 32 bytes or a bad key length.
 */
export function openRegularFragment(
  crypto: CryptoProvider,
  encryptionSecretKey: Uint8Array,
  body: Uint8Array,
): Uint8Array {
  if (body.length < EPHEMERAL_KEY_LENGTH) {
    throw new InvalidLengthError(
      `a regular packet body needs at least 32 bytes for the ephemeral key, got ${body.length}`,
    );
  }
  const key = derivePacketKey(crypto, encryptionSecretKey, body.subarray(0, EPHEMERAL_KEY_LENGTH));
  return crypto.aes128Ctr(key, ZERO_IV, body.subarray(EPHEMERAL_KEY_LENGTH));
}

/**
 * Encrypts a serialized fragment for a reply: `BLAKE3(reply_key) ‖ AES-128-CTR(reply_key)(…)`.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { openReplyFragment, sealReplyFragment } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * const key = new Uint8Array(16).fill(9);
 * openReplyFragment(c, key, sealReplyFragment(c, key, new Uint8Array([5]))); // Uint8Array [5]
 * ```
 * @throws {InvalidLengthError} if the key is not 16 bytes.
 */
export function sealReplyFragment(
  crypto: CryptoProvider,
  replyKey: Uint8Array,
  fragment: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(REPLY_KEY_DIGEST_LENGTH + fragment.length);
  out.set(replyKeyDigest(replyKey));
  out.set(crypto.aes128Ctr(replyKey, ZERO_IV, fragment), REPLY_KEY_DIGEST_LENGTH);
  return out;
}

/**
 * Decrypts a reply body with the reply key its digest named. The digest itself is not checked
 * here: it is how the caller found `replyKey` (see {@linkcode openReceivedBody}).
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { openReplyFragment, sealReplyFragment } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * const key = new Uint8Array(16).fill(9);
 * openReplyFragment(c, key, sealReplyFragment(c, key, new Uint8Array(3))).length; // 3
 * ```
 * @throws {InvalidLengthError} for a body shorter than 32 bytes or a key that is not 16 bytes.
 */
export function openReplyFragment(
  crypto: CryptoProvider,
  replyKey: Uint8Array,
  body: Uint8Array,
): Uint8Array {
  checkKey(replyKey, REPLY_KEY_LENGTH, "a reply key");
  if (body.length < REPLY_KEY_DIGEST_LENGTH) {
    throw new InvalidLengthError(`a reply body needs at least 32 bytes, got ${body.length}`);
  }
  return crypto.aes128Ctr(replyKey, ZERO_IV, body.subarray(REPLY_KEY_DIGEST_LENGTH));
}

/**
 * Whether decrypted data is loop cover traffic (it starts with "The cake is a lie!").
 *
 * @example
 * ```ts
 * import { isLoopCover, LOOP_COVER_MESSAGE } from "./payload_crypto.ts";
 * isLoopCover(LOOP_COVER_MESSAGE); // true
 * ```
 */
export function isLoopCover(plaintext: Uint8Array): boolean {
  if (plaintext.length < LOOP_COVER_MESSAGE.length) return false;
  for (let i = 0; i < LOOP_COVER_MESSAGE.length; i++) {
    if (plaintext[i] !== LOOP_COVER_MESSAGE[i]) return false;
  }
  return true;
}

/** What a received packet body turned out to be. */
export type ReceivedBody =
  /** Loop cover traffic: drop it. */
  | { readonly kind: "cover" }
  /**
   * A fragment to parse and reassemble. `replyKey` is set when it was a reply; the caller
   * should then forget that key (it is single-use).
   */
  | { readonly kind: "fragment"; readonly fragment: Uint8Array; readonly replyKey?: Uint8Array };

/** Keys the client receive path needs. */
export interface ReceiveKeys {
  /** The client's X25519 encryption secret. */
  readonly encryptionSecretKey: Uint8Array;
  /** Looks up a reply key this client still holds by its 32-byte BLAKE3 digest. */
  readonly findReplyKey?: (digest: Uint8Array) => Uint8Array | undefined;
}

/**
 * The client receive path for a delivered body (`wire-format.md` §7.4): if its first 32 bytes
 * are the digest of a held reply key it is a reply, otherwise they are an ephemeral key; then
 * loop cover is recognised.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { openReceivedBody, sealRegularFragment } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * const sk = systemRandom(32);
 * const body = sealRegularFragment(c, systemRandom, c.x25519Base(sk), new Uint8Array([1]));
 * openReceivedBody(c, body, { encryptionSecretKey: sk }).kind; // "fragment"
 * ```
 * @throws {InvalidLengthError} for a body shorter than 32 bytes or bad key lengths.
 */
export function openReceivedBody(
  crypto: CryptoProvider,
  body: Uint8Array,
  keys: ReceiveKeys,
): ReceivedBody {
  if (body.length < VARIANT_OVERHEAD) {
    throw new InvalidLengthError(`a packet body needs at least 32 bytes, got ${body.length}`);
  }
  const replyKey = keys.findReplyKey?.(body.subarray(0, REPLY_KEY_DIGEST_LENGTH));
  if (replyKey !== undefined) {
    return { kind: "fragment", fragment: openReplyFragment(crypto, replyKey, body), replyKey };
  }
  const plaintext = openRegularFragment(crypto, keys.encryptionSecretKey, body);
  if (isLoopCover(plaintext)) return { kind: "cover" };
  return { kind: "fragment", fragment: plaintext };
}

/** A packet plaintext and the size to build its packet with. */
export interface PacketPlaintext {
  readonly packetSize: PacketSize;
  /** Exactly `packetPlaintextLength(packetSize)` bytes. */
  readonly plaintext: Uint8Array;
}

function sizeFor(plaintextLength: number, packetType: PacketType): PacketSize {
  try {
    return packetSizeFromPlaintext(plaintextLength, packetType);
  } catch (e) {
    if (e instanceof InvalidPacketSizeError) {
      throw new InvalidLengthError(
        `${plaintextLength} bytes of plaintext fit no packet size (fragments must be padded)`,
      );
    }
    throw e;
  }
}

function checkSurbAck(surbAck: Uint8Array, packetType: PacketType): void {
  const length = surbAckLength(packetType);
  if (surbAck.length !== length) {
    throw new InvalidLengthError(`a SURB-ack is ${length} bytes, got ${surbAck.length}`);
  }
}

/**
 * The whole plaintext of a regular (plain or repliable) packet:
 * `SURB-ack ‖ eph_pub ‖ AES-128-CTR(k)(fragment)`. The packet size follows from the length, as
 * upstream derives it, so the fragment must be exactly `ppp` bytes of some size.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { PacketType } from "../framing/packet_type.ts";
 * import { buildRegularPlaintext } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * const p = buildRegularPlaintext(c, systemRandom, {
 *   surbAck: new Uint8Array(405), recipientEncryptionKey: c.x25519Base(systemRandom(32)),
 *   fragment: new Uint8Array(1611), packetType: PacketType.Mix,
 * });
 * p.plaintext.length; // 2048
 * ```
 * @throws {InvalidLengthError} for a SURB-ack or key of the wrong size, or a fragment length
 * that fits no packet size.
 */
export function buildRegularPlaintext(
  crypto: CryptoProvider,
  random: RandomSource,
  input: {
    readonly surbAck: Uint8Array;
    readonly recipientEncryptionKey: Uint8Array;
    readonly fragment: Uint8Array;
    readonly packetType: PacketType;
  },
): PacketPlaintext {
  checkSurbAck(input.surbAck, input.packetType);
  checkKey(input.recipientEncryptionKey, 32, "a recipient encryption key");
  const length = input.surbAck.length + EPHEMERAL_KEY_LENGTH + input.fragment.length;
  const packetSize = sizeFor(length, input.packetType);
  const plaintext = new Uint8Array(length);
  plaintext.set(input.surbAck);
  writeRegularBody(
    crypto,
    random,
    input.recipientEncryptionKey,
    input.fragment,
    plaintext,
    input.surbAck.length,
  );
  return { packetSize, plaintext };
}

/**
 * The whole plaintext of a reply packet: `SURB-ack ‖ BLAKE3(reply_key) ‖ AES-128-CTR(reply_key)(
 * fragment)`. Replies always use Sphinx SURBs, so the size is chosen as for Mix packets.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { buildReplyPlaintext } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * buildReplyPlaintext(c, { surbAck: new Uint8Array(405), replyKey: new Uint8Array(16), fragment: new Uint8Array(1611) })
 *   .packetSize; // 1 (Regular)
 * ```
 * @throws {InvalidLengthError} for a SURB-ack or key of the wrong size, or a fragment length
 * that fits no packet size.
 */
export function buildReplyPlaintext(
  crypto: CryptoProvider,
  input: {
    readonly surbAck: Uint8Array;
    readonly replyKey: Uint8Array;
    readonly fragment: Uint8Array;
  },
): PacketPlaintext {
  checkSurbAck(input.surbAck, PacketType.Mix);
  const length = input.surbAck.length + REPLY_KEY_DIGEST_LENGTH + input.fragment.length;
  const packetSize = sizeFor(length, PacketType.Mix);
  const plaintext = new Uint8Array(length);
  plaintext.set(input.surbAck);
  plaintext.set(sealReplyFragment(crypto, input.replyKey, input.fragment), input.surbAck.length);
  return { packetSize, plaintext };
}

/**
 * The whole plaintext of a loop cover packet for `packetSize`, sent to the client itself:
 * `SURB-ack (built for COVER_FRAGMENT_IDENTIFIER) ‖ eph_pub ‖ AES-128-CTR(k)("The cake is a
 * lie!" ‖ 0x01 ‖ zeros)`.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { PacketSize } from "../framing/packet_size.ts";
 * import { buildLoopCoverPlaintext } from "./payload_crypto.ts";
 * const c = createCryptoProvider();
 * buildLoopCoverPlaintext(c, systemRandom, {
 *   surbAck: new Uint8Array(405), ownEncryptionKey: c.x25519Base(systemRandom(32)), packetSize: PacketSize.Regular,
 * }).length; // 2048
 * ```
 * @throws {InvalidLengthError} for a SURB-ack or key of the wrong size, or an ack packet size.
 */
export function buildLoopCoverPlaintext(
  crypto: CryptoProvider,
  random: RandomSource,
  input: {
    readonly surbAck: Uint8Array;
    readonly ownEncryptionKey: Uint8Array;
    readonly packetSize: PacketSize;
  },
): Uint8Array {
  const packetType = packetTypeOfSize(input.packetSize);
  checkSurbAck(input.surbAck, packetType);
  checkKey(input.ownEncryptionKey, 32, "an encryption key");
  const total = packetPlaintextLength(input.packetSize);
  const coverLength = total - input.surbAck.length - EPHEMERAL_KEY_LENGTH;
  if (coverLength < LOOP_COVER_MESSAGE.length + 1) {
    throw new InvalidLengthError(`packet size ${input.packetSize} cannot carry loop cover`);
  }
  const cover = new Uint8Array(coverLength);
  cover.set(LOOP_COVER_MESSAGE);
  cover[LOOP_COVER_MESSAGE.length] = 1;
  const plaintext = new Uint8Array(total);
  plaintext.set(input.surbAck);
  writeRegularBody(crypto, random, input.ownEncryptionKey, cover, plaintext, input.surbAck.length);
  return plaintext;
}

/**
 * Whether `digest` is the digest of `replyKey` (constant time); for reply-key stores that look
 * keys up some other way.
 *
 * @example
 * ```ts
 * import { matchesReplyKey, replyKeyDigest } from "./payload_crypto.ts";
 * const key = new Uint8Array(16);
 * matchesReplyKey(replyKeyDigest(key), key); // true
 * ```
 */
export function matchesReplyKey(digest: Uint8Array, replyKey: Uint8Array): boolean {
  return replyKey.length === REPLY_KEY_LENGTH && constantTimeEqual(digest, blake3(replyKey));
}
