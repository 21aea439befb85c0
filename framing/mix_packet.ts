/**
 * MixPacket serialisation (`wire-format.md` §4.2, upstream
 * `common/nymsphinx/forwarding/src/packet.rs`): what a client hands its entry gateway inside the
 * gateway's encrypted binary requests (`ForwardSphinx` = v1, `ForwardSphinxV2` = v2).
 *
 * ```text
 * v1: packet_type (1) ‖ next_hop (unpadded, 7 or 19) ‖ packet
 * v2: packet_type (1) ‖ key_rotation (1) ‖ next_hop (unpadded) ‖ packet
 * ```
 *
 * @module
 */
import { MalformedMixPacketError } from "./errors.ts";
import { KeyRotation, keyRotationFromByte } from "./key_rotation.ts";
import { InvalidPacketSizeError } from "./errors.ts";
import { type PacketSize, packetSizeFromWireLength } from "./packet_size.ts";
import { type PacketType, packetTypeFromByte } from "./packet_type.ts";
import {
  decodeRoutingAddress,
  type NymNodeRoutingAddress,
  routingAddressLength,
  writeRoutingAddress,
} from "./routing_address.ts";

/** A packet and where to send it first. */
export interface MixPacket {
  readonly nextHop: NymNodeRoutingAddress;
  readonly packetType: PacketType;
  /** v1 carries no rotation; decoding v1 yields Unknown (0). */
  readonly keyRotation: KeyRotation;
  readonly packet: Uint8Array;
}

/** A decoded MixPacket, with the packet size its length maps to. */
export interface DecodedMixPacket extends MixPacket {
  readonly packetSize: PacketSize;
}

function encode(packet: MixPacket, withRotation: boolean): Uint8Array {
  packetTypeFromByte(packet.packetType);
  if (withRotation) keyRotationFromByte(packet.keyRotation);
  if (packetSizeFromWireLength(packet.packet.length) === undefined) {
    throw new MalformedMixPacketError(
      `a ${packet.packet.length}-byte packet does not correspond with any packet size`,
    );
  }
  const prefix = withRotation ? 2 : 1;
  const addressLength = routingAddressLength(packet.nextHop);
  const out = new Uint8Array(prefix + addressLength + packet.packet.length);
  out[0] = packet.packetType;
  if (withRotation) out[1] = packet.keyRotation;
  writeRoutingAddress(out, prefix, packet.nextHop);
  out.set(packet.packet, prefix + addressLength);
  return out;
}

function decode(bytes: Uint8Array, withRotation: boolean): DecodedMixPacket {
  const prefix = withRotation ? 2 : 1;
  // At least the fixed fields and the address's IP-version byte, as upstream requires.
  if (bytes.length < prefix + 1) {
    throw new MalformedMixPacketError(
      `too few bytes (${bytes.length}) to recover a v${prefix} MixPacket`,
    );
  }
  const packetType = packetTypeFromByte(bytes[0]);
  const keyRotation = withRotation ? keyRotationFromByte(bytes[1]) : KeyRotation.Unknown;
  const nextHop = decodeRoutingAddress(bytes, prefix);
  const packet = bytes.subarray(prefix + routingAddressLength(nextHop));
  // Upstream's get_type also accepts outfox `len + 6`; such a packet could never be framed
  // correctly (the frame would promise 6 more bytes), so only exact sizes are accepted here.
  const packetSize = packetSizeFromWireLength(packet.length);
  if (packetSize === undefined) {
    throw new InvalidPacketSizeError(
      `${packet.length} does not correspond with any known packet size`,
    );
  }
  return { nextHop, packetType, keyRotation, packet, packetSize };
}

/**
 * Serialises a MixPacket in the v1 layout (the rotation is not encoded).
 *
 * @example
 * ```ts
 * import { encodeMixPacketV1 } from "./mix_packet.ts";
 * const bytes = encodeMixPacketV1({
 *   nextHop: { ip: "1.2.3.4", port: 1789 }, packetType: 0, keyRotation: 0,
 *   packet: new Uint8Array(2413),
 * });
 * bytes.length; // 1 + 7 + 2413
 * ```
 * @throws {MalformedMixPacketError} if the packet length is no packet size.
 * @throws {InvalidRoutingAddressError} | {InvalidPacketTypeError} for bad fields.
 */
export function encodeMixPacketV1(packet: MixPacket): Uint8Array {
  return encode(packet, false);
}

/**
 * Serialises a MixPacket in the v2 layout (with the key rotation).
 *
 * @example
 * ```ts
 * import { encodeMixPacketV2 } from "./mix_packet.ts";
 * const bytes = encodeMixPacketV2({
 *   nextHop: { ip: "::1", port: 1789 }, packetType: 0, keyRotation: 2,
 *   packet: new Uint8Array(386),
 * });
 * bytes.length; // 2 + 19 + 386
 * ```
 * @throws {MalformedMixPacketError} if the packet length is no packet size.
 * @throws {InvalidRoutingAddressError} | {InvalidPacketTypeError} | {InvalidKeyRotationError}
 * for bad fields.
 */
export function encodeMixPacketV2(packet: MixPacket): Uint8Array {
  return encode(packet, true);
}

/**
 * Parses a v1 MixPacket. `packet` is a zero-copy view of `bytes`.
 *
 * @example
 * ```ts
 * import { decodeMixPacketV1, encodeMixPacketV1 } from "./mix_packet.ts";
 * const p = { nextHop: { ip: "1.2.3.4", port: 1789 }, packetType: 0, keyRotation: 0, packet: new Uint8Array(386) } as const;
 * decodeMixPacketV1(encodeMixPacketV1(p)).packetSize; // 2 (Ack)
 * ```
 * @throws {MalformedMixPacketError} if too short.
 * @throws {InvalidPacketTypeError} | {InvalidRoutingAddressError} | {InvalidPacketSizeError}
 * for bad fields.
 */
export function decodeMixPacketV1(bytes: Uint8Array): DecodedMixPacket {
  return decode(bytes, false);
}

/**
 * Parses a v2 MixPacket. `packet` is a zero-copy view of `bytes`.
 *
 * @example
 * ```ts
 * import { decodeMixPacketV2, encodeMixPacketV2 } from "./mix_packet.ts";
 * const p = { nextHop: { ip: "1.2.3.4", port: 1789 }, packetType: 0, keyRotation: 1, packet: new Uint8Array(2413) } as const;
 * decodeMixPacketV2(encodeMixPacketV2(p)).keyRotation; // 1
 * ```
 * @throws {MalformedMixPacketError} if too short.
 * @throws {InvalidPacketTypeError} | {InvalidKeyRotationError} | {InvalidRoutingAddressError} |
 * {InvalidPacketSizeError} for bad fields.
 */
export function decodeMixPacketV2(bytes: Uint8Array): DecodedMixPacket {
  return decode(bytes, true);
}
