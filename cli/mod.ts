/**
 * The `nym-node` command line: `run`, `node-details`, `bonding-information`, `build-info`,
 * `sign` (and `migrate`, which only explains it is unsupported).
 *
 * @example
 * ```ts no-eval
 * import { runCli } from "./mod.ts";
 * const code = await runCli(["build-info", "-o", "json"], deps);
 * ```
 *
 * @module
 */
export * from "./program.ts";
export * from "./common.ts";
export * from "./parsers.ts";
export * from "./run.ts";
export * from "./node_details.ts";
export * from "./bonding_information.ts";
export * from "./build_info.ts";
export * from "./sign.ts";
export * from "./directory.ts";
export * from "./localnet/mod.ts";
