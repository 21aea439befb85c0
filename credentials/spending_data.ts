/**
 * What a client hands a gateway to spend one ticket: `CredentialSpendingData` and the PayInfo
 * that binds the payment to that gateway and moment (upstream `credentials-interface/src/lib.rs`;
 * credentials-anchors.md §A.2 items 5–6).
 *
 * - `CredentialSpendingData::to_bytes`: u32 BE payment length ‖ payment (bincode) ‖ PayInfo (72) ‖
 *   spend date (i32 BE Julian day) ‖ epoch id (u64 BE).
 * - PayInfo (`NymPayInfo`): 32 random bytes ‖ unix timestamp (i64 BE) ‖ provider ed25519 key (32).
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { dateOfJulianDay, julianDayOf } from "./ecash_date.ts";
import { EcashArgumentError, EcashDecodeError } from "./errors.ts";
import { decodePayment, encodePayment, PAY_INFO_BYTES, type Payment } from "./payment.ts";

/** A ticket as sent to a gateway (and forwarded to signers for redemption). */
export interface CredentialSpendingData {
  /** The payment. */
  readonly payment: Payment;
  /** The 72-byte PayInfo the payment is bound to. */
  readonly payInfo: Uint8Array;
  /** The spend date (unix seconds of 00:00 UTC). */
  readonly spendDate: number;
  /** The DKG epoch whose aggregated key verifies the payment. */
  readonly epochId: bigint;
}

/** The parsed fields of a PayInfo. */
export interface NymPayInfo {
  /** 32 random bytes making every PayInfo unique. */
  readonly randomness: Uint8Array;
  /** Creation time, unix seconds (gateways accept ±30 s). */
  readonly timestamp: number;
  /** The ed25519 identity key of the gateway being paid. */
  readonly providerPublicKey: Uint8Array;
}

/**
 * A fresh PayInfo for paying `providerPublicKey` at `nowUnixSeconds` (upstream
 * `NymPayInfo::generate`, with the clock and randomness injected).
 *
 * @example
 * ```ts
 * import { generatePayInfo } from "./spending_data.ts";
 * import { seededRandom } from "../crypto/random.ts";
 * const info = generatePayInfo(new Uint8Array(32), 1702166400, seededRandom(new Uint8Array(32)));
 * info.timestamp; // 1702166400
 * ```
 */
export function generatePayInfo(
  providerPublicKey: Uint8Array,
  nowUnixSeconds: number,
  random: RandomSource,
): NymPayInfo {
  if (providerPublicKey.length !== 32) {
    throw new EcashArgumentError("provider key must be 32 bytes");
  }
  return {
    randomness: random(32),
    timestamp: Math.floor(nowUnixSeconds),
    providerPublicKey: providerPublicKey.slice(),
  };
}

/**
 * Packs a PayInfo into its 72 bytes.
 *
 * @example
 * ```ts
 * import { encodePayInfo } from "./spending_data.ts";
 * encodePayInfo({
 *   randomness: new Uint8Array(32), timestamp: 1, providerPublicKey: new Uint8Array(32),
 * })[39]; // 1
 * ```
 */
export function encodePayInfo(info: NymPayInfo): Uint8Array {
  if (info.randomness.length !== 32 || info.providerPublicKey.length !== 32) {
    throw new EcashArgumentError("PayInfo randomness and key must be 32 bytes each");
  }
  const out = new Uint8Array(PAY_INFO_BYTES);
  out.set(info.randomness, 0);
  new DataView(out.buffer).setBigInt64(32, BigInt(info.timestamp), false);
  out.set(info.providerPublicKey, 40);
  return out;
}

/**
 * Splits 72 PayInfo bytes into their fields.
 *
 * @example
 * ```ts
 * import { decodePayInfo } from "./spending_data.ts";
 * decodePayInfo(new Uint8Array(72)).timestamp; // 0
 * ```
 */
export function decodePayInfo(bytes: Uint8Array): NymPayInfo {
  if (bytes.length !== PAY_INFO_BYTES) {
    throw new EcashDecodeError("PayInfo", "length", `expected 72 bytes, got ${bytes.length}`);
  }
  const ts = new DataView(bytes.buffer, bytes.byteOffset + 32, 8).getBigInt64(0, false);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER) || ts < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new EcashDecodeError("PayInfo", "value", "timestamp out of range");
  }
  return {
    randomness: bytes.slice(0, 32),
    timestamp: Number(ts),
    providerPublicKey: bytes.slice(40, 72),
  };
}

/**
 * `CredentialSpendingData::to_bytes`.
 *
 * @example
 * ```ts
 * // const bytes = encodeCredentialSpendingData({ payment, payInfo, spendDate, epochId: 1n });
 * ```
 */
export function encodeCredentialSpendingData(data: CredentialSpendingData): Uint8Array {
  const payment = encodePayment(data.payment);
  if (data.payInfo.length !== PAY_INFO_BYTES) {
    throw new EcashArgumentError("PayInfo must be 72 bytes");
  }
  const out = new Uint8Array(4 + payment.length + PAY_INFO_BYTES + 4 + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, payment.length, false);
  out.set(payment, 4);
  let o = 4 + payment.length;
  out.set(data.payInfo, o);
  o += PAY_INFO_BYTES;
  view.setInt32(o, julianDayOf(data.spendDate), false);
  view.setBigUint64(o + 4, data.epochId, false);
  return out;
}

/**
 * `CredentialSpendingData::try_from_bytes`. Spend dates that are not a positive u32 unix
 * timestamp are rejected here (upstream would decode them and then panic when verifying).
 *
 * @example
 * ```ts
 * // const data = decodeCredentialSpendingData(bytes);
 * ```
 */
export function decodeCredentialSpendingData(bytes: Uint8Array): CredentialSpendingData {
  const what = "CredentialSpendingData";
  if (bytes.length < PAY_INFO_BYTES + 8 + 4 + 4) {
    throw new EcashDecodeError(what, "length", `only ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const paymentLength = view.getUint32(0, false);
  if (bytes.length - 4 !== paymentLength + PAY_INFO_BYTES + 12) {
    throw new EcashDecodeError(what, "length", "payment length does not match the input");
  }
  const payment = decodePayment(bytes.subarray(4, 4 + paymentLength));
  let o = 4 + paymentLength;
  const payInfo = bytes.slice(o, o + PAY_INFO_BYTES);
  o += PAY_INFO_BYTES;
  const spendDate = dateOfJulianDay(view.getInt32(o, false));
  if (spendDate <= 0 || spendDate > 0xffff_ffff) {
    throw new EcashDecodeError(what, "value", "spend date outside the u32 unix range");
  }
  const epochId = view.getBigUint64(o + 4, false);
  return { payment, payInfo, spendDate, epochId };
}
