/**
 * `nym-node client socks5`: the SOCKS4/4a/5 proxy into the mixnet (upstream
 * `nym-socks5-client init` + `run` in one command). The first run creates the client (keys,
 * gateway registration, `~/.nym/socks5-clients/<id>/config/config.toml`) from `--provider` and
 * `--nym-api-urls`; later runs need no flags. Flags given are saved into the config. It serves
 * 127.0.0.1:1080 until SIGINT/SIGTERM (`client/socks5/`).
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from "commander";
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
  parseRecipient,
  prepareClientIdentity,
} from "../../client/mod.ts";
import { FileClientStorage, noDelayWebSocketFactory } from "../../client/deno.ts";
import {
  loadSocks5ClientConfig,
  MixnetProviderTransport,
  newSocks5ClientConfig,
  saveSocks5ClientConfig,
  type Socks5ClientConfig,
  socks5ClientPaths,
  socks5CoreOverrides,
  Socks5Server,
} from "../../client/socks5/mod.ts";
import { canonicalIp, formatSocketAddress, parseSocketAddress } from "../../util/net.ts";
import { InvalidDurationError, parseDuration } from "../../util/duration.ts";
import { type CliDependencies, CliError } from "../common.ts";
import { parseBool, parseEd25519Key, parsePort, parseUrlList } from "../parsers.ts";
import { runUntilSignal } from "../run.ts";

/** The client id used when `--id` is not given. */
export const DEFAULT_SOCKS5_CLIENT_ID = "socks5";

interface Socks5Options {
  readonly id: string;
  readonly provider?: string;
  readonly nymApiUrls?: string[];
  readonly gateway?: string;
  readonly forceTls?: boolean;
  readonly port?: number;
  readonly host?: string;
  readonly useAnonymousReplies?: boolean;
  readonly connectTimeout?: number;
  readonly lowLatency?: boolean;
  /** `false` with `--no-cover`. */
  readonly cover?: boolean;
  readonly readyFile?: string;
  readonly initOnly?: boolean;
}

function parseProvider(value: string): string {
  try {
    parseRecipient(value.trim());
    return value.trim();
  } catch (error) {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a Nym address (<identity>.<encryption key>@<gateway>): ${
        (error as Error).message
      }`,
    );
  }
}

function parseHost(value: string): string {
  try {
    return canonicalIp(value.trim());
  } catch {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not an IP address`);
  }
}

function parseTimeout(value: string): number {
  try {
    const ms = parseDuration(value.trim());
    if (ms <= 0) throw new InvalidArgumentError("must be longer than 0");
    return ms;
  } catch (error) {
    if (error instanceof InvalidDurationError) {
      throw new InvalidArgumentError(
        `${JSON.stringify(value)} is not a duration (e.g. "30s", "1500ms")`,
      );
    }
    throw error;
  }
}

function applyFlags(config: Socks5ClientConfig, options: Socks5Options): Socks5ClientConfig {
  const bind = parseSocketAddress(config.socks5.bind_address);
  const host = options.host ?? bind.ip;
  const port = options.port ?? bind.port;
  return {
    ...config,
    client: { ...config.client, nym_api_urls: options.nymApiUrls ?? config.client.nym_api_urls },
    socks5: {
      ...config.socks5,
      provider_mix_address: options.provider ?? config.socks5.provider_mix_address,
      bind_address: formatSocketAddress(host, port),
      send_anonymously: options.useAnonymousReplies ?? config.socks5.send_anonymously,
      connect_timeout: options.connectTimeout ?? config.socks5.connect_timeout,
    },
  };
}

function userError(error: unknown): never {
  if (error instanceof ClientError) throw new CliError(error.message);
  throw error;
}

/** Loads the config (creating it on the first run) with the flags applied and saved. */
async function loadOrCreate(
  deps: CliDependencies,
  options: Socks5Options,
): Promise<{ config: Socks5ClientConfig; created: boolean; configFile: string }> {
  const paths = socks5ClientPaths(options.id, deps.env);
  let config: Socks5ClientConfig;
  let created = false;
  try {
    config = applyFlags(await loadSocks5ClientConfig(paths.configFile), options);
  } catch (error) {
    if (!(error instanceof ConfigNotFoundError)) throw error;
    const missing = [
      options.provider ? null : "--provider (the network requester's Nym address)",
      options.nymApiUrls ? null : "--nym-api-urls (the directory to read the network from)",
    ].filter((m) => m !== null);
    if (missing.length > 0) {
      throw new CliError(
        `SOCKS5 client ${JSON.stringify(options.id)} does not exist yet (${paths.configFile}); ` +
          `the first run needs ${missing.join(" and ")}`,
      );
    }
    config = applyFlags(
      newSocks5ClientConfig(options.id, paths.dataDir, options.nymApiUrls!, options.provider!),
      options,
    );
    created = true;
  }
  await saveSocks5ClientConfig(paths.configFile, config);
  return { config, created, configFile: paths.configFile };
}

