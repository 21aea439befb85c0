/**
 * The packet type carried in frames and MixPackets (`wire-format.md` §3).
 *
 * @module
 */
import { InvalidPacketTypeError } from "./errors.ts";

/**
 * Packet type wire values. `Mix` (0) is a Sphinx packet, `Outfox` (2) an outfox packet. The value
 * 1 was the retired VPN mode and is rejected.
 *
 * @example
 * ```ts
 * import { PacketType } from "./packet_type.ts";
 * PacketType.Mix; // 0
 * ```
 */
export const PacketType = { Mix: 0, Outfox: 2 } as const;

/** A valid packet type wire value. */
export type PacketType = typeof PacketType[keyof typeof PacketType];

/**
 * Parses a packet-type byte.
 *
 * @example
 * ```ts
 * import { packetTypeFromByte } from "./packet_type.ts";
 * packetTypeFromByte(2); // 2 (Outfox)
 * ```
 * @throws {InvalidPacketTypeError} for anything but 0 or 2.
 */
export function packetTypeFromByte(value: number): PacketType {
  if (value === 0) return 0;
  if (value === 2) return 2;
  throw new InvalidPacketTypeError(`${value} is not a valid packet type tag`);
}

/**
 * The serde name of a packet type: `"mix"` or `"outfox"`.
 *
 * @example
 * ```ts
 * import { PacketType, packetTypeName } from "./packet_type.ts";
 * packetTypeName(PacketType.Mix); // "mix"
 * ```
 */
export function packetTypeName(type: PacketType): "mix" | "outfox" {
  return type === PacketType.Outfox ? "outfox" : "mix";
}

/**
 * Parses a serde name; `"sphinx"` is accepted as an alias of `"mix"`, as upstream does.
 *
 * @example
 * ```ts
 * import { parsePacketTypeName } from "./packet_type.ts";
 * parsePacketTypeName("sphinx"); // 0
 * ```
 * @throws {InvalidPacketTypeError} for any other name.
 */
export function parsePacketTypeName(name: string): PacketType {
  switch (name) {
    case "mix":
    case "sphinx":
      return PacketType.Mix;
    case "outfox":
      return PacketType.Outfox;
    default:
      throw new InvalidPacketTypeError(
        `${JSON.stringify(name.slice(0, 32))} is not a valid packet type name`,
      );
  }
}
