/**
 * Nym packet sizes (`wire-format.md` §3, upstream `common/nymsphinx/params/src/packet_sizes.rs`).
 * Every size is a fixed total length on the wire; frames carry only its one-byte tag.
 *
 * @module
 */
import { InvalidPacketSizeError } from "./errors.ts";
import { PacketType } from "./packet_type.ts";

/** Sphinx header length (α ‖ γ ‖ β), `wire-format.md` §2.3. */
export const SPHINX_HEADER_SIZE = 348;
/** Sphinx payload overhead: 16 leading zero bytes and the 0x01 marker. */
export const SPHINX_PAYLOAD_OVERHEAD_SIZE = 17;
/** Header + payload overhead of every Sphinx packet: 365. */
export const SPHINX_PACKET_OVERHEAD = SPHINX_HEADER_SIZE + SPHINX_PAYLOAD_OVERHEAD_SIZE;
/** Outfox mix-params prefix (`wire-format.md` §11). */
export const OUTFOX_MIX_PARAMS_LENGTH = 6;
/** Total outfox overhead, mix params included (`wire-format.md` §11): 329. */
export const OUTFOX_PACKET_OVERHEAD = 329;

/**
 * Packet-size wire tags. The numbering is historical (32 KiB is 3, 8 KiB is 4).
 *
 * @example
 * ```ts
 * import { PacketSize, packetTotalLength } from "./packet_size.ts";
 * packetTotalLength(PacketSize.Regular); // 2413
 * ```
 */
export const PacketSize = {
  Regular: 1,
  Ack: 2,
  Extended32: 3,
  Extended8: 4,
  Extended16: 5,
  OutfoxRegular: 6,
  OutfoxAck: 7,
} as const;

/** A valid packet-size tag. */
export type PacketSize = typeof PacketSize[keyof typeof PacketSize];

/** The serde / config name of a packet size. */
export type PacketSizeName =
  | "regular"
  | "ack"
  | "extended8"
  | "extended16"
  | "extended32"
  | "outfox_regular"
  | "outfox_ack";

/** Every fixed number that belongs to one packet size. */
export interface PacketSizeInfo {
  /** The wire tag. */
  readonly tag: PacketSize;
  /** The serde name. */
  readonly name: PacketSizeName;
  /** Bytes on the wire (frame body, MixPacket body). */
  readonly total: number;
  /** Sphinx header (348) or outfox mix params (6). */
  readonly header: number;
  /** `total - header`: the Sphinx `payload_size` used to build the packet. */
  readonly payload: number;
  /** What the Nym layer puts inside the packet (`wire-format.md` §7). */
  readonly plaintext: number;
  /** The packet format this size belongs to. */
  readonly type: PacketType;
}

function info(
  tag: PacketSize,
  name: PacketSizeName,
  plaintext: number,
  type: PacketType,
): PacketSizeInfo {
  const sphinx = type === PacketType.Mix;
  const header = sphinx ? SPHINX_HEADER_SIZE : OUTFOX_MIX_PARAMS_LENGTH;
  const total = plaintext + (sphinx ? SPHINX_PACKET_OVERHEAD : OUTFOX_PACKET_OVERHEAD);
  return Object.freeze({ tag, name, total, header, payload: total - header, plaintext, type });
}

// Indexed by tag; index 0 is unused. Plaintext sizes: 2 KiB, 21 (ack: 16-byte IV + 5-byte
// encrypted fragment id), 32/8/16 KiB, outfox 2 KiB and 48 (outfox MIN_PACKET_SIZE).
const TABLE: readonly PacketSizeInfo[] = [
  info(PacketSize.Regular, "regular", 2048, PacketType.Mix), // placeholder for index 0
  info(PacketSize.Regular, "regular", 2048, PacketType.Mix),
  info(PacketSize.Ack, "ack", 21, PacketType.Mix),
  info(PacketSize.Extended32, "extended32", 32768, PacketType.Mix),
  info(PacketSize.Extended8, "extended8", 8192, PacketType.Mix),
  info(PacketSize.Extended16, "extended16", 16384, PacketType.Mix),
  info(PacketSize.OutfoxRegular, "outfox_regular", 2048, PacketType.Outfox),
  info(PacketSize.OutfoxAck, "outfox_ack", 48, PacketType.Outfox),
];

/**
 * All packet sizes, in tag order.
 *
 * @example
 * ```ts
 * import { ALL_PACKET_SIZES } from "./packet_size.ts";
 * ALL_PACKET_SIZES.length; // 7
 * ```
 */
export const ALL_PACKET_SIZES: readonly PacketSize[] = Object.freeze([1, 2, 3, 4, 5, 6, 7]);

/**
 * Parses a packet-size tag byte.
 *
 * @example
 * ```ts
 * import { packetSizeFromTag } from "./packet_size.ts";
 * packetSizeFromTag(4); // 4 (Extended8)
 * ```
 * @throws {InvalidPacketSizeError} for anything outside 1..7.
 */
export function packetSizeFromTag(tag: number): PacketSize {
  if (tag >= 1 && tag <= 7 && Number.isInteger(tag)) return tag as PacketSize;
  throw new InvalidPacketSizeError(`${tag} is not a valid packet size tag`);
}

/**
 * All numbers describing `size`.
 *
 * @example
 * ```ts
 * import { PacketSize, packetSizeInfo } from "./packet_size.ts";
 * packetSizeInfo(PacketSize.Ack).payload; // 38
 * ```
 */
export function packetSizeInfo(size: PacketSize): PacketSizeInfo {
  return TABLE[size];
}

/**
 * Bytes on the wire for `size`.
 *
 * @example
 * ```ts
 * import { PacketSize, packetTotalLength } from "./packet_size.ts";
 * packetTotalLength(PacketSize.Ack); // 386
 * ```
 */
