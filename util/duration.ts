/**
 * Human-readable durations in the `humantime` format nym-node uses in `config.toml`
 * (`nym-node.md` §1.6): `"10m"`, `"1500ms"`, `"1day"`, `"1h 30m"`. Values are held as
 * milliseconds (fractions allowed down to nanoseconds).
 *
 * @module
 */

/** Thrown when a string is not a humantime duration. */
export class InvalidDurationError extends Error {
  override name = "InvalidDurationError";
}

const NS_PER_MS = 1_000_000;
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
// humantime's calendar approximations: a month is 30.44 days and a year 365.25 days.
const MONTH_SECONDS = 2_630_016;
const YEAR_SECONDS = 31_557_600;

/** Every unit spelling humantime accepts, in milliseconds. */
const UNITS: Readonly<Record<string, number>> = {
  nanos: 1 / NS_PER_MS,
  nsec: 1 / NS_PER_MS,
  ns: 1 / NS_PER_MS,
  usec: 1 / 1000,
  us: 1 / 1000,
  "µs": 1 / 1000,
  millis: 1,
  msec: 1,
  ms: 1,
  seconds: SECOND_MS,
  second: SECOND_MS,
  secs: SECOND_MS,
  sec: SECOND_MS,
  s: SECOND_MS,
  minutes: MINUTE_MS,
  minute: MINUTE_MS,
  mins: MINUTE_MS,
  min: MINUTE_MS,
  m: MINUTE_MS,
  hours: HOUR_MS,
  hour: HOUR_MS,
  hrs: HOUR_MS,
  hr: HOUR_MS,
  h: HOUR_MS,
  days: DAY_MS,
  day: DAY_MS,
  d: DAY_MS,
  weeks: 7 * DAY_MS,
  week: 7 * DAY_MS,
  w: 7 * DAY_MS,
  months: MONTH_SECONDS * SECOND_MS,
  month: MONTH_SECONDS * SECOND_MS,
  M: MONTH_SECONDS * SECOND_MS,
  years: YEAR_SECONDS * SECOND_MS,
  year: YEAR_SECONDS * SECOND_MS,
  y: YEAR_SECONDS * SECOND_MS,
};

/** The largest duration accepted (about 285 000 years), to keep arithmetic exact enough. */
export const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER;

/**
 * Parses a humantime duration into milliseconds. Parts may be separated by spaces or written
 * back to back (`"1h30m"`); `"0"` alone means zero.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * parseDuration("1s 500ms"); // 1500
 * parseDuration("1day"); // 86400000
 * ```
 */
export function parseDuration(text: string): number {
  const source = text.trim();
  if (source === "0") return 0;
  if (source.length === 0) throw new InvalidDurationError("empty duration");
  const part = /\s*(\d+)\s*([a-zA-Zµ]+)/y;
  let total = 0;
  let position = 0;
  let parts = 0;
  while (position < source.length) {
    part.lastIndex = position;
    const match = part.exec(source);
    if (!match) {
      throw new InvalidDurationError(
        `${JSON.stringify(text)} is not a duration (expected e.g. "10m", "1500ms", "1day")`,
      );
    }
    const unit = UNITS[match[2]];
    if (unit === undefined) {
      throw new InvalidDurationError(
        `${JSON.stringify(text)} has an unknown time unit ${JSON.stringify(match[2])}`,
      );
    }
    total += Number(match[1]) * unit;
    position = part.lastIndex;
    parts++;
  }
  if (parts === 0 || !Number.isFinite(total) || total > MAX_DURATION_MS) {
    throw new InvalidDurationError(`${JSON.stringify(text)} is out of range`);
  }
  return total;
}

/**
 * Formats milliseconds the way humantime's `format_duration` does (largest units first,
 * zero parts omitted, `"0s"` for zero), so `parseDuration(formatDuration(ms)) === ms` for whole
 * milliseconds.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./duration.ts";
 * formatDuration(1500); // "1s 500ms"
 * formatDuration(86_400_000); // "1day"
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) {
    throw new InvalidDurationError(`cannot format ${ms} ms as a duration`);
  }
  let seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * NS_PER_MS);
  if (nanos >= 1_000_000_000) {
    seconds += 1;
    nanos -= 1_000_000_000;
  }
  const years = Math.floor(seconds / YEAR_SECONDS);
  const yearRest = seconds % YEAR_SECONDS;
  const months = Math.floor(yearRest / MONTH_SECONDS);
  const monthRest = yearRest % MONTH_SECONDS;
  const days = Math.floor(monthRest / 86400);
  const daySeconds = monthRest % 86400;
  const parts: string[] = [];
  const plural = (n: number, unit: string) => {
    if (n > 0) parts.push(`${n}${unit}${n > 1 ? "s" : ""}`);
  };
  const plain = (n: number, unit: string) => {
    if (n > 0) parts.push(`${n}${unit}`);
  };
  plural(years, "year");
  plural(months, "month");
  plural(days, "day");
  plain(Math.floor(daySeconds / 3600), "h");
  plain(Math.floor((daySeconds % 3600) / 60), "m");
  plain(daySeconds % 60, "s");
  plain(Math.floor(nanos / 1_000_000), "ms");
  plain(Math.floor(nanos / 1000) % 1000, "us");
  plain(nanos % 1000, "ns");
  return parts.length === 0 ? "0s" : parts.join(" ");
}
