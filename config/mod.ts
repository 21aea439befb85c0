/**
 * nym-node configuration: the `config.toml` schema, its TOML load/save, default values, the
 * node's paths and `description.toml`.
 *
 * @example
 * ```ts
 * import { newConfig, parseConfig, stringifyConfig } from "./mod.ts";
 * const config = newConfig("my-node", "/srv/nym/data");
 * parseConfig(stringifyConfig(config)).id; // "my-node"
 * ```
 *
 * @module
 */
export * from "./defaults.ts";
export * from "./errors.ts";
export * as fields from "./fields.ts";
export { InvalidFieldError } from "./fields.ts";
export * from "./schema.ts";
export * from "./paths.ts";
export * from "./io.ts";
export * from "./description.ts";
export * from "./atomic_write.ts";
