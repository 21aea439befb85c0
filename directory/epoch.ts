/**
 * The directory's epochs and sphinx key rotations (`nym-node.md` §1.8, §6.5). Epoch `n` starts at
 * `start + n × duration`, so the absolute epoch id only grows with time and survives restarts;
 * the rotation id is `floor((epoch − initial_epoch_id) / validity_epochs)`, saturating at 0.
 *
 * @module
 */
import type { KeyRotationInfo } from "./api/models.ts";

/** Thrown for a schedule that cannot produce epochs. */
export class EpochScheduleError extends Error {
  override name = "EpochScheduleError";
}

/** How epochs and rotations are laid out in time. */
export interface EpochSchedule {
  /** Unix ms at which epoch 0 starts. */
  readonly startMs: number;
  /** Length of every epoch, ms (whole seconds or more are typical). */
  readonly epochDurationMs: number;
  /** Epochs a sphinx key stays valid (≥ 1; 0 crashes the real client). */
  readonly validityEpochs: number;
  /** The epoch at which rotation 0 starts. */
  readonly initialEpochId: number;
}

/** The epoch and rotation in force at one moment. */
export interface EpochState {
  /** Absolute epoch id (0 before the schedule starts). */
  readonly epochId: number;
  /** Unix ms at which this epoch started. */
  readonly epochStartMs: number;
  /** Unix ms at which the next epoch starts. */
  readonly epochEndMs: number;
  /** Current key-rotation id. */
  readonly rotationId: number;
  /** First epoch of the current rotation. */
  readonly rotationStartEpoch: number;
  /** Last epoch of the current rotation. */
  readonly rotationEndEpoch: number;
}

const U32_MAX = 0xffff_ffff;

/**
 * Checks a schedule, throwing {@linkcode EpochScheduleError}.
 *
 * @example
 * ```ts
 * import { validateSchedule } from "./epoch.ts";
 * validateSchedule({ startMs: 0, epochDurationMs: 60_000, validityEpochs: 24, initialEpochId: 0 });
 * ```
 */
export function validateSchedule(schedule: EpochSchedule): void {
  if (!Number.isFinite(schedule.startMs)) throw new EpochScheduleError("start is not a time");
  if (!Number.isInteger(schedule.epochDurationMs) || schedule.epochDurationMs < 1000) {
    throw new EpochScheduleError("the epoch duration must be at least 1s");
  }
  if (!Number.isInteger(schedule.validityEpochs) || schedule.validityEpochs < 1) {
    throw new EpochScheduleError("validity_epochs must be at least 1");
  }
  if (!Number.isInteger(schedule.initialEpochId) || schedule.initialEpochId < 0) {
    throw new EpochScheduleError("initial_epoch_id must be a non-negative integer");
  }
}

/**
 * The rotation id of `epochId`.
 *
 * @example
 * ```ts
 * import { rotationIdOf } from "./epoch.ts";
 * rotationIdOf(100, { validityEpochs: 24, initialEpochId: 0 }); // 4
 * rotationIdOf(3, { validityEpochs: 24, initialEpochId: 10 }); // 0
 * ```
 */
export function rotationIdOf(
  epochId: number,
  schedule: Pick<EpochSchedule, "validityEpochs" | "initialEpochId">,
): number {
  if (epochId <= schedule.initialEpochId) return 0;
  return Math.floor((epochId - schedule.initialEpochId) / schedule.validityEpochs);
}

/**
 * The epoch and rotation at `nowMs`.
 *
 * @example
 * ```ts
 * import { epochAt } from "./epoch.ts";
 * const s = { startMs: 0, epochDurationMs: 60_000, validityEpochs: 10, initialEpochId: 0 };
 * epochAt(s, 125_000).epochId; // 2
 * epochAt(s, 125_000).epochStartMs; // 120000
 * ```
 */
export function epochAt(schedule: EpochSchedule, nowMs: number): EpochState {
  const elapsed = Math.max(0, nowMs - schedule.startMs);
  const epochId = Math.min(U32_MAX, Math.floor(elapsed / schedule.epochDurationMs));
  const epochStartMs = schedule.startMs + epochId * schedule.epochDurationMs;
  const rotationId = rotationIdOf(epochId, schedule);
  const rotationStartEpoch = schedule.initialEpochId + rotationId * schedule.validityEpochs;
  return {
    epochId,
    epochStartMs,
    epochEndMs: epochStartMs + schedule.epochDurationMs,
    rotationId,
    rotationStartEpoch,
    rotationEndEpoch: rotationStartEpoch + schedule.validityEpochs - 1,
  };
}

/**
 * Formats Unix ms as RFC 3339 UTC, without fractional seconds when there are none.
 *
 * @example
 * ```ts
 * import { formatRfc3339 } from "./epoch.ts";
 * formatRfc3339(0); // "1970-01-01T00:00:00Z"
 * formatRfc3339(1500); // "1970-01-01T00:00:01.5Z"
 * ```
 */
export function formatRfc3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.000Z$/, "Z").replace(/(\.\d*?)0+Z$/, "$1Z");
}

/**
 * The `GET /v1/epoch/key-rotation-info` body at `nowMs` (`nym-node.md` §6.5).
 *
 * @example
 * ```ts
 * import { keyRotationInfo } from "./epoch.ts";
 * const s = { startMs: 0, epochDurationMs: 3_600_000, validityEpochs: 24, initialEpochId: 0 };
 * keyRotationInfo(s, 100 * 3_600_000).progress.current_key_rotation_id; // 4
 * ```
 */
export function keyRotationInfo(schedule: EpochSchedule, nowMs: number): KeyRotationInfo {
  const state = epochAt(schedule, nowMs);
  return {
    key_rotation_state: {
      validity_epochs: schedule.validityEpochs,
      initial_epoch_id: schedule.initialEpochId,
    },
    current_absolute_epoch_id: state.epochId,
    current_epoch_start: formatRfc3339(state.epochStartMs),
    epoch_duration: {
      secs: Math.floor(schedule.epochDurationMs / 1000),
      nanos: (schedule.epochDurationMs % 1000) * 1_000_000,
    },
    progress: {
      current_key_rotation_id: state.rotationId,
      current_rotation_starting_epoch: state.rotationStartEpoch,
      current_rotation_ending_epoch: state.rotationEndEpoch,
    },
  };
}
