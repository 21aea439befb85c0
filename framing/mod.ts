/**
 * Packet sizes and types, node-to-node frames (v7/v8), MixPacket serialisation and node routing
 * addresses (`wire-format.md` §3, §4, §6.1). Pure and synchronous; every parser throws only
 * subclasses of {@linkcode FramingError}.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder, FrameVersion, KeyRotation, PacketType } from "./mod.ts";
 * const wire = encodeFrame({
 *   version: FrameVersion.Legacy, packetType: PacketType.Mix,
 *   keyRotation: KeyRotation.Unknown, packet: new Uint8Array(2413),
 * });
 * const decoder = new FrameDecoder();
 * decoder.push(wire);
 * decoder.drain().length; // 1
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./packet_type.ts";
export * from "./packet_size.ts";
export * from "./key_rotation.ts";
export * from "./routing_address.ts";
export * from "./frame.ts";
export * from "./frame_decoder.ts";
export * from "./mix_packet.ts";
