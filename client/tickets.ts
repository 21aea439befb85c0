/**
 * zk-nym tickets for the client core: {@linkcode ClientTickets} spends tickets from a
 * {@linkcode TicketbookWallet} and, when none is left, obtains a new ticketbook from ≥ t of the
 * configured signers (`credentials-anchors.md` §A.3: withdrawal, issuance, aggregation) and
 * stores it first. The gateway connection calls {@linkcode TicketSource.nextCredential} when its
 * gateway refuses free bandwidth (`ONLY_ZK_NYMS_MESSAGE`) and bandwidth is low; upstream clients
 * in credentials mode spend one `V1MixnetEntry` ticket at a time the same way (`clients.md` §1.2).
 *
 * Browser-safe: signers are reached through the injected `fetch`, ticketbooks live in any
 * {@linkcode TicketbookStore} (memory by default; the Deno file store is
 * `credentials/client/file_store.ts`, used by `client/deno.ts` and `nym-node client`).
 *
 * Obtaining a ticketbook costs ≈ 1 s of CPU on the calling thread (mostly checking the
 * coin-index signatures) and happens at most once at a time.
 *
 * @module
 */
import type { RandomSource } from "../crypto/random.ts";
import type { Clock } from "../util/clock.ts";
import {
  discoverSigners,
  type FetchLike,
  MemoryTicketbookStore,
  NoTicketsError,
  obtainTicketbook,
  type TicketbookStore,
  TicketbookWallet,
} from "../credentials/client/mod.ts";
import { type EcashParameters, setup } from "../credentials/params.ts";
import { TicketType, ticketTypeName } from "../credentials/ticket_type.ts";
import { TicketsUnavailableError } from "./errors.ts";

/** What the gateway connection spends from. */
export interface TicketSource {
  /**
   * Spends one ticket at the gateway `gatewayIdentity` (its 32-byte ed25519 key) and returns
   * the serialised `CredentialSpendingData` to seal into an `ecashCredential` request.
   *
   * @example
   * ```ts no-eval
   * const credential = await tickets.nextCredential(gatewayIdentity);
   * ```
   */
  nextCredential(gatewayIdentity: Uint8Array): Promise<Uint8Array>;
}

/** The client's zk-nym settings ({@linkcode MixnetClientOptions.credentials}). */
export interface ClientCredentialsOptions {
  /**
   * Base URLs of the e-cash signers (nym-api in signer mode, `nym-node signer run`) to obtain
   * ticketbooks from when none is left. Upstream clients find them through the chain; empty
   * means: only spend stored (imported) ticketbooks.
   */
  readonly signerUrls: readonly string[];
  /** Where ticketbooks live (default: in memory, lost when the client stops). */
  readonly store?: TicketbookStore;
  /** Tickets to spend (default `V1MixnetEntry`, what gateways want for mixnet bandwidth). */
  readonly ticketType?: TicketType;
  /** Timeout of each signer request (default 15 s). */
  readonly signerTimeoutMs?: number;
}

/** Dependencies of {@linkcode ClientTickets} (the client's own). */
export interface ClientTicketsDeps {
  readonly random: RandomSource;
  readonly clock: Clock;
  readonly fetch?: FetchLike;
  /** Called after a new ticketbook was obtained and stored. */
  readonly onTicketbookObtained?: (tickets: number) => void;
}

/**
 * The client's tickets: a wallet over a store plus automatic issuance.
 *
 * @example
 * ```ts no-eval
 * import { ClientTickets } from "./tickets.ts";
 * const tickets = new ClientTickets({ signerUrls: ["http://127.0.0.1:8001/"] }, { random, clock });
 * const credential = await tickets.nextCredential(gatewayIdentity); // obtains a ticketbook first
 * ```
 */
export class ClientTickets implements TicketSource {
  readonly #options: ClientCredentialsOptions;
  readonly #deps: ClientTicketsDeps;
  readonly #store: TicketbookStore;
  readonly #ticketType: TicketType;
  #params: EcashParameters | undefined;
  #wallet: TicketbookWallet | undefined;
  #obtaining: Promise<void> | null = null;

