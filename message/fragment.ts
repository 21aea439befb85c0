/**
 * Fragments and fragment identifiers (`wire-format.md` §8, §9.1, upstream
 * `common/nymsphinx/chunking/src/fragment.rs`).
 *
 * ```text
 * unlinked (7):  (set_id | 0x80000000) u32 BE ‖ total (1) ‖ current (1) ‖ 0x00
 * linked  (10):  (set_id | 0x80000000) u32 BE ‖ total (1) ‖ current (1) ‖ (linked_id | 0x80000000) u32 BE
 * ```
 *
 * The linked id is the previous set when `current == 1`, or the next set when
 * `total == current == 255`; a link anywhere else is malformed.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { InvalidFragmentIdentifierError, MalformedFragmentError } from "./errors.ts";

/** Header length of a fragment without a set link. */
export const UNLINKED_FRAGMENT_HEADER_LENGTH = 7;
/** Header length of a fragment carrying a previous or next set id. */
export const LINKED_FRAGMENT_HEADER_LENGTH = 10;
/** Largest set id (31 bits; the top bit of the field is the "fragmented" flag). */
export const MAX_SET_ID = 0x7fff_ffff;
/** Most fragments in one set. */
export const MAX_FRAGMENTS_PER_SET = 255;
/** Length of a serialized fragment identifier. */
export const FRAGMENT_IDENTIFIER_LENGTH = 5;

const FLAG = 0x8000_0000;

/** The metadata in front of every fragment payload. */
export interface FragmentHeader {
  /** Set id, 1..2^31−1. */
  readonly setId: number;
  /** Fragments in this set, 1..255. */
  readonly totalFragments: number;
  /** This fragment's position, 1..totalFragments. */
  readonly currentFragment: number;
  /** Set preceding this one (only on fragment 1 of a non-first set). */
  readonly previousSetId: number | null;
  /** Set following this one (only on fragment 255 of a full, non-last set). */
  readonly nextSetId: number | null;
}

/** A fragment: header and a slice of the padded message. */
export interface Fragment extends FragmentHeader {
  readonly payload: Uint8Array;
}

/** What SURB-acks identify: a set id and a 1-based position. */
export interface FragmentIdentifier {
  readonly setId: number;
  readonly position: number;
}

/**
 * The identifier loop cover traffic carries in its SURB-ack: `00 00 00 00 00`.
 *
 * @example
 * ```ts
 * import { COVER_FRAGMENT_IDENTIFIER, encodeFragmentIdentifier } from "./fragment.ts";
 * encodeFragmentIdentifier(COVER_FRAGMENT_IDENTIFIER); // Uint8Array [0, 0, 0, 0, 0]
 * ```
 */
export const COVER_FRAGMENT_IDENTIFIER: FragmentIdentifier = Object.freeze({
  setId: 0,
  position: 0,
});

function isSetId(v: number): boolean {
  return Number.isInteger(v) && v >= 1 && v <= MAX_SET_ID;
}

/**
 * Checks the rules of upstream `FragmentHeader::try_new` plus what the wire form can carry:
 * at most one link, a previous link only on fragment 1, a next link only on fragment 255 of 255.
 *
 * @example
 * ```ts
 * import { validateFragmentHeader } from "./fragment.ts";
 * validateFragmentHeader({ setId: 5, totalFragments: 2, currentFragment: 1, previousSetId: 9, nextSetId: null });
 * ```
 * @throws {MalformedFragmentError} if any rule is broken.
 */
export function validateFragmentHeader(header: FragmentHeader): void {
  const { setId, totalFragments: total, currentFragment: current } = header;
  if (!isSetId(setId)) throw new MalformedFragmentError(`set id ${setId} is out of range`);
  if (!Number.isInteger(total) || total < 1 || total > MAX_FRAGMENTS_PER_SET) {
    throw new MalformedFragmentError(`total fragments ${total} is out of range`);
  }
  if (!Number.isInteger(current) || current < 1 || current > total) {
    throw new MalformedFragmentError(`fragment ${current} of ${total} is out of range`);
  }
  const { previousSetId: previous, nextSetId: next } = header;
  if (previous !== null && next !== null) {
    throw new MalformedFragmentError("a fragment can carry only one set link");
  }
  if (previous !== null && (!isSetId(previous) || current !== 1 || previous === setId)) {
    throw new MalformedFragmentError("invalid previous set link");
  }
  if (
    next !== null &&
    (!isSetId(next) || current !== MAX_FRAGMENTS_PER_SET || total !== MAX_FRAGMENTS_PER_SET ||
      next === setId)
  ) {
    throw new MalformedFragmentError("invalid next set link");
  }
}

/**
 * 7 for an unlinked header, 10 for a linked one.
 *
 * @example
 * ```ts
 * import { fragmentHeaderLength } from "./fragment.ts";
 * fragmentHeaderLength({ setId: 1, totalFragments: 1, currentFragment: 1, previousSetId: null, nextSetId: null }); // 7
 * ```
 */
