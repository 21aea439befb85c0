/**
 * `nym-node run` (`nym-node.md` §1.3): initialises the node on first use (there is no separate
 * `init`), otherwise loads its config and applies command-line overrides (persisted with
 * `--write-changes`), validates, and runs the daemon until SIGINT/SIGTERM.
 *
 * Every setting flag also reads its `NYMNODE_*` environment variable, like the real node.
 *
 * @module
 */
import { Command, Option } from "commander";
import { getLogger } from "@logtape/logtape";
import { createCryptoProvider, encodeBase58 } from "../crypto/mod.ts";
import { newConfig, saveConfig, validateConfig } from "../config/io.ts";
import { basename, dirname } from "node:path";
import {
  DEFAULT_NODE_ID,
  LOCAL_NYM_API_URL,
  LOCAL_NYXD_URL,
  LOCAL_PUBLIC_IP,
} from "../config/defaults.ts";
import type { NodeConfig } from "../config/schema.ts";
import { writeFileAtomic } from "../config/atomic_write.ts";
import { isGlobalIp, parseIp } from "../util/net.ts";
import type { NodeMode } from "../node/context.ts";
import { startNode } from "../node/daemon.ts";
import { initialiseNode, loadNodeFiles } from "../node/setup.ts";
import {
  addNodeLocationOptions,
  addOutputOption,
  applyBooleanEnvFlags,
  type CliDependencies,
  CliError,
  loadExistingConfig,
  nodePaths,
} from "./common.ts";
import { bondingInformation, formatBondingInformation } from "./bonding_information.ts";
import {
  parseBool,
  parseEd25519Key,
  parseIntegerIn,
  parseIpList,
  parseLocation,
  parseModes,
  parsePort,
  parseSocket,
  parseUrl,
  parseUrlList,
} from "./parsers.ts";

/** A `run` flag that overrides one config setting. */
interface ConfigFlag {
  readonly option: Option;
  readonly apply: (config: NodeConfig, value: never) => void;
}

function setting<T>(
  flags: string,
  env: string,
  description: string,
  parse: ((value: string) => T) | null,
  apply: (config: NodeConfig, value: T) => void,
  hidden = false,
): ConfigFlag {
  const option = new Option(flags, description).env(env);
  if (parse) option.argParser((value: string) => parse(value));
  if (hidden) option.hideHelp();
  return { option, apply: apply as (config: NodeConfig, value: never) => void };
}

const optionalPort = (value: string) => {
  const port = parsePort(value);
  return port === 0 ? null : port;
};

