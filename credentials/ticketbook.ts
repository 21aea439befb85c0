/**
 * Stored and exported ticketbooks, in upstream's versioned bincode forms
 * (`credentials/src/ecash/bandwidth/{issued,importable}.rs`, `serialiser/{keys,signatures}.rs`):
 *
 * - `IssuedTicketBook` (revision 1): WalletSignatures ‖ spent (varint u64) ‖ epoch (varint u64) ‖
 *   secret key (serde scalar) ‖ expiration date (`time::Date` = zig-zag varint year ‖ varint
 *   ordinal) ‖ ticket type (varint enum index).
 * - `EpochVerificationKey` (revision 2): epoch ‖ α (G2) ‖ Vec<β_G1> ‖ Vec<β_G2> (serde forms).
 * - `AggregatedExpirationDateSignatures` (revision 2): epoch ‖ "YYYY-MM-DD" (string) ‖ Vec<signature>.
 * - `AggregatedCoinIndicesSignatures` (revision 2): epoch ‖ Vec<signature>.
 * - `ImportableTicketBook` (revision 1): `{data: Vec<u8>, revision: u8}` for the ticketbook, then
 *   the same wrapped in `Option` for the three above.
 *
 * @module
 */
import { BincodeReader, BincodeWriter } from "./bincode.ts";
import {
  type AnnotatedCoinIndexSignature,
  readAnnotatedCoinIndexSignature,
  writeAnnotatedCoinIndexSignature,
} from "./coin_index.ts";
import { dateOfYearOrdinal, formatEcashDate, parseEcashDate, yearOrdinalOf } from "./ecash_date.ts";
import { EcashDecodeError } from "./errors.ts";
import {
  type AnnotatedExpirationDateSignature,
  readAnnotatedExpirationSignature,
  writeAnnotatedExpirationSignature,
} from "./expiration_date.ts";
import type { VerificationKeyAuth } from "./keys_auth.ts";
import type { SecretKeyUser } from "./keys_user.ts";
import {
  readG1,
  readG2,
  readScalar,
  SERDE_G1_BYTES,
  SERDE_G2_BYTES,
  SERDE_SIGNATURE_BYTES,
  writeG1,
  writeG2,
  writeScalar,
} from "./serde_codec.ts";
import { isTicketType, type TicketType } from "./ticket_type.ts";
import {
  readWalletSignaturesBincode,
  type Wallet,
  type WalletSignatures,
  writeWalletSignaturesBincode,
} from "./wallet.ts";

/** A ticketbook as a client stores it. */
export interface IssuedTicketBook {
  /** The aggregated wallet. */
  readonly signatures: WalletSignatures;
  /** Tickets spent so far. */
  readonly spentTickets: number;
  /** The DKG epoch it was issued in. */
  readonly epochId: bigint;
  /** The user's e-cash secret key. */
  readonly secretKey: SecretKeyUser;
  /** Expiration date (unix seconds of 00:00 UTC). */
  readonly expirationDate: number;
  /** Ticket type. */
  readonly ticketType: TicketType;
}

/** The aggregated key of an epoch. */
export interface EpochVerificationKey {
  /** DKG epoch. */
  readonly epochId: bigint;
  /** Master verification key. */
  readonly key: VerificationKeyAuth;
}

/** The 7 aggregated expiration-date signatures of an epoch and date. */
export interface AggregatedExpirationDateSignatures {
  /** DKG epoch. */
  readonly epochId: bigint;
  /** Expiration date (unix seconds). */
  readonly expirationDate: number;
  /** The signatures, oldest spending day first. */
  readonly signatures: readonly AnnotatedExpirationDateSignature[];
}

/** The L aggregated coin-index signatures of an epoch. */
export interface AggregatedCoinIndicesSignatures {
  /** DKG epoch. */
  readonly epochId: bigint;
  /** The signatures by index. */
  readonly signatures: readonly AnnotatedCoinIndexSignature[];
}

/** A ticketbook export with, optionally, everything needed to spend it offline. */
export interface ImportableTicketBook {
  /** The ticketbook. */
  readonly ticketbook: IssuedTicketBook;
  /** Its expiration-date signatures. */
  readonly expirationDateSignatures?: AggregatedExpirationDateSignatures;
  /** Its epoch's coin-index signatures. */
  readonly coinIndexSignatures?: AggregatedCoinIndicesSignatures;
  /** Its epoch's master key. */
  readonly masterVerificationKey?: EpochVerificationKey;
}

/** Revision tags of the versioned serialisations. */
export const TICKETBOOK_REVISION = 1;
/** Revision of `EpochVerificationKey` and the aggregated signature lists. */
export const AGGREGATED_DATA_REVISION = 2;
/** Revision of `ImportableTicketBook`. */
export const IMPORTABLE_TICKETBOOK_REVISION = 1;

function writeDate(w: BincodeWriter, date: number): void {
  const { year, ordinal } = yearOrdinalOf(date);
  w.signedVarint(year).varint(ordinal);
}

