/**
 * `ServerResponse`: every text frame a gateway sends outside the handshake, internally tagged
 * by `"type"` (`nym-node.md` §4.3–§4.6; upstream `types/text_response.rs`, `types/error.rs`).
 * The serialised shapes are exactly what the real wasm client accepted
 * (`/work/notes/wasm-client.md` §3.2–§3.5):
 *
 * ```text
 * {"type":"authenticate","protocol_version":4,"status":true,"bandwidth_remaining":1000000000,"upgrade_mode":false}
 * {"type":"register","protocol_version":3,"status":true,"upgrade_mode":false}
 * {"type":"send","remaining_bandwidth":1000000000,"upgrade_mode":false}
 * {"type":"bandwidth","available_total":68719476736,"upgrade_mode":false}
 * {"type":"supportedProtocol","version":6}
 * {"type":"error","message":"…"}
 * {"type":"typedError","error":{"out_of_bandwidth":{"required":2413,"available":0}}}
 * {"type":"typedError","error":"ticket_replay"}
 * {"type":"encryptedResponse","ciphertext":[…],"nonce":[…]}
 * ```
 *
 * Parsing is lenient where serde is (`protocol_version` may be absent or `null`, `upgrade_mode`
 * defaults to `false`, unknown fields are ignored), so our client accepts older gateways.
 *
 * @module
 */
import { MalformedMessageError } from "./errors.ts";
import {
  asObject,
  byteArray,
  DEFAULT_MAX_TEXT_LENGTH,
  getField,
  type JsonObject,
  parseJsonObject,
  type ParseOptions,
  readBool,
  readByteArray,
  readDefaultFalse,
  readOptionalU8,
  readSafeInteger,
  readString,
  readTag,
  readU8,
} from "./json.ts";
import { CURRENT_PROTOCOL_VERSION } from "./version.ts";

/** Reply to a successful (or failed) `authenticateV2`. */
export interface AuthenticateResponse {
  readonly type: "authenticate";
  /** The negotiated version; `undefined` from gateways that send none. */
  readonly protocolVersion: number | undefined;
  readonly status: boolean;
  /** Bytes of bandwidth left (i64). */
  readonly bandwidthRemaining: number;
  readonly upgradeMode: boolean;
}

/** Reply to a completed registration handshake. */
export interface RegisterResponse {
  readonly type: "register";
  readonly protocolVersion: number | undefined;
  readonly status: boolean;
  readonly upgradeMode: boolean;
}

/** An encrypted `SensitiveServerResponse` (ForgetMeAck / RememberMeAck). */
export interface EncryptedServerResponse {
  readonly type: "encryptedResponse";
  readonly ciphertext: Uint8Array;
  readonly nonce: Uint8Array;
}

/** Reply to a bandwidth claim (testnet, zk-nym ticket or upgrade-mode JWT). */
export interface BandwidthResponse {
  readonly type: "bandwidth";
  readonly availableTotal: number;
  readonly upgradeMode: boolean;
}

/** Reply to every binary (forward) request. */
export interface SendResponse {
  readonly type: "send";
  readonly remainingBandwidth: number;
  readonly upgradeMode: boolean;
}

/** Reply to `supportedProtocol`. */
export interface SupportedProtocolResponse {
  readonly type: "supportedProtocol";
  readonly version: number;
}

/** A generic error. */
export interface ErrorResponse {
  readonly type: "error";
  readonly message: string;
}

/** The errors clients match on without parsing strings (`SimpleGatewayRequestsError`). */
export type SimpleGatewayError =
  | { readonly kind: "out_of_bandwidth"; readonly required: number; readonly available: number }
  | { readonly kind: "ticket_replay" };

/** A typed error. */
export interface TypedErrorResponse {
  readonly type: "typedError";
  readonly error: SimpleGatewayError;
}

/** Every text frame a gateway sends after the handshake. */
export type ServerResponse =
  | AuthenticateResponse
  | RegisterResponse
  | EncryptedServerResponse
  | BandwidthResponse
  | SendResponse
  | SupportedProtocolResponse
  | ErrorResponse
  | TypedErrorResponse;

/**
 * A successful `authenticate` reply.
 *
 * @example
 * ```ts
 * import { authenticateResponse, serializeServerResponse } from "./server_response.ts";
 * serializeServerResponse(authenticateResponse(4, 1_000_000_000));
 * // '{"type":"authenticate","protocol_version":4,"status":true,"bandwidth_remaining":1000000000,"upgrade_mode":false}'
 * ```
 */
