/**
 * Scheme constants (upstream `nym_offline_compact_ecash/src/constants.rs` and
 * `network-defaults/src/ecash.rs`; credentials-anchors.md §A.3).
 *
 * @module
 */
import { bytesToBigIntLE, mod, type Scalar } from "./scalar.ts";

/** Public attributes per wallet: expiration date and ticket type. */
export const PUBLIC_ATTRIBUTES = 2;
/** Private attributes per wallet: the user's secret key and the wallet secret v. */
export const PRIVATE_ATTRIBUTES = 2;
/** Attributes signed per wallet, so also the number of γ generators and key `y`s. */
export const ATTRIBUTES = PUBLIC_ATTRIBUTES + PRIVATE_ATTRIBUTES;

/** Tickets in one ticketbook (L, `TICKETBOOK_SIZE`). */
export const TICKETBOOK_SIZE = 50;
/** Days a ticketbook can be spent, the expiration day included (`TICKETBOOK_VALIDITY_DAYS`). */
export const TICKETBOOK_VALIDITY_DAYS = 7;
/** Seconds in an e-cash day (dates are unix timestamps of 00:00 UTC). */
export const SECONDS_PER_DAY = 86_400;

const ascii = (s: string) => new TextEncoder().encode(s);

/**
 * Type tag signed into expiration-date signatures: the 32 ASCII bytes
 * `ZKNYMEXPIRATIONDATE4llCBMEypAxr3` read little-endian (`Scalar::from_raw` of four LE words).
 */
export const TYPE_EXP: Scalar = mod(bytesToBigIntLE(ascii("ZKNYMEXPIRATIONDATE4llCBMEypAxr3")));

/** Type tag signed into coin-index signatures: `ZKNYMSINDICESh^7gTYbhnap*12n5GG6` read LE. */
export const TYPE_IDX: Scalar = mod(bytesToBigIntLE(ascii("ZKNYMSINDICESh^7gTYbhnap*12n5GG6")));
