import { assertEquals } from "../testing/asserts.ts";
import {
  epochStartMs,
  planRotation,
  rotationOfEpoch,
  type RotationSchedule,
} from "./key_rotation.ts";

const HOUR = 3_600_000;
function schedule(epoch: number): RotationSchedule {
  return {
    validityEpochs: 24,
    initialEpochId: 100,
    currentEpochId: epoch,
    currentEpochStartMs: epoch * HOUR,
    epochDurationMs: HOUR,
  };
}

Deno.test("rotation arithmetic", () => {
  const s = schedule(150);
  assertEquals(rotationOfEpoch(s, 99), 0);
  assertEquals(rotationOfEpoch(s, 123), 0);
  assertEquals(rotationOfEpoch(s, 124), 1);
  assertEquals(epochStartMs(s, 152), 152 * HOUR);
});

Deno.test("a full key lifecycle: pre-announce, swap, purge — then again", () => {
  // Epoch 130 is in rotation 1 (epochs 124..147).
  let keys: { primary: number; secondary: number | null } = { primary: 1, secondary: null };
  assertEquals(planRotation(keys, schedule(130)), {
    kind: "generate",
    rotation: 2,
    atMs: 147 * HOUR,
  });
  keys = { primary: 1, secondary: 2 };
  assertEquals(planRotation(keys, schedule(147)), { kind: "swap", atMs: 148 * HOUR });
  keys = { primary: 2, secondary: 1 };
  assertEquals(planRotation(keys, schedule(148)), { kind: "purge", atMs: 149 * HOUR });
  keys = { primary: 2, secondary: null };
  assertEquals(planRotation(keys, schedule(149)), {
    kind: "generate",
    rotation: 3,
    atMs: 171 * HOUR,
  });
});

Deno.test("recovery: stale primary, missed swap, stale secondary, legacy key", () => {
  assertEquals(planRotation({ primary: 0, secondary: null }, schedule(130)), {
    kind: "generate",
    rotation: 1,
    atMs: 130 * HOUR,
  });
  assertEquals(planRotation({ primary: 0, secondary: 1 }, schedule(130)), {
    kind: "swap",
    atMs: 130 * HOUR,
  });
  assertEquals(planRotation({ primary: 1, secondary: 0 }, schedule(150)), {
    kind: "purge",
    atMs: 150 * HOUR,
  });
  assertEquals(planRotation({ primary: 1, secondary: -5 as number }, schedule(130)), {
    kind: "purge",
    atMs: 130 * HOUR,
  });
  assertEquals(planRotation({ primary: 0xffff_ffff, secondary: null }, schedule(130)), {
    kind: "generate",
    rotation: 1,
    atMs: 130 * HOUR,
  });
  // Promoted early (the clock was ahead): swap back, the normal swap follows at the boundary.
  assertEquals(planRotation({ primary: 2, secondary: 1 }, schedule(147)), {
    kind: "swap",
    atMs: 147 * HOUR,
  });
});
