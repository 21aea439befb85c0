/**
 * NymMessage serialisation (`wire-format.md` §10.1, upstream `common/nymsphinx/src/message.rs`
 * and `common/nymsphinx/anonymous-replies/src/requests/{mod,v1,v2}.rs`).
 *
 * ```text
 * NymMessage = type (u8: 0 plain, 1 repliable, 2 reply) ‖ body
 * plain      = message
 * repliable  = sender_tag (16) ‖ content_tag (u8) ‖ content
 *   V1 (tags 0 data, 1 additional SURBs, 2 heartbeat): num_surbs (u32 BE) ‖ surbs (1164 each) [‖ message]
 *   V2 (tags 3, 4, 5): num_surbs (u16 BE) ‖ num_hops (u8) ‖ key_rotation (u8) ‖ surbs [‖ message]
 * reply      = content_tag (u8: 0 data, 1 SURB request) ‖ content
 *   data = message (non-empty); SURB request = recipient (96) ‖ amount (u32 BE)
 * ```
 *
 * Decoding is zero-copy: messages and SURBs are views of the input.
 *
 * @module
 */
import { type KeyRotation, keyRotationFromByte } from "../framing/key_rotation.ts";
import { InvalidKeyRotationError } from "../framing/errors.ts";
import {
  MalformedMessageError,
  MalformedReplySurbError,
  UnknownMessageTypeError,
} from "./errors.ts";
import { decodeRecipient, type Recipient, RECIPIENT_LENGTH, writeRecipient } from "./recipient.ts";
import {
  replySurbFirstHop,
  V1_REPLY_SURB_LENGTH,
  v2ReplySurbHops,
  v2ReplySurbLength,
} from "./reply_surb.ts";
import { SENDER_TAG_LENGTH } from "./sender_tag.ts";

/**
 * NymMessage type bytes.
 *
 * @example
 * ```ts
 * import { NymMessageType } from "./nym_message.ts";
 * NymMessageType.Reply; // 2
 * ```
 */
export const NymMessageType = { Plain: 0, Repliable: 1, Reply: 2 } as const;

/**
 * Content tags of repliable messages.
 *
 * @example
 * ```ts
 * import { RepliableContentTag } from "./nym_message.ts";
 * RepliableContentTag.DataV2; // 3
 * ```
 */
export const RepliableContentTag = {
  DataV1: 0,
  AdditionalSurbsV1: 1,
  HeartbeatV1: 2,
  DataV2: 3,
  AdditionalSurbsV2: 4,
  HeartbeatV2: 5,
} as const;

/**
 * Content tags of reply messages.
 *
 * @example
 * ```ts
 * import { ReplyContentTag } from "./nym_message.ts";
 * ReplyContentTag.SurbRequest; // 1
 * ```
 */
export const ReplyContentTag = { Data: 0, SurbRequest: 1 } as const;

/** Reply SURBs attached to a repliable message, each `reply_key (16) ‖ SURB`. */
export interface ReplySurbList {
  /**
   * 1: legacy encoding (u32 count, 1164-byte SURBs with four 192-byte keys, version-258 headers);
   * 2: u16 count, hop count and key rotation, seed-based SURBs.
   */
  readonly version: 1 | 2;
  /** Rotation the SURBs were built for; V1 carries none (Unknown). */
  readonly keyRotation: KeyRotation;
  /** The SURBs, opaque. All V2 SURBs of a list have the same hop count. */
  readonly surbs: readonly Uint8Array[];
}

/** What a repliable message carries. */
export type RepliableContent =
  | { readonly kind: "data"; readonly replySurbs: ReplySurbList; readonly message: Uint8Array }
  | { readonly kind: "additionalSurbs"; readonly replySurbs: ReplySurbList }
  | { readonly kind: "heartbeat"; readonly replySurbs: ReplySurbList };

/** What a reply (sent with a SURB) carries. */
export type ReplyContent =
  | { readonly kind: "data"; readonly message: Uint8Array }
  | { readonly kind: "surbRequest"; readonly recipient: Recipient; readonly amount: number };

/** A Nym message before padding and fragmentation. */
export type NymMessage =
  | { readonly kind: "plain"; readonly message: Uint8Array }
  | {
    readonly kind: "repliable";
    /** 16-byte anonymous sender tag. */
    readonly senderTag: Uint8Array;
    readonly content: RepliableContent;
  }
  | { readonly kind: "reply"; readonly content: ReplyContent };

