/**
 * The gateway's zk-nym ticket verifier: {@linkcode createTicketVerifier} returns the
 * `ZkNymTicketVerifier` the gateway session calls for every `ecashCredential` request
 * (`gateway/protocol/bandwidth.ts`; upstream `common/credential-verification`).
 *
 * For each ticket, cheapest check first:
 * 1. admission: at most `maxConcurrentPerClient` tickets of one client and `maxPending` in total
 *    are being checked at once (more are refused at once — no queue to flood);
 * 2. a structural peek (`peek.ts`): one ticket per request, spent today, a known ticket type this
 *    gateway accepts, a PayInfo bound to this gateway's identity within ±30 s;
 * 3. the durable spent-ticket store: a known serial number with the same PayInfo is a replay
 *    (`ticket_replay`); a reused PayInfo is refused;
 * 4. the epoch's master key (`key_source.ts`, from the signers, cached);
 * 5. decode + `verifyTicket` on the executor (a worker by default): ≈ 70 ms of CPU per ticket;
 * 6. the serial number is written (SQLite, `synchronous = FULL`) before bandwidth is granted:
 *    200 MB for a mixnet entry ticket, 100 MB exit, 500 MB WireGuard, valid until the end of
 *    today + 6 days (upstream `cred_exp_date`).
 *
 * A valid payment whose serial number was already spent under another PayInfo is a double
 * spend: both payments are stored as evidence with the spender's public key (`identify`), and
 * the ticket is refused as `ticket_replay`, as upstream gateways answer spent serials.
 *
 * Upstream additionally forwards accepted tickets to the signers (`/verify-ecash-ticket`) and
 * redeems them on chain; that is not done here.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { constantTimeEqual } from "../../crypto/bytes.ts";
import type {
  TicketVerdict,
  TicketVerificationRequest,
  ZkNymTicketVerifier,
} from "../../gateway/protocol/bandwidth.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import { defaultExpirationDate, ecashDay, formatEcashDate } from "../ecash_date.ts";
import { EcashArgumentError, EcashDecodeError } from "../errors.ts";
import { decodePayInfo } from "../spending_data.ts";
import { isTicketType, TicketType, ticketTypeName } from "../ticket_type.ts";
import { PAY_INFO_WINDOW_SECONDS } from "../verify_ticket.ts";
import type { FetchLike } from "../client/api_client.ts";
import { inlineTicketExecutor, type TicketJobExecutor, WorkerTicketExecutor } from "./executor.ts";
import { EpochKeySource } from "./key_source.ts";
import { type CredentialSummary, peekCredentialSpendingData } from "./peek.ts";
import { type DoubleSpendRecord, SpentTicketStore } from "./spent_store.ts";

/**
 * Upstream's refusal texts (`credential-verification/src/{error,ecash/error}.rs`).
 *
 * @example
 * ```ts
 * import { TicketRejection } from "./verifier.ts";
 * TicketRejection.duplicatePayInfo; // "received payinfo is a duplicate"
 * ```
 */
export const TicketRejection = {
  multipleTickets:
    "the received payment contained more than a single ticket. that's currently not supported",
  unknownTicketType: "provided unknown ticketbook type",
  payInfoKey: "provided payinfo's public key does not match provider's",
  payInfoTimestamp: "provided payinfo's timestamp is invalid",
  duplicatePayInfo: "received payinfo is a duplicate",
  malformedTicket: "the provided ticket failed to get verified",
} as const;

