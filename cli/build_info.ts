/**
 * `nym-node build-info`: the same document as `/api/v1/build-information`.
 *
 * @module
 */
import { Command } from "commander";
import { collectBuildInformation, formatBuildInformation } from "../node/build_info.ts";
import { addOutputOption, type CliDependencies } from "./common.ts";

/**
 * Builds the `build-info` subcommand.
 *
 * @example
 * ```ts no-eval
 * import { buildInfoCommand } from "./build_info.ts";
 * program.addCommand(buildInfoCommand(deps));
 * ```
 */
export function buildInfoCommand(deps: CliDependencies): Command {
  const command = new Command("build-info").description("show build information of this binary");
  addOutputOption(command, "build information");
  command.action(async (options: { output: "text" | "json" }) => {
    const info = await collectBuildInformation();
    deps.output.stdout(
      options.output === "json" ? `${JSON.stringify(info)}\n` : `${formatBuildInformation(info)}\n`,
    );
  });
  return command;
}
