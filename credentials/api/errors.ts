/**
 * Errors of the nym-api e-cash HTTP layer shared by signers, clients and gateways.
 *
 * @module
 */
import { EcashError } from "../errors.ts";

/**
 * A JSON document does not have the shape of the nym-api model it should be. `path` names the
 * offending field (`inner_sign_request.zk_proof.challenge`).
 *
 * @example
 * ```ts
 * import { EcashApiFormatError } from "./errors.ts";
 * new EcashApiFormatError("deposit_id", "expected an integer").message;
 * // "deposit_id: expected an integer"
 * ```
 */
export class EcashApiFormatError extends EcashError {
  override name = "EcashApiFormatError";
  /** Creates the error for the field at `path`. */
  constructor(readonly path: string, detail: string) {
    super(`${path || "body"}: ${detail}`);
  }
}

/**
 * An e-cash API call failed: the signer was unreachable, timed out, or answered with an error
 * status (`status` is 0 when no HTTP answer arrived). `message` carries the signer's own text.
 *
 * @example
 * ```ts
 * import { EcashApiRequestError } from "./errors.ts";
 * const e = new EcashApiRequestError("http://127.0.0.1:8000", 400, "the provided expiration date is too late");
 * e.status; // 400
 * ```
 */
export class EcashApiRequestError extends EcashError {
  override name = "EcashApiRequestError";
  /** Creates the error for a call to `url` that ended with `status` and `detail`. */
  constructor(readonly url: string, readonly status: number, readonly detail: string) {
    super(status === 0 ? `${url}: ${detail}` : `${url}: HTTP ${status}: ${detail}`);
  }
}
