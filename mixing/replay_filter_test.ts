import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/mod.ts";
import {
  bloomParameters,
  DEFAULT_REPLAY_FALSE_POSITIVE_RATE,
  DEFAULT_REPLAY_FILTER_ITEMS,
  ReplayFilter,
  ReplayFilterFormatError,
} from "./replay_filter.ts";

Deno.test("bloom sizing follows m = -n ln p / ln²2 and k = (m/n) ln 2", () => {
  const p = bloomParameters(1_000_000, 1e-5);
  const expectedBits = Math.ceil((-1_000_000 * Math.log(1e-5)) / Math.LN2 ** 2);
  assert(p.bits >= expectedBits && p.bits - expectedBits < 32);
  assertEquals(p.hashes, 17);
  const d = bloomParameters(DEFAULT_REPLAY_FILTER_ITEMS, DEFAULT_REPLAY_FALSE_POSITIVE_RATE);
  // The README's memory figure: ≈40 MB for the default filter.
  assert(Math.abs(d.bits / 8 / 1e6 - 40.4) < 0.5, `default filter is ${d.bits / 8 / 1e6} MB`);
  assertThrows(() => bloomParameters(0, 1e-5), RangeError);
  assertThrows(() => bloomParameters(10, 1), RangeError);
});

Deno.test("replays are detected and fresh tags pass; measured FP rate is near the design rate", () => {
  const rng = seededRandom(new Uint8Array(32).fill(1));
  const n = 20_000;
  const filter = ReplayFilter.create(bloomParameters(n, 1e-3), 1, rng(16), 0);
  const tags = Array.from({ length: n }, () => rng(32));
  // While filling, the FP rate climbs from 0 to p: expect about n·p/(k+1) ≈ 2 false positives.
  let insertionFalsePositives = 0;
  for (const t of tags) if (filter.checkAndSet(t)) insertionFalsePositives++;
  assert(insertionFalsePositives <= 20, `${insertionFalsePositives} false positives while filling`);
  for (const t of tags.slice(0, 500)) assertEquals(filter.checkAndSet(t), true);
  let falsePositives = 0;
  const trials = 50_000;
  for (let i = 0; i < trials; i++) if (filter.contains(rng(32))) falsePositives++;
  assert(falsePositives / trials < 2.5e-3, `FP rate ${falsePositives / trials}`);
  const est = filter.estimatedItems();
  assert(Math.abs(est - n) / n < 0.05, `estimated ${est}`);
});

Deno.test("a shared view sees and sets the same bits (worker sharing)", () => {
  const rng = seededRandom(new Uint8Array(32).fill(2));
  const filter = ReplayFilter.create(bloomParameters(1000, 1e-5), 3, rng(16), 0);
  const other = ReplayFilter.fromShared(filter.shared());
  const tag = rng(32);
  assertEquals(other.checkAndSet(tag), false);
  assertEquals(filter.checkAndSet(tag), true);
});

Deno.test("serialise → deserialise keeps every bit and the metadata; corruption is refused", () => {
  const rng = seededRandom(new Uint8Array(32).fill(3));
  const filter = ReplayFilter.create(bloomParameters(5000, 1e-5), 42, rng(16), 1_700_000_000_000);
  const tags = Array.from({ length: 3000 }, () => rng(32));
  for (const t of tags) filter.checkAndSet(t);
  const bytes = filter.serialize();
  const restored = ReplayFilter.deserialize(bytes);
  assertEquals(restored.info, filter.info);
  assertEquals(restored.inserted, 3000);
  for (const t of tags) assertEquals(restored.checkAndSet(t), true);
  assertThrows(
    () => ReplayFilter.deserialize(bytes.subarray(0, bytes.length - 1)),
    ReplayFilterFormatError,
  );
  const badMagic = bytes.slice();
  badMagic[0] ^= 1;
  assertThrows(() => ReplayFilter.deserialize(badMagic), ReplayFilterFormatError);
  assertThrows(() => ReplayFilter.deserialize(new Uint8Array(10)), ReplayFilterFormatError);
});
