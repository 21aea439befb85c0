/**
 * zk-nym credentials: Nym's offline compact e-cash on BLS12-381, wire-compatible with upstream
 * `nym_offline_compact_ecash` / `nym-credentials(-interface)` (credentials-anchors.md §A,
 * nym-node.md §4.7). Pure code: no I/O, clocks or global randomness — callers pass
 * {@linkcode EcashParameters}, a `RandomSource` and the current time.
 *
 * Roles:
 * - **signer** (nym-api): {@linkcode ttpKeygen} (trusted dealer; the DKG is out of scope),
 *   {@linkcode issue}, {@linkcode signExpirationDate}, {@linkcode signCoinIndices}, and for
 *   ticket checks {@linkcode verifyPayment} / {@linkcode identify}.
 * - **client**: {@linkcode withdrawalRequest}, {@linkcode issueVerify}, {@linkcode aggregateWallets},
 *   {@linkcode aggregateExpirationSignatures}, {@linkcode aggregateCoinIndexSignatures},
 *   {@linkcode spend}, {@linkcode encodeCredentialSpendingData}.
 * - **gateway**: {@linkcode aggregateVerificationKeys}, {@linkcode prepareVerificationKey},
 *   {@linkcode decodeCredentialSpendingData}, {@linkcode verifyTicket}.
 *
 * The roles built on it live in sub-folders (not re-exported here): `api/` (nym-api e-cash paths
 * and JSON models), `signer/` (the localnet signer service), `client/` (obtaining, storing and
 * spending ticketbooks; browser-safe) and `gateway/` (the gateway's ticket verifier).
 *
 * @example
 * ```ts
 * import {
 *   aggregateVerificationKeys, setup, ttpKeygen, userKeypairFromSeed, withdrawalRequest,
 * } from "./mod.ts";
 * import { seededRandom } from "../crypto/random.ts";
 * const params = setup();
 * const random = seededRandom(new Uint8Array(32));
 * const signers = ttpKeygen(params, 2, 3, random);
 * const master = aggregateVerificationKeys(signers.map((s) => s.verificationKey), [1, 2, 3]);
 * const user = userKeypairFromSeed(params, new Uint8Array(32));
 * const { request, info } = withdrawalRequest(params, user.secretKey, 1702166400, 0, random);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./constants.ts";
export * from "./ticket_type.ts";
export * from "./scalar.ts";
export * from "./group.ts";
export * from "./hash.ts";
export * from "./bincode.ts";
export * from "./serde_codec.ts";
export * from "./params.ts";
export * from "./lagrange.ts";
export * from "./keys_auth.ts";
export * from "./keys_user.ts";
export * from "./signature.ts";
export * from "./proof_withdrawal.ts";
export * from "./withdrawal.ts";
export * from "./wallet.ts";
export * from "./aggregation.ts";
export * from "./batch.ts";
export * from "./expiration_date.ts";
export * from "./coin_index.ts";
export * from "./prepared_key.ts";
export * from "./proof_spend.ts";
export * from "./payment.ts";
export * from "./spend.ts";
export * from "./identify.ts";
export * from "./ecash_date.ts";
export * from "./spending_data.ts";
export * from "./verify_ticket.ts";
export * from "./ticketbook.ts";
