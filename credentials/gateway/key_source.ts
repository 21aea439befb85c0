/**
 * The aggregated verification key of each epoch, for verifying tickets: fetched from the
 * configured signers' `/v1/ecash/master-verification-key?epoch_id=N`, trying them in turn
 * until one answers with a well-formed key (failover), then cached for the life of the process
 * (an epoch's key never changes). A failed lookup is remembered for a while so tickets naming
 * made-up epochs cannot turn the gateway into a request amplifier against the signers.
 *
 * Upstream gateways aggregate the signers' partial keys read from the DKG contract; a localnet
 * has no chain, so the signers' own aggregated key is used.
 *
 * @module
 */
import { type Clock, systemClock } from "../../util/clock.ts";
import { ATTRIBUTES } from "../constants.ts";
import { EcashError } from "../errors.ts";
import { encodeVerificationKey, type VerificationKeyAuth } from "../keys_auth.ts";
import { EcashApiClient, type FetchLike } from "../client/api_client.ts";

/**
 * No signer could provide the key of an epoch.
 *
 * @example
 * ```ts
 * import { EpochKeyUnavailableError } from "./key_source.ts";
 * new EpochKeyUnavailableError("no signer answered").name; // "EpochKeyUnavailableError"
 * ```
 */
export class EpochKeyUnavailableError extends EcashError {
  override name = "EpochKeyUnavailableError";
}

/** Options of {@linkcode EpochKeySource}. */
export interface EpochKeySourceOptions {
  /** Signer base URLs, tried in order. */
  readonly signerUrls: readonly string[];
  /** HTTP client. */
  readonly fetch?: FetchLike;
  /** Per-signer timeout (default 5 s). */
  readonly timeoutMs?: number;
  /** How long a failed epoch is not asked for again (default 60 s). */
  readonly retryAfterMs?: number;
  /** Clock for the retry delay. */
  readonly clock?: Clock;
  /** Most epochs kept (default 8). */
  readonly maxEpochs?: number;
}

/** A key with its upstream byte encoding (what workers receive). */
export interface EpochKey {
  /** The master key. */
  readonly key: VerificationKeyAuth;
  /** `encodeVerificationKey(key)`. */
  readonly bytes: Uint8Array;
}

/**
 * Per-epoch master keys with failover and caching.
 *
 * @example
 * ```ts
 * import { EpochKeySource } from "./key_source.ts";
 * const keys = new EpochKeySource({ signerUrls: ["http://127.0.0.1:8001"] });
 * // const { bytes } = await keys.get(1n);
 * ```
 */
export class EpochKeySource {
  readonly #o: EpochKeySourceOptions;
  readonly #clients: EcashApiClient[];
  readonly #keys = new Map<bigint, Promise<EpochKey>>();
  readonly #failed = new Map<bigint, { at: number; error: EpochKeyUnavailableError }>();

  /**
   * Creates the source.
   *
   * @example
   * ```ts
   * import { EpochKeySource } from "./key_source.ts";
   * const keys = new EpochKeySource({ signerUrls: ["http://127.0.0.1:8001"] });
   * ```
   */
  constructor(options: EpochKeySourceOptions) {
    if (options.signerUrls.length === 0) {
      throw new EpochKeyUnavailableError("no signer URLs configured for zk-nym verification");
    }
    this.#o = options;
    this.#clients = options.signerUrls.map((url) =>
      new EcashApiClient(url, { fetch: options.fetch, timeoutMs: options.timeoutMs ?? 5000 })
    );
  }

  /**
   * The master key of `epochId`; rejects with {@linkcode EpochKeyUnavailableError}.
   *
   * @example
   * ```ts no-eval
   * const { key, bytes } = await keys.get(1n);
   * ```
   */
  get(epochId: bigint): Promise<EpochKey> {
    const now = (this.#o.clock ?? systemClock).monotonic();
    const failed = this.#failed.get(epochId);
    if (failed && now - failed.at < (this.#o.retryAfterMs ?? 60_000)) {
      return Promise.reject(failed.error);
    }
    let pending = this.#keys.get(epochId);
    if (!pending) {
      pending = this.#fetch(epochId);
      this.#keys.set(epochId, pending);
      const max = this.#o.maxEpochs ?? 8;
      while (this.#keys.size > max) this.#keys.delete(this.#keys.keys().next().value!);
      pending.catch((error: EpochKeyUnavailableError) => {
        this.#keys.delete(epochId);
        this.#failed.set(epochId, { at: (this.#o.clock ?? systemClock).monotonic(), error });
        while (this.#failed.size > 64) this.#failed.delete(this.#failed.keys().next().value!);
      });
    }
    return pending;
  }

  async #fetch(epochId: bigint): Promise<EpochKey> {
    const reasons: string[] = [];
    for (const client of this.#clients) {
      try {
        const key = await client.masterVerificationKey(epochId);
        if (key.betaG2.length < ATTRIBUTES) {
          throw new Error(`key has ${key.betaG2.length} betas, ${ATTRIBUTES} needed`);
        }
        this.#failed.delete(epochId);
        return { key, bytes: encodeVerificationKey(key) };
      } catch (e) {
        reasons.push((e as Error).message);
      }
    }
    throw new EpochKeyUnavailableError(
      `no signer provided the verification key of epoch ${epochId}: ${reasons.join("; ")}`,
    );
  }
}
