import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import { seededRandom, toHex } from "../../crypto/mod.ts";
import {
  aesGcmNonce,
  CipherState,
  createNobleAesGcm,
  createNodeAesGcm,
  createNoiseAead,
  loadSodiumAesGcm,
  NOISE_MAX_NONCE,
  NoiseArgumentError,
  NoiseDecryptError,
  NoiseMessageLengthError,
  NoiseNonceExhaustedError,
  NoiseTransportState,
} from "./mod.ts";

const rng = seededRandom(new Uint8Array(32).fill(0xc5));

function keyed(key: Uint8Array, aead = createNodeAesGcm()): CipherState {
  const c = new CipherState(aead);
  c.initializeKey(key);
  return c;
}

Deno.test("AESGCM nonce is 4 zero bytes then the counter as u64 big-endian", () => {
  assertEquals(toHex(aesGcmNonce(0n)), "000000000000000000000000");
  assertEquals(toHex(aesGcmNonce(0x0102030405060708n)), "000000000102030405060708");
  assertEquals(toHex(aesGcmNonce(NOISE_MAX_NONCE)), "00000000ffffffffffffffff");
});

Deno.test("node:crypto and noble AES-256-GCM agree, including AD and the empty plaintext", () => {
  const node = createNodeAesGcm();
  const noble = createNobleAesGcm();
  for (const size of [0, 1, 15, 16, 17, 2413, 65519]) {
    const key = rng(32);
    const ad = rng(size % 40);
    const pt = rng(size);
    const nonce = BigInt(size) * 977n;
    const a = node.withKey(key).seal(nonce, ad, pt);
    const b = noble.withKey(key).seal(nonce, ad, pt);
    assertEquals(toHex(a), toHex(b));
    assertEquals(toHex(node.withKey(key).open(nonce, ad, b)!), toHex(pt));
    assertEquals(toHex(noble.withKey(key).open(nonce, ad, a)!), toHex(pt));
    const bad = a.slice();
    bad[bad.length - 1] ^= 1;
    assertEquals(node.withKey(key).open(nonce, ad, bad), null);
    assertEquals(noble.withKey(key).open(nonce, ad, bad), null);
    assertEquals(node.withKey(key).open(nonce + 1n, ad, a), null);
  }
  assertThrows(() => node.withKey(new Uint8Array(16)), NoiseArgumentError);
});

Deno.test("CipherState without a key passes data through; with a key counts nonces", () => {
  const c = new CipherState(createNodeAesGcm());
  assertEquals(toHex(c.encryptWithAd(new Uint8Array(), Uint8Array.of(1, 2))), "0102");
  const key = rng(32);
  const tx = keyed(key);
  const rx = keyed(key);
  for (let i = 0; i < 5; i++) {
    const ct = tx.encryptWithAd(Uint8Array.of(i), Uint8Array.of(i, i));
    assertEquals(toHex(rx.decryptWithAd(Uint8Array.of(i), ct)), toHex(Uint8Array.of(i, i)));
  }
  assertEquals(tx.nonce, 5n);
  assertEquals(rx.nonce, 5n);
});

Deno.test("a failed decryption throws NoiseDecryptError and does not advance the nonce", () => {
  const key = rng(32);
  const tx = keyed(key);
  const rx = keyed(key);
  const ct = tx.encryptWithAd(new Uint8Array(), Uint8Array.of(7, 7, 7));
  const bad = ct.slice();
  bad[0] ^= 0x80;
  assertThrows(() => rx.decryptWithAd(new Uint8Array(), bad), NoiseDecryptError);
  assertEquals(rx.nonce, 0n);
  assertEquals(toHex(rx.decryptWithAd(new Uint8Array(), ct)), "070707");
  assertThrows(
    () => rx.decryptWithAd(new Uint8Array(), new Uint8Array(15)),
    NoiseMessageLengthError,
  );
});

Deno.test("nonce 2^64-1 is never used: encryption and decryption refuse it", () => {
  const key = rng(32);
  const tx = keyed(key);
  const rx = keyed(key);
  tx.setNonce(NOISE_MAX_NONCE - 1n);
  rx.setNonce(NOISE_MAX_NONCE - 1n);
  const last = tx.encryptWithAd(new Uint8Array(), Uint8Array.of(1));
  assertEquals(toHex(rx.decryptWithAd(new Uint8Array(), last)), "01");
  assertEquals(tx.nonce, NOISE_MAX_NONCE);
  assertThrows(
    () => tx.encryptWithAd(new Uint8Array(), Uint8Array.of(2)),
    NoiseNonceExhaustedError,
  );
  // A ciphertext genuinely made at 2^64-1 (by a raw AEAD) is refused, not decrypted.
  const forged = createNodeAesGcm().withKey(key).seal(
    NOISE_MAX_NONCE,
    new Uint8Array(),
    Uint8Array.of(3),
  );
  assertThrows(() => rx.decryptWithAd(new Uint8Array(), forged), NoiseNonceExhaustedError);
});

Deno.test("NoiseTransportState enforces the 65535-byte message limit", () => {
  const key = rng(32);
  const a = new NoiseTransportState(keyed(key), keyed(rng(32)), new Uint8Array(32));
  const b = new NoiseTransportState(keyed(rng(32)), keyed(key), new Uint8Array(32));
  const max = a.encrypt(new Uint8Array(65519));
  assertEquals(max.length, 65535);
  assertEquals(b.decrypt(max).length, 65519);
  assertThrows(() => a.encrypt(new Uint8Array(65520)), NoiseMessageLengthError);
  assertThrows(() => b.decrypt(new Uint8Array(65536)), NoiseMessageLengthError);
  a.setSendNonce(NOISE_MAX_NONCE);
  assertThrows(() => a.encrypt(new Uint8Array(1)), NoiseNonceExhaustedError);
});

Deno.test("libsodium AES-256-GCM (when loadable) matches node:crypto, also on subarray views", () => {
  const sodium = loadSodiumAesGcm();
  if (sodium === null) {
    // No libsodium / AES-NI / FFI permission here: the auto backend must then fall back.
    assertEquals(createNoiseAead().name === "sodium:aes-256-gcm", false);
    return;
  }
  assertEquals(createNoiseAead().name, "sodium:aes-256-gcm");
  const node = createNodeAesGcm();
  for (const size of [0, 1, 16, 2413, 65519]) {
    const key = rng(32);
    const backing = rng(size + 45);
    const pt = backing.subarray(3, 3 + size); // odd byteOffset
    const ad = backing.subarray(size + 5, size + 5 + (size % 33));
    const nonce = BigInt(size) << 40n;
    const a = sodium.withKey(key).seal(nonce, ad, pt);
    assertEquals(toHex(a), toHex(node.withKey(key).seal(nonce, ad, pt)));
    const shifted = Uint8Array.of(9, ...a).subarray(1);
    assertEquals(toHex(sodium.withKey(key).open(nonce, ad, shifted)!), toHex(pt));
    const bad = a.slice();
    bad[size] ^= 4;
    assertEquals(sodium.withKey(key).open(nonce, ad, bad), null);
    assertEquals(sodium.withKey(key).open(nonce, ad, a.subarray(0, 15)), null);
  }
});
