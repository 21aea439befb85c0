/**
 * nym-api e-cash paths (`nym-api/src/ecash/api_routes/*.rs`, client constants in
 * `validator-client/src/nym_api/routes.rs`), all under `/v1/ecash`, and the two localnet
 * stand-ins for DKG contract queries (see `models.ts`).
 *
 * @module
 */

/**
 * Prefix of every e-cash route.
 *
 * @example
 * ```ts
 * import { ECASH_PREFIX } from "./routes.ts";
 * ECASH_PREFIX; // "/v1/ecash"
 * ```
 */
export const ECASH_PREFIX = "/v1/ecash";

/**
 * The e-cash routes, relative to the nym-api base URL.
 *
 * @example
 * ```ts
 * import { EcashRoutes } from "./routes.ts";
 * EcashRoutes.blindSign; // "/v1/ecash/blind-sign"
 * ```
 */
export const EcashRoutes = {
  /** POST `BlindSignRequestBody` → `BlindedSignatureResponse`. */
  blindSign: `${ECASH_PREFIX}/blind-sign`,
  /** GET `?expiration_date=YYYY-MM-DD&epoch_id=N` → `PartialExpirationDateSignatureResponse`. */
  partialExpirationDateSignatures: `${ECASH_PREFIX}/partial-expiration-date-signatures`,
  /** GET `?epoch_id=N` → `PartialCoinIndicesSignatureResponse`. */
  partialCoinIndicesSignatures: `${ECASH_PREFIX}/partial-coin-indices-signatures`,
  /** GET `?epoch_id=N` → `VerificationKeyResponse` with the aggregated key. */
  masterVerificationKey: `${ECASH_PREFIX}/master-verification-key`,
  /** GET `?expiration_date=…&epoch_id=…` → `AggregatedExpirationDateSignatureResponse`. */
  aggregatedExpirationDateSignatures: `${ECASH_PREFIX}/aggregated-expiration-date-signatures`,
  /** GET `?epoch_id=N` → `AggregatedCoinIndicesSignatureResponse`. */
  aggregatedCoinIndicesSignatures: `${ECASH_PREFIX}/aggregated-coin-indices-signatures`,
  /** POST `VerifyEcashTicketBody` → `EcashTicketVerificationResponse`. */
  verifyEcashTicket: `${ECASH_PREFIX}/verify-ecash-ticket`,
  /** GET → `SignedMessage<EcashSignerStatusResponseBody>`. */
  signerStatus: `${ECASH_PREFIX}/signer-status`,
  /** Localnet stand-in (not nym-api): GET → `{epoch_id, threshold, signers}`. */
  localnetEpoch: `${ECASH_PREFIX}/localnet/dkg-epoch`,
  /** Localnet stand-in (not nym-api): GET → this signer's `ContractVKShare`. */
  localnetVkShare: `${ECASH_PREFIX}/localnet/verification-key-share`,
} as const;
