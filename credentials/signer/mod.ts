/**
 * The e-cash signer role for localnets (`nym-node signer keygen|init|run`): one trusted-dealer
 * key share, nym-api's e-cash routes over HTTP, SQLite bookkeeping, and free issuance behind the
 * {@linkcode DepositVerifier} seam where a Nyx deposit check plugs in.
 *
 * @example
 * ```ts no-eval
 * import { dealSignerKeys, startSignerService } from "./mod.ts";
 * const { shares } = dealSignerKeys(params, 2, 3, 1n, systemRandom);
 * const signer = await startSignerService({
 *   keys: shares[0], identity, databasePath: ":memory:", bindAddress: "127.0.0.1:0",
 * });
 * await signer.stop();
 * ```
 *
 * @module
 */
export * from "./app.ts";
export * from "./deposit.ts";
export * from "./home.ts";
export * from "./key_files.ts";
export * from "./service.ts";
export * from "./signer.ts";
export * from "./storage.ts";
