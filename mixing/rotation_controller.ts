/**
 * Runs the Sphinx key lifecycle (`nym-node.md` §1.8): polls nym-api's rotation schedule, and
 * generates, promotes and retires keys as {@linkcode planRotation} says — writing key files so a
 * restart at any point loses nothing, keeping one replay filter per key, and handing every new
 * key set to the unwrap pool and to the signed host information.
 *
 * Key files are slots: `x25519_sphinx_primary` and `x25519_sphinx_secondary`, each holding its
 * rotation id. A swap copies the primary to `x25519_sphinx_primary.tmp` first, so an interrupted
 * swap is finished on the next start ({@linkcode recoverInterruptedSwap}).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import { encodePem } from "../crypto/pem.ts";
import { writeFileAtomic } from "../config/atomic_write.ts";
import type { Clock } from "../util/clock.ts";
import {
  encodeSphinxKeyBody,
  type KeyPaths,
  loadSphinxKey,
  type NodeKeys,
  PEM_TAGS,
  type SphinxKey,
} from "../node/keys.ts";
import type { NodeKeyStore } from "../node/context.ts";
import { nymApiEndpoint } from "../node/rotation.ts";
import {
  currentRotation,
  planRotation,
  type RotationAction,
  type RotationSchedule,
} from "./key_rotation.ts";

const log = getLogger(["nym-node", "key-rotation"]);

/** Thrown when nym-api's rotation info cannot be used. */
export class RotationScheduleError extends Error {
  override name = "RotationScheduleError";
}

/**
 * Parses nym-api's `GET /v1/epoch/key-rotation-info` (`nym-node.md` §6.5).
 *
 * @example
 * ```ts
 * import { parseRotationSchedule } from "./rotation_controller.ts";
 * parseRotationSchedule({
 *   key_rotation_state: { validity_epochs: 24, initial_epoch_id: 0 },
 *   current_absolute_epoch_id: 5, current_epoch_start: "2026-01-01T05:00:00Z",
 *   epoch_duration: { secs: 3600, nanos: 0 },
 * }).currentEpochId; // 5
 * ```
 */
export function parseRotationSchedule(body: unknown): RotationSchedule {
  const b = body as Record<string, unknown> | null;
  const state = b?.key_rotation_state as Record<string, unknown> | undefined;
  const duration = b?.epoch_duration as Record<string, unknown> | undefined;
  const validity = state?.validity_epochs;
  const initial = state?.initial_epoch_id;
  const epoch = b?.current_absolute_epoch_id;
  const start = Date.parse(String(b?.current_epoch_start));
  const secs = duration?.secs, nanos = duration?.nanos ?? 0;
  const ints = [validity, initial, epoch, secs, nanos];
  if (!ints.every((v) => typeof v === "number" && Number.isInteger(v) && v >= 0)) {
    throw new RotationScheduleError("key-rotation-info is missing integer fields");
  }
  if ((validity as number) < 1) {
    throw new RotationScheduleError("validity_epochs must be at least 1");
  }
  if (!Number.isFinite(start)) {
    throw new RotationScheduleError("current_epoch_start is not an RFC 3339 time");
  }
  const epochDurationMs = (secs as number) * 1000 + Math.floor((nanos as number) / 1e6);
  if (epochDurationMs < 1) throw new RotationScheduleError("epoch_duration must be positive");
  return {
    validityEpochs: validity as number,
    initialEpochId: initial as number,
    currentEpochId: epoch as number,
    currentEpochStartMs: start,
    epochDurationMs,
  };
}

function tmpPath(paths: KeyPaths): string {
  return `${paths.primarySphinx}.tmp`;
}

