import { assert, assertEquals, assertInstanceOf, assertThrows } from "../../testing/asserts.ts";
import {
  createCryptoProvider,
  createNobleProvider,
  fromHex,
  randomInt,
  seededRandom,
  toHex,
} from "../../crypto/mod.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { x25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { hmac } from "@noble/hashes/hmac.js";
import { gcm } from "@noble/ciphers/aes.js";
import {
  createNobleAesGcm,
  createNodeAesGcm,
  deriveNymNoisePsk,
  loadSodiumAesGcm,
  type NoiseAead,
  NoiseDecryptError,
  NoiseError,
  NoiseMessageLengthError,
  NoiseStateError,
  x25519KeyPairFromSecret,
  XKpsk3Handshake,
} from "./mod.ts";

// ---------------------------------------------------------------------------------------------
// Published test vector for exactly this protocol. Source: the cacophony vector file
// (haskell-cryptography/cacophony `vectors/cacophony.txt`, identical copy in the snow crate's
// `tests/vectors/cacophony.txt`), entry "Noise_XKpsk3_25519_AESGCM_SHA256". Messages 0-2 are
// the handshake, 3-5 transport messages; senders alternate initiator/responder.
// ---------------------------------------------------------------------------------------------
const VECTOR = {
  prologue: "4a6f686e2047616c74",
  psk: "54686973206973206d7920417573747269616e20706572737065637469766521",
  initStatic: "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1",
  initEphemeral: "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",
  initRemoteStatic: "31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62",
  respStatic: "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893",
  respEphemeral: "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",
  handshakeHash: "7d896ec6c2df47dfc0018daf83e13a3de26864da2d7a83c80a14866400af2686",
  messages: [
    {
      payload: "4c756477696720766f6e204d69736573",
      ciphertext:
        "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944e6456dee419b259f3e687d6efaccc920b381e754a3f6f7301de84f959da696ba",
    },
    {
      payload: "4d757272617920526f746862617264",
      ciphertext:
        "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843da57d6ce41120c246e0fc8f9b9d687ba9831b48355cc5da761e7a4c1869e7e",
    },
    {
      payload: "462e20412e20486179656b",
      ciphertext:
        "b6975b8b6124af41e15deeba23507aa21cde524f9a1f22c4271793bc374cce1965832867697b1860f93db614610ab10d5b552e100d00aaafd4189ee548e6c59b0c4f79ac540fa2d30089f6",
    },
    {
      payload: "4361726c204d656e676572",
      ciphertext: "3d8282543c7df202312946c03e1f3bcf8c5a7fada6808471da994b",
    },
    {
      payload: "4a65616e2d426170746973746520536179",
      ciphertext: "ff4e77b08822597d16f87da0299879e92e7dd33b7072e5900fb08e25a8089311bb",
    },
    {
      payload: "457567656e2042f6686d20766f6e2042617765726b",
      ciphertext: "5300fe4b9aebd6b2f3cb74f8b9f5857804f546611129c3edf6d7a7f703403762a0568e2dcc",
    },
  ],
};

const fixed = (hex: string) => () => fromHex(hex);

function runVector(crypto: CryptoProvider, aead: NoiseAead): void {
  const psk = fromHex(VECTOR.psk);
  const prologue = fromHex(VECTOR.prologue);
  const initiator = XKpsk3Handshake.initiator({
    crypto,
    aead,
    psk,
    prologue,
    random: fixed(VECTOR.initEphemeral),
    localStaticKeyPair: x25519KeyPairFromSecret(crypto, fromHex(VECTOR.initStatic)),
    remoteStaticPublicKey: fromHex(VECTOR.initRemoteStatic),
  });
  const responder = XKpsk3Handshake.responder({
    crypto,
    aead,
    psk,
    prologue,
    random: fixed(VECTOR.respEphemeral),
    localStaticKeyPair: x25519KeyPairFromSecret(crypto, fromHex(VECTOR.respStatic)),
  });
  // The vector's remote static is the responder's public key.
  assertEquals(
    toHex(x25519KeyPairFromSecret(crypto, fromHex(VECTOR.respStatic)).publicKey),
    VECTOR.initRemoteStatic,
  );
  const sides = [initiator, responder];
  for (let i = 0; i < 3; i++) {
    const writer = sides[i % 2];
    const reader = sides[(i + 1) % 2];
    const ciphertext = writer.writeMessage(fromHex(VECTOR.messages[i].payload));
    assertEquals(toHex(ciphertext), VECTOR.messages[i].ciphertext, `handshake message ${i}`);
    assertEquals(toHex(reader.readMessage(ciphertext)), VECTOR.messages[i].payload);
  }
  assert(initiator.isFinished && responder.isFinished);
  assertEquals(toHex(initiator.handshakeHash), VECTOR.handshakeHash);
  assertEquals(toHex(responder.handshakeHash), VECTOR.handshakeHash);
  assertEquals(
    toHex(responder.remoteStaticPublicKey!),
    toHex(crypto.x25519Base(
      fromHex(VECTOR.initStatic),
    )),
  );
  const transports = [initiator.intoTransport(), responder.intoTransport()];
  for (let i = 3; i < 6; i++) {
    const writer = transports[i % 2];
    const reader = transports[(i + 1) % 2];
    const ciphertext = writer.encrypt(fromHex(VECTOR.messages[i].payload));
    assertEquals(toHex(ciphertext), VECTOR.messages[i].ciphertext, `transport message ${i}`);
    assertEquals(toHex(reader.decrypt(ciphertext)), VECTOR.messages[i].payload);
  }
}

