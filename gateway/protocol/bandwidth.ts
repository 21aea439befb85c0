/**
 * Bandwidth accounting decisions for a gateway's clients, and the values clients act on
 * (`nym-node.md` §4.6, §4.7; upstream `common/credential-verification/src/
 * {bandwidth_storage_manager,client_bandwidth}.rs`, `common/credentials-interface/src/lib.rs`,
 * `common/ecash-time/src/lib.rs`). Pure: the caller owns the stored record and the clock.
 *
 * - Every forwarded packet costs `packet.length` bytes (the sphinx packet, not the frame).
 * - A client without enough gets the typed `out_of_bandwidth` error; nothing is forwarded.
 * - Bandwidth expires at the end of its expiry day (UTC): it is void once its expiration is
 *   before today's midnight (`expiration < ecash_today()`).
 * - Without zk-nym enforcement a client may claim 64 GiB for free, valid until the end of today.
 * - In upgrade mode nothing is metered and clients are shown at least threshold + 1 bytes, so
 *   old clients (which ignore `upgrade_mode`) do not try to buy tickets.
 *
 * zk-nym ticket verification plugs in through {@linkcode ZkNymTicketVerifier}.
 *
 * @module
 */
import type { EcashCredentialRequest } from "./client_request.ts";
import { openWithSharedKey } from "./shared_key.ts";

/** Free bandwidth granted by `claimFreeTestnetBandwidth`: 64 GiB. */
export const FREE_TESTNET_BANDWIDTH = 64 * 1024 * 1024 * 1024;
/** Bandwidth of one mixnet entry ticket: 200 MB. */
export const MIXNET_ENTRY_TICKET_BANDWIDTH = 200_000_000;
/**
 * Clients top up below this: 20 % of an entry ticket, 40 MB
 * (`DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD`). The wasm client claims free bandwidth as soon
 * as a reply reports less.
 */
export const DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD = MIXNET_ENTRY_TICKET_BANDWIDTH / 5;
/** Upstream's refusal when zk-nyms are enforced and a client asks for free bandwidth. */
export const ONLY_ZK_NYMS_MESSAGE =
  "This gateway is only accepting coconut credentials for bandwidth";

const DAY_MS = 86_400_000;

/** A client's stored bandwidth (the gateway's `available_bandwidth` row). */
export interface BandwidthRecord {
  /** Bytes available (i64). */
  readonly available: number;
  /** Unix milliseconds of the expiry day's midnight (UTC), or `null` (never granted: expired). */
  readonly expiration: number | null;
}

/**
 * Midnight (UTC) of the day containing `nowMs`: upstream's `ecash_today()`.
 *
 * @example
 * ```ts
 * import { ecashToday } from "./bandwidth.ts";
 * ecashToday(Date.UTC(2026, 0, 2, 13, 5)); // Date.UTC(2026, 0, 2)
 * ```
 */
export function ecashToday(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS;
}

/**
 * Whether bandwidth with this expiration is void at `nowMs`.
 *
 * @example
 * ```ts
 * import { isBandwidthExpired } from "./bandwidth.ts";
 * isBandwidthExpired(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 23)); // false
 * isBandwidthExpired(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2)); // true
 * ```
 */
export function isBandwidthExpired(expiration: number | null, nowMs: number): boolean {
  return expiration === null || expiration < ecashToday(nowMs);
}

/**
 * The bytes a client really has: 0 once expired. This is what `authenticate` reports (upstream
 * also resets the stored row to 0 then).
 *
 * @example
 * ```ts
 * import { effectiveBandwidth } from "./bandwidth.ts";
 * effectiveBandwidth({ available: 5, expiration: null }, Date.now()); // 0
 * ```
 */
export function effectiveBandwidth(record: BandwidthRecord, nowMs: number): number {
  return isBandwidthExpired(record.expiration, nowMs) ? 0 : record.available;
}