/** Options of {@linkcode createTicketVerifier}. */
export interface TicketVerifierOptions {
  /** Signer (nym-api) base URLs serving `/v1/ecash/master-verification-key`. */
  readonly signerUrls: readonly string[];
  /** The spent-ticket database, e.g. `<node data dir>/tickets.sqlite` (`":memory:"` in tests). */
  readonly databasePath: string;
  /** This gateway's ed25519 identity public key (32 bytes): tickets must be bound to it. */
  readonly gatewayIdentity: Uint8Array;
  /** Clock (spend date, PayInfo window, timestamps). */
  readonly clock?: Clock;
  /** HTTP client for the signers. */
  readonly fetch?: FetchLike;
  /** Where decoding and pairings run (default: a dedicated worker). */
  readonly executor?: "worker" | "inline" | TicketJobExecutor;
  /** Tickets of one client checked at once (default 1). */
  readonly maxConcurrentPerClient?: number;
  /** Tickets checked at once in total (default 8). */
  readonly maxPending?: number;
  /** Largest accepted credential in bytes (default 8 KiB; one ticket is ≈ 1.2 KiB). */
  readonly maxCredentialBytes?: number;
  /** Ticket types credited (default all four). */
  readonly acceptedTicketTypes?: readonly TicketType[];
  /** PayInfo clock tolerance (default 30 s). */
  readonly payInfoWindowSeconds?: number;
  /** Days spent serial numbers are kept (default 30; replays of older tickets fail the date check). */
  readonly retentionDays?: number;
  /** Per-signer timeout for key lookups (default 5 s). */
  readonly keyTimeoutMs?: number;
}

/** Counters of a {@linkcode GatewayTicketVerifier}. */
export interface TicketVerifierStats {
  /** Tickets accepted. */
  accepted: number;
  /** Replayed serial numbers refused (double spends included). */
  replays: number;
  /** Double spends detected (evidence stored). */
  doubleSpends: number;
  /** Other refusals. */
  rejected: number;
  /** Refused because too many were being checked. */
  busy: number;
}

const ALL_TYPES: readonly TicketType[] = [
  TicketType.V1MixnetEntry,
  TicketType.V1MixnetExit,
  TicketType.V1WireguardEntry,
  TicketType.V1WireguardExit,
];
const DAY = 86_400;
const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * The verifier the gateway service holds; `close()` it on shutdown.
 *
 * @example
 * ```ts
 * // const verifier = createTicketVerifier({ signerUrls, databasePath, gatewayIdentity });
 * // const verdict = await verifier.verify({ credential, clientAddress });
 * // await verifier.close();
 * ```
 */
export class GatewayTicketVerifier implements ZkNymTicketVerifier {
  readonly #o: TicketVerifierOptions;
  readonly #store: SpentTicketStore;
  readonly #keys: EpochKeySource;
  readonly #executor: TicketJobExecutor;
  readonly #clock: Clock;
  readonly #perClient = new Map<string, number>();
  readonly #accepted: readonly TicketType[];
  #pending = 0;
  #lastPrune = -Infinity;
  #closed = false;
  readonly #log = getLogger(["nym-node", "gateway", "zk-nym"]);
  /** Counters since start. */
  readonly stats: TicketVerifierStats = {
    accepted: 0,
    replays: 0,
    doubleSpends: 0,
    rejected: 0,
    busy: 0,
  };

