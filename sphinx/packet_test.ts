import { assert, assertEquals, assertInstanceOf, assertThrows } from "../testing/asserts.ts";
import { createCryptoProvider, type RandomSource, seededRandom } from "../crypto/mod.ts";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ctr } from "@noble/ciphers/aes.js";
import {
  buildHeader,
  buildSphinxPacket,
  type Destination,
  HEADER_SIZE,
  HeaderIntegrityError,
  HKDF_INFO,
  InvalidBuildArgumentError,
  MalformedPacketError,
  type ProcessedPacket,
  processSphinxPacket,
  recoverPlaintext,
  type RouteNode,
  SphinxError,
} from "./mod.ts";

const crypto = createCryptoProvider();

/** Nym's packet sizes (wire-format.md §3): total size and plaintext (message) size. */
const SIZES = [
  { name: "regular", total: 2413, plaintext: 2048 },
  { name: "ack", total: 386, plaintext: 21 },
  { name: "extended8", total: 8557, plaintext: 8192 },
  { name: "extended16", total: 16749, plaintext: 16384 },
  { name: "extended32", total: 33133, plaintext: 32768 },
];

function makeRoute(rng: RandomSource, hops: number): { route: RouteNode[]; secrets: Uint8Array[] } {
  const secrets = Array.from({ length: hops }, () => rng(32));
  const route = secrets.map((sk, i) => {
    const address = new Uint8Array(32);
    address.set([4, 0x06, 0xfd, 10, 0, 0, i + 1]); // 10.0.0.i:1789 as NymNodeRoutingAddress
    return { address, publicKey: crypto.x25519Base(sk) };
  });
  return { route, secrets };
}

function destination(rng: RandomSource): Destination {
  return { address: rng(32), identifier: new Uint8Array(16) };
}

function walk(packet: Uint8Array, route: RouteNode[], secrets: Uint8Array[]): ProcessedPacket[] {
  const results: ProcessedPacket[] = [];
  let current = packet;
  for (let i = 0; i < secrets.length; i++) {
    const r = processSphinxPacket(crypto, current, secrets[i]);
    results.push(r);
    if (r.kind === "forward") {
      assertEquals(r.nextHopAddress, route[i + 1].address);
      assertEquals(r.packet.length, packet.length);
      current = r.packet;
    }
  }
  return results;
}

for (const version of [257, 258, 259]) {
  for (let hops = 1; hops <= 5; hops++) {
    Deno.test(`v${version}: build → process round trip through ${hops} hop(s), every packet size`, () => {
      const rng = seededRandom(new Uint8Array(32).fill(version % 256 + hops));
      const { route, secrets } = makeRoute(rng, hops);
      for (const size of SIZES) {
        const dest = destination(rng);
        const message = rng(size.plaintext);
        const delays = Array.from({ length: hops }, (_, i) => 1_000_000 * (i + 1) + 7);
        const { packet } = buildSphinxPacket(crypto, {
          message,
          route,
          destination: dest,
          delaysNanos: delays,
          payloadSize: size.total - HEADER_SIZE,
          version,
          random: rng,
        });
        assertEquals(packet.length, size.total);
        const results = walk(packet, route, secrets);
        results.slice(0, -1).forEach((r, i) => {
          assertEquals(r.kind, "forward");
          if (r.kind === "forward") {
            assertEquals(r.delayNanos, delays[i]);
            assertEquals(r.version, version);
          }
        });
        const last = results[results.length - 1];
        assertEquals(last.kind, "final");
        if (last.kind === "final") {
          assertEquals(last.destination, dest.address);
          assertEquals(last.identifier, dest.identifier);
          assertEquals(last.version, version);
          assertEquals(recoverPlaintext(last.payload), message);
        }
      }
    });
  }
}

Deno.test("short messages are padded and recovered exactly (including empty)", () => {
  const rng = seededRandom(new Uint8Array(32).fill(40));
  const { route, secrets } = makeRoute(rng, 3);
  for (const len of [0, 1, 100, 2047]) {
    const message = rng(len);
    const { packet } = buildSphinxPacket(crypto, {
      message,
      route,
      destination: destination(rng),
      delaysNanos: [0, 0, 0],
      payloadSize: 2065,
      random: rng,
    });
    const last = walk(packet, route, secrets).at(-1)!;
    assert(last.kind === "final");
    assertEquals(recoverPlaintext(last.payload), message);
  }
});

