/**
 * `nym-node client init` / `nym-node client run`: the native client (upstream `nym-client`),
 * with the same flags (`--id`, `--nym-api-urls`, `--gateway`, `--port`, `--host`) and a TOML
 * config in `~/.nym/clients/<id>/config/config.toml`. `run` serves the WebSocket API
 * (`client/native/`) on 127.0.0.1:1977 to any number of applications until SIGINT/SIGTERM.
 *
 * zk-nyms: `--ecash-signer-urls` (saved by `init`) turns credentials mode on
 * (`disabled_credentials_mode = false`, upstream's `--enabled-credentials-mode true`): at
 * gateways that enforce zk-nyms the client spends tickets, obtaining ticketbooks from those
 * signers into `<data_dir>/ticketbooks/`.
 *
 * @module
 */
import { Command, Option } from "commander";
import { getLogger } from "@logtape/logtape";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { ConfigNotFoundError } from "../../config/errors.ts";
import { writeFileAtomic } from "../../config/atomic_write.ts";
import {
  ClientError,
  formatRecipient,
  lowLatencyOverrides,
  mergeOverrides,
  MixnetClient,
  noCoverOverrides,
  prepareClientIdentity,
} from "../../client/mod.ts";
import {
  clientTicketbookStore,
  FileClientStorage,
  noDelayWebSocketFactory,
} from "../../client/deno.ts";
import type { ClientCredentialsOptions } from "../../client/tickets.ts";
import {
  configOverrides,
  loadNativeClientConfig,
  type NativeClientConfig,
  nativeClientPaths,
  NativeWebSocketServer,
  newNativeClientConfig,
  saveNativeClientConfig,
} from "../../client/native/mod.ts";
import { type CliDependencies, CliError } from "../common.ts";
import {
  parseBool,
  parseEd25519Key,
  parseOutputFormat,
  parsePort,
  parseUrlList,
} from "../parsers.ts";
import { runUntilSignal } from "../run.ts";
import { socks5Command } from "./socks5.ts";

interface CommonOptions {
  readonly id: string;
  readonly nymApiUrls?: string[];
  readonly gateway?: string;
  readonly forceTls?: boolean;
  readonly port?: number;
  readonly host?: string;
  readonly enabledCredentialsMode?: boolean;
  readonly ecashSignerUrls?: string[];
}

interface InitOptions extends CommonOptions {
  readonly output: "text" | "json";
}

interface RunOptions extends CommonOptions {
  readonly disableSocket?: boolean;
  readonly lowLatency?: boolean;
  /** `false` with `--no-cover`. */
  readonly cover?: boolean;
  readonly readyFile?: string;
}

function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option("--id <id>", "id of the client (its files are in ~/.nym/clients/<id>)")
      .makeOptionMandatory())
    .addOption(
      new Option("--nym-api-urls <urls>", "comma-separated nym-api URLs").argParser(parseUrlList),
    )
    .addOption(
      new Option("--gateway <id>", "base58 identity of the gateway to register with")
        .argParser(parseEd25519Key),
    )
    .addOption(new Option("--force-tls", "only use gateways reachable over wss://"))
    .addOption(
      new Option("--port <port>", "port of the WebSocket API (default 1977)").argParser(parsePort),
    )
    .addOption(new Option("--host <ip>", "address of the WebSocket API (default 127.0.0.1)"))
    .addOption(
      new Option(
        "--enabled-credentials-mode <bool>",
        "spend zk-nym tickets at gateways that enforce them (default: on with --ecash-signer-urls)",
      ).argParser(parseBool),
    )
    .addOption(
      new Option(
        "--ecash-signer-urls <urls>",
        "comma-separated e-cash signer (nym-api) URLs to obtain zk-nym ticketbooks from",
      ).argParser(parseUrlList),
    );
}

function applyFlags(config: NativeClientConfig, options: CommonOptions): NativeClientConfig {
  const enabled = options.enabledCredentialsMode ??
    (options.ecashSignerUrls ? true : !config.client.disabled_credentials_mode);
  return {
    ...config,
    client: {
      ...config.client,
      nym_api_urls: options.nymApiUrls ?? config.client.nym_api_urls,
      disabled_credentials_mode: !enabled,
      ecash_signer_urls: options.ecashSignerUrls ?? config.client.ecash_signer_urls,
    },
    socket: {
      ...config.socket,
      listening_port: options.port ?? config.socket.listening_port,
      host: options.host ?? config.socket.host,
    },
  };
}

/** The client's zk-nym settings: none in disabled-credentials mode. */
function credentialsOf(config: NativeClientConfig): ClientCredentialsOptions | undefined {
  if (config.client.disabled_credentials_mode) return undefined;
  return {
    signerUrls: config.client.ecash_signer_urls,
    store: clientTicketbookStore(config.storage_paths.data_dir),
  };
}

function userError(error: unknown): never {
  if (error instanceof ClientError) throw new CliError(error.message);
  throw error;
}

