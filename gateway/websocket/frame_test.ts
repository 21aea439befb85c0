import { assert, assertEquals, assertInstanceOf, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { MessageTooBigError, ProtocolError } from "./errors.ts";
import {
  applyMask,
  encodeFrame,
  encodeFrameHeader,
  frameHeaderLength,
  MAX_CONTROL_PAYLOAD,
  Opcode,
  parseFrameHeader,
} from "./frame.ts";

const SERVER = { masked: true } as const; // a server parses masked client frames
const CLIENT = { masked: false } as const;

Deno.test("frame: RFC 6455 §5.7 examples encode byte-exactly", () => {
  const hello = new TextEncoder().encode("Hello");
  assertEquals(
    encodeFrame(Opcode.text, hello),
    new Uint8Array([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]),
  );
  assertEquals(
    encodeFrame(Opcode.text, hello, { maskKey: new Uint8Array([0x37, 0xfa, 0x21, 0x3d]) }),
    new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]),
  );
  assertEquals(
    encodeFrame(Opcode.text, hello.subarray(0, 3), { fin: false }),
    new Uint8Array([0x01, 0x03, 0x48, 0x65, 0x6c]),
  );
  assertEquals(
    encodeFrame(Opcode.continuation, hello.subarray(3)),
    new Uint8Array([0x80, 0x02, 0x6c, 0x6f]),
  );
  assertEquals(encodeFrame(Opcode.ping, hello).subarray(0, 2), new Uint8Array([0x89, 0x05]));
  assertEquals(encodeFrameHeader(Opcode.binary, 256), new Uint8Array([0x82, 0x7e, 0x01, 0x00]));
  assertEquals(
    encodeFrameHeader(Opcode.binary, 65536),
    new Uint8Array([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]),
  );
});

Deno.test("frame: headers round-trip at every length boundary, masked and unmasked", () => {
  const key = new Uint8Array([9, 8, 7, 6]);
  for (const length of [0, 1, 125, 126, 127, 65535, 65536, 2 ** 32 - 1, 2 ** 32 + 5, 2 ** 53 - 1]) {
    for (const masked of [false, true]) {
      const header = encodeFrameHeader(Opcode.binary, length, masked ? { maskKey: key } : {});
      assertEquals(header.length, frameHeaderLength(header[1]));
      const parsed = parseFrameHeader(header, 0, { masked });
      assert(parsed !== null);
      assertEquals(parsed.payloadLength, length);
      assertEquals(parsed.headerLength, header.length);
      assertEquals(parsed.opcode, Opcode.binary);
      assertEquals(parsed.fin, true);
      assertEquals(parsed.maskKey, masked ? key : null);
      // Every strict prefix is incomplete, never an error.
      for (let cut = 0; cut < header.length; cut++) {
        assertEquals(parseFrameHeader(header.subarray(0, cut), 0, { masked }), null);
      }
    }
  }
});

Deno.test("frame: header parsing honours the offset", () => {
  const bytes = new Uint8Array([0xff, 0xff, 0x82, 0x80, 1, 2, 3, 4]);
  const parsed = parseFrameHeader(bytes, 2, SERVER);
  assertEquals(parsed?.payloadLength, 0);
  assertEquals(parsed?.maskKey, new Uint8Array([1, 2, 3, 4]));
});

function protocolError(bytes: number[], options: { masked: boolean } = SERVER): ProtocolError {
  const e = assertThrows(() => parseFrameHeader(new Uint8Array(bytes), 0, options));
  assertInstanceOf(e, ProtocolError);
  assertEquals(e.closeCode, 1002);
  return e;
}

Deno.test("frame: RSV bits are protocol errors (no extension negotiated)", () => {
  for (const rsv of [0x40, 0x20, 0x10, 0x70]) protocolError([0x82 | rsv, 0x80]);
});

Deno.test("frame: reserved opcodes are protocol errors", () => {
  for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    protocolError([0x80 | opcode, 0x80]);
  }
  for (const opcode of [0, 1, 2, 8, 9, 0xa]) {
    assert(parseFrameHeader(new Uint8Array([0x80 | opcode, 0x80, 0, 0, 0, 0]), 0, SERVER));
  }
});

Deno.test("frame: masking must match the direction", () => {
  assertEquals(protocolError([0x82, 0x00]).message, "client frame not masked");
  assertEquals(protocolError([0x82, 0x80], CLIENT).message, "server frames must not be masked");
});

