/**
 * The mixnet client for web pages: the client core ({@linkcode MixnetClient}) wired to what a
 * browser has — the page's `WebSocket` and `fetch`, the pure-JavaScript `@noble` crypto backend
 * with `crypto.getRandomValues`, and an IndexedDB store — behind a small string-friendly API.
 *
 * Unlike Nym's wasm client it runs the reference traffic model by default: the Poisson stream
 * that sends loop cover when idle and the separate loop cover stream (`clients.md` §2.1; pass
 * `config` overrides such as `lowLatencyOverrides()` to trade anonymity for speed).
 *
 * Browser-specific behaviour:
 * - **One client per store.** Two tabs running the same identity would fight over the gateway
 *   session ("There is already an open connection to this client", `clients.md` §7 #6). A Web
 *   Lock named after the store makes a second tab wait up to `lockTimeoutMs`, then fail with
 *   {@linkcode StoreInUseError}.
 * - **TLS.** Pages served over https cannot open `ws://` sockets (mixed content, §7 #10), so
 *   gateways are limited to `wss://` ones there unless `forceTls` says otherwise.
 * - **Page hide.** On `pagehide` (navigation, reload, tab close) the client stops: the gateway
 *   socket closes cleanly and saving the reply state starts (best effort: the page may be gone
 *   before IndexedDB commits; the core also saves it every minute). A page restored from the
 *   back/forward cache must start a new client.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { createNobleProvider } from "../../crypto/backends/noble.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { formatSenderTag } from "../../message/mod.ts";
import {
  type GatewayStatus,
  MixnetClient,
  type ReceivedMessage,
  type SendOptions,
  type SendReceipt,
} from "../client.ts";
import type { ClientConfigOverrides } from "../config.ts";
import { ClientError, ClientStorageError } from "../errors.ts";
import type { ClientStatsSnapshot } from "../stats.ts";
import { type ClientStorage, MemoryClientStorage } from "../storage/storage.ts";
import { type IdbFactory, type LockManagerLike, platformLocks } from "./idb_types.ts";
import { DEFAULT_CLIENT_DATABASE, IndexedDbClientStorage } from "./indexeddb_storage.ts";

/** How {@linkcode startNymClient} starts a client. */
export interface NymBrowserClientOptions {
  /** nym-api base URL(s), tried in turn, e.g. `"https://validator.nymtech.net/api/"`. */
  readonly nymApi: string | readonly string[];
  /** Base58 identity of the gateway to use; default: the stored one, else a random one. */
  readonly gateway?: string;
  /**
   * IndexedDB database holding the client's keys, gateway registration and reply state: the
   * same name gives the same address after a reload. Default `"nym-client"`.
   */
  readonly storeName?: string;
  /** Keep nothing: new keys and a new gateway registration on every start. Default false. */
  readonly ephemeral?: boolean;
  /**
   * Overrides of the reference defaults (cover traffic on), e.g. `lowLatencyOverrides()` or
   * `{ traffic: { averagePacketDelayMs: 5 } }`.
   */
  readonly config?: ClientConfigOverrides;
  /** Only use gateways reachable over `wss://`. Default: true on https pages, else false. */
  readonly forceTls?: boolean;
  /** How long to wait for another tab using the same store to let go. Default 5000 ms. */
  readonly lockTimeoutMs?: number;
  /** Stop the client on `pagehide`. Default true. */
  readonly stopOnPageHide?: boolean;
  /** The IndexedDB factory. Default: the page's `indexedDB`. */
  readonly indexedDB?: IdbFactory;
  /** The Web Locks manager, or `null` for none. Default: the page's `navigator.locks`. */
  readonly locks?: LockManagerLike | null;
  /** The crypto backend. Default: `createNobleProvider()`. */
  readonly crypto?: CryptoProvider;
  /** A logger (`@logtape/logtape`); default: the core's `["nym-node", "client"]`. */
  readonly logger?: Logger;
}

