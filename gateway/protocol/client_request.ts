/**
 * `ClientControlRequest`: every text frame a client sends, internally tagged by `"type"`
 * (`nym-node.md` §4.1, §4.4, §4.5; upstream `common/gateway-requests/src/types/text_request/`).
 * Field names and casing follow the Rust serde attributes exactly:
 *
 * | `type`                          | fields (wire names)                                                                 |
 * | ------------------------------- | ----------------------------------------------------------------------------------- |
 * | `authenticateV2`                | `protocolVersion`, `clientIdentity` [32], `addressCiphertext` b64, `nonce` b64, `requestUnixTimestamp`, `requestSignature` [64] |
 * | `registerHandshakeInitRequest` (alias `handshakePayload`) | `protocol_version` (optional), `data` [bytes]                    |
 * | `ecashCredential`               | `enc_credential` [bytes], `iv` [bytes] (alias `nonce`)                              |
 * | `upgradeModeJWT`                | `token`                                                                             |
 * | `claimFreeTestnetBandwidth`     | —                                                                                   |
 * | `encryptedRequest`              | `ciphertext` [bytes], `nonce` [bytes]                                               |
 * | `supportedProtocol`             | —                                                                                   |
 * | `authenticate` (legacy)         | `protocol_version` (optional), `address`, `enc_address`, `iv` (strings)             |
 * | `bandwidthCredential`, `bandwidthCredentialV2` (legacy) | `enc_credential` [bytes], `iv` [bytes]                      |
 *
 * The legacy variants are parsed so a gateway can refuse them with upstream's message.
 * Unknown fields are ignored, as serde does.
 *
 * @module
 */
import { MalformedMessageError } from "./errors.ts";
import {
  byteArray,
  DEFAULT_MAX_TEXT_LENGTH,
  getField,
  type JsonObject,
  parseJsonObject,
  type ParseOptions,
  readBase64,
  readByteArray,
  readOptionalU8,
  readSafeInteger,
  readString,
  readTag,
  readU8,
  toBase64,
} from "./json.ts";

/** `authenticateV2`: a returning client proves it holds the shared key (`nym-node.md` §4.4). */
export interface AuthenticateV2Request {
  readonly type: "authenticateV2";
  /** The version the client proposes (the wasm client sends 4). */
  readonly protocolVersion: number;
  /** The client's Ed25519 identity (32 bytes; also its address). */
  readonly clientIdentity: Uint8Array;
  /** AES-256-GCM-SIV(shared key, nonce, clientIdentity): 48 bytes. */
  readonly addressCiphertext: Uint8Array;
  /** The 12-byte nonce of {@linkcode addressCiphertext}. */
  readonly nonce: Uint8Array;
  /** Unix seconds when the request was made. */
  readonly requestUnixTimestamp: number;
  /** Ed25519 signature (64 bytes) over the content, see `authenticateV2SignedBytes`. */
  readonly requestSignature: Uint8Array;
}

/**
 * The first registration message. Both `registerHandshakeInitRequest` and its alias
 * `handshakePayload` (what real clients send) parse to this.
 */
export interface HandshakeInitRequest {
  readonly type: "registerHandshakeInitRequest";
  /** The proposed version; `undefined` when absent or `null`. */
  readonly protocolVersion: number | undefined;
  /** The init bytes (80 for current clients). */
  readonly data: Uint8Array;
  /** The `type` string used on the wire, so serialisation round-trips. */
  readonly wireType: "registerHandshakeInitRequest" | "handshakePayload";
}

/** `ecashCredential`: a zk-nym ticket, encrypted under the shared key (opaque here). */
export interface EcashCredentialRequest {
  readonly type: "ecashCredential";
  /** AES-256-GCM-SIV ciphertext of the serialised `CredentialSpendingData`. */
  readonly encCredential: Uint8Array;
  /** Its nonce (wire name `iv`, alias `nonce`). */
  readonly nonce: Uint8Array;
}

/** `upgradeModeJWT`: an upgrade-mode attestation token. */
export interface UpgradeModeJwtRequest {
  readonly type: "upgradeModeJWT";
  readonly token: string;
}

/** `claimFreeTestnetBandwidth`: ask for free bandwidth (allowed when zk-nyms are not enforced). */
export interface ClaimFreeTestnetBandwidthRequest {
  readonly type: "claimFreeTestnetBandwidth";
}

/** `encryptedRequest`: an encrypted `ClientRequest` (ForgetMe / RememberMe). */
export interface EncryptedControlRequest {
  readonly type: "encryptedRequest";
  readonly ciphertext: Uint8Array;
  readonly nonce: Uint8Array;
}

/** `supportedProtocol`: ask for the gateway's protocol version. */
export interface SupportedProtocolRequest {
  readonly type: "supportedProtocol";
}

/** Legacy `authenticate` (protocol < 4); gateways refuse it. */
export interface LegacyAuthenticateRequest {
  readonly type: "authenticate";
  readonly protocolVersion: number | undefined;
  readonly address: string;
  readonly encAddress: string;
  readonly iv: string;
}

/** Legacy coconut credentials; gateways refuse them. */
export interface LegacyBandwidthCredentialRequest {
  readonly type: "bandwidthCredential" | "bandwidthCredentialV2";
  readonly encCredential: Uint8Array;
  readonly iv: Uint8Array;
}

/** Every text request a client can send. */
export type ClientControlRequest =
  | AuthenticateV2Request
  | HandshakeInitRequest
  | EcashCredentialRequest
  | UpgradeModeJwtRequest
  | ClaimFreeTestnetBandwidthRequest
  | EncryptedControlRequest
  | SupportedProtocolRequest
  | LegacyAuthenticateRequest
  | LegacyBandwidthCredentialRequest;

