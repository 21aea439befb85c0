import { assertEquals } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { ackTimeoutMs, fragmentKey, PendingAcks } from "./pending_acks.ts";

const id = (setId: number, position = 1) => ({ setId, position });
const TIMERS = { ackWaitMultiplier: 1.5, ackWaitAdditionMs: 1500 };

Deno.test("acks: the timeout is a × (forward + ack delay) + b, the reference's 1.64 s on average", () => {
  // 3 hops × 15 ms each way.
  assertEquals(ackTimeoutMs(90, TIMERS), 1635);
  assertEquals(ackTimeoutMs(0, TIMERS), 1500);
  assertEquals(fragmentKey(id(7, 3)), "7/3");
});

Deno.test("acks: timers start only when sent, expire in deadline order, acks cancel them", () => {
  const acks = new PendingAcks<string>();
  acks.insert(id(1), "a");
  acks.insert(id(2), "b");
  acks.insert(id(3), "c");
  // Queued but not sent: no timer runs.
  assertEquals(acks.nextDeadline(), undefined);
  assertEquals(acks.popExpired(1e12), []);
  acks.startTimer(id(2), 300);
  acks.startTimer(id(1), 100);
  acks.startTimer(id(3), 200);
  assertEquals(acks.nextDeadline(), 100);
  assertEquals(acks.ack(id(3)), "c");
  assertEquals(acks.ack(id(3)), undefined); // a duplicate ack is ignored
  assertEquals(acks.popExpired(99), []);
  assertEquals(acks.popExpired(250), ["a"]);
  assertEquals(acks.nextDeadline(), 300);
  // Expired entries stay tracked (for the retransmission) with no timer.
  assertEquals(acks.size, 2);
  assertEquals(acks.get(id(1)), "a");
  assertEquals(acks.popExpired(1e12), ["b"]);
  assertEquals(acks.nextDeadline(), undefined);
});

Deno.test("acks: restarting a timer replaces the old deadline; starting an acked id is a no-op", () => {
  const acks = new PendingAcks<number>();
  acks.insert(id(1), 1);
  acks.startTimer(id(1), 100);
  acks.startTimer(id(1), 500); // retransmitted: new deadline
  assertEquals(acks.popExpired(400), []);
  assertEquals(acks.popExpired(500), [1]);
  acks.ack(id(1));
  acks.startTimer(id(1), 10);
  assertEquals(acks.nextDeadline(), undefined);
  acks.insert(id(2), 2);
  acks.startTimer(id(2), 10);
  acks.remove(id(2));
  assertEquals(acks.popExpired(1e9), []);
});

Deno.test("acks: many random timers come out sorted", () => {
  const random = seededRandom(new Uint8Array(32).fill(4));
  const acks = new PendingAcks<number>();
  const deadlines: number[] = [];
  for (let i = 1; i <= 2000; i++) {
    const d = random(2)[0] * 256 + random(1)[0];
    acks.insert(id(i), d);
    acks.startTimer(id(i), d);
    deadlines.push(d);
  }
  const out: number[] = [];
  for (let t = 0; t <= 70_000; t += 997) out.push(...acks.popExpired(t));
  assertEquals(out.length, 2000);
  for (let i = 1; i < out.length; i++) {
    // Within one popExpired batch deadlines are ascending; across batches too.
    if (out[i] < out[i - 1]) throw new Error(`not sorted at ${i}`);
  }
});
