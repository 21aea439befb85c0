/**
 * The proxy's link to its network requester: what the SOCKS server needs from the mixnet,
 * behind a small interface so the proxy logic can be tested against an in-process provider.
 * {@linkcode MixnetProviderTransport} implements it over the client core (`clients.md` §5.2):
 *
 * - **anonymous** (default here): requests go out as `sendAnonymous` messages with reply SURBs
 *   attached (`connection_start_surbs` with a Connect, `per_request_surbs` with each Send); the
 *   provider answers through them and the core replenishes SURBs when the provider asks. Only
 *   `reply` messages are taken as responses.
 * - **with our address**: plain `send`; the Connect request carries our address and the
 *   provider sends plain messages back.
 *
 * Each connection id is its own transmission lane, so one busy download does not starve the
 * others and `laneQueueLength` is per-connection back-pressure.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { MixnetClient, ReceivedMessage } from "../client.ts";
import type { Recipient } from "../../message/mod.ts";

/** Reply SURBs sent with a query: one answer, one spare for a SURB request. */
const QUERY_SURBS = 2;

/** What kind of request is being sent (decides how many reply SURBs go with it). */
export type RequestKind = "connect" | "data";

/** The proxy's view of the mixnet. */
export interface ProviderTransport {
  /** Our address for Connect requests, or `null` in anonymous mode (the exit never learns it). */
  readonly returnAddress: Recipient | null;
  /**
   * Queues one encoded provider request on the lane of `connectionId`.
   *
   * @throws {Error} when the client refuses it (stopped, full queue).
   */
  send(request: Uint8Array, connectionId: bigint, kind: RequestKind): void;
  /**
   * Sends a provider query (e.g. `Description`). Queries are answered only through reply SURBs,
   * so this is anonymous in both modes.
   *
   * @throws {Error} when the client refuses it.
   */
  query(request: Uint8Array): void;
  /** Packets still queued on the lane of `connectionId` (back-pressure). */
  laneQueueLength(connectionId: bigint): number;
  /** Drops whatever is still queued for `connectionId`. */
  dropQueued(connectionId: bigint): void;
  /** Subscribes to the provider's responses (encoded); returns the unsubscribe function. */
  onResponse(handler: (response: Uint8Array) => void): () => void;
}

/** Options of {@linkcode MixnetProviderTransport}. */
export interface MixnetProviderTransportOptions {
  readonly client: MixnetClient;
  /** The network requester's address. */
  readonly provider: Recipient | string;
  /** Use reply SURBs (default true). */
  readonly anonymous?: boolean;
  /** SURBs sent with a Connect (default 20, upstream's `connection_start_surbs`). */
  readonly connectionStartSurbs?: number;
  /** SURBs sent with each Send (default 3, upstream's `per_request_surbs`). */
  readonly perRequestSurbs?: number;
  readonly logger?: Logger;
}

/**
 * {@linkcode ProviderTransport} over a running {@linkcode MixnetClient}.
 *
 * @example
 * ```ts no-eval
 * const transport = new MixnetProviderTransport({ client, provider: "id.enc@gw" });
 * transport.onResponse((bytes) => console.log(bytes.length));
 * ```
 */
export class MixnetProviderTransport implements ProviderTransport {
  readonly returnAddress: Recipient | null;
  readonly #client: MixnetClient;
  readonly #provider: Recipient | string;
  readonly #anonymous: boolean;
  readonly #startSurbs: number;
  readonly #perRequestSurbs: number;
  readonly #logger: Logger | undefined;

  /** Wraps `options.client`. */
  constructor(options: MixnetProviderTransportOptions) {
    this.#client = options.client;
    this.#provider = options.provider;
    this.#anonymous = options.anonymous ?? true;
    this.#startSurbs = options.connectionStartSurbs ?? 20;
    this.#perRequestSurbs = options.perRequestSurbs ?? 3;
    this.#logger = options.logger;
    this.returnAddress = this.#anonymous ? null : options.client.address;
  }

  send(request: Uint8Array, connectionId: bigint, kind: RequestKind): void {
    if (this.#anonymous) {
      const surbs = kind === "connect" ? this.#startSurbs : this.#perRequestSurbs;
      this.#client.sendAnonymous(this.#provider, request, surbs, { connectionId });
    } else {
      this.#client.send(this.#provider, request, { connectionId });
    }
  }

  query(request: Uint8Array): void {
    this.#client.sendAnonymous(this.#provider, request, QUERY_SURBS);
  }

  laneQueueLength(connectionId: bigint): number {
    return this.#client.laneQueueLength(connectionId);
  }

  dropQueued(connectionId: bigint): void {
    this.#client.closeConnection(connectionId);
  }

  onResponse(handler: (response: Uint8Array) => void): () => void {
    // Replies come through our SURBs (queries always, data in anonymous mode); plain messages
    // only when the provider was given our address.
    const accepted: ReceivedMessage["kind"][] = this.#anonymous ? ["reply"] : ["reply", "plain"];
    return this.#client.on("message", (message) => {
      if (!accepted.includes(message.kind)) {
        // Anyone who knows our address can send us plain messages; a provider never sends
        // anonymously (`clients.md` §5.3). Only the expected kinds are taken as responses.
        this.#logger?.debug("ignored a {kind} message: not a response of the provider", {
          kind: message.kind,
        });
        return;
      }
      handler(message.message);
    });
  }
}