export function fragmentHeaderLength(header: FragmentHeader): number {
  return header.previousSetId !== null || header.nextSetId !== null
    ? LINKED_FRAGMENT_HEADER_LENGTH
    : UNLINKED_FRAGMENT_HEADER_LENGTH;
}

/**
 * Serialized length of a fragment: header + payload.
 *
 * @example
 * ```ts
 * import { fragmentLength } from "./fragment.ts";
 * fragmentLength({ setId: 1, totalFragments: 1, currentFragment: 1, previousSetId: null, nextSetId: null, payload: new Uint8Array(3) }); // 10
 * ```
 */
export function fragmentLength(fragment: Fragment): number {
  return fragmentHeaderLength(fragment) + fragment.payload.length;
}

/**
 * Writes `header ‖ payload` into `target` at `offset`; returns the bytes written.
 *
 * @example
 * ```ts
 * import { writeFragment } from "./fragment.ts";
 * const out = new Uint8Array(16);
 * writeFragment(out, 0, { setId: 1, totalFragments: 1, currentFragment: 1, previousSetId: null, nextSetId: null, payload: new Uint8Array([9]) }); // 8
 * ```
 * @throws {MalformedFragmentError} for an invalid header or too little room.
 */
export function writeFragment(target: Uint8Array, offset: number, fragment: Fragment): number {
  validateFragmentHeader(fragment);
  const length = fragmentLength(fragment);
  if (offset < 0 || offset + length > target.length) {
    throw new MalformedFragmentError("no room for the fragment");
  }
  const id = (fragment.setId | FLAG) >>> 0;
  target[offset] = id >>> 24;
  target[offset + 1] = (id >>> 16) & 0xff;
  target[offset + 2] = (id >>> 8) & 0xff;
  target[offset + 3] = id & 0xff;
  target[offset + 4] = fragment.totalFragments;
  target[offset + 5] = fragment.currentFragment;
  const link = fragment.previousSetId ?? fragment.nextSetId;
  let headerLength = UNLINKED_FRAGMENT_HEADER_LENGTH;
  if (link === null) {
    target[offset + 6] = 0;
  } else {
    const linked = (link | FLAG) >>> 0;
    target[offset + 6] = linked >>> 24;
    target[offset + 7] = (linked >>> 16) & 0xff;
    target[offset + 8] = (linked >>> 8) & 0xff;
    target[offset + 9] = linked & 0xff;
    headerLength = LINKED_FRAGMENT_HEADER_LENGTH;
  }
  target.set(fragment.payload, offset + headerLength);
  return length;
}

/**
 * Serializes a fragment.
 *
 * @example
 * ```ts
 * import { encodeFragment } from "./fragment.ts";
 * encodeFragment({ setId: 1, totalFragments: 1, currentFragment: 1, previousSetId: null, nextSetId: null, payload: new Uint8Array([9]) });
 * // Uint8Array [0x80, 0, 0, 1, 1, 1, 0, 9]
 * ```
 * @throws {MalformedFragmentError} for an invalid header.
 */
export function encodeFragment(fragment: Fragment): Uint8Array {
  const out = new Uint8Array(fragmentLength(fragment));
  writeFragment(out, 0, fragment);
  return out;
}

/**
 * Parses a serialized fragment. The payload is a zero-copy view of `bytes` (everything after
 * the header: upstream has no way to check its length).
 *
 * @example
 * ```ts
 * import { decodeFragment } from "./fragment.ts";
 * decodeFragment(new Uint8Array([0x80, 0, 0, 1, 1, 1, 0, 9])).payload; // Uint8Array [9]
 * ```
 * @throws {MalformedFragmentError} for a short or inconsistent header.
 */