function readEcashNonce(obj: JsonObject): Uint8Array {
  // `#[serde(rename = "iv", alias = "nonce")]`: either name, but not both (serde reports a
  // duplicate field).
  const hasIv = getField(obj, "iv") !== undefined;
  const hasNonce = getField(obj, "nonce") !== undefined;
  if (hasIv && hasNonce) throw new MalformedMessageError("duplicate field `iv`");
  return readByteArray(obj, hasNonce ? "nonce" : "iv");
}

function parseAuthenticateV2(obj: JsonObject): AuthenticateV2Request {
  return {
    type: "authenticateV2",
    protocolVersion: readU8(obj, "protocolVersion"),
    clientIdentity: readByteArray(obj, "clientIdentity", 32),
    addressCiphertext: readBase64(obj, "addressCiphertext"),
    nonce: readBase64(obj, "nonce"),
    requestUnixTimestamp: readSafeInteger(obj, "requestUnixTimestamp", 0),
    requestSignature: readByteArray(obj, "requestSignature", 64),
  };
}

/**
 * Parses a client's text frame.
 *
 * @example
 * ```ts
 * import { parseClientControlRequest } from "./client_request.ts";
 * const r = parseClientControlRequest('{"type":"handshakePayload","protocol_version":3,"data":[1]}');
 * r.type; // "registerHandshakeInitRequest"
 * ```
 * @throws {MalformedMessageError} for invalid JSON, an unknown `type`, or a missing or
 * ill-typed field.
 * @throws {MessageTooLargeError} if longer than `maxLength`.
 */
export function parseClientControlRequest(
  text: string,
  options: ParseOptions = {},
): ClientControlRequest {
  const obj = parseJsonObject(text, options.maxLength ?? DEFAULT_MAX_TEXT_LENGTH, "request");
  const tag = readTag(obj);
  switch (tag) {
    case "authenticateV2":
      return parseAuthenticateV2(obj);
    case "registerHandshakeInitRequest":
    case "handshakePayload":
      return {
        type: "registerHandshakeInitRequest",
        protocolVersion: readOptionalU8(obj, "protocol_version"),
        data: readByteArray(obj, "data"),
        wireType: tag,
      };
    case "ecashCredential":
      return {
        type: "ecashCredential",
        encCredential: readByteArray(obj, "enc_credential"),
        nonce: readEcashNonce(obj),
      };
    case "upgradeModeJWT":
      return { type: "upgradeModeJWT", token: readString(obj, "token") };
    case "claimFreeTestnetBandwidth":
      return { type: "claimFreeTestnetBandwidth" };
    case "encryptedRequest":
      return {
        type: "encryptedRequest",
        ciphertext: readByteArray(obj, "ciphertext"),
        nonce: readByteArray(obj, "nonce"),
      };
    case "supportedProtocol":
      return { type: "supportedProtocol" };
    case "authenticate":
      return {
        type: "authenticate",
        protocolVersion: readOptionalU8(obj, "protocol_version"),
        address: readString(obj, "address"),
        encAddress: readString(obj, "enc_address"),
        iv: readString(obj, "iv"),
      };
    case "bandwidthCredential":
    case "bandwidthCredentialV2":
      return {
        type: tag,
        encCredential: readByteArray(obj, "enc_credential"),
        iv: readByteArray(obj, "iv"),
      };
    default:
      throw new MalformedMessageError(`unknown variant \`${tag}\``);
  }
}

/**
 * Serialises a request as the Rust client does (field order and names of the serde derive).
 *
 * @example
 * ```ts
 * import { serializeClientControlRequest } from "./client_request.ts";
 * serializeClientControlRequest({ type: "supportedProtocol" }); // '{"type":"supportedProtocol"}'
 * serializeClientControlRequest({ type: "upgradeModeJWT", token: "t" });
 * // '{"type":"upgradeModeJWT","token":"t"}'
 * ```
 */
export function serializeClientControlRequest(request: ClientControlRequest): string {
  switch (request.type) {
    case "authenticateV2":
      return JSON.stringify({
        type: "authenticateV2",
        protocolVersion: request.protocolVersion,
        clientIdentity: byteArray(request.clientIdentity),
        addressCiphertext: toBase64(request.addressCiphertext),
        nonce: toBase64(request.nonce),
        requestUnixTimestamp: request.requestUnixTimestamp,
        requestSignature: byteArray(request.requestSignature),
      });
    case "registerHandshakeInitRequest":
      return JSON.stringify({
        type: request.wireType,
        protocol_version: request.protocolVersion ?? null,
        data: byteArray(request.data),
      });
    case "ecashCredential":
      return JSON.stringify({
        type: "ecashCredential",
        enc_credential: byteArray(request.encCredential),
        iv: byteArray(request.nonce),
      });
    case "upgradeModeJWT":
      return JSON.stringify({ type: "upgradeModeJWT", token: request.token });
    case "claimFreeTestnetBandwidth":
      return '{"type":"claimFreeTestnetBandwidth"}';
    case "encryptedRequest":
      return JSON.stringify({
        type: "encryptedRequest",
        ciphertext: byteArray(request.ciphertext),
        nonce: byteArray(request.nonce),
      });
    case "supportedProtocol":
      return '{"type":"supportedProtocol"}';
    case "authenticate":
      return JSON.stringify({
        type: "authenticate",
        protocol_version: request.protocolVersion ?? null,
        address: request.address,
        enc_address: request.encAddress,
        iv: request.iv,
      });
    case "bandwidthCredential":
    case "bandwidthCredentialV2":
      return JSON.stringify({
        type: request.type,
        enc_credential: byteArray(request.encCredential),
        iv: byteArray(request.iv),
      });
  }
}
