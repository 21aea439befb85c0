/**
 * `nym-node localnet` (`deno task localnet`): a directory, mix nodes and gateways on 127.0.0.1
 * as separate processes, in the foreground until SIGINT/SIGTERM.
 *
 * @module
 */
import { Command, Option } from "commander";
import type { CliDependencies } from "../common.ts";
import { parseIntegerIn, parsePort } from "../parsers.ts";
import { runLocalnet } from "./localnet.ts";

interface LocalnetCommandOptions {
  readonly dir: string;
  readonly mixnodes: number;
  readonly apiPort: number;
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
          signal: stop.signal,
          stdout: deps.output.stdout,
        });
      } finally {
        for (const s of signals) Deno.removeSignalListener(s, onSignal);
      }
    });
}
