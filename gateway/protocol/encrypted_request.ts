/**
 * Requests and responses that travel encrypted under the shared key inside text frames
 * (`nym-node.md` §4.5; upstream `ClientRequest` in `types/text_request/mod.rs` and
 * `SensitiveServerResponse` in `types/text_response.rs`). The plaintext is JSON in serde's
 * externally tagged form:
 *
 * ```text
 * {"ForgetMe":{"client":true,"stats":false}}      → {"ForgetMeAck":{}}
 * {"RememberMe":{"session_type":"Mixnet"}}         → {"RememberMeAck":{}}
 * ```
 *
 * carried as `{"type":"encryptedRequest","ciphertext":[…],"nonce":[…]}` and
 * `{"type":"encryptedResponse","ciphertext":[…],"nonce":[…]}`.
 *
 * @module
 */
import type { RandomSource } from "../../crypto/random.ts";
import type { EncryptedControlRequest } from "./client_request.ts";
import { MalformedMessageError } from "./errors.ts";
import {
  asObject,
  DEFAULT_MAX_TEXT_LENGTH,
  type JsonObject,
  parseJsonObject,
  type ParseOptions,
  readBool,
  readString,
} from "./json.ts";
import type { EncryptedServerResponse } from "./server_response.ts";
import { openWithSharedKey, randomNonce, sealWithSharedKey } from "./shared_key.ts";

/** The session kinds a client can report in `RememberMe` (`nym_statistics_common::SessionType`). */
export const SESSION_TYPES = ["Vpn", "Mixnet", "Wasm", "Native", "Socks5", "Unknown"] as const;
/** A session kind. */
export type SessionType = typeof SESSION_TYPES[number];

/** An encrypted client request. */
export type ClientRequest =
  /** Ask the gateway to forget the client (`client`: inbox, bandwidth, key) and/or its stats. */
  | { readonly type: "forgetMe"; readonly client: boolean; readonly stats: boolean }
  /** Tell the gateway what kind of session this is (for its statistics). */
  | { readonly type: "rememberMe"; readonly sessionType: SessionType };

/** An encrypted gateway response. */
export type SensitiveServerResponse =
  | { readonly type: "forgetMeAck" }
  | { readonly type: "rememberMeAck" };

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function singleVariant(obj: JsonObject, what: string): [string, JsonObject] {
  const keys = Object.keys(obj);
  if (keys.length !== 1) throw new MalformedMessageError(`${what} must have exactly one variant`);
  return [keys[0], asObject(obj[keys[0]], keys[0])];
}

function decrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  maxLength: number,
  what: string,
): JsonObject {
  const plaintext = openWithSharedKey(key, nonce, ciphertext);
  let text: string;
  try {
    text = decoder.decode(plaintext);
  } catch {
    throw new MalformedMessageError(`${what} is not UTF-8`);
  }
  return parseJsonObject(text, maxLength, what);
}

/**
 * Encrypts a request for `{"type":"encryptedRequest"}` with a fresh nonce.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { encryptClientRequest } from "./encrypted_request.ts";
 * const req = encryptClientRequest(
 *   { type: "forgetMe", client: true, stats: false }, new Uint8Array(32), systemRandom,
 * );
 * req.nonce.length; // 12
 * ```
 * @throws {SharedKeyError} if the key is not 32 bytes.
 */
export function encryptClientRequest(
  request: ClientRequest,
  sharedKey: Uint8Array,
  random: RandomSource,
): EncryptedControlRequest {
  const json = request.type === "forgetMe"
    ? { ForgetMe: { client: request.client, stats: request.stats } }
    : { RememberMe: { session_type: request.sessionType } };
  const nonce = randomNonce(random);
  const ciphertext = sealWithSharedKey(sharedKey, nonce, encoder.encode(JSON.stringify(json)));
  return { type: "encryptedRequest", ciphertext, nonce };
}