  /**
   * Creates the ticket source (nothing is fetched until a ticket is needed).
   *
   * @example
   * ```ts no-eval
   * const tickets = new ClientTickets({ signerUrls, store }, { random: systemRandom, clock: systemClock });
   * ```
   */
  constructor(options: ClientCredentialsOptions, deps: ClientTicketsDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#store = options.store ?? new MemoryTicketbookStore();
    this.#ticketType = options.ticketType ?? TicketType.V1MixnetEntry;
  }

  /** The scheme parameters, derived once (≈ 0.3 s) and shared by issuance and spending. */
  #parameters(): EcashParameters {
    return this.#params ??= setup();
  }

  #walletOf(): TicketbookWallet {
    return this.#wallet ??= new TicketbookWallet({
      store: this.#store,
      params: this.#parameters(),
      clock: this.#deps.clock,
      random: this.#deps.random,
    });
  }

  /**
   * Tickets of the configured type spendable today.
   *
   * @example
   * ```ts no-eval
   * await tickets.remaining(); // 49
   * ```
   */
  remaining(): Promise<number> {
    return this.#walletOf().remaining(this.#ticketType);
  }

  /**
   * Obtains a ticketbook from the signers and stores it (one request at a time: concurrent
   * callers share it).
   *
   * @example
   * ```ts no-eval
   * await tickets.obtainTicketbook();
   * ```
   * @throws {TicketsUnavailableError} when no signers are configured, fewer than t answer, or
   * the ticketbook cannot be stored.
   */
  obtainTicketbook(): Promise<void> {
    this.#obtaining ??= this.#obtain().finally(() => this.#obtaining = null);
    return this.#obtaining;
  }

  async #obtain(): Promise<void> {
    const urls = this.#options.signerUrls;
    const what = ticketTypeName(this.#ticketType);
    if (urls.length === 0) {
      throw new TicketsUnavailableError(
        `no ${what} zk-nym tickets are stored and no signer URLs are configured to obtain a ticketbook`,
      );
    }
    const timeoutMs = this.#options.signerTimeoutMs ?? 15_000;
    let tickets: number;
    try {
      const set = await discoverSigners(urls, { fetch: this.#deps.fetch, timeoutMs });
      const book = await obtainTicketbook(set, {
        ticketType: this.#ticketType,
        params: this.#parameters(),
        random: this.#deps.random,
        clock: this.#deps.clock,
        fetch: this.#deps.fetch,
        timeoutMs,
      });
      const wallet = this.#walletOf();
      await wallet.add(book);
      tickets = await wallet.remaining(this.#ticketType);
    } catch (e) {
      throw new TicketsUnavailableError(
        `no ${what} zk-nym tickets are left and obtaining a ticketbook from the signers failed: ${
          (e as Error).message
        }`,
        { cause: e },
      );
    }
    this.#deps.onTicketbookObtained?.(tickets);
  }

  /**
   * Spends one ticket at `gatewayIdentity`, obtaining a ticketbook first when none is left.
   *
   * @example
   * ```ts no-eval
   * const credential = await tickets.nextCredential(gatewayIdentity);
   * ```
   * @throws {TicketsUnavailableError} when no ticket can be had.
   */
  async nextCredential(gatewayIdentity: Uint8Array): Promise<Uint8Array> {
    const wallet = this.#walletOf();
    try {
      return await wallet.nextCredential(gatewayIdentity, this.#ticketType);
    } catch (e) {
      if (!(e instanceof NoTicketsError)) {
        throw new TicketsUnavailableError(
          `cannot spend a zk-nym ticket: ${(e as Error).message}`,
          { cause: e },
        );
      }
    }
    await this.obtainTicketbook();
    try {
      return await wallet.nextCredential(gatewayIdentity, this.#ticketType);
    } catch (e) {
      throw new TicketsUnavailableError(
        `cannot spend a zk-nym ticket from the new ticketbook: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
}