Deno.test("cacophony vector Noise_XKpsk3_25519_AESGCM_SHA256 (default provider, node AES-GCM)", () => {
  runVector(createCryptoProvider(), createNodeAesGcm());
});

Deno.test("cacophony vector Noise_XKpsk3_25519_AESGCM_SHA256 (noble provider, noble AES-GCM)", () => {
  runVector(createNobleProvider(), createNobleAesGcm());
});

Deno.test("cacophony vector Noise_XKpsk3_25519_AESGCM_SHA256 (libsodium AES-GCM, if loadable)", () => {
  const sodium = loadSodiumAesGcm();
  if (sodium !== null) runVector(createCryptoProvider(), sodium);
});

// ---------------------------------------------------------------------------------------------
// A deliberately naive second implementation, written straight from the Noise spec (rev. 34
// §5 and §9) as a generic token interpreter on @noble primitives, used to cross-check the
// production code on random keys, Nym's empty prologue and PSK, and large payloads.
// ---------------------------------------------------------------------------------------------
type Token = "e" | "s" | "ee" | "es" | "se" | "ss" | "psk";
const XKPSK3_MESSAGES: Token[][] = [["e", "es"], ["e", "ee"], ["s", "se", "psk"]];

class NaiveCipher {
  k: Uint8Array | null = null;
  n = 0n;
  nonce(): Uint8Array {
    const out = new Uint8Array(12);
    for (let i = 0; i < 8; i++) out[4 + i] = Number((this.n >> BigInt(8 * (7 - i))) & 0xffn);
    return out;
  }
  encrypt(ad: Uint8Array, pt: Uint8Array): Uint8Array {
    if (!this.k) return pt;
    const ct = gcm(this.k, this.nonce(), ad).encrypt(pt);
    this.n++;
    return ct;
  }
  decrypt(ad: Uint8Array, ct: Uint8Array): Uint8Array {
    if (!this.k) return ct;
    const pt = gcm(this.k, this.nonce(), ad).decrypt(ct);
    this.n++;
    return pt;
  }
}

function naiveHkdf(ck: Uint8Array, ikm: Uint8Array): Uint8Array[] {
  const temp = hmac(sha256, ck, ikm);
  const o1 = hmac(sha256, temp, Uint8Array.of(1));
  const o2 = hmac(sha256, temp, Uint8Array.of(...o1, 2));
  const o3 = hmac(sha256, temp, Uint8Array.of(...o2, 3));
  return [o1, o2, o3];
}

