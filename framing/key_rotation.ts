/**
 * Sphinx key-rotation parity carried in v8 frames, MixPacket v2 and V2 reply-SURB lists
 * (`wire-format.md` §4.1).
 *
 * @module
 */
import { InvalidKeyRotationError } from "./errors.ts";

/**
 * Key-rotation wire values. `Unknown` (0) is what legacy (v7) frames imply: the receiver tries its
 * primary key, then its secondary. `Odd`/`Even` name the parity of the rotation whose key built
 * the packet.
 *
 * @example
 * ```ts
 * import { KeyRotation } from "./key_rotation.ts";
 * KeyRotation.Even; // 2
 * ```
 */
export const KeyRotation = { Unknown: 0, Odd: 1, Even: 2 } as const;

/** A valid key-rotation wire value. */
export type KeyRotation = typeof KeyRotation[keyof typeof KeyRotation];

/**
 * Parses a key-rotation byte.
 *
 * @example
 * ```ts
 * import { keyRotationFromByte } from "./key_rotation.ts";
 * keyRotationFromByte(1); // 1 (Odd)
 * ```
 * @throws {InvalidKeyRotationError} for values above 2.
 */
export function keyRotationFromByte(value: number): KeyRotation {
  if (value === 0 || value === 1 || value === 2) return value;
  throw new InvalidKeyRotationError(`${value} is not a valid encoding of a sphinx key rotation`);
}

/**
 * Maps a key-rotation id (u32, from the directory) to its parity: 0 and `u32::MAX` are Unknown,
 * even ids Even, odd ids Odd (`wire-format.md` §4.1).
 *
 * @example
 * ```ts
 * import { keyRotationFromId } from "./key_rotation.ts";
 * keyRotationFromId(7); // 1 (Odd)
 * keyRotationFromId(0); // 0 (Unknown)
 * ```
 * @throws {InvalidKeyRotationError} if `id` is not an integer in `[0, 2^32)`.
 */
export function keyRotationFromId(id: number): KeyRotation {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) {
    throw new InvalidKeyRotationError(`key rotation id ${id} is not a u32`);
  }
  if (id === 0 || id === 0xffff_ffff) return KeyRotation.Unknown;
  return id % 2 === 0 ? KeyRotation.Even : KeyRotation.Odd;
}
