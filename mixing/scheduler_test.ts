import { assert, assertEquals } from "../testing/asserts.ts";
import { DelayScheduler } from "./scheduler.ts";

Deno.test("delayed items are released after their delay, in due order; zero delay is immediate", async () => {
  const released: { item: string; at: number }[] = [];
  const start = performance.now();
  const s = new DelayScheduler<string>({
    capacity: 10,
    release: (item) => released.push({ item, at: performance.now() - start }),
  });
  s.schedule("c", 60);
  s.schedule("a", 20);
  s.schedule("now", 0);
  s.schedule("b", 40);
  assertEquals(released.map((r) => r.item), ["now"]);
  await new Promise((r) => setTimeout(r, 120));
  assertEquals(released.map((r) => r.item), ["now", "a", "b", "c"]);
  assert(released[1].at >= 19 && released[3].at >= 59, JSON.stringify(released));
  assertEquals(s.close(), []);
});

Deno.test("a full scheduler refuses items; close returns what was waiting", () => {
  const s = new DelayScheduler<number>({ capacity: 2, release: () => {} });
  assertEquals([s.schedule(1, 1000), s.schedule(2, 1000), s.schedule(3, 1000)], [
    true,
    true,
    false,
  ]);
  assertEquals(s.close(), [1, 2]);
  assertEquals(s.schedule(4, 0), false);
});