/** A message for the page. */
export interface IncomingMessage {
  /**
   * `plain`: sent with `send` (the sender is unknown); `anonymous`: sent with `sendAnonymous`,
   * answer with `reply(senderTag, ...)`; `reply`: an answer to one of our anonymous messages.
   */
  readonly kind: ReceivedMessage["kind"];
  /** The message bytes. */
  readonly data: Uint8Array;
  /** The anonymous sender's tag (base58) for `anonymous` messages, else `null`. */
  readonly senderTag: string | null;
  /** The bytes decoded as UTF-8 (invalid sequences become U+FFFD). */
  text(): string;
}

/**
 * Another tab or worker runs the client stored under the same name.
 *
 * @example
 * ```ts
 * import { StoreInUseError } from "./browser_client.ts";
 * new StoreInUseError("nym-client").name; // "StoreInUseError"
 * ```
 */
export class StoreInUseError extends ClientError {
  override name = "StoreInUseError";
  /** The store (IndexedDB database) name. */
  readonly storeName: string;

  /** For the store `storeName`. */
  constructor(storeName: string, waitedMs?: number) {
    super(
      `another tab or worker is running the client stored in "${storeName}"` +
        (waitedMs === undefined ? "" : ` (waited ${waitedMs} ms for it to stop)`),
    );
    this.storeName = storeName;
  }
}

const DEFAULT_LOCK_TIMEOUT_MS = 5000;

function pageIsHttps(): boolean {
  try {
    return (globalThis as { location?: { protocol?: string } }).location?.protocol === "https:";
  } catch {
    return false; // Deno without --location throws on `location`
  }
}

/** Takes the exclusive Web Lock of a store; resolves to its release function. */
async function lockStore(
  locks: LockManagerLike,
  storeName: string,
  timeoutMs: number,
): Promise<() => void> {
  const held = Promise.withResolvers<void>();
  const acquired = Promise.withResolvers<void>();
  const signal = AbortSignal.timeout(timeoutMs);
  locks.request(`nym-client:${storeName}`, { mode: "exclusive", signal }, () => {
    acquired.resolve();
    return held.promise;
  }).catch((e) => acquired.reject(e));
  try {
    await acquired.promise;
  } catch (e) {
    if (signal.aborted) throw new StoreInUseError(storeName, timeoutMs);
    throw new ClientStorageError(`cannot lock the store "${storeName}": ${(e as Error).message}`);
  }
  return () => held.resolve();
}

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

/**
 * A running client in a web page. Create it with {@linkcode startNymClient}.
 *
 * @example
 * ```ts no-eval
 * const client = await startNymClient({ nymApi: "https://validator.nymtech.net/api/" });
 * client.onMessage((m) => console.log(m.kind, m.text()));
 * client.send(client.address, "hello myself");
 * console.log(client.stats().coverPacketsSent);
 * await client.stop();
 * ```
 */
export class NymBrowserClient {
  /** The client core, for everything this wrapper does not expose (events, lanes, topology). */
  readonly core: MixnetClient;
  /** The client's address, `identity.encryption@gateway` (base58). */
  readonly address: string;
  /** The IndexedDB database in use, or `null` for an ephemeral client. */
  readonly storeName: string | null;
  readonly #storage: IndexedDbClientStorage | null;
  readonly #release: () => void;
  readonly #unlisten: () => void;
  #stopping: Promise<void> | undefined;

  private constructor(
    core: MixnetClient,
    storage: IndexedDbClientStorage | null,
    release: () => void,
    stopOnPageHide: boolean,
  ) {
    this.core = core;
    this.address = core.addressText;
    this.storeName = storage?.name ?? null;
    this.#storage = storage;
    this.#release = release;
    const onPageHide = () => void this.stop();
    const target = globalThis as unknown as Partial<EventTarget>;
    if (stopOnPageHide && typeof target.addEventListener === "function") {
      target.addEventListener("pagehide", onPageHide);
      this.#unlisten = () => target.removeEventListener?.("pagehide", onPageHide);
    } else {
      this.#unlisten = () => {};
    }
  }

