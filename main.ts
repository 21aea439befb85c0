/**
 * The `nym-node` executable and the daemon's composition root: the list of role services below
 * is what `nym-node run` can start (each role runs when one of its modes is enabled).
 *
 * Run it with the daemon's permissions:
 * `deno run --allow-net --allow-read --allow-write --allow-env --allow-sys --allow-ffi --allow-run main.ts run --local`
 * (`deno task start -- --local`), or compile it with `deno task compile`.
 *
 * @example
 * ```ts no-eval
 * import { main } from "./main.ts";
 * Deno.exit(await main(["build-info", "-o", "json"]));
 * ```
 *
 * @module
 */
import { runCli } from "./cli/program.ts";
import type { CliDependencies } from "./cli/common.ts";
import type { RoleService } from "./node/context.ts";
import { processEnvironment } from "./config/paths.ts";
import { writeStderr } from "./util/logging.ts";
import { MixnetService } from "./mixing/service.ts";
import { VerlocService } from "./mixing/verloc/service.ts";
import { GatewayService } from "./gateway/service.ts";

/**
 * The role services of this build. The mix node, gateway, exit and VerLoc roles are added here
 * as they are implemented; with none, `run` serves the HTTP API only.
 *
 * @example
 * ```ts no-eval
 * import { roleServices } from "./main.ts";
 * roleServices().map((r) => r.name);
 * ```
 */
export function roleServices(): RoleService[] {
  const mixnet = new MixnetService();
  return [mixnet, new GatewayService({ mixnet }), new VerlocService()];
}

function writeStdout(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

/**
 * Runs `nym-node` with `args` and returns the exit code.
 *
 * @example
 * ```ts no-eval
 * import { main } from "./main.ts";
 * await main(["--help"]); // 0
 * ```
 */
export function main(
  args: readonly string[],
  overrides: Partial<CliDependencies> = {},
): Promise<number> {
  return runCli(args, {
    roles: roleServices(),
    output: { stdout: writeStdout, stderr: writeStderr },
    env: processEnvironment,
    ...overrides,
  });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
