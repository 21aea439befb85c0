/**
 * E-cash dates. The scheme signs and compares dates as unix timestamps (u32) of 00:00 UTC
 * (upstream `nym-ecash-time`); the wire carries them as a Julian day number
 * (`CredentialSpendingData`) or as `time::Date`'s serde tuple (year, ordinal) (ticketbooks).
 * Everything here is pure arithmetic on UTC days; callers inject "now".
 *
 * @module
 */
import { SECONDS_PER_DAY, TICKETBOOK_VALIDITY_DAYS } from "./constants.ts";
import { EcashArgumentError } from "./errors.ts";

/** Julian day number of 1970-01-01. */
export const UNIX_EPOCH_JULIAN_DAY = 2_440_588;

/**
 * The e-cash date (00:00 UTC) of a unix time in seconds (upstream `ecash_datetime`).
 *
 * @example
 * ```ts
 * import { ecashDay } from "./ecash_date.ts";
 * ecashDay(1702170000); // 1702166400
 * ```
 */
export function ecashDay(unixSeconds: number): number {
  return Math.floor(unixSeconds / SECONDS_PER_DAY) * SECONDS_PER_DAY;
}

/**
 * The default expiration date of a ticketbook issued on the day of `nowUnixSeconds`: today plus
 * 6 days, so today counts as the first of the 7 valid days (upstream `cred_exp_date`).
 *
 * @example
 * ```ts
 * import { defaultExpirationDate } from "./ecash_date.ts";
 * defaultExpirationDate(1701648000); // 1702166400
 * ```
 */
export function defaultExpirationDate(nowUnixSeconds: number): number {
  return ecashDay(nowUnixSeconds) + (TICKETBOOK_VALIDITY_DAYS - 1) * SECONDS_PER_DAY;
}

/**
 * Julian day number of an e-cash date (`time::Date::to_julian_day`).
 *
 * @example
 * ```ts
 * import { julianDayOf } from "./ecash_date.ts";
 * julianDayOf(946684800); // 2451545 (2000-01-01)
 * ```
 */
export function julianDayOf(unixSeconds: number): number {
  return Math.floor(unixSeconds / SECONDS_PER_DAY) + UNIX_EPOCH_JULIAN_DAY;
}

/**
 * The e-cash date of a Julian day number.
 *
 * @example
 * ```ts
 * import { dateOfJulianDay } from "./ecash_date.ts";
 * dateOfJulianDay(2451545); // 946684800
 * ```
 */
export function dateOfJulianDay(julianDay: number): number {
  return (julianDay - UNIX_EPOCH_JULIAN_DAY) * SECONDS_PER_DAY;
}

/**
 * `time::Date`'s serde form (year, day of the year starting at 1) of an e-cash date.
 *
 * @example
 * ```ts
 * import { yearOrdinalOf } from "./ecash_date.ts";
 * yearOrdinalOf(1702166400); // { year: 2023, ordinal: 344 }
 * ```
 */
export function yearOrdinalOf(unixSeconds: number): { year: number; ordinal: number } {
  const d = new Date(ecashDay(unixSeconds) * 1000);
  const year = d.getUTCFullYear();
  const ordinal = Math.round((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
  return { year, ordinal };
}

/**
 * The e-cash date of (year, ordinal); throws {@linkcode EcashArgumentError} for an ordinal past
 * the end of the year.
 *
 * @example
 * ```ts
 * import { dateOfYearOrdinal } from "./ecash_date.ts";
 * dateOfYearOrdinal(2023, 344); // 1702166400
 * ```
 */
export function dateOfYearOrdinal(year: number, ordinal: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (!Number.isInteger(ordinal) || ordinal < 1 || ordinal > (leap ? 366 : 365)) {
    throw new EcashArgumentError(`day ${ordinal} does not exist in ${year}`);
  }
  const start = new Date(0);
  start.setUTCFullYear(year, 0, 1);
  return start.getTime() / 1000 + (ordinal - 1) * SECONDS_PER_DAY;
}

/**
 * Formats an e-cash date as `YYYY-MM-DD` (the JSON form nym-api uses).
 *
 * @example
 * ```ts
 * import { formatEcashDate } from "./ecash_date.ts";
 * formatEcashDate(1702166400); // "2023-12-10"
 * ```
 */
export function formatEcashDate(unixSeconds: number): string {
  return new Date(ecashDay(unixSeconds) * 1000).toISOString().slice(0, 10);
}

/**
 * Parses `YYYY-MM-DD` into an e-cash date.
 *
 * @example
 * ```ts
 * import { parseEcashDate } from "./ecash_date.ts";
 * parseEcashDate("2023-12-10"); // 1702166400
 * ```
 */
export function parseEcashDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) throw new EcashArgumentError(`not a YYYY-MM-DD date: ${JSON.stringify(text)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new EcashArgumentError(`no such date: ${text}`);
  }
  return ms / 1000;
}
