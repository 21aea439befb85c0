/**
 * The native client's WebSocket API (`clients.md` §4), byte-exact with upstream
 * `clients/native/websocket-requests` (`requests.rs`, `responses.rs`, `text.rs`, `error.rs`):
 * requests and responses in their binary form (tag byte, big-endian integers, u64 length
 * prefixes) and their JSON text form. Pure; every decoder throws only
 * {@linkcode NativeApiError}, whose `message` is upstream's `"<kind description>:<detail>"`.
 *
 * Two upstream details the reference summary gets wrong and this codec follows:
 * - the JSON `laneQueueLength` response spells its count `queue_length` (the variant has no
 *   `rename_all`), not `queueLength`;
 * - a JSON `connectionId` of `0` is a real connection lane (only the binary form maps 0 to
 *   "none").
 *
 * Extensions (unknown to upstream, so old apps never see them unless they ask): the text
 * requests `closedConnection` and `getLaneQueueLength` (binary-only upstream) and `getStats`,
 * and the binary request tag `0x06` GetStats with response tag `0x04` Stats.
 *
 * @module
 */
import { readU64BE, writeU64BE } from "../../crypto/bytes.ts";
import {
  decodeRecipient,
  encodeRecipient,
  formatRecipient,
  formatSenderTag,
  MessageError,
  parseRecipient,
  parseSenderTag,
  type Recipient,
  RECIPIENT_LENGTH,
  SENDER_TAG_LENGTH,
} from "../../message/mod.ts";

/**
 * Error kinds (`error.rs`): 0x01–0x7F are request errors, 0x80–0xFE response errors.
 *
 * @example
 * ```ts
 * import { NativeErrorKind } from "./codec.ts";
 * NativeErrorKind.MalformedRequest; // 4
 * ```
 */
export const NativeErrorKind = {
  EmptyRequest: 0x01,
  TooShortRequest: 0x02,
  UnknownRequest: 0x03,
  MalformedRequest: 0x04,
  EmptyResponse: 0x80,
  TooShortResponse: 0x81,
  UnknownResponse: 0x82,
  MalformedResponse: 0x83,
  Other: 0xff,
} as const;
/** An error kind byte. */
export type NativeErrorKind = typeof NativeErrorKind[keyof typeof NativeErrorKind];

const KIND_DESCRIPTIONS: Record<NativeErrorKind, string> = {
  [NativeErrorKind.EmptyRequest]: "received request contained no data",
  [NativeErrorKind.TooShortRequest]: "received request did not contain enough data",
  [NativeErrorKind.UnknownRequest]: "unknown request type",
  [NativeErrorKind.MalformedRequest]: "malformed request",
  [NativeErrorKind.EmptyResponse]: "received response contained no data",
  [NativeErrorKind.TooShortResponse]: "received response did not contain enough data",
  [NativeErrorKind.UnknownResponse]: "unknown response type",
  [NativeErrorKind.MalformedResponse]: "malformed response",
  [NativeErrorKind.Other]: "other",
};

/**
 * Upstream's description of an error kind (`ErrorKind::as_str`).
 *
 * @example
 * ```ts
 * import { describeNativeErrorKind } from "./codec.ts";
 * describeNativeErrorKind(4); // "malformed request"
 * ```
 */
export function describeNativeErrorKind(kind: NativeErrorKind): string {
  return KIND_DESCRIPTIONS[kind];
}

function isErrorKind(value: number): value is NativeErrorKind {
  return Object.hasOwn(KIND_DESCRIPTIONS, value);
}

/**
 * A request or response that cannot be decoded; `kind` is the error kind sent back to the app
 * and `detail` the text after the colon.
 *
 * @example
 * ```ts
 * import { decodeBinaryRequest, NativeApiError } from "./codec.ts";
 * try {
 *   decodeBinaryRequest(new Uint8Array([9]));
 * } catch (e) {
 *   (e as NativeApiError).message; // "unknown request type:9 does not correspond to any valid request tag"
 * }
 * ```
 */