/**
 * Decrypts and parses an `encryptedRequest` (gateway side).
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { decryptClientRequest, encryptClientRequest } from "./encrypted_request.ts";
 * const k = new Uint8Array(32);
 * const enc = encryptClientRequest({ type: "rememberMe", sessionType: "Wasm" }, k, systemRandom);
 * decryptClientRequest(enc, k); // { type: "rememberMe", sessionType: "Wasm" }
 * ```
 * @throws {SharedKeyError} if the nonce is not 12 bytes or the ciphertext does not
 * authenticate (upstream answers "failed to decrypt provided text request").
 * @throws {MalformedMessageError} | {MessageTooLargeError} if the plaintext is not a known
 * request.
 */
export function decryptClientRequest(
  request: { readonly ciphertext: Uint8Array; readonly nonce: Uint8Array },
  sharedKey: Uint8Array,
  options: ParseOptions = {},
): ClientRequest {
  const obj = decrypt(
    sharedKey,
    request.nonce,
    request.ciphertext,
    options.maxLength ?? DEFAULT_MAX_TEXT_LENGTH,
    "encrypted request",
  );
  const [variant, body] = singleVariant(obj, "encrypted request");
  switch (variant) {
    case "ForgetMe":
      return { type: "forgetMe", client: readBool(body, "client"), stats: readBool(body, "stats") };
    case "RememberMe": {
      const sessionType = readString(body, "session_type");
      if (!(SESSION_TYPES as readonly string[]).includes(sessionType)) {
        throw new MalformedMessageError(`unknown variant \`${sessionType}\``);
      }
      return { type: "rememberMe", sessionType: sessionType as SessionType };
    }
    default:
      throw new MalformedMessageError(`unknown variant \`${variant}\``);
  }
}

/**
 * Encrypts a response for `{"type":"encryptedResponse"}` with a fresh nonce.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { encryptSensitiveResponse } from "./encrypted_request.ts";
 * encryptSensitiveResponse({ type: "forgetMeAck" }, new Uint8Array(32), systemRandom).type;
 * // "encryptedResponse"
 * ```
 * @throws {SharedKeyError} if the key is not 32 bytes.
 */
export function encryptSensitiveResponse(
  response: SensitiveServerResponse,
  sharedKey: Uint8Array,
  random: RandomSource,
): EncryptedServerResponse {
  const json = response.type === "forgetMeAck" ? '{"ForgetMeAck":{}}' : '{"RememberMeAck":{}}';
  const nonce = randomNonce(random);
  const ciphertext = sealWithSharedKey(sharedKey, nonce, encoder.encode(json));
  return { type: "encryptedResponse", ciphertext, nonce };
}

/**
 * Decrypts and parses an `encryptedResponse` (client side).
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { decryptSensitiveResponse, encryptSensitiveResponse } from "./encrypted_request.ts";
 * const k = new Uint8Array(32);
 * decryptSensitiveResponse(encryptSensitiveResponse({ type: "rememberMeAck" }, k, systemRandom), k);
 * // { type: "rememberMeAck" }
 * ```
 * @throws {SharedKeyError} for a bad nonce or ciphertext.
 * @throws {MalformedMessageError} | {MessageTooLargeError} if the plaintext is not a known
 * response.
 */
export function decryptSensitiveResponse(
  response: { readonly ciphertext: Uint8Array; readonly nonce: Uint8Array },
  sharedKey: Uint8Array,
  options: ParseOptions = {},
): SensitiveServerResponse {
  const obj = decrypt(
    sharedKey,
    response.nonce,
    response.ciphertext,
    options.maxLength ?? DEFAULT_MAX_TEXT_LENGTH,
    "encrypted response",
  );
  const [variant] = singleVariant(obj, "encrypted response");
  if (variant === "ForgetMeAck") return { type: "forgetMeAck" };
  if (variant === "RememberMeAck") return { type: "rememberMeAck" };
  throw new MalformedMessageError(`unknown variant \`${variant}\``);
}
