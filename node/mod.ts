/**
 * The nym-node daemon: keys on disk, the role-service contract ({@linkcode RoleService},
 * {@linkcode NodeContext}), the composition root ({@linkcode startNode}), metrics, and the
 * self-described HTTP API.
 *
 * @example
 * ```ts no-eval
 * import { type RoleService, startNode } from "./mod.ts";
 * const mixing: RoleService = { name: "mixing", modes: ["mixnode"], start: async () => {}, stop: async () => {} };
 * const node = await startNode({ config, paths, keys, description, roles: [mixing] });
 * await node.stop();
 * ```
 *
 * @module
 */
export * from "./context.ts";
export * from "./daemon.ts";
export * from "./keys.ts";
export * from "./metrics.ts";
export * from "./setup.ts";
export * from "./rotation.ts";
export * from "./host_info.ts";
export * from "./load.ts";
export * from "./system_info.ts";
export * from "./build_info.ts";
export * as http from "./http/mod.ts";