const V1_HEADER = 4;
const V2_HEADER = 4;

function repliableTag(content: RepliableContent): number {
  const v2 = content.replySurbs.version === 2 ? 3 : 0;
  switch (content.kind) {
    case "data":
      return v2 + 0;
    case "additionalSurbs":
      return v2 + 1;
    case "heartbeat":
      return v2 + 2;
  }
}

/** Checks a SURB list for encoding; returns its serialized length. */
function surbListLength(list: ReplySurbList): number {
  const { surbs } = list;
  if (list.version === 1) {
    if (surbs.length > 0xffff_ffff) throw new MalformedMessageError("too many reply SURBs");
    for (const s of surbs) {
      if (s.length !== V1_REPLY_SURB_LENGTH) {
        throw new MalformedReplySurbError(
          `a V1 reply SURB is ${V1_REPLY_SURB_LENGTH} bytes, got ${s.length}`,
        );
      }
    }
    return V1_HEADER + surbs.length * V1_REPLY_SURB_LENGTH;
  }
  if (list.version !== 2) {
    throw new MalformedMessageError(`reply SURB encoding version ${list.version} is unknown`);
  }
  if (surbs.length > 0xffff) {
    throw new MalformedMessageError(`${surbs.length} reply SURBs do not fit a V2 list (max 65535)`);
  }
  keyRotationFromByteChecked(list.keyRotation);
  if (surbs.length === 0) return V2_HEADER;
  const length = surbs[0].length;
  if (v2ReplySurbHops(length) === undefined) {
    throw new MalformedReplySurbError(`${length} bytes is not a V2 reply SURB length`);
  }
  for (const s of surbs) {
    if (s.length !== length) {
      throw new MalformedReplySurbError("all V2 reply SURBs of a message must have the same hops");
    }
  }
  return V2_HEADER + surbs.length * length;
}

function keyRotationFromByteChecked(value: number): KeyRotation {
  try {
    return keyRotationFromByte(value);
  } catch (e) {
    if (e instanceof InvalidKeyRotationError) throw new MalformedMessageError(e.message);
    throw e;
  }
}

function contentLength(message: NymMessage): number {
  switch (message.kind) {
    case "plain":
      return message.message.length;
    case "repliable": {
      const c = message.content;
      return SENDER_TAG_LENGTH + 1 + surbListLength(c.replySurbs) +
        (c.kind === "data" ? c.message.length : 0);
    }
    case "reply": {
      const c = message.content;
      if (c.kind === "data") {
        // Upstream cannot parse an empty reply back, so none is produced.
        if (c.message.length === 0) throw new MalformedMessageError("reply data must not be empty");
        return 1 + c.message.length;
      }
      return 1 + RECIPIENT_LENGTH + 4;
    }
    default:
      throw new MalformedMessageError("unknown NymMessage kind");
  }
}

/**
 * Serialized length of a message (type byte included), validating it like
 * {@linkcode encodeNymMessage}.
 *
 * @example
 * ```ts
 * import { nymMessageLength } from "./nym_message.ts";
 * nymMessageLength({ kind: "plain", message: new Uint8Array(10) }); // 11
 * ```
 * @throws {MalformedMessageError} | {MalformedReplySurbError} for an unrepresentable message.
 */
export function nymMessageLength(message: NymMessage): number {
  if (message.kind === "repliable" && message.senderTag.length !== SENDER_TAG_LENGTH) {
    throw new MalformedMessageError(`a sender tag is 16 bytes, got ${message.senderTag.length}`);
  }
  return 1 + contentLength(message);
}

function writeSurbList(
  out: Uint8Array,
  view: DataView,
  offset: number,
  list: ReplySurbList,
): number {
  const { surbs } = list;
  if (list.version === 1) {
    view.setUint32(offset, surbs.length);
    offset += 4;
  } else {
    view.setUint16(offset, surbs.length);
    out[offset + 2] = surbs.length === 0 ? 0 : v2ReplySurbHops(surbs[0].length)!;
    out[offset + 3] = list.keyRotation;
    offset += 4;
  }
  for (const s of surbs) {
    out.set(s, offset);
    offset += s.length;
  }
  return offset;
}