/** The setting flags of `run`, in `--help` order. */
function configFlags(): ConfigFlag[] {
  return [
    // host
    setting(
      "--public-ips <ips>",
      "NYMNODE_PUBLIC_IPS",
      "comma-separated public IPs announced to nym-api and clients (required unless --local)",
      parseIpList,
      (c, v) => c.host.public_ips = v,
    ),
    setting(
      "--hostname <hostname>",
      "NYMNODE_HOSTNAME",
      "hostname announced to nym-api and clients",
      null,
      (c, v: string) => c.host.hostname = v || null,
    ),
    setting(
      "--location <country>",
      "NYMNODE_LOCATION",
      "physical location: country name or two-letter code (e.g. PL)",
      parseLocation,
      (c, v) => c.host.location = v,
    ),
    // http
    setting(
      "--http-bind-address <address>",
      "NYMNODE_HTTP_BIND_ADDRESS",
      "socket address of the HTTP API (default [::]:8080)",
      parseSocket,
      (c, v) => c.http.bind_address = v,
    ),
    setting(
      "--landing-page-assets-path <path>",
      "NYMNODE_HTTP_LANDING_ASSETS",
      "directory of a custom landing page",
      null,
      (c, v: string) => c.http.landing_page_assets_path = v || null,
    ),
    setting(
      "--http-access-token <token>",
      "NYMNODE_HTTP_ACCESS_TOKEN",
      "bearer token enabling /api/v1/metrics/prometheus (alias --http-bearer-token)",
      null,
      (c, v: string) => c.http.access_token = v || null,
    ),
    setting(
      "--expose-system-info <bool>",
      "NYMNODE_HTTP_EXPOSE_SYSTEM_INFO",
      "expose basic system information",
      parseBool,
      (c, v) => c.http.expose_system_info = v,
    ),
    setting(
      "--expose-system-hardware <bool>",
      "NYMNODE_HTTP_EXPOSE_SYSTEM_HARDWARE",
      "expose hardware information",
      parseBool,
      (c, v) => c.http.expose_system_hardware = v,
    ),
    setting(
      "--expose-crypto-hardware <bool>",
      "NYMNODE_HTTP_EXPOSE_CRYPTO_HARDWARE",
      "expose crypto instruction support",
      parseBool,
      (c, v) => c.http.expose_crypto_hardware = v,
    ),
    // mixnet
    setting(
      "--mixnet-bind-address <address>",
      "NYMNODE_MIXNET_BIND_ADDRESS",
      "socket address of the mixnet listener (default [::]:1789)",
      parseSocket,
      (c, v) => c.mixnet.bind_address = v,
    ),
    setting(
      "--mixnet-announce-port <port>",
      "NYMNODE_MIXNET_ANNOUNCE_PORT",
      "mixnet port announced when behind a proxy (0: the bound port)",
      optionalPort,
      (c, v) => c.mixnet.announce_port = v,
    ),
    setting(
      "--nym-api-urls <urls>",
      "NYMNODE_NYM_APIS",
      "comma-separated nym-api URLs",
      parseUrlList,
      (c, v) => c.mixnet.nym_api_urls = v,
    ),
    setting(
      "--nyxd-urls <urls>",
      "NYMNODE_NYXD",
      "comma-separated nyxd RPC URLs",
      parseUrlList,
      (c, v) => c.mixnet.nyxd_urls = v,
    ),
    setting(
      "--unsafe-disable-noise",
      "UNSAFE_DISABLE_NOISE",
      "do not use Noise between nodes",
      null,
      (c, v: boolean) => {
        if (v) c.mixnet.debug.unsafe_disable_noise = true;
      },
      true,
    ),
    setting(
      "--unsafe-disable-replay-protection",
      "UNSAFE_DISABLE_REPLAY_PROTECTION",
      "disable replay protection",
      null,
      (c, v: boolean) => {
        if (v) c.mixnet.replay_protection.debug.unsafe_disabled = true;
      },
      true,
    ),
    // metrics
    setting(
      "--enable-console-logging <bool>",
      "NYMNODE_ENABLE_CONSOLE_LOGGING",
      "log packet statistics periodically",
      parseBool,
      (c, v) => c.metrics.debug.log_stats_to_console = v,
    ),
    // wireguard
    setting(
      "--wireguard-enabled <bool>",
      "NYMNODE_WG_ENABLED",
      "enable the wireguard interface",
      parseBool,
      (c, v) => c.wireguard.enabled = v,
    ),
    setting(
      "--wireguard-bind-address <address>",
      "NYMNODE_WG_BIND_ADDRESS",
      "socket address of the wireguard interface",
      parseSocket,
      (c, v) => c.wireguard.bind_address = v,
    ),
    setting(
      "--wireguard-tunnel-announced-port <port>",
      "NYMNODE_WG_ANNOUNCED_PORT",
      "wireguard port announced to clients",
      parsePort,
      (c, v) => c.wireguard.announced_tunnel_port = v,
    ),
    setting(
      "--wireguard-private-network-prefix <prefix>",
      "NYMNODE_WG_PRIVATE_NETWORK_PREFIX",
      "IPv4 prefix length of the wireguard network",
      parseIntegerIn(0, 32),
      (c, v) => c.wireguard.private_network_prefix_v4 = v,
    ),
    setting(
      "--wireguard-userspace <bool>",
      "NYMNODE_WG_USERSPACE",
      "use a userspace wireguard implementation",
      parseBool,
      (c, v) => c.wireguard.use_userspace = v,
    ),
    // verloc
    setting(
      "--verloc-bind-address <address>",
      "NYMNODE_VERLOC_BIND_ADDRESS",
      "socket address of the verloc listener (default [::]:1790)",
      parseSocket,
      (c, v) => c.verloc.bind_address = v,
    ),
    setting(
      "--verloc-announce-port <port>",
      "NYMNODE_VERLOC_ANNOUNCE_PORT",
      "verloc port announced when behind a proxy (0: the bound port)",
      optionalPort,
      (c, v) => c.verloc.announce_port = v,
    ),
    // entry gateway
    setting(
      "--entry-bind-address <address>",
      "NYMNODE_ENTRY_BIND_ADDRESS",
      "socket address of the client websocket listener (default [::]:9000)",
      parseSocket,
      (c, v) => c.gateway_tasks.ws_bind_address = v,
    ),
    setting(
      "--announce-ws-port <port>",
      "NYMNODE_ENTRY_ANNOUNCE_WS_PORT",
      "websocket port announced to clients (0: the bound port)",
      optionalPort,
      (c, v) => c.gateway_tasks.announce_ws_port = v,
    ),
    setting(
      "--announce-wss-port <port>",
      "NYMNODE_ENTRY_ANNOUNCE_WSS_PORT",
      "secure websocket port of a TLS proxy in front of the node (0: none)",
      optionalPort,
      (c, v) => c.gateway_tasks.announce_wss_port = v,
    ),
    setting(
      "--enforce-zk-nyms <bool>",
      "NYMNODE_ENFORCE_ZK_NYMS",
      "accept only clients with zk-nym credentials",
      parseBool,
      (c, v) => c.gateway_tasks.enforce_zk_nyms = v,
    ),
    setting(
      "--ecash-signer-urls <urls>",
      "NYMNODE_ECASH_SIGNER_URLS",
      "comma-separated zk-nym signer (nym-api) URLs whose tickets the gateway verifies",
      parseUrlList,
      (c, v) => c.gateway_tasks.zk_nyms.signer_urls = v,
    ),
    setting(
      "--upgrade-mode-attestation-url <url>",
      "NYMNODE_UPGRADE_MODE_ATTESTATION_URL",
      "where the upgrade-mode attestation is published",
      parseUrl,
      (c, v) => c.gateway_tasks.upgrade_mode.attestation_url = v,
    ),
    setting(
      "--upgrade-mode-attester-public-key <key>",
      "NYMNODE_UPGRADE_MODE_ATTESTER_PUBKEY",
      "base58 key of the upgrade-mode attester",
      parseEd25519Key,
      (c, v) => c.gateway_tasks.upgrade_mode.attester_public_key = v,
    ),
    // exit gateway
    setting(
      "--upstream-exit-policy-url <url>",
      "NYMNODE_UPSTREAM_EXIT_POLICY",
      "upstream source of the exit policy",
      parseUrl,
      (c, v) => c.service_providers.upstream_exit_policy_url = v,
    ),
    setting(
      "--open-proxy <bool>",
      "NYMNODE_OPEN_PROXY",
      "run the network requester as an open proxy",
      parseBool,
      (c, v) => c.service_providers.open_proxy = v,
    ),
    setting(
      "--nr-allow-local-ips <bool>",
      "NYMNODE_NR_ALLOW_LOCAL_IPS",
      "let the network requester reach local IPs",
      parseBool,
      (c, v) => c.service_providers.network_requester.allow_local_ips = v,
    ),
    setting(
      "--ipr-allow-local-ips <bool>",
      "NYMNODE_IPR_ALLOW_LOCAL_IPS",
      "let the IP packet router reach local IPs",
      parseBool,
      (c, v) => c.service_providers.ip_packet_router.allow_local_ips = v,
    ),
    // lewes protocol
    setting(
      "--lp-control-bind-address <address>",
      "NYMNODE_LP_CONTROL_BIND_ADDRESS",
      "socket address of the LP control listener",
      parseSocket,
      (c, v) => c.lp.control_bind_address = v,
    ),
    setting(
      "--lp-control-announce-port <port>",
      "NYMNODE_LP_CONTROL_ANNOUNCE_PORT",
      "announced LP control port",
      optionalPort,
      (c, v) => c.lp.announce_control_port = v,
    ),
    setting(
      "--lp-data-bind-address <address>",
      "NYMNODE_LP_DATA_BIND_ADDRESS",
      "socket address of the LP data listener",
      parseSocket,
      (c, v) => c.lp.data_bind_address = v,
    ),
    setting(
      "--lp-data-announce-port <port>",
      "NYMNODE_LP_DATA_ANNOUNCE_PORT",
      "announced LP data port",
      optionalPort,
      (c, v) => c.lp.announce_data_port = v,
    ),
    setting(
      "--lp-use-mock-ecash <bool>",
      "NYMNODE_LP_USE_MOCK_ECASH",
      "accept mock e-cash on LP (testing)",
      parseBool,
      (c, v) => c.lp.debug.use_mock_ecash = v,
    ),
  ];
}