export function packetTotalLength(size: PacketSize): number {
  return TABLE[size].total;
}

/**
 * The Sphinx `payload_size` (total minus the 348-byte header; minus the 6-byte mix params for
 * outfox).
 *
 * @example
 * ```ts
 * import { PacketSize, packetPayloadLength } from "./packet_size.ts";
 * packetPayloadLength(PacketSize.Regular); // 2065
 * ```
 */
export function packetPayloadLength(size: PacketSize): number {
  return TABLE[size].payload;
}

/**
 * The plaintext the Nym layer puts in a packet of this size (`wire-format.md` §3).
 *
 * @example
 * ```ts
 * import { PacketSize, packetPlaintextLength } from "./packet_size.ts";
 * packetPlaintextLength(PacketSize.Extended8); // 8192
 * ```
 */
export function packetPlaintextLength(size: PacketSize): number {
  return TABLE[size].plaintext;
}

/**
 * The serde / config name of a size.
 *
 * @example
 * ```ts
 * import { PacketSize, packetSizeName } from "./packet_size.ts";
 * packetSizeName(PacketSize.OutfoxAck); // "outfox_ack"
 * ```
 */
export function packetSizeName(size: PacketSize): PacketSizeName {
  return TABLE[size].name;
}

/**
 * Parses a serde / config name.
 *
 * @example
 * ```ts
 * import { parsePacketSizeName } from "./packet_size.ts";
 * parsePacketSizeName("extended16"); // 5
 * ```
 * @throws {InvalidPacketSizeError} for unknown names.
 */
export function parsePacketSizeName(name: string): PacketSize {
  for (let tag = 1; tag <= 7; tag++) {
    if (TABLE[tag].name === name) return tag as PacketSize;
  }
  throw new InvalidPacketSizeError(
    `${JSON.stringify(name.slice(0, 32))} is not a valid packet size name`,
  );
}

/**
 * The packet format a size belongs to: the five Sphinx sizes are Mix, the two outfox sizes Outfox.
 *
 * @example
 * ```ts
 * import { PacketSize, packetTypeOfSize } from "./packet_size.ts";
 * packetTypeOfSize(PacketSize.OutfoxRegular); // 2
 * ```
 */
export function packetTypeOfSize(size: PacketSize): PacketType {
  return TABLE[size].type;
}

/**
 * Whether `size` is one of the extended (8/16/32 KiB) sizes.
 *
 * @example
 * ```ts
 * import { isExtendedPacketSize, PacketSize } from "./packet_size.ts";
 * isExtendedPacketSize(PacketSize.Extended32); // true
 * ```
 */
export function isExtendedPacketSize(size: PacketSize): boolean {
  return size === PacketSize.Extended8 || size === PacketSize.Extended16 ||
    size === PacketSize.Extended32;
}

/**
 * The size whose total length is exactly `length`, or `undefined`. Frames and MixPackets use
 * this exact form: the bytes that follow must be the whole packet.
 *
 * @example
 * ```ts
 * import { packetSizeFromWireLength } from "./packet_size.ts";
 * packetSizeFromWireLength(2413); // 1
 * packetSizeFromWireLength(2371); // undefined
 * ```
 */
export function packetSizeFromWireLength(length: number): PacketSize | undefined {
  switch (length) {
    case 2413:
      return PacketSize.Regular;
    case 386:
      return PacketSize.Ack;
    case 8557:
      return PacketSize.Extended8;
    case 16749:
      return PacketSize.Extended16;
    case 33133:
      return PacketSize.Extended32;
    case 2377:
      return PacketSize.OutfoxRegular;
    case 377:
      return PacketSize.OutfoxAck;
    default:
      return undefined;
  }
}

/**
 * Upstream `PacketSize::get_type`: maps a length to a size, also accepting `length + 6 == 2377`
 * as outfox-regular (an outfox packet measured without its mix params).
 *
 * @example
 * ```ts
 * import { packetSizeFromLength } from "./packet_size.ts";
 * packetSizeFromLength(386); // 2 (Ack)
 * packetSizeFromLength(2371); // 6 (OutfoxRegular, the len + 6 rule)
 * ```
 * @throws {InvalidPacketSizeError} if no size matches.
 */
export function packetSizeFromLength(length: number): PacketSize {
  const exact = packetSizeFromWireLength(length);
  if (exact !== undefined) return exact;
  if (length + OUTFOX_MIX_PARAMS_LENGTH === TABLE[PacketSize.OutfoxRegular].total) {
    return PacketSize.OutfoxRegular;
  }
  throw new InvalidPacketSizeError(`${length} does not correspond with any known packet size`);
}

/**
 * Upstream `PacketSize::get_type_from_plaintext`: the size whose plaintext is `plaintextLength`,
 * i.e. `get_type(p + 365)` for Mix and `get_type(p + 329)` for Outfox.
 *
 * @example
 * ```ts
 * import { PacketType } from "./packet_type.ts";
 * import { packetSizeFromPlaintext } from "./packet_size.ts";
 * packetSizeFromPlaintext(2048, PacketType.Mix); // 1 (Regular)
 * packetSizeFromPlaintext(48, PacketType.Outfox); // 7 (OutfoxAck)
 * ```
 * @throws {InvalidPacketSizeError} if no size matches.
 */
export function packetSizeFromPlaintext(plaintextLength: number, type: PacketType): PacketSize {
  const overhead = type === PacketType.Outfox ? OUTFOX_PACKET_OVERHEAD : SPHINX_PACKET_OVERHEAD;
  return packetSizeFromLength(plaintextLength + overhead);
}
