/**
 * `nym-node directory`: run the directory (the nym-api subset with a status page) and manage
 * the nodes it polls.
 *
 * ```text
 * nym-node directory run        [--dir DIR | --config FILE] [--bind-address ADDR] [--local] [--ready-file PATH]
 * nym-node directory add-node   <host:http-port> [--identity KEY] [--dir DIR | --config FILE]
 * nym-node directory remove-node <node-id> [--dir DIR | --config FILE]
 * nym-node directory list-nodes [-o text|json] [--dir DIR | --config FILE]
 * ```
 *
 * The directory lives in `DIR` (default `$NYM_DIRECTORY_HOME`, else `~/.nym/directory`):
 * `DIR/directory.toml` and, by default, `DIR/data/directory.sqlite`. `run` creates a default
 * config on first use.
 *
 * @module
 */
import { Command, Option } from "commander";
import { getLogger } from "@logtape/logtape";
import { join, resolve } from "node:path";
import { ConfigNotFoundError } from "../config/errors.ts";
import {
  formatNodeAddress,
  InvalidNodeAddressError,
  parseNodeAddress,
} from "../directory/address.ts";
import {
  databasePath,
  defaultDirectoryConfig,
  DIRECTORY_CONFIG_FILE,
  type DirectoryConfig,
  loadDirectoryConfig,
  saveDirectoryConfig,
} from "../directory/config.ts";
import { startDirectory } from "../directory/service.ts";
import { DirectoryStore } from "../directory/store.ts";
import { type CliDependencies, CliError } from "./common.ts";
import { parseEd25519Key, parseOutputFormat, parseSocket } from "./parsers.ts";
import { waitForTerminationSignal } from "./run.ts";

/** Where a directory's files are. */
export interface DirectoryLocation {
  readonly configFile: string;
}

/**
 * Resolves `--config` / `--dir` (default `$NYM_DIRECTORY_HOME` or `~/.nym/directory`).
 *
 * @example
 * ```ts
 * import { directoryLocation } from "./directory.ts";
 * directoryLocation({ dir: "/srv/d" }, { get: () => undefined }).configFile; // "/srv/d/directory.toml"
 * ```
 */
export function directoryLocation(
  options: { readonly config?: string; readonly dir?: string },
  env: CliDependencies["env"],
): DirectoryLocation {
  if (options.config) return { configFile: resolve(options.config) };
  const dir = options.dir ?? env.get("NYM_DIRECTORY_HOME") ??
    (env.get("HOME") ? join(env.get("HOME")!, ".nym", "directory") : undefined);
  if (!dir) throw new CliError("cannot locate the directory home: give --dir or set HOME");
  return { configFile: join(resolve(dir), DIRECTORY_CONFIG_FILE) };
}

function addLocationOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--dir <dir>", "the directory's home (directory.toml, data/)").env(
        "NYM_DIRECTORY_HOME",
      ).conflicts("config"),
    )
    .addOption(new Option("--config <file>", "path of directory.toml"));
}

async function loadExisting(location: DirectoryLocation): Promise<DirectoryConfig> {
  try {
    return await loadDirectoryConfig(location.configFile);
  } catch (error) {
    if (error instanceof ConfigNotFoundError) {
      throw new CliError(
        `no directory at ${location.configFile} (start one with \`nym-node directory run\`)`,
      );
    }
    throw error;
  }
}

function parseAddress(value: string): string {
  try {
    return formatNodeAddress(parseNodeAddress(value));
  } catch (error) {
    if (error instanceof InvalidNodeAddressError) throw new CliError(error.message);
    throw error;
  }
}

interface RunOptions {
  readonly dir?: string;
  readonly config?: string;
  readonly bindAddress?: string;
  readonly local?: boolean;
  readonly readyFile?: string;
  readonly initOnly?: boolean;
}

