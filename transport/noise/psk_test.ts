import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import { createCryptoProvider, fromHex, toHex } from "../../crypto/mod.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { deriveNymNoisePsk, NoiseArgumentError, UnknownNoiseVersionError } from "./mod.ts";

const crypto = createCryptoProvider();

Deno.test("V1 PSK is SHA-256 of the ASCII prefix and the responder key (independent check)", () => {
  const key = fromHex("31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62");
  const expected = sha256(
    Uint8Array.of(...new TextEncoder().encode("NYMTECH_NOISE_dQw4w9WgXcQ"), ...key),
  );
  assertEquals(toHex(deriveNymNoisePsk(crypto, key, 1)), toHex(expected));
  // The prefix is 25 bytes; a one-byte change of the key changes the PSK.
  const other = key.slice();
  other[31] ^= 1;
  assertEquals(toHex(deriveNymNoisePsk(crypto, other, 1)) === toHex(expected), false);
});

Deno.test("PSK derivation for unknown versions fails typed (upstream PskGenerationFailure)", () => {
  for (const v of [0, 2, 255]) {
    const e = assertThrows(
      () => deriveNymNoisePsk(crypto, new Uint8Array(32), v),
      UnknownNoiseVersionError,
    );
    assertEquals(e.encoded, v);
  }
  assertThrows(() => deriveNymNoisePsk(crypto, new Uint8Array(31), 1), NoiseArgumentError);
});