export function authenticateResponse(
  protocolVersion: number,
  bandwidthRemaining: number,
  upgradeMode = false,
): AuthenticateResponse {
  return { type: "authenticate", protocolVersion, status: true, bandwidthRemaining, upgradeMode };
}

/**
 * A successful `register` reply.
 *
 * @example
 * ```ts
 * import { registerResponse, serializeServerResponse } from "./server_response.ts";
 * serializeServerResponse(registerResponse(3));
 * // '{"type":"register","protocol_version":3,"status":true,"upgrade_mode":false}'
 * ```
 */
export function registerResponse(protocolVersion: number, upgradeMode = false): RegisterResponse {
  return { type: "register", protocolVersion, status: true, upgradeMode };
}

/**
 * The reply to a forwarded packet.
 *
 * @example
 * ```ts
 * import { sendResponse, serializeServerResponse } from "./server_response.ts";
 * serializeServerResponse(sendResponse(1_000_000_000));
 * // '{"type":"send","remaining_bandwidth":1000000000,"upgrade_mode":false}'
 * ```
 */
export function sendResponse(remainingBandwidth: number, upgradeMode = false): SendResponse {
  return { type: "send", remainingBandwidth, upgradeMode };
}

/**
 * The reply to a bandwidth claim.
 *
 * @example
 * ```ts
 * import { bandwidthResponse, serializeServerResponse } from "./server_response.ts";
 * serializeServerResponse(bandwidthResponse(5));
 * // '{"type":"bandwidth","available_total":5,"upgrade_mode":false}'
 * ```
 */
export function bandwidthResponse(availableTotal: number, upgradeMode = false): BandwidthResponse {
  return { type: "bandwidth", availableTotal, upgradeMode };
}

/**
 * The reply to `supportedProtocol`.
 *
 * @example
 * ```ts
 * import { serializeServerResponse, supportedProtocolResponse } from "./server_response.ts";
 * serializeServerResponse(supportedProtocolResponse()); // '{"type":"supportedProtocol","version":6}'
 * ```
 */
export function supportedProtocolResponse(
  version: number = CURRENT_PROTOCOL_VERSION,
): SupportedProtocolResponse {
  return { type: "supportedProtocol", version };
}

/**
 * A generic error reply.
 *
 * @example
 * ```ts
 * import { errorResponse, serializeServerResponse } from "./server_response.ts";
 * serializeServerResponse(errorResponse("boom")); // '{"type":"error","message":"boom"}'
 * ```
 */
export function errorResponse(message: string): ErrorResponse {
  return { type: "error", message };
}

/**
 * The typed out-of-bandwidth error.
 *
 * @example
 * ```ts
 * import { outOfBandwidthResponse, serializeServerResponse } from "./server_response.ts";
 * serializeServerResponse(outOfBandwidthResponse(2413, 0));
 * // '{"type":"typedError","error":{"out_of_bandwidth":{"required":2413,"available":0}}}'
 * ```
 */
export function outOfBandwidthResponse(required: number, available: number): TypedErrorResponse {
  return { type: "typedError", error: { kind: "out_of_bandwidth", required, available } };
}

/**
 * The typed ticket-replay error.
 *
 * @example
 * ```ts
 * import { serializeServerResponse, ticketReplayResponse } from "./server_response.ts";
 * serializeServerResponse(ticketReplayResponse()); // '{"type":"typedError","error":"ticket_replay"}'
 * ```
 */
export function ticketReplayResponse(): TypedErrorResponse {
  return { type: "typedError", error: { kind: "ticket_replay" } };
}

/**
 * Serialises a response in upstream's field order.
 *
 * @example
 * ```ts
 * import { serializeServerResponse } from "./server_response.ts";
 * serializeServerResponse({ type: "supportedProtocol", version: 6 });
 * // '{"type":"supportedProtocol","version":6}'
 * ```
 */
export function serializeServerResponse(response: ServerResponse): string {
  switch (response.type) {
    case "authenticate":
      return JSON.stringify({
        type: "authenticate",
        protocol_version: response.protocolVersion ?? null,
        status: response.status,
        bandwidth_remaining: response.bandwidthRemaining,
        upgrade_mode: response.upgradeMode,
      });
    case "register":
      return JSON.stringify({
        type: "register",
        protocol_version: response.protocolVersion ?? null,
        status: response.status,
        upgrade_mode: response.upgradeMode,
      });
    case "encryptedResponse":
      return JSON.stringify({
        type: "encryptedResponse",
        ciphertext: byteArray(response.ciphertext),
        nonce: byteArray(response.nonce),
      });
    case "bandwidth":
      return JSON.stringify({
        type: "bandwidth",
        available_total: response.availableTotal,
        upgrade_mode: response.upgradeMode,
      });
    case "send":
      return JSON.stringify({
        type: "send",
        remaining_bandwidth: response.remainingBandwidth,
        upgrade_mode: response.upgradeMode,
      });
    case "supportedProtocol":
      return JSON.stringify({ type: "supportedProtocol", version: response.version });
    case "error":
      return JSON.stringify({ type: "error", message: response.message });
    case "typedError": {
      const e = response.error;
      const error = e.kind === "ticket_replay"
        ? "ticket_replay"
        : { out_of_bandwidth: { required: e.required, available: e.available } };
      return JSON.stringify({ type: "typedError", error });
    }
  }
}

