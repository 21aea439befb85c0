/**
 * `deno task bench:sphinx`: per-hop unwrap of a regular (2413-byte) packet against its floor,
 * the same primitives run on the same bytes with no Sphinx logic around them.
 *
 * Floor = 2 × X25519 (key agreement, α blinding) + HKDF-SHA256 (288 B) + HMAC-SHA256 (300 B) +
 * AES-128-CTR (360 B) + 2 × ChaCha20 and 2 × keyed BLAKE2b over the 2033-byte Lioness right half.
 *
 * Last line: `sphinx-unwrap-us=<median> floor-us=<median> ratio=<unwrap/floor>`.
 *
 * @module
 */
import { createCryptoProvider, type CryptoBackend, systemRandom } from "../crypto/mod.ts";
import {
  buildSphinxPacket,
  HKDF_INFO,
  processSphinxPacket,
  type RouteNode,
  X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION,
} from "../sphinx/mod.ts";
import { formatResult, runInterleaved } from "./harness.ts";

const backendArg = Deno.args.find((a) => a.startsWith("--backend="))?.split("=")[1] ?? "auto";
const crypto = createCryptoProvider(backendArg as CryptoBackend);
const random = systemRandom;

const secrets = Array.from({ length: 4 }, () => random(32));
const route: RouteNode[] = secrets.map((sk, i) => ({
  address: new Uint8Array(32).fill(i + 1),
  publicKey: crypto.x25519Base(sk),
}));
const destination = { address: random(32), identifier: new Uint8Array(16) };
const message = random(2048);

function build(): Uint8Array {
  return buildSphinxPacket(crypto, {
    message,
    route,
    destination,
    delaysNanos: [15e6, 15e6, 15e6, 0],
    payloadSize: 2065,
    version: X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION,
    random,
  }).packet;
}

// A pool of distinct packets so every unwrap sees a fresh α (as a real node does).
const pool = Array.from({ length: 256 }, build);
let next = 0;

const alphaPool = pool.map((p) => p.slice(0, 32));
const beta = random(300);
const routing = random(360);
const lionessRight = random(2033);
const k16 = random(16), k32 = random(32), k64 = random(64);
const zeroIv = new Uint8Array(16);
const empty = new Uint8Array(0);

const results = runInterleaved([
  {
    name: "unwrap (regular packet, v258, forward hop)",
    fn: () => {
      processSphinxPacket(crypto, pool[next++ & 255], secrets[0]);
    },
  },
  {
    name: "floor (same primitives, same bytes)",
    fn: () => {
      const alpha = alphaPool[next++ & 255];
      const s = crypto.x25519(secrets[0], alpha);
      const e = crypto.hkdfSha256(s, empty, HKDF_INFO, 288);
      crypto.hmacSha256(e.subarray(16, 32), beta);
      crypto.aes128Ctr(k16, zeroIv, routing);
      crypto.x25519(e.subarray(224, 256), alpha);
      crypto.blake2b256Keyed(k64, lionessRight);
      crypto.chacha20XorInPlace(k32, lionessRight);
      crypto.blake2b256Keyed(k64, lionessRight);
      crypto.chacha20XorInPlace(k32, lionessRight);
    },
  },
  { name: "create (3 mix hops + gateway, regular)", fn: () => void build() },
], { rounds: 40, batchSize: 100 });

console.log(`backend: ${crypto.name}`);
for (const r of results) console.log(formatResult(r));
const [unwrap, floor, create] = results;
console.log(
  `unwrap throughput ≈ ${(1e6 / unwrap.medianUs).toFixed(0)} packets/s/core; ` +
    `creation ≈ ${(1e6 / create.medianUs).toFixed(0)} packets/s/core`,
);
console.log(
  `sphinx-unwrap-us=${unwrap.medianUs.toFixed(1)} floor-us=${floor.medianUs.toFixed(1)} ` +
    `ratio=${(unwrap.medianUs / floor.medianUs).toFixed(2)}`,
);