/** Aliases of `run` flags (commander has no option aliases): alias → canonical flag. */
export const RUN_FLAG_ALIASES: Readonly<Record<string, string>> = {
  "--accept-t&c": "--accept-operator-terms-and-conditions",
  "--accept-operator-terms": "--accept-operator-terms-and-conditions",
  "--accept-operator-t&c": "--accept-operator-terms-and-conditions",
  "--http-bearer-token": "--http-access-token",
};

interface RunOptions {
  readonly id?: string;
  readonly configFile?: string;
  readonly acceptOperatorTermsAndConditions?: boolean;
  readonly denyInit?: boolean;
  readonly initOnly?: boolean;
  readonly local?: boolean;
  readonly mode?: NodeMode[][];
  readonly modes?: NodeMode[];
  readonly writeChanges?: boolean;
  readonly bondingInformationOutput?: string;
  readonly output: "text" | "json";
  readonly readyFile?: string;
  readonly [key: string]: unknown;
}

/**
 * Resolves with `"SIGINT"` or `"SIGTERM"` when one arrives, or with `"cancelled"` when `cancel`
 * aborts (its listeners are removed either way). Listening starts at the call, so a signal that
 * arrives while the node is still starting is not missed.
 *
 * @example
 * ```ts no-eval
 * import { waitForTerminationSignal } from "./run.ts";
 * const signal = await waitForTerminationSignal(new AbortController().signal);
 * ```
 */