export class NativeApiError extends Error {
  override name = "NativeApiError";
  /** The error kind. */
  readonly kind: NativeErrorKind;
  /** The detail, without the kind's description. */
  readonly detail: string;

  /** Creates an error of `kind` with `detail`. */
  constructor(kind: NativeErrorKind, detail: string) {
    super(`${KIND_DESCRIPTIONS[kind]}:${detail}`);
    this.kind = kind;
    this.detail = detail;
  }
}

/** A request from an app. `connectionId: null` means the General lane. */
export type NativeRequest =
  | {
    readonly type: "send";
    readonly recipient: Recipient;
    readonly message: Uint8Array;
    readonly connectionId: bigint | null;
  }
  | {
    readonly type: "sendAnonymous";
    readonly recipient: Recipient;
    readonly message: Uint8Array;
    readonly replySurbs: number;
    readonly connectionId: bigint | null;
  }
  | {
    readonly type: "reply";
    readonly senderTag: Uint8Array;
    readonly message: Uint8Array;
    readonly connectionId: bigint | null;
  }
  | { readonly type: "selfAddress" }
  | { readonly type: "closedConnection"; readonly connectionId: bigint }
  | { readonly type: "getLaneQueueLength"; readonly connectionId: bigint }
  /** Extension: the client's statistics. */
  | { readonly type: "getStats" };

/** A response to an app. */
export type NativeResponse =
  | {
    readonly type: "received";
    readonly message: Uint8Array;
    readonly senderTag: Uint8Array | null;
  }
  | { readonly type: "selfAddress"; readonly address: Recipient }
  | { readonly type: "laneQueueLength"; readonly lane: bigint; readonly queueLength: number }
  | { readonly type: "error"; readonly kind: NativeErrorKind; readonly message: string }
  /** Extension: statistics as a JSON-serialisable object. */
  | { readonly type: "stats"; readonly stats: Readonly<Record<string, unknown>> };

/** Binary request tags (`ClientRequestTag`). */
export const NativeRequestTag = {
  Send: 0x00,
  SendAnonymous: 0x01,
  Reply: 0x02,
  SelfAddress: 0x03,
  ClosedConnection: 0x04,
  GetLaneQueueLength: 0x05,
  /** Extension. */
  GetStats: 0x06,
} as const;

/** Binary response tags (`ServerResponseTag`). */
export const NativeResponseTag = {
  Error: 0x00,
  Received: 0x01,
  SelfAddress: 0x02,
  LaneQueueLength: 0x03,
  /** Extension. */
  Stats: 0x04,
} as const;

const U64 = 8;
const U32 = 4;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
const encoder = new TextEncoder();
const lossyDecoder = new TextDecoder("utf-8");
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

function u64Bytes(value: bigint): Uint8Array {
  const out = new Uint8Array(U64);
  writeU64BE(out, 0, value);
  return out;
}

