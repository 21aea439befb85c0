/**
 * The permissions and V8 settings `nym-node` runs with. `deno task start` and `deno task compile`
 * spell the same flags in `deno.json`; the localnet and the tests start node processes with this
 * list, so every process under test has exactly the daemon's rights.
 *
 * @module
 */

/**
 * `deno run` flags of the daemon.
 *
 * @example
 * ```ts
 * import { DAEMON_PERMISSIONS } from "./permissions.ts";
 * const args = ["run", ...DAEMON_PERMISSIONS, "main.ts", "run", "--local"];
 * args.includes("--allow-ffi"); // true
 * ```
 */
export const DAEMON_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  // libsodium through FFI is the fast crypto backend; without it the node uses node:crypto.
  "--allow-ffi",
  "--allow-run",
  // Small young-generation semi-spaces keep a busy node's memory down and its GC pauses short.
  "--v8-flags=--max-semi-space-size=4",
];
