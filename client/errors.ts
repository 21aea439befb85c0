/**
 * Typed errors of the client core. Everything the core throws at an application is a
 * {@linkcode ClientError} with a message meant for people.
 *
 * @module
 */

/**
 * Base class of every client-core error.
 *
 * @example
 * ```ts
 * import { ClientError } from "./errors.ts";
 * new ClientError("x") instanceof Error; // true
 * ```
 */
export class ClientError extends Error {
  override name = "ClientError";
}

/**
 * A configuration value is out of range or two settings conflict.
 *
 * @example
 * ```ts
 * import { ClientConfigError } from "./errors.ts";
 * new ClientConfigError("traffic.averagePacketDelayMs: must be >= 0").name; // "ClientConfigError"
 * ```
 */
export class ClientConfigError extends ClientError {
  override name = "ClientConfigError";
}

/**
 * nym-api could not be reached or answered something unusable; `url` is the request.
 *
 * @example
 * ```ts
 * import { NymApiError } from "./errors.ts";
 * new NymApiError("http://127.0.0.1:8000/v1/x", "status 500").message;
 * // "nym-api request http://127.0.0.1:8000/v1/x failed: status 500"
 * ```
 */
export class NymApiError extends ClientError {
  override name = "NymApiError";
  /** The request URL. */
  readonly url: string;

  /** Creates an error for `url` with `detail`. */
  constructor(url: string, detail: string, options?: ErrorOptions) {
    super(`nym-api request ${url} failed: ${detail}`, options);
    this.url = url;
  }
}

/**
 * The network topology cannot route packets (a mix layer is empty, or a gateway is unknown).
 *
 * @example
 * ```ts
 * import { TopologyError } from "./errors.ts";
 * new TopologyError("layer 2 has no usable mix node").name; // "TopologyError"
 * ```
 */
export class TopologyError extends ClientError {
  override name = "TopologyError";
}

/**
 * No gateway fits the selection (none known, none with the requested identity, none with TLS).
 *
 * @example
 * ```ts
 * import { GatewaySelectionError } from "./errors.ts";
 * new GatewaySelectionError("no gateway with id X").name; // "GatewaySelectionError"
 * ```
 */
export class GatewaySelectionError extends ClientError {
  override name = "GatewaySelectionError";
}

/**
 * The gateway connection failed: WebSocket errors, timeouts, refused registration or
 * authentication, or an incompatible protocol.
 *
 * @example
 * ```ts
 * import { GatewayConnectionError } from "./errors.ts";
 * new GatewayConnectionError("authentication refused").name; // "GatewayConnectionError"
 * ```
 */
export class GatewayConnectionError extends ClientError {
  override name = "GatewayConnectionError";
}

/**
 * Stored client data (keys, registration, reply state) is missing, unreadable or corrupt.
 *
 * @example
 * ```ts
 * import { ClientStorageError } from "./errors.ts";
 * new ClientStorageError("keys are corrupt").name; // "ClientStorageError"
 * ```
 */
export class ClientStorageError extends ClientError {
  override name = "ClientStorageError";
}

/**
 * A send request the client refuses: bad arguments, a full queue, no reply SURBs for a sender
 * tag, or a stopped client.
 *
 * @example
 * ```ts
 * import { SendError } from "./errors.ts";
 * new SendError("the client is stopped").name; // "SendError"
 * ```
 */
export class SendError extends ClientError {
  override name = "SendError";
}

/**
 * The gateway gave no bandwidth: it accepts only zk-nym tickets and the client has none (no
 * ticketbook stored and none could be obtained from the signers), or it refused a ticket or a
 * free claim. Packets sent without bandwidth are dropped by the gateway.
 *
 * @example
 * ```ts
 * import { BandwidthError } from "./errors.ts";
 * new BandwidthError("the gateway accepts only zk-nym tickets").name; // "BandwidthError"
 * ```
 */
export class BandwidthError extends GatewayConnectionError {
  override name = "BandwidthError";
}

/**
 * No zk-nym ticket can be had: none is stored and obtaining a ticketbook from the signers
 * failed (or no signers are configured).
 *
 * @example
 * ```ts
 * import { TicketsUnavailableError } from "./errors.ts";
 * new TicketsUnavailableError("no signer answered").name; // "TicketsUnavailableError"
 * ```
 */
export class TicketsUnavailableError extends ClientError {
  override name = "TicketsUnavailableError";
}
