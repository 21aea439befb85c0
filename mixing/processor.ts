/**
 * The per-packet decision of a mixnet node (`nym-node.md` §3.4): pick the Sphinx key from the
 * frame's rotation hint, verify the header MAC, check the replay filter, unwrap, and classify.
 *
 * Pure and synchronous so it runs unchanged on the main thread or in an unwrap worker. It never
 * throws on untrusted input: every failure is a `drop` outcome with a reason the caller counts.
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import {
  beginUnwrap,
  finishUnwrap,
  HeaderIntegrityError,
  type PartialUnwrap,
  SphinxError,
} from "../sphinx/mod.ts";
import type { ReplayFilter } from "./replay_filter.ts";

/** Frame key-rotation hint: 0 unknown (v7 frames), 1 odd rotation, 2 even rotation. */
export type KeyRotationHint = 0 | 1 | 2;

/** One Sphinx key the node can unwrap with. */
export interface SphinxKeyEntry {
  readonly rotationId: number;
  /** 32-byte X25519 secret. */
  readonly secretKey: Uint8Array;
  /** Replay filter of this rotation; `null` when replay protection is disabled. */
  readonly filter: ReplayFilter | null;
}

/** The node's current keys: primary, plus the pre-announced or overlap key during transitions. */
export interface NodeKeySet {
  readonly primary: SphinxKeyEntry;
  readonly secondary?: SphinxKeyEntry;
}

/** Why a packet was dropped. */
export type DropReason =
  | "malformed" // header MAC, routing flag or length failure
  | "expired-key" // the frame names a rotation we hold no key for
  | "replayed";

/** What to do with a packet. */
export type MixOutcome =
  | {
    readonly kind: "forward";
    readonly rotationId: number;
    readonly version: number;
    readonly nextHopAddress: Uint8Array;
    readonly delayNanos: number;
    readonly packet: Uint8Array;
  }
  | {
    readonly kind: "final";
    readonly rotationId: number;
    readonly version: number;
    readonly destination: Uint8Array;
    readonly identifier: Uint8Array;
    /** The fully decrypted Sphinx payload (still padded; see `recoverPlaintext`). */
    readonly payload: Uint8Array;
  }
  | { readonly kind: "drop"; readonly reason: DropReason };

function parityMatches(rotationId: number, hint: KeyRotationHint): boolean {
  return hint === 1 ? rotationId % 2 === 1 : rotationId % 2 === 0;
}

/**
 * The keys to try for a frame, in order.
 *
 * @example
 * ```ts
 * import { candidateKeys } from "./processor.ts";
 * const primary = { rotationId: 4, secretKey: new Uint8Array(32), filter: null };
 * candidateKeys({ primary }, 1); // [] — no key of an odd rotation
 * ```
 */
export function candidateKeys(keys: NodeKeySet, hint: KeyRotationHint): SphinxKeyEntry[] {
  if (hint === 0) return keys.secondary ? [keys.primary, keys.secondary] : [keys.primary];
  if (parityMatches(keys.primary.rotationId, hint)) return [keys.primary];
  if (keys.secondary && parityMatches(keys.secondary.rotationId, hint)) return [keys.secondary];
  return [];
}

/**
 * Processes one Sphinx packet received in a frame.
 *
 * @example
 * ```ts no-eval
 * const outcome = processMixPacket(crypto, keys, frame.keyRotation, frame.packet);
 * if (outcome.kind === "drop") metrics.dropped(outcome.reason);
 * ```
 */
export function processMixPacket(
  crypto: CryptoProvider,
  keys: NodeKeySet,
  hint: KeyRotationHint,
  packet: Uint8Array,
  options: { inPlace?: boolean } = {},
): MixOutcome {
  const candidates = candidateKeys(keys, hint);
  if (candidates.length === 0) return { kind: "drop", reason: "expired-key" };
  let partial: PartialUnwrap | null = null;
  let used: SphinxKeyEntry | null = null;
  for (const key of candidates) {
    try {
      partial = beginUnwrap(crypto, packet, key.secretKey);
      used = key;
      break;
    } catch (e) {
      if (e instanceof HeaderIntegrityError) continue;
      if (e instanceof SphinxError) return { kind: "drop", reason: "malformed" };
      throw e;
    }
  }
  if (!partial || !used) return { kind: "drop", reason: "malformed" };
  // Nym quirk worth not copying: it counts replays as malformed. We keep them apart.
  if (used.filter && used.filter.checkAndSet(partial.replayTag)) {
    return { kind: "drop", reason: "replayed" };
  }
  let result;
  try {
    result = finishUnwrap(crypto, partial, { inPlace: options.inPlace });
  } catch (e) {
    if (e instanceof SphinxError) return { kind: "drop", reason: "malformed" };
    throw e;
  }
  if (result.kind === "forward") {
    return {
      kind: "forward",
      rotationId: used.rotationId,
      version: result.version,
      nextHopAddress: result.nextHopAddress,
      delayNanos: result.delayNanos,
      packet: result.packet,
    };
  }
  return {
    kind: "final",
    rotationId: used.rotationId,
    version: result.version,
    destination: result.destination,
    identifier: result.identifier,
    payload: result.payload,
  };
}
