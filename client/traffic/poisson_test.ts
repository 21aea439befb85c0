import { assert, assertAlmostEquals, assertEquals } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { manualClock } from "../../util/clock.ts";
import { PoissonTicker, sampleExponentialMs } from "./poisson.ts";
import { SENDING_DELAY, SendingDelayController } from "./sending_delay.ts";

Deno.test("poisson: exponential samples have the configured mean and variance", () => {
  const random = seededRandom(new Uint8Array(32).fill(9));
  const n = 20_000;
  let sum = 0, sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = sampleExponentialMs(random, 20);
    assert(x >= 0);
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  assertAlmostEquals(mean, 20, 0.6);
  // Exponential: standard deviation equals the mean.
  assertAlmostEquals(Math.sqrt(sumSq / n - mean * mean), 20, 1);
  assertEquals(sampleExponentialMs(random, 0), 0);
});

Deno.test("poisson: the ticker advances from deadlines, not from wake-up times", () => {
  const ticker = new PoissonTicker(seededRandom(new Uint8Array(32)), 1000);
  const a = ticker.next(20);
  const b = ticker.next(20);
  assert(a > 1000 && b > a);
  assertEquals(ticker.deadline, b);
  // A late wake-up within the allowed lag keeps the schedule (no rate loss) ...
  ticker.catchUp(b + 500, 1000);
  assertEquals(ticker.deadline, b);
  // ... a long pause resets it so no burst of catch-up ticks follows.
  ticker.catchUp(b + 5000, 1000);
  assertEquals(ticker.deadline, b + 5000);
  // 10 000 ticks at mean 20 span about 200 s.
  const t = new PoissonTicker(seededRandom(new Uint8Array(32).fill(2)), 0);
  let last = 0;
  for (let i = 0; i < 10_000; i++) last = t.next(20);
  assertAlmostEquals(last / 10_000, 20, 0.8);
});

Deno.test("sending delay: up by one per second under full buffer, down after 2 s calm", () => {
  const clock = manualClock();
  const c = new SendingDelayController(clock);
  assertEquals(c.multiplier, 1);
  // Full buffer: no increase within the first second after the last change.
  c.update(100, 100);
  assertEquals(c.multiplier, 1);
  for (let i = 0; i < 10; i++) {
    clock.advance(1001);
    c.update(100, 100);
  }
  assertEquals(c.multiplier, SENDING_DELAY.maxMultiplier);
  // Back-pressure without a full buffer holds the multiplier.
  clock.advance(5000);
  c.update(50, 100);
  assertEquals(c.multiplier, 6);
  // Calm: after 2 s without back-pressure it drops by one at most every 2 s.
  clock.advance(2001);
  c.update(0, 100);
  assertEquals(c.multiplier, 5);
  clock.advance(1000);
  c.update(0, 100);
  assertEquals(c.multiplier, 5);
  for (let i = 0; i < 10; i++) {
    clock.advance(2001);
    c.update(0, 100);
  }
  assertEquals(c.multiplier, SENDING_DELAY.minMultiplier);
});
