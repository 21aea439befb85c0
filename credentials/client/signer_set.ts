/**
 * The set of signers a client obtains tickets from: their URLs, Lagrange indices and partial
 * verification keys, the epoch and the threshold. On Nyx these come from the DKG contract
 * (`all_ecash_api_clients`); in a localnet {@linkcode discoverSigners} asks each signer's
 * localnet stand-in routes instead (trusting each signer for its own share — acceptable for a
 * test network, where the dealer's `verification-keys.json` can be used to pin them).
 *
 * @module
 */
import { aggregateVerificationKeys } from "../aggregation.ts";
import { EcashError } from "../errors.ts";
import type { VerificationKeyAuth } from "../keys_auth.ts";
import { EcashApiClient, type FetchLike } from "./api_client.ts";

/** One signer of an epoch. */
export interface SignerInfo {
  /** nym-api base URL. */
  readonly url: string;
  /** Lagrange index. */
  readonly index: number;
  /** Partial verification key. */
  readonly verificationKey: VerificationKeyAuth;
}

/** The signers of one epoch. */
export interface SignerSet {
  /** DKG epoch. */
  readonly epochId: bigint;
  /** Shares needed (t). */
  readonly threshold: number;
  /** Known signers (at least t). */
  readonly signers: readonly SignerInfo[];
}

/**
 * Not enough signers answered, or they disagree.
 *
 * @example
 * ```ts
 * import { SignerDiscoveryError } from "./signer_set.ts";
 * new SignerDiscoveryError("no signer answered").name; // "SignerDiscoveryError"
 * ```
 */
export class SignerDiscoveryError extends EcashError {
  override name = "SignerDiscoveryError";
}

/** Options of {@linkcode discoverSigners}. */
export interface DiscoveryOptions {
  /** HTTP client. */
  readonly fetch?: FetchLike;
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * Asks every URL for its epoch, threshold and key share; keeps the signers of the epoch most of
 * them report. Needs at least t answers; unreachable signers are skipped.
 *
 * @example
 * ```ts no-eval
 * const set = await discoverSigners(["http://127.0.0.1:8001", "http://127.0.0.1:8002"]);
 * ```
 */
export async function discoverSigners(
  urls: readonly string[],
  options: DiscoveryOptions = {},
): Promise<SignerSet> {
  if (urls.length === 0) throw new SignerDiscoveryError("no signer URLs configured");
  const answers = await Promise.allSettled(urls.map(async (url) => {
    const api = new EcashApiClient(url, {
      fetch: options.fetch,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    const [epoch, share] = await Promise.all([api.dkgEpoch(), api.verificationKeyShare()]);
    if (share.epochId !== epoch.epochId) {
      throw new Error(
        `${api.baseUrl} reports epoch ${epoch.epochId} but a share of ${share.epochId}`,
      );
    }
    return { url: api.baseUrl, epoch, share };
  }));
  const ok = answers.flatMap((a) => a.status === "fulfilled" ? [a.value] : []);
  const failures = answers.flatMap((a) =>
    a.status === "rejected" ? [(a.reason as Error).message] : []
  );
  if (ok.length === 0) {
    throw new SignerDiscoveryError(`no signer answered: ${failures.join("; ")}`);
  }
  const votes = new Map<string, number>();
  for (const a of ok) {
    const key = `${a.epoch.epochId}/${a.epoch.threshold}`;
    votes.set(key, (votes.get(key) ?? 0) + 1);
  }
  const [winner] = [...votes.entries()].sort((x, y) => y[1] - x[1])[0];
  const chosen = ok.filter((a) => `${a.epoch.epochId}/${a.epoch.threshold}` === winner);
  const { epochId, threshold } = chosen[0].epoch;
  const signers: SignerInfo[] = [];
  for (const a of chosen) {
    if (signers.some((s) => s.index === a.share.nodeIndex)) continue;
    signers.push({ url: a.url, index: a.share.nodeIndex, verificationKey: a.share.share });
  }
  if (signers.length < threshold) {
    throw new SignerDiscoveryError(
      `only ${signers.length} of ${urls.length} signers answered for epoch ${epochId}; ` +
        `the threshold is ${threshold}${failures.length ? ` (${failures.join("; ")})` : ""}`,
    );
  }
  return { epochId, threshold, signers };
}

/**
 * The epoch's master key, interpolated from the known signers' keys (any t of them agree).
 *
 * @example
 * ```ts no-eval
 * const master = signerSetMasterKey(set);
 * ```
 */
export function signerSetMasterKey(set: SignerSet): VerificationKeyAuth {
  if (set.signers.length < set.threshold) {
    throw new SignerDiscoveryError(
      `${set.signers.length} signers known, ${set.threshold} needed to aggregate`,
    );
  }
  return aggregateVerificationKeys(
    set.signers.map((s) => s.verificationKey),
    set.signers.map((s) => s.index),
  );
}
