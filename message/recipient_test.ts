import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { fromHex, toHex } from "../crypto/bytes.ts";
import { generateEd25519KeyPair } from "../crypto/ed25519.ts";
import { seededRandom } from "../crypto/random.ts";
import { InvalidRecipientError, InvalidSenderTagError } from "./errors.ts";
import {
  createRecipient,
  decodeRecipient,
  encodeRecipient,
  formatRecipient,
  parseRecipient,
  recipientsEqual,
} from "./recipient.ts";
import { formatSenderTag, generateSenderTag, parseSenderTag } from "./sender_tag.ts";

// wire-format.md §12.3: upstream `mock_recipient` and its text form.
const MOCK_HEX =
  "4305849203ec7459fe39839f45b537d00c6c88533a4cabc31f625c4044359cb864bd4903ee679c6c7cc72a4fac6251b1b664a7a44ab7c7d5a2ad66701e9f94422c4be6b68a72aaa3d152cc64765b3996d49397879410d5dfb6a4f225284989e4";
const MOCK_TEXT =
  "5WdCMZXZBkGsXwPqzxwJqf9sSzyRLt3xmhuGDBaXiQh5.7nFB8HqKM9jxExRkfhUoLb6oo2LSCDDesP5uuXH5iWY1@3yv4qTKVxC5Vqgtshzkcm8nT1q9zeETnj3RMDiaREeB5";

Deno.test("§12.3 mock recipient: bytes ↔ text", () => {
  const r = decodeRecipient(fromHex(MOCK_HEX));
  assertEquals(formatRecipient(r), MOCK_TEXT);
  const parsed = parseRecipient(MOCK_TEXT);
  assertEquals(toHex(encodeRecipient(parsed)), MOCK_HEX);
  assert(recipientsEqual(r, parsed));
  assertEquals(toHex(parsed.identity), MOCK_HEX.slice(0, 64));
  assertEquals(toHex(parsed.encryptionKey), MOCK_HEX.slice(64, 128));
  assertEquals(toHex(parsed.gateway), MOCK_HEX.slice(128));
});

Deno.test("random recipients round trip through bytes and text", () => {
  const random = seededRandom(new Uint8Array(32).fill(4));
  for (let i = 0; i < 20; i++) {
    const r = createRecipient(
      generateEd25519KeyPair(random).publicKey,
      random(32),
      generateEd25519KeyPair(random).publicKey,
    );
    assert(recipientsEqual(decodeRecipient(encodeRecipient(r)), r));
    assert(recipientsEqual(parseRecipient(formatRecipient(r)), r));
  }
});

Deno.test("text form needs exactly one '@' and one '.'", () => {
  const [client, gateway] = MOCK_TEXT.split("@");
  const [id, enc] = client.split(".");
  const bad = [
    "",
    client,
    `${client}@${gateway}@${gateway}`,
    `${id}${enc}@${gateway}`,
    `${id}.${enc}.${enc}@${gateway}`,
    `${id}.${enc}@${gateway}.x`.replace(".x", ""),
    `${id}.${enc}@`,
    `.${enc}@${gateway}`,
    `${id}.${enc}@${gateway}0`, // '0' is not in the base58 alphabet
    `${id}.${enc}@${gateway.slice(1)}`, // 31 bytes
    `${id}.${enc}@${"1".repeat(300)}`,
  ].filter((s) => s !== MOCK_TEXT);
  for (const text of bad) assertThrows(() => parseRecipient(text), InvalidRecipientError);
});

Deno.test("wrong lengths and non-points are rejected", () => {
  for (const n of [0, 95, 97]) {
    assertThrows(() => decodeRecipient(new Uint8Array(n)), InvalidRecipientError);
  }
  // y = 2 is not the y-coordinate of an Ed25519 point; the X25519 key is never checked.
  const notAPoint = new Uint8Array(32);
  notAPoint[0] = 2;
  const good = decodeRecipient(fromHex(MOCK_HEX));
  assertThrows(
    () => createRecipient(notAPoint, good.encryptionKey, good.gateway),
    InvalidRecipientError,
  );
  assertThrows(
    () => createRecipient(good.identity, good.encryptionKey, notAPoint),
    InvalidRecipientError,
  );
  createRecipient(good.identity, notAPoint, good.gateway);
  const bytes = fromHex(MOCK_HEX);
  bytes.set(notAPoint, 64);
  assertThrows(() => decodeRecipient(bytes), InvalidRecipientError);
  assertThrows(
    () => encodeRecipient({ ...good, gateway: new Uint8Array(31) }),
    InvalidRecipientError,
  );
});

Deno.test("sender tags: 16 random bytes, base58 in APIs", () => {
  const random = seededRandom(new Uint8Array(32).fill(5));
  const tag = generateSenderTag(random);
  assertEquals(tag.length, 16);
  assertEquals(parseSenderTag(formatSenderTag(tag)), tag);
  assertEquals(formatSenderTag(new Uint8Array(16)), "1".repeat(16));
  for (const text of ["", "1", "1".repeat(17), "0OIl", "x".repeat(100)]) {
    assertThrows(() => parseSenderTag(text), InvalidSenderTagError);
  }
  assertThrows(() => formatSenderTag(new Uint8Array(15)), InvalidSenderTagError);
});