  /**
   * Starts a client: loads (or creates) its keys and gateway registration from IndexedDB,
   * fetches the topology, connects to the gateway and starts the traffic streams.
   *
   * @throws {StoreInUseError} when another tab keeps the store; other {@linkcode ClientError}s
   * for nym-api, topology, gateway, storage or configuration problems.
   */
  static async start(options: NymBrowserClientOptions): Promise<NymBrowserClient> {
    const nymApiUrls = typeof options.nymApi === "string" ? [options.nymApi] : [...options.nymApi];
    let storage: IndexedDbClientStorage | null = null;
    let release = () => {};
    if (!options.ephemeral) {
      const name = options.storeName ?? DEFAULT_CLIENT_DATABASE;
      const locks = options.locks === undefined ? platformLocks() : options.locks;
      if (locks) {
        release = await lockStore(locks, name, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
      }
      storage = new IndexedDbClientStorage({ name, indexedDB: options.indexedDB });
    }
    try {
      const core = await MixnetClient.start({
        nymApiUrls,
        crypto: options.crypto ?? createNobleProvider(),
        storage: storage ?? (new MemoryClientStorage() satisfies ClientStorage),
        config: options.config,
        gateway: options.gateway,
        forceTls: options.forceTls ?? pageIsHttps(),
        logger: options.logger,
      });
      return new NymBrowserClient(core, storage, release, options.stopOnPageHide ?? true);
    } catch (e) {
      storage?.close();
      release();
      throw e;
    }
  }

  /** The gateway's identity (base58). */
  get gateway(): string {
    return this.core.gatewayIdentity;
  }

  /** Whether the client is stopped (by {@linkcode stop} or on `pagehide`). */
  get stopped(): boolean {
    return this.core.stopped;
  }

  /**
   * Sends `data` (bytes, or text as UTF-8) to `recipient`; the recipient learns nothing about
   * the sender.
   *
   * @throws {SendError} for a bad address, a stopped client or a full queue.
   */
  send(recipient: string, data: Uint8Array | string, options?: SendOptions): SendReceipt {
    return this.core.send(recipient, bytesOf(data), options);
  }

  /**
   * Sends `data` anonymously with `replySurbs` reply SURBs (default 10), so `recipient` can
   * answer with {@linkcode reply} without learning our address.
   *
   * @throws {SendError} for a bad address or SURB count, a stopped client or a full queue.
   */
  sendAnonymous(
    recipient: string,
    data: Uint8Array | string,
    replySurbs = 10,
    options?: SendOptions,
  ): SendReceipt {
    return this.core.sendAnonymous(recipient, bytesOf(data), replySurbs, options);
  }

  /**
   * Answers an anonymous message through the sender's reply SURBs.
   *
   * @throws {SendError} for a bad or unknown sender tag, an empty message or a stopped client.
   */
  reply(senderTag: string, data: Uint8Array | string, options?: SendOptions): SendReceipt {
    return this.core.reply(senderTag, bytesOf(data), options);
  }

  /**
   * Calls `handler` for every message received (messages that arrived before the first handler
   * are delivered to it). Returns the unsubscribe function.
   */
  onMessage(handler: (message: IncomingMessage) => void): () => void {
    return this.core.on("message", (m) => {
      const data = m.message;
      handler({
        kind: m.kind,
        data,
        senderTag: m.senderTag === null ? null : formatSenderTag(m.senderTag),
        text: () => new TextDecoder().decode(data),
      });
    });
  }

  /** Calls `handler` when the gateway connection drops or comes back. */
  onGatewayStatus(handler: (status: GatewayStatus) => void): () => void {
    return this.core.on("gatewayStatus", handler);
  }

  /** Packet, message, cover, ack and retransmission counters, queue lengths, gateway state. */
  stats(): ClientStatsSnapshot {
    return this.core.stats();
  }

  /** Stops the streams, closes the gateway socket, saves the reply state, frees the store. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#unlisten();
      try {
        await this.core.stop();
      } finally {
        this.#storage?.close();
        this.#release();
      }
    })();
    return this.#stopping;
  }
}

/**
 * Starts a mixnet client in a web page ({@linkcode NymBrowserClient.start}).
 *
 * @example
 * ```ts no-eval
 * // In a page: import { startNymClient } from "./nym-client.js";
 * const client = await startNymClient({ nymApi: "http://127.0.0.1:8000/" });
 * client.onMessage((m) => console.log(m.text()));
 * client.send(client.address, "hello");
 * ```
 * @throws {ClientError} as {@linkcode NymBrowserClient.start} does.
 */
export function startNymClient(options: NymBrowserClientOptions): Promise<NymBrowserClient> {
  return NymBrowserClient.start(options);
}