function readDate(r: BincodeReader): number {
  const year = r.signedVarint(-9999, 9999);
  const ordinal = r.varintNumber(0xffff);
  let date: number;
  try {
    date = dateOfYearOrdinal(year, ordinal);
  } catch {
    throw new EcashDecodeError(r.what, "value", `no day ${ordinal} in ${year}`);
  }
  if (date < 0 || date > 0xffff_ffff) {
    throw new EcashDecodeError(r.what, "value", "date outside the u32 unix range");
  }
  return date;
}

function readTicketType(r: BincodeReader): TicketType {
  const t = r.varintNumber(0xffff_ffff);
  if (!isTicketType(t)) throw new EcashDecodeError(r.what, "value", `unknown ticket type ${t}`);
  return t;
}

/**
 * The ticketbook's {@linkcode Wallet} (for `spend`).
 *
 * @example
 * ```ts
 * // const wallet = ticketbookWallet(ticketbook);
 * ```
 */
export function ticketbookWallet(tb: IssuedTicketBook): Wallet {
  return { signatures: tb.signatures, ticketsSpent: tb.spentTickets };
}

/**
 * bincode of an `IssuedTicketBook` (revision {@linkcode TICKETBOOK_REVISION}).
 *
 * @example
 * ```ts
 * // const data = encodeIssuedTicketBook(ticketbook);
 * ```
 */
export function encodeIssuedTicketBook(tb: IssuedTicketBook): Uint8Array {
  const w = new BincodeWriter();
  writeWalletSignaturesBincode(w, tb.signatures);
  w.varint(tb.spentTickets).varint(tb.epochId);
  writeScalar(w, tb.secretKey.sk);
  writeDate(w, tb.expirationDate);
  w.varint(tb.ticketType);
  return w.finish();
}

function readIssuedTicketBook(r: BincodeReader): IssuedTicketBook {
  return {
    signatures: readWalletSignaturesBincode(r),
    spentTickets: r.varintNumber(Number.MAX_SAFE_INTEGER),
    epochId: r.varint(),
    secretKey: { sk: readScalar(r) },
    expirationDate: readDate(r),
    ticketType: readTicketType(r),
  };
}

/**
 * Decodes {@linkcode encodeIssuedTicketBook}'s form.
 *
 * @example
 * ```ts
 * // const ticketbook = decodeIssuedTicketBook(data);
 * ```
 */
export function decodeIssuedTicketBook(bytes: Uint8Array): IssuedTicketBook {
  const r = new BincodeReader(bytes, "IssuedTicketBook");
  const tb = readIssuedTicketBook(r);
  r.end();
  return tb;
}

function writeVk(w: BincodeWriter, key: VerificationKeyAuth): void {
  writeG2(w, key.alpha);
  w.vec(key.betaG1, writeG1).vec(key.betaG2, writeG2);
}

function readVk(r: BincodeReader): VerificationKeyAuth {
  return {
    alpha: readG2(r),
    betaG1: r.vec(SERDE_G1_BYTES, readG1),
    betaG2: r.vec(SERDE_G2_BYTES, readG2),
  };
}

/**
 * bincode of an `EpochVerificationKey` (revision {@linkcode AGGREGATED_DATA_REVISION}); note the
 * key's serde form differs from `encodeVerificationKey`.
 *
 * @example
 * ```ts
 * // const data = encodeEpochVerificationKey({ epochId: 3n, key: masterVk });
 * ```
 */
export function encodeEpochVerificationKey(k: EpochVerificationKey): Uint8Array {
  const w = new BincodeWriter().varint(k.epochId);
  writeVk(w, k.key);
  return w.finish();
}

/**
 * Decodes {@linkcode encodeEpochVerificationKey}'s form.
 *
 * @example
 * ```ts
 * // const { epochId, key } = decodeEpochVerificationKey(data);
 * ```
 */
export function decodeEpochVerificationKey(bytes: Uint8Array): EpochVerificationKey {
  const r = new BincodeReader(bytes, "EpochVerificationKey");
  const out = { epochId: r.varint(), key: readVk(r) };
  r.end();
  return out;
}

/**
 * bincode of `AggregatedExpirationDateSignatures` (revision 2).
 *
 * @example
 * ```ts
 * // const data = encodeAggregatedExpirationDateSignatures({ epochId, expirationDate, signatures });
 * ```
 */
export function encodeAggregatedExpirationDateSignatures(
  s: AggregatedExpirationDateSignatures,
): Uint8Array {
  return new BincodeWriter().varint(s.epochId)
    .byteVec(new TextEncoder().encode(formatEcashDate(s.expirationDate)))
    .vec(s.signatures, writeAnnotatedExpirationSignature).finish();
}

/**
 * Decodes {@linkcode encodeAggregatedExpirationDateSignatures}'s form.
 *
 * @example
 * ```ts
 * // const sigs = decodeAggregatedExpirationDateSignatures(data);
 * ```
 */
