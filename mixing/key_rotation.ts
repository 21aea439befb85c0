/**
 * When to generate, promote and retire Sphinx keys (`nym-node.md` §1.8). Pure: given the keys
 * the node holds and the network's rotation schedule, {@linkcode planRotation} says what to do
 * next and when.
 *
 * A rotation r spans epochs `[initial + r·validity, initial + (r+1)·validity)`. The node keeps
 * at most two keys: the primary, and a secondary that is either the next rotation's key
 * (pre-announced one epoch ahead) or the previous one's (kept one epoch after the switch).
 *
 * @module
 */

/** The network's key-rotation schedule, from nym-api's `key-rotation-info`. */
export interface RotationSchedule {
  readonly validityEpochs: number;
  readonly initialEpochId: number;
  readonly currentEpochId: number;
  /** Unix ms when the current epoch started. */
  readonly currentEpochStartMs: number;
  readonly epochDurationMs: number;
}

/** Rotation ids of the keys the node holds. */
export interface HeldKeys {
  readonly primary: number;
  readonly secondary: number | null;
}

/** What to do next. */
export type RotationAction =
  /** Create a key for `rotation` as the secondary (then plan again). */
  | { readonly kind: "generate"; readonly rotation: number; readonly atMs: number }
  /** Make the secondary the primary and the old primary the secondary. */
  | { readonly kind: "swap"; readonly atMs: number }
  /** Delete the secondary key (and its replay filter). */
  | { readonly kind: "purge"; readonly atMs: number };

/** Legacy nodes publish `u32::MAX`: a key that never rotates. */
export const NON_ROTATING = 0xffff_ffff;

/**
 * The rotation an epoch belongs to.
 *
 * @example
 * ```ts
 * import { rotationOfEpoch } from "./key_rotation.ts";
 * rotationOfEpoch({ validityEpochs: 24, initialEpochId: 100, currentEpochId: 0, currentEpochStartMs: 0, epochDurationMs: 1 }, 150); // 2
 * ```
 */
export function rotationOfEpoch(s: RotationSchedule, epoch: number): number {
  return Math.max(0, Math.floor((epoch - s.initialEpochId) / s.validityEpochs));
}

/** The first epoch of a rotation. */
export function rotationStartEpoch(s: RotationSchedule, rotation: number): number {
  return s.initialEpochId + rotation * s.validityEpochs;
}

/** Unix ms when `epoch` starts (extrapolated from the current epoch). */
export function epochStartMs(s: RotationSchedule, epoch: number): number {
  return s.currentEpochStartMs + (epoch - s.currentEpochId) * s.epochDurationMs;
}

/** The rotation in force now. */
export function currentRotation(s: RotationSchedule): number {
  return rotationOfEpoch(s, s.currentEpochId);
}

/**
 * Decides the next key action (`nym-node.md` §1.8). Returns the action and when to run it; a
 * time in the past means "now". The caller re-plans after every action and whenever the
 * schedule changes.
 *
 * @example
 * ```ts
 * import { planRotation } from "./key_rotation.ts";
 * const s = { validityEpochs: 24, initialEpochId: 0, currentEpochId: 10, currentEpochStartMs: 0, epochDurationMs: 3_600_000 };
 * planRotation({ primary: 0, secondary: null }, s); // pre-announce rotation 1 at the start of epoch 23
 * ```
 */
export function planRotation(keys: HeldKeys, s: RotationSchedule): RotationAction {
  const r = currentRotation(s);
  const now = s.currentEpochStartMs;
  if (keys.primary === NON_ROTATING) {
    // A legacy key: replace it with a rotating one at once.
    return keys.secondary === null
      ? { kind: "generate", rotation: r, atMs: now }
      : { kind: "swap", atMs: now };
  }
  if (keys.secondary === null) {
    if (keys.primary !== r) {
      // Stale (or future) primary: get a key for the current rotation and switch to it.
      return { kind: "generate", rotation: r, atMs: now };
    }
    const next = rotationStartEpoch(s, r + 1);
    return { kind: "generate", rotation: r + 1, atMs: epochStartMs(s, next - 1) };
  }
  const secondary = keys.secondary;
  // The secondary is current but the primary is not (a missed swap, or one made early): swap now.
  if (keys.primary !== r && secondary === r) return { kind: "swap", atMs: now };
  if (keys.primary === r && secondary === r + 1) {
    return { kind: "swap", atMs: epochStartMs(s, rotationStartEpoch(s, r + 1)) };
  }
  if (keys.primary === r && secondary === r - 1) {
    return { kind: "purge", atMs: epochStartMs(s, rotationStartEpoch(s, r) + 1) };
  }
  if (keys.primary === r) return { kind: "purge", atMs: now }; // a stale secondary
  // The primary is neither current nor next: promote the secondary if it helps, else start over.
  return secondary === r ? { kind: "swap", atMs: now } : { kind: "purge", atMs: now };
}
