/**
 * The `nym-node` command line (`nym-node.md` §1.1–1.3): `run`, `node-details`,
 * `bonding-information`, `build-info`, `sign`, `migrate`. Errors are printed as one
 * `error: ...` line and give a non-zero exit code.
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../config/errors.ts";
import { BUILD_VERSION } from "../node/build_info.ts";
import { KeyFileError } from "../node/keys.ts";
import { NodeStartError } from "../node/daemon.ts";
import { HttpBindError } from "../node/http/server.ts";
import {
  configureLogging,
  type LogFormat,
  type LogLevelName,
  parseLogFormat,
  parseLogLevel,
} from "../util/logging.ts";
import { bondingInformationCommand } from "./bonding_information.ts";
import { buildInfoCommand } from "./build_info.ts";
import { clientCommand } from "./client/mod.ts";
import { type CliDependencies, CliError } from "./common.ts";
import { directoryCommand } from "./directory.ts";
import { localnetCommand, LocalnetError } from "./localnet/mod.ts";
import { DirectoryStoreError } from "../directory/store.ts";
import { nodeDetailsCommand } from "./node_details.ts";
import { RUN_FLAG_ALIASES, runCommand } from "./run.ts";
import { signCommand } from "./sign.ts";
import { signerCommand } from "./signer.ts";

/**
 * Parses a `.env` file (`KEY=VALUE` lines, `#` comments, optional quotes, optional `export`).
 *
 * @example
 * ```ts
 * import { parseEnvFile } from "./program.ts";
 * parseEnvFile('# net\nNYM_API="http://127.0.0.1:8000"\n').get("NYM_API"); // "http://127.0.0.1:8000"
 * ```
 */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    out.set(match[1], match[2].replace(/^(["'])(.*)\1$/, "$2"));
  }
  return out;
}

/**
 * Rewrites the flag aliases commander cannot express (`--accept-t&c`, `--http-bearer-token`, ...).
 *
 * @example
 * ```ts
 * import { rewriteAliases } from "./program.ts";
 * rewriteAliases(["run", "--accept-t&c"]); // ["run", "--accept-operator-terms-and-conditions"]
 * ```
 */
export function rewriteAliases(args: readonly string[]): string[] {
  return args.map((arg) => {
    const [flag, ...rest] = arg.split("=");
    const canonical = RUN_FLAG_ALIASES[flag];
    if (!canonical) return arg;
    return rest.length > 0 ? `${canonical}=${rest.join("=")}` : canonical;
  });
}

/**
 * Builds the command tree. Commands only run through {@linkcode runCli}.
 *
 * @example
 * ```ts no-eval
 * import { createProgram } from "./program.ts";
 * createProgram(deps).helpInformation();
 * ```
 */
export function createProgram(deps: CliDependencies): Command {
  const fileVariables = new Map<string, string>();
  const env = { get: (name: string) => fileVariables.get(name) ?? deps.env.get(name) };
  const scoped: CliDependencies = { ...deps, env };
  const program = new Command("nym-node")
    .description("Nym mixnet node (TypeScript implementation, wire-compatible with nym-node)")
    .version(BUILD_VERSION, "-V, --version", "print the version")
    .addOption(
      new Option(
        "-c, --config-env-file <path>",
        "env file with network settings (NYM_API, NYXD, ...) overriding the defaults",
      ).env("NYMNODE_CONFIG_ENV_FILE_ARG"),
    )
    .addOption(
      new Option("--no-banner", "do not print the banner (none is printed)").env(
        "NYMNODE_NO_BANNER",
      ),
    )
    .addOption(
      new Option("--log-level <level>", "lowest log level: trace, debug, info, warning, error")
        .env("NYMNODE_LOG_LEVEL").argParser(parseLogLevel).default("info"),
    )
    .addOption(
      new Option("--log-format <format>", "log format on standard error: text or json")
        .env("NYMNODE_LOG_FORMAT").argParser(parseLogFormat).default("text"),
    )
    .showSuggestionAfterError(true);

  program.hook("preAction", async () => {
    const options = program.opts<
      { configEnvFile?: string; logLevel: LogLevelName; logFormat: LogFormat }
    >();
    await (deps.configureLogging ?? configureLogging)({
      level: options.logLevel,
      format: options.logFormat,
    });
    if (options.configEnvFile) {
      let text: string;
      try {
        text = await Deno.readTextFile(options.configEnvFile);
      } catch (error) {
        throw new CliError(
          `cannot read the env file ${options.configEnvFile}: ${(error as Error).message}`,
        );
      }
      for (const [key, value] of parseEnvFile(text)) fileVariables.set(key, value);
    }
  });

  program.addCommand(buildInfoCommand(scoped));
  program.addCommand(bondingInformationCommand(scoped));
  program.addCommand(nodeDetailsCommand(scoped));
  program.addCommand(runCommand(scoped));
  program.addCommand(signCommand(scoped));
  program.addCommand(signerCommand(scoped));
  program.addCommand(directoryCommand(scoped));
  program.addCommand(localnetCommand(scoped));
  program.addCommand(clientCommand(scoped));
  program.addCommand(
    new Command("migrate")
      .description("migrate a legacy mixnode or gateway (no longer supported)")
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .action(() => {
        throw new CliError(
          "migrating legacy mixnodes and gateways is not supported; use `nym-node run`",
        );
      }),
  );

  const output = {
    writeOut: (text: string) => deps.output.stdout(text),
    writeErr: (text: string) => deps.output.stderr(text),
    // Keep commander's "(Did you mean ...?)" hint on the error's line.
    outputError: (text: string, write: (text: string) => void) =>
      write(text.replace(/\n(?=\(Did you mean)/g, " ")),
  };
  program.exitOverride().configureOutput(output);
  // Nested commands (`directory run`, ...) need the same settings as top-level ones.
  const configure = (parent: Command) => {
    for (const command of parent.commands) {
      command.copyInheritedSettings(parent);
      command.exitOverride().configureOutput(output);
      configure(command);
    }
  };
  configure(program);
  return program;
}

/** Errors whose message is meant for the operator as is. */
const USER_ERRORS = [
  CliError,
  ConfigError,
  KeyFileError,
  NodeStartError,
  HttpBindError,
  InvalidArgumentError,
  DirectoryStoreError,
  LocalnetError,
];

/**
 * Runs the command line and returns the exit code (0 on success).
 *
 * @example
 * ```ts no-eval
 * import { runCli } from "./program.ts";
 * Deno.exit(await runCli(Deno.args, deps));
 * ```
 */
export async function runCli(args: readonly string[], deps: CliDependencies): Promise<number> {
  const program = createProgram(deps);
  try {
    await program.parseAsync(rewriteAliases(args), { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander already printed it
    const message = (error as Error)?.message ?? String(error);
    const oneLine = message.replace(/\s*\n\s*/g, " ");
    if (USER_ERRORS.some((kind) => error instanceof kind)) {
      deps.output.stderr(`error: ${oneLine}\n`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    deps.output.stderr(`error: unexpected failure: ${oneLine}\n`);
    return 1;
  }
}
