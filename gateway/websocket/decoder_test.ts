import { assert, assertEquals, assertInstanceOf, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { encodeClosePayload } from "./close.ts";
import {
  type DecodedEvent,
  FRAGMENT_OVERHEAD,
  FrameDecoder,
  type FrameDecoderOptions,
} from "./decoder.ts";
import { FrameError, InvalidPayloadError, MessageTooBigError, ProtocolError } from "./errors.ts";
import { encodeFrame, encodeFrameHeader, type EncodeFrameOptions, Opcode } from "./frame.ts";

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const encoder = new TextEncoder();

function server(options: Partial<FrameDecoderOptions> = {}): FrameDecoder {
  return new FrameDecoder({
    role: "server",
    maxFramePayload: 1 << 20,
    maxMessageSize: 1 << 20,
    ...options,
  });
}

/** A masked client frame. */
function frame(opcode: Opcode, payload: Uint8Array | string, options: EncodeFrameOptions = {}) {
  const bytes = typeof payload === "string" ? encoder.encode(payload) : payload;
  return encodeFrame(opcode, bytes, { maskKey: KEY, ...options });
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Feeds `bytes` in chunks of `size` (reusing one buffer, as a socket reader does). */
function decodeAll(decoder: FrameDecoder, bytes: Uint8Array, size = bytes.length): DecodedEvent[] {
  const events: DecodedEvent[] = [];
  const scratch = new Uint8Array(Math.max(1, size));
  for (let at = 0; at < bytes.length; at += size) {
    const piece = bytes.subarray(at, Math.min(bytes.length, at + size));
    scratch.set(piece);
    decoder.push(scratch.subarray(0, piece.length));
    for (let e = decoder.next(); e !== null; e = decoder.next()) events.push(e);
    scratch.fill(0xee); // the decoder must not keep references into a reused buffer
  }
  return events;
}

function failsWith<E extends FrameError>(
  bytes: Uint8Array,
  type: new (message: string) => E,
  code: number,
  options: Partial<FrameDecoderOptions> = {},
): E {
  const decoder = server(options);
  const e = assertThrows(() => decodeAll(decoder, bytes));
  assertInstanceOf(e, type);
  assertEquals(e.closeCode, code);
  // The decoder stays failed.
  assertThrows(() => decoder.next(), type);
  return e as E;
}

Deno.test("decoder: RFC 6455 §5.7 examples", () => {
  const masked = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  assertEquals(decodeAll(server(), masked), [{ type: "text", data: "Hello" }]);
  // Fragmented "Hel" + "lo", unmasked (a client decoder).
  const client = new FrameDecoder({ role: "client", maxFramePayload: 100, maxMessageSize: 100 });
  assertEquals(
    decodeAll(client, new Uint8Array([0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f])),
    [{ type: "text", data: "Hello" }],
  );
});

Deno.test("decoder: any chunking yields the same events", () => {
  const random = seededRandom(new Uint8Array(32).fill(11));
  const big = random(70_000);
  const stream = join(
    frame(Opcode.text, "héllo wörld"),
    frame(Opcode.binary, big),
    frame(Opcode.ping, "p1"),
    frame(Opcode.binary, new Uint8Array(0)),
    frame(Opcode.text, "frag", { fin: false }),
    frame(Opcode.pong, "interleaved"),
    frame(Opcode.continuation, "ment", { fin: false }),
    frame(Opcode.continuation, "ed", { fin: true }),
    frame(Opcode.binary, big.subarray(0, 300), { fin: false }),
    frame(Opcode.continuation, big.subarray(300, 1000)),
    frame(Opcode.text, ""),
    frame(Opcode.close, encodeClosePayload(4001, "bye")),
  );
  const expected: DecodedEvent[] = [
    { type: "text", data: "héllo wörld" },
    { type: "binary", data: big },
    { type: "ping", data: encoder.encode("p1") },
    { type: "binary", data: new Uint8Array(0) },
    { type: "pong", data: encoder.encode("interleaved") },
    { type: "text", data: "fragmented" },
    { type: "binary", data: big.subarray(0, 1000) },
    { type: "text", data: "" },
    { type: "close", code: 4001, reason: "bye" },
  ];
  for (const size of [1, 2, 3, 7, 13, 100, 4096, 65536, stream.length]) {
    assertEquals(decodeAll(server(), stream, size), expected, `chunk size ${size}`);
  }
});

Deno.test("decoder: text keeps a leading BOM and splits code points across fragments", () => {
  const text = "\ufeffa€😀";
  const bytes = encoder.encode(text);
  const events = decodeAll(
    server(),
    join(
      frame(Opcode.text, bytes.subarray(0, 2), { fin: false }),
      frame(Opcode.continuation, bytes.subarray(2, 6), { fin: false }),
      frame(Opcode.continuation, bytes.subarray(6, 9), { fin: false }),
      frame(Opcode.continuation, bytes.subarray(9)),
      frame(Opcode.text, bytes),
    ),
  );
  assertEquals(events, [{ type: "text", data: text }, { type: "text", data: text }]);
});

Deno.test("decoder: protocol violations are 1002", () => {
  const continuationFirst = frame(Opcode.continuation, "x");
  failsWith(continuationFirst, ProtocolError, 1002);
  failsWith(
    join(frame(Opcode.text, "a", { fin: false }), frame(Opcode.text, "b")),
    ProtocolError,
    1002,
  );
  failsWith(
    join(frame(Opcode.binary, "a", { fin: false }), frame(Opcode.binary, "b")),
    ProtocolError,
    1002,
  );
  failsWith(encodeFrame(Opcode.text, encoder.encode("x")), ProtocolError, 1002); // unmasked
  const rsv = frame(Opcode.text, "x");
  rsv[0] |= 0x40;
  failsWith(rsv, ProtocolError, 1002);
  const fragmentedPing = frame(Opcode.ping, "x");
  fragmentedPing[0] &= 0x7f;
  failsWith(fragmentedPing, ProtocolError, 1002);
  failsWith(new Uint8Array([0x89, 0x80 | 126, 0, 126, 1, 2, 3, 4]), ProtocolError, 1002);
  failsWith(new Uint8Array([0x83, 0x80, 1, 2, 3, 4]), ProtocolError, 1002);
  failsWith(new Uint8Array([0x8b, 0x80, 1, 2, 3, 4]), ProtocolError, 1002);
  failsWith(
    new Uint8Array([0x82, 0x80 | 126, 0, 5, 1, 2, 3, 4, 0, 0, 0, 0, 0]),
    ProtocolError,
    1002,
  );
  failsWith(frame(Opcode.close, new Uint8Array([3])), ProtocolError, 1002);
  failsWith(frame(Opcode.close, new Uint8Array([0x03, 0xed])), ProtocolError, 1002); // 1005
  failsWith(frame(Opcode.close, new Uint8Array([0x03, 0xe7])), ProtocolError, 1002); // 999
});

Deno.test("decoder: invalid UTF-8 is 1007, fragmented text fails at the bad fragment", () => {
  failsWith(frame(Opcode.text, new Uint8Array([0x68, 0xff])), InvalidPayloadError, 1007);
  failsWith(frame(Opcode.text, new Uint8Array([0xed, 0xa0, 0x80])), InvalidPayloadError, 1007);
  failsWith(frame(Opcode.text, new Uint8Array([0xe2, 0x82])), InvalidPayloadError, 1007);
  failsWith(
    frame(Opcode.close, join(encodeClosePayload(1000), new Uint8Array([0xc0, 0x80]))),
    InvalidPayloadError,
    1007,
  );
  // Fail fast: the first fragment is already invalid; no final frame is needed.
  failsWith(
    frame(Opcode.text, new Uint8Array([0x61, 0xff]), { fin: false }),
    InvalidPayloadError,
    1007,
  );
  // A code point cut at the end of the message.
  failsWith(
    join(
      frame(Opcode.text, new Uint8Array([0x61, 0xe2]), { fin: false }),
      frame(Opcode.continuation, new Uint8Array([0x82])),
    ),
    InvalidPayloadError,
    1007,
  );
});

Deno.test("decoder: limits are enforced from the header, before the payload arrives", () => {
  const limits = { maxFramePayload: 1000, maxMessageSize: 1500 };
  // Only the 8-byte header of a 2000-byte frame: no payload has been sent.
  failsWith(
    encodeFrameHeader(Opcode.binary, 2000, { maskKey: KEY }),
    MessageTooBigError,
    1009,
    limits,
  );
  // A 64-bit length far beyond anything, before its masking key.
  failsWith(new Uint8Array([0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0]), MessageTooBigError, 1009, limits);
  // Fragments: 1000 + header of a 600-byte continuation > 1500.
  failsWith(
    join(
      frame(Opcode.binary, new Uint8Array(1000), { fin: false }),
      encodeFrameHeader(Opcode.continuation, 600, { maskKey: KEY }),
    ),
    MessageTooBigError,
    1009,
    limits,
  );
  // Exactly at the limits is fine.
  const events = decodeAll(
    server(limits),
    join(
      frame(Opcode.binary, new Uint8Array(1000), { fin: false }),
      frame(Opcode.continuation, new Uint8Array(500)),
    ),
  );
  assertEquals(events.length, 1);
  assertEquals((events[0] as { data: Uint8Array }).data.length, 1500);
});

Deno.test("decoder: a partially received large frame holds memory for the bytes that came", () => {
  const decoder = server({ maxFramePayload: 64 << 20, maxMessageSize: 64 << 20 });
  decoder.push(encodeFrameHeader(Opcode.binary, 50 << 20, { maskKey: KEY }));
  assertEquals(decoder.next(), null);
  decoder.push(new Uint8Array(100));
  assertEquals(decoder.next(), null);
  assertEquals(decoder.pendingBytes, 0);
  assert(decoder.heldBytes <= 16 * 1024, `holds ${decoder.heldBytes} bytes after 100 arrived`);
  // It grows with the data: after 1 MiB it holds at most twice that.
  decoder.push(new Uint8Array(1 << 20));
  assertEquals(decoder.next(), null);
  assert(decoder.heldBytes <= 2 << 20, `holds ${decoder.heldBytes} bytes after 1 MiB arrived`);
});

Deno.test("decoder: leftover bytes survive a push of the next chunk", () => {
  const decoder = server();
  const a = frame(Opcode.text, "one");
  const b = frame(Opcode.text, "two");
  decoder.push(join(a, b.subarray(0, 3)));
  assertEquals(decoder.next(), { type: "text", data: "one" });
  // Push again before draining: the decoder joins the remainder (none here) with the new bytes.
  decoder.push(b.subarray(3));
  assertEquals(decoder.next(), { type: "text", data: "two" });
  assertEquals(decoder.next(), null);
  // Pushing while undrained bytes are still pending.
  decoder.push(join(a, b));
  decoder.push(a);
  const events = [decoder.next(), decoder.next(), decoder.next(), decoder.next()];
  assertEquals(events.map((e) => e && e.type === "text" ? e.data : null), [
    "one",
    "two",
    "one",
    null,
  ]);
  assert(decoder.partialMessageSize === 0);
});

Deno.test("decoder: endless empty continuation frames do not accumulate", () => {
  const decoder = server();
  decoder.push(frame(Opcode.binary, "a", { fin: false }));
  assertEquals(decoder.next(), null);
  const empty = frame(Opcode.continuation, new Uint8Array(0), { fin: false });
  const many = new Uint8Array(empty.length * 10_000);
  for (let i = 0; i < 10_000; i++) many.set(empty, i * empty.length);
  for (let round = 0; round < 10; round++) {
    decoder.push(many);
    assertEquals(decoder.next(), null);
  }
  assertEquals(decoder.heldBytes, 1 + FRAGMENT_OVERHEAD); // just the first fragment
  decoder.push(frame(Opcode.continuation, "b"));
  assertEquals(decoder.next(), { type: "binary", data: encoder.encode("ab") });
  // The same for text.
  decoder.push(frame(Opcode.text, "x", { fin: false }));
  for (let round = 0; round < 10; round++) {
    decoder.push(many);
    assertEquals(decoder.next(), null);
  }
  assertEquals(decoder.heldBytes, 1 + FRAGMENT_OVERHEAD);
  decoder.push(frame(Opcode.continuation, "y"));
  assertEquals(decoder.next(), { type: "text", data: "xy" });
});
