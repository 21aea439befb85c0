/**
 * A fetch-based client of one signer's nym-api e-cash routes (upstream `NymApiClientExt`).
 * Browser-safe: it only needs `fetch`. Every failure is an {@linkcode EcashApiRequestError}
 * (unreachable, timed out, error status with the signer's text, or a malformed answer).
 *
 * @module
 */
import type { BlindedSignature } from "../signature.ts";
import type { VerificationKeyAuth } from "../keys_auth.ts";
import { EcashApiFormatError, EcashApiRequestError } from "../api/errors.ts";
import { dateToJson } from "../api/json.ts";
import {
  type BlindSignRequestBody,
  blindSignRequestBodyToJson,
  type CoinIndicesSignaturesResponse,
  type ContractVkShare,
  type DkgEpochInfo,
  type ExpirationDateSignaturesResponse,
  parseBlindedSignatureResponse,
  parseCoinIndicesSignatures,
  parseContractVkShare,
  parseDkgEpochInfo,
  parseExpirationDateSignatures,
  parseSignerStatusResponse,
  parseTicketVerificationResponse,
  parseVerificationKeyResponse,
  type SignerStatusBody,
  type TicketVerificationRejection,
  type VerifyEcashTicketBody,
  verifyEcashTicketBodyToJson,
} from "../api/models.ts";
import { EcashRoutes } from "../api/routes.ts";

/** The `fetch` signature the client needs (inject a stub or a custom agent). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Options of {@linkcode EcashApiClient}. */
export interface EcashApiClientOptions {
  /** HTTP client (default: global `fetch`). */
  readonly fetch?: FetchLike;
  /** Per-request timeout in milliseconds (default 15 000). */
  readonly timeoutMs?: number;
  /** Largest accepted response body in bytes (default 1 MiB). */
  readonly maxResponseBytes?: number;
}

/**
 * One signer's e-cash API.
 *
 * @example
 * ```ts
 * import { EcashApiClient } from "./api_client.ts";
 * const api = new EcashApiClient("http://127.0.0.1:8000", { timeoutMs: 5000 });
 * // const master = await api.masterVerificationKey();
 * ```
 */
export class EcashApiClient {
  /** The base URL without a trailing slash (`http://127.0.0.1:8000`). */
  readonly baseUrl: string;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  /**
   * Creates a client for the nym-api at `baseUrl`.
   *
   * @example
   * ```ts
   * import { EcashApiClient } from "./api_client.ts";
   * const api = new EcashApiClient("http://127.0.0.1:8000/");
   * api.baseUrl; // "http://127.0.0.1:8000"
   * ```
   */
  constructor(baseUrl: string, options: EcashApiClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  }

