/**
 * Spending one ticket of a stored ticketbook at a gateway: a fresh PayInfo bound to the gateway's
 * ed25519 identity and the current time, `spend` at the ticketbook's next coin index with today's
 * expiration-date signature, and the resulting `CredentialSpendingData` bytes — what the client
 * encrypts under its gateway shared key and sends as `{"type":"ecashCredential", …}`.
 * Pure and browser-safe.
 *
 * @module
 */
import type { RandomSource } from "../../crypto/random.ts";
import { ecashDay } from "../ecash_date.ts";
import { EcashArgumentError } from "../errors.ts";
import { findDateIndex, validSpendingDates } from "../expiration_date.ts";
import type { VerificationKeyAuth } from "../keys_auth.ts";
import type { EcashParameters } from "../params.ts";
import type { PreparedVerificationKey } from "../prepared_key.ts";
import { spend } from "../spend.ts";
import {
  type CredentialSpendingData,
  encodeCredentialSpendingData,
  encodePayInfo,
  generatePayInfo,
} from "../spending_data.ts";
import { type ImportableTicketBook, ticketbookWallet } from "../ticketbook.ts";

/**
 * Why a ticketbook cannot be spent on `today` (unix seconds of 00:00 UTC), or `null` if it can.
 *
 * @example
 * ```ts no-eval
 * unspendableReason(params, book, ecashDay(Date.now() / 1000)); // null, "expired", …
 * ```
 */
export function unspendableReason(
  params: EcashParameters,
  book: ImportableTicketBook,
  today: number,
): string | null {
  const tb = book.ticketbook;
  if (tb.spentTickets >= params.totalCoins) return "all tickets spent";
  const start = validSpendingDates(tb.expirationDate)[0];
  if (today > tb.expirationDate) return "expired";
  if (today < start) return "not valid yet";
  if (!book.masterVerificationKey || book.masterVerificationKey.epochId !== tb.epochId) {
    return "no master verification key for its epoch";
  }
  const dates = book.expirationDateSignatures;
  if (!dates || dates.expirationDate !== tb.expirationDate || dates.signatures.length !== 7) {
    return "no expiration-date signatures for its expiration date";
  }
  const coins = book.coinIndexSignatures;
  if (!coins || coins.epochId !== tb.epochId || coins.signatures.length !== params.totalCoins) {
    return "no coin-index signatures for its epoch";
  }
  return null;
}

/**
 * Tickets left in a ticketbook.
 *
 * @example
 * ```ts no-eval
 * ticketsLeft(params, book); // 50 for a fresh ticketbook
 * ```
 */
export function ticketsLeft(params: EcashParameters, book: ImportableTicketBook): number {
  return Math.max(0, params.totalCoins - book.ticketbook.spentTickets);
}

/** One spent ticket. */
export interface SpentTicket {
  /** `CredentialSpendingData::to_bytes`: the plaintext of an `ecashCredential` request. */
  readonly credential: Uint8Array;
  /** The same, structured. */
  readonly data: CredentialSpendingData;
  /** The ticketbook with its spent counter advanced: store it before sending `credential`. */
  readonly book: ImportableTicketBook;
}

/**
 * Spends the next ticket of `book` at the gateway whose ed25519 identity is `gatewayIdentity`.
 * Throws {@linkcode EcashArgumentError} when the ticketbook cannot be spent today
 * (see {@linkcode unspendableReason}).
 *
 * @example
 * ```ts no-eval
 * const { credential, book: next } = spendTicket(params, book, prepared, gatewayKey, nowSeconds, systemRandom);
 * await store.put(id, next); // first persist, then send
 * ```
 */
export function spendTicket(
  params: EcashParameters,
  book: ImportableTicketBook,
  verificationKey: VerificationKeyAuth | PreparedVerificationKey,
  gatewayIdentity: Uint8Array,
  nowSeconds: number,
  random: RandomSource,
): SpentTicket {
  const today = ecashDay(nowSeconds);
  const reason = unspendableReason(params, book, today);
  if (reason !== null) throw new EcashArgumentError(`ticketbook cannot be spent: ${reason}`);
  const tb = book.ticketbook;
  const dates = book.expirationDateSignatures!.signatures;
  findDateIndex(today, tb.expirationDate);
  const payInfo = encodePayInfo(generatePayInfo(gatewayIdentity, nowSeconds, random));
  const { payment, wallet } = spend(params, {
    verificationKey,
    secretKey: tb.secretKey,
    wallet: ticketbookWallet(tb),
    payInfo,
    expirationSignatures: dates,
    coinIndexSignatures: book.coinIndexSignatures!.signatures,
    spendDate: today,
  }, random);
  const data: CredentialSpendingData = { payment, payInfo, spendDate: today, epochId: tb.epochId };
  return {
    credential: encodeCredentialSpendingData(data),
    data,
    book: { ...book, ticketbook: { ...tb, spentTickets: wallet.ticketsSpent } },
  };
}
