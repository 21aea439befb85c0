/**
 * The aggregated wallet (ticketbook secret material): the PS signature on (sk, v, exp, type),
 * the wallet secret v, the expiration date, the ticket type, and the count of tickets spent
 * (upstream `WalletSignatures` and `Wallet` in `scheme/mod.rs`).
 *
 * Layouts:
 * - `WalletSignatures::to_bytes` (133 B): σ (96) ‖ v (32, LE) ‖ exp (u32 BE) ‖ type (u8).
 * - `Wallet::to_bytes` (141 B): WalletSignatures ‖ tickets spent (u64 BE).
 * - serde/bincode form inside `IssuedTicketBook`: h ‖ s ‖ v (serde byte arrays) ‖ varint(exp) ‖
 *   type (u8).
 *
 * @module
 */
import type { BincodeReader, BincodeWriter } from "./bincode.ts";
import { EcashDecodeError } from "./errors.ts";
import { g1FromBytes, g1ToBytes } from "./group.ts";
import { readScalar, readSignature, writeScalar, writeSignature } from "./serde_codec.ts";
import { type Scalar, scalarFromBytes, scalarToBytes } from "./scalar.ts";
import type { Signature } from "./signature.ts";
import { isTicketType, type TicketType } from "./ticket_type.ts";

/** The aggregated, spendable credential. */
export interface WalletSignatures {
  /** σ on (sk, v, exp, type) under the master key. */
  readonly signature: Signature;
  /** The wallet secret v (secret). */
  readonly walletSecret: Scalar;
  /** Expiration date, unix timestamp (u32) of the last valid day at 00:00 UTC. */
  readonly expirationDate: number;
  /** Ticket type. */
  readonly ticketType: TicketType;
}

/** A wallet with its spend counter l. */
export interface Wallet {
  /** The credential. */
  readonly signatures: WalletSignatures;
  /** Tickets already spent (the next ticket's index). */
  readonly ticketsSpent: number;
}

/** Size of {@linkcode encodeWalletSignatures}. */
export const WALLET_SIGNATURES_BYTES = 133;
/** Size of {@linkcode encodeWallet}. */
export const WALLET_BYTES = 141;

/**
 * Encodes wallet signatures (133 bytes).
 *
 * @example
 * ```ts
 * // encodeWalletSignatures(wallet.signatures).length; // 133
 * ```
 */
export function encodeWalletSignatures(w: WalletSignatures): Uint8Array {
  const out = new Uint8Array(WALLET_SIGNATURES_BYTES);
  out.set(g1ToBytes(w.signature.h), 0);
  out.set(g1ToBytes(w.signature.s), 48);
  out.set(scalarToBytes(w.walletSecret), 96);
  new DataView(out.buffer).setUint32(128, w.expirationDate, false);
  out[132] = w.ticketType;
  return out;
}

function checkedType(what: string, t: number): TicketType {
  if (!isTicketType(t)) throw new EcashDecodeError(what, "value", `unknown ticket type ${t}`);
  return t;
}

/**
 * Decodes {@linkcode encodeWalletSignatures}'s layout. Unknown ticket types are rejected (Nym
 * defines 0..3).
 *
 * @example
 * ```ts
 * // const sigs = decodeWalletSignatures(bytes);
 * ```
 */
export function decodeWalletSignatures(bytes: Uint8Array): WalletSignatures {
  const what = "WalletSignatures";
  if (bytes.length !== WALLET_SIGNATURES_BYTES) {
    throw new EcashDecodeError(what, "length", `expected 133 bytes, got ${bytes.length}`);
  }
  return {
    signature: {
      h: g1FromBytes(bytes.subarray(0, 48), what),
      s: g1FromBytes(bytes.subarray(48, 96), what),
    },
    walletSecret: scalarFromBytes(bytes.subarray(96, 128), what),
    expirationDate: new DataView(bytes.buffer, bytes.byteOffset + 128, 4).getUint32(0, false),
    ticketType: checkedType(what, bytes[132]),
  };
}

/**
 * Encodes a wallet (141 bytes).
 *
 * @example
 * ```ts
 * // encodeWallet(wallet).length; // 141
 * ```
 */
export function encodeWallet(w: Wallet): Uint8Array {
  const out = new Uint8Array(WALLET_BYTES);
  out.set(encodeWalletSignatures(w.signatures), 0);
  new DataView(out.buffer).setBigUint64(133, BigInt(w.ticketsSpent), false);
  return out;
}

/**
 * Decodes {@linkcode encodeWallet}'s layout.
 *
 * @example
 * ```ts
 * // const wallet = decodeWallet(bytes);
 * ```
 */
export function decodeWallet(bytes: Uint8Array): Wallet {
  const what = "Wallet";
  if (bytes.length !== WALLET_BYTES) {
    throw new EcashDecodeError(what, "length", `expected 141 bytes, got ${bytes.length}`);
  }
  const signatures = decodeWalletSignatures(bytes.subarray(0, WALLET_SIGNATURES_BYTES));
  const spent = new DataView(bytes.buffer, bytes.byteOffset + 133, 8).getBigUint64(0, false);
  if (spent > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EcashDecodeError(what, "value", `tickets spent ${spent} out of range`);
  }
  return { signatures, ticketsSpent: Number(spent) };
}

/**
 * Writes the serde/bincode form of wallet signatures (inside `IssuedTicketBook`).
 *
 * @example
 * ```ts
 * // writeWalletSignaturesBincode(writer, wallet.signatures);
 * ```
 */
export function writeWalletSignaturesBincode(w: BincodeWriter, s: WalletSignatures): void {
  writeSignature(w, s.signature);
  writeScalar(w, s.walletSecret);
  w.varint(s.expirationDate).u8(s.ticketType);
}

/**
 * Reads {@linkcode writeWalletSignaturesBincode}'s form.
 *
 * @example
 * ```ts
 * // const sigs = readWalletSignaturesBincode(reader);
 * ```
 */
export function readWalletSignaturesBincode(r: BincodeReader): WalletSignatures {
  const signature = readSignature(r);
  const walletSecret = readScalar(r);
  const expirationDate = r.varintNumber(0xffff_ffff);
  const ticketType = checkedType(r.what, r.u8());
  return { signature, walletSecret, expirationDate, ticketType };
}
