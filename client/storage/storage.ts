/**
 * Where a client keeps what must survive a restart: its keys, its gateway registration (the
 * shared key from the registration handshake, reused by `authenticateV2`) and its reply state
 * (sender tags, reply keys, received reply SURBs). The interface is asynchronous so the
 * browser bundle can implement it over IndexedDB; {@linkcode MemoryClientStorage} is here and
 * the Deno file store is in `file.ts`.
 *
 * @module
 */
import type { ClientKeys } from "../keys.ts";

/** The client's registration with its gateway. */
export interface GatewayRegistration {
  /** The gateway's Ed25519 identity (32 bytes). */
  readonly gatewayIdentity: Uint8Array;
  /** The WebSocket URL the client registered at. */
  readonly gatewayUrl: string;
  /** The 32-byte AES-256-GCM-SIV key from the registration handshake. */
  readonly sharedKey: Uint8Array;
  /** When the registration happened (ms since the epoch). */
  readonly registeredAtMs: number;
}

/** Persistent client state. Implementations must keep data across restarts and never lose it. */
export interface ClientStorage {
  /** The stored keys, or `null` for a new client. */
  loadKeys(): Promise<ClientKeys | null>;
  /** Stores keys; called once, when a client is created. */
  storeKeys(keys: ClientKeys): Promise<void>;
  /** The stored gateway registration, or `null` if none. */
  loadGatewayRegistration(): Promise<GatewayRegistration | null>;
  /** Stores (replaces) the gateway registration. */
  storeGatewayRegistration(registration: GatewayRegistration): Promise<void>;
  /** Forgets the gateway registration (e.g. the gateway no longer knows the client). */
  removeGatewayRegistration(): Promise<void>;
  /** The reply state as stored JSON text, or `null` if none. */
  loadReplyState(): Promise<string | null>;
  /** Stores (replaces) the reply state. */
  storeReplyState(json: string): Promise<void>;
}

function copyKeys(keys: ClientKeys): ClientKeys {
  return {
    identity: {
      secretKey: keys.identity.secretKey.slice(),
      publicKey: keys.identity.publicKey.slice(),
    },
    encryption: {
      secretKey: keys.encryption.secretKey.slice(),
      publicKey: keys.encryption.publicKey.slice(),
    },
    ackKey: keys.ackKey.slice(),
  };
}

/**
 * Storage in memory: for tests, ephemeral clients and as the model other stores follow.
 *
 * @example
 * ```ts
 * import { MemoryClientStorage } from "./storage.ts";
 * const storage = new MemoryClientStorage();
 * await storage.loadKeys(); // null
 * ```
 */
export class MemoryClientStorage implements ClientStorage {
  #keys: ClientKeys | null = null;
  #registration: GatewayRegistration | null = null;
  #replyState: string | null = null;

  /** @inheritdoc */
  loadKeys(): Promise<ClientKeys | null> {
    return Promise.resolve(this.#keys === null ? null : copyKeys(this.#keys));
  }

  /** @inheritdoc */
  storeKeys(keys: ClientKeys): Promise<void> {
    this.#keys = copyKeys(keys);
    return Promise.resolve();
  }

  /** @inheritdoc */
  loadGatewayRegistration(): Promise<GatewayRegistration | null> {
    const r = this.#registration;
    return Promise.resolve(
      r === null
        ? null
        : { ...r, gatewayIdentity: r.gatewayIdentity.slice(), sharedKey: r.sharedKey.slice() },
    );
  }

  /** @inheritdoc */
  storeGatewayRegistration(registration: GatewayRegistration): Promise<void> {
    this.#registration = {
      ...registration,
      gatewayIdentity: registration.gatewayIdentity.slice(),
      sharedKey: registration.sharedKey.slice(),
    };
    return Promise.resolve();
  }

  /** @inheritdoc */
  removeGatewayRegistration(): Promise<void> {
    this.#registration = null;
    return Promise.resolve();
  }

  /** @inheritdoc */
  loadReplyState(): Promise<string | null> {
    return Promise.resolve(this.#replyState);
  }

  /** @inheritdoc */
  storeReplyState(json: string): Promise<void> {
    this.#replyState = json;
    return Promise.resolve();
  }
}
