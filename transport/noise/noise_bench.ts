/**
 * Noise cost: the XKpsk3 handshake (pure core and over loopback TCP) and transport
 * throughput for 2413-byte writes (one Nym sphinx packet frame), pure and over loopback TCP.
 * Throughput in MB/s = bytes per iteration (in the bench name) / time per iteration.
 *
 * Run: `deno bench --allow-net --allow-read --allow-env --allow-ffi transport/noise/noise_bench.ts`
 *
 * @module
 */
import { createCryptoProvider, systemRandom } from "../../crypto/mod.ts";
import {
  createNodeAesGcm,
  createNoiseAead,
  deriveNymNoisePsk,
  generateX25519KeyPair,
  noiseAccept,
  type NoiseAead,
  noiseConnect,
  NoiseFrameDecoder,
  openNoiseDataFrame,
  sealNoiseDataFrames,
  XKpsk3Handshake,
} from "./mod.ts";

const crypto = createCryptoProvider();
const aead = createNoiseAead();
const nodeAead = createNodeAesGcm();
const initiatorKeys = generateX25519KeyPair(crypto, systemRandom);
const responderKeys = generateX25519KeyPair(crypto, systemRandom);
const psk = deriveNymNoisePsk(crypto, responderKeys.publicKey, 1);
const V1 = { version: 1, pattern: 1 } as const;
const PACKET = 2413;
const WRITES_PER_ITERATION = 100;

function handshake(cipher: NoiseAead = aead) {
  const i = XKpsk3Handshake.initiator({
    crypto,
    aead: cipher,
    random: systemRandom,
    psk,
    localStaticKeyPair: initiatorKeys,
    remoteStaticPublicKey: responderKeys.publicKey,
  });
  const r = XKpsk3Handshake.responder({
    crypto,
    aead: cipher,
    random: systemRandom,
    psk,
    localStaticKeyPair: responderKeys,
  });
  r.readMessage(i.writeMessage());
  i.readMessage(r.writeMessage());
  r.readMessage(i.writeMessage());
  return { a: i.intoTransport(), b: r.intoTransport() };
}

Deno.bench(`noise XKpsk3 handshake, both sides, pure (${crypto.name})`, () => {
  handshake();
});

for (const cipher of new Set([aead, nodeAead])) {
  const { a, b } = handshake(cipher);
  const packet = systemRandom(PACKET);
  const decoder = new NoiseFrameDecoder();
  Deno.bench(
    `noise transport seal+open, ${WRITES_PER_ITERATION} x ${PACKET} B writes = ${
      WRITES_PER_ITERATION * PACKET
    } B, pure (${cipher.name})`,
    () => {
      for (let n = 0; n < WRITES_PER_ITERATION; n++) {
        decoder.push(sealNoiseDataFrames(a, packet, V1));
        openNoiseDataFrame(b, decoder.next()!, V1);
      }
    },
  );
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });

async function tcpHandshake() {
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  return await Promise.all([
    noiseConnect(client, {
      responderStaticPublicKey: responderKeys.publicKey,
      localStaticKeyPair: initiatorKeys,
      crypto,
      aead,
      random: systemRandom,
    }),
    noiseAccept(server, { localStaticKeyPair: responderKeys, crypto, aead, random: systemRandom }),
  ]);
}

Deno.bench("noise XKpsk3 handshake over loopback TCP (connect + accept)", async () => {
  const [i, r] = await tcpHandshake();
  i.close();
  r.close();
});

{
  const [sender, receiver] = await tcpHandshake();
  const packet = systemRandom(PACKET);
  const total = WRITES_PER_ITERATION * PACKET;
  const sink = new Uint8Array(65536);
  Deno.bench(
    `noise over loopback TCP, ${WRITES_PER_ITERATION} x ${PACKET} B writes = ${total} B`,
    async () => {
      const writes = (async () => {
        for (let n = 0; n < WRITES_PER_ITERATION; n++) await sender.write(packet);
      })();
      let received = 0;
      while (received < total) {
        const got = await receiver.read(sink);
        if (got === null) throw new Error("unexpected EOF");
        received += got;
      }
      await writes;
    },
  );
}
