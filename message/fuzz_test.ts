/**
 * Fuzz-style robustness tests: random and mutated inputs for every parser in `message/` must
 * either parse or throw a {@linkcode MessageError}; nothing else may escape, and nothing may hang.
 */
import { fail } from "../testing/asserts.ts";
import { fromHex } from "../crypto/bytes.ts";
import { createCryptoProvider } from "../crypto/mod.ts";
import { randomInt, type RandomSource, seededRandom } from "../crypto/random.ts";
import { ALL_PACKET_SIZES, packetTypeOfSize } from "../framing/packet_size.ts";
import { PacketType } from "../framing/packet_type.ts";
import { MessageError } from "./errors.ts";
import {
  decodeFragment,
  decodeFragmentIdentifier,
  encodeFragment,
  type Fragment,
} from "./fragment.ts";
import { decodeNymMessage, encodeNymMessage, type NymMessage } from "./nym_message.ts";
import { decodePaddedNymMessage, padNymMessage, prepareFragments } from "./padding.ts";
import { openReceivedBody } from "./payload_crypto.ts";
import { MessageReconstructor } from "./reassembly.ts";
import { decodeRecipient, parseRecipient } from "./recipient.ts";
import { splitReplySurb } from "./reply_surb.ts";
import { parseSenderTag } from "./sender_tag.ts";
import { decodeSurbAck, decryptAckContent, splitFinalHopPayload } from "./surb_ack.ts";

const ITERATIONS = 20_000;
const crypto = createCryptoProvider();

function rng(seed: number): RandomSource {
  return seededRandom(new Uint8Array(32).fill(seed));
}

