import { assertEquals, assertInstanceOf, assertThrows } from "../../testing/asserts.ts";
import {
  encodeClosePayload,
  encodeTruncatedUtf8,
  isValidCloseCode,
  MAX_CLOSE_REASON_BYTES,
  parseClosePayload,
  WebSocketCloseCode,
} from "./close.ts";
import { InvalidPayloadError, ProtocolError } from "./errors.ts";

const VALID = [
  1000,
  1001,
  1002,
  1003,
  1007,
  1008,
  1009,
  1010,
  1011,
  1012,
  1013,
  1014,
  3000,
  3999,
  4000,
  4999,
];
const INVALID = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

Deno.test("close: code validity follows RFC 6455 §7.4", () => {
  for (const code of VALID) assertEquals(isValidCloseCode(code), true, `${code}`);
  for (const code of INVALID) assertEquals(isValidCloseCode(code), false, `${code}`);
  assertEquals(isValidCloseCode(1000.5), false);
});

Deno.test("close: payloads parse; an empty one means 1005", () => {
  assertEquals(parseClosePayload(new Uint8Array(0)), { code: 1005, reason: "" });
  for (const code of VALID) {
    assertEquals(parseClosePayload(encodeClosePayload(code, "réason")), { code, reason: "réason" });
  }
  assertEquals(parseClosePayload(new Uint8Array([0x0f, 0xa0])), { code: 4000, reason: "" });
});

Deno.test("close: a 1-byte payload or an invalid code is a protocol error (1002)", () => {
  const e = assertThrows(() => parseClosePayload(new Uint8Array([3])));
  assertInstanceOf(e, ProtocolError);
  for (const code of INVALID) {
    const error = assertThrows(() => parseClosePayload(new Uint8Array([code >> 8, code & 0xff])));
    assertInstanceOf(error, ProtocolError);
    assertEquals(error.closeCode, 1002);
  }
});

Deno.test("close: a reason that is not UTF-8 is invalid payload (1007)", () => {
  for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
    const e = assertThrows(() => parseClosePayload(new Uint8Array([0x03, 0xe8, ...bad])));
    assertInstanceOf(e, InvalidPayloadError);
    assertEquals(e.closeCode, 1007);
  }
});

Deno.test("close: reasons are truncated to 123 bytes on a code-point boundary", () => {
  const ascii = encodeClosePayload(1000, "x".repeat(200));
  assertEquals(ascii.length, 2 + MAX_CLOSE_REASON_BYTES);
  // 61 two-byte characters = 122 bytes; one more would make 124.
  const twoByte = encodeClosePayload(1000, "é".repeat(100));
  assertEquals(twoByte.length, 2 + 122);
  assertEquals(parseClosePayload(twoByte).reason, "é".repeat(61));
  const emoji = encodeClosePayload(1000, "😀".repeat(40)); // 4 bytes each: 30 fit
  assertEquals(parseClosePayload(emoji).reason, "😀".repeat(30));
  assertEquals(encodeTruncatedUtf8("héllo", 2), new Uint8Array([0x68]));
  assertEquals(encodeTruncatedUtf8("héllo", 3), new Uint8Array([0x68, 0xc3, 0xa9]));
});

Deno.test("close: 1005 encodes as the empty payload; unsendable codes throw RangeError", () => {
  assertEquals(encodeClosePayload(WebSocketCloseCode.noStatus), new Uint8Array(0));
  for (const code of [1004, 1006, 1015, 999, 5000]) {
    assertThrows(() => encodeClosePayload(code), RangeError);
  }
});
