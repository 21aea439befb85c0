/**
 * The native WebSocket API codec against upstream `clients/native/websocket-requests`: the byte
 * layouts are written out by hand from `requests.rs` / `responses.rs`, the JSON from `text.rs`'s
 * serde attributes, the error texts from `error.rs`.
 */
import { assert, assertEquals, assertInstanceOf, assertThrows } from "../../testing/asserts.ts";
import { fromHex, toHex } from "../../crypto/bytes.ts";
import { encodeRecipient, parseRecipient } from "../../message/mod.ts";
import {
  decodeBinaryRequest,
  decodeBinaryResponse,
  decodeTextRequest,
  encodeBinaryRequest,
  encodeBinaryResponse,
  encodeTextRequest,
  encodeTextResponse,
  errorResponse,
  NativeApiError,
  NativeErrorKind,
  type NativeRequest,
} from "./codec.ts";

// The address upstream's own tests use.
const ADDRESS =
  "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";
const RECIPIENT = parseRecipient(ADDRESS);
const RECIPIENT_HEX = toHex(encodeRecipient(RECIPIENT));
const FOOMP = new TextEncoder().encode("foomp");
const TAG = new Uint8Array(16).fill(8);

function rejects(bytes: Uint8Array | string, kind: number, message: string): void {
  const e = assertThrows(
    () => typeof bytes === "string" ? decodeTextRequest(bytes) : decodeBinaryRequest(bytes),
    NativeApiError,
  );
  assertEquals(e.kind, kind);
  assertEquals(e.message, message);
}

Deno.test("binary requests: byte layouts of every variant", () => {
  const u64 = (n: number) => n.toString(16).padStart(16, "0");
  assertEquals(
    toHex(
      encodeBinaryRequest({
        type: "send",
        recipient: RECIPIENT,
        message: FOOMP,
        connectionId: 42n,
      }),
    ),
    `00${RECIPIENT_HEX}${u64(42)}${u64(5)}666f6f6d70`,
  );
  assertEquals(
    toHex(encodeBinaryRequest({
      type: "sendAnonymous",
      recipient: RECIPIENT,
      message: FOOMP,
      replySurbs: 666,
      connectionId: null,
    })),
    `010000029a${RECIPIENT_HEX}${u64(0)}${u64(5)}666f6f6d70`,
  );
  assertEquals(
    toHex(
      encodeBinaryRequest({ type: "reply", senderTag: TAG, message: FOOMP, connectionId: 42n }),
    ),
    `02${"08".repeat(16)}${u64(42)}${u64(5)}666f6f6d70`,
  );
  assertEquals(toHex(encodeBinaryRequest({ type: "selfAddress" })), "03");
  assertEquals(
    toHex(encodeBinaryRequest({ type: "closedConnection", connectionId: 0xfedcba9876543210n })),
    "04fedcba9876543210",
  );
  assertEquals(
    toHex(encodeBinaryRequest({ type: "getLaneQueueLength", connectionId: 13n })),
    `05${u64(13)}`,
  );
});

Deno.test("binary requests: decode(encode(x)) is x, and connection id 0 means none", () => {
  const requests: NativeRequest[] = [
    { type: "send", recipient: RECIPIENT, message: FOOMP, connectionId: 42n },
    { type: "send", recipient: RECIPIENT, message: new Uint8Array(0), connectionId: null },
    {
      type: "sendAnonymous",
      recipient: RECIPIENT,
      message: FOOMP,
      replySurbs: 666,
      connectionId: 1n,
    },
    { type: "reply", senderTag: TAG, message: FOOMP, connectionId: 0xffff_ffff_ffff_ffffn },
    { type: "selfAddress" },
    { type: "closedConnection", connectionId: 0n },
    { type: "getLaneQueueLength", connectionId: 99n },
    { type: "getStats" },
  ];
  for (const request of requests) {
    assertEquals(decodeBinaryRequest(encodeBinaryRequest(request)), request);
  }
  const zero = fromHex(`00${RECIPIENT_HEX}${"00".repeat(8)}${"00".repeat(8)}`);
  const decoded = decodeBinaryRequest(zero);
  assert(decoded.type === "send" && decoded.connectionId === null);
});