  async #call<T>(
    path: string,
    query: Record<string, string | undefined>,
    parse: (json: unknown) => T,
    body?: unknown,
  ): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    const url = `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined
          ? { accept: "application/json" }
          : { accept: "application/json", "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      text = await readLimited(response, this.#maxBytes);
    } catch (e) {
      const reason = controller.signal.aborted
        ? `no answer within ${this.#timeoutMs} ms`
        : (e as Error).message;
      throw new EcashApiRequestError(url, 0, reason);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      throw new EcashApiRequestError(
        url,
        response.status,
        text.slice(0, 500) || response.statusText,
      );
    }
    try {
      return parse(JSON.parse(text));
    } catch (e) {
      if (e instanceof SyntaxError || e instanceof EcashApiFormatError) {
        throw new EcashApiRequestError(url, response.status, `malformed answer: ${e.message}`);
      }
      throw e;
    }
  }

  /**
   * `POST /v1/ecash/blind-sign`: the signer's blinded partial signature on a withdrawal request.
   *
   * @example
   * ```ts no-eval
   * const blinded = await api.blindSign(body);
   * ```
   */
  blindSign(body: BlindSignRequestBody): Promise<BlindedSignature> {
    return this.#call(
      EcashRoutes.blindSign,
      {},
      parseBlindedSignatureResponse,
      blindSignRequestBodyToJson(body),
    );
  }

  /**
   * `GET /v1/ecash/partial-expiration-date-signatures`.
   *
   * @example
   * ```ts no-eval
   * const { signatures } = await api.partialExpirationDateSignatures(expirationDate, 1n);
   * ```
   */
  partialExpirationDateSignatures(
    expirationDate?: number,
    epochId?: bigint,
  ): Promise<ExpirationDateSignaturesResponse> {
    return this.#call(
      EcashRoutes.partialExpirationDateSignatures,
      dateQuery(expirationDate, epochId),
      parseExpirationDateSignatures,
    );
  }

  /**
   * `GET /v1/ecash/aggregated-expiration-date-signatures`.
   *
   * @example
   * ```ts no-eval
   * const { signatures } = await api.aggregatedExpirationDateSignatures(expirationDate);
   * ```
   */
  aggregatedExpirationDateSignatures(
    expirationDate?: number,
    epochId?: bigint,
  ): Promise<ExpirationDateSignaturesResponse> {
    return this.#call(
      EcashRoutes.aggregatedExpirationDateSignatures,
      dateQuery(expirationDate, epochId),
      parseExpirationDateSignatures,
    );
  }

  /**
   * `GET /v1/ecash/partial-coin-indices-signatures`.
   *
   * @example
   * ```ts no-eval
   * const { signatures } = await api.partialCoinIndicesSignatures(1n);
   * ```
   */
  partialCoinIndicesSignatures(epochId?: bigint): Promise<CoinIndicesSignaturesResponse> {
    return this.#call(
      EcashRoutes.partialCoinIndicesSignatures,
      epochQuery(epochId),
      parseCoinIndicesSignatures,
    );
  }

  /**
   * `GET /v1/ecash/aggregated-coin-indices-signatures`.
   *
   * @example
   * ```ts no-eval
   * const { signatures } = await api.aggregatedCoinIndicesSignatures(1n);
   * ```
   */
  aggregatedCoinIndicesSignatures(epochId?: bigint): Promise<CoinIndicesSignaturesResponse> {
    return this.#call(
      EcashRoutes.aggregatedCoinIndicesSignatures,
      epochQuery(epochId),
      parseCoinIndicesSignatures,
    );
  }

  /**
   * `GET /v1/ecash/master-verification-key`.
   *
   * @example
   * ```ts no-eval
   * const masterKey = await api.masterVerificationKey(1n);
   * ```
   */
  masterVerificationKey(epochId?: bigint): Promise<VerificationKeyAuth> {
    return this.#call(
      EcashRoutes.masterVerificationKey,
      epochQuery(epochId),
      parseVerificationKeyResponse,
    );
  }

  /**
   * `POST /v1/ecash/verify-ecash-ticket`: `null` when the signer accepted the ticket.
   *
   * @example
   * ```ts no-eval
   * const rejection = await api.verifyEcashTicket({ credential, gatewayCosmosAddr });
   * ```
   */
  verifyEcashTicket(body: VerifyEcashTicketBody): Promise<TicketVerificationRejection | null> {
    return this.#call(
      EcashRoutes.verifyEcashTicket,
      {},
      parseTicketVerificationResponse,
      verifyEcashTicketBodyToJson(body),
    );
  }

  /**
   * `GET /v1/ecash/signer-status` (signed by the signer's ed25519 identity).
   *
   * @example
   * ```ts no-eval
   * const { body } = await api.signerStatus();
   * ```
   */
  signerStatus(): Promise<{ body: SignerStatusBody; signature: Uint8Array; plaintext: string }> {
    return this.#call(EcashRoutes.signerStatus, {}, parseSignerStatusResponse);
  }

  /**
   * Localnet stand-in for the DKG contract's epoch and threshold.
   *
   * @example
   * ```ts no-eval
   * const { epochId, threshold } = await api.dkgEpoch();
   * ```
   */
  dkgEpoch(): Promise<DkgEpochInfo> {
    return this.#call(EcashRoutes.localnetEpoch, {}, parseDkgEpochInfo);
  }

  /**
   * Localnet stand-in for the DKG contract's verification-key share of this signer.
   *
   * @example
   * ```ts no-eval
   * const { nodeIndex, share } = await api.verificationKeyShare();
   * ```
   */
  verificationKeyShare(): Promise<ContractVkShare> {
    return this.#call(EcashRoutes.localnetVkShare, {}, parseContractVkShare);
  }
}

function epochQuery(epochId?: bigint): Record<string, string | undefined> {
  return { epoch_id: epochId === undefined ? undefined : epochId.toString() };
}

function dateQuery(date?: number, epochId?: bigint): Record<string, string | undefined> {
  return {
    expiration_date: date === undefined ? undefined : dateToJson(date),
    ...epochQuery(epochId),
  };
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`answer of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`answer exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return new TextDecoder().decode(all);
}
