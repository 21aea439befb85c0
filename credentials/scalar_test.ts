import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import { EcashArgumentError, EcashDecodeError } from "./errors.ts";
import {
  add,
  inv,
  mul,
  neg,
  randomScalar,
  SCALAR_ORDER,
  scalarFromBytes,
  scalarFromWide,
  scalarToBytes,
  sub,
} from "./scalar.ts";

Deno.test("scalars are 32 bytes little-endian", () => {
  const bytes = scalarToBytes(0x0102n);
  assertEquals(bytes[0], 2);
  assertEquals(bytes[1], 1);
  assertEquals(bytes.subarray(2), new Uint8Array(30));
  assertEquals(scalarFromBytes(bytes), 0x0102n);
});

Deno.test("scalar decoding rejects r and above, and wrong lengths", () => {
  const r = new Uint8Array(32);
  let v = SCALAR_ORDER;
  for (let i = 0; i < 32; i++, v >>= 8n) r[i] = Number(v & 0xffn);
  const e = assertThrows(() => scalarFromBytes(r), EcashDecodeError);
  assertEquals(e.reason, "scalar");
  assertEquals(scalarFromBytes(scalarToBytes(SCALAR_ORDER - 1n)), SCALAR_ORDER - 1n);
  assertEquals(
    assertThrows(() => scalarFromBytes(new Uint8Array(31)), EcashDecodeError).reason,
    "length",
  );
  assertEquals(scalarFromBytes(new Uint8Array(32).fill(0xff).fill(0, 31)) < SCALAR_ORDER, true);
});

Deno.test("field arithmetic and wide reduction", () => {
  const random = seededRandom(new Uint8Array(32).fill(1));
  for (let i = 0; i < 20; i++) {
    const a = randomScalar(random);
    const b = randomScalar(random);
    assertEquals(sub(add(a, b), b), a);
    assertEquals(add(a, neg(a)), 0n);
    if (b !== 0n) assertEquals(mul(mul(a, b), inv(b)), a);
  }
  assertThrows(() => inv(0n), EcashArgumentError);
  const wide = new Uint8Array(64);
  wide[32] = 1; // 2^256
  assertEquals(scalarFromWide(wide), (1n << 256n) % SCALAR_ORDER);
});
