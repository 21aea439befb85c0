import { assert, assertEquals, assertStrictEquals, assertThrows } from "../testing/asserts.ts";
import { fromHex } from "../crypto/bytes.ts";
import { seededRandom } from "../crypto/random.ts";
import { KeyRotation } from "../framing/key_rotation.ts";
import {
  InvalidRecipientError,
  MalformedMessageError,
  MalformedReplySurbError,
  UnknownMessageTypeError,
} from "./errors.ts";
import {
  decodeNymMessage,
  encodeNymMessage,
  type NymMessage,
  nymMessageData,
  nymMessageLength,
  type ReplySurbList,
} from "./nym_message.ts";
import { decodeRecipient } from "./recipient.ts";
import { splitReplySurb, V1_REPLY_SURB_LENGTH, v2ReplySurbLength } from "./reply_surb.ts";

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

const random = seededRandom(new Uint8Array(32).fill(8));
const RECIPIENT = decodeRecipient(fromHex(
  "4305849203ec7459fe39839f45b537d00c6c88533a4cabc31f625c4044359cb864bd4903ee679c6c7cc72a4fac6251b1b664a7a44ab7c7d5a2ad66701e9f94422c4be6b68a72aaa3d152cc64765b3996d49397879410d5dfb6a4f225284989e4",
));

/** A reply SURB blob: random bytes with a valid IPv4 first hop. */
function surb(length: number): Uint8Array {
  const out = random(length);
  out.set([4, 0x06, 0xfd, 10, 0, 0, 7], 16 + 348);
  return out;
}

const v1 = (n: number): ReplySurbList => ({
  version: 1,
  keyRotation: KeyRotation.Unknown,
  surbs: Array.from({ length: n }, () => surb(V1_REPLY_SURB_LENGTH)),
});
const v2 = (
  n: number,
  hops: number,
  keyRotation: KeyRotation = KeyRotation.Odd,
): ReplySurbList => ({
  version: 2,
  keyRotation,
  surbs: Array.from({ length: n }, () => surb(v2ReplySurbLength(hops))),
});

const TAG = random(16);
const DATA = random(3000);

const MESSAGES: NymMessage[] = [
  { kind: "plain", message: new Uint8Array(0) },
  { kind: "plain", message: DATA },
  {
    kind: "repliable",
    senderTag: TAG,
    content: { kind: "data", replySurbs: v1(0), message: DATA },
  },
  {
    kind: "repliable",
    senderTag: TAG,
    content: { kind: "data", replySurbs: v1(3), message: DATA },
  },
  {
    kind: "repliable",
    senderTag: TAG,
    content: { kind: "data", replySurbs: v1(2), message: new Uint8Array(0) },
  },
  { kind: "repliable", senderTag: TAG, content: { kind: "additionalSurbs", replySurbs: v1(0) } },
  { kind: "repliable", senderTag: TAG, content: { kind: "additionalSurbs", replySurbs: v1(5) } },
  { kind: "repliable", senderTag: TAG, content: { kind: "heartbeat", replySurbs: v1(1) } },
  {
    kind: "repliable",
    senderTag: TAG,
    content: { kind: "data", replySurbs: v2(4, 4), message: DATA },
  },
  {
    kind: "repliable",
    senderTag: TAG,
    content: { kind: "data", replySurbs: v2(2, 1, KeyRotation.Even), message: DATA },
  },
  {
    kind: "repliable",
    senderTag: TAG,
    content: { kind: "data", replySurbs: v2(0, 0, KeyRotation.Unknown), message: DATA },
  },
  { kind: "repliable", senderTag: TAG, content: { kind: "additionalSurbs", replySurbs: v2(7, 5) } },
  { kind: "repliable", senderTag: TAG, content: { kind: "heartbeat", replySurbs: v2(1, 3) } },
  { kind: "reply", content: { kind: "data", message: DATA } },
  { kind: "reply", content: { kind: "surbRequest", recipient: RECIPIENT, amount: 0xffff_ffff } },
];

Deno.test("every message variant round trips and its length is exact", () => {
  for (const m of MESSAGES) {
    const bytes = encodeNymMessage(m);
    assertEquals(bytes.length, nymMessageLength(m));
    assertEquals(decodeNymMessage(bytes), m);
  }
});

Deno.test("exact layouts of the headers", () => {
  assertEquals([...encodeNymMessage({ kind: "plain", message: new Uint8Array([9]) })], [0, 9]);
  const repliableV1 = encodeNymMessage(MESSAGES[3]);
  assertEquals(repliableV1[0], 1);
  assertEquals(repliableV1.subarray(1, 17), TAG);
  assertEquals([...repliableV1.subarray(17, 22)], [0, 0, 0, 0, 3]);
  assertEquals(repliableV1.length, 1 + 16 + 1 + 4 + 3 * 1164 + DATA.length);
  const heartbeatV1 = encodeNymMessage(MESSAGES[7]);
  assertEquals(heartbeatV1[17], 2);
  const dataV2 = encodeNymMessage(MESSAGES[9]);
  assertEquals([...dataV2.subarray(17, 22)], [3, 0, 2, 1, 2]); // tag 3, count 2, 1 hop, Even
  assertEquals(dataV2.length, 1 + 16 + 1 + 4 + 2 * 412 + DATA.length);
  assertEquals(encodeNymMessage(MESSAGES[11])[17], 4);
  assertEquals(encodeNymMessage(MESSAGES[12])[17], 5);
  assertEquals([...encodeNymMessage(MESSAGES[10]).subarray(17, 22)], [3, 0, 0, 0, 0]);
  const request = encodeNymMessage(MESSAGES[14]);
  assertEquals(request.length, 1 + 1 + 96 + 4);
  assertEquals([...request.subarray(0, 2)], [2, 1]);
  assertEquals([...request.subarray(98)], [0xff, 0xff, 0xff, 0xff]);
});

