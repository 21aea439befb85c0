/**
 * The CPU-heavy part of accepting a ticket, as self-contained jobs that run either on the
 * calling thread or in a worker (`verify_worker.ts`): decoding the `CredentialSpendingData`
 * (≈ 17 ms: 13 point decompressions with subgroup checks) and `verifyTicket` (≈ 50 ms: the
 * spend proof and one batched pairing product), and `identify` on two payments sharing a serial
 * number. Jobs carry plain data only (bytes, numbers, strings), so they cross `postMessage`.
 *
 * @module
 */
import { encodeBase58 } from "../../crypto/base58.ts";
import { toHex } from "../../crypto/bytes.ts";
import { EcashDecodeError, EcashVerificationError } from "../errors.ts";
import { identify } from "../identify.ts";
import { decodeVerificationKey } from "../keys_auth.ts";
import { encodePublicKeyUser } from "../keys_user.ts";
import { type EcashParameters, setup } from "../params.ts";
import { type PreparedVerificationKey, prepareVerificationKey } from "../prepared_key.ts";
import { decodeCredentialSpendingData } from "../spending_data.ts";
import type { TicketType } from "../ticket_type.ts";
import { verifyTicket } from "../verify_ticket.ts";

/** Verify one ticket against an epoch key. */
export interface VerifyJob {
  readonly kind: "verify";
  /** `CredentialSpendingData` bytes. */
  readonly credential: Uint8Array;
  /** `VerificationKeyAuth::to_bytes` of the epoch's master key. */
  readonly verificationKey: Uint8Array;
  /** Today's e-cash date, unix seconds. */
  readonly today: number;
  /** Now, unix seconds. */
  readonly now: number;
  /** The gateway's ed25519 identity key. */
  readonly gatewayIdentity: Uint8Array;
  /** PayInfo clock tolerance in seconds. */
  readonly payInfoWindowSeconds: number;
  /** Ticket types credited here. */
  readonly acceptedTicketTypes: readonly TicketType[];
}

/** Identify the spender of two payments with one serial number. */
export interface IdentifyJob {
  readonly kind: "identify";
  /** The ticket accepted first. */
  readonly first: Uint8Array;
  /** The later one. */
  readonly second: Uint8Array;
}

/** A job for {@linkcode TicketJobRunner}. */
export type TicketJob = VerifyJob | IdentifyJob;

/** Outcome of a {@linkcode VerifyJob}. */
export type VerifyOutcome =
  | {
    readonly ok: true;
    readonly ticketType: TicketType;
    readonly bandwidth: number;
    /** The serial number re-encoded from the decoded points (canonical compressed form). */
    readonly serialNumber: Uint8Array;
  }
  /** `reason`: a `VerificationFailure`, or `"decode"` for malformed bytes. */
  | { readonly ok: false; readonly reason: string; readonly message: string };

/** Outcome of an {@linkcode IdentifyJob}. */
export type IdentifyOutcome =
  | { readonly kind: "double-spend"; readonly publicKey: string }
  | { readonly kind: "duplicate-pay-info" }
  | { readonly kind: "not-duplicate" }
  | { readonly kind: "error"; readonly message: string };

/** Outcome of a job, by kind. */
export type TicketJobOutcome<J extends TicketJob> = J extends VerifyJob ? VerifyOutcome
  : IdentifyOutcome;

/**
 * Runs ticket jobs, caching prepared epoch keys.
 *
 * @example
 * ```ts
 * // const runner = new TicketJobRunner();
 * // runner.run({ kind: "verify", credential, verificationKey, today, now, gatewayIdentity,
 * //   payInfoWindowSeconds: 30, acceptedTicketTypes: [0] });
 * ```
 */
export class TicketJobRunner {
  readonly #params: EcashParameters;
  readonly #keys = new Map<string, PreparedVerificationKey>();

  /**
   * Creates a runner (parameters default to `setup()`, ≈ 150 ms).
   *
   * @example
   * ```ts
   * import { TicketJobRunner } from "./ticket_jobs.ts";
   * const runner = new TicketJobRunner();
   * ```
   */
  constructor(params?: EcashParameters) {
    this.#params = params ?? setup();
  }

  #prepared(bytes: Uint8Array): PreparedVerificationKey {
    const id = toHex(bytes);
    let key = this.#keys.get(id);
    if (!key) {
      key = prepareVerificationKey(decodeVerificationKey(bytes));
      this.#keys.set(id, key);
      while (this.#keys.size > 4) this.#keys.delete(this.#keys.keys().next().value!);
    }
    return key;
  }

  /**
   * Runs one job; never throws for bad input (the outcome says what was wrong).
   *
   * @example
   * ```ts no-eval
   * const outcome = runner.run({ kind: "identify", first, second });
   * ```
   */
  run<J extends TicketJob>(job: J): TicketJobOutcome<J> {
    return (job.kind === "verify" ? this.#verify(job) : this.#identify(job)) as TicketJobOutcome<J>;
  }

  #verify(job: VerifyJob): VerifyOutcome {
    try {
      const data = decodeCredentialSpendingData(job.credential);
      const ticket = verifyTicket(this.#params, this.#prepared(job.verificationKey), data, {
        today: job.today,
        now: job.now,
        gatewayIdentity: job.gatewayIdentity,
        payInfoWindowSeconds: job.payInfoWindowSeconds,
        acceptedTicketTypes: job.acceptedTicketTypes,
      });
      return {
        ok: true,
        ticketType: ticket.ticketType,
        bandwidth: ticket.bandwidth,
        serialNumber: ticket.serialNumber,
      };
    } catch (e) {
      if (e instanceof EcashDecodeError) return { ok: false, reason: "decode", message: e.message };
      if (e instanceof EcashVerificationError) {
        return { ok: false, reason: e.reason, message: e.message };
      }
      return { ok: false, reason: "internal", message: (e as Error)?.message ?? String(e) };
    }
  }

  #identify(job: IdentifyJob): IdentifyOutcome {
    try {
      const a = decodeCredentialSpendingData(job.first);
      const b = decodeCredentialSpendingData(job.second);
      const result = identify(a.payment, b.payment, a.payInfo, b.payInfo);
      if (result.kind === "double-spend") {
        return {
          kind: "double-spend",
          publicKey: encodeBase58(encodePublicKeyUser(result.publicKey)),
        };
      }
      return { kind: result.kind };
    } catch (e) {
      return { kind: "error", message: (e as Error)?.message ?? String(e) };
    }
  }
}
