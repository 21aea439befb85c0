/**
 * The clients connected to this gateway right now (`nym-node.md` §4.8 "active clients map"):
 * WebSocket sessions and embedded service-provider clients, keyed by the base58 address of
 * their identity. Final-hop messages for a listed client are handed to it; others go to the
 * mailbox.
 *
 * @module
 */

/** Outcome of handing a message to a connected client. */
export type DeliveryResult =
  /** Queued for the client. */
  | "delivered"
  /** The client is too slow (its queue is full): store the message instead. */
  | "busy";

/** A connected client as the router sees it. */
export interface ActiveClient {
  /** base58 of the client's ed25519 identity. */
  readonly address: string;
  /**
   * Unix seconds of the authentication that created this session (0 for registrations and
   * embedded clients); a newer duplicate must be newer than this.
   */
  readonly sessionTimestamp: number;
  /** Hands a final-hop message to the client. */
  deliver(message: Uint8Array): DeliveryResult;
  /** True iff the client answers a liveness probe within `timeoutMs`. */
  isAlive(timeoutMs: number): Promise<boolean>;
  /** Ends the session (a newer session for the same address replaced it). */
  disconnect(reason: string): void;
}

/** The registry of connected clients. */
export class ActiveClients {
  readonly #clients = new Map<string, ActiveClient>();

  /** Number of connected clients. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * The client connected under `address`, if any.
   *
   * @example
   * ```ts
   * import { ActiveClients } from "./active_clients.ts";
   * new ActiveClients().get("abc"); // undefined
   * ```
   */
  get(address: string): ActiveClient | undefined {
    return this.#clients.get(address);
  }

  /** Registers `client`, replacing any previous session of the same address. */
  set(client: ActiveClient): void {
    this.#clients.set(client.address, client);
  }

  /** Removes `client` if it is still the registered session for its address. */
  remove(client: ActiveClient): void {
    if (this.#clients.get(client.address) === client) this.#clients.delete(client.address);
  }

  /** Every connected client. */
  all(): IterableIterator<ActiveClient> {
    return this.#clients.values();
  }
}