class NaiveHandshake {
  ck: Uint8Array;
  h: Uint8Array;
  cipher = new NaiveCipher();
  e: Uint8Array | null = null; // secret
  re: Uint8Array | null = null;
  rs: Uint8Array | null;
  index = 0;
  constructor(
    readonly initiator: boolean,
    readonly s: Uint8Array,
    rs: Uint8Array | null,
    readonly psk: Uint8Array,
    prologue: Uint8Array,
    readonly ephemeral: () => Uint8Array,
  ) {
    const name = new TextEncoder().encode("Noise_XKpsk3_25519_AESGCM_SHA256");
    this.h = name.length <= 32 ? Uint8Array.from({ length: 32 }, (_, i) => name[i] ?? 0) : sha256(
      name,
    );
    this.ck = this.h.slice();
    this.rs = rs;
    this.mixHash(prologue);
    this.mixHash(initiator ? rs! : x25519.getPublicKey(s)); // pre-message "<- s"
  }
  mixHash(data: Uint8Array) {
    this.h = sha256(Uint8Array.of(...this.h, ...data));
  }
  mixKey(ikm: Uint8Array) {
    const [ck, k] = naiveHkdf(this.ck, ikm);
    this.ck = ck;
    this.cipher = Object.assign(new NaiveCipher(), { k });
  }
  mixKeyAndHash(ikm: Uint8Array) {
    const [ck, th, k] = naiveHkdf(this.ck, ikm);
    this.ck = ck;
    this.mixHash(th);
    this.cipher = Object.assign(new NaiveCipher(), { k, n: 0n });
  }
  encryptAndHash(pt: Uint8Array) {
    const ct = this.cipher.encrypt(this.h, pt);
    this.mixHash(ct);
    return ct;
  }
  decryptAndHash(ct: Uint8Array) {
    const pt = this.cipher.decrypt(this.h, ct);
    this.mixHash(ct);
    return pt;
  }
  dh(token: Token): Uint8Array {
    // Spec §5.3: for "es" the initiator uses DH(e, rs) and the responder DH(s, re); "se" the
    // reverse; "ee" DH(e, re).
    const [mine, theirs] = token === "ee"
      ? [this.e!, this.re!]
      : token === "es"
      ? (this.initiator ? [this.e!, this.rs!] : [this.s, this.re!])
      : (this.initiator ? [this.s, this.re!] : [this.e!, this.rs!]);
    return x25519.getSharedSecret(mine, theirs);
  }
  write(payload: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const t of XKPSK3_MESSAGES[this.index++]) {
      if (t === "e") {
        this.e = this.ephemeral();
        const pub = x25519.getPublicKey(this.e);
        out.push(...pub);
        this.mixHash(pub);
        this.mixKey(pub); // psk modifier
      } else if (t === "s") out.push(...this.encryptAndHash(x25519.getPublicKey(this.s)));
      else if (t === "psk") this.mixKeyAndHash(this.psk);
      else this.mixKey(this.dh(t));
    }
    out.push(...this.encryptAndHash(payload));
    return Uint8Array.from(out);
  }
  read(message: Uint8Array): Uint8Array {
    let at = 0;
    for (const t of XKPSK3_MESSAGES[this.index++]) {
      if (t === "e") {
        this.re = message.slice(at, at += 32);
        this.mixHash(this.re);
        this.mixKey(this.re);
      } else if (t === "s") {
        const len = this.cipher.k ? 48 : 32;
        this.rs = this.decryptAndHash(message.slice(at, at += len));
      } else if (t === "psk") this.mixKeyAndHash(this.psk);
      else this.mixKey(this.dh(t));
    }
    return this.decryptAndHash(message.slice(at));
  }
  split(): [NaiveCipher, NaiveCipher] {
    const [k1, k2] = naiveHkdf(this.ck, new Uint8Array(0));
    return [
      Object.assign(new NaiveCipher(), { k: k1 }),
      Object.assign(new NaiveCipher(), { k: k2 }),
    ];
  }
}

Deno.test("naive reference implementation reproduces the cacophony vector", () => {
  const psk = fromHex(VECTOR.psk);
  const prologue = fromHex(VECTOR.prologue);
  const i = new NaiveHandshake(
    true,
    fromHex(VECTOR.initStatic),
    fromHex(VECTOR.initRemoteStatic),
    psk,
    prologue,
    fixed(VECTOR.initEphemeral),
  );
  const r = new NaiveHandshake(
    false,
    fromHex(VECTOR.respStatic),
    null,
    psk,
    prologue,
    fixed(VECTOR.respEphemeral),
  );
  const m0 = i.write(fromHex(VECTOR.messages[0].payload));
  assertEquals(toHex(m0), VECTOR.messages[0].ciphertext);
  r.read(m0);
  const m1 = r.write(fromHex(VECTOR.messages[1].payload));
  assertEquals(toHex(m1), VECTOR.messages[1].ciphertext);
  i.read(m1);
  const m2 = i.write(fromHex(VECTOR.messages[2].payload));
  assertEquals(toHex(m2), VECTOR.messages[2].ciphertext);
  r.read(m2);
  assertEquals(toHex(r.h), VECTOR.handshakeHash);
});

