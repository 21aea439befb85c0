/**
 * The common service-provider envelope (`nym-node.md` §5.1, `clients.md` §5.3, upstream
 * `service-providers/common/src/interface/{request,response}.rs`):
 *
 * ```
 * request  = interface_version u8 (3) ‖ tag (0x00 Control, 0x01 ProviderData) ‖ body
 * response = interface_version u8 (3) ‖ tag ‖ body
 * legacy (first byte < 3): the whole message is provider data, no version and no tag
 * ```
 *
 * Control messages do not exist in legacy mode. The SOCKS5 specialisations
 * ({@linkcode encodeSocks5ProviderRequest} and friends) are what clients and the network
 * requester exchange inside mixnet messages.
 *
 * @module
 */
import {
  type ControlRequest,
  type ControlResponse,
  decodeControlRequest,
  decodeControlResponse,
  encodeControlRequest,
  encodeControlResponse,
} from "./control.ts";
import { MalformedEnvelopeError } from "./errors.ts";
import {
  decodeSocks5Request,
  encodeSocks5Request,
  type Socks5Request,
  type Socks5RequestContent,
} from "./request.ts";
import {
  decodeSocks5Response,
  encodeSocks5Response,
  type Socks5Response,
  type Socks5ResponseContent,
} from "./response.ts";
import {
  CURRENT_VERSIONS,
  type Socks5Versions,
  versionFromByte,
  type WireVersion,
} from "./version.ts";

/** A request to a service provider: a control request or provider-specific data. */
export interface ProviderRequest<T> {
  readonly interfaceVersion: WireVersion;
  readonly content:
    | { readonly kind: "control"; readonly request: ControlRequest }
    | { readonly kind: "provider"; readonly request: T };
}

/** A response from a service provider. */
export interface ProviderResponse<T> {
  readonly interfaceVersion: WireVersion;
  readonly content:
    | { readonly kind: "control"; readonly response: ControlResponse }
    | { readonly kind: "provider"; readonly response: T };
}

/** A request to a network requester. */
export type Socks5ProviderRequest = ProviderRequest<Socks5Request>;
/** A response from a network requester. */
export type Socks5ProviderResponse = ProviderResponse<Socks5Response>;

const CONTROL_TAG = 0x00;
const PROVIDER_TAG = 0x01;

function envelope(version: WireVersion, tag: number, body: Uint8Array): Uint8Array {
  if (version === "legacy") {
    if (tag === CONTROL_TAG) {
      throw new MalformedEnvelopeError("control messages need a versioned interface");
    }
    return body;
  }
  const out = new Uint8Array(2 + body.length);
  out[0] = version;
  out[1] = tag;
  out.set(body, 2);
  return out;
}

function open(
  bytes: Uint8Array,
  what: "request" | "response",
): { version: WireVersion; tag: number; body: Uint8Array } {
  if (bytes.length === 0) throw new MalformedEnvelopeError(`${what} did not contain any data`);
  const version = versionFromByte(bytes[0]);
  if (version === "legacy") return { version, tag: PROVIDER_TAG, body: bytes };
  if (bytes.length < 2) {
    throw new MalformedEnvelopeError(
      `${what} did not contain enough data to get deserialized. Got only 1 bytes.`,
    );
  }
  if (bytes[1] !== CONTROL_TAG && bytes[1] !== PROVIDER_TAG) {
    throw new MalformedEnvelopeError(
      `${bytes[1]} does not correspond to any valid ${what} tag`,
    );
  }
  return { version, tag: bytes[1], body: bytes.subarray(2) };
}

/**
 * Encodes a provider request, with `encodeInner` for the provider data.
 *
 * @example
 * ```ts
 * import { encodeProviderRequest } from "./envelope.ts";
 * encodeProviderRequest(
 *   { interfaceVersion: 3, content: { kind: "control", request: "health" } },
 *   () => new Uint8Array(0),
 * ); // Uint8Array [3, 0, 0]
 * ```
 * @throws {MalformedEnvelopeError} for a control request in legacy mode.
 */
export function encodeProviderRequest<T>(
  request: ProviderRequest<T>,
  encodeInner: (inner: T) => Uint8Array,
): Uint8Array {
  const c = request.content;
  return c.kind === "control"
    ? envelope(request.interfaceVersion, CONTROL_TAG, encodeControlRequest(c.request))
    : envelope(request.interfaceVersion, PROVIDER_TAG, encodeInner(c.request));
}

/**
 * Decodes a provider request, with `decodeInner` for the provider data.
 *
 * @example
 * ```ts
 * import { decodeProviderRequest } from "./envelope.ts";
 * decodeProviderRequest(new Uint8Array([3, 0, 1]), (b) => b).content; // { kind: "control", request: "binary-info" }
 * ```
 * @throws {MalformedEnvelopeError} for a malformed envelope; whatever `decodeInner` throws.
 */
export function decodeProviderRequest<T>(
  bytes: Uint8Array,
  decodeInner: (body: Uint8Array) => T,
): ProviderRequest<T> {
  const { version, tag, body } = open(bytes, "request");
  return {
    interfaceVersion: version,
    content: tag === CONTROL_TAG
      ? { kind: "control", request: decodeControlRequest(body) }
      : { kind: "provider", request: decodeInner(body) },
  };
}

/**
 * Encodes a provider response, with `encodeInner` for the provider data.
 *
 * @example
 * ```ts
 * import { encodeProviderResponse } from "./envelope.ts";
 * encodeProviderResponse(
 *   { interfaceVersion: 3, content: { kind: "control", response: { kind: "health" } } },
 *   () => new Uint8Array(0),
 * ); // Uint8Array [3, 0, 0]
 * ```
 * @throws {MalformedEnvelopeError} for a control response in legacy mode.
 */
