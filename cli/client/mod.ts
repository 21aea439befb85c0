/**
 * `nym-node client ...`: the native mixnet client's commands (`init`, `run`) and `socks5`.
 *
 * @example
 * ```ts no-eval
 * import { clientCommand } from "./mod.ts";
 * program.addCommand(clientCommand(deps));
 * ```
 *
 * @module
 */
export * from "./command.ts";
export * from "./socks5.ts";
