import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { createCryptoProvider, type CryptoProvider, fromHex, toHex } from "./mod.ts";
import { ctr } from "@noble/ciphers/aes.js";

const backends: CryptoProvider[] = [
  createCryptoProvider("noble"),
  createCryptoProvider("node"),
  createCryptoProvider("auto"),
];

for (const c of backends) {
  Deno.test(`${c.name}: X25519 matches RFC 7748 §6.1`, () => {
    const aliceSk = fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const bobPk = fromHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    assertEquals(
      toHex(c.x25519Base(aliceSk)),
      "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
    );
    assertEquals(
      toHex(c.x25519(aliceSk, bobPk)),
      "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
    );
  });

  Deno.test(`${c.name}: X25519 with a low-order point yields zeros, not an exception`, () => {
    const zeroPoint = new Uint8Array(32);
    assertEquals(c.x25519(new Uint8Array(32).fill(5), zeroPoint), new Uint8Array(32));
  });

  Deno.test(`${c.name}: HKDF-SHA256 matches RFC 5869 test case 1 and the empty-salt case`, () => {
    const ikm = fromHex("0b".repeat(22));
    const okm = c.hkdfSha256(
      ikm,
      fromHex("000102030405060708090a0b0c"),
      fromHex("f0f1f2f3f4f5f6f7f8f9"),
      42,
    );
    assertEquals(
      toHex(okm),
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    );
    // RFC 5869 test case 3: no salt, no info.
    assertEquals(
      toHex(c.hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42)),
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
  });

  Deno.test(`${c.name}: HMAC-SHA256 and SHA-256 match RFC 4231 case 2 / FIPS 180`, () => {
    const tag = c.hmacSha256(
      new TextEncoder().encode("Jefe"),
      new TextEncoder().encode("what do ya want for nothing?"),
    );
    assertEquals(toHex(tag), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assertEquals(
      toHex(c.sha256(new TextEncoder().encode("abc"))),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  Deno.test(`${c.name}: ChaCha20 with zero nonce matches RFC 7539 §2.4.2-style keystream`, () => {
    // RFC 8439 A.1 test vector #1: all-zero key and nonce, counter 0.
    const data = new Uint8Array(64);
    c.chacha20XorInPlace(new Uint8Array(32), data);
    assertEquals(
      toHex(data),
      "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7" +
        "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
    );
  });

  Deno.test(`${c.name}: keyed BLAKE2b-256 agrees across backends`, () => {
    const key = new Uint8Array(64).map((_, i) => i);
    const data = new Uint8Array(2033).map((_, i) => (i * 7) & 0xff);
    assertEquals(c.blake2b256Keyed(key, data), backends[0].blake2b256Keyed(key, data));
  });

  Deno.test(`${c.name}: AES-128-CTR keystream matches NIST SP 800-38A F.5.1`, () => {
    const key = fromHex("2b7e151628aed2a6abf7158809cf4f3c");
    const iv = fromHex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    const pt = fromHex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
    assertEquals(
      toHex(c.aes128Ctr(key, iv, pt)),
      "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff",
    );
  });

  Deno.test(`${c.name}: AES-CTR counter wraps in 64 bits like Ctr64BE`, () => {
    const key = new Uint8Array(16).fill(3);
    const iv = fromHex("0102030405060708ffffffffffffffff");
    const out = c.aes128Ctr(key, iv, new Uint8Array(32));
    // Second block must use counter 0102030405060708 0000000000000000 (no carry upward).
    const wrapped = fromHex("01020304050607080000000000000000");
    assertEquals(out.subarray(0, 16), ctr(key, iv).encrypt(new Uint8Array(16)));
    assertEquals(out.subarray(16), ctr(key, wrapped).encrypt(new Uint8Array(16)));
  });

  Deno.test(`${c.name}: wrong-size arguments are rejected with a typed error`, () => {
    assertThrows(() => c.x25519(new Uint8Array(31), new Uint8Array(32)), Error, "32 bytes");
    assertThrows(() => c.aes128Ctr(new Uint8Array(15), new Uint8Array(16), new Uint8Array(1)));
  });
}

Deno.test("the auto backend uses libsodium when it is installed", () => {
  const auto = createCryptoProvider("auto");
  let sodiumPresent = false;
  for (const name of ["libsodium.so.23", "libsodium.so.26", "libsodium.so"]) {
    try {
      Deno.dlopen(name, {}).close();
      sodiumPresent = true;
      break;
    } catch { /* not this name */ }
  }
  assertEquals(auto.name, sodiumPresent ? "sodium+node" : "node");
});
