import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { formatDuration, InvalidDurationError, parseDuration } from "./duration.ts";

Deno.test("parseDuration accepts humantime spellings", () => {
  assertEquals(parseDuration("10m"), 600_000);
  assertEquals(parseDuration("1500ms"), 1500);
  assertEquals(parseDuration("1day"), 86_400_000);
  assertEquals(parseDuration("2days"), 172_800_000);
  assertEquals(parseDuration("1h 30m"), 5_400_000);
  assertEquals(parseDuration("1h30m"), 5_400_000);
  assertEquals(parseDuration("300s"), 300_000);
  assertEquals(parseDuration("5us"), 0.005);
  assertEquals(parseDuration("1w"), 7 * 86_400_000);
  assertEquals(parseDuration("0"), 0);
  assertEquals(parseDuration(" 4h "), 14_400_000);
});

Deno.test("parseDuration rejects malformed input", () => {
  for (const bad of ["", "10", "ten minutes", "10 parsecs", "1.5s", "-1s", "10m x"]) {
    assertThrows(() => parseDuration(bad), InvalidDurationError);
  }
});

Deno.test("formatDuration matches humantime's output", () => {
  assertEquals(formatDuration(0), "0s");
  assertEquals(formatDuration(1500), "1s 500ms");
  assertEquals(formatDuration(600_000), "10m");
  assertEquals(formatDuration(86_400_000), "1day");
  assertEquals(formatDuration(2 * 86_400_000 + 3_600_000), "2days 1h");
  assertEquals(formatDuration(483_840_000), "5days 14h 24m");
  assertEquals(formatDuration(0.005), "5us");
});

Deno.test("formatDuration and parseDuration round-trip", () => {
  for (const ms of [0, 1, 50, 999, 1000, 1500, 61_000, 3_600_000, 483_840_000, 90 * 86_400_000]) {
    assertEquals(parseDuration(formatDuration(ms)), ms, String(ms));
  }
});

Deno.test("formatDuration rejects negative and non-finite values", () => {
  assertThrows(() => formatDuration(-1), InvalidDurationError);
  assertThrows(() => formatDuration(Number.NaN), InvalidDurationError);
});
