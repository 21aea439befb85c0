import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { randomInt, type RandomSource, seededRandom } from "../crypto/random.ts";
import { splitIntoFragments } from "./chunking.ts";
import { MalformedFragmentError } from "./errors.ts";
import { decodeFragment, encodeFragment, type Fragment } from "./fragment.ts";
import {
  INCOMPLETE_MESSAGE_TIMEOUT_MS,
  type InsertResult,
  MessageReconstructor,
} from "./reassembly.ts";

const PPP = 1611;
const U = PPP - 7;

function shuffle<T>(random: RandomSource, items: T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function bytes(length: number, seed: number): Uint8Array {
  return seededRandom(new Uint8Array(32).fill(seed))(length);
}

/** Fragments as a receiver sees them: serialized and parsed back. */
function wire(fragments: Fragment[]): Fragment[] {
  return fragments.map((f) => decodeFragment(encodeFragment(f)));
}

Deno.test("reassembles 3 linked sets in random order with duplicates", () => {
  const random = seededRandom(new Uint8Array(32).fill(1));
  const m = bytes(2 * (255 * U - 3) + 5000, 7);
  const fragments = wire(splitIntoFragments(m, PPP, random));
  assertEquals(new Set(fragments.map((f) => f.setId)).size, 3);
  const withDuplicates = shuffle(random, [...fragments, ...fragments.slice(0, 300)]);
  const r = new MessageReconstructor();
  const complete: InsertResult[] = [];
  let duplicates = 0;
  let late = 0;
  for (const f of withDuplicates) {
    const result = r.insert(f, 1000);
    if (result.status === "complete") complete.push(result);
    if (result.status === "duplicate") duplicates++;
    if (result.status === "alreadyReconstructed") late++;
  }
  assertEquals(complete.length, 1);
  const done = complete[0];
  assert(done.status === "complete");
  assertEquals(done.message, m);
  assertEquals(done.setIds, [fragments[0].setId, fragments[255].setId, fragments[510].setId]);
  assertEquals(duplicates + late, 300);
  assertEquals(r.counters.duplicates, duplicates);
  assertEquals(r.pendingSets, 0);
  assertEquals(r.bufferedBytes, 0);
  // Late duplicates of any of its sets are dropped.
  for (const f of fragments.slice(0, 3)) {
    assertEquals(r.insert(f, 2000).status, "alreadyReconstructed");
  }
  assert(r.wasReconstructed(fragments[fragments.length - 1].setId));
});

Deno.test("single-fragment messages complete at once and are remembered", () => {
  const [f] = wire(
    splitIntoFragments(new Uint8Array([1, 2, 3]), PPP, seededRandom(new Uint8Array(32))),
  );
  const r = new MessageReconstructor();
  const result = r.insert(f, 0);
  assert(result.status === "complete");
  assertEquals(result.message, new Uint8Array([1, 2, 3]));
  assertEquals(r.insert(f, 0).status, "alreadyReconstructed");
});

Deno.test("many interleaved messages", () => {
  const random = seededRandom(new Uint8Array(32).fill(2));
  const messages = Array.from({ length: 20 }, (_, i) => bytes(1 + i * 3000, i + 10));
  const all = shuffle(random, messages.flatMap((m) => wire(splitIntoFragments(m, PPP, random))));
  const r = new MessageReconstructor();
  const out: Uint8Array[] = [];
  for (const f of all) {
    const result = r.insert(f, 0);
    if (result.status === "complete") out.push(result.message);
  }
  assertEquals(out.length, 20);
  const sortByLength = (a: Uint8Array, b: Uint8Array) => a.length - b.length;
  assertEquals(out.sort(sortByLength), messages.sort(sortByLength));
});

Deno.test("incomplete sets expire after 30 minutes of inactivity", () => {
  const fragments = wire(
    splitIntoFragments(new Uint8Array(5000), PPP, seededRandom(new Uint8Array(32))),
  );
  const r = new MessageReconstructor();
  r.insert(fragments[0], 0);
  r.insert(fragments[1], 10 * 60_000);
  assertEquals(r.expire(10 * 60_000 + INCOMPLETE_MESSAGE_TIMEOUT_MS - 1), 0);
  assertEquals(r.expire(10 * 60_000 + INCOMPLETE_MESSAGE_TIMEOUT_MS), 1);
  assertEquals(r.pendingSets, 0);
  assertEquals(r.bufferedBytes, 0);
  assertEquals(r.counters.expiredSets, 1);
  // The set starts over; it was never reconstructed, so it is not remembered.
  assertEquals(r.insert(fragments[2], 0).status, "buffered");
});

Deno.test("the number of pending sets is capped (least recently active evicted)", () => {
  const random = seededRandom(new Uint8Array(32).fill(3));
  const r = new MessageReconstructor({ maxPendingSets: 3 });
  const sets = Array.from(
    { length: 5 },
    () => wire(splitIntoFragments(new Uint8Array(4000), PPP, random)),
  );
  r.insert(sets[0][0], 0);
  r.insert(sets[1][0], 1);
  r.insert(sets[2][0], 2);
  r.insert(sets[0][1], 3); // set 0 is now the most recent
  r.insert(sets[3][0], 4); // evicts set 1
  assertEquals(r.pendingSets, 3);
  assertEquals(r.counters.evictedSets, 1);
  // set 0 survived and can complete; set 1 has to start again
  const done = r.insert(sets[0][2], 5);
  assertEquals(done.status, "complete");
  assertEquals(r.insert(sets[1][1], 6).status, "buffered");
});

Deno.test("buffered bytes are capped; a set larger than the budget is dropped", () => {
  const random = seededRandom(new Uint8Array(32).fill(4));
  const budget = 2 * U + 100;
  const r = new MessageReconstructor({ maxBufferedBytes: budget });
  const a = wire(splitIntoFragments(new Uint8Array(3 * U), PPP, random));
  const b = wire(splitIntoFragments(new Uint8Array(3 * U), PPP, random));
  r.insert(a[0], 0);
  r.insert(a[1], 0);
  assertEquals(r.insert(b[0], 1).status, "buffered"); // a is evicted to make room
  assertEquals(r.counters.evictedSets, 1);
  assertEquals(r.bufferedBytes, U);
  const big = wire(splitIntoFragments(new Uint8Array(5 * U), PPP, random));
  const statuses = big.map((f) => r.insert(f, 2).status);
  assert(statuses.includes("tooLarge"));
  assert(!statuses.includes("complete"));
  assert(r.bufferedBytes <= budget);
  const tiny = new MessageReconstructor({ maxBufferedBytes: 10 });
  assertEquals(tiny.insert(a[0], 0).status, "tooLarge");
});

Deno.test("inconsistent totals are refused; invalid fragments are typed errors", () => {
  const r = new MessageReconstructor();
  const base = { setId: 42, previousSetId: null, nextSetId: null, payload: new Uint8Array(3) };
  assertEquals(r.insert({ ...base, totalFragments: 3, currentFragment: 1 }, 0).status, "buffered");
  assertEquals(
    r.insert({ ...base, totalFragments: 4, currentFragment: 2 }, 0).status,
    "inconsistent",
  );
  assertThrows(
    () => r.insert({ ...base, totalFragments: 3, currentFragment: 0 }, 0),
    MalformedFragmentError,
  );
});

Deno.test("forged link cycles and mismatched links never complete or hang", () => {
  const r = new MessageReconstructor();
  const full = (setId: number, previous: number | null, next: number) =>
    Array.from({ length: 255 }, (_, i): Fragment => ({
      setId,
      totalFragments: 255,
      currentFragment: i + 1,
      previousSetId: i === 0 ? previous : null,
      nextSetId: i === 254 ? next : null,
      payload: new Uint8Array(1),
    }));
  // A ⇄ B in a loop: A.prev = B, A.next = B, B.prev = A, B.next = A.
  for (const f of [...full(1, 2, 2), ...full(2, 1, 1)]) {
    assertEquals(r.insert(f, 0).status, "buffered");
  }
  // C says its previous is D, but D's next is E.
  const single = (setId: number, previous: number): Fragment => ({
    setId,
    totalFragments: 1,
    currentFragment: 1,
    previousSetId: previous,
    nextSetId: null,
    payload: new Uint8Array(1),
  });
  for (const f of full(4, null, 5)) r.insert(f, 0);
  assertEquals(r.insert(single(3, 4), 0).status, "buffered");
  assertEquals(r.insert(single(5, 4), 0).status, "complete");
});

Deno.test("remembered set ids are bounded", () => {
  const r = new MessageReconstructor({ maxRememberedSets: 2 });
  const one = (setId: number): Fragment => ({
    setId,
    totalFragments: 1,
    currentFragment: 1,
    previousSetId: null,
    nextSetId: null,
    payload: new Uint8Array(1),
  });
  for (const id of [1, 2, 3]) r.insert(one(id), 0);
  assertEquals(r.wasReconstructed(1), false);
  assertEquals(r.wasReconstructed(3), true);
  assertEquals(r.insert(one(1), 0).status, "complete");
  assertThrows(() => new MessageReconstructor({ maxPendingSets: 0 }), RangeError);
});
