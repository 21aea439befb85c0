import { polyval as noblePolyval } from "@noble/ciphers/_polyval.js";
import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { concatBytes, fromHex, toHex } from "./bytes.ts";
import { Polyval, polyval, PolyvalKeyError } from "./polyval.ts";
import { seededRandom } from "./random.ts";

Deno.test("POLYVAL: RFC 8452 Appendix A example", () => {
  const h = fromHex("25629347589242761d31f826ba4b757b");
  const x1 = fromHex("4f4f95668c83dfb6401762bb2d01a262");
  const x2 = fromHex("d1a24ddd2721d006bbe45f20d3c9f362");
  assertEquals(toHex(polyval(h, x1)), "cedac64537ff50989c16011551086d77");
  assertEquals(toHex(polyval(h, concatBytes(x1, x2))), "f7a3b47b846119fae5b7866cf5e5b77e");
  assertEquals(
    toHex(new Polyval(h).update(x1).update(x2).digest()),
    "f7a3b47b846119fae5b7866cf5e5b77e",
  );
});

Deno.test("POLYVAL: the intermediate values of RFC 8452 C.2 and C.3 (plaintext ‖ lengths)", () => {
  const cases: [string, string, string][] = [
    // [record authentication key, POLYVAL input, POLYVAL result]
    [
      "b5d3c529dfafac43136d2d11be284d7f",
      "01000000000000000000000000000000" + "00000000000000008000000000000000",
      "74eee2bf7c9a165f8b25dea73db32a6d",
    ],
    [
      "b5d3c529dfafac43136d2d11be284d7f",
      "01000000000000000000000000000000" + "02000000000000000000000000000000" +
      "00000000000000000001000000000000",
      "899b6381b3d46f0def7aa0517ba188f5",
    ],
    [
      "b5d3c529dfafac43136d2d11be284d7f",
      "01000000000000000000000000000000" + "02000000000000000000000000000000" +
      "03000000000000000000000000000000" + "00000000000000008001000000000000",
      "c1f8593d8fc29b0c290cae1992f71f51",
    ],
    [
      "dc95c078a24089895275f3d86b4fb868",
      "00000000000000000000000000000000" + "4db923dc793ee6497c76dcc03a98e108" +
      "00000000000000000001000000000000",
      "7367cdb411b730128dd56e8edc0eff56",
    ],
  ];
  for (const [key, input, result] of cases) {
    assertEquals(toHex(polyval(fromHex(key), fromHex(input))), result);
  }
});

Deno.test("POLYVAL: equals @noble/ciphers for random keys and lengths; pads each update", () => {
  const random = seededRandom(new Uint8Array(32).fill(21));
  for (let i = 0; i < 300; i++) {
    const key = random(16);
    const length = i < 70 ? i : random(2)[0] * 12 % 3000;
    const data = random(length);
    const padded = new Uint8Array(Math.ceil(length / 16) * 16);
    padded.set(data);
    const expected = toHex(noblePolyval(padded, key));
    assertEquals(toHex(polyval(key, data)), expected, `length ${length}`);
    // in two pieces split at a block boundary: the same
    const split = Math.floor(length / 32) * 16;
    assertEquals(
      toHex(new Polyval(key).update(data.subarray(0, split)).update(data.subarray(split)).digest()),
      expected,
    );
  }
  // a key with every top bit set exercises the reduction in the table build
  const key = new Uint8Array(16).fill(0xff);
  const data = random(64);
  assertEquals(toHex(polyval(key, data)), toHex(noblePolyval(data, key)));
});

Deno.test("POLYVAL: the key must be 16 bytes", () => {
  for (const length of [0, 15, 17, 32]) {
    assertThrows(() => new Polyval(new Uint8Array(length)), PolyvalKeyError, "16 bytes");
  }
});
