/**
 * `nym-node localnet` (`deno task localnet`): a directory, mix nodes and gateways on 127.0.0.1
 * as separate processes, in the foreground until SIGINT/SIGTERM.
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { CliDependencies } from "../common.ts";
import { parseIntegerIn, parsePort } from "../parsers.ts";
import { parseDuration } from "../../util/duration.ts";
import { runLocalnet } from "./localnet.ts";

interface LocalnetCommandOptions {
  readonly dir: string;
  readonly mixnodes: number;
  readonly apiPort: number;
  readonly credentials?: boolean;
  readonly epochDuration?: number;
  readonly keyValidityEpochs?: number;
  readonly exitPolicy?: string;
}

/** An epoch length of at least one second (the directory's lower bound, `directory/epoch.ts`). */
function parseEpochDuration(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  if (ms < 1000) throw new InvalidArgumentError(`${JSON.stringify(value)} is shorter than 1s`);
  return ms;
}

/**
 * The `localnet` command.
 *
 * @example
 * ```ts no-eval
 * import { localnetCommand } from "./command.ts";
 * program.addCommand(localnetCommand(deps));
 * ```
 */
export function localnetCommand(deps: CliDependencies): Command {
  return new Command("localnet")
    .description(
      "run a local test network (directory, mix nodes, entry and exit gateway) until Ctrl-C",
    )
    .addOption(new Option("--dir <dir>", "home of the localnet's nodes").default("./localnet"))
    .addOption(
      new Option("--mixnodes <n>", "number of mix nodes (spread over the 3 layers)")
        .argParser(parseIntegerIn(1, 64)).default(3),
    )
    .addOption(
      new Option("--api-port <port>", "port of the directory (0: any free port)")
        .argParser(parsePort).default(8000),
    )
    // Short epochs drive sphinx key rotations in seconds (tests/rotation_localnet_test.ts).
    // Both only shape a new localnet: an existing `<dir>/directory/directory.toml` is kept.
    .addOption(
      new Option("--epoch-duration <duration>", "epoch length of a new localnet (default 5m)")
        .argParser(parseEpochDuration),
    )
    .addOption(
      new Option(
        "--key-validity-epochs <n>",
        "epochs per sphinx key rotation of a new localnet (default 12)",
      ).argParser(parseIntegerIn(1, 0xffff_ffff)),
    )
    .addOption(
      new Option(
        "--credentials",
        "also run 3 zk-nym signers (threshold 2) and make the gateways enforce zk-nyms",
      ),
    )
    .addOption(
      new Option(
        "--exit-policy <file>",
        "exit policy file of the exit gateway's network requester (default: built-in policy)",
      ),
    )
    .action(async (options: LocalnetCommandOptions) => {
      const stop = new AbortController();
      const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
      const onSignal = () => stop.abort();
      for (const s of signals) Deno.addSignalListener(s, onSignal);
      try {
        await runLocalnet({
          dir: options.dir,
          mixnodes: options.mixnodes,
          apiPort: options.apiPort,
          credentials: options.credentials ?? false,
          epochDurationMs: options.epochDuration,
          validityEpochs: options.keyValidityEpochs,
          exitPolicyFile: options.exitPolicy,
          signal: stop.signal,
          stdout: deps.output.stdout,
        });
      } finally {
        for (const s of signals) Deno.removeSignalListener(s, onSignal);
      }
    });
}