async function init(deps: CliDependencies, options: InitOptions): Promise<void> {
  const paths = nativeClientPaths(options.id, deps.env);
  let config: NativeClientConfig;
  try {
    config = applyFlags(await loadNativeClientConfig(paths.configFile), options);
  } catch (error) {
    if (!(error instanceof ConfigNotFoundError)) throw error;
    if (!options.nymApiUrls) {
      throw new CliError(
        "a new client needs --nym-api-urls (the directory to read the network from)",
      );
    }
    config = applyFlags(
      newNativeClientConfig(options.id, paths.dataDir, options.nymApiUrls),
      options,
    );
  }
  const identity = await prepareClientIdentity({
    nymApiUrls: config.client.nym_api_urls,
    crypto: deps.crypto ?? createCryptoProvider(),
    storage: new FileClientStorage(config.storage_paths.data_dir),
    config: configOverrides(config),
    gateway: options.gateway,
    forceTls: options.forceTls,
    fetch: deps.fetch,
    webSocket: noDelayWebSocketFactory,
  }).catch(userError);
  await saveNativeClientConfig(paths.configFile, config);
  const address = formatRecipient(identity.address);
  if (options.output === "json") {
    deps.output.stdout(`${
      JSON.stringify({
        id: options.id,
        address,
        gateway: address.split("@")[1],
        config_file: paths.configFile,
        new_keys: identity.createdKeys,
        registered: identity.registered,
      })
    }\n`);
  } else {
    deps.output.stdout(
      `client ${options.id} is initialised (${paths.configFile})\n` +
        `${identity.registered ? "registered with" : "using"} gateway ${address.split("@")[1]}\n` +
        `address: ${address}\n`,
    );
  }
}

async function run(deps: CliDependencies, options: RunOptions): Promise<void> {
  const logger = getLogger(["nym-node", "client"]);
  const paths = nativeClientPaths(options.id, deps.env);
  let config: NativeClientConfig;
  try {
    config = applyFlags(await loadNativeClientConfig(paths.configFile), options);
  } catch (error) {
    if (error instanceof ConfigNotFoundError) {
      throw new CliError(
        `no client with id ${JSON.stringify(options.id)} is initialised at ${paths.configFile} ` +
          `(run \`nym-node client init --id ${options.id} --nym-api-urls <url>\` first)`,
      );
    }
    throw error;
  }
  const noCover = options.cover === false;
  if (options.lowLatency && noCover) {
    throw new CliError("--low-latency and --no-cover cannot be combined");
  }
  const overrides = mergeOverrides(
    configOverrides(config),
    options.lowLatency ? lowLatencyOverrides() : {},
    noCover ? noCoverOverrides() : {},
  );
  await runUntilSignal(deps, async (onStop) => {
    const client = await MixnetClient.start({
      nymApiUrls: config.client.nym_api_urls,
      crypto: deps.crypto ?? createCryptoProvider(),
      storage: new FileClientStorage(config.storage_paths.data_dir),
      config: overrides,
      gateway: options.gateway,
      forceTls: options.forceTls,
      fetch: deps.fetch,
      webSocket: noDelayWebSocketFactory,
      logger,
      credentials: credentialsOf(config),
    }).catch(userError);
    onStop(() => client.stop());
    let server: NativeWebSocketServer | undefined;
    const socketEnabled = !options.disableSocket && config.socket.socket_type === "WebSocket";
    if (socketEnabled) {
      try {
        server = NativeWebSocketServer.start({
          client,
          host: config.socket.host,
          port: config.socket.listening_port,
          maxConnections: config.socket.max_connections,
        });
        const started = server;
        onStop(() => started.stop());
      } catch (error) {
        throw new CliError(
          `cannot listen on ${config.socket.host}:${config.socket.listening_port}: ${
            (error as Error).message
          }`,
        );
      }
    }
    const websocket = server ? `ws://${server.addr.hostname}:${server.addr.port}` : null;
    deps.output.stdout(`client address: ${client.addressText}\n`);
    if (websocket) deps.output.stdout(`websocket API: ${websocket}\n`);
    logger.info("native client {id} running as {address}", {
      id: options.id,
      address: client.addressText,
    });
    if (options.readyFile) {
      await writeFileAtomic(
        options.readyFile,
        `${
          JSON.stringify({
            pid: Deno.pid,
            address: client.addressText,
            websocket,
            gateway: client.gatewayIdentity,
          })
        }\n`,
        { mode: 0o644 },
      );
    }
  }, (signal) => logger.info("stopping the client ({signal})", { signal }));
}

/**
 * The `client` command group.
 *
 * @example
 * ```ts no-eval
 * import { clientCommand } from "./command.ts";
 * program.addCommand(clientCommand(deps));
 * ```
 */
export function clientCommand(deps: CliDependencies): Command {
  const group = new Command("client").description(
    "mixnet clients: the native client (nym-client: keys, gateway registration, a WebSocket " +
      "API) and the SOCKS5 proxy (nym-socks5-client)",
  );
  group.addCommand(
    addCommonOptions(new Command("init"))
      .description("create the client's keys and config and register with a gateway")
      .addOption(
        new Option("-o, --output <format>", "output format (text or json)")
          .argParser(parseOutputFormat).default("text"),
      )
      .action((options: InitOptions) => init(deps, options)),
  );
  group.addCommand(
    addCommonOptions(new Command("run"))
      .description("run the client and serve its WebSocket API (ws://127.0.0.1:1977)")
      .addOption(new Option("--disable-socket", "do not serve the WebSocket API"))
      .addOption(
        new Option(
          "--low-latency",
          "no per-hop delays, no Poisson stream, keepalive cover only (much less anonymous)",
        ),
      )
      .addOption(new Option("--no-cover", "no loop cover traffic and no Poisson stream"))
      .addOption(
        new Option("--ready-file <path>", "write the address and API URL (JSON) once running"),
      )
      .action((options: RunOptions) => run(deps, options)),
  );
  group.addCommand(socks5Command(deps));
  return group;
}
