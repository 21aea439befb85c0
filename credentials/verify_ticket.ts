/**
 * The pure part of a gateway's ticket acceptance (nym-node.md §4.7; credentials-anchors.md §A.4
 * steps 2, 4, 5, 6): one ticket only, spent today, a known (and accepted) ticket type, PayInfo
 * bound to this gateway's identity with a timestamp within ±30 s, then the full cryptographic
 * verification against the aggregated key of the ticket's epoch.
 *
 * Stateful checks stay with the caller: the serial-number store (per-gateway double spending,
 * step 3; see {@linkcode VerifiedTicket.serialNumber}), the window of recently seen PayInfos, and
 * forwarding to the signers.
 *
 * @module
 */
import { constantTimeEqual } from "../crypto/bytes.ts";
import { EcashDecodeError, EcashVerificationError } from "./errors.ts";
import type { VerificationKeyAuth } from "./keys_auth.ts";
import type { EcashParameters } from "./params.ts";
import { paymentSerialNumber, verifyPayment } from "./payment.ts";
import type { PreparedVerificationKey } from "./prepared_key.ts";
import { type CredentialSpendingData, decodePayInfo, type NymPayInfo } from "./spending_data.ts";
import { isTicketType, ticketBandwidth, type TicketType } from "./ticket_type.ts";

/** How far a PayInfo timestamp may be from the gateway's clock (upstream `TIME_RANGE_SEC`). */
export const PAY_INFO_WINDOW_SECONDS = 30;

/** The gateway's acceptance policy for one ticket. */
export interface TicketPolicy {
  /** Today's e-cash date (unix seconds of 00:00 UTC). */
  readonly today: number;
  /** Current time, unix seconds. */
  readonly now: number;
  /** The gateway's ed25519 identity public key (32 bytes). */
  readonly gatewayIdentity: Uint8Array;
  /** Allowed PayInfo clock difference; default {@linkcode PAY_INFO_WINDOW_SECONDS}. */
  readonly payInfoWindowSeconds?: number;
  /** Ticket types this gateway credits; default all four. */
  readonly acceptedTicketTypes?: readonly TicketType[];
}

/** A ticket that passed every stateless check. */
export interface VerifiedTicket {
  /** Its type. */
  readonly ticketType: TicketType;
  /** Bytes of bandwidth to credit. */
  readonly bandwidth: number;
  /** The serial number to record (and look up first) in the gateway's spent-ticket store. */
  readonly serialNumber: Uint8Array;
  /** The parsed PayInfo, for the duplicate-PayInfo window. */
  readonly payInfo: NymPayInfo;
}

/**
 * Checks one ticket for this gateway; throws {@linkcode EcashVerificationError} with the failed
 * check as `reason` (`spend-value`, `spend-date`, `ticket-type`, `pay-info`, or one from
 * `verifyPayment`).
 *
 * @example
 * ```ts
 * // const ticket = verifyTicket(params, preparedKeys.get(data.epochId), data, {
 * //   today: ecashDay(now), now, gatewayIdentity,
 * // });
 * // if (store.has(ticket.serialNumber)) reject(); else credit(ticket.bandwidth);
 * ```
 */
export function verifyTicket(
  params: EcashParameters,
  verificationKey: VerificationKeyAuth | PreparedVerificationKey,
  data: CredentialSpendingData,
  policy: TicketPolicy,
): VerifiedTicket {
  const { payment } = data;
  if (payment.spendValue !== 1) {
    throw new EcashVerificationError("spend-value", "exactly one ticket per request");
  }
  if (data.spendDate !== policy.today) {
    throw new EcashVerificationError("spend-date", "ticket not spent today");
  }
  const type = payment.ticketType;
  if (!isTicketType(type)) throw new EcashVerificationError("ticket-type", `unknown type ${type}`);
  if (policy.acceptedTicketTypes !== undefined && !policy.acceptedTicketTypes.includes(type)) {
    throw new EcashVerificationError("ticket-type", `type ${type} not accepted here`);
  }
  let payInfo: NymPayInfo;
  try {
    payInfo = decodePayInfo(data.payInfo);
  } catch (e) {
    if (!(e instanceof EcashDecodeError)) throw e;
    throw new EcashVerificationError("pay-info", e.message);
  }
  if (!constantTimeEqual(payInfo.providerPublicKey, policy.gatewayIdentity)) {
    throw new EcashVerificationError("pay-info", "bound to another provider");
  }
  const window = policy.payInfoWindowSeconds ?? PAY_INFO_WINDOW_SECONDS;
  if (Math.abs(payInfo.timestamp - policy.now) > window) {
    throw new EcashVerificationError("pay-info", "timestamp outside the accepted window");
  }
  verifyPayment(params, verificationKey, payment, data.payInfo, data.spendDate);
  return {
    ticketType: type,
    bandwidth: ticketBandwidth(type),
    serialNumber: paymentSerialNumber(payment),
    payInfo,
  };
}
