import { createCipheriv } from "node:crypto";
import { gcmsiv, unsafe } from "@noble/ciphers/aes.js";
import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  AeadAuthenticationError,
  aes256GcmSivCtr,
  aes256GcmSivOpen,
  aes256GcmSivSeal,
  AES_256_GCM_SIV_TAG_LENGTH,
} from "./aes_gcm_siv.ts";
import { nobleAes256GcmSivOpen, nobleAes256GcmSivSeal } from "./backends/noble.ts";
import { constantTimeEqual, fromHex, toHex } from "./bytes.ts";
import { createCryptoProvider, createNobleProvider, createNodeProvider } from "./mod.ts";
import { CryptoArgumentError } from "./provider.ts";
import { seededRandom } from "./random.ts";

type Seal = (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array) => Uint8Array;
type Open = (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array) => Uint8Array;

const IMPLEMENTATIONS: { name: string; seal: Seal; open: Open }[] = [
  { name: "native", seal: aes256GcmSivSeal, open: aes256GcmSivOpen },
  { name: "noble", seal: nobleAes256GcmSivSeal, open: nobleAes256GcmSivOpen },
  ...[createNodeProvider(), createNobleProvider(), createCryptoProvider("auto")].map((c) => ({
    name: `provider ${c.name}`,
    seal: c.aes256GcmSivSeal,
    open: c.aes256GcmSivOpen,
  })),
];

const block = (first: number) => {
  const b = new Uint8Array(16);
  b[0] = first;
  return toHex(b);
};
const KEY_1 = "01" + "00".repeat(31);
const NONCE_3 = "03" + "00".repeat(11);

// RFC 8452 Appendix C.2 (AEAD_AES_256_GCM_SIV), every vector without AAD, and C.3 (counter
// wrap): [key, nonce, plaintext, ciphertext ‖ tag].
const VECTORS: [string, string, string, string][] = [
  [KEY_1, NONCE_3, "", "07f5f4169bbf55a8400cd47ea6fd400f"],
  [KEY_1, NONCE_3, "0100000000000000", "c2ef328e5c71c83b843122130f7364b761e0b97427e3df28"],
  [
    KEY_1,
    NONCE_3,
    "010000000000000000000000",
    "9aab2aeb3faa0a34aea8e2b18ca50da9ae6559e48fd10f6e5c9ca17e",
  ],
  [
    KEY_1,
    NONCE_3,
    block(1),
    "85a01b63025ba19b7fd3ddfc033b3e76c9eac6fa700942702e90862383c6c366",
  ],
  [
    KEY_1,
    NONCE_3,
    block(1) + block(2),
    "4a6a9db4c8c6549201b9edb53006cba821ec9cf850948a7c86c68ac7539d027f" +
    "e819e63abcd020b006a976397632eb5d",
  ],
  [
    KEY_1,
    NONCE_3,
    block(1) + block(2) + block(3),
    "c00d121893a9fa603f48ccc1ca3c57ce7499245ea0046db16c53c7c66fe717e3" +
    "9cf6c748837b61f6ee3adcee17534ed5790bc96880a99ba804bd12c0e6a22cc4",
  ],
  [
    KEY_1,
    NONCE_3,
    block(1) + block(2) + block(3) + block(4),
    "c2d5160a1f8683834910acdafc41fbb1632d4a353e8b905ec9a5499ac34f96c7" +
    "e1049eb080883891a4db8caaa1f99dd004d80487540735234e3744512c6f90ce" +
    "112864c269fc0d9d88c61fa47e39aa08",
  ],
  [
    "e66021d5eb8e4f4066d4adb9c33560e4f46e44bb3da0015c94f7088736864200",
    "e0eaf5284d884a0e77d31646",
    "",
    "169fbb2fbf389a995f6390af22228a62",
  ],
  // C.3: the tag is ffffffff00…00, so the counter wraps to 0 after the first block.
  [
    "00".repeat(32),
    "00".repeat(12),
    "00000000000000000000000000000000" + "4db923dc793ee6497c76dcc03a98e108",
    "f3f80f2cf0cb2dd9c5984fcda908456cc537703b5ba70324a6793a7bf218d3ea" +
    "ffffffff000000000000000000000000",
  ],
  [
    "00".repeat(32),
    "00".repeat(12),
    "eb3640277c7ffd1303c7a542d02d3e4c" + "0000000000000000",
    "18ce4f0b8cb4d0cac65fea8f79257b20888e53e72299e56d" +
    "ffffffff000000000000000000000000",
  ],
];