Deno.test("binary requests: malformed input gets upstream's error kinds and texts", () => {
  rejects(
    new Uint8Array(0),
    NativeErrorKind.EmptyRequest,
    "received request contained no data:no data provided",
  );
  rejects(
    new Uint8Array([9]),
    NativeErrorKind.UnknownRequest,
    "unknown request type:9 does not correspond to any valid request tag",
  );
  rejects(
    new Uint8Array(1 + 96 + 15),
    NativeErrorKind.TooShortRequest,
    "received request did not contain enough data:not enough data provided to recover 'send'",
  );
  rejects(
    fromHex(`01000000`),
    NativeErrorKind.TooShortRequest,
    "received request did not contain enough data:not enough data provided to recover 'send_anonymous'",
  );
  rejects(
    fromHex(`02${"00".repeat(16)}`),
    NativeErrorKind.TooShortRequest,
    "received request did not contain enough data:not enough data provided to recover 'reply'",
  );
  // data_len must equal the bytes that follow.
  rejects(
    fromHex(`00${RECIPIENT_HEX}${"00".repeat(8)}000000000000000a666f6f6d70`),
    NativeErrorKind.MalformedRequest,
    "malformed request:data len has inconsistent length. specified: 10 got: 5",
  );
  rejects(
    fromHex(`02${"08".repeat(16)}${"00".repeat(8)}0000000000000001`),
    NativeErrorKind.MalformedRequest,
    "malformed request:message len has inconsistent length. specified: 1 got: 0",
  );
  rejects(
    fromHex("04000000000000000100"),
    NativeErrorKind.MalformedRequest,
    "malformed request:The received closed connection has invalid length",
  );
  rejects(
    fromHex("0500"),
    NativeErrorKind.MalformedRequest,
    "malformed request:The received get lane queue lengths has invalid length",
  );
  // An identity that is not an Ed25519 point (0x02… does not decompress).
  const bad = encodeRecipient(RECIPIENT);
  bad.fill(2, 0, 32);
  rejects(
    new Uint8Array([0, ...bad, ...new Uint8Array(16)]),
    NativeErrorKind.MalformedRequest,
    "malformed request:malformed recipient: recipient's identity is not a valid Ed25519 public key",
  );
});

Deno.test("binary responses: byte layouts, and the decoder inverts them", () => {
  const received = encodeBinaryResponse({ type: "received", message: FOOMP, senderTag: TAG });
  assertEquals(toHex(received), `0101${"08".repeat(16)}0000000000000005666f6f6d70`);
  const plain = encodeBinaryResponse({ type: "received", message: FOOMP, senderTag: null });
  assertEquals(toHex(plain), "01000000000000000005666f6f6d70");
  assertEquals(
    toHex(encodeBinaryResponse({ type: "selfAddress", address: RECIPIENT })),
    `02${RECIPIENT_HEX}`,
  );
  assertEquals(
    toHex(encodeBinaryResponse({ type: "laneQueueLength", lane: 13n, queueLength: 42 })),
    "03000000000000000d000000000000002a",
  );
  const error = encodeBinaryResponse({ type: "error", kind: 3, message: "foomp message" });
  assertEquals(
    toHex(error),
    `0003000000000000000d${toHex(new TextEncoder().encode("foomp message"))}`,
  );
  for (const bytes of [received, plain, error]) {
    assertEquals(encodeBinaryResponse(decodeBinaryResponse(bytes)), bytes);
  }
  const self = decodeBinaryResponse(
    encodeBinaryResponse({ type: "selfAddress", address: RECIPIENT }),
  );
  assert(self.type === "selfAddress");
  assertEquals(encodeRecipient(self.address), encodeRecipient(RECIPIENT));
  const e = assertThrows(
    () => decodeBinaryResponse(fromHex(`0102${"00".repeat(8)}`)),
    NativeApiError,
  );
  assertEquals(e.message, "malformed response:invalid sender tag flag 2");
  assertEquals(
    assertThrows(() => decodeBinaryResponse(fromHex("07")), NativeApiError).kind,
    NativeErrorKind.UnknownResponse,
  );
});

Deno.test("text requests: upstream JSON forms", () => {
  assertEquals(decodeTextRequest('{"type":"selfAddress"}'), { type: "selfAddress" });
  const send = decodeTextRequest(
    `{"type":"send","recipient":"${ADDRESS}","message":"hello","connectionId":null}`,
  );
  assert(send.type === "send");
  assertEquals(new TextDecoder().decode(send.message), "hello");
  assertEquals(send.connectionId, null);
  // connectionId may be absent; unknown fields are ignored (serde's default).
  const anon = decodeTextRequest(
    `{"type":"sendAnonymous","recipient":"${ADDRESS}","message":"hi","replySurbs":10,"extra":1}`,
  );
  assert(anon.type === "sendAnonymous" && anon.replySurbs === 10 && anon.connectionId === null);
  // A u64 connection id keeps full precision; 0 is a real lane in the text API.
  const big = decodeTextRequest(
    `{"type":"send","recipient":"${ADDRESS}","message":"","connectionId":18446744073709551615}`,
  );
  assert(big.type === "send" && big.connectionId === 0xffff_ffff_ffff_ffffn);
  const zero = decodeTextRequest(
    `{"type":"send","recipient":"${ADDRESS}","message":"","connectionId":0}`,
  );
  assert(zero.type === "send" && zero.connectionId === 0n);
  const reply = decodeTextRequest(
    '{"type":"reply","senderTag":"1111111111111111","message":"pong","connectionId":42}',
  );
  assert(reply.type === "reply" && reply.connectionId === 42n);
  assertEquals(reply.senderTag, new Uint8Array(16));
  // Extensions.
  assertEquals(decodeTextRequest('{"type":"getLaneQueueLength","connectionId":5}'), {
    type: "getLaneQueueLength",
    connectionId: 5n,
  });
  assertEquals(decodeTextRequest('{"type":"getStats"}'), { type: "getStats" });
});

