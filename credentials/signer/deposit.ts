/**
 * The seam where a signer checks that a blind-sign request is paid for. Upstream nym-api looks
 * the request's `deposit_id` up on the e-cash contract (`get_deposit`), takes the ed25519 key the
 * depositor registered there (`bs58_encoded_ed25519_pubkey`) and verifies the request's signature
 * over {@linkcode depositRequestPlaintext} (`nym-api/src/ecash/deposit.rs`).
 *
 * - {@linkcode freeDepositVerifier}: a localnet's free issuance — every request passes.
 * - {@linkcode signedDepositVerifier}: the upstream check, given a deposit lookup. A Nyx
 *   deployment plugs in here with a CosmJS query, e.g.
 *   `(id) => cosmWasmClient.queryContractSmart(ecashContract, { get_deposit: { deposit_id: id } })`
 *   then base58-decoding `deposit.bs58_encoded_ed25519_pubkey` (`null` when there is no deposit).
 *
 * @module
 */
import { ed25519Verify } from "../../crypto/ed25519.ts";
import { type BlindSignRequestBody, depositRequestPlaintext } from "../api/models.ts";

/** The outcome of a deposit check. */
export type DepositVerdict =
  | { readonly ok: true }
  /** Refuse with HTTP 400 and this message. */
  | { readonly ok: false; readonly message: string };

/** Decides whether a blind-sign request is backed by a deposit. */
export interface DepositVerifier {
  /**
   * Checks `request`'s deposit.
   *
   * @example
   * ```ts
   * import { freeDepositVerifier } from "./deposit.ts";
   * // (await freeDepositVerifier.verify(body)).ok; // true
   * ```
   */
  verify(request: BlindSignRequestBody): Promise<DepositVerdict>;
}

/**
 * Localnet issuance: no chain, no deposit, every request is accepted.
 *
 * @example
 * ```ts
 * import { freeDepositVerifier } from "./deposit.ts";
 * // await freeDepositVerifier.verify(body); // { ok: true }
 * ```
 */
export const freeDepositVerifier: DepositVerifier = {
  verify: () => Promise.resolve({ ok: true }),
};

/**
 * Upstream's check: the deposit must exist and the request must be signed by its ed25519 key.
 * `lookup` returns the deposit's 32-byte ed25519 public key, or `null` for an unknown deposit.
 *
 * @example
 * ```ts
 * import { signedDepositVerifier } from "./deposit.ts";
 * const deposits = new Map<number, Uint8Array>();
 * const verifier = signedDepositVerifier((id) => Promise.resolve(deposits.get(id) ?? null));
 * ```
 */
export function signedDepositVerifier(
  lookup: (depositId: number) => Promise<Uint8Array | null>,
): DepositVerifier {
  return {
    async verify(request) {
      const key = await lookup(request.depositId);
      if (key === null) {
        return {
          ok: false,
          message: `could not find ecash deposit associated with id ${request.depositId}`,
        };
      }
      const plaintext = depositRequestPlaintext(request.innerSignRequest, request.depositId);
      if (key.length !== 32 || !ed25519Verify(key, plaintext, request.signature)) {
        return { ok: false, message: "signature didn't verify correctly" };
      }
      return { ok: true };
    },
  };
}
