import { assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, fromHex, seededRandom, toHex } from "../crypto/mod.ts";
import { derivePayloadKey, expandSharedSecret, payloadKeyFor } from "./keys.ts";

const crypto = createCryptoProvider();

// wire-format.md §12.1: sphinx-packet 0.6.0 `results_in_same_values_as_old_implementation`.
Deno.test("expanded shared secret matches the sphinx-packet 0.6.0 test vector", () => {
  const rng = seededRandom(new Uint8Array(32).fill(1));
  const sk1 = rng(32);
  const sk2 = rng(32);
  assertEquals(toHex(sk1), "023f37203a2476c42566a61cc55c3ca875dbb4cc41c0deb789f8e7bf88183638");
  assertEquals(toHex(sk2), "1ecc3686b60ee3b84b6c7d321d70d5c06e9dac63a4d0a79d731b17c0d04d030d");
  const pk1 = crypto.x25519Base(sk1);
  assertEquals(toHex(pk1), "d53b9fea1dd4d570dbe38180767c236456ca6633f103f1aa0637e7b613d25274");
  const ss = crypto.x25519(sk2, pk1);
  assertEquals(toHex(ss), "499a6ab6e6c50f92a5f15d4a93bf90c0b7d8b0e9577f31907c8e01152b752747");
  const e = expandSharedSecret(crypto, ss);
  assertEquals(toHex(e.streamCipherKey), "baea9871ca7cbfe4ad595b087ffbd6c8");
  assertEquals(toHex(e.headerMacKey), "1cde11e32eb4aa072234b18e96898ede");
  assertEquals(
    toHex(e.legacyPayloadKey),
    "d2d151f1fe7b24519b55732865d26108c4683d17a5bebfeccb450fe64664a1883558747651393ab5e866955defff9ccd00926e75893b66aa57faafcfc16b709af7dc6e87206a14980e84599af918b0281eb6c3d17c3b3ac9d1ff50976de29de83080389f5aa8e53c6a0e32d7c6c8a8189fe0f07717f23d8136248cf57f9fe605348efe34a8ab8b64ce105edb44718d9f04e9bd90a4cab44ad64260b946bf9b12d2347b47e7e14f00c419d9e785bf607767b6c824d73ecb95d68b2046421e3f66",
  );
  assertEquals(
    toHex(e.blindingFactor),
    "e340b8eb8c3ee8aceb2a3aa9f1fdf50288954a3006a59185be69dedaf8ac31bc",
  );
  assertEquals(
    toHex(e.replayTag),
    "10e008d2c39ea43ac2a4837ec49a2a0151825117c62f8fc51b31abd37202ade5",
  );
});

// wire-format.md §12.4 (self-computed cross-check of the version-259 payload key).
Deno.test("version 259 payload keys are HKDF of the seed", () => {
  const key = derivePayloadKey(crypto, fromHex("d2d151f1fe7b24519b55732865d26108"));
  assertEquals(
    toHex(key),
    "5e3ec0826fabe7ad928194bd4b2b5877184791c9fb94e46b92ff9460ee026d14726bb9c76213b532a3922826807cf45a435a2fb3c2e64298c19979858bd83a040d509e0f2f836727d93518d716ea5740bbb2ec454ba5a20cb8c8914373a426cac0dcef02ff2fddb06c0f268b860900021ee969a5da99c0d93444b35ba321769944005d942731e5533074b9d2b5cec2b5407e8445f35c269ec2ee62bad8d8c769514d0879a1b9951a5b14d1098ec47c5eac73a8bdd0620a660e79da8179ccf0e0",
  );
});

Deno.test("the payload key rule follows the version (1/257/258 raw, others seeded)", () => {
  const e = expandSharedSecret(crypto, new Uint8Array(32).fill(9));
  for (const v of [1, 257, 258]) assertEquals(payloadKeyFor(crypto, e, v), e.legacyPayloadKey);
  for (const v of [259, 256, 260]) {
    assertEquals(payloadKeyFor(crypto, e, v), derivePayloadKey(crypto, e.payloadKeySeed));
  }
});