export function decodeFragment(bytes: Uint8Array): Fragment {
  if (bytes.length < UNLINKED_FRAGMENT_HEADER_LENGTH) {
    throw new MalformedFragmentError(
      `too few bytes (${bytes.length}) for a fragment header, expected at least 7`,
    );
  }
  if ((bytes[0] & 0x80) === 0) {
    throw new MalformedFragmentError("fragment header lacks the 'fragmented' flag");
  }
  const setId = ((bytes[0] & 0x7f) << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  const totalFragments = bytes[4];
  const currentFragment = bytes[5];
  let previousSetId: number | null = null;
  let nextSetId: number | null = null;
  let headerLength = UNLINKED_FRAGMENT_HEADER_LENGTH;
  if (bytes[6] !== 0) {
    if (bytes.length < LINKED_FRAGMENT_HEADER_LENGTH) {
      throw new MalformedFragmentError(
        `too few bytes (${bytes.length}) for a linked fragment header, expected at least 10`,
      );
    }
    if ((bytes[6] & 0x80) === 0) {
      throw new MalformedFragmentError("linked set id lacks its flag bit");
    }
    const linked = ((bytes[6] & 0x7f) << 24) | (bytes[7] << 16) | (bytes[8] << 8) | bytes[9];
    if (currentFragment === 1) {
      previousSetId = linked;
    } else if (
      currentFragment === MAX_FRAGMENTS_PER_SET && totalFragments === MAX_FRAGMENTS_PER_SET
    ) {
      nextSetId = linked;
    } else {
      throw new MalformedFragmentError(
        `fragment ${currentFragment} of ${totalFragments} cannot carry a set link`,
      );
    }
    headerLength = LINKED_FRAGMENT_HEADER_LENGTH;
  }
  const fragment: Fragment = {
    setId,
    totalFragments,
    currentFragment,
    previousSetId,
    nextSetId,
    payload: bytes.subarray(headerLength),
  };
  validateFragmentHeader(fragment);
  return fragment;
}

/**
 * A fragment's identifier (set id and position).
 *
 * @example
 * ```ts
 * import { fragmentIdentifier } from "./fragment.ts";
 * fragmentIdentifier({ setId: 7, totalFragments: 3, currentFragment: 2, previousSetId: null, nextSetId: null }); // { setId: 7, position: 2 }
 * ```
 */
export function fragmentIdentifier(header: FragmentHeader): FragmentIdentifier {
  return { setId: header.setId, position: header.currentFragment };
}

/**
 * Serializes an identifier: `set_id (i32 BE) ‖ position (u8)`, no flag bit.
 *
 * @example
 * ```ts
 * import { encodeFragmentIdentifier } from "./fragment.ts";
 * encodeFragmentIdentifier({ setId: 258, position: 3 }); // Uint8Array [0, 0, 1, 2, 3]
 * ```
 * @throws {InvalidFragmentIdentifierError} if `setId` is not in `[0, 2^31)` or `position` not a u8.
 */
export function encodeFragmentIdentifier(id: FragmentIdentifier): Uint8Array {
  if (!Number.isInteger(id.setId) || id.setId < 0 || id.setId > MAX_SET_ID) {
    throw new InvalidFragmentIdentifierError(`set id ${id.setId} is out of range`);
  }
  if (!Number.isInteger(id.position) || id.position < 0 || id.position > 255) {
    throw new InvalidFragmentIdentifierError(`position ${id.position} is not a u8`);
  }
  return new Uint8Array([
    id.setId >>> 24,
    (id.setId >>> 16) & 0xff,
    (id.setId >>> 8) & 0xff,
    id.setId & 0xff,
    id.position,
  ]);
}

/**
 * Parses a 5-byte identifier; a negative set id is rejected, as upstream does.
 *
 * @example
 * ```ts
 * import { decodeFragmentIdentifier } from "./fragment.ts";
 * decodeFragmentIdentifier(new Uint8Array([0, 0, 1, 2, 3])); // { setId: 258, position: 3 }
 * ```
 * @throws {InvalidFragmentIdentifierError} for another length or a negative set id.
 */
export function decodeFragmentIdentifier(bytes: Uint8Array): FragmentIdentifier {
  if (bytes.length !== FRAGMENT_IDENTIFIER_LENGTH) {
    throw new InvalidFragmentIdentifierError(
      `a fragment identifier is 5 bytes, got ${bytes.length}`,
    );
  }
  const setId = (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  if (setId < 0) {
    throw new InvalidFragmentIdentifierError(`fragment identifier has negative set id ${setId}`);
  }
  return { setId, position: bytes[4] };
}

/**
 * Whether `id` is the loop-cover identifier.
 *
 * @example
 * ```ts
 * import { isCoverFragmentIdentifier } from "./fragment.ts";
 * isCoverFragmentIdentifier({ setId: 0, position: 0 }); // true
 * ```
 */
export function isCoverFragmentIdentifier(id: FragmentIdentifier): boolean {
  return id.setId === 0 && id.position === 0;
}

/**
 * Draws a set id in `[1, 2^31 − 1]` like upstream: a random i32, re-drawn if 0 or `i32::MIN`,
 * then made positive.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../crypto/random.ts";
 * import { generateSetId } from "./fragment.ts";
 * const id = generateSetId(systemRandom); // 1 <= id <= 2147483647
 * ```
 */
export function generateSetId(random: RandomSource): number {
  for (;;) {
    const b = random(4);
    const v = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    if (v !== 0 && v !== -0x8000_0000) return Math.abs(v);
  }
}

/**
 * Upstream's `FragmentHeader::seed`: `set_id × total × current` with i32 wrapping, used for
 * deterministic route selection.
 *
 * @example
 * ```ts
 * import { fragmentSeed } from "./fragment.ts";
 * fragmentSeed({ setId: 10, totalFragments: 2, currentFragment: 3, previousSetId: null, nextSetId: null }); // 60
 * ```
 */
export function fragmentSeed(header: FragmentHeader): number {
  return Math.imul(Math.imul(header.setId, header.totalFragments), header.currentFragment);
}