export function waitForTerminationSignal(cancel: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const handlers: [Deno.Signal, () => void][] = [];
    const finish = (name: string) => {
      for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
      cancel.removeEventListener("abort", onCancel);
      resolve(name);
    };
    const onCancel = () => finish("cancelled");
    for (const signal of signals) {
      const handler = () => finish(signal);
      handlers.push([signal, handler]);
      Deno.addSignalListener(signal, handler);
    }
    cancel.addEventListener("abort", onCancel);
  });
}

/** Stops one thing {@linkcode runUntilSignal} started; `reason` is `received SIGTERM` etc. */
export type Stopper = (reason: string) => unknown;

/**
 * Runs a long-lived command: starts listening for SIGINT/SIGTERM, calls `start` (which registers
 * a stopper for everything it starts, as it starts it), then waits for the signal and runs the
 * stoppers newest first. If `start` throws, whatever it had started is stopped the same way and
 * the error is rethrown, so a half-started command never leaves a listener behind. Returns the
 * signal's name (`onSignal` sees it before anything is stopped, e.g. to log it).
 *
 * @example
 * ```ts no-eval
 * import { runUntilSignal } from "./run.ts";
 * await runUntilSignal(deps, async (onStop) => {
 *   const server = await startServer();
 *   onStop(() => server.stop());
 * });
 * ```
 */
export async function runUntilSignal(
  deps: Pick<CliDependencies, "waitForShutdownSignal">,
  start: (onStop: (stopper: Stopper) => void) => Promise<void>,
  onSignal?: (signal: string) => void,
): Promise<string> {
  const cancelWait = new AbortController();
  const signalled = (deps.waitForShutdownSignal ?? waitForTerminationSignal)(cancelWait.signal);
  const stoppers: Stopper[] = [];
  const stopAll = async (reason: string) => {
    for (const stop of stoppers.reverse()) await stop(reason);
  };
  try {
    await start((stopper) => stoppers.push(stopper));
  } catch (error) {
    cancelWait.abort();
    await signalled;
    await stopAll("start failed");
    throw error;
  }
  const signal = await signalled;
  onSignal?.(signal);
  await stopAll(`received ${signal}`);
  return signal;
}

