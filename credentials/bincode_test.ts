import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { BincodeReader, BincodeWriter } from "./bincode.ts";
import { EcashDecodeError } from "./errors.ts";

Deno.test("varints follow bincode's big-endian varint encoding", () => {
  const cases: [number | bigint, number[]][] = [
    [0, [0]],
    [250, [250]],
    [251, [251, 0, 251]],
    [65535, [251, 255, 255]],
    [65536, [252, 0, 1, 0, 0]],
    [2n ** 32n, [253, 0, 0, 0, 1, 0, 0, 0, 0]],
  ];
  for (const [v, bytes] of cases) {
    assertEquals(new BincodeWriter().varint(v).finish(), new Uint8Array(bytes));
    const r = new BincodeReader(new Uint8Array(bytes), "t");
    assertEquals(r.varint(), BigInt(v));
    r.end();
  }
});

Deno.test("signed varints are zig-zag encoded", () => {
  for (const [v, z] of [[0, 0], [-1, 1], [1, 2], [2026, 4052], [-2026, 4051]]) {
    const bytes = new BincodeWriter().signedVarint(v).finish();
    assertEquals(new BincodeReader(bytes, "t").varint(), BigInt(z));
    assertEquals(new BincodeReader(bytes, "t").signedVarint(-9999, 9999), v);
  }
});

Deno.test("serde byte arrays carry a length prefix that must match exactly", () => {
  const w = new BincodeWriter().serdeBytes(new Uint8Array(48).fill(9));
  const bytes = w.finish();
  assertEquals(bytes[0], 48);
  assertEquals(new BincodeReader(bytes, "t").serdeBytes(48), new Uint8Array(48).fill(9));
  assertEquals(
    assertThrows(() => new BincodeReader(bytes, "t").serdeBytes(32), EcashDecodeError).reason,
    "length",
  );
});

Deno.test("reader errors are typed: truncation, bad markers, huge vectors, trailing bytes", () => {
  const reason = (f: () => unknown) => assertThrows(f, EcashDecodeError).reason;
  assertEquals(reason(() => new BincodeReader(new Uint8Array([251, 1]), "t").varint()), "length");
  assertEquals(reason(() => new BincodeReader(new Uint8Array([254]), "t").varint()), "value");
  assertEquals(
    reason(() =>
      new BincodeReader(new Uint8Array([252, 255, 255, 255, 255]), "t").vec(1, (r) => r.u8())
    ),
    "length",
  );
  assertEquals(reason(() => new BincodeReader(new Uint8Array([1]), "t").end()), "trailing");
  assertEquals(reason(() => new BincodeReader(new Uint8Array([2]), "t").option()), "value");
  assertEquals(reason(() => new BincodeReader(new Uint8Array([9]), "t").varintNumber(8)), "value");
});