Deno.test("production handshake interoperates with the naive reference (random keys, Nym PSK)", () => {
  const crypto = createCryptoProvider();
  const rng = seededRandom(new Uint8Array(32).fill(0x4e));
  for (let round = 0; round < 24; round++) {
    const iStatic = rng(32);
    const rStatic = rng(32);
    const rPub = x25519.getPublicKey(rStatic);
    // Nym's PSK, computed independently of psk.ts.
    const psk = sha256(
      Uint8Array.of(...new TextEncoder().encode("NYMTECH_NOISE_dQw4w9WgXcQ"), ...rPub),
    );
    assertEquals(toHex(deriveNymNoisePsk(crypto, rPub, 1)), toHex(psk));
    const ourSideIsInitiator = round % 2 === 0;
    const payloads = [0, 1, 2].map(() => rng(round < 4 ? 0 : randomInt(rng, 200)));
    const ours = ourSideIsInitiator
      ? XKpsk3Handshake.initiator({
        crypto,
        random: rng,
        psk,
        localStaticKeyPair: x25519KeyPairFromSecret(crypto, iStatic),
        remoteStaticPublicKey: rPub,
      })
      : XKpsk3Handshake.responder({
        crypto,
        random: rng,
        psk,
        localStaticKeyPair: x25519KeyPairFromSecret(crypto, rStatic),
      });
    const naive = ourSideIsInitiator
      ? new NaiveHandshake(false, rStatic, null, psk, new Uint8Array(0), () => rng(32))
      : new NaiveHandshake(true, iStatic, rPub, psk, new Uint8Array(0), () => rng(32));
    for (let m = 0; m < 3; m++) {
      const oursWrites = (m !== 1) === ourSideIsInitiator;
      if (oursWrites) {
        assertEquals(toHex(naive.read(ours.writeMessage(payloads[m]))), toHex(payloads[m]));
      } else {
        assertEquals(toHex(ours.readMessage(naive.write(payloads[m]))), toHex(payloads[m]));
      }
    }
    assertEquals(toHex(ours.handshakeHash), toHex(naive.h));
    const transport = ours.intoTransport();
    const [c1, c2] = naive.split();
    const [naiveSend, naiveReceive] = ourSideIsInitiator ? [c2, c1] : [c1, c2];
    for (const size of [0, 1, 2413, 65519]) {
      const data = rng(size);
      assertEquals(
        toHex(naiveReceive.decrypt(new Uint8Array(0), transport.encrypt(data))),
        toHex(data),
      );
      assertEquals(
        toHex(transport.decrypt(naiveSend.encrypt(new Uint8Array(0), data))),
        toHex(data),
      );
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Failure behaviour.
// ---------------------------------------------------------------------------------------------
const crypto = createCryptoProvider();

function pair(seed: number, override: { psk?: Uint8Array; remote?: Uint8Array } = {}) {
  const rng = seededRandom(new Uint8Array(32).fill(seed));
  const iKeys = x25519KeyPairFromSecret(crypto, rng(32));
  const rKeys = x25519KeyPairFromSecret(crypto, rng(32));
  const psk = deriveNymNoisePsk(crypto, rKeys.publicKey, 1);
  const initiator = XKpsk3Handshake.initiator({
    crypto,
    random: rng,
    psk: override.psk ?? psk,
    localStaticKeyPair: iKeys,
    remoteStaticPublicKey: override.remote ?? rKeys.publicKey,
  });
  const responder = XKpsk3Handshake.responder({
    crypto,
    random: rng,
    psk,
    localStaticKeyPair: rKeys,
  });
  return { initiator, responder, iKeys, rKeys };
}

Deno.test("handshake message sizes with empty payloads are 48, 48 and 64 bytes", () => {
  const { initiator, responder, iKeys } = pair(1);
  const m1 = initiator.writeMessage();
  responder.readMessage(m1);
  const m2 = responder.writeMessage();
  initiator.readMessage(m2);
  const m3 = initiator.writeMessage();
  responder.readMessage(m3);
  assertEquals([m1.length, m2.length, m3.length], [48, 48, 64]);
  assertEquals(toHex(responder.remoteStaticPublicKey!), toHex(iKeys.publicKey));
});

Deno.test("a flipped bit anywhere in any of the 3 handshake messages is rejected typed", () => {
  for (let target = 0; target < 3; target++) {
    const length = [48, 48, 64][target];
    for (let bit = 0; bit < length * 8; bit += 7) {
      const { initiator, responder } = pair(2);
      const sides = [initiator, responder];
      let failure: unknown = null;
      for (let m = 0; m < 3 && failure === null; m++) {
        const message = sides[m % 2].writeMessage();
        if (m === target) message[bit >> 3] ^= 1 << (bit & 7);
        try {
          sides[(m + 1) % 2].readMessage(message);
        } catch (e) {
          failure = e;
        }
      }
      // Flipping a bit of an ephemeral key changes es/ee, so the payload tag fails too.
      assertInstanceOf(failure, NoiseDecryptError, `message ${target} bit ${bit}`);
      const failed = sides[(target + 1) % 2];
      assert(failed.isFailed);
      assertThrows(() => failed.writeMessage(), NoiseStateError);
    }
  }
});

Deno.test("truncated or extended handshake messages are rejected typed", () => {
  for (let target = 0; target < 3; target++) {
    for (const change of [-1, -17, 1, 16]) {
      const { initiator, responder } = pair(3);
      const sides = [initiator, responder];
      let failure: unknown = null;
      for (let m = 0; m < 3 && failure === null; m++) {
        let message = sides[m % 2].writeMessage();
        if (m === target) {
          message = change < 0
            ? message.subarray(0, message.length + change)
            : Uint8Array.of(...message, ...new Uint8Array(change));
        }
        try {
          sides[(m + 1) % 2].readMessage(message);
        } catch (e) {
          failure = e;
        }
      }
      assert(
        failure instanceof NoiseMessageLengthError || failure instanceof NoiseDecryptError,
        `message ${target} change ${change}: ${failure}`,
      );
    }
  }
});

Deno.test("a wrong PSK or a wrong responder key fails at the responder with NoiseDecryptError", () => {
  // Wrong PSK: the first two messages succeed; the psk token only bites in message 3.
  {
    const { initiator, responder } = pair(4, { psk: new Uint8Array(32).fill(9) });
    responder.readMessage(initiator.writeMessage());
    initiator.readMessage(responder.writeMessage());
    assertThrows(() => responder.readMessage(initiator.writeMessage()), NoiseDecryptError);
  }
  // Wrong responder key: es differs, so the responder cannot decrypt message 1's payload tag.
  {
    const other = x25519KeyPairFromSecret(crypto, new Uint8Array(32).fill(5)).publicKey;
    const { initiator, responder } = pair(5, { remote: other });
    assertThrows(() => responder.readMessage(initiator.writeMessage()), NoiseDecryptError);
  }
});

Deno.test("out-of-turn calls, finished handshakes and early split are NoiseStateErrors", () => {
  const { initiator, responder } = pair(6);
  assertThrows(() => responder.writeMessage(), NoiseStateError);
  assertThrows(() => initiator.readMessage(new Uint8Array(48)), NoiseStateError);
  assertThrows(() => initiator.intoTransport(), NoiseStateError);
  responder.readMessage(initiator.writeMessage());
  initiator.readMessage(responder.writeMessage());
  responder.readMessage(initiator.writeMessage());
  assertThrows(() => initiator.writeMessage(), NoiseStateError);
  assertThrows(() => responder.readMessage(new Uint8Array(64)), NoiseStateError);
  initiator.intoTransport();
  assertThrows(() => initiator.intoTransport(), NoiseStateError);
});

Deno.test("handshake messages respect the 65535-byte Noise limit", () => {
  const { initiator, responder } = pair(7);
  assertThrows(
    () => initiator.writeMessage(new Uint8Array(65535 - 48 + 1)),
    NoiseMessageLengthError,
  );
  // The size check happens before any state change, so the maximum still works afterwards.
  const big = initiator.writeMessage(new Uint8Array(65535 - 48));
  assertEquals(big.length, 65535);
  assertEquals(responder.readMessage(big).length, 65535 - 48);
  assertThrows(() => responder.readMessage(new Uint8Array(65536)), NoiseError);
});

Deno.test("bad local arguments are NoiseArgumentErrors", () => {
  const keys = x25519KeyPairFromSecret(crypto, new Uint8Array(32).fill(1));
  const base = { crypto, random: seededRandom(new Uint8Array(32)), localStaticKeyPair: keys };
  assertThrows(() => XKpsk3Handshake.responder({ ...base, psk: new Uint8Array(31) }), NoiseError);
  assertThrows(
    () =>
      XKpsk3Handshake.initiator({
        ...base,
        psk: new Uint8Array(32),
        remoteStaticPublicKey: new Uint8Array(33),
      }),
    NoiseError,
  );
});
