import { assert, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { manualClock } from "../../util/clock.ts";
import {
  connectionLane,
  LANE_STALE_AFTER_MS,
  laneConnectionId,
  LaneQueues,
  SMALL_LANE_THRESHOLD,
  type TransmissionLane,
} from "./lanes.ts";

function queues(seed = 1) {
  const clock = manualClock();
  return {
    clock,
    q: new LaneQueues<number>({ random: seededRandom(new Uint8Array(32).fill(seed)), clock }),
  };
}

Deno.test("lanes: connection lanes round-trip their u64 id", () => {
  assertEquals(connectionLane(0xffff_ffff_ffff_ffffn), "connection:18446744073709551615");
  assertEquals(laneConnectionId(connectionLane(42n)), 42n);
  assertEquals(laneConnectionId("retransmission"), undefined);
  assertThrows(() => connectionLane(-1n), RangeError);
});

Deno.test("lanes: FIFO within a lane, lengths and totals", () => {
  const { q } = queues();
  q.push("general", [1, 2, 3]);
  q.push(connectionLane(7n), [10]);
  assertEquals(q.totalSize, 4);
  assertEquals(q.laneLength("general"), 3);
  const popped: Record<string, number[]> = {};
  for (let next = q.popNext(); next; next = q.popNext()) {
    (popped[next.lane] ??= []).push(next.item);
  }
  assertEquals(popped, { general: [1, 2, 3], "connection:7": [10] });
  assertEquals(q.totalSize, 0);
  assertEquals(q.lanes(), []);
  assertEquals(q.popNext(), undefined);
});

Deno.test("lanes: small lanes (< 100 queued) are served before big ones", () => {
  const { q } = queues();
  const big = Array.from({ length: SMALL_LANE_THRESHOLD + 50 }, (_, i) => i);
  q.push(connectionLane(1n), big);
  q.push("general", [1000, 1001]);
  // Both general items come out first: the big lane is not "small".
  assertEquals(q.popNext()?.lane, "general");
  assertEquals(q.popNext()?.lane, "general");
  assertEquals(q.popNext()?.lane, "connection:1");
});

Deno.test("lanes: among big lanes the 4 busiest win 2/3 of picks plus their share of the rest", () => {
  const { q } = queues(3);
  const lanes: TransmissionLane[] = [1n, 2n, 3n, 4n, 5n, 6n].map(connectionLane);
  for (const lane of lanes) q.push(lane, Array.from({ length: 5000 }, (_, i) => i));
  const counts = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const next = q.popNext()!;
    counts.set(next.lane, (counts.get(next.lane) ?? 0) + 1);
  }
  // Once some lanes lead, the top-4 set keeps winning: the 4 busiest lanes get well over 2/3.
  const sorted = [...counts.values()].sort((a, b) => b - a);
  const top4 = sorted.slice(0, 4).reduce((a, b) => a + b, 0);
  assert(top4 / 3000 > 0.75, `top-4 share ${top4 / 3000}`);
  assert(sorted.length === 6 && sorted[5] > 0, "every lane still gets some turns");
});

Deno.test("lanes: remove, unshift and stale pruning", () => {
  const { q, clock } = queues();
  q.push(connectionLane(1n), [1, 2]);
  q.push("general", [3]);
  assertEquals(q.remove(connectionLane(1n)), [1, 2]);
  assertEquals(q.totalSize, 1);
  q.unshift("general", [0]);
  assertEquals(q.popNext(), { lane: "general", item: 0 });
  clock.advance(LANE_STALE_AFTER_MS + 1);
  q.push("retransmission", [9]);
  assertEquals(q.pruneStale(), [3]);
  assertEquals(q.lanes(), ["retransmission"]);
});