Deno.test("frame: control frames are final and carry at most 125 bytes", () => {
  protocolError([0x09, 0x80]); // ping without FIN
  protocolError([0x08, 0x80]); // close without FIN
  protocolError([0x8a, 0x80 | 126, 0, 126]); // pong with a 16-bit length
  protocolError([0x89, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 200]);
  assert(parseFrameHeader(new Uint8Array([0x89, 0x80 | 125, 1, 2, 3, 4]), 0, SERVER));
  assertThrows(() => encodeFrame(Opcode.ping, new Uint8Array(MAX_CONTROL_PAYLOAD + 1)), RangeError);
  assertThrows(() => encodeFrameHeader(Opcode.close, 0, { fin: false }), RangeError);
});

Deno.test("frame: lengths must use the minimal encoding; the 64-bit top bit must be clear", () => {
  protocolError([0x82, 0x80 | 126, 0, 125]);
  protocolError([0x82, 0x80 | 126, 0, 0]);
  protocolError([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
  protocolError([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 5]);
  protocolError([0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  assert(parseFrameHeader(new Uint8Array([0x82, 0x80 | 126, 0, 126, 1, 2, 3, 4]), 0, SERVER));
});

Deno.test("frame: bad first bytes are rejected before the rest of the header arrives", () => {
  assertEquals(parseFrameHeader(new Uint8Array([0xc2]), 0, SERVER), null);
  protocolError([0xc2, 0x80 | 127]); // RSV1, with 12 header bytes still missing
  protocolError([0x83, 0x80 | 127]);
  protocolError([0x09, 0x80]);
});

Deno.test("frame: a length over the limit is a 1009 as soon as the length field is complete", () => {
  const e = assertThrows(
    () =>
      parseFrameHeader(new Uint8Array([0x82, 0x80 | 127, 0, 0, 0, 1, 0, 0, 0, 0]), 0, {
        masked: true,
        maxPayload: 1 << 20,
      }),
  );
  assertInstanceOf(e, MessageTooBigError);
  assertEquals(e.closeCode, 1009);
  assert(
    parseFrameHeader(encodeFrameHeader(Opcode.binary, 1 << 20, { maskKey: new Uint8Array(4) }), 0, {
      masked: true,
      maxPayload: 1 << 20,
    }),
  );
});

Deno.test("frame: applyMask equals the byte-wise definition at every length, offset and alignment", () => {
  const random = seededRandom(new Uint8Array(32).fill(3));
  const key = random(4);
  const source = random(600);
  for (const length of [0, 1, 3, 4, 5, 63, 64, 65, 100, 257, 599]) {
    for (let alignment = 0; alignment < 4; alignment++) {
      for (let offset = 0; offset < 5; offset++) {
        const expected = source.slice(alignment, alignment + length);
        for (let i = 0; i < expected.length; i++) expected[i] ^= key[(offset + i) & 3];
        const data = source.slice(); // aligned copy; the subarray gives the misalignment
        const view = data.subarray(alignment, alignment + length);
        applyMask(view, key, offset);
        assertEquals(view, expected, `length ${length} alignment ${alignment} offset ${offset}`);
        assertEquals(data.subarray(0, alignment), source.subarray(0, alignment));
        assertEquals(data.subarray(alignment + length), source.subarray(alignment + length));
      }
    }
  }
});

Deno.test("frame: masking in pieces equals masking at once; masking twice is the identity", () => {
  const random = seededRandom(new Uint8Array(32).fill(4));
  const key = random(4);
  const payload = random(5000);
  const whole = payload.slice();
  applyMask(whole, key);
  const pieces = payload.slice();
  for (const [start, end] of [[0, 7], [7, 300], [300, 301], [301, 4999], [4999, 5000]]) {
    applyMask(pieces.subarray(start, end), key, start);
  }
  assertEquals(pieces, whole);
  applyMask(whole, key);
  assertEquals(whole, payload);
});

Deno.test("frame: encodeFrame masks a copy and leaves the input untouched", () => {
  const payload = new Uint8Array(300).fill(0xaa);
  const key = new Uint8Array([1, 2, 3, 4]);
  const frame = encodeFrame(Opcode.binary, payload, { maskKey: key });
  assertEquals(payload, new Uint8Array(300).fill(0xaa));
  const header = parseFrameHeader(frame, 0, SERVER)!;
  const body = frame.slice(header.headerLength);
  applyMask(body, key);
  assertEquals(body, payload);
});

Deno.test("frame: encoding rejects programming errors with RangeError", () => {
  assertThrows(() => encodeFrameHeader(3 as Opcode, 0), RangeError);
  assertThrows(() => encodeFrameHeader(Opcode.binary, -1), RangeError);
  assertThrows(() => encodeFrameHeader(Opcode.binary, 1.5), RangeError);
  assertThrows(
    () => encodeFrame(Opcode.binary, new Uint8Array(1), { maskKey: new Uint8Array(3) }),
    RangeError,
  );
});