for (const impl of IMPLEMENTATIONS) {
  Deno.test(`AES-256-GCM-SIV ${impl.name}: RFC 8452 C.2 (no AAD) and C.3 counter-wrap vectors`, () => {
    for (const [key, nonce, plaintext, sealed] of VECTORS) {
      const k = fromHex(key), n = fromHex(nonce), p = fromHex(plaintext);
      assertEquals(toHex(impl.seal(k, n, p)), sealed, `seal of ${plaintext || "(empty)"}`);
      assertEquals(toHex(impl.open(k, n, fromHex(sealed))), plaintext);
    }
  });

  Deno.test(`AES-256-GCM-SIV ${impl.name}: every tampered byte of ciphertext or tag is refused`, () => {
    const random = seededRandom(new Uint8Array(32).fill(11));
    const key = random(32), nonce = random(12);
    for (const length of [0, 1, 15, 16, 17, 50]) {
      const plaintext = random(length);
      const sealed = impl.seal(key, nonce, plaintext);
      assertEquals(sealed.length, length + AES_256_GCM_SIV_TAG_LENGTH);
      for (let i = 0; i < sealed.length; i++) {
        for (const bit of [0x01, 0x80]) {
          const tampered = sealed.slice();
          tampered[i] ^= bit;
          assertThrows(() => impl.open(key, nonce, tampered), AeadAuthenticationError);
        }
      }
      assertThrows(() => impl.open(key, nonce, sealed.subarray(1)), AeadAuthenticationError);
      assertThrows(
        () => impl.open(key, nonce, sealed.subarray(0, sealed.length - 1)),
        AeadAuthenticationError,
      );
      const longer = new Uint8Array(sealed.length + 1);
      longer.set(sealed);
      assertThrows(() => impl.open(key, nonce, longer), AeadAuthenticationError);
      const otherKey = key.slice();
      otherKey[31] ^= 1;
      assertThrows(() => impl.open(otherKey, nonce, sealed), AeadAuthenticationError);
      const otherNonce = nonce.slice();
      otherNonce[11] ^= 1;
      assertThrows(() => impl.open(key, otherNonce, sealed), AeadAuthenticationError);
      // the untouched input still opens
      assertEquals(impl.open(key, nonce, sealed), plaintext);
    }
  });

  Deno.test(`AES-256-GCM-SIV ${impl.name}: wrong key, nonce and ciphertext lengths`, () => {
    const p = new Uint8Array(5);
    for (const keyLength of [0, 16, 24, 31, 33]) {
      const key = new Uint8Array(keyLength);
      assertThrows(() => impl.seal(key, new Uint8Array(12), p), CryptoArgumentError, "key");
      assertThrows(
        () => impl.open(key, new Uint8Array(12), new Uint8Array(21)),
        CryptoArgumentError,
        "key",
      );
    }
    for (const nonceLength of [0, 8, 11, 13, 16]) {
      const nonce = new Uint8Array(nonceLength);
      assertThrows(() => impl.seal(new Uint8Array(32), nonce, p), CryptoArgumentError, "nonce");
      assertThrows(
        () => impl.open(new Uint8Array(32), nonce, new Uint8Array(21)),
        CryptoArgumentError,
        "nonce",
      );
    }
    for (let length = 0; length < 16; length++) {
      assertThrows(
        () => impl.open(new Uint8Array(32), new Uint8Array(12), new Uint8Array(length)),
        AeadAuthenticationError,
        "at least 16 bytes",
      );
    }
  });
}

Deno.test("AES-256-GCM-SIV native: equals noble's gcmsiv both ways, lengths 0..5000", () => {
  const random = seededRandom(new Uint8Array(32).fill(12));
  const lengths = [...Array.from({ length: 81 }, (_, i) => i), 1643, 2421, 4095, 4096, 5000];
  for (let i = 0; i < 150; i++) lengths.push(random(2)[0] * 20 % 5001);
  for (const length of lengths) {
    const key = random(32), nonce = random(12);
    // an unaligned view, as binary frames hand over (the body starts at offset 14)
    const buffer = random(length + 3);
    const plaintext = buffer.subarray(3);
    const ours = aes256GcmSivSeal(key, nonce, plaintext);
    const theirs = gcmsiv(key, nonce).encrypt(plaintext);
    assertEquals(toHex(ours), toHex(theirs), `length ${length}`);
    assertEquals(gcmsiv(key, nonce).decrypt(ours), plaintext);
    const framed = new Uint8Array(theirs.length + 14);
    framed.set(theirs, 14);
    assertEquals(aes256GcmSivOpen(key, nonce, framed.subarray(14)), plaintext);
  }
});

Deno.test("AES-256-GCM-SIV native: multi-megabyte messages equal noble's (chunked counters)", () => {
  const random = seededRandom(new Uint8Array(32).fill(13));
  for (const length of [32 * 1024 + 5, 3 * 1024 * 1024 + 7]) {
    const key = random(32), nonce = random(12);
    const plaintext = random(length);
    const sealed = aes256GcmSivSeal(key, nonce, plaintext);
    assert(constantTimeEqual(sealed, gcmsiv(key, nonce).encrypt(plaintext)), `length ${length}`);
    assertEquals(aes256GcmSivOpen(key, nonce, sealed), plaintext);
  }
});

