/**
 * Injectable randomness. Production code takes a {@linkcode RandomSource}; tests pass a seeded
 * one so packets, keys and delays are reproducible.
 *
 * @module
 */
import { chacha20 } from "@noble/ciphers/chacha.js";

/** Returns `length` random bytes. */
export type RandomSource = (length: number) => Uint8Array;

/**
 * Cryptographically secure randomness from the platform (`crypto.getRandomValues`).
 *
 * @example
 * ```ts
 * import { systemRandom } from "./random.ts";
 * systemRandom(32).length; // 32
 * ```
 */
export const systemRandom: RandomSource = (length) => {
  const out = new Uint8Array(length);
  // getRandomValues is limited to 65536 bytes per call.
  for (let i = 0; i < length; i += 65536) {
    crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
  }
  return out;
};

/**
 * Deterministic stream equal to Rust's `rand_chacha::ChaCha20Rng::from_seed(seed)` output: the
 * ChaCha20 keystream with `seed` as key, zero nonce, counter from 0. Used by tests and by the
 * upstream test vectors in `wire-format.md` §12.1. Never use it for real keys.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./random.ts";
 * const rng = seededRandom(new Uint8Array(32).fill(1));
 * rng(32); // the first 32 keystream bytes
 * ```
 */
export function seededRandom(seed: Uint8Array): RandomSource {
  if (seed.length !== 32) throw new RangeError("seed must be 32 bytes");
  const key = seed.slice();
  let buffer = new Uint8Array(0);
  let position = 0;
  let block = 0;
  return (length) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (position === buffer.length) {
        // 16 KiB of keystream per refill, continuing the counter across refills.
        const blocks = 256;
        const nonce = new Uint8Array(12);
        buffer = chacha20(key, nonce, new Uint8Array(blocks * 64), undefined, block);
        block += blocks;
        position = 0;
      }
      const take = Math.min(length - filled, buffer.length - position);
      out.set(buffer.subarray(position, position + take), filled);
      position += take;
      filled += take;
    }
    return out;
  };
}

/**
 * A uniform float in `[0, 1)` from 53 random bits of `random`.
 *
 * @example
 * ```ts
 * import { randomFloat, systemRandom } from "./random.ts";
 * const x = randomFloat(systemRandom); // 0 <= x < 1
 * ```
 */
export function randomFloat(random: RandomSource): number {
  const b = random(7);
  // 53 bits: 8 bits × 6 + top 5 bits of the 7th byte.
  let hi = 0;
  for (let i = 0; i < 6; i++) hi = hi * 256 + b[i];
  return (hi * 32 + (b[6] >>> 3)) / 2 ** 53;
}

/**
 * A uniform integer in `[0, n)` without modulo bias.
 *
 * @example
 * ```ts
 * import { randomInt, systemRandom } from "./random.ts";
 * randomInt(systemRandom, 6); // 0..5
 * ```
 */
export function randomInt(random: RandomSource, n: number): number {
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError("n must be in [1, 2^32]");
  const limit = Math.floor(2 ** 32 / n) * n;
  for (;;) {
    const b = random(4);
    const v = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    if (v < limit) return v % n;
  }
}
