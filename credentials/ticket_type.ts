/**
 * Ticket types and the bandwidth one ticket buys (upstream `TicketTypeRepr` in
 * `network-defaults/src/ecash.rs` and `TicketType` in `credentials-interface`; nym-node.md §4.7).
 *
 * @module
 */
import { EcashArgumentError } from "./errors.ts";

/** The four ticket types, with their wire encoding (`EncodedTicketType`, a `u8`). */
export const TicketType = {
  /** Mixnet entry gateway ticket. */
  V1MixnetEntry: 0,
  /** Mixnet exit gateway ticket. */
  V1MixnetExit: 1,
  /** WireGuard entry ticket. */
  V1WireguardEntry: 2,
  /** WireGuard exit ticket. */
  V1WireguardExit: 3,
} as const;

/** One of {@linkcode TicketType}'s values. */
export type TicketType = typeof TicketType[keyof typeof TicketType];

const BANDWIDTH: Record<TicketType, number> = {
  [TicketType.V1MixnetEntry]: 200_000_000,
  [TicketType.V1MixnetExit]: 100_000_000,
  [TicketType.V1WireguardEntry]: 500_000_000,
  [TicketType.V1WireguardExit]: 500_000_000,
};

const NAMES: Record<TicketType, string> = {
  [TicketType.V1MixnetEntry]: "v1-mixnet-entry",
  [TicketType.V1MixnetExit]: "v1-mixnet-exit",
  [TicketType.V1WireguardEntry]: "v1-wireguard-entry",
  [TicketType.V1WireguardExit]: "v1-wireguard-exit",
};

/**
 * Whether `value` is a known ticket type encoding.
 *
 * @example
 * ```ts
 * import { isTicketType } from "./ticket_type.ts";
 * isTicketType(3); // true
 * isTicketType(4); // false
 * ```
 */
export function isTicketType(value: number): value is TicketType {
  return Number.isInteger(value) && value >= 0 && value <= 3;
}

/**
 * Bytes of bandwidth one ticket of `type` grants (decimal MB: 200/100/500/500 × 10⁶).
 *
 * @example
 * ```ts
 * import { ticketBandwidth, TicketType } from "./ticket_type.ts";
 * ticketBandwidth(TicketType.V1MixnetEntry); // 200000000
 * ```
 */
export function ticketBandwidth(type: TicketType): number {
  if (!isTicketType(type)) throw new EcashArgumentError(`unknown ticket type ${type}`);
  return BANDWIDTH[type];
}

/**
 * The kebab-case name Nym uses in JSON and on the command line (`v1-mixnet-entry`, …).
 *
 * @example
 * ```ts
 * import { ticketTypeName, TicketType } from "./ticket_type.ts";
 * ticketTypeName(TicketType.V1WireguardExit); // "v1-wireguard-exit"
 * ```
 */
export function ticketTypeName(type: TicketType): string {
  if (!isTicketType(type)) throw new EcashArgumentError(`unknown ticket type ${type}`);
  return NAMES[type];
}

/**
 * Parses a kebab-case ticket type name.
 *
 * @example
 * ```ts
 * import { parseTicketType } from "./ticket_type.ts";
 * parseTicketType("v1-mixnet-exit"); // 1
 * ```
 */
export function parseTicketType(name: string): TicketType {
  for (const [type, n] of Object.entries(NAMES)) {
    if (n === name) return Number(type) as TicketType;
  }
  throw new EcashArgumentError(`unknown ticket type name ${JSON.stringify(name)}`);
}
