/**
 * Splitting a padded message into fragments, across linked sets when it needs more than 255
 * (`wire-format.md` §9.2, upstream `common/nymsphinx/chunking/src/{lib,set}.rs`).
 *
 * Every fragment but the message's last carries exactly `ppp` serialized bytes (`ppp` =
 * plaintext per packet, §9.1); with the padding of §10.2 the last one does too.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import { InvalidLengthError } from "./errors.ts";
import {
  type Fragment,
  generateSetId,
  LINKED_FRAGMENT_HEADER_LENGTH,
  MAX_FRAGMENTS_PER_SET,
  UNLINKED_FRAGMENT_HEADER_LENGTH,
} from "./fragment.ts";

function checkPpp(ppp: number): void {
  if (!Number.isInteger(ppp) || ppp <= LINKED_FRAGMENT_HEADER_LENGTH) {
    throw new InvalidLengthError(`plaintext per packet ${ppp} leaves no room for fragment data`);
  }
}

/**
 * Payload bytes an unlinked fragment carries: `ppp − 7`.
 *
 * @example
 * ```ts
 * import { unlinkedFragmentCapacity } from "./chunking.ts";
 * unlinkedFragmentCapacity(1611); // 1604
 * ```
 */
export function unlinkedFragmentCapacity(ppp: number): number {
  return ppp - UNLINKED_FRAGMENT_HEADER_LENGTH;
}

/**
 * Payload bytes a linked fragment carries: `ppp − 10`.
 *
 * @example
 * ```ts
 * import { linkedFragmentCapacity } from "./chunking.ts";
 * linkedFragmentCapacity(1611); // 1601
 * ```
 */
export function linkedFragmentCapacity(ppp: number): number {
  return ppp - LINKED_FRAGMENT_HEADER_LENGTH;
}

/**
 * Most bytes a single, unlinked set holds: `255 · (ppp − 7)`.
 *
 * @example
 * ```ts
 * import { maxUnlinkedSetLength } from "./chunking.ts";
 * maxUnlinkedSetLength(1611); // 409020
 * ```
 */
export function maxUnlinkedSetLength(ppp: number): number {
  return MAX_FRAGMENTS_PER_SET * unlinkedFragmentCapacity(ppp);
}

/**
 * Bytes of a set linked on one side only (the first set exactly; the last set at most).
 *
 * @example
 * ```ts
 * import { oneWayLinkedSetLength } from "./chunking.ts";
 * oneWayLinkedSetLength(1611); // 409017
 * ```
 */
export function oneWayLinkedSetLength(ppp: number): number {
  return maxUnlinkedSetLength(ppp) -
    (LINKED_FRAGMENT_HEADER_LENGTH - UNLINKED_FRAGMENT_HEADER_LENGTH);
}

/**
 * Bytes of a set linked on both sides (every middle set holds exactly this).
 *
 * @example
 * ```ts
 * import { twoWayLinkedSetLength } from "./chunking.ts";
 * twoWayLinkedSetLength(1611); // 409014
 * ```
 */
export function twoWayLinkedSetLength(ppp: number): number {
  return maxUnlinkedSetLength(ppp) -
    2 * (LINKED_FRAGMENT_HEADER_LENGTH - UNLINKED_FRAGMENT_HEADER_LENGTH);
}

/**
 * How many sets a message of `length` bytes is split into.
 *
 * @example
 * ```ts
 * import { numberOfSets } from "./chunking.ts";
 * numberOfSets(409020, 1611); // 1
 * numberOfSets(409021, 1611); // 2
 * ```
 * @throws {InvalidLengthError} if `ppp` is too small to carry data.
 */
export function numberOfSets(length: number, ppp: number): number {
  checkPpp(ppp);
  if (length <= maxUnlinkedSetLength(ppp)) return 1;
  const edge = oneWayLinkedSetLength(ppp);
  if (length <= 2 * edge) return 2;
  return 2 + Math.ceil((length - 2 * edge) / twoWayLinkedSetLength(ppp));
}

/** Result of {@linkcode numberOfRequiredFragments}. */
export interface RequiredFragments {
  /** Fragments the message is split into. */
  readonly fragments: number;
  /** Unused bytes in the last fragment (the zero padding of `wire-format.md` §10.2). */
  readonly leftover: number;
}

/**
 * Upstream `number_of_required_fragments`: the fragment count for a `length`-byte message and
 * the free space left in its last fragment.
 *
 * @example
 * ```ts
 * import { numberOfRequiredFragments } from "./chunking.ts";
 * numberOfRequiredFragments(1605, 1611); // { fragments: 2, leftover: 1603 }
 * ```
 * @throws {InvalidLengthError} if `ppp` is too small to carry data.
 */
