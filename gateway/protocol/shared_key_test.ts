import { assertEquals, assertNotEquals, assertThrows } from "../../testing/asserts.ts";
import { fromHex, toHex } from "../../crypto/bytes.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { seededRandom } from "../../crypto/random.ts";
import { hkdfBlake3 } from "../../message/payload_crypto.ts";
import { SharedKeyError } from "./errors.ts";
import {
  deriveSharedKey,
  NONCE_LENGTH,
  openWithSharedKey,
  PORTABLE_SHARED_KEY_CIPHER,
  randomNonce,
  sealWithSharedKey,
  SHARED_KEY_LENGTH,
  TAG_LENGTH,
} from "./shared_key.ts";

const crypto = createCryptoProvider();

Deno.test("shared key: AES-256-GCM-SIV matches RFC 8452 (C.2, no AAD)", () => {
  const key = fromHex("0100000000000000000000000000000000000000000000000000000000000000");
  const nonce = fromHex("030000000000000000000000");
  assertEquals(
    toHex(sealWithSharedKey(key, nonce, new Uint8Array(0))),
    "07f5f4169bbf55a8400cd47ea6fd400f",
  );
  const ct = sealWithSharedKey(key, nonce, fromHex("0100000000000000"));
  assertEquals(toHex(ct), "c2ef328e5c71c83b843122130f7364b761e0b97427e3df28");
  assertEquals(toHex(openWithSharedKey(key, nonce, ct)), "0100000000000000");
});

Deno.test("shared key: both sides derive the same key, as HKDF-BLAKE3 over X25519 with the salt", () => {
  const random = seededRandom(new Uint8Array(32).fill(3));
  const a = random(32), b = random(32), salt = random(16);
  const ka = deriveSharedKey(crypto, a, crypto.x25519Base(b), salt);
  const kb = deriveSharedKey(crypto, b, crypto.x25519Base(a), salt);
  assertEquals(ka, kb);
  assertEquals(ka.length, SHARED_KEY_LENGTH);
  assertEquals(ka, hkdfBlake3(crypto.x25519(a, crypto.x25519Base(b)), 32, salt));
  // The salt matters.
  assertNotEquals(deriveSharedKey(crypto, a, crypto.x25519Base(b), new Uint8Array(16)), ka);
});

Deno.test("shared key: refuses a low-order peer key and wrong sizes", () => {
  const secret = new Uint8Array(32).fill(7);
  assertThrows(
    () => deriveSharedKey(crypto, secret, new Uint8Array(32), new Uint8Array(16)),
    SharedKeyError,
    "all-zero",
  );
  assertThrows(
    () => deriveSharedKey(crypto, secret, new Uint8Array(31), new Uint8Array(16)),
    SharedKeyError,
  );
  assertThrows(
    () => deriveSharedKey(crypto, secret, crypto.x25519Base(secret), new Uint8Array(15)),
    SharedKeyError,
  );
});

Deno.test("shared key: seal/open round trip; tampering, wrong key and wrong nonce fail", () => {
  const random = seededRandom(new Uint8Array(32).fill(4));
  const key = random(32);
  const nonce = randomNonce(random);
  assertEquals(nonce.length, NONCE_LENGTH);
  for (const length of [0, 1, 32, 2421]) {
    const pt = random(length);
    const ct = sealWithSharedKey(key, nonce, pt);
    assertEquals(ct.length, length + TAG_LENGTH);
    assertEquals(openWithSharedKey(key, nonce, ct), pt);
    const tampered = ct.slice();
    tampered[tampered.length - 1] ^= 1;
    assertThrows(() => openWithSharedKey(key, nonce, tampered), SharedKeyError);
    assertThrows(() => openWithSharedKey(random(32), nonce, ct), SharedKeyError);
    assertThrows(() => openWithSharedKey(key, randomNonce(random), ct), SharedKeyError);
  }
  assertThrows(() => openWithSharedKey(key, nonce, new Uint8Array(15)), SharedKeyError);
  assertThrows(
    () => sealWithSharedKey(key, new Uint8Array(16), new Uint8Array(1)),
    SharedKeyError,
    "nonce",
  );
  assertThrows(
    () => openWithSharedKey(new Uint8Array(16), nonce, new Uint8Array(16)),
    SharedKeyError,
  );
});

Deno.test("shared key: fresh nonces differ", () => {
  const random = seededRandom(new Uint8Array(32).fill(5));
  assertNotEquals(randomNonce(random), randomNonce(random));
});

Deno.test("shared key: an injected cipher (the node provider's) interoperates with the portable one", () => {
  const random = seededRandom(new Uint8Array(32).fill(6));
  const native = createCryptoProvider("node");
  const key = random(32);
  for (const length of [0, 1, 21, 1643, 2421]) {
    const nonce = randomNonce(random), pt = random(length);
    const sealed = sealWithSharedKey(key, nonce, pt, native);
    assertEquals(sealed, sealWithSharedKey(key, nonce, pt, PORTABLE_SHARED_KEY_CIPHER));
    assertEquals(openWithSharedKey(key, nonce, sealed), pt);
    assertEquals(openWithSharedKey(key, nonce, sealed, native), pt);
    const tampered = sealed.slice();
    tampered[0] ^= 1;
    // the same error as the portable cipher's, with the cipher's own error as the cause
    const e = assertThrows(
      () => openWithSharedKey(key, nonce, tampered, native),
      SharedKeyError,
      "failed to either encrypt or decrypt provided message",
    );
    assertEquals((e.cause as Error).name, "AeadAuthenticationError");
    assertThrows(
      () => openWithSharedKey(key, nonce, sealed.subarray(0, 15), native),
      SharedKeyError,
    );
    assertThrows(
      () => sealWithSharedKey(key.subarray(1), nonce, pt, native),
      SharedKeyError,
      "key",
    );
    assertThrows(() => openWithSharedKey(key, nonce.subarray(1), sealed, native), SharedKeyError);
  }
});
