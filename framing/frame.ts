/**
 * Node-to-node frames (`wire-format.md` §4.1, upstream `common/nymsphinx/framing`): a 3-byte (v7)
 * or 4-byte (v8) header followed by exactly one packet of the size the header names. There is no
 * length prefix.
 *
 * ```text
 * v7: [0x07][packet_size tag][packet_type]                  key rotation implied Unknown
 * v8: [0x08][packet_size tag][packet_type][key_rotation]
 * ```
 *
 * @module
 */
import { InvalidFrameError, InvalidFrameVersionError } from "./errors.ts";
import { type KeyRotation, keyRotationFromByte } from "./key_rotation.ts";
import {
  type PacketSize,
  packetSizeFromTag,
  packetSizeFromWireLength,
  packetTotalLength,
} from "./packet_size.ts";
import { type PacketType, packetTypeFromByte } from "./packet_type.ts";

/**
 * Frame versions. `Legacy` (7, `INITIAL_PACKET_VERSION_NUMBER`) is what nym-node sends by default
 * (`use_legacy_packet_encoding = true`); `KeyRotation` (8) adds the rotation byte. Receivers
 * accept both.
 *
 * @example
 * ```ts
 * import { FrameVersion } from "./frame.ts";
 * FrameVersion.KeyRotation; // 8
 * ```
 */
export const FrameVersion = { Legacy: 7, KeyRotation: 8 } as const;

/** A supported frame version. */
export type FrameVersion = typeof FrameVersion[keyof typeof FrameVersion];

/** Header length of a v7 frame. */
export const LEGACY_FRAME_HEADER_LENGTH = 3;
/** Header length of a v8 frame. */
export const KEY_ROTATION_FRAME_HEADER_LENGTH = 4;
/** The longest frame: a v8 header and an extended-32 packet (33137 bytes). */
export const MAX_FRAME_LENGTH = KEY_ROTATION_FRAME_HEADER_LENGTH + 33133;

/** What a frame header says about the packet that follows. */
export interface FrameHeader {
  readonly version: FrameVersion;
  readonly packetSize: PacketSize;
  readonly packetType: PacketType;
  /** Always Unknown (0) for v7 frames. */
  readonly keyRotation: KeyRotation;
}

/** A decoded frame. `packet` holds exactly `packetTotalLength(packetSize)` bytes. */
export interface Frame extends FrameHeader {
  readonly packet: Uint8Array;
}

/** Input of {@linkcode encodeFrame}; the size is derived from the packet length if omitted. */
export interface FrameInit {
  readonly version: FrameVersion;
  readonly packetType: PacketType;
  /** Ignored (not encoded) for v7 frames. */
  readonly keyRotation: KeyRotation;
  readonly packetSize?: PacketSize;
  readonly packet: Uint8Array;
}

/**
 * Header length for a version: 3 for v7, 4 for v8.
 *
 * @example
 * ```ts
 * import { frameHeaderLength } from "./frame.ts";
 * frameHeaderLength(7); // 3
 * ```
 */
export function frameHeaderLength(version: FrameVersion): number {
  return version === FrameVersion.Legacy
    ? LEGACY_FRAME_HEADER_LENGTH
    : KEY_ROTATION_FRAME_HEADER_LENGTH;
}

/**
 * Whole frame length (header and packet) for a header.
 *
 * @example
 * ```ts
 * import { frameLength } from "./frame.ts";
 * frameLength({ version: 8, packetSize: 1, packetType: 0, keyRotation: 0 }); // 2417
 * ```
 */
export function frameLength(header: FrameHeader): number {
  return frameHeaderLength(header.version) + packetTotalLength(header.packetSize);
}

/**
 * Checks a frame version byte.
 *
 * @example
 * ```ts
 * import { frameVersionFromByte } from "./frame.ts";
 * frameVersionFromByte(8); // 8
 * ```
 * @throws {InvalidFrameVersionError} below 7 (pre-versioning frames) or above 8 (unsupported).
 */
export function frameVersionFromByte(value: number): FrameVersion {
  if (value === 7 || value === 8) return value;
  if (value < 7) {
    throw new InvalidFrameVersionError(
      value,
      `frame version ${value} is below 7: an unversioned legacy frame or garbage`,
    );
  }
  throw new InvalidFrameVersionError(
    value,
    `received unsupported frame version ${value}; max supported is 8`,
  );
}