/**
 * Writes a message at `offset` of `out`, which must have room for
 * {@linkcode nymMessageLength} bytes; returns the end offset.
 *
 * @example
 * ```ts
 * import { nymMessageLength, writeNymMessage } from "./nym_message.ts";
 * const m = { kind: "plain", message: new Uint8Array([1, 2]) } as const;
 * const out = new Uint8Array(nymMessageLength(m));
 * writeNymMessage(out, 0, m); // 3
 * ```
 * @throws {MalformedMessageError} | {MalformedReplySurbError} for an unrepresentable message.
 */
export function writeNymMessage(out: Uint8Array, offset: number, message: NymMessage): number {
  const length = nymMessageLength(message);
  if (offset < 0 || offset + length > out.length) {
    throw new MalformedMessageError("no room for the message");
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  switch (message.kind) {
    case "plain":
      out[offset] = NymMessageType.Plain;
      out.set(message.message, offset + 1);
      return offset + length;
    case "repliable": {
      out[offset] = NymMessageType.Repliable;
      out.set(message.senderTag, offset + 1);
      out[offset + 1 + SENDER_TAG_LENGTH] = repliableTag(message.content);
      let at = writeSurbList(out, view, offset + 2 + SENDER_TAG_LENGTH, message.content.replySurbs);
      if (message.content.kind === "data") {
        out.set(message.content.message, at);
        at += message.content.message.length;
      }
      return at;
    }
    case "reply": {
      out[offset] = NymMessageType.Reply;
      const c = message.content;
      if (c.kind === "data") {
        out[offset + 1] = ReplyContentTag.Data;
        out.set(c.message, offset + 2);
      } else {
        if (!Number.isInteger(c.amount) || c.amount < 0 || c.amount > 0xffff_ffff) {
          throw new MalformedMessageError(`SURB request amount ${c.amount} is not a u32`);
        }
        out[offset + 1] = ReplyContentTag.SurbRequest;
        writeRecipient(out, offset + 2, c.recipient);
        view.setUint32(offset + 2 + RECIPIENT_LENGTH, c.amount);
      }
      return offset + length;
    }
  }
}

/**
 * Serialises a message.
 *
 * @example
 * ```ts
 * import { encodeNymMessage } from "./nym_message.ts";
 * encodeNymMessage({ kind: "reply", content: { kind: "data", message: new Uint8Array([9]) } });
 * // Uint8Array [2, 0, 9]
 * ```
 * @throws {MalformedMessageError} | {MalformedReplySurbError} | {InvalidRecipientError} for an
 * unrepresentable message (wrong SURB sizes, empty reply, bad sender tag…).
 */
export function encodeNymMessage(message: NymMessage): Uint8Array {
  const out = new Uint8Array(nymMessageLength(message));
  writeNymMessage(out, 0, message);
  return out;
}

function readSurbs(
  bytes: Uint8Array,
  offset: number,
  count: number,
  size: number,
): Uint8Array[] {
  if (bytes.length - offset < count * size) {
    throw new MalformedMessageError(
      `message declares ${count} reply SURBs of ${size} bytes but has only ${
        bytes.length - offset
      } bytes left`,
    );
  }
  const surbs: Uint8Array[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const surb = bytes.subarray(offset + i * size, offset + (i + 1) * size);
    // Upstream rejects a SURB whose first hop is not a socket address.
    replySurbFirstHop(surb);
    surbs[i] = surb;
  }
  return surbs;
}

function decodeRepliable(bytes: Uint8Array): NymMessage {
  if (bytes.length < 1 + SENDER_TAG_LENGTH + 1) {
    throw new MalformedMessageError("repliable message too short to deserialize");
  }
  const senderTag = bytes.subarray(1, 1 + SENDER_TAG_LENGTH);
  const tag = bytes[1 + SENDER_TAG_LENGTH];
  if (tag > RepliableContentTag.HeartbeatV2) {
    throw new UnknownMessageTypeError(
      tag,
      `${tag} is not a valid content tag for a repliable message`,
    );
  }
  const start = 2 + SENDER_TAG_LENGTH;
  if (bytes.length === start) {
    throw new MalformedMessageError("repliable message has no content");
  }
  if (bytes.length - start < 4) {
    throw new MalformedMessageError("repliable message too short for its SURB count");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let replySurbs: ReplySurbList;
  let end: number;
  if (tag <= RepliableContentTag.HeartbeatV1) {
    const count = view.getUint32(start);
    const surbs = readSurbs(bytes, start + 4, count, V1_REPLY_SURB_LENGTH);
    replySurbs = { version: 1, keyRotation: 0, surbs };
    end = start + 4 + count * V1_REPLY_SURB_LENGTH;
  } else {
    const count = view.getUint16(start);
    const hops = bytes[start + 2];
    const keyRotation = keyRotationFromByteChecked(bytes[start + 3]);
    if (count > 0 && (hops < 1 || hops > 5)) {
      // Sphinx cannot parse SURBs for 0 or more than 5 hops.
      throw new MalformedReplySurbError(`V2 reply SURBs cannot have ${hops} hops`);
    }
    const size = v2ReplySurbLength(hops);
    const surbs = readSurbs(bytes, start + 4, count, size);
    replySurbs = { version: 2, keyRotation, surbs };
    end = start + 4 + count * size;
  }
  switch (tag % 3) {
    case 0:
      return {
        kind: "repliable",
        senderTag,
        content: { kind: "data", replySurbs, message: bytes.subarray(end) },
      };
    case 1:
      // Trailing bytes after SURB-only contents are tolerated (upstream logs them).
      return { kind: "repliable", senderTag, content: { kind: "additionalSurbs", replySurbs } };
    default:
      return { kind: "repliable", senderTag, content: { kind: "heartbeat", replySurbs } };
  }
}

function decodeReply(bytes: Uint8Array): NymMessage {
  if (bytes.length < 2) throw new MalformedMessageError("reply message too short to deserialize");
  const tag = bytes[1];
  if (tag > ReplyContentTag.SurbRequest) {
    throw new UnknownMessageTypeError(tag, `${tag} is not a valid content tag for a reply message`);
  }
  const content = bytes.subarray(2);
  if (content.length === 0) throw new MalformedMessageError("reply message has no content");
  if (tag === ReplyContentTag.Data) {
    return { kind: "reply", content: { kind: "data", message: content } };
  }
  if (content.length !== RECIPIENT_LENGTH + 4) {
    throw new MalformedMessageError(
      `a SURB request is ${RECIPIENT_LENGTH + 4} bytes, got ${content.length}`,
    );
  }
  const recipient = decodeRecipient(content.subarray(0, RECIPIENT_LENGTH));
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  return {
    kind: "reply",
    content: { kind: "surbRequest", recipient, amount: view.getUint32(RECIPIENT_LENGTH) },
  };
}

/**
 * Parses a message (the unpadded bytes of a reassembled message). Message bodies and SURBs are
 * zero-copy views of `bytes`.
 *
 * @example
 * ```ts
 * import { decodeNymMessage } from "./nym_message.ts";
 * decodeNymMessage(new Uint8Array([0, 104, 105])); // { kind: "plain", message: Uint8Array [104, 105] }
 * ```
 * @throws {MalformedMessageError} | {UnknownMessageTypeError} | {MalformedReplySurbError} |
 * {InvalidRecipientError} for bad bytes.
 */
export function decodeNymMessage(bytes: Uint8Array): NymMessage {
  if (bytes.length === 0) throw new MalformedMessageError("received empty message");
  switch (bytes[0]) {
    case NymMessageType.Plain:
      return { kind: "plain", message: bytes.subarray(1) };
    case NymMessageType.Repliable:
      return decodeRepliable(bytes);
    case NymMessageType.Reply:
      return decodeReply(bytes);
    default:
      throw new UnknownMessageTypeError(
        bytes[0],
        `${bytes[0]} is not a valid type tag for a NymMessage`,
      );
  }
}

/**
 * Upstream `into_inner_data`: the application data of a message, or an empty array for
 * SURB-only messages and SURB requests.
 *
 * @example
 * ```ts
 * import { nymMessageData } from "./nym_message.ts";
 * nymMessageData({ kind: "plain", message: new Uint8Array([1]) }); // Uint8Array [1]
 * ```
 */
export function nymMessageData(message: NymMessage): Uint8Array {
  switch (message.kind) {
    case "plain":
      return message.message;
    case "repliable":
      return message.content.kind === "data" ? message.content.message : new Uint8Array(0);
    case "reply":
      return message.content.kind === "data" ? message.content.message : new Uint8Array(0);
  }
}