function concat(parts: readonly (Uint8Array | number[])[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function checkConnectionId(id: bigint | null): void {
  if (id !== null && (id < 0n || id > U64_MAX)) throw new RangeError("connection id is not a u64");
}

/**
 * Encodes a request in the binary form (what an app sends).
 *
 * @example
 * ```ts
 * import { encodeBinaryRequest } from "./codec.ts";
 * encodeBinaryRequest({ type: "selfAddress" }); // Uint8Array [3]
 * ```
 * @throws {RangeError} for a connection id or SURB count out of range.
 */
export function encodeBinaryRequest(request: NativeRequest): Uint8Array {
  switch (request.type) {
    case "send":
      checkConnectionId(request.connectionId);
      return concat([
        [NativeRequestTag.Send],
        encodeRecipient(request.recipient),
        u64Bytes(request.connectionId ?? 0n),
        u64Bytes(BigInt(request.message.length)),
        request.message,
      ]);
    case "sendAnonymous": {
      checkConnectionId(request.connectionId);
      if (!Number.isInteger(request.replySurbs) || request.replySurbs < 0) {
        throw new RangeError("replySurbs is not a u32");
      }
      const surbs = new Uint8Array(U32);
      new DataView(surbs.buffer).setUint32(0, request.replySurbs);
      return concat([
        [NativeRequestTag.SendAnonymous],
        surbs,
        encodeRecipient(request.recipient),
        u64Bytes(request.connectionId ?? 0n),
        u64Bytes(BigInt(request.message.length)),
        request.message,
      ]);
    }
    case "reply":
      checkConnectionId(request.connectionId);
      return concat([
        [NativeRequestTag.Reply],
        request.senderTag,
        u64Bytes(request.connectionId ?? 0n),
        u64Bytes(BigInt(request.message.length)),
        request.message,
      ]);
    case "selfAddress":
      return new Uint8Array([NativeRequestTag.SelfAddress]);
    case "closedConnection":
      return concat([[NativeRequestTag.ClosedConnection], u64Bytes(request.connectionId)]);
    case "getLaneQueueLength":
      return concat([[NativeRequestTag.GetLaneQueueLength], u64Bytes(request.connectionId)]);
    case "getStats":
      return new Uint8Array([NativeRequestTag.GetStats]);
  }
}

function optionalConnection(bytes: Uint8Array, offset: number): bigint | null {
  const id = readU64BE(bytes, offset);
  return id === 0n ? null : id;
}

function recipientAt(bytes: Uint8Array, offset: number, kind: NativeErrorKind): Recipient {
  try {
    return decodeRecipient(bytes.subarray(offset, offset + RECIPIENT_LENGTH));
  } catch (e) {
    if (!(e instanceof MessageError)) throw e;
    const what = kind === NativeErrorKind.MalformedRequest
      ? "malformed recipient"
      : "malformed Recipient";
    throw new NativeApiError(kind, `${what}: ${e.message}`);
  }
}

function dataAt(bytes: Uint8Array, lengthOffset: number, what: string, kind: NativeErrorKind) {
  const declared = readU64BE(bytes, lengthOffset);
  const data = bytes.subarray(lengthOffset + U64);
  if (BigInt(data.length) !== declared) {
    throw new NativeApiError(
      kind,
      `${what} len has inconsistent length. specified: ${declared} got: ${data.length}`,
    );
  }
  return data.slice();
}

function tooShort(what: string): NativeApiError {
  return new NativeApiError(
    NativeErrorKind.TooShortRequest,
    `not enough data provided to recover '${what}'`,
  );
}

/**
 * Decodes a binary request (`ClientRequest::deserialize`).
 *
 * @example
 * ```ts
 * import { decodeBinaryRequest } from "./codec.ts";
 * decodeBinaryRequest(new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0, 42]));
 * // { type: "getLaneQueueLength", connectionId: 42n }
 * ```
 * @throws {NativeApiError} with upstream's kind and message for any malformed input.
 */
export function decodeBinaryRequest(bytes: Uint8Array): NativeRequest {
  if (bytes.length === 0) {
    throw new NativeApiError(NativeErrorKind.EmptyRequest, "no data provided");
  }
  const M = NativeErrorKind.MalformedRequest;
  switch (bytes[0]) {
    case NativeRequestTag.Send: {
      if (bytes.length < 1 + RECIPIENT_LENGTH + 2 * U64) throw tooShort("send");
      const recipient = recipientAt(bytes, 1, M);
      const connectionId = optionalConnection(bytes, 1 + RECIPIENT_LENGTH);
      const message = dataAt(bytes, 1 + RECIPIENT_LENGTH + U64, "data", M);
      return { type: "send", recipient, message, connectionId };
    }
    case NativeRequestTag.SendAnonymous: {
      if (bytes.length < 1 + U32 + RECIPIENT_LENGTH + 2 * U64) throw tooShort("send_anonymous");
      const replySurbs = new DataView(bytes.buffer, bytes.byteOffset + 1, U32).getUint32(0);
      const recipient = recipientAt(bytes, 1 + U32, M);
      const connectionId = optionalConnection(bytes, 1 + U32 + RECIPIENT_LENGTH);
      const message = dataAt(bytes, 1 + U32 + RECIPIENT_LENGTH + U64, "data", M);
      return { type: "sendAnonymous", recipient, message, replySurbs, connectionId };
    }
    case NativeRequestTag.Reply: {
      if (bytes.length < 1 + SENDER_TAG_LENGTH + 2 * U64) throw tooShort("reply");
      const senderTag = bytes.slice(1, 1 + SENDER_TAG_LENGTH);
      const connectionId = optionalConnection(bytes, 1 + SENDER_TAG_LENGTH);
      const message = dataAt(bytes, 1 + SENDER_TAG_LENGTH + U64, "message", M);
      return { type: "reply", senderTag, message, connectionId };
    }
    case NativeRequestTag.SelfAddress:
      return { type: "selfAddress" };
    case NativeRequestTag.ClosedConnection:
      if (bytes.length !== 1 + U64) {
        throw new NativeApiError(M, "The received closed connection has invalid length");
      }
      return { type: "closedConnection", connectionId: readU64BE(bytes, 1) };
    case NativeRequestTag.GetLaneQueueLength:
      if (bytes.length !== 1 + U64) {
        throw new NativeApiError(M, "The received get lane queue lengths has invalid length");
      }
      return { type: "getLaneQueueLength", connectionId: readU64BE(bytes, 1) };
    case NativeRequestTag.GetStats:
      return { type: "getStats" };
    default:
      throw new NativeApiError(
        NativeErrorKind.UnknownRequest,
        `${bytes[0]} does not correspond to any valid request tag`,
      );
  }
}

/**
 * Encodes a response in the binary form (what the client sends to apps).
 *
 * @example
 * ```ts
 * import { encodeBinaryResponse } from "./codec.ts";
 * encodeBinaryResponse({ type: "laneQueueLength", lane: 13n, queueLength: 42 }).length; // 17
 * ```
 */
export function encodeBinaryResponse(response: NativeResponse): Uint8Array {
  switch (response.type) {
    case "received":
      return response.senderTag === null
        ? concat([
          [NativeResponseTag.Received, 0],
          u64Bytes(BigInt(response.message.length)),
          response.message,
        ])
        : concat([
          [NativeResponseTag.Received, 1],
          response.senderTag,
          u64Bytes(BigInt(response.message.length)),
          response.message,
        ]);
    case "selfAddress":
      return concat([[NativeResponseTag.SelfAddress], encodeRecipient(response.address)]);
    case "laneQueueLength":
      // `usize` is written in native width; 8 bytes on every 64-bit platform upstream runs on.
      return concat([
        [NativeResponseTag.LaneQueueLength],
        u64Bytes(response.lane),
        u64Bytes(BigInt(response.queueLength)),
      ]);
    case "error": {
      const text = encoder.encode(response.message);
      return concat([
        [NativeResponseTag.Error, response.kind],
        u64Bytes(BigInt(text.length)),
        text,
      ]);
    }
    case "stats": {
      const json = encoder.encode(JSON.stringify(response.stats));
      return concat([[NativeResponseTag.Stats], u64Bytes(BigInt(json.length)), json]);
    }
  }
}

function tooShortResponse(what: string): NativeApiError {
  return new NativeApiError(
    NativeErrorKind.TooShortResponse,
    `not enough data provided to recover '${what}'`,
  );
}

/**
 * Decodes a binary response (`ServerResponse::deserialize`); for apps and tests.
 *
 * @example
 * ```ts
 * import { decodeBinaryResponse, encodeBinaryResponse } from "./codec.ts";
 * const bytes = encodeBinaryResponse({ type: "received", message: new Uint8Array([1]), senderTag: null });
 * decodeBinaryResponse(bytes).type; // "received"
 * ```
 * @throws {NativeApiError} for malformed input.
 */
export function decodeBinaryResponse(bytes: Uint8Array): NativeResponse {
  if (bytes.length === 0) {
    throw new NativeApiError(NativeErrorKind.EmptyResponse, "no data provided");
  }
  const M = NativeErrorKind.MalformedResponse;
  switch (bytes[0]) {
    case NativeResponseTag.Received: {
      if (bytes.length < 2 + U64) throw tooShortResponse("received");
      if (bytes[1] !== 0 && bytes[1] !== 1) {
        throw new NativeApiError(M, `invalid sender tag flag ${bytes[1]}`);
      }
      let offset = 2;
      let senderTag: Uint8Array | null = null;
      if (bytes[1] === 1) {
        if (bytes.length - 2 < SENDER_TAG_LENGTH) throw tooShortResponse("received");
        senderTag = bytes.slice(2, 2 + SENDER_TAG_LENGTH);
        offset += SENDER_TAG_LENGTH;
      }
      if (bytes.length - offset < U64) throw tooShortResponse("received");
      return { type: "received", senderTag, message: dataAt(bytes, offset, "message", M) };
    }
    case NativeResponseTag.SelfAddress:
      if (bytes.length !== 1 + RECIPIENT_LENGTH) throw tooShortResponse("self_address");
      return { type: "selfAddress", address: recipientAt(bytes, 1, M) };
    case NativeResponseTag.LaneQueueLength:
      if (bytes.length < 1 + 2 * U64) throw tooShortResponse("lane_queue_length");
      return {
        type: "laneQueueLength",
        lane: readU64BE(bytes, 1),
        queueLength: Number(readU64BE(bytes, 1 + U64)),
      };
    case NativeResponseTag.Error: {
      if (bytes.length < 2 + U64) throw tooShortResponse("error");
      if (!isErrorKind(bytes[1])) throw new NativeApiError(M, `invalid error code ${bytes[1]}`);
      const kind = bytes[1];
      const text = dataAt(bytes, 2, "message", M);
      let message: string;
      try {
        message = strictDecoder.decode(text);
      } catch {
        throw new NativeApiError(M, "malformed error message: invalid utf-8");
      }
      return { type: "error", kind, message };
    }
    case NativeResponseTag.Stats: {
      if (bytes.length < 1 + U64) throw tooShortResponse("stats");
      const json = dataAt(bytes, 1, "message", M);
      try {
        return { type: "stats", stats: JSON.parse(strictDecoder.decode(json)) };
      } catch {
        throw new NativeApiError(M, "malformed stats: not JSON");
      }
    }
    default:
      throw new NativeApiError(
        NativeErrorKind.UnknownResponse,
        `${bytes[0]} does not correspond to any valid response tag`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Text (JSON) form

type JsonRecord = Record<string, unknown>;

/** JSON.parse keeping integer source text, so u64 connection ids keep full precision. */
function parseJsonPreservingIntegers(text: string): unknown {
  return JSON.parse(text, function (_key, value, context?: { source?: string }) {
    if (typeof value === "number" && context?.source !== undefined) {
      const source = context.source;
      if (/^-?\d+$/.test(source) && !Number.isSafeInteger(value)) return BigInt(source);
    }
    return value;
  });
}

function serdeType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (typeof value === "boolean") return `boolean \`${value}\``;
  if (typeof value === "bigint") return `integer \`${value}\``;
  if (typeof value === "number") {
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  }
  if (Array.isArray(value)) return "sequence";
  return "map";
}

function malformed(detail: string): NativeApiError {
  return new NativeApiError(NativeErrorKind.MalformedRequest, detail);
}

function requireString(obj: JsonRecord, key: string): string {
  const value = obj[key];
  if (value === undefined) throw malformed(`missing field \`${key}\``);
  if (typeof value !== "string") {
    throw malformed(`invalid type: ${serdeType(value)}, expected a string`);
  }
  return value;
}

function toInteger(value: unknown, max: bigint, what: string): bigint {
  let n: bigint | undefined;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isInteger(value)) n = BigInt(value);
  if (n === undefined) throw malformed(`invalid type: ${serdeType(value)}, expected ${what}`);
  if (n < 0n || n > max) throw malformed(`invalid value: integer \`${n}\`, expected ${what}`);
  return n;
}

function optionalConnectionId(obj: JsonRecord, key: string): bigint | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  return toInteger(value, U64_MAX, "u64");
}

function requireConnectionId(obj: JsonRecord, key: string): bigint {
  const value = obj[key];
  if (value === undefined) throw malformed(`missing field \`${key}\``);
  return toInteger(value, U64_MAX, "u64");
}

function textRecipient(obj: JsonRecord): Recipient {
  const text = requireString(obj, "recipient");
  try {
    return parseRecipient(text);
  } catch (e) {
    if (!(e instanceof MessageError)) throw e;
    throw malformed(e.message);
  }
}

const TEXT_REQUEST_VARIANTS = [
  "send",
  "sendAnonymous",
  "reply",
  "selfAddress",
  "closedConnection",
  "getLaneQueueLength",
  "getStats",
];

/**
 * Decodes a JSON request (`ClientRequest::try_from_text`), with serde's rules: unknown fields
 * are ignored, `connectionId` may be absent or `null`, `message` is sent as its UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { decodeTextRequest } from "./codec.ts";
 * decodeTextRequest('{"type":"selfAddress"}'); // { type: "selfAddress" }
 * ```
 * @throws {NativeApiError} (kind MalformedRequest) for invalid JSON, a missing or ill-typed
 * field, an unknown `type` or a bad address or sender tag.
 */
export function decodeTextRequest(text: string): NativeRequest {
  let parsed: unknown;
  try {
    parsed = parseJsonPreservingIntegers(text);
  } catch (e) {
    throw malformed(`invalid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw malformed(`invalid type: ${serdeType(parsed)}, expected internally tagged enum`);
  }
  const obj = parsed as JsonRecord;
  const tag = obj.type;
  if (tag === undefined) throw malformed("missing field `type`");
  if (typeof tag !== "string") {
    throw malformed(`invalid type: ${serdeType(tag)}, expected variant identifier`);
  }
  switch (tag) {
    case "send": {
      const message = encoder.encode(requireString(obj, "message"));
      const recipient = textRecipient(obj);
      return {
        type: "send",
        recipient,
        message,
        connectionId: optionalConnectionId(obj, "connectionId"),
      };
    }
    case "sendAnonymous": {
      const recipient = textRecipient(obj);
      const message = encoder.encode(requireString(obj, "message"));
      if (obj.replySurbs === undefined) throw malformed("missing field `replySurbs`");
      const replySurbs = Number(toInteger(obj.replySurbs, 0xffff_ffffn, "u32"));
      return {
        type: "sendAnonymous",
        recipient,
        message,
        replySurbs,
        connectionId: optionalConnectionId(obj, "connectionId"),
      };
    }
    case "reply": {
      const tagText = requireString(obj, "senderTag");
      const message = encoder.encode(requireString(obj, "message"));
      let senderTag: Uint8Array;
      try {
        senderTag = parseSenderTag(tagText);
      } catch (e) {
        if (!(e instanceof MessageError)) throw e;
        throw malformed(e.message);
      }
      return {
        type: "reply",
        senderTag,
        message,
        connectionId: optionalConnectionId(obj, "connectionId"),
      };
    }
    case "selfAddress":
      return { type: "selfAddress" };
    case "closedConnection":
      return { type: "closedConnection", connectionId: requireConnectionId(obj, "connectionId") };
    case "getLaneQueueLength":
      return { type: "getLaneQueueLength", connectionId: requireConnectionId(obj, "connectionId") };
    case "getStats":
      return { type: "getStats" };
    default:
      throw malformed(
        `unknown variant \`${tag}\`, expected one of ${
          TEXT_REQUEST_VARIANTS.map((v) => `\`${v}\``).join(", ")
        }`,
      );
  }
}

function jsonConnection(id: bigint | null): string {
  return id === null ? "null" : id.toString();
}

/**
 * Encodes a request as JSON (what an app sends); field order as upstream's serde derive.
 *
 * @example
 * ```ts
 * import { encodeTextRequest } from "./codec.ts";
 * encodeTextRequest({ type: "selfAddress" }); // '{"type":"selfAddress"}'
 * ```
 */
export function encodeTextRequest(request: NativeRequest): string {
  const decode = (bytes: Uint8Array) => JSON.stringify(lossyDecoder.decode(bytes));
  switch (request.type) {
    case "send":
      return `{"type":"send","message":${decode(request.message)},"recipient":${
        JSON.stringify(formatRecipient(request.recipient))
      },"connectionId":${jsonConnection(request.connectionId)}}`;
    case "sendAnonymous":
      return `{"type":"sendAnonymous","recipient":${
        JSON.stringify(formatRecipient(request.recipient))
      },"message":${decode(request.message)},"replySurbs":${request.replySurbs},"connectionId":${
        jsonConnection(request.connectionId)
      }}`;
    case "reply":
      return `{"type":"reply","senderTag":${
        JSON.stringify(formatSenderTag(request.senderTag))
      },"message":${decode(request.message)},"connectionId":${
        jsonConnection(request.connectionId)
      }}`;
    case "selfAddress":
      return '{"type":"selfAddress"}';
    case "closedConnection":
    case "getLaneQueueLength":
      return `{"type":"${request.type}","connectionId":${request.connectionId}}`;
    case "getStats":
      return '{"type":"getStats"}';
  }
}

/**
 * Encodes a response as JSON (`ServerResponseText`); binary `received` payloads are decoded
 * lossily as UTF-8, as upstream does, so binary data belongs on the binary API.
 *
 * @example
 * ```ts
 * import { encodeTextResponse } from "./codec.ts";
 * encodeTextResponse({ type: "laneQueueLength", lane: 42n, queueLength: 3 });
 * // '{"type":"laneQueueLength","lane":42,"queue_length":3}'
 * ```
 */
export function encodeTextResponse(response: NativeResponse): string {
  switch (response.type) {
    case "received":
      return `{"type":"received","message":${
        JSON.stringify(lossyDecoder.decode(response.message))
      },"senderTag":${
        response.senderTag === null ? "null" : JSON.stringify(formatSenderTag(response.senderTag))
      }}`;
    case "selfAddress":
      return `{"type":"selfAddress","address":${
        JSON.stringify(formatRecipient(response.address))
      }}`;
    case "laneQueueLength":
      return `{"type":"laneQueueLength","lane":${response.lane},"queue_length":${response.queueLength}}`;
    case "error":
      return `{"type":"error","message":${
        JSON.stringify(`${KIND_DESCRIPTIONS[response.kind]}:${response.message}`)
      }}`;
    case "stats":
      return JSON.stringify({ type: "stats", ...response.stats });
  }
}

/**
 * The error response for a failed request: the kind and detail of a {@linkcode NativeApiError},
 * or kind Other for anything else.
 *
 * @example
 * ```ts
 * import { errorResponse, NativeApiError } from "./codec.ts";
 * errorResponse(new NativeApiError(4, "bad")); // { type: "error", kind: 4, message: "bad" }
 * ```
 */
export function errorResponse(error: unknown): NativeResponse {
  if (error instanceof NativeApiError) {
    return { type: "error", kind: error.kind, message: error.detail };
  }
  return {
    type: "error",
    kind: NativeErrorKind.Other,
    message: error instanceof Error ? error.message : String(error),
  };
}
