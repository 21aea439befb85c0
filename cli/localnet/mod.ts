/**
 * `nym-node localnet`: a whole test network on 127.0.0.1 in one command.
 *
 * @example
 * ```ts no-eval
 * import { localnetCommand } from "./mod.ts";
 * program.addCommand(localnetCommand(deps));
 * ```
 *
 * @module
 */
export * from "./command.ts";
export * from "./localnet.ts";
export * from "./signers.ts";
export * from "./supervisor.ts";
