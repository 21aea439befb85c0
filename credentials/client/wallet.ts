/**
 * A client's ticketbooks and the one call its gateway connection needs:
 * {@linkcode TicketbookWallet.nextCredential} picks a ticketbook of the wanted type that is valid
 * today (the one expiring first), **persists its advanced spend counter first**, then spends the
 * ticket — so a crash can lose a ticket but never reuse one (reusing a coin index under a new
 * PayInfo would be a double spend that reveals the user's key). Calls are serialised.
 *
 * How the client core uses it when its gateway reports low bandwidth (below
 * `DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD`, or an `out_of_bandwidth` error):
 *
 * ```ts no-eval
 * const credential = await wallet.nextCredential(gatewayIdentityKey); // 32-byte ed25519 key
 * const nonce = randomNonce(random);
 * socket.send(serializeClientControlRequest({
 *   type: "ecashCredential", encCredential: sealWithSharedKey(sharedKey, nonce, credential), nonce,
 * }));
 * // → {"type":"bandwidth","availableTotal":…} on success, {"type":"typedError",
 * //   "error":"ticket_replay"} or {"type":"error","message":…} otherwise.
 * ```
 *
 * Browser-safe with a browser store.
 *
 * @module
 */
import { toHex } from "../../crypto/bytes.ts";
import { type RandomSource, systemRandom } from "../../crypto/random.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import { ecashDay } from "../ecash_date.ts";
import { EcashError } from "../errors.ts";
import { type EcashParameters, setup } from "../params.ts";
import { type PreparedVerificationKey, prepareVerificationKey } from "../prepared_key.ts";
import { TicketType, ticketTypeName } from "../ticket_type.ts";
import type { ImportableTicketBook } from "../ticketbook.ts";
import { spendTicket, ticketsLeft, unspendableReason } from "./spending.ts";
import type { StoredTicketbook, TicketbookStore } from "./store.ts";

/**
 * No stored ticketbook can pay for a ticket of the wanted type today.
 *
 * @example
 * ```ts
 * import { NoTicketsError } from "./wallet.ts";
 * new NoTicketsError("no ticketbook").name; // "NoTicketsError"
 * ```
 */
export class NoTicketsError extends EcashError {
  override name = "NoTicketsError";
}

/** Options of {@linkcode TicketbookWallet}. */
export interface TicketbookWalletOptions {
  /** Where ticketbooks live. */
  readonly store: TicketbookStore;
  /** Scheme parameters (default `setup()`). */
  readonly params?: EcashParameters;
  /** Clock (spend date and PayInfo timestamp). */
  readonly clock?: Clock;
  /** Randomness (PayInfo, proofs, ids). */
  readonly random?: RandomSource;
}

/**
 * A client's ticketbooks.
 *
 * @example
 * ```ts
 * import { MemoryTicketbookStore } from "./store.ts";
 * import { TicketbookWallet } from "./wallet.ts";
 * const wallet = new TicketbookWallet({ store: new MemoryTicketbookStore() });
 * // const credential = await wallet.nextCredential(gatewayIdentityKey);
 * ```
 */
export class TicketbookWallet {
  readonly #store: TicketbookStore;
  readonly #params: EcashParameters;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #prepared = new Map<bigint, PreparedVerificationKey>();
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Creates a wallet over `store`.
   *
   * @example
   * ```ts
   * import { MemoryTicketbookStore } from "./store.ts";
   * import { TicketbookWallet } from "./wallet.ts";
   * const wallet = new TicketbookWallet({ store: new MemoryTicketbookStore() });
   * ```
   */
  constructor(options: TicketbookWalletOptions) {
    this.#store = options.store;
    this.#params = options.params ?? setup();
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
  }

  #serialised<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }

  #today(): number {
    return ecashDay(Math.floor(this.#clock.now() / 1000));
  }

  /**
   * Stores a ticketbook (from `obtainTicketbook` or an import); returns its id.
   *
   * @example
   * ```ts no-eval
   * const id = await wallet.add(await obtainTicketbook(set, { ticketType: 0 }));
   * ```
   */
  add(book: ImportableTicketBook): Promise<string> {
    return this.#serialised(async () => {
      const id = `tb-${toHex(this.#random(8))}`;
      await this.#store.put(id, book);
      return id;
    });
  }

  /**
   * Tickets of `ticketType` spendable today.
   *
   * @example
   * ```ts no-eval
   * await wallet.remaining(TicketType.V1MixnetEntry); // 50
   * ```
   */
  async remaining(ticketType: TicketType = TicketType.V1MixnetEntry): Promise<number> {
    const today = this.#today();
    return (await this.#store.list())
      .filter((s) => this.#usable(s, ticketType, today))
      .reduce((n, s) => n + ticketsLeft(this.#params, s.book), 0);
  }

  #usable(s: StoredTicketbook, ticketType: TicketType, today: number): boolean {
    return s.book.ticketbook.ticketType === ticketType &&
      unspendableReason(this.#params, s.book, today) === null;
  }

  #key(book: ImportableTicketBook): PreparedVerificationKey {
    const { epochId, key } = book.masterVerificationKey!;
    let prepared = this.#prepared.get(epochId);
    if (!prepared) {
      prepared = prepareVerificationKey(key);
      this.#prepared.set(epochId, prepared);
      while (this.#prepared.size > 4) this.#prepared.delete(this.#prepared.keys().next().value!);
    }
    return prepared;
  }

  /**
   * Spends one ticket of `ticketType` at the gateway `gatewayIdentity` (its 32-byte ed25519
   * key) and returns the `CredentialSpendingData` bytes to encrypt and send. Expired and
   * exhausted ticketbooks are removed on the way. Throws {@linkcode NoTicketsError} when none
   * is left.
   *
   * @example
   * ```ts no-eval
   * const credential = await wallet.nextCredential(gatewayIdentityKey);
   * ```
   */
  nextCredential(
    gatewayIdentity: Uint8Array,
    ticketType: TicketType = TicketType.V1MixnetEntry,
  ): Promise<Uint8Array> {
    return this.#serialised(async () => {
      const today = this.#today();
      const books = await this.#store.list();
      for (const s of books) {
        const tb = s.book.ticketbook;
        if (today > tb.expirationDate || tb.spentTickets >= this.#params.totalCoins) {
          await this.#store.remove(s.id);
        }
      }
      const candidates = books
        .filter((s) => this.#usable(s, ticketType, today))
        .sort((a, b) => a.book.ticketbook.expirationDate - b.book.ticketbook.expirationDate);
      const chosen = candidates[0];
      if (!chosen) {
        throw new NoTicketsError(
          `no ticketbook with ${
            ticketTypeName(ticketType)
          } tickets valid today; obtain one from the signers`,
        );
      }
      const nowSeconds = Math.floor(this.#clock.now() / 1000);
      const spent = spendTicket(
        this.#params,
        chosen.book,
        this.#key(chosen.book),
        gatewayIdentity,
        nowSeconds,
        this.#random,
      );
      // Persist the advanced counter before anyone can see the ticket.
      await this.#store.put(chosen.id, spent.book);
      return spent.credential;
    });
  }
}