export function decodeAggregatedExpirationDateSignatures(
  bytes: Uint8Array,
): AggregatedExpirationDateSignatures {
  const r = new BincodeReader(bytes, "AggregatedExpirationDateSignatures");
  const epochId = r.varint();
  const text = new TextDecoder("utf-8", { fatal: false }).decode(r.byteVec());
  let expirationDate: number;
  try {
    expirationDate = parseEcashDate(text);
  } catch {
    throw new EcashDecodeError(r.what, "value", "bad expiration date string");
  }
  const signatures = r.vec(SERDE_SIGNATURE_BYTES + 2, readAnnotatedExpirationSignature);
  r.end();
  return { epochId, expirationDate, signatures };
}

/**
 * bincode of `AggregatedCoinIndicesSignatures` (revision 2).
 *
 * @example
 * ```ts
 * // const data = encodeAggregatedCoinIndicesSignatures({ epochId, signatures });
 * ```
 */
export function encodeAggregatedCoinIndicesSignatures(
  s: AggregatedCoinIndicesSignatures,
): Uint8Array {
  return new BincodeWriter().varint(s.epochId)
    .vec(s.signatures, writeAnnotatedCoinIndexSignature).finish();
}

/**
 * Decodes {@linkcode encodeAggregatedCoinIndicesSignatures}'s form.
 *
 * @example
 * ```ts
 * // const sigs = decodeAggregatedCoinIndicesSignatures(data);
 * ```
 */
export function decodeAggregatedCoinIndicesSignatures(
  bytes: Uint8Array,
): AggregatedCoinIndicesSignatures {
  const r = new BincodeReader(bytes, "AggregatedCoinIndicesSignatures");
  const out = {
    epochId: r.varint(),
    signatures: r.vec(SERDE_SIGNATURE_BYTES + 1, readAnnotatedCoinIndexSignature),
  };
  r.end();
  return out;
}

function writeVersioned(w: BincodeWriter, data: Uint8Array, revision: number): void {
  w.byteVec(data).u8(revision);
}

function readVersioned<T>(
  r: BincodeReader,
  expected: number,
  decode: (b: Uint8Array) => T,
): T {
  const data = r.byteVec();
  const revision = r.u8();
  if (revision !== expected) {
    throw new EcashDecodeError(r.what, "value", `unsupported revision ${revision}`);
  }
  return decode(data);
}

/**
 * Packs a ticketbook export: returns the bincode bytes and their revision, as upstream's
 * `finalize_export` does (clients base58 the bytes).
 *
 * @example
 * ```ts
 * // const { data, revision } = encodeImportableTicketBook({ ticketbook, masterVerificationKey });
 * ```
 */
export function encodeImportableTicketBook(
  t: ImportableTicketBook,
): { data: Uint8Array; revision: number } {
  const w = new BincodeWriter();
  writeVersioned(w, encodeIssuedTicketBook(t.ticketbook), TICKETBOOK_REVISION);
  const optional = <T>(value: T | undefined, encode: (v: T) => Uint8Array) => {
    if (value === undefined) {
      w.u8(0);
    } else {
      w.u8(1);
      writeVersioned(w, encode(value), AGGREGATED_DATA_REVISION);
    }
  };
  optional(t.expirationDateSignatures, encodeAggregatedExpirationDateSignatures);
  optional(t.coinIndexSignatures, encodeAggregatedCoinIndicesSignatures);
  optional(t.masterVerificationKey, encodeEpochVerificationKey);
  return { data: w.finish(), revision: IMPORTABLE_TICKETBOOK_REVISION };
}

/**
 * Unpacks a ticketbook export of the given revision (only revision 1 exists).
 *
 * @example
 * ```ts
 * // const { ticketbook, masterVerificationKey } = decodeImportableTicketBook(data, 1);
 * ```
 */
export function decodeImportableTicketBook(
  bytes: Uint8Array,
  revision: number = IMPORTABLE_TICKETBOOK_REVISION,
): ImportableTicketBook {
  const r = new BincodeReader(bytes, "ImportableTicketBook");
  if (revision !== IMPORTABLE_TICKETBOOK_REVISION) {
    throw new EcashDecodeError(r.what, "value", `unsupported revision ${revision}`);
  }
  const ticketbook = readVersioned(r, TICKETBOOK_REVISION, decodeIssuedTicketBook);
  const optional = <T>(decode: (b: Uint8Array) => T): T | undefined =>
    r.option() ? readVersioned(r, AGGREGATED_DATA_REVISION, decode) : undefined;
  const expirationDateSignatures = optional(decodeAggregatedExpirationDateSignatures);
  const coinIndexSignatures = optional(decodeAggregatedCoinIndicesSignatures);
  const masterVerificationKey = optional(decodeEpochVerificationKey);
  r.end();
  const out: {
    -readonly [K in keyof ImportableTicketBook]: ImportableTicketBook[K];
  } = { ticketbook };
  if (expirationDateSignatures) out.expirationDateSignatures = expirationDateSignatures;
  if (coinIndexSignatures) out.coinIndexSignatures = coinIndexSignatures;
  if (masterVerificationKey) out.masterVerificationKey = masterVerificationKey;
  return out;
}
