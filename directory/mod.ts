/**
 * The directory: the subset of nym-api that clients and nodes need (topology, rewarded set, key
 * rotation, described nodes), served from nodes that operators register and the directory polls
 * and verifies, with a live status page. `client.ts` is a typed client for the same API.
 *
 * @example
 * ```ts no-eval
 * import { defaultDirectoryConfig, startDirectory } from "./mod.ts";
 * const config = defaultDirectoryConfig();
 * const running = await startDirectory({ config, databasePath: ":memory:" });
 * await running.stop();
 * ```
 *
 * @module
 */
export * from "./api/mod.ts";
export * from "./address.ts";
export * from "./assignment.ts";
export * from "./client.ts";
export * from "./config.ts";
export * from "./describe.ts";
export * from "./directory.ts";
export * from "./epoch.ts";
export * from "./health.ts";
export * from "./http.ts";
export * from "./service.ts";
export * from "./status.ts";
export * from "./status_page.ts";
export * from "./store.ts";
export * from "./topology.ts";
export * from "./verify.ts";