export function numberOfRequiredFragments(length: number, ppp: number): RequiredFragments {
  const sets = numberOfSets(length, ppp);
  const u = unlinkedFragmentCapacity(ppp);
  const k = linkedFragmentCapacity(ppp);
  if (sets === 1) {
    if (length < u) return { fragments: 1, leftover: u - length };
    const rem = length % u;
    const full = Math.floor(length / u);
    return rem === 0
      ? { fragments: full, leftover: 0 }
      : { fragments: full + 1, leftover: u - rem };
  }
  // All sets before the last are full (255 fragments): the first has one linked fragment, the
  // middle ones two; the last set starts with one linked fragment.
  const beforeLast = (sets - 1) * MAX_FRAGMENTS_PER_SET;
  const linkedBeforeLast = 2 * sets - 3;
  const unlinkedBeforeLast = beforeLast - linkedBeforeLast;
  const lastLength = length - linkedBeforeLast * k - unlinkedBeforeLast * u;
  if (lastLength <= k) return { fragments: beforeLast + 1, leftover: k - lastLength };
  const tail = lastLength - k;
  const rem = tail % u;
  const full = Math.floor(tail / u);
  return rem === 0
    ? { fragments: beforeLast + 1 + full, leftover: 0 }
    : { fragments: beforeLast + 2 + full, leftover: u - rem };
}

function drawSetIds(random: RandomSource, count: number): number[] {
  const ids: number[] = [];
  const seen = new Set<number>();
  while (ids.length < count) {
    const id = generateSetId(random);
    // Upstream does not guard against collisions; a repeated id would corrupt reassembly.
    if (seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
  }
  return ids;
}

function fragment(
  setId: number,
  total: number,
  current: number,
  previousSetId: number | null,
  nextSetId: number | null,
  payload: Uint8Array,
): Fragment {
  return {
    setId,
    totalFragments: total,
    currentFragment: current,
    previousSetId,
    nextSetId,
    payload,
  };
}

/**
 * Splits `message` into sets of fragments. Set ids are drawn from `random` up front. Payloads
 * are zero-copy views of `message`.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../crypto/random.ts";
 * import { splitIntoSets } from "./chunking.ts";
 * const sets = splitIntoSets(new Uint8Array(500_000), 1611, systemRandom);
 * sets.length; // 2
 * sets[0].length; // 255
 * ```
 * @throws {InvalidLengthError} if `ppp` is too small to carry data.
 */
export function splitIntoSets(
  message: Uint8Array,
  ppp: number,
  random: RandomSource,
): Fragment[][] {
  const sets = numberOfSets(message.length, ppp);
  const u = unlinkedFragmentCapacity(ppp);
  const k = linkedFragmentCapacity(ppp);
  const ids = drawSetIds(random, sets);
  if (sets === 1) {
    const count = Math.max(1, Math.ceil(message.length / u));
    const out: Fragment[] = [];
    for (let i = 0; i < count; i++) {
      out.push(fragment(ids[0], count, i + 1, null, null, message.subarray(i * u, (i + 1) * u)));
    }
    return [out];
  }
  const result: Fragment[][] = [];
  let start = 0;
  for (let s = 0; s < sets; s++) {
    const previous = s > 0 ? ids[s - 1] : null;
    const next = s < sets - 1 ? ids[s + 1] : null;
    const out: Fragment[] = [];
    let offset = start;
    if (next !== null) {
      // A set followed by another is full: fragment 1 (linked back unless first), 253 unlinked
      // fragments, and fragment 255 linked forward.
      for (let i = 1; i <= MAX_FRAGMENTS_PER_SET; i++) {
        const linked = i === MAX_FRAGMENTS_PER_SET || (i === 1 && previous !== null);
        const take = linked ? k : u;
        out.push(
          fragment(
            ids[s],
            MAX_FRAGMENTS_PER_SET,
            i,
            i === 1 ? previous : null,
            i === MAX_FRAGMENTS_PER_SET ? next : null,
            message.subarray(offset, offset + take),
          ),
        );
        offset += take;
      }
    } else {
      // The last set: fragment 1 links back, the rest are unlinked, the final one may be short.
      const length = message.length - start;
      const count = 1 + Math.ceil(Math.max(0, length - k) / u);
      for (let i = 1; i <= count; i++) {
        const take = i === 1 ? k : u;
        const end = Math.min(message.length, offset + take);
        out.push(
          fragment(
            ids[s],
            count,
            i,
            i === 1 ? previous : null,
            null,
            message.subarray(offset, end),
          ),
        );
        offset = end;
      }
    }
    result.push(out);
    start = offset;
  }
  return result;
}

/**
 * {@linkcode splitIntoSets}, flattened into sending order.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../crypto/random.ts";
 * import { splitIntoFragments } from "./chunking.ts";
 * splitIntoFragments(new Uint8Array(3220), 1611, systemRandom).length; // 3 (3220 > 2 × 1604)
 * ```
 * @throws {InvalidLengthError} if `ppp` is too small to carry data.
 */
export function splitIntoFragments(
  message: Uint8Array,
  ppp: number,
  random: RandomSource,
): Fragment[] {
  return splitIntoSets(message, ppp, random).flat();
}