Deno.test("text requests: every malformed form gets a clear 'malformed request' error", () => {
  const M = NativeErrorKind.MalformedRequest;
  const e = assertThrows(() => decodeTextRequest("{nope"), NativeApiError);
  assertEquals(e.kind, M);
  assert(e.message.startsWith("malformed request:invalid JSON"), e.message);
  rejects("[1,2]", M, "malformed request:invalid type: sequence, expected internally tagged enum");
  rejects('{"message":"x"}', M, "malformed request:missing field `type`");
  rejects(
    '{"type":"frobnicate"}',
    M,
    "malformed request:unknown variant `frobnicate`, expected one of `send`, `sendAnonymous`, `reply`, `selfAddress`, `closedConnection`, `getLaneQueueLength`, `getStats`",
  );
  rejects(
    `{"type":"send","recipient":"${ADDRESS}"}`,
    M,
    "malformed request:missing field `message`",
  );
  rejects(
    `{"type":"send","recipient":"${ADDRESS}","message":5}`,
    M,
    "malformed request:invalid type: integer `5`, expected a string",
  );
  rejects(
    '{"type":"send","recipient":"not-an-address","message":"x"}',
    M,
    "malformed request:the string address does not contain exactly a single '@' character",
  );
  rejects(
    `{"type":"send","recipient":"${ADDRESS}","message":"x","connectionId":-1}`,
    M,
    "malformed request:invalid value: integer `-1`, expected u64",
  );
  rejects(
    `{"type":"send","recipient":"${ADDRESS}","message":"x","connectionId":1.5}`,
    M,
    "malformed request:invalid type: floating point `1.5`, expected u64",
  );
  rejects(
    `{"type":"sendAnonymous","recipient":"${ADDRESS}","message":"x"}`,
    M,
    "malformed request:missing field `replySurbs`",
  );
  rejects(
    `{"type":"sendAnonymous","recipient":"${ADDRESS}","message":"x","replySurbs":4294967296}`,
    M,
    "malformed request:invalid value: integer `4294967296`, expected u32",
  );
  rejects(
    '{"type":"reply","senderTag":"zz","message":"x"}',
    M,
    'malformed request:"zz" is not a base58 16-byte sender tag',
  );
});

Deno.test("text responses: upstream JSON, including queue_length and lossy UTF-8", () => {
  assertEquals(
    encodeTextResponse({ type: "received", message: FOOMP, senderTag: null }),
    '{"type":"received","message":"foomp","senderTag":null}',
  );
  assertEquals(
    encodeTextResponse({
      type: "received",
      message: new Uint8Array([0x66, 0xff, 0x0a]),
      senderTag: TAG,
    }),
    `{"type":"received","message":"f\ufffd\\n","senderTag":"${
      JSON.parse(
        encodeTextRequest({ type: "reply", senderTag: TAG, message: FOOMP, connectionId: null }),
      )
        .senderTag
    }"}`,
  );
  assertEquals(
    encodeTextResponse({ type: "selfAddress", address: RECIPIENT }),
    `{"type":"selfAddress","address":"${ADDRESS}"}`,
  );
  assertEquals(
    encodeTextResponse({ type: "laneQueueLength", lane: 18446744073709551615n, queueLength: 3 }),
    '{"type":"laneQueueLength","lane":18446744073709551615,"queue_length":3}',
  );
  assertEquals(
    encodeTextResponse({ type: "error", kind: NativeErrorKind.MalformedRequest, message: "bad" }),
    '{"type":"error","message":"malformed request:bad"}',
  );
});

Deno.test("text requests written by encodeTextRequest parse back", () => {
  const requests: NativeRequest[] = [
    { type: "send", recipient: RECIPIENT, message: FOOMP, connectionId: null },
    {
      type: "sendAnonymous",
      recipient: RECIPIENT,
      message: FOOMP,
      replySurbs: 3,
      connectionId: 7n,
    },
    { type: "reply", senderTag: TAG, message: FOOMP, connectionId: 0xffff_ffff_ffff_ffffn },
    { type: "selfAddress" },
  ];
  for (const request of requests) {
    const back = decodeTextRequest(encodeTextRequest(request));
    assertEquals(encodeBinaryRequest(back), encodeBinaryRequest(request));
  }
});

Deno.test("errorResponse keeps the kind of API errors and reports others as Other", () => {
  assertEquals(errorResponse(new NativeApiError(NativeErrorKind.TooShortRequest, "x")), {
    type: "error",
    kind: NativeErrorKind.TooShortRequest,
    message: "x",
  });
  const other = errorResponse(new Error("queue full"));
  assert(other.type === "error");
  assertEquals(other.kind, NativeErrorKind.Other);
  assertEquals(encodeTextResponse(other), '{"type":"error","message":"other:queue full"}');
  assertInstanceOf(new NativeApiError(1, "x"), Error);
});