/**
 * What a client is shown in upgrade mode: at least the top-up threshold + 1.
 *
 * @example
 * ```ts
 * import { upgradeModeBandwidth } from "./bandwidth.ts";
 * upgradeModeBandwidth(0); // 40_000_001
 * ```
 */
export function upgradeModeBandwidth(available: number): number {
  return Math.max(available, DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD + 1);
}

/**
 * The bandwidth cost of forwarding a MixPacket: the length of its packet bytes.
 *
 * @example
 * ```ts
 * import { packetBandwidthCost } from "./bandwidth.ts";
 * packetBandwidthCost({ packet: new Uint8Array(2413) }); // 2413
 * ```
 */
export function packetBandwidthCost(mixPacket: { readonly packet: Uint8Array }): number {
  return mixPacket.packet.length;
}

/** The outcome of {@linkcode chargeBandwidth}. */
export type BandwidthCharge =
  /** Forward the packet, store `record`, reply `send` with `remaining`. */
  | { readonly ok: true; readonly record: BandwidthRecord; readonly remaining: number }
  /** Drop the packet and reply with the typed `out_of_bandwidth` error. */
  | { readonly ok: false; readonly required: number; readonly available: number };

/**
 * Decides whether a client may spend `required` bytes, and what is left.
 *
 * @example
 * ```ts
 * import { chargeBandwidth, ecashToday } from "./bandwidth.ts";
 * const now = Date.now();
 * chargeBandwidth({ available: 5000, expiration: ecashToday(now) }, 2413, now);
 * // { ok: true, remaining: 2587, record: { available: 2587, expiration: ... } }
 * chargeBandwidth({ available: 100, expiration: ecashToday(now) }, 2413, now);
 * // { ok: false, required: 2413, available: 100 }
 * ```
 */
export function chargeBandwidth(
  record: BandwidthRecord,
  required: number,
  nowMs: number,
  upgradeMode = false,
): BandwidthCharge {
  const available = effectiveBandwidth(record, nowMs);
  const current: BandwidthRecord = available === record.available
    ? record
    : { available, expiration: record.expiration };
  if (upgradeMode) return { ok: true, record: current, remaining: upgradeModeBandwidth(available) };
  if (available < required) return { ok: false, required, available };
  const remaining = available - required;
  return { ok: true, record: { available: remaining, expiration: current.expiration }, remaining };
}

/** The outcome of {@linkcode claimFreeTestnetBandwidth}. */
export type TestnetClaim =
  /** Store `record` and reply `bandwidth` with `availableTotal`. */
  | { readonly ok: true; readonly record: BandwidthRecord; readonly availableTotal: number }
  /** Reply `{"type":"error","message": message}`. */
  | { readonly ok: false; readonly message: string };

/**
 * Grants the free 64 GiB (saturating), valid until the end of today (UTC), unless zk-nyms are
 * enforced. Expired bandwidth is dropped first.
 *
 * @example
 * ```ts
 * import { claimFreeTestnetBandwidth } from "./bandwidth.ts";
 * const c = claimFreeTestnetBandwidth({ available: 0, expiration: null }, Date.now(), false);
 * c.ok && c.availableTotal; // 68719476736
 * ```
 */
export function claimFreeTestnetBandwidth(
  record: BandwidthRecord,
  nowMs: number,
  enforceZkNyms: boolean,
): TestnetClaim {
  if (enforceZkNyms) return { ok: false, message: ONLY_ZK_NYMS_MESSAGE };
  const total = increaseBandwidth(effectiveBandwidth(record, nowMs), FREE_TESTNET_BANDWIDTH);
  return {
    ok: true,
    record: { available: total, expiration: ecashToday(nowMs) },
    availableTotal: total,
  };
}

/**
 * Adds `amount` bytes, saturating at 2^53 − 1.
 *
 * @example
 * ```ts
 * import { increaseBandwidth } from "./bandwidth.ts";
 * increaseBandwidth(1, 2); // 3
 * ```
 */