function selectedModes(options: RunOptions): NodeConfig["modes"] | null {
  const list = options.mode ? options.mode.flat() : options.modes;
  if (!list) return null;
  return {
    mixnode: list.includes("mixnode"),
    entry: list.includes("entry"),
    exit: list.includes("exit"),
  };
}

function checkPublicIps(config: NodeConfig, local: boolean, warn: (message: string) => void): void {
  if (config.host.public_ips.length === 0) {
    throw new CliError(
      "no public IPs are configured: pass --public-ips (or --local for a local test setup)",
    );
  }
  for (const ip of config.host.public_ips) {
    if (isGlobalIp(parseIp(ip))) continue;
    if (!local) {
      throw new CliError(
        `the public IP ${ip} is not a globally routable address; pass --local for a local test setup`,
      );
    }
    warn(`the announced IP ${ip} is not globally routable: only local peers can reach this node`);
  }
}

/**
 * Builds the `run` subcommand.
 *
 * @example
 * ```ts no-eval
 * import { runCommand } from "./run.ts";
 * program.addCommand(runCommand(deps));
 * ```
 */
export function runCommand(deps: CliDependencies): Command {
  const flags = configFlags();
  const command = new Command("run").description(
    "start this nym-node (initialising it on first run)",
  );
  addNodeLocationOptions(command);
  command
    .addOption(
      new Option(
        "--accept-operator-terms-and-conditions",
        "accept the nym node operator terms and conditions (aliases --accept-t&c, --accept-operator-terms, --accept-operator-t&c)",
      ).env("NYMNODE_ACCEPT_OPERATOR_TERMS"),
    )
    .addOption(
      new Option("--deny-init", "refuse to create a new node when none exists").env(
        "NYMNODE_DENY_INIT",
      )
        .conflicts("initOnly"),
    )
    .addOption(
      new Option("--init-only", "initialise the node (or load it) and exit").env(
        "NYMNODE_INIT_ONLY",
      ),
    )
    .addOption(
      new Option(
        "--local",
        `local setup: allow non-global IPs (default --public-ips ${LOCAL_PUBLIC_IP}) and loopback nym-api/nyxd defaults`,
      ).env("NYMNODE_LOCAL"),
    )
    .addOption(
      new Option(
        "--mode <mode...>",
        "mode(s): mixnode (mix), entry-gateway (entry, gateway), exit-gateway (exit; implies entry), exit-providers-only",
      ).env("NYMNODE_MODE").argParser((value: string, previous: NodeMode[][] | undefined) => [
        ...(previous ?? []),
        parseModes(value),
      ]).conflicts("modes"),
    )
    .addOption(
      new Option("--modes <modes>", "comma-separated modes, like --mode").env("NYMNODE_MODES")
        .argParser(parseModes),
    )
    .addOption(
      new Option("-w, --write-changes", "write command-line overrides into the existing config")
        .env("NYMNODE_WRITE_CONFIG_CHANGES"),
    )
    .addOption(
      new Option("--bonding-information-output <path>", "write bonding information to this file")
        .env("NYMNODE_BONDING_INFORMATION_OUTPUT"),
    );
  addOutputOption(command, "bonding information", "NYMNODE_OUTPUT");
  for (const flag of flags) command.addOption(flag.option);
  command.addOption(
    new Option(
      "--ready-file <path>",
      "once every listener is up, write their addresses and the pid to this JSON file",
    ).env("NYMNODE_READY_FILE"),
  );
  command.addHelpText(
    "after",
    "\nGlobal options (also accepted after `run`): --log-level <level>, --log-format <text|json>, " +
      "-c/--config-env-file <path>. Every flag also reads the environment variable shown.",
  );
  command.hook("preAction", (cmd) => applyBooleanEnvFlags(cmd));
  command.action(async (options: RunOptions) => {
    await executeRun(options, flags, command, deps);
  });
  return command;
}

function applyFlags(config: NodeConfig, flags: readonly ConfigFlag[], command: Command): void {
  for (const flag of flags) {
    const value = command.getOptionValue(flag.option.attributeName());
    if (value !== undefined) flag.apply(config, value as never);
  }
}