Deno.test("decoding is zero-copy and keeps V1 rotation Unknown", () => {
  const bytes = encodeNymMessage(MESSAGES[3]);
  const m = decodeNymMessage(bytes);
  assert(m.kind === "repliable" && m.content.kind === "data");
  assertStrictEquals(m.content.message.buffer, bytes.buffer);
  assertStrictEquals(m.content.replySurbs.surbs[0].buffer, bytes.buffer);
  assertEquals(m.content.replySurbs.keyRotation, KeyRotation.Unknown);
  assertEquals(splitReplySurb(m.content.replySurbs.surbs[0]).replyKey.length, 16);
  assertEquals(nymMessageData(m), DATA);
  assertEquals(nymMessageData(MESSAGES[6]).length, 0);
  assertEquals(nymMessageData(MESSAGES[14]).length, 0);
});

Deno.test("trailing bytes after SURB-only contents are tolerated", () => {
  const bytes = encodeNymMessage(MESSAGES[6]);
  const extended = new Uint8Array(bytes.length + 10);
  extended.set(bytes);
  assertEquals(decodeNymMessage(extended), MESSAGES[6]);
});

Deno.test("malformed messages raise typed errors", () => {
  const tagged = (tag: number, ...rest: number[]) => new Uint8Array([1, ...TAG, tag, ...rest]);
  const cases: [Uint8Array, ErrorClass][] = [
    [new Uint8Array(0), MalformedMessageError],
    [new Uint8Array([3]), UnknownMessageTypeError],
    [new Uint8Array([255, 1]), UnknownMessageTypeError],
    [new Uint8Array([1, ...TAG]), MalformedMessageError],
    [tagged(6, 0, 0, 0, 0), UnknownMessageTypeError],
    [tagged(0), MalformedMessageError],
    [tagged(0, 0, 0, 0), MalformedMessageError],
    [tagged(0, 0, 0, 0, 1), MalformedMessageError], // one SURB declared, none present
    [tagged(0, 0xff, 0xff, 0xff, 0xff), MalformedMessageError],
    [tagged(3, 0, 1, 4, 3), MalformedMessageError], // key rotation 3
    [tagged(3, 0, 1, 0, 1), MalformedReplySurbError], // 0 hops
    [tagged(3, 0, 1, 6, 1), MalformedReplySurbError], // 6 hops
    [tagged(4, 0, 2, 4, 1, ...new Uint8Array(460)), MalformedMessageError], // 1.x SURBs
    [tagged(4, 0, 1, 4, 1, ...new Uint8Array(460)), MalformedReplySurbError], // first hop byte 0
    [new Uint8Array([2]), MalformedMessageError],
    [new Uint8Array([2, 0]), MalformedMessageError],
    [new Uint8Array([2, 2, 1]), UnknownMessageTypeError],
    [new Uint8Array([2, 1, ...new Uint8Array(99)]), MalformedMessageError],
    [new Uint8Array([2, 1, ...new Uint8Array(101)]), MalformedMessageError],
    [new Uint8Array([2, 1, 2, ...new Uint8Array(99)]), InvalidRecipientError], // y = 2: no point
  ];
  cases.forEach(([bytes, error], i) => {
    let threw = false;
    try {
      decodeNymMessage(bytes);
    } catch (e) {
      threw = true;
      assert(e instanceof error, `case ${i}: ${e}`);
    }
    assert(threw, `case ${i} did not throw`);
  });
  // A V2 list with no SURBs may carry any hop count; the rotation must still be valid.
  const empty = decodeNymMessage(tagged(4, 0, 0, 9, 2));
  assert(empty.kind === "repliable");
  assertEquals(empty.content.replySurbs, { version: 2, keyRotation: KeyRotation.Even, surbs: [] });
});

Deno.test("unrepresentable messages are refused when encoding", () => {
  const repliable = (replySurbs: ReplySurbList, senderTag = TAG): NymMessage => ({
    kind: "repliable",
    senderTag,
    content: { kind: "additionalSurbs", replySurbs },
  });
  const cases: [NymMessage, ErrorClass][] = [
    [repliable(v1(1), new Uint8Array(15)), MalformedMessageError],
    [repliable({ ...v1(0), surbs: [surb(460)] }), MalformedReplySurbError],
    [repliable({ ...v2(0, 4), surbs: [surb(460), surb(412)] }), MalformedReplySurbError],
    [repliable({ ...v2(0, 4), surbs: [surb(476 + 16 * 2)] }), MalformedReplySurbError], // 7 hops
    [repliable({ ...v2(1, 4), keyRotation: 3 as KeyRotation }), MalformedMessageError],
    [repliable({ ...v2(0, 4), version: 3 as 2 }), MalformedMessageError],
    [repliable({ ...v2(0, 4), surbs: new Array(65536).fill(surb(460)) }), MalformedMessageError],
    [
      { kind: "reply", content: { kind: "data", message: new Uint8Array(0) } },
      MalformedMessageError,
    ],
    [
      { kind: "reply", content: { kind: "surbRequest", recipient: RECIPIENT, amount: 2 ** 32 } },
      MalformedMessageError,
    ],
  ];
  for (const [m, error] of cases) assertThrows(() => encodeNymMessage(m), error);
});
