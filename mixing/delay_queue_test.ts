import { assertEquals } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/mod.ts";
import { DelayQueue } from "./delay_queue.ts";
import { reconnectBackoffMs } from "./backoff.ts";

Deno.test("items come out in due order, ties in insertion order", () => {
  const q = new DelayQueue<number>(100);
  const rng = seededRandom(new Uint8Array(32).fill(4));
  const due: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = rng(1)[0] % 20;
    due.push(t);
    q.push(i, t);
  }
  const out = q.popDue(1000);
  const expected = due.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) =>
    x.i
  );
  assertEquals(out, expected);
});

Deno.test("popDue only releases items that are due and respects the limit", () => {
  const q = new DelayQueue<string>(10);
  q.push("late", 50);
  q.push("early", 10);
  q.push("mid", 20);
  assertEquals(q.nextDueAt(), 10);
  assertEquals(q.popDue(15), ["early"]);
  assertEquals(q.popDue(100, 1), ["mid"]);
  assertEquals(q.size, 1);
  assertEquals(q.drain(), ["late"]);
  assertEquals(q.nextDueAt(), undefined);
});

Deno.test("a full queue refuses new items instead of growing", () => {
  const q = new DelayQueue<number>(3);
  assertEquals([q.push(1, 1), q.push(2, 1), q.push(3, 1), q.push(4, 0)], [true, true, true, false]);
  assertEquals(q.size, 3);
  assertEquals(q.popDue(5), [1, 2, 3]);
});

Deno.test("reconnect backoff doubles from the initial value up to the maximum", () => {
  assertEquals(
    [0, 1, 2, 3, 4, 5, 50].map((a) => reconnectBackoffMs(a, 10_000, 300_000)),
    [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000],
  );
});
