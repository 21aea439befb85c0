/**
 * What every `nym-node` subcommand shares: injected dependencies, the `--id` / `--config-file`
 * pair, `-o text|json`, and the one-line {@linkcode CliError}.
 *
 * @module
 */
import { type Command, Option } from "commander";
import type { CryptoProvider } from "../crypto/mod.ts";
import { ConfigNotFoundError } from "../config/errors.ts";
import { loadConfig } from "../config/io.ts";
import { DEFAULT_NODE_ID } from "../config/defaults.ts";
import { type Environment, type NodePaths, resolveNodePaths } from "../config/paths.ts";
import type { NodeConfig } from "../config/schema.ts";
import type { RoleService } from "../node/context.ts";
import type { FetchFunction } from "../node/rotation.ts";
import type { LoggingOptions } from "../util/logging.ts";
import { parseBool, parseOutputFormat } from "./parsers.ts";

/** A failure to report as one `error: ...` line with a non-zero exit code. */
export class CliError extends Error {
  override name = "CliError";
  /** The process exit code. */
  readonly exitCode: number;

  /** Creates an error with `message` and `exitCode` (default 1). */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Where command output goes. */
export interface CliOutput {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
}

/** What the CLI needs from its surroundings (injected by `main.ts`, replaced in tests). */
export interface CliDependencies {
  /** Role services the daemon may run (the composition root's list). */
  readonly roles: readonly RoleService[];
  /** Output streams. */
  readonly output: CliOutput;
  /** Environment variables (paths, `NYM_API`, ...). Commander reads `NYMNODE_*` itself. */
  readonly env: Environment;
  /** Crypto provider (default: the fastest available). */
  readonly crypto?: CryptoProvider;
  /** HTTP client for nym-api (default: global fetch). */
  readonly fetch?: FetchFunction;
  /**
   * Called just before the daemon starts; resolves with the signal name when it should stop
   * (default: SIGINT/SIGTERM), or once `cancel` aborts (start-up failed).
   */
  readonly waitForShutdownSignal?: (cancel: AbortSignal) => Promise<string>;
  /** Sets up logging (default: `util/logging.ts`). */
  readonly configureLogging?: (options: LoggingOptions) => Promise<void>;
}

/** Options added by {@linkcode addNodeLocationOptions}. */
export interface NodeLocationOptions {
  readonly id?: string;
  readonly configFile?: string;
}

/**
 * Adds `--id` (env `NYMNODE_ID`, default `default-nym-node`) and `--config-file`
 * (env `NYMNODE_CONFIG`), which exclude each other.
 *
 * @example
 * ```ts
 * import { Command } from "commander";
 * import { addNodeLocationOptions } from "./common.ts";
 * addNodeLocationOptions(new Command("node-details"));
 * ```
 */
export function addNodeLocationOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--id <id>", "id of the nym-node to use").env("NYMNODE_ID").conflicts(
        "configFile",
      ),
    )
    .addOption(
      new Option(
        "--config-file <path>",
        "path to the node's config file; must be <dir>/config/<file> (data is in <dir>/data)",
      ).env("NYMNODE_CONFIG"),
    );
}

/**
 * Adds `-o, --output <format>` (`text` or `json`, default `text`).
 *
 * @example
 * ```ts
 * import { Command } from "commander";
 * import { addOutputOption } from "./common.ts";
 * addOutputOption(new Command("build-info"), "build information");
 * ```
 */
export function addOutputOption(command: Command, what: string, env?: string): Command {
  const option = new Option("-o, --output <format>", `output format of the ${what} (text or json)`)
    .argParser(parseOutputFormat)
    .default("text");
  return command.addOption(env ? option.env(env) : option);
}

/**
 * Resolves the node's files from `--id` / `--config-file`.
 *
 * @example
 * ```ts no-eval
 * import { nodePaths } from "./common.ts";
 * nodePaths({ id: "my-node" }, env).configFile;
 * ```
 */
export function nodePaths(options: NodeLocationOptions, env: Environment): NodePaths {
  return resolveNodePaths({
    id: options.id ?? DEFAULT_NODE_ID,
    configFile: options.configFile,
    env,
  });
}

/**
 * Loads the config of an already initialised node, with a hint when there is none.
 *
 * @example
 * ```ts no-eval
 * import { loadExistingConfig } from "./common.ts";
 * const config = await loadExistingConfig(paths);
 * ```
 */
export async function loadExistingConfig(paths: NodePaths): Promise<NodeConfig> {
  try {
    return await loadConfig(paths.configFile);
  } catch (error) {
    if (error instanceof ConfigNotFoundError) {
      throw new CliError(
        `no nym-node is initialised at ${paths.configFile} (run \`nym-node run\` with --init-only to create one)`,
      );
    }
    throw error;
  }
}

/**
 * Commander sets a boolean flag to `true` whenever its environment variable exists; clap reads
 * the value. This re-reads flags that came from the environment so `NYMNODE_LOCAL=false` means
 * false, and rejects values that are not booleans.
 *
 * @example
 * ```ts no-eval
 * import { applyBooleanEnvFlags } from "./common.ts";
 * command.hook("preAction", (cmd) => applyBooleanEnvFlags(cmd));
 * ```
 */
export function applyBooleanEnvFlags(command: Command): void {
  for (const option of command.options) {
    if (!option.isBoolean() || !option.envVar) continue;
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== "env") continue;
    const raw = Deno.env.get(option.envVar) ?? "";
    try {
      command.setOptionValueWithSource(key, raw === "" ? true : parseBool(raw), "env");
    } catch {
      throw new CliError(
        `environment variable ${option.envVar}=${
          JSON.stringify(raw)
        } is not a boolean (true or false)`,
      );
    }
  }
}
