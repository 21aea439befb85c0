import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
import { buildSphinxPacket, processSphinxPacket } from "./mod.ts";

const crypto = createCryptoProvider();
const secrets = Array.from({ length: 4 }, () => systemRandom(32));
const route = secrets.map((sk, i) => ({
  address: new Uint8Array(32).fill(i + 1),
  publicKey: crypto.x25519Base(sk),
}));
const spec = {
  message: systemRandom(2048),
  route,
  destination: { address: systemRandom(32), identifier: new Uint8Array(16) },
  delaysNanos: [0, 0, 0, 0],
  payloadSize: 2065,
  random: systemRandom,
};
const packets = Array.from({ length: 64 }, () => buildSphinxPacket(crypto, spec).packet);
let i = 0;

Deno.bench(`sphinx unwrap, regular packet (${crypto.name})`, () => {
  processSphinxPacket(crypto, packets[i++ & 63], secrets[0]);
});

Deno.bench(`sphinx create, 4 hops regular (${crypto.name})`, () => {
  buildSphinxPacket(crypto, spec);
});