async function writeSphinxKey(
  path: string,
  key: { rotationId: number; secretKey: Uint8Array },
): Promise<void> {
  await writeFileAtomic(
    path,
    encodePem(PEM_TAGS.sphinxPrivate, encodeSphinxKeyBody(key.rotationId, key.secretKey)),
    { mode: 0o600 },
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Finishes a swap interrupted by a crash (`x25519_sphinx_primary.tmp` left behind). Returns true
 * if anything was repaired. Call before loading the keys.
 *
 * @example
 * ```ts no-eval
 * await recoverInterruptedSwap(keyPathsFromConfig(config), crypto);
 * ```
 */
export async function recoverInterruptedSwap(
  paths: KeyPaths,
  crypto: CryptoProvider,
): Promise<boolean> {
  const tmp = tmpPath(paths);
  if (!await exists(tmp)) return false;
  const saved = await loadSphinxKey(tmp, crypto);
  const primary = await loadSphinxKey(paths.primarySphinx, crypto, true);
  if (saved && primary && primary.rotationId !== saved.rotationId) {
    // The new primary was written; the old one still has to become the secondary.
    await writeSphinxKey(paths.secondarySphinx, saved);
    log.warn("finished an interrupted key swap: rotation {old} is now the secondary key", {
      old: saved.rotationId,
    });
  }
  // Otherwise the swap never got past its backup; the files are still consistent.
  await Deno.remove(tmp);
  return true;
}

/** What the controller changes when keys move. */
export interface RotationHooks {
  /** A new rotation's key exists (create its replay filter). */
  keyAdded(key: SphinxKey): Promise<void>;
  /** A rotation's key was retired (drop its replay filter). */
  keyRemoved(rotationId: number): Promise<void>;
  /** The key set changed (hand it to the unwrap pool). */
  keysChanged(keys: NodeKeys["sphinx"]): void;
}

/** Options of {@linkcode RotationController}. */
export interface RotationControllerOptions {
  readonly nymApiUrls: readonly string[];
  readonly paths: KeyPaths;
  readonly keys: NodeKeyStore;
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  readonly clock: Clock;
  /** How often to re-read the schedule when nothing is due (nym-node: 4 h). */
  readonly pollIntervalMs: number;
  readonly hooks: RotationHooks;
  readonly fetch?: typeof fetch;
}

/** The key-rotation task. */
export class RotationController {
  readonly #o: RotationControllerOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #running: Promise<void> | null = null;
  /** Actions performed, for tests and logs. */
  readonly history: RotationAction["kind"][] = [];

  /**
   * Creates the controller; {@linkcode start} begins polling.
   *
   * @example
   * ```ts no-eval
   * const controller = new RotationController({ nymApiUrls, paths, keys: ctx.keys, crypto, random, clock,
   *   pollIntervalMs: 4 * 3600_000, hooks });
   * controller.start();
   * ```
   */
  constructor(options: RotationControllerOptions) {
    this.#o = options;
  }

  /** Starts the loop (first check at once). */
  start(): void {
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => this.#running = null);
    }, Math.max(0, ms));
  }

  async #fetchSchedule(): Promise<RotationSchedule | null> {
    const doFetch = this.#o.fetch ?? fetch;
    for (const base of this.#o.nymApiUrls) {
      try {
        const response = await doFetch(nymApiEndpoint(base, "v1/epoch/key-rotation-info"), {
          signal: AbortSignal.timeout(5000),
        });
        if (!response.ok) throw new Error(`answered ${response.status}`);
        return parseRotationSchedule(await response.json());
      } catch (e) {
        log.warn("cannot read the key rotation schedule from {api}: {error}", {
          api: base,
          error: (e as Error).message,
        });
      }
    }
    return null;
  }

  /** One round: read the schedule, do whatever is due, and sleep until the next thing. */
  async #tick(): Promise<void> {
    const schedule = await this.#fetchSchedule();
    if (!schedule) {
      // nym-node waits 240 s when nym-api is unreachable.
      this.#schedule(Math.min(240_000, this.#o.pollIntervalMs));
      return;
    }
    const now = this.#o.clock.now();
    // Bring the schedule to the present: epochs may have passed since it was reported.
    const elapsed = Math.max(
      0,
      Math.floor((now - schedule.currentEpochStartMs) / schedule.epochDurationMs),
    );
    const present: RotationSchedule = {
      ...schedule,
      currentEpochId: schedule.currentEpochId + elapsed,
      currentEpochStartMs: schedule.currentEpochStartMs + elapsed * schedule.epochDurationMs,
    };
    for (let steps = 0; steps < 5 && !this.#stopped; steps++) {
      const held = this.#o.keys.current.sphinx;
      const action = planRotation(
        { primary: held.primary.rotationId, secondary: held.secondary?.rotationId ?? null },
        present,
      );
      if (action.atMs > now) {
        // Wake for the action, but re-read the schedule at least every poll interval.
        this.#schedule(Math.min(action.atMs - now, this.#o.pollIntervalMs));
        return;
      }
      await this.#perform(action, currentRotation(present));
    }
    this.#schedule(this.#o.pollIntervalMs);
  }

  async #perform(action: RotationAction, current: number): Promise<void> {
    const { paths, keys, hooks } = this.#o;
    const held = keys.current.sphinx;
    this.history.push(action.kind);
    if (action.kind === "generate") {
      const secretKey = this.#o.random(32);
      const key: SphinxKey = {
        rotationId: action.rotation,
        secretKey,
        publicKey: this.#o.crypto.x25519Base(secretKey),
      };
      await hooks.keyAdded(key);
      await writeSphinxKey(paths.secondarySphinx, key);
      if (held.secondary) await hooks.keyRemoved(held.secondary.rotationId);
      this.#apply({ primary: held.primary, secondary: key });
      log.info("generated the sphinx key of rotation {rotation} (current rotation {current})", {
        rotation: action.rotation,
        current,
      });
    } else if (action.kind === "swap" && held.secondary) {
      await writeSphinxKey(tmpPath(paths), held.primary);
      await writeSphinxKey(paths.primarySphinx, held.secondary);
      await writeSphinxKey(paths.secondarySphinx, held.primary);
      await Deno.remove(tmpPath(paths));
      this.#apply({ primary: held.secondary, secondary: held.primary });
      log.info("rotation {rotation} key is now primary (rotation {old} kept for the overlap)", {
        rotation: held.secondary.rotationId,
        old: held.primary.rotationId,
      });
    } else if (action.kind === "purge" && held.secondary) {
      await Deno.remove(paths.secondarySphinx).catch(() => {});
      await hooks.keyRemoved(held.secondary.rotationId);
      this.#apply({ primary: held.primary, secondary: null });
      log.info("retired the sphinx key of rotation {rotation}", {
        rotation: held.secondary.rotationId,
      });
    }
  }

  #apply(sphinx: NodeKeys["sphinx"]): void {
    this.#o.keys.replace({ ...this.#o.keys.current, sphinx });
    this.#o.hooks.keysChanged(sphinx);
  }

  /** Stops the loop (waits for an action in progress). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