export function encodeProviderResponse<T>(
  response: ProviderResponse<T>,
  encodeInner: (inner: T) => Uint8Array,
): Uint8Array {
  const c = response.content;
  return c.kind === "control"
    ? envelope(response.interfaceVersion, CONTROL_TAG, encodeControlResponse(c.response))
    : envelope(response.interfaceVersion, PROVIDER_TAG, encodeInner(c.response));
}

/**
 * Decodes a provider response, with `decodeInner` for the provider data.
 *
 * @example
 * ```ts
 * import { decodeProviderResponse } from "./envelope.ts";
 * decodeProviderResponse(new Uint8Array([3, 0, 0]), (b) => b).content; // { kind: "control", response: { kind: "health" } }
 * ```
 * @throws {MalformedEnvelopeError} for a malformed envelope; whatever `decodeInner` throws.
 */
export function decodeProviderResponse<T>(
  bytes: Uint8Array,
  decodeInner: (body: Uint8Array) => T,
): ProviderResponse<T> {
  const { version, tag, body } = open(bytes, "response");
  return {
    interfaceVersion: version,
    content: tag === CONTROL_TAG
      ? { kind: "control", response: decodeControlResponse(body) }
      : { kind: "provider", response: decodeInner(body) },
  };
}

/**
 * Encodes a request to a network requester (the bytes of one mixnet message).
 *
 * @example
 * ```ts
 * import { encodeSocks5ProviderRequest, socks5Request } from "./envelope.ts";
 * encodeSocks5ProviderRequest(socks5Request({ kind: "query", query: "open-proxy" }));
 * // Uint8Array [3, 1, 3, 2, 0]
 * ```
 * @throws {Socks5ProtocolError} for unencodable content.
 */
export function encodeSocks5ProviderRequest(request: Socks5ProviderRequest): Uint8Array {
  return encodeProviderRequest(request, encodeSocks5Request);
}

/**
 * Decodes a request to a network requester (v3 or legacy).
 *
 * @example
 * ```ts
 * import { decodeSocks5ProviderRequest } from "./envelope.ts";
 * const req = decodeSocks5ProviderRequest(new Uint8Array([3, 1, 3, 2, 0]));
 * req.content.kind; // "provider"
 * ```
 * @throws {Socks5ProtocolError} for anything malformed.
 */
export function decodeSocks5ProviderRequest(bytes: Uint8Array): Socks5ProviderRequest {
  return decodeProviderRequest(bytes, decodeSocks5Request);
}

/**
 * Encodes a network requester's response.
 *
 * @example
 * ```ts
 * import { encodeSocks5ProviderResponse, socks5Response } from "./envelope.ts";
 * encodeSocks5ProviderResponse(socks5Response({ kind: "query", response: { kind: "open-proxy", open: true } }));
 * // Uint8Array [3, 1, 3, 3, 0, 1]
 * ```
 * @throws {Socks5ProtocolError} for unencodable content.
 */
export function encodeSocks5ProviderResponse(response: Socks5ProviderResponse): Uint8Array {
  return encodeProviderResponse(response, encodeSocks5Response);
}

/**
 * Decodes a network requester's response (v3 or legacy).
 *
 * @example
 * ```ts
 * import { decodeSocks5ProviderResponse } from "./envelope.ts";
 * decodeSocks5ProviderResponse(new Uint8Array([3, 1, 3, 3, 0, 1])).content.kind; // "provider"
 * ```
 * @throws {Socks5ProtocolError} for anything malformed.
 */
export function decodeSocks5ProviderResponse(bytes: Uint8Array): Socks5ProviderResponse {
  return decodeProviderResponse(bytes, decodeSocks5Response);
}

/**
 * Wraps SOCKS5 request content in a provider request (default: the current versions, 3/3).
 *
 * @example
 * ```ts
 * import { socks5Request } from "./envelope.ts";
 * socks5Request({ kind: "query", query: "description" }).interfaceVersion; // 3
 * ```
 */
export function socks5Request(
  content: Socks5RequestContent,
  versions: Socks5Versions = CURRENT_VERSIONS,
): Socks5ProviderRequest {
  return {
    interfaceVersion: versions.interface,
    content: { kind: "provider", request: { protocolVersion: versions.protocol, content } },
  };
}

/**
 * Wraps SOCKS5 response content in a provider response; a network requester answers with the
 * versions of the request it answers ({@linkcode socks5RequestVersions}).
 *
 * @example
 * ```ts
 * import { socks5Response } from "./envelope.ts";
 * socks5Response({ kind: "query", response: { kind: "description", description: "x" } })
 *   .interfaceVersion; // 3
 * ```
 */
export function socks5Response(
  content: Socks5ResponseContent,
  versions: Socks5Versions = CURRENT_VERSIONS,
): Socks5ProviderResponse {
  return {
    interfaceVersion: versions.interface,
    content: { kind: "provider", response: { protocolVersion: versions.protocol, content } },
  };
}

/**
 * The versions a provider-data request came with (a control request has no SOCKS5 version; the
 * current one is assumed).
 *
 * @example
 * ```ts
 * import { socks5Request, socks5RequestVersions } from "./envelope.ts";
 * import { LEGACY_VERSIONS } from "./version.ts";
 * socks5RequestVersions(socks5Request({ kind: "query", query: "open-proxy" }, LEGACY_VERSIONS));
 * // { interface: "legacy", protocol: "legacy" }
 * ```
 */
export function socks5RequestVersions(request: Socks5ProviderRequest): Socks5Versions {
  return {
    interface: request.interfaceVersion,
    protocol: request.content.kind === "provider"
      ? request.content.request.protocolVersion
      : CURRENT_VERSIONS.protocol,
  };
}
