/**
 * A cheap look at a ticket's `CredentialSpendingData` bytes without decompressing any point:
 * the serial number (the compressed S_k as sent, which is what upstream stores), PayInfo, spend
 * date, epoch, spend value and ticket type. A gateway uses it to answer replays, wrong dates and
 * wrong types in microseconds and to pick the epoch key before paying ~70 ms for the real
 * decode and verification. Nothing here is trusted until `verifyTicket` has run; the full decode
 * rejects anything this walk accepted but that is not a valid encoding.
 *
 * @module
 */
import { BincodeReader } from "../bincode.ts";
import { dateOfJulianDay } from "../ecash_date.ts";
import { EcashDecodeError } from "../errors.ts";
import { G1_BYTES, G2_BYTES } from "../group.ts";
import { PAY_INFO_BYTES } from "../payment.ts";
import { SERDE_G1_BYTES, SERDE_G2_BYTES } from "../serde_codec.ts";

/** What {@linkcode peekCredentialSpendingData} reads. */
export interface CredentialSummary {
  /** Concatenated compressed serial numbers (48 bytes per ticket). */
  readonly serialNumber: Uint8Array;
  /** The 72-byte PayInfo. */
  readonly payInfo: Uint8Array;
  /** Spend date, unix seconds of 00:00 UTC. */
  readonly spendDate: number;
  /** DKG epoch. */
  readonly epochId: bigint;
  /** Tickets in the payment. */
  readonly spendValue: number;
  /** Encoded ticket type (any u8). */
  readonly ticketType: number;
}

/**
 * Reads the summary of a serialised `CredentialSpendingData`; throws {@linkcode EcashDecodeError}
 * when the framing is wrong.
 *
 * @example
 * ```ts no-eval
 * const { serialNumber, epochId } = peekCredentialSpendingData(bytes);
 * ```
 */
export function peekCredentialSpendingData(bytes: Uint8Array): CredentialSummary {
  const what = "CredentialSpendingData";
  if (bytes.length < 4 + PAY_INFO_BYTES + 12) {
    throw new EcashDecodeError(what, "length", `only ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const paymentLength = view.getUint32(0, false);
  if (bytes.length - 4 !== paymentLength + PAY_INFO_BYTES + 12) {
    throw new EcashDecodeError(what, "length", "payment length does not match the input");
  }
  const r = new BincodeReader(bytes.subarray(4, 4 + paymentLength), "Payment");
  const g1 = (rr: BincodeReader) => rr.serdeBytes(G1_BYTES);
  const g2 = (rr: BincodeReader) => rr.serdeBytes(G2_BYTES);
  // kappa, kappa_e, sig (h, s), sig_exp (h, s)
  g2(r);
  g2(r);
  for (let i = 0; i < 4; i++) g1(r);
  r.vec(SERDE_G2_BYTES, g2); // kappa_k
  r.vec(2 * SERDE_G1_BYTES, (rr) => [g1(rr), g1(rr)]); // omega
  const ss = r.vec(SERDE_G1_BYTES, g1);
  r.vec(SERDE_G1_BYTES, g1); // tt
  r.vec(SERDE_G1_BYTES, g1); // aa
  const spendValue = r.varintNumber(Number.MAX_SAFE_INTEGER);
  g1(r); // cc
  const ticketType = r.u8();
  const serialNumber = new Uint8Array(G1_BYTES * ss.length);
  ss.forEach((s, i) => serialNumber.set(s, G1_BYTES * i));
  let o = 4 + paymentLength;
  const payInfo = bytes.slice(o, o + PAY_INFO_BYTES);
  o += PAY_INFO_BYTES;
  const spendDate = dateOfJulianDay(view.getInt32(o, false));
  if (spendDate <= 0 || spendDate > 0xffff_ffff) {
    throw new EcashDecodeError(what, "value", "spend date outside the u32 unix range");
  }
  const epochId = view.getBigUint64(o + 4, false);
  return { serialNumber, payInfo, spendDate, epochId, spendValue, ticketType };
}
