import { assertEquals } from "../testing/asserts.ts";
import { manualClock } from "../util/clock.ts";
import {
  incrementLoad,
  loadLevel,
  machineLoad,
  NodeLoadCache,
  parseProcNetDev,
  systemUsageReader,
  type UsageSample,
} from "./load.ts";

const GIB = 1024 ** 3;

function sample(overrides: Partial<UsageSample> = {}): UsageSample {
  return {
    loadAverage5: 0.4,
    cpuCount: 2,
    totalMemory: 100,
    availableMemory: 90,
    totalSwap: 0,
    freeSwap: 0,
    networkTransmitted: 0,
    networkReceived: 0,
    ...overrides,
  };
}

Deno.test("loadLevel uses exactly the reference buckets", () => {
  const cases: [number, string][] = [
    [0, "unknown"],
    [Number.NaN, "unknown"],
    [Infinity, "unknown"],
    [0.05, "negligible"],
    [0.1, "negligible"],
    [0.1000001, "low"],
    [0.3, "low"],
    [0.6, "medium"],
    [0.8, "high"],
    [0.95, "very_high"],
    [0.96, "at_capacity"],
    [7, "at_capacity"],
  ];
  for (const [value, level] of cases) assertEquals(loadLevel(value), level, String(value));
  assertEquals(incrementLoad("unknown"), "unknown");
  assertEquals(incrementLoad("very_high"), "at_capacity");
  assertEquals(incrementLoad("at_capacity"), "at_capacity");
});

Deno.test("machine load is raised by memory and (free) swap pressure", () => {
  assertEquals(machineLoad(sample()), "low"); // 0.2 per CPU, memory 0.1
  assertEquals(machineLoad(sample({ availableMemory: 30 })), "medium"); // memory 0.7 is higher
  // Swap counts only above 1 GiB, and (as upstream) uses the free fraction.
  assertEquals(machineLoad(sample({ totalSwap: GIB / 2, freeSwap: GIB / 2 })), "low");
  assertEquals(machineLoad(sample({ totalSwap: 2 * GIB, freeSwap: 2 * GIB })), "medium");
  assertEquals(machineLoad(sample({ totalSwap: 2 * GIB, freeSwap: 0 })), "low");
});

Deno.test("parseProcNetDev sums eth*/en* interfaces only", () => {
  const text = [
    "Inter-|   Receive                                                |  Transmit",
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
    "    lo: 5000 10 0 0 0 0 0 0 5000 10 0 0 0 0 0 0",
    "  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0",
    "enp3s0: 300 3 0 0 0 0 0 0 400 4 0 0 0 0 0 0",
    " wlan0: 7 7 0 0 0 0 0 0 7 7 0 0 0 0 0 0",
  ].join("\n");
  assertEquals(parseProcNetDev(text), { received: 1300, transmitted: 2400 });
});

Deno.test("NodeLoadCache caches for the TTL and derives network load from byte rates", () => {
  const clock = manualClock();
  let current = sample();
  let reads = 0;
  const cache = new NodeLoadCache({
    clock,
    ttlMs: 30_000,
    reader: () => {
      reads++;
      return current;
    },
  });
  assertEquals(cache.current(), { total: "low", machine: "low", network: "unknown" });
  // 30 s at 0.5 Gbit/s transmit = 1.875e9 bytes.
  current = sample({ networkTransmitted: 1_875_000_000, networkReceived: 10 });
  clock.advance(30_000);
  assertEquals(cache.current().network, "unknown", "still cached at exactly the TTL");
  assertEquals(reads, 1);
  clock.advance(1);
  const load = cache.current();
  assertEquals(load.network, "medium");
  assertEquals(load.machine, "low");
  assertEquals(load.total, "medium"); // machine is not above network: one level up
  assertEquals(reads, 2);
  // Idle network (negligible): machine dominates.
  current = sample({ networkTransmitted: 1_875_000_000 + 1_000, networkReceived: 10 });
  clock.advance(31_000);
  assertEquals(cache.current(), { total: "low", machine: "low", network: "negligible" });
});

Deno.test("systemUsageReader reads this machine", () => {
  const reading = systemUsageReader()();
  assertEquals(reading.cpuCount >= 1, true);
  assertEquals(reading.totalMemory > 0, true);
  assertEquals(reading.availableMemory <= reading.totalMemory, true);
});
