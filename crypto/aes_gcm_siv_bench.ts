/**
 * `deno bench -A crypto/aes_gcm_siv_bench.ts`: AES-256-GCM-SIV without AAD, `@noble/ciphers`'
 * `gcmsiv` against `crypto/aes_gcm_siv.ts` (native AES + JavaScript POLYVAL), sealing and
 * opening the sizes a gateway handles: 64 B, a 1643-byte pushed message (1.6 KB) and a 2421-byte
 * MixPacket v1 (2.4 KB, `gateway/protocol/binary.ts`). A fresh nonce every iteration, as in
 * real use (GCM-SIV derives new keys per nonce).
 *
 * @module
 */
import { gcmsiv } from "@noble/ciphers/aes.js";
import { aes256GcmSivOpen, aes256GcmSivSeal } from "./aes_gcm_siv.ts";
import { seededRandom } from "./random.ts";

const random = seededRandom(new Uint8Array(32).fill(5));
const key = random(32);
const NONCES = 64;
const nonces = Array.from({ length: NONCES }, () => random(12));

for (const size of [64, 1643, 2421]) {
  const plaintext = random(size);
  const sealed = nonces.map((n) => aes256GcmSivSeal(key, n, plaintext));
  let i = 0;
  Deno.bench({
    name: `noble seal ${size} B`,
    group: `seal ${size} B`,
    baseline: true,
    fn: () => {
      gcmsiv(key, nonces[i++ % NONCES]).encrypt(plaintext);
    },
  });
  Deno.bench({
    name: `native seal ${size} B`,
    group: `seal ${size} B`,
    fn: () => {
      aes256GcmSivSeal(key, nonces[i++ % NONCES], plaintext);
    },
  });
  Deno.bench({
    name: `noble open ${size} B`,
    group: `open ${size} B`,
    baseline: true,
    fn: () => {
      const k = i++ % NONCES;
      gcmsiv(key, nonces[k]).decrypt(sealed[k]);
    },
  });
  Deno.bench({
    name: `native open ${size} B`,
    group: `open ${size} B`,
    fn: () => {
      const k = i++ % NONCES;
      aes256GcmSivOpen(key, nonces[k], sealed[k]);
    },
  });
}