const I64_MIN = -Number.MAX_SAFE_INTEGER;

function parseSimpleError(value: unknown): SimpleGatewayError {
  // serde's externally tagged enum: unit variants as strings, struct variants as a one-key map.
  if (value === "ticket_replay") return { kind: "ticket_replay" };
  if (typeof value === "string") throw new MalformedMessageError(`unknown variant \`${value}\``);
  const obj = asObject(value, "typed error");
  const keys = Object.keys(obj);
  if (keys.length !== 1) throw new MalformedMessageError("typed error must have exactly one key");
  if (keys[0] !== "out_of_bandwidth") {
    throw new MalformedMessageError(`unknown variant \`${keys[0]}\``);
  }
  const inner = asObject(obj.out_of_bandwidth, "out_of_bandwidth");
  return {
    kind: "out_of_bandwidth",
    required: readSafeInteger(inner, "required", I64_MIN),
    available: readSafeInteger(inner, "available", I64_MIN),
  };
}

function parseResponseObject(obj: JsonObject): ServerResponse {
  const tag = readTag(obj);
  switch (tag) {
    case "authenticate":
      return {
        type: "authenticate",
        protocolVersion: readOptionalU8(obj, "protocol_version"),
        status: readBool(obj, "status"),
        bandwidthRemaining: readSafeInteger(obj, "bandwidth_remaining", I64_MIN),
        upgradeMode: readDefaultFalse(obj, "upgrade_mode"),
      };
    case "register":
      return {
        type: "register",
        protocolVersion: readOptionalU8(obj, "protocol_version"),
        status: readBool(obj, "status"),
        upgradeMode: readDefaultFalse(obj, "upgrade_mode"),
      };
    case "encryptedResponse":
      return {
        type: "encryptedResponse",
        ciphertext: readByteArray(obj, "ciphertext"),
        nonce: readByteArray(obj, "nonce"),
      };
    case "bandwidth":
      return {
        type: "bandwidth",
        availableTotal: readSafeInteger(obj, "available_total", I64_MIN),
        upgradeMode: readDefaultFalse(obj, "upgrade_mode"),
      };
    case "send":
      return {
        type: "send",
        remainingBandwidth: readSafeInteger(obj, "remaining_bandwidth", I64_MIN),
        upgradeMode: readDefaultFalse(obj, "upgrade_mode"),
      };
    case "supportedProtocol":
      return { type: "supportedProtocol", version: readU8(obj, "version") };
    case "error":
      return { type: "error", message: readString(obj, "message") };
    case "typedError": {
      const error = getField(obj, "error");
      if (error === undefined) throw new MalformedMessageError("missing field `error`");
      return { type: "typedError", error: parseSimpleError(error) };
    }
    default:
      throw new MalformedMessageError(`unknown variant \`${tag}\``);
  }
}

/**
 * Parses a gateway's text frame (client side).
 *
 * @example
 * ```ts
 * import { parseServerResponse } from "./server_response.ts";
 * const r = parseServerResponse('{"type":"send","remaining_bandwidth":7}');
 * r.type === "send" && r.remainingBandwidth; // 7
 * ```
 * @throws {MalformedMessageError} for invalid JSON, an unknown `type`, or a missing or
 * ill-typed field.
 * @throws {MessageTooLargeError} if longer than `maxLength`.
 */
export function parseServerResponse(text: string, options: ParseOptions = {}): ServerResponse {
  return parseResponseObject(
    parseJsonObject(text, options.maxLength ?? DEFAULT_MAX_TEXT_LENGTH, "response"),
  );
}

/**
 * Whether `response` means the client is now registered/authenticated.
 *
 * @example
 * ```ts
 * import { impliesSuccessfulAuthentication, registerResponse } from "./server_response.ts";
 * impliesSuccessfulAuthentication(registerResponse(3)); // true
 * ```
 */
export function impliesSuccessfulAuthentication(response: ServerResponse): boolean {
  return (response.type === "authenticate" || response.type === "register") && response.status;
}