Deno.test("AES-256-GCM-SIV native: the 32-bit counter wraps mod 2^32 inside a chunk", () => {
  const random = seededRandom(new Uint8Array(32).fill(14));
  const encKey = random(32);
  const tag = random(16);
  // first counter word 2^32 − 3000: block 3000 (in the second 2048-block chunk) uses counter 0
  new DataView(tag.buffer).setUint32(0, 2 ** 32 - 3000, true);
  const input = random(5000 * 16 + 7);
  const out = aes256GcmSivCtr(encKey, tag, input);
  const counter = tag.slice();
  counter[15] |= 0x80;
  const reference = unsafe.ctr32(unsafe.expandKeyLE(encKey), true, counter, input);
  assertEquals(toHex(out), toHex(reference));
  // And independently of noble: the keystream around the wrap, one AES block at a time.
  const aes = (b: Uint8Array) => {
    const c = createCipheriv("aes-256-ecb", encKey, null);
    c.setAutoPadding(false);
    const r = new Uint8Array(c.update(b));
    c.final();
    return r;
  };
  for (const [index, value] of [[2999, 0xffffffff], [3000, 0], [3001, 1]]) {
    const ctr = tag.slice();
    ctr[15] |= 0x80;
    new DataView(ctr.buffer).setUint32(0, value, true); // bytes 4..15 never change
    const keystream = out.slice(16 * index, 16 * index + 16);
    for (let i = 0; i < 16; i++) keystream[i] ^= input[16 * index + i];
    assertEquals(toHex(keystream), toHex(aes(ctr)), `block ${index}`);
  }
  // RFC 8452 C.3 through the counter mode alone (record encryption key from the RFC).
  const c3Key = fromHex("779b38d15bffb63d39d6e9ae76a9b2f375d11b0e3a68c422845c7d4690fa594f");
  const c3Tag = fromHex("ffffffff000000000000000000000000");
  assertEquals(
    toHex(
      aes256GcmSivCtr(c3Key, c3Tag, fromHex("00".repeat(16) + "4db923dc793ee6497c76dcc03a98e108")),
    ),
    "f3f80f2cf0cb2dd9c5984fcda908456cc537703b5ba70324a6793a7bf218d3ea",
  );
});

Deno.test("AES-256-GCM-SIV native: inputs are not modified and sealing is deterministic", () => {
  const random = seededRandom(new Uint8Array(32).fill(15));
  const key = random(32), nonce = random(12), plaintext = random(100);
  const copies = [key.slice(), nonce.slice(), plaintext.slice()];
  const sealed = aes256GcmSivSeal(key, nonce, plaintext);
  assertEquals(aes256GcmSivSeal(key, nonce, plaintext), sealed);
  const sealedCopy = sealed.slice();
  aes256GcmSivOpen(key, nonce, sealed);
  assertEquals([key, nonce, plaintext], copies);
  assertEquals(sealed, sealedCopy);
});

Deno.test("AES-256-GCM-SIV native: finishes its node:crypto ciphers (no native memory growth)", async () => {
  // A Deno Cipheriv that is never finished keeps ≈ 1.1 KB of native memory: 40,000 seals and
  // opens create 160,000 of them (≈ 170 MB if leaked). RSS is measured in a child process of its
  // own, because `deno test --parallel` runs other test files in this process.
  const moduleUrl = new URL("./aes_gcm_siv.ts", import.meta.url).href;
  const script = `
    import { aes256GcmSivOpen, aes256GcmSivSeal } from ${JSON.stringify(moduleUrl)};
    const key = new Uint8Array(32).fill(1), nonce = new Uint8Array(12), plaintext = new Uint8Array(64);
    const sealed = aes256GcmSivSeal(key, nonce, plaintext);
    const round = () => {
      for (let i = 0; i < 20_000; i++) {
        nonce[0] = i;
        aes256GcmSivSeal(key, nonce, plaintext);
        try { aes256GcmSivOpen(key, nonce, sealed); } catch { /* wrong nonce on purpose */ }
      }
    };
    round();
    const before = Deno.memoryUsage().rss;
    round();
    round();
    console.log(JSON.stringify({ grown: Deno.memoryUsage().rss - before }));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert(output.success, `child failed: ${stderr}`);
  const { grown } = JSON.parse(new TextDecoder().decode(output.stdout).trim()) as { grown: number };
  const grownMb = grown / 1e6;
  assert(grownMb < 40, `RSS grew by ${grownMb.toFixed(0)} MB`);
});
