import { assertEquals, assertStrictEquals, assertThrows } from "../testing/asserts.ts";
import { InvalidFragmentIdentifierError, MalformedFragmentError } from "./errors.ts";
import {
  COVER_FRAGMENT_IDENTIFIER,
  decodeFragment,
  decodeFragmentIdentifier,
  encodeFragment,
  encodeFragmentIdentifier,
  type Fragment,
  fragmentIdentifier,
  fragmentLength,
  fragmentSeed,
  generateSetId,
  isCoverFragmentIdentifier,
  validateFragmentHeader,
} from "./fragment.ts";

function frag(
  setId: number,
  total: number,
  current: number,
  previousSetId: number | null = null,
  nextSetId: number | null = null,
  payload = new Uint8Array([0xaa, 0xbb]),
): Fragment {
  return {
    setId,
    totalFragments: total,
    currentFragment: current,
    previousSetId,
    nextSetId,
    payload,
  };
}

Deno.test("unlinked header: flagged set id, total, current, 0x00", () => {
  const bytes = encodeFragment(frag(0x12345678, 10, 3));
  assertEquals([...bytes], [0x92, 0x34, 0x56, 0x78, 10, 3, 0, 0xaa, 0xbb]);
  const decoded = decodeFragment(bytes);
  assertEquals(decoded, frag(0x12345678, 10, 3));
  assertStrictEquals(decoded.payload.buffer, bytes.buffer);
  assertEquals(fragmentLength(decoded), 9);
});

Deno.test("linked headers: previous on fragment 1, next on 255 of 255", () => {
  const prev = encodeFragment(frag(1, 4, 1, 0x7fff_ffff));
  assertEquals([...prev.subarray(0, 10)], [0x80, 0, 0, 1, 4, 1, 0xff, 0xff, 0xff, 0xff]);
  assertEquals(decodeFragment(prev), frag(1, 4, 1, 0x7fff_ffff));
  const next = encodeFragment(frag(2, 255, 255, null, 3));
  assertEquals([...next.subarray(0, 10)], [0x80, 0, 0, 2, 255, 255, 0x80, 0, 0, 3]);
  assertEquals(decodeFragment(next), frag(2, 255, 255, null, 3));
  // A single-fragment last set still links back.
  assertEquals(decodeFragment(encodeFragment(frag(5, 1, 1, 6))), frag(5, 1, 1, 6));
});

Deno.test("malformed headers", () => {
  const bad: number[][] = [
    [],
    [0x80, 0, 0, 1, 1, 1],
    [0x00, 0, 0, 1, 1, 1, 0], // no flag
    [0x80, 0, 0, 0, 1, 1, 0], // set id 0
    [0x80, 0, 0, 1, 0, 0, 0], // total 0
    [0x80, 0, 0, 1, 1, 0, 0], // current 0
    [0x80, 0, 0, 1, 2, 3, 0], // current > total
    [0x80, 0, 0, 1, 3, 1, 0x80, 0, 0], // linked but short
    [0x80, 0, 0, 1, 3, 1, 0x01, 0, 0, 2], // link without flag
    [0x80, 0, 0, 1, 3, 2, 0x80, 0, 0, 2], // link on a middle fragment
    [0x80, 0, 0, 1, 254, 254, 0x80, 0, 0, 2], // next link on a non-full set
    [0x80, 0, 0, 1, 3, 1, 0x80, 0, 0, 0], // linked id 0
    [0x80, 0, 0, 1, 3, 1, 0x80, 0, 0, 1], // linked to itself
  ];
  for (const b of bad) {
    assertThrows(() => decodeFragment(new Uint8Array(b)), MalformedFragmentError);
  }
  const invalid = [
    frag(0, 1, 1),
    frag(2 ** 31, 1, 1),
    frag(1, 256, 1),
    frag(1, 2, 3),
    frag(1, 255, 1, 2, 3), // two links
    frag(1, 254, 254, null, 2),
    frag(1, 255, 255, null, 1),
    frag(1, 2, 2, 3),
    frag(1.5, 1, 1),
  ];
  for (const f of invalid) {
    assertThrows(() => validateFragmentHeader(f), MalformedFragmentError);
    assertThrows(() => encodeFragment(f), MalformedFragmentError);
  }
});

Deno.test("fragment identifiers: i32 BE set id ‖ position; negatives rejected", () => {
  assertEquals([...encodeFragmentIdentifier({ setId: 0x01020304, position: 5 })], [1, 2, 3, 4, 5]);
  assertEquals(decodeFragmentIdentifier(new Uint8Array([1, 2, 3, 4, 5])), {
    setId: 0x01020304,
    position: 5,
  });
  assertEquals([...encodeFragmentIdentifier(COVER_FRAGMENT_IDENTIFIER)], [0, 0, 0, 0, 0]);
  assertEquals(isCoverFragmentIdentifier(decodeFragmentIdentifier(new Uint8Array(5))), true);
  assertEquals(fragmentIdentifier(frag(9, 3, 2)), { setId: 9, position: 2 });
  assertThrows(
    () => decodeFragmentIdentifier(new Uint8Array([0x80, 0, 0, 0, 1])),
    InvalidFragmentIdentifierError,
  );
  assertThrows(() => decodeFragmentIdentifier(new Uint8Array(4)), InvalidFragmentIdentifierError);
  assertThrows(() => decodeFragmentIdentifier(new Uint8Array(6)), InvalidFragmentIdentifierError);
  assertThrows(
    () => encodeFragmentIdentifier({ setId: -1, position: 0 }),
    InvalidFragmentIdentifierError,
  );
  assertThrows(
    () => encodeFragmentIdentifier({ setId: 1, position: 256 }),
    InvalidFragmentIdentifierError,
  );
});

Deno.test("set ids: redraw 0 and i32::MIN, then abs()", () => {
  const draws = [[0, 0, 0, 0], [0x80, 0, 0, 0], [0xff, 0xff, 0xff, 0xff], [0x7f, 0xff, 0xff, 0xff]];
  let i = 0;
  const scripted = (n: number) => {
    assertEquals(n, 4);
    return new Uint8Array(draws[i++]);
  };
  assertEquals(generateSetId(scripted), 1); // -1 → 1
  assertEquals(i, 3);
  assertEquals(generateSetId(scripted), 0x7fff_ffff);
});

Deno.test("fragment seed wraps like i32", () => {
  assertEquals(fragmentSeed(frag(10, 2, 3)), 60);
  // (2^31 − 1) · 65025 ≡ 2^31 − 65025 (mod 2^32), as Rust's wrapping_mul gives.
  assertEquals(fragmentSeed(frag(0x7fff_ffff, 255, 255)), 2 ** 31 - 65025);
  assertEquals(fragmentSeed(frag(0x4000_0000, 2, 1)), -(2 ** 31));
});