function runSubcommand(deps: CliDependencies): Command {
  return addLocationOptions(new Command("run"))
    .description("run the directory until SIGINT/SIGTERM (creates a default config on first use)")
    .addOption(
      new Option("--bind-address <address>", "HTTP socket address (default 127.0.0.1:8000)")
        .argParser(parseSocket),
    )
    .addOption(
      new Option("--local", "accept nodes announcing loopback or private IPs (test networks)"),
    )
    .addOption(new Option("--ready-file <path>", "write the bound address and pid here once up"))
    .addOption(new Option("--init-only", "create the config (if needed) and exit"))
    .action(async (options: RunOptions) => {
      const logger = getLogger(["nym-node", "cli"]);
      const location = directoryLocation(options, deps.env);
      let config: DirectoryConfig;
      try {
        config = await loadDirectoryConfig(location.configFile);
      } catch (error) {
        if (!(error instanceof ConfigNotFoundError)) throw error;
        config = defaultDirectoryConfig();
        if (options.bindAddress) config.http.bind_address = options.bindAddress;
        if (options.local) config.network.local = true;
        await saveDirectoryConfig(location.configFile, config);
        logger.info("created a new directory config at {path}", { path: location.configFile });
      }
      if (options.initOnly) return;
      if (options.bindAddress) config.http.bind_address = options.bindAddress;
      if (options.local) config.network.local = true;
      const running = await startDirectory({
        config,
        databasePath: databasePath(config, location.configFile),
        readyFile: options.readyFile ?? null,
      });
      const signal = await (deps.waitForShutdownSignal ?? waitForTerminationSignal)(
        new AbortController().signal,
      );
      logger.info("stopping the directory ({signal})", { signal });
      await running.stop();
    });
}

function withStore<T>(
  location: DirectoryLocation,
  config: DirectoryConfig,
  fn: (s: DirectoryStore) => T,
): T {
  const store = DirectoryStore.open(databasePath(config, location.configFile));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/**
 * The `directory` command and its subcommands.
 *
 * @example
 * ```ts no-eval
 * import { directoryCommand } from "./directory.ts";
 * program.addCommand(directoryCommand(deps));
 * ```
 */
export function directoryCommand(deps: CliDependencies): Command {
  const command = new Command("directory").description(
    "run a directory (the nym-api subset: topology, rewarded set, key rotation, status page)",
  );
  command.addCommand(runSubcommand(deps));
  command.addCommand(
    addLocationOptions(new Command("add-node"))
      .description("register a node by the address of its HTTP API; the directory polls it")
      .argument("<address>", "host:http-port of the node's API, e.g. 203.0.113.7:8080")
      .addOption(
        new Option(
          "--identity <key>",
          "the node's base58 identity key (else learned on first poll)",
        )
          .argParser(parseEd25519Key),
      )
      .action(async (address: string, options: { identity?: string } & RunOptions) => {
        const location = directoryLocation(options, deps.env);
        const config = await loadExisting(location);
        const parsed = parseNodeAddress(parseAddress(address));
        const node = withStore(location, config, (store) =>
          store.addNode(
            { host: parsed.host, httpPort: parsed.port, identity: options.identity ?? null },
            Date.now(),
          ));
        deps.output.stdout(
          `${node.created ? "registered" : "updated"} node ${node.nodeId} at ${
            formatNodeAddress({ host: node.host, port: node.httpPort })
          }\n`,
        );
      }),
  );
  command.addCommand(
    addLocationOptions(new Command("remove-node"))
      .description("unregister a node (its id is never reused)")
      .argument("<node-id>", "the node id shown by list-nodes")
      .action(async (id: string, options: RunOptions) => {
        const nodeId = Number(id);
        if (!/^\d+$/.test(id)) throw new CliError(`${JSON.stringify(id)} is not a node id`);
        const location = directoryLocation(options, deps.env);
        const config = await loadExisting(location);
        if (!withStore(location, config, (store) => store.removeNode(nodeId))) {
          throw new CliError(`no node ${nodeId}`);
        }
        deps.output.stdout(`removed node ${nodeId}\n`);
      }),
  );
  command.addCommand(
    addLocationOptions(new Command("list-nodes"))
      .description("list the registered nodes")
      .addOption(
        new Option("-o, --output <format>", "text or json").argParser(parseOutputFormat).default(
          "text",
        ),
      )
      .action(async (options: { output: "text" | "json" } & RunOptions) => {
        const location = directoryLocation(options, deps.env);
        const config = await loadExisting(location);
        const nodes = withStore(location, config, (store) => store.listNodes());
        if (options.output === "json") {
          deps.output.stdout(`${JSON.stringify(nodes)}\n`);
          return;
        }
        for (const n of nodes) {
          deps.output.stdout(
            `${n.nodeId}\t${formatNodeAddress({ host: n.host, port: n.httpPort })}\t${
              n.identity ?? "(identity not known yet)"
            }\n`,
          );
        }
      }),
  );
  return command;
}
