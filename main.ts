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
import { join } from "node:path";
import { runCli } from "./cli/program.ts";
import type { CliDependencies } from "./cli/common.ts";
import type { NodeContext, RoleService } from "./node/context.ts";
import { processEnvironment } from "./config/paths.ts";
import { writeStderr } from "./util/logging.ts";
import { MixnetService } from "./mixing/service.ts";
import { VerlocService } from "./mixing/verloc/service.ts";
import { GatewayService, type GatewayTicketVerifier } from "./gateway/service.ts";
import { createTicketVerifier } from "./credentials/gateway/mod.ts";
import { ExitService } from "./exit/service.ts";

/** File name of the gateway's spent-ticket database in the node's data directory. */
export const TICKETS_DATABASE_FILE = "tickets.sqlite";

/**
 * The gateway's zk-nym verifier (`credentials/gateway/`), built here because `gateway/` does
 * not import `credentials/` (CONTRIBUTING.md, data flow): one per gateway start, against the
 * signers of `gateway_tasks.zk_nyms.signer_urls`, bound to the node's identity key, with its
 * spent tickets in `<data dir>/tickets.sqlite`. Without signer URLs the gateway refuses tickets
 * (and `validateConfig` already refused `enforce_zk_nyms` without them).
 *
 * @example
 * ```ts no-eval
 * import { gatewayTicketVerifier } from "./main.ts";
 * new GatewayService({ mixnet, ticketVerifier: gatewayTicketVerifier });
 * ```
 */
export function gatewayTicketVerifier(ctx: NodeContext): GatewayTicketVerifier | undefined {
  const tasks = ctx.config.gateway_tasks;
  const signerUrls = tasks.zk_nyms.signer_urls;
  if (signerUrls.length === 0) {
    if (tasks.enforce_zk_nyms) {
      throw new Error(
        "enforce_zk_nyms is on but gateway_tasks.zk_nyms.signer_urls is empty (pass --ecash-signer-urls)",
      );
    }
    return undefined;
  }
  return createTicketVerifier({
    signerUrls,
    databasePath: join(ctx.paths.dataDir, TICKETS_DATABASE_FILE),
    gatewayIdentity: ctx.keys.current.identity.publicKey,
    clock: ctx.clock,
  });
}

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
  const gateway = new GatewayService({ mixnet, ticketVerifier: gatewayTicketVerifier });
  return [
    mixnet,
    gateway,
    // After the gateway: the network requester is a client of this node's own gateway.
    new ExitService({ gateway }),
    new VerlocService(),
  ];
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
