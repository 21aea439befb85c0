import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import {
  linkedFragmentCapacity,
  maxUnlinkedSetLength,
  numberOfRequiredFragments,
  numberOfSets,
  oneWayLinkedSetLength,
  splitIntoFragments,
  splitIntoSets,
  twoWayLinkedSetLength,
  unlinkedFragmentCapacity,
} from "./chunking.ts";
import { InvalidLengthError } from "./errors.ts";
import { encodeFragment, type Fragment } from "./fragment.ts";

const PPP = 1611;
const U = PPP - 7;
const K = PPP - 10;

function message(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Checks structure, links, sizes and that the payloads concatenate back to `m`. */
function checkSplit(m: Uint8Array, sets: Fragment[][], ppp: number): void {
  const u = ppp - 7;
  const k = ppp - 10;
  const all = sets.flat();
  const ids = sets.map((s) => s[0].setId);
  assertEquals(new Set(ids).size, ids.length);
  let offset = 0;
  sets.forEach((set, s) => {
    const last = s === sets.length - 1;
    if (!last) assertEquals(set.length, 255);
    set.forEach((f, i) => {
      assertEquals(f.setId, ids[s]);
      assertEquals(f.totalFragments, set.length);
      assertEquals(f.currentFragment, i + 1);
      assertEquals(f.previousSetId, i === 0 && s > 0 ? ids[s - 1] : null);
      assertEquals(f.nextSetId, i === 254 && !last ? ids[s + 1] : null);
      const linked = f.previousSetId !== null || f.nextSetId !== null;
      const isFinal = last && i === set.length - 1;
      const bytes = encodeFragment(f);
      if (!isFinal) {
        // Every fragment but the very last is full.
        assertEquals(bytes.length, ppp);
        assertEquals(f.payload.length, linked ? k : u);
      } else {
        assert(bytes.length <= ppp);
      }
      assertEquals(f.payload, m.subarray(offset, offset + f.payload.length));
      offset += f.payload.length;
    });
  });
  assertEquals(offset, m.length);
  const required = numberOfRequiredFragments(m.length, ppp);
  assertEquals(required.fragments, all.length);
  assertEquals(required.leftover, ppp - encodeFragment(all[all.length - 1]).length);
}

Deno.test("set length constants for a regular packet", () => {
  assertEquals(unlinkedFragmentCapacity(PPP), 1604);
  assertEquals(linkedFragmentCapacity(PPP), 1601);
  assertEquals(maxUnlinkedSetLength(PPP), 255 * U);
  assertEquals(oneWayLinkedSetLength(PPP), 255 * U - 3);
  assertEquals(twoWayLinkedSetLength(PPP), 255 * U - 6);
});

Deno.test("boundaries: 1 fragment, exactly 255, 255·U + 1, two full sets, 3 and 5 sets", () => {
  const random = seededRandom(new Uint8Array(32).fill(2));
  const cases: [number, number, number][] = [
    // [length, sets, fragments]
    [1, 1, 1],
    [U - 1, 1, 1],
    [U, 1, 1],
    [U + 1, 1, 2],
    [255 * U - 1, 1, 255],
    [255 * U, 1, 255],
    [255 * U + 1, 2, 256],
    [(255 * U - 3) + K, 2, 256],
    [(255 * U - 3) + K + 1, 2, 257],
    [2 * (255 * U - 3), 2, 510],
    [2 * (255 * U - 3) + 1, 3, 511],
    [2 * (255 * U - 3) + (255 * U - 6), 3, 765],
    [2 * (255 * U - 3) + (255 * U - 6) + 1, 4, 766],
    [2 * (255 * U - 3) + 3 * (255 * U - 6) - 1000, 5, 1275],
  ];
  for (const [length, sets, fragments] of cases) {
    assertEquals(numberOfSets(length, PPP), sets, `sets for ${length}`);
    const m = message(length);
    const split = splitIntoSets(m, PPP, random);
    assertEquals(split.length, sets, `split sets for ${length}`);
    assertEquals(split.flat().length, fragments, `fragments for ${length}`);
    checkSplit(m, split, PPP);
  }
});

Deno.test("numberOfRequiredFragments agrees with upstream's test cases for several sizes", () => {
  // The cases of upstream `calculating_number_of_required_fragments`.
  for (const ppp of [17, 1611, 20, 42, 10000]) {
    const u = ppp - 7;
    const k = ppp - 10;
    const edge = 255 * u - 3;
    const middle = 255 * u - 6;
    const cases: [number, number, number][] = [
      [u - 5, 1, 5],
      [u, 1, 0],
      [u + 1, 2, u - 1],
      [2 * u, 2, 0],
      [42 * u - 5, 42, 5],
      [42 * u, 42, 0],
      [edge + k - 1, 256, 1],
      [edge + k, 256, 0],
      [edge + k + 41 * u - 5, 297, 5],
      [edge + k + 41 * u, 297, 0],
      [edge + 8 * middle + k - 1, 9 * 255 + 1, 1],
      [edge + 8 * middle + k, 9 * 255 + 1, 0],
      [edge + 8 * middle + k + 41 * u - 5, 9 * 255 + 42, 5],
      [edge + 8 * middle + k + 41 * u, 9 * 255 + 42, 0],
    ];
    for (const [length, fragments, leftover] of cases) {
      assertEquals(
        numberOfRequiredFragments(length, ppp),
        { fragments, leftover },
        `${ppp}/${length}`,
      );
    }
  }
});

Deno.test("splits for small ppp values stay consistent across many lengths", () => {
  const random = seededRandom(new Uint8Array(32).fill(3));
  for (const ppp of [11, 17, 42]) {
    for (let length = 1; length < 4 * 255 * (ppp - 7); length += 97) {
      const m = message(length, ppp);
      checkSplit(m, splitIntoSets(m, ppp, random), ppp);
    }
  }
});

Deno.test("payloads are zero-copy views; set ids are fresh and in range", () => {
  const random = seededRandom(new Uint8Array(32).fill(4));
  const m = message(3 * 255 * U);
  const fragments = splitIntoFragments(m, PPP, random);
  for (const f of fragments) {
    assert(f.payload.buffer === m.buffer);
    assert(f.setId >= 1 && f.setId <= 0x7fff_ffff);
  }
});

Deno.test("empty messages give one empty fragment; tiny ppp is rejected", () => {
  const [[only]] = splitIntoSets(new Uint8Array(0), PPP, seededRandom(new Uint8Array(32)));
  assertEquals(only.totalFragments, 1);
  assertEquals(only.payload.length, 0);
  assertThrows(() => numberOfSets(10, 10), InvalidLengthError);
  assertThrows(
    () => splitIntoSets(new Uint8Array(5), 3, seededRandom(new Uint8Array(32))),
    InvalidLengthError,
  );
});
