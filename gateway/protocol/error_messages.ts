/**
 * The text nym-node puts in `{"type":"error","message":…}` replies for refusals that are decided
 * by the server loop rather than by a parser in this folder (upstream
 * `gateway/src/node/client_handling/websocket/connection_handler/{fresh,authenticated}.rs`).
 * Clients only display these strings; matching them keeps logs and tooling comparable.
 *
 * @module
 */

/** Fixed refusal messages. */
export const GatewayErrorMessage = {
  /** A legacy `authenticate` request. */
  legacyAuthentication:
    "the legacy authentication method is no longer supported. please update your client",
  /** Any other first request than supportedProtocol / handshake init / authenticateV2. */
  invalidInitialRequest: "Only 'Register' or 'Authenticate' requests are allowed",
  /** A binary frame before authentication. */
  binaryBeforeAuthentication:
    "possibly received a sphinx packet without prior authentication. Request is going to be ignored",
  /** The client already has a live session (registration) or the old one answered the ping. */
  duplicateConnection: "There is already an open connection to this client",
  /** A new session whose signed timestamp is not newer than the live one's. */
  staleSessionOverwrite: "attempted to overwrite client session with a stale authentication",
  /** `bandwidthCredential` / `bandwidthCredentialV2`. */
  coconutCredentials:
    "The received request is not valid in the current context: coconut credential are not longer supported",
  /** An `encryptedRequest` that does not decrypt or parse. */
  invalidEncryptedTextRequest: "failed to decrypt provided text request",
  /** The first message did not arrive in time. */
  initialTimeout: "timed out while waiting for initial data",
} as const;

/**
 * The refusal of a request that is illegal once authenticated (`authenticate`,
 * `registerHandshakeInitRequest`); `name` is upstream's variant name.
 *
 * @example
 * ```ts
 * import { illegalRequestMessage } from "./error_messages.ts";
 * illegalRequestMessage("RegisterHandshakeInitRequest");
 * // "The received request is not valid in the current context: received illegal message of type RegisterHandshakeInitRequest in an authenticated client"
 * ```
 */
export function illegalRequestMessage(name: string): string {
  return `The received request is not valid in the current context: received illegal message of type ${name} in an authenticated client`;
}

/**
 * The reply to an unparseable text request from an authenticated client.
 *
 * @example
 * ```ts
 * import { malformedTextRequestMessage } from "./error_messages.ts";
 * malformedTextRequestMessage("missing field `token`");
 * // "Provided text request was malformed - missing field `token`"
 * ```
 */
export function malformedTextRequestMessage(detail: string): string {
  return `Provided text request was malformed - ${detail}`;
}

/**
 * The reply to a binary request that does not decode (`detail` is the `BinaryFrameError`
 * message).
 *
 * @example
 * ```ts
 * import { malformedBinaryRequestMessage } from "./error_messages.ts";
 * malformedBinaryRequestMessage("the request is too short");
 * // "Provided binary request was malformed - the request is too short"
 * ```
 */
export function malformedBinaryRequestMessage(detail: string): string {
  return `Provided binary request was malformed - ${detail}`;
}

/**
 * The `{"type":"error"}` message after a failed registration handshake (`detail` is the
 * `HandshakeError` message).
 *
 * @example
 * ```ts
 * import { handshakeFailureMessage } from "./error_messages.ts";
 * handshakeFailureMessage("received invalid signature");
 * // "Failed to perform registration handshake: received invalid signature"
 * ```
 */
export function handshakeFailureMessage(detail: string): string {
  return `Failed to perform registration handshake: ${detail}`;
}