export function increaseBandwidth(available: number, amount: number): number {
  return Math.min(available + amount, Number.MAX_SAFE_INTEGER);
}

/**
 * Client side: whether to top up now (the Rust client checks this after every reply and
 * before every send).
 *
 * @example
 * ```ts
 * import { needsBandwidthTopUp } from "./bandwidth.ts";
 * needsBandwidthTopUp(1_000_000_000); // false
 * needsBandwidthTopUp(39_999_999); // true
 * ```
 */
export function needsBandwidthTopUp(
  remaining: number,
  threshold: number = DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD,
): boolean {
  return remaining < threshold;
}

/**
 * Gateway side: decrypts the ticket of an `ecashCredential` request to the serialised
 * `CredentialSpendingData` bytes a {@linkcode ZkNymTicketVerifier} consumes.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { decryptEcashCredential } from "./bandwidth.ts";
 * import { randomNonce, sealWithSharedKey } from "./shared_key.ts";
 * const k = new Uint8Array(32), nonce = randomNonce(systemRandom);
 * decryptEcashCredential({
 *   type: "ecashCredential", encCredential: sealWithSharedKey(k, nonce, new Uint8Array([1])), nonce,
 * }, k); // Uint8Array [1]
 * ```
 * @throws {SharedKeyError} for a nonce that is not 12 bytes or a ciphertext that does not
 * authenticate.
 */
export function decryptEcashCredential(
  request: EcashCredentialRequest,
  sharedKey: Uint8Array,
): Uint8Array {
  return openWithSharedKey(sharedKey, request.nonce, request.encCredential);
}

/** What the gateway asks a zk-nym verifier. */
export interface TicketVerificationRequest {
  /** The decrypted, serialised `CredentialSpendingData`. */
  readonly credential: Uint8Array;
  /** base58 address of the client spending it. */
  readonly clientAddress: string;
}

/** A zk-nym verifier's answer. */
export type TicketVerdict =
  /** Grant `bandwidth` bytes, valid until `expiration` (unix ms of the expiry day's midnight). */
  | { readonly ok: true; readonly bandwidth: number; readonly expiration: number }
  /** The serial number was already spent here: reply with the typed `ticket_replay` error. */
  | { readonly ok: false; readonly reason: "ticket_replay" }
  /** Any other rejection: reply `{"type":"error","message": message}`. */
  | { readonly ok: false; readonly reason: "rejected"; readonly message: string };

/**
 * The seam where zk-nym (compact e-cash) verification plugs in: spend date, double-spend
 * check, BLS12-381 verification against the epoch's key, then asynchronous quorum with the
 * signers (`nym-node.md` §4.7). Implemented in `credentials/`, not here.
 */
export interface ZkNymTicketVerifier {
  /**
   * Verifies one ticket.
   *
   * @example
   * ```ts
   * import type { ZkNymTicketVerifier } from "./bandwidth.ts";
   * const refuseAll: ZkNymTicketVerifier = {
   *   verify: () => Promise.resolve({ ok: false, reason: "rejected", message: "not yet" }),
   * };
   * ```
   */
  verify(request: TicketVerificationRequest): Promise<TicketVerdict>;
}

/**
 * Applies an accepted ticket to a stored record (expired bandwidth is dropped first; the new
 * expiration replaces the old one, as upstream does).
 *
 * @example
 * ```ts
 * import { grantTicketBandwidth } from "./bandwidth.ts";
 * grantTicketBandwidth({ available: 0, expiration: null }, 200_000_000, Date.UTC(2030, 0, 1), Date.now());
 * // { available: 200000000, expiration: Date.UTC(2030, 0, 1) }
 * ```
 */
export function grantTicketBandwidth(
  record: BandwidthRecord,
  bandwidth: number,
  expiration: number,
  nowMs: number,
): BandwidthRecord {
  return { available: increaseBandwidth(effectiveBandwidth(record, nowMs), bandwidth), expiration };
}
