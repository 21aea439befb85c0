/**
 * Small shared helpers: injectable clocks, humantime durations, Rust-compatible IP and socket
 * address text forms, ISO countries, a YAML emitter, and the executable's logging setup.
 *
 * @example
 * ```ts
 * import { canonicalIp, formatDuration } from "./mod.ts";
 * canonicalIp("2001:db8:0:0::1"); // "2001:db8::1"
 * formatDuration(1500); // "1s 500ms"
 * ```
 *
 * @module
 */
export * from "./clock.ts";
export * from "./duration.ts";
export * from "./net.ts";
export * from "./country.ts";
export * from "./yaml.ts";
export * from "./logging.ts";