async function executeRun(
  options: RunOptions,
  flags: readonly ConfigFlag[],
  command: Command,
  deps: CliDependencies,
): Promise<void> {
  const logger = getLogger(["nym-node", "cli"]);
  const local = options.local ?? false;
  const accepted = options.acceptOperatorTermsAndConditions ?? false;
  const crypto = deps.crypto ?? createCryptoProvider();
  const paths = nodePaths(options, deps.env);
  if (!accepted) {
    logger.warn(
      "you have not accepted the nym node operator terms and conditions " +
        "(<https://nymtech.net/terms-and-conditions/operators/v1.0.0>); nym-api gives this node a config score of 0 " +
        "until you run it with --accept-operator-terms-and-conditions",
    );
  }

  const configExists = await Deno.lstat(paths.configFile).then(() => true, () => false);
  let config: NodeConfig;
  let files: Awaited<ReturnType<typeof loadNodeFiles>> | null = null;
  if (!configExists) {
    if (options.denyInit) {
      throw new CliError(
        `no config at ${paths.configFile} and --deny-init forbids creating a new node`,
      );
    }
    config = newConfig(newNodeId(options, paths.configFile), paths.dataDir);
    // Network defaults: NYM_API / NYXD (as the real node), else loopback for --local.
    const nymApi = deps.env.get("NYM_API");
    const nyxd = deps.env.get("NYXD");
    if (nymApi) config.mixnet.nym_api_urls = parseUrlList(nymApi);
    else if (local) config.mixnet.nym_api_urls = [LOCAL_NYM_API_URL];
    if (nyxd) config.mixnet.nyxd_urls = parseUrlList(nyxd);
    else if (local) config.mixnet.nyxd_urls = [LOCAL_NYXD_URL];
    config.modes = selectedModes(options) ?? { mixnode: true, entry: false, exit: false };
    applyFlags(config, flags, command);
    if (local && config.host.public_ips.length === 0) config.host.public_ips = [LOCAL_PUBLIC_IP];
    validateConfig(config, paths.configFile);
    checkPublicIps(config, local, (m) => logger.warn(m));
    files = await initialiseNode({ config, paths, crypto, fetch: deps.fetch });
  } else {
    logger.info("loading the nym-node config from {path}", { path: paths.configFile });
    config = await loadExistingConfig(paths);
    const modes = selectedModes(options);
    if (modes) config.modes = modes;
    applyFlags(config, flags, command);
    validateConfig(config, paths.configFile);
    if (options.writeChanges) {
      await saveConfig(paths.configFile, config);
      logger.info("saved the command-line changes to {path}", { path: paths.configFile });
    }
    if (local && config.host.public_ips.length === 0) config.host.public_ips = [LOCAL_PUBLIC_IP];
    checkPublicIps(config, local, (m) => logger.warn(m));
  }
  // The testnet relaxation applies to this run only, as in the real node.
  if (local) config.debug.testnet = true;
  files ??= await loadNodeFiles(config, crypto);

  if (options.bondingInformationOutput) {
    const info = bondingInformation(config, encodeBase58(files.keys.identity.publicKey));
    const text = options.output === "json" ? JSON.stringify(info) : formatBondingInformation(info);
    await writeFileAtomic(options.bondingInformationOutput, text, { mode: 0o644 });
    logger.info("wrote bonding information to {path}", { path: options.bondingInformationOutput });
  }
  if (options.initOnly) {
    logger.info("--init-only: the node is initialised at {path}; not starting it", {
      path: paths.configFile,
    });
    return;
  }

  await runUntilSignal(deps, async (onStop) => {
    const node = await startNode({
      config,
      paths,
      keys: files.keys,
      description: files.description,
      roles: deps.roles,
      acceptedOperatorTerms: accepted,
      local,
      readyFile: options.readyFile ?? null,
      crypto,
    });
    onStop((reason) => node.stop({ reason }));
  });
}

function newNodeId(options: RunOptions, configFile: string): string {
  if (options.id) return options.id;
  // --config-file excludes --id: name the node after its directory (<dir>/config/config.toml).
  if (options.configFile) return basename(dirname(dirname(configFile)));
  return DEFAULT_NODE_ID;
}