function onlyTyped(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (e) {
    if (e instanceof MessageError) return false;
    fail(`untyped error escaped: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

/** Flips a few bytes (biased to the first `prefix`) and sometimes truncates or extends. */
function mutate(random: RandomSource, bytes: Uint8Array, prefix: number): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + randomInt(random, 4);
  for (let i = 0; i < flips; i++) {
    const limit = randomInt(random, 4) === 0 ? out.length : Math.min(prefix, out.length);
    if (limit === 0) break;
    out[randomInt(random, limit)] = random(1)[0];
  }
  switch (randomInt(random, 3)) {
    case 0:
      return out.subarray(0, randomInt(random, out.length + 1));
    case 1: {
      const longer = new Uint8Array(out.length + 1 + randomInt(random, 32));
      longer.set(out);
      return longer;
    }
    default:
      return out;
  }
}

function surb(random: RandomSource, length: number): Uint8Array {
  const out = random(length);
  out.set([4, 0x06, 0xfd, 10, 0, 0, 7], 364);
  return out;
}

const RECIPIENT_BYTES = fromHex(
  "4305849203ec7459fe39839f45b537d00c6c88533a4cabc31f625c4044359cb864bd4903ee679c6c7cc72a4fac6251b1b664a7a44ab7c7d5a2ad66701e9f94422c4be6b68a72aaa3d152cc64765b3996d49397879410d5dfb6a4f225284989e4",
);

function sampleMessages(random: RandomSource): Uint8Array[] {
  const tag = random(16);
  const messages: NymMessage[] = [
    { kind: "plain", message: random(40) },
    {
      kind: "repliable",
      senderTag: tag,
      content: {
        kind: "data",
        replySurbs: { version: 1, keyRotation: 0, surbs: [surb(random, 1164), surb(random, 1164)] },
        message: random(30),
      },
    },
    {
      kind: "repliable",
      senderTag: tag,
      content: {
        kind: "additionalSurbs",
        replySurbs: { version: 2, keyRotation: 1, surbs: [surb(random, 460), surb(random, 460)] },
      },
    },
    {
      kind: "repliable",
      senderTag: tag,
      content: {
        kind: "heartbeat",
        replySurbs: { version: 2, keyRotation: 2, surbs: [surb(random, 412)] },
      },
    },
    { kind: "reply", content: { kind: "data", message: random(20) } },
    {
      kind: "reply",
      content: { kind: "surbRequest", recipient: decodeRecipient(RECIPIENT_BYTES), amount: 20 },
    },
  ];
  return messages.map(encodeNymMessage);
}

Deno.test("fuzz: NymMessage and padded NymMessage", () => {
  const random = rng(1);
  const valid = sampleMessages(random);
  let parsed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = i % 4 === 0
      ? random(randomInt(random, 200))
      : mutate(random, valid[randomInt(random, valid.length)], 24);
    if (onlyTyped(() => decodeNymMessage(input))) parsed++;
    onlyTyped(() => decodePaddedNymMessage(input));
  }
  if (parsed === 0) fail("nothing ever parsed");
});

Deno.test("fuzz: fragments and fragment identifiers", () => {
  const random = rng(2);
  const valid = prepareFragments({ kind: "plain", message: random(420_000) }, 1, random)
    .filter((_, i) => i < 3 || i > 250)
    .map(encodeFragment);
  let parsed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = i % 4 === 0
      ? random(randomInt(random, 16))
      : mutate(random, valid[randomInt(random, valid.length)], 10);
    if (onlyTyped(() => decodeFragment(input))) parsed++;
    onlyTyped(() => decodeFragmentIdentifier(input.subarray(0, randomInt(random, 7))));
  }
  if (parsed === 0) fail("nothing ever parsed");
});

Deno.test("fuzz: reassembly of random and mutated fragments stays bounded", () => {
  const random = rng(3);
  const reconstructor = new MessageReconstructor({ maxPendingSets: 64, maxBufferedBytes: 1 << 20 });
  const fragments: Fragment[] = prepareFragments(
    { kind: "plain", message: random(900_000) },
    1,
    random,
  );
  const wire = fragments.map(encodeFragment);
  let now = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const bytes = mutate(random, wire[randomInt(random, wire.length)], 10);
    let fragment: Fragment | undefined;
    if (!onlyTyped(() => (fragment = decodeFragment(bytes)))) continue;
    onlyTyped(() => {
      const result = reconstructor.insert(fragment!, now);
      if (result.status === "complete") onlyTyped(() => decodePaddedNymMessage(result.message));
    });
    if (reconstructor.pendingSets > 64 || reconstructor.bufferedBytes > 1 << 20) {
      fail("bound broken");
    }
    now += 1000;
    if (i % 1000 === 0) reconstructor.expire(now);
  }
});

Deno.test("fuzz: recipients, sender tags and reply SURBs", () => {
  const random = rng(4);
  const text =
    "5WdCMZXZBkGsXwPqzxwJqf9sSzyRLt3xmhuGDBaXiQh5.7nFB8HqKM9jxExRkfhUoLb6oo2LSCDDesP5uuXH5iWY1@3yv4qTKVxC5Vqgtshzkcm8nT1q9zeETnj3RMDiaREeB5";
  const textBytes = new TextEncoder().encode(text);
  const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz.@0Il ";
  const surbs = [surb(random, 1164), surb(random, 460), surb(random, 412)];
  for (let i = 0; i < ITERATIONS; i++) {
    onlyTyped(() => decodeRecipient(mutate(random, RECIPIENT_BYTES, 96)));
    const mutated = mutate(random, textBytes, textBytes.length).map((b) =>
      b >= 0x80 ? alphabet.charCodeAt(b % alphabet.length) : b
    );
    onlyTyped(() => parseRecipient(new TextDecoder().decode(mutated)));
    let tag = "";
    for (let j = randomInt(random, 26); j > 0; j--) {
      tag += alphabet[randomInt(random, alphabet.length)];
    }
    onlyTyped(() => parseSenderTag(tag));
    onlyTyped(() => splitReplySurb(mutate(random, surbs[i % 3], 380)));
  }
});

Deno.test("fuzz: SURB-acks, final-hop splits and ack content", () => {
  const random = rng(5);
  const key = random(16);
  for (let i = 0; i < ITERATIONS; i++) {
    const type = randomInt(random, 2) === 0 ? PacketType.Mix : PacketType.Outfox;
    const ack = random(type === PacketType.Mix ? 405 : 396);
    ack[0] = randomInt(random, 2) === 0 ? 4 : random(1)[0] % 8;
    onlyTyped(() => decodeSurbAck(mutate(random, ack, 20), type));
    const size = ALL_PACKET_SIZES[randomInt(random, ALL_PACKET_SIZES.length)];
    const plaintext = new Uint8Array(randomInt(random, 600));
    plaintext.set(ack.subarray(0, Math.min(ack.length, plaintext.length)));
    onlyTyped(() => splitFinalHopPayload(plaintext, size, packetTypeOfSize(size)));
    onlyTyped(() => decryptAckContent(crypto, key, random(randomInt(random, 30))));
  }
});

Deno.test("fuzz: received bodies (decrypt, classify, parse)", () => {
  const random = rng(6);
  const secret = random(32);
  const replyKey = random(16);
  for (let i = 0; i < ITERATIONS; i++) {
    const body = random(randomInt(random, 80));
    onlyTyped(() => {
      const opened = openReceivedBody(crypto, body, {
        encryptionSecretKey: secret,
        findReplyKey: (d) => (d[0] === 0 ? replyKey : undefined),
      });
      if (opened.kind === "fragment") onlyTyped(() => decodeFragment(opened.fragment));
    });
  }
  // Padding of random messages always round trips.
  for (let i = 0; i < 200; i++) {
    const message = random(randomInt(random, 5000));
    onlyTyped(() => decodePaddedNymMessage(padNymMessage({ kind: "plain", message }, 1611)));
  }
});