  /** Use {@linkcode createTicketVerifier}. */
  constructor(
    options: TicketVerifierOptions,
    store: SpentTicketStore,
    executor: TicketJobExecutor,
  ) {
    if (options.gatewayIdentity.length !== 32) {
      throw new EcashArgumentError("gatewayIdentity must be a 32-byte ed25519 public key");
    }
    this.#o = options;
    this.#store = store;
    this.#executor = executor;
    this.#clock = options.clock ?? systemClock;
    this.#accepted = options.acceptedTicketTypes ?? ALL_TYPES;
    this.#keys = new EpochKeySource({
      signerUrls: options.signerUrls,
      fetch: options.fetch,
      timeoutMs: options.keyTimeoutMs,
      clock: this.#clock,
    });
  }

  /**
   * Verifies one ticket (see the module documentation for the order of checks).
   *
   * @example
   * ```ts no-eval
   * const verdict = await verifier.verify({ credential, clientAddress });
   * if (verdict.ok) grant(verdict.bandwidth, verdict.expiration);
   * ```
   */
  async verify(request: TicketVerificationRequest): Promise<TicketVerdict> {
    if (this.#closed) return this.#reject("zk-nym verification is shutting down");
    const { credential, clientAddress } = request;
    const maxBytes = this.#o.maxCredentialBytes ?? 8192;
    if (credential.length > maxBytes) {
      return this.#reject(
        `the ticket is ${credential.length} bytes; at most ${maxBytes} are accepted`,
      );
    }
    const mine = this.#perClient.get(clientAddress) ?? 0;
    if (mine >= (this.#o.maxConcurrentPerClient ?? 1)) {
      this.stats.busy++;
      return this.#reject(
        "another ticket of this client is being verified; wait for its answer before sending more",
      );
    }
    if (this.#pending >= (this.#o.maxPending ?? 8)) {
      this.stats.busy++;
      return this.#reject("the gateway is busy verifying other tickets; try again shortly");
    }
    this.#pending++;
    this.#perClient.set(clientAddress, mine + 1);
    try {
      return await this.#verify(credential, clientAddress);
    } finally {
      this.#pending--;
      const left = (this.#perClient.get(clientAddress) ?? 1) - 1;
      if (left > 0) this.#perClient.set(clientAddress, left);
      else this.#perClient.delete(clientAddress);
    }
  }

  #reject(message: string): TicketVerdict {
    this.stats.rejected++;
    return { ok: false, reason: "rejected", message };
  }

  #replay(): TicketVerdict {
    this.stats.replays++;
    return { ok: false, reason: "ticket_replay" };
  }

  async #verify(credential: Uint8Array, clientAddress: string): Promise<TicketVerdict> {
    const nowMs = this.#clock.now();
    const now = Math.floor(nowMs / 1000);
    const today = ecashDay(now);
    this.#maybePrune(today);

    let summary: CredentialSummary;
    try {
      summary = peekCredentialSpendingData(credential);
    } catch (e) {
      if (e instanceof EcashDecodeError) return this.#reject(`malformed ticket: ${e.message}`);
      throw e;
    }
    if (summary.spendValue !== 1) return this.#reject(TicketRejection.multipleTickets);
    if (summary.spendDate !== today) {
      return this.#reject(
        `the provided credential has an invalid spending date. got ${
          formatEcashDate(summary.spendDate)
        } but expected ${formatEcashDate(today)}`,
      );
    }
    if (!isTicketType(summary.ticketType)) return this.#reject(TicketRejection.unknownTicketType);
    if (!this.#accepted.includes(summary.ticketType)) {
      return this.#reject(
        `${ticketTypeName(summary.ticketType)} tickets are not accepted by this gateway`,
      );
    }
    const payInfo = decodePayInfo(summary.payInfo);
    if (!constantTimeEqual(payInfo.providerPublicKey, this.#o.gatewayIdentity)) {
      return this.#reject(TicketRejection.payInfoKey);
    }
    const window = this.#o.payInfoWindowSeconds ?? PAY_INFO_WINDOW_SECONDS;
    if (Math.abs(payInfo.timestamp - now) > window) {
      return this.#reject(TicketRejection.payInfoTimestamp);
    }

    const previous = this.#store.bySerialNumber(summary.serialNumber);
    if (previous && constantTimeEqual(previous.payInfo, summary.payInfo)) return this.#replay();
    if (!previous && this.#store.hasPayInfo(summary.payInfo)) {
      return this.#reject(TicketRejection.duplicatePayInfo);
    }

    let keyBytes: Uint8Array;
    try {
      keyBytes = (await this.#keys.get(summary.epochId)).bytes;
    } catch (e) {
      return this.#reject(
        `cannot verify tickets of epoch ${summary.epochId}: ${(e as Error).message}`,
      );
    }
    const outcome = await this.#executor.run({
      kind: "verify",
      credential,
      verificationKey: keyBytes,
      today,
      now,
      gatewayIdentity: this.#o.gatewayIdentity,
      payInfoWindowSeconds: window,
      acceptedTicketTypes: this.#accepted,
    });
    if (!outcome.ok) {
      this.#log.debug("ticket from {client} refused: {message}", {
        client: clientAddress,
        message: outcome.message,
      });
      if (outcome.reason === "decode") return this.#reject(`malformed ticket: ${outcome.message}`);
      return this.#reject(`${TicketRejection.malformedTicket}: ${outcome.message}`);
    }
    // Record the serial number as re-encoded from the verified points, so that another
    // encoding of the same point can never pass for a new ticket.
    const serialNumber = outcome.serialNumber;
    const prior = constantTimeEqual(serialNumber, summary.serialNumber)
      ? previous
      : this.#store.bySerialNumber(serialNumber);
    if (prior) {
      if (constantTimeEqual(prior.payInfo, summary.payInfo)) return this.#replay();
      return await this.#doubleSpend(serialNumber, credential, clientAddress, prior, nowMs);
    }
    const stored = this.#store.insert({
      serialNumber,
      payInfo: summary.payInfo,
      credential,
      clientAddress,
      epochId: summary.epochId,
      ticketType: summary.ticketType,
      spendDate: summary.spendDate,
      receivedAt: nowMs,
    });
    if (stored === "pay-info") return this.#reject(TicketRejection.duplicatePayInfo);
    if (stored === "serial") {
      // Another request with this serial number won the race while we were verifying.
      const winner = this.#store.bySerialNumber(serialNumber)!;
      if (constantTimeEqual(winner.payInfo, summary.payInfo)) return this.#replay();
      return await this.#doubleSpend(serialNumber, credential, clientAddress, winner, nowMs);
    }
    this.stats.accepted++;
    return {
      ok: true,
      bandwidth: outcome.bandwidth,
      expiration: defaultExpirationDate(now) * 1000,
    };
  }

  async #doubleSpend(
    serialNumber: Uint8Array,
    credential: Uint8Array,
    clientAddress: string,
    first: { credential: Uint8Array; clientAddress: string },
    nowMs: number,
  ): Promise<TicketVerdict> {
    const identified = await this.#executor.run({
      kind: "identify",
      first: first.credential,
      second: credential,
    });
    const publicKey = identified.kind === "double-spend" ? identified.publicKey : null;
    this.#store.recordDoubleSpend({
      serialNumber,
      firstCredential: first.credential,
      firstClientAddress: first.clientAddress,
      secondCredential: credential,
      secondClientAddress: clientAddress,
      publicKey,
      detectedAt: nowMs,
    });
    this.stats.doubleSpends++;
    this.#log.warn("double spend of a zk-nym ticket by e-cash key {publicKey} (client {client})", {
      publicKey: publicKey ?? "unidentified",
      client: clientAddress,
    });
    return this.#replay();
  }

  #maybePrune(today: number): void {
    const mono = this.#clock.monotonic();
    if (mono - this.#lastPrune < PRUNE_INTERVAL_MS) return;
    this.#lastPrune = mono;
    const removed = this.#store.pruneBefore(today - (this.#o.retentionDays ?? 30) * DAY);
    if (removed > 0) this.#log.info("forgot {removed} old spent tickets", { removed });
  }

  /**
   * Double-spend evidence recorded so far.
   *
   * @example
   * ```ts no-eval
   * verifier.doubleSpends().map((d) => d.publicKey);
   * ```
   */
  doubleSpends(): DoubleSpendRecord[] {
    return this.#store.doubleSpends();
  }

  /**
   * Stops the worker and closes the database (pending verifications fail).
   *
   * @example
   * ```ts no-eval
   * await verifier.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#executor.close();
    this.#store.close();
  }
}

/**
 * Creates the gateway's zk-nym verifier. Call once at start-up when `enforce_zk_nyms` is on (or
 * whenever tickets should be accepted), pass it to the sessions as `ticketVerifier`, and
 * `close()` it on shutdown.
 *
 * @example
 * ```ts no-eval
 * import { createTicketVerifier } from "./verifier.ts";
 * const verifier = createTicketVerifier({
 *   signerUrls: ["http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"],
 *   databasePath: `${dataDir}/tickets.sqlite`,
 *   gatewayIdentity: identity.publicKey,
 * });
 * ```
 */
export function createTicketVerifier(options: TicketVerifierOptions): GatewayTicketVerifier {
  const store = SpentTicketStore.open(options.databasePath);
  let executor: TicketJobExecutor;
  if (options.executor === "inline") executor = inlineTicketExecutor();
  else if (options.executor === undefined || options.executor === "worker") {
    executor = new WorkerTicketExecutor();
  } else executor = options.executor;
  try {
    return new GatewayTicketVerifier(options, store, executor);
  } catch (e) {
    store.close();
    void executor.close();
    throw e;
  }
}