/**
 * Decodes a frame header at `offset`. Returns `undefined` when the bytes end before the header
 * does; throws as soon as the version byte is bad.
 *
 * @example
 * ```ts
 * import { decodeFrameHeader } from "./frame.ts";
 * decodeFrameHeader(new Uint8Array([8, 1, 0, 2])); // { version: 8, packetSize: 1, packetType: 0, keyRotation: 2 }
 * decodeFrameHeader(new Uint8Array([8, 1])); // undefined
 * ```
 * @throws {InvalidFrameVersionError} for versions other than 7 and 8.
 * @throws {InvalidPacketSizeError} | {InvalidPacketTypeError} | {InvalidKeyRotationError} for
 * unknown field values.
 */
export function decodeFrameHeader(bytes: Uint8Array, offset = 0): FrameHeader | undefined {
  const available = bytes.length - offset;
  if (available < 1) return undefined;
  const version = frameVersionFromByte(bytes[offset]);
  if (version === FrameVersion.Legacy) {
    if (available < LEGACY_FRAME_HEADER_LENGTH) return undefined;
    return {
      version,
      packetSize: packetSizeFromTag(bytes[offset + 1]),
      packetType: packetTypeFromByte(bytes[offset + 2]),
      keyRotation: 0,
    };
  }
  if (available < KEY_ROTATION_FRAME_HEADER_LENGTH) return undefined;
  return {
    version,
    packetSize: packetSizeFromTag(bytes[offset + 1]),
    packetType: packetTypeFromByte(bytes[offset + 2]),
    keyRotation: keyRotationFromByte(bytes[offset + 3]),
  };
}

/**
 * Writes a frame header at `offset` and returns its length (3 or 4).
 *
 * @example
 * ```ts
 * import { writeFrameHeader } from "./frame.ts";
 * const b = new Uint8Array(4);
 * writeFrameHeader(b, 0, { version: 8, packetSize: 2, packetType: 0, keyRotation: 1 }); // 4
 * ```
 * @throws {InvalidFrameError} if the header does not fit.
 */
export function writeFrameHeader(target: Uint8Array, offset: number, header: FrameHeader): number {
  const length = frameHeaderLength(header.version);
  if (offset < 0 || offset + length > target.length) {
    throw new InvalidFrameError("no room for the frame header");
  }
  target[offset] = header.version;
  target[offset + 1] = header.packetSize;
  target[offset + 2] = header.packetType;
  if (length === KEY_ROTATION_FRAME_HEADER_LENGTH) target[offset + 3] = header.keyRotation;
  return length;
}

function resolveHeader(frame: FrameInit): FrameHeader {
  frameVersionFromByte(frame.version);
  packetTypeFromByte(frame.packetType);
  keyRotationFromByte(frame.keyRotation);
  const derived = packetSizeFromWireLength(frame.packet.length);
  const packetSize = frame.packetSize ?? derived;
  if (packetSize === undefined || derived !== packetSize) {
    throw new InvalidFrameError(
      `a ${frame.packet.length}-byte packet does not match ${
        frame.packetSize === undefined ? "any packet size" : `packet size ${frame.packetSize}`
      }`,
    );
  }
  return {
    version: frame.version,
    packetSize,
    packetType: frame.packetType,
    keyRotation: frame.version === FrameVersion.Legacy ? 0 : frame.keyRotation,
  };
}

/**
 * Encodes one frame: header ‖ packet.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameVersion, KeyRotation, PacketType } from "./mod.ts";
 * const frame = encodeFrame({
 *   version: FrameVersion.KeyRotation, packetType: PacketType.Mix,
 *   keyRotation: KeyRotation.Odd, packet: new Uint8Array(386),
 * });
 * frame.length; // 390
 * ```
 * @throws {InvalidFrameError} if the packet length is not a packet size (or not the given one).
 */
export function encodeFrame(frame: FrameInit): Uint8Array {
  const header = resolveHeader(frame);
  const headerLength = frameHeaderLength(header.version);
  const out = new Uint8Array(headerLength + frame.packet.length);
  writeFrameHeader(out, 0, header);
  out.set(frame.packet, headerLength);
  return out;
}

/**
 * Encodes several frames into one buffer, for a single coalesced socket write.
 *
 * @example
 * ```ts
 * import { encodeFrames } from "./frame.ts";
 * const f = { version: 7, packetType: 0, keyRotation: 0, packet: new Uint8Array(386) } as const;
 * encodeFrames([f, f]).length; // 778
 * ```
 * @throws {InvalidFrameError} if any packet length is not a packet size.
 */
export function encodeFrames(frames: readonly FrameInit[]): Uint8Array {
  const headers = frames.map(resolveHeader);
  let total = 0;
  for (let i = 0; i < frames.length; i++) {
    total += frameHeaderLength(headers[i].version) + frames[i].packet.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < frames.length; i++) {
    offset += writeFrameHeader(out, offset, headers[i]);
    out.set(frames[i].packet, offset);
    offset += frames[i].packet.length;
  }
  return out;
}