async function socks5(deps: CliDependencies, options: Socks5Options): Promise<void> {
  const logger = getLogger(["nym-node", "socks5"]);
  if (options.lowLatency && options.cover === false) {
    throw new CliError("--low-latency and --no-cover cannot be combined");
  }
  const { config, created, configFile } = await loadOrCreate(deps, options);
  const crypto = deps.crypto ?? createCryptoProvider();
  const storage = new FileClientStorage(config.storage_paths.data_dir);
  const overrides = mergeOverrides(
    socks5CoreOverrides(config),
    options.lowLatency ? lowLatencyOverrides() : {},
    options.cover === false ? noCoverOverrides() : {},
  );
  const clientOptions = {
    nymApiUrls: config.client.nym_api_urls,
    crypto,
    storage,
    config: overrides,
    gateway: options.gateway,
    forceTls: options.forceTls,
    fetch: deps.fetch,
    webSocket: noDelayWebSocketFactory,
    logger: getLogger(["nym-node", "client"]),
  };
  if (options.initOnly) {
    const identity = await prepareClientIdentity(clientOptions).catch(userError);
    deps.output.stdout(
      `SOCKS5 client ${options.id} is ${created ? "initialised" : "ready"} (${configFile})\n` +
        `address: ${formatRecipient(identity.address)}\n` +
        `network requester: ${config.socks5.provider_mix_address}\n`,
    );
    return;
  }
  const bind = parseSocketAddress(config.socks5.bind_address);
  await runUntilSignal(deps, async (onStop) => {
    const client = await MixnetClient.start(clientOptions).catch(userError);
    onStop(() => client.stop());
    const debug = config.socks5.socks5_debug;
    const transport = new MixnetProviderTransport({
      client,
      provider: config.socks5.provider_mix_address,
      anonymous: config.socks5.send_anonymously,
      connectionStartSurbs: debug.connection_start_surbs,
      perRequestSurbs: debug.per_request_surbs,
      logger,
    });
    let server: Socks5Server;
    try {
      server = Socks5Server.start({
        transport,
        host: bind.ip,
        port: bind.port,
        maxConnections: debug.max_connections,
        settings: {
          connectTimeoutMs: config.socks5.connect_timeout,
          handshakeTimeoutMs: debug.handshake_timeout,
          keepaliveIntervalMs: debug.keepalive_interval,
          mixTtlMs: debug.mix_ttl,
          maxLaneQueue: debug.max_lane_queue,
        },
        logger,
      });
    } catch (error) {
      throw new CliError(
        `cannot listen on ${config.socks5.bind_address}: ${(error as Error).message}`,
      );
    }
    onStop(() => server.stop());
    const listening = formatSocketAddress(server.addr.hostname, server.addr.port);
    deps.output.stdout(
      `client address: ${client.addressText}\n` +
        `SOCKS5 proxy: ${listening} (SOCKS4, 4a and 5; ${
          config.socks5.send_anonymously ? "anonymous replies" : "replies to our address"
        })\n` +
        `network requester: ${config.socks5.provider_mix_address}\n`,
    );
    logger.info("SOCKS5 client {id} listening on {listening} as {address}", {
      id: options.id,
      listening,
      address: client.addressText,
    });
    if (options.readyFile) {
      await writeFileAtomic(
        options.readyFile,
        `${
          JSON.stringify({
            pid: Deno.pid,
            address: client.addressText,
            socks5: listening,
            provider: config.socks5.provider_mix_address,
            gateway: client.gatewayIdentity,
          })
        }\n`,
        { mode: 0o644 },
      );
    }
  }, (signal) => logger.info("stopping the SOCKS5 client ({signal})", { signal }));
}

/**
 * The `client socks5` command.
 *
 * @example
 * ```ts no-eval
 * import { socks5Command } from "./socks5.ts";
 * clientGroup.addCommand(socks5Command(deps));
 * ```
 */
export function socks5Command(deps: CliDependencies): Command {
  return new Command("socks5")
    .description(
      "run a SOCKS4/4a/5 proxy (127.0.0.1:1080) that sends connections through the mixnet to a " +
        "network requester; the first run creates the client",
    )
    .addOption(
      new Option("--id <id>", "id of the client (files in ~/.nym/socks5-clients/<id>)")
        .default(DEFAULT_SOCKS5_CLIENT_ID),
    )
    .addOption(
      new Option("--provider <address>", "Nym address of the network requester (exit) to use")
        .argParser(parseProvider),
    )
    .addOption(
      new Option("--nym-api-urls <urls>", "comma-separated nym-api URLs").argParser(parseUrlList),
    )
    .addOption(
      new Option("--gateway <id>", "base58 identity of the entry gateway to register with")
        .argParser(parseEd25519Key),
    )
    .addOption(new Option("--force-tls", "only use gateways reachable over wss://"))
    .addOption(
      new Option("--host <ip>", "address to listen on (default 127.0.0.1)").argParser(parseHost),
    )
    .addOption(
      new Option("-p, --port <port>", "port to listen on (default 1080)").argParser(parsePort),
    )
    .addOption(
      new Option(
        "--use-anonymous-replies <bool>",
        "true: the exit answers through reply SURBs and never learns our address (default); " +
          "false: it answers to our address (faster, less private)",
      ).argParser(parseBool),
    )
    .addOption(
      new Option(
        "--connect-timeout <duration>",
        'how long to wait for the exit to confirm a connection (default "30s")',
      ).argParser(parseTimeout),
    )
    .addOption(
      new Option(
        "--low-latency",
        "no per-hop delays, no Poisson stream, keepalive cover only (much less anonymous)",
      ),
    )
    .addOption(new Option("--no-cover", "no loop cover traffic and no Poisson stream"))
    .addOption(
      new Option("--ready-file <path>", "write the addresses (JSON) once the proxy listens"),
    )
    .addOption(
      new Option("--init-only", "create the client (keys, registration, config) and exit"),
    )
    .action((options: Socks5Options) => socks5(deps, options));
}
