/**
 * The nym-api e-cash HTTP surface shared by signers (`../signer/`), clients (`../client/`) and
 * gateways (`../gateway/`): paths, JSON models and their field codecs. Pure and browser-safe.
 *
 * @example
 * ```ts
 * import { EcashRoutes, parseVerificationKeyResponse } from "./mod.ts";
 * // const vk = parseVerificationKeyResponse(await (await fetch(base + EcashRoutes.masterVerificationKey)).json());
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./json.ts";
export * from "./models.ts";
export * from "./routes.ts";