// An independent header builder written straight from wire-format.md §2.6–§2.9 with @noble
// primitives and the naive O(n²) blinding fold; it must produce the same bytes as buildHeader.
function referenceHeader(
  route: RouteNode[],
  delays: number[],
  dest: Destination,
  version: number,
  x: Uint8Array,
  padding: Uint8Array,
): Uint8Array {
  const n = route.length;
  const E: Uint8Array[] = [];
  const bfs = [x];
  for (let j = 0; j < n; j++) {
    let acc = route[j].publicKey;
    for (const b of bfs) acc = x25519.scalarMult(b, acc);
    const e = hkdf(sha256, acc, undefined, HKDF_INFO, 288);
    E.push(e);
    bfs.push(e.slice(224, 256));
  }
  const ks = (j: number) => ctr(E[j].slice(0, 16), new Uint8Array(16)).encrypt(new Uint8Array(360));
  let filler = new Uint8Array(0);
  for (let i = 1; i <= n - 1; i++) {
    const k = ks(i - 1);
    const grown = new Uint8Array(filler.length + 60);
    grown.set(filler);
    for (let t = 0; t < grown.length; t++) grown[t] ^= k[360 - 60 * i + t];
    filler = grown;
  }
  const ver = [0, version >> 8, version & 0xff];
  const finalLen = 300 - 60 * (n - 1);
  const finalPlain = new Uint8Array(finalLen);
  finalPlain.set([2, ...ver]);
  finalPlain.set(dest.address, 4);
  finalPlain.set(dest.identifier, 36);
  finalPlain.set(padding, 52);
  const kLast = ks(n - 1);
  let beta = new Uint8Array(300);
  for (let t = 0; t < finalLen; t++) beta[t] = finalPlain[t] ^ kLast[t];
  beta.set(filler, finalLen);
  let gamma = hmac(sha256, E[n - 1].slice(16, 32), beta).slice(0, 16);
  for (let i = n - 2; i >= 0; i--) {
    const plain = new Uint8Array(300);
    plain.set([1, ...ver]);
    plain.set(route[i + 1].address, 4);
    new DataView(plain.buffer).setBigUint64(36, BigInt(delays[i]));
    plain.set(gamma, 44);
    plain.set(beta.slice(0, 240), 60);
    const k = ks(i);
    beta = plain.map((b, t) => b ^ k[t]);
    gamma = hmac(sha256, E[i].slice(16, 32), beta).slice(0, 16);
  }
  const header = new Uint8Array(348);
  header.set(x25519.scalarMultBase(x));
  header.set(gamma, 32);
  header.set(beta, 48);
  return header;
}

Deno.test("buildHeader matches an independent reference builder for 1–5 hops (v258, v259)", () => {
  for (const version of [258, 259]) {
    for (let hops = 1; hops <= 5; hops++) {
      const rng = seededRandom(new Uint8Array(32).fill(60 + hops));
      const { route } = makeRoute(rng, hops);
      const dest = destination(rng);
      const delays = Array.from({ length: hops }, () => Math.floor(rng(1)[0] * 1e6));
      const x = rng(32);
      const padding = rng(300 - 60 * (hops - 1) - 52);
      const ours = buildHeader(crypto, {
        route,
        delaysNanos: delays,
        destination: dest,
        version,
        initialSecret: x,
        random: () => padding.slice(),
      });
      assertEquals(ours.header, referenceHeader(route, delays, dest, version, x, padding));
    }
  }
});

Deno.test("tampering with α, γ or β is rejected by the MAC; payload tampering fails recovery", () => {
  const rng = seededRandom(new Uint8Array(32).fill(70));
  const { route, secrets } = makeRoute(rng, 3);
  const { packet } = buildSphinxPacket(crypto, {
    message: rng(100),
    route,
    destination: destination(rng),
    delaysNanos: [0, 0, 0],
    payloadSize: 2065,
    random: rng,
  });
  for (const offset of [0, 31, 32, 47, 48, 200, 347]) {
    const bad = packet.slice();
    bad[offset] ^= 0x01;
    assertThrows(() => processSphinxPacket(crypto, bad, secrets[0]), HeaderIntegrityError);
  }
  assertThrows(() => processSphinxPacket(crypto, packet, secrets[1]), HeaderIntegrityError);
  const bad = packet.slice();
  bad[HEADER_SIZE + 500] ^= 0x80;
  const results = walk(bad, route, secrets);
  const last = results.at(-1)!;
  assert(last.kind === "final");
  const err = assertThrows(() => recoverPlaintext(last.payload));
  assertInstanceOf(err, SphinxError);
});

Deno.test("invalid build arguments and short packets give typed errors", () => {
  const rng = seededRandom(new Uint8Array(32).fill(71));
  const { route } = makeRoute(rng, 5);
  const spec = {
    message: new Uint8Array(10),
    route,
    destination: destination(rng),
    delaysNanos: [0, 0, 0, 0, 0],
    payloadSize: 2065,
    random: rng,
  };
  assertThrows(() => buildSphinxPacket(crypto, { ...spec, route: [] }), InvalidBuildArgumentError);
  assertThrows(
    () =>
      buildSphinxPacket(crypto, {
        ...spec,
        route: [...route, route[0]],
        delaysNanos: [0, 0, 0, 0, 0, 0],
      }),
    InvalidBuildArgumentError,
  );
  assertThrows(
    () => buildSphinxPacket(crypto, { ...spec, delaysNanos: [0] }),
    InvalidBuildArgumentError,
  );
  assertThrows(
    () => buildSphinxPacket(crypto, { ...spec, message: new Uint8Array(2049) }),
    InvalidBuildArgumentError,
  );
  assertThrows(
    () => buildSphinxPacket(crypto, { ...spec, delaysNanos: [-1, 0, 0, 0, 0] }),
    InvalidBuildArgumentError,
  );
  assertThrows(
    () => processSphinxPacket(crypto, new Uint8Array(380), rng(32)),
    MalformedPacketError,
  );
});
