/**
 * The native client's `config.toml` (the layout of upstream `nym-client`'s config: `[client]`,
 * `[storage_paths]`, `[socket]`, `[debug.*]` with humantime durations), built with the same
 * field codecs as the node's config (`config/fields.ts`), so errors read alike:
 * `.../config.toml: socket.listening_port: 70000 is out of range [0, 65535]`.
 *
 * Files: `$HOME/.nym/clients/<id>/config/config.toml` and `.../data/` (or under
 * `$NYM_CLIENTS_HOME/<id>` when that is set).
 *
 * @module
 */
import { parse, stringify, TomlError } from "smol-toml";
import { z } from "zod";
import { boolean, duration, float, integer, path, string, urlList } from "../../config/fields.ts";
import { ConfigError } from "../../config/errors.ts";
import { formatConfigIssues, readConfigText, writeConfigText } from "../../config/io.ts";
import { BUILD_VERSION } from "../../node/build_info.ts";
import { type ClientConfigOverrides, defaultClientConfig } from "../config.ts";
import { DEFAULT_NATIVE_PORT } from "./server.ts";

const d = defaultClientConfig();
const U32 = 0xffff_ffff;
const COUNT = Number.MAX_SAFE_INTEGER;

/** `[debug.*]`: the client core's settings, snake_case, durations as humantime. */
const debugSection = z.strictObject({
  traffic: z.strictObject({
    average_packet_delay: duration().default(d.traffic.averagePacketDelayMs),
    message_sending_average_delay: duration().default(d.traffic.messageSendingAverageDelayMs),
    disable_main_poisson_packet_distribution: boolean().default(
      d.traffic.disableMainPoissonPacketDistribution,
    ),
    /** Absent = unlimited. */
    maximum_number_of_retransmissions: integer(0, U32).optional(),
    use_legacy_sphinx_format: boolean().default(d.traffic.useLegacySphinxFormat),
    maximum_queued_packets: integer(1, COUNT).default(d.traffic.maximumQueuedPackets),
  }).prefault({}),
  cover_traffic: z.strictObject({
    loop_cover_traffic_average_delay: duration().default(
      d.coverTraffic.loopCoverTrafficAverageDelayMs,
    ),
    disable_loop_cover_traffic_stream: boolean().default(
      d.coverTraffic.disableLoopCoverTrafficStream,
    ),
  }).prefault({}),
  acknowledgements: z.strictObject({
    average_ack_delay: duration().default(d.acknowledgements.averageAckDelayMs),
    ack_wait_multiplier: float({ min: 0, max: 1000 }).default(d.acknowledgements.ackWaitMultiplier),
    ack_wait_addition: duration().default(d.acknowledgements.ackWaitAdditionMs),
  }).prefault({}),
  topology: z.strictObject({
    topology_refresh_rate: duration().default(d.topology.topologyRefreshRateMs),
    topology_resolution_timeout: duration().default(d.topology.topologyResolutionTimeoutMs),
    minimum_mixnode_performance: integer(0, 100).default(d.topology.minimumMixnodePerformance),
    minimum_gateway_performance: integer(0, 100).default(d.topology.minimumGatewayPerformance),
    disable_refreshing: boolean().default(d.topology.disableRefreshing),
  }).prefault({}),
  gateway_connection: z.strictObject({
    gateway_response_timeout: duration().default(d.gatewayConnection.gatewayResponseTimeoutMs),
    reconnection_attempts: integer(0, U32).default(d.gatewayConnection.reconnectionAttempts),
    reconnection_backoff: duration().default(d.gatewayConnection.reconnectionBackoffMs),
  }).prefault({}),
  reply_surbs: z.strictObject({
    minimum_reply_surb_storage_threshold: integer(0, COUNT).default(
      d.replySurbs.minimumReplySurbStorageThreshold,
    ),
    maximum_reply_surb_storage_threshold: integer(1, COUNT).default(
      d.replySurbs.maximumReplySurbStorageThreshold,
    ),
    minimum_reply_surb_request_size: integer(1, U32).default(
      d.replySurbs.minimumReplySurbRequestSize,
    ),
    maximum_reply_surb_request_size: integer(1, U32).default(
      d.replySurbs.maximumReplySurbRequestSize,
    ),
    maximum_allowed_reply_surb_request_size: integer(1, U32).default(
      d.replySurbs.maximumAllowedReplySurbRequestSize,
    ),
    maximum_reply_surb_rerequest_waiting_period: duration().default(
      d.replySurbs.maximumReplySurbRerequestWaitingPeriodMs,
    ),
    maximum_reply_surb_drop_waiting_period: duration().default(
      d.replySurbs.maximumReplySurbDropWaitingPeriodMs,
    ),
    maximum_reply_surbs_rerequests: integer(0, U32).default(
      d.replySurbs.maximumReplySurbsRerequests,
    ),
    maximum_reply_key_age: duration().default(d.replySurbs.maximumReplyKeyAgeMs),
  }).prefault({}),
});

/** The whole file. */
export const nativeClientConfigSchema = z.strictObject({
  client: z.strictObject({
    version: string().default(BUILD_VERSION),
    id: string({ nonEmpty: true }),
    /**
     * `true`: only claim free bandwidth. `false`: spend zk-nym tickets at gateways that refuse
     * free bandwidth, obtaining ticketbooks from `ecash_signer_urls` (kept in
     * `<data_dir>/ticketbooks/`).
     */
    disabled_credentials_mode: boolean().default(true),
    /**
     * e-cash signer (nym-api) URLs to obtain ticketbooks from (ours: upstream clients find the
     * signers through the chain).
     */
    ecash_signer_urls: urlList().default([]),
    nyxd_urls: urlList().default([]),
    nym_api_urls: urlList({ nonEmpty: true }),
  }),
  storage_paths: z.strictObject({
    /** Keys, gateway registration and reply state. */
    data_dir: path(),
  }),
  socket: z.strictObject({
    /** `WebSocket` or `None`. */
    socket_type: string().default("WebSocket"),
    host: string({ nonEmpty: true }).default("127.0.0.1"),
    listening_port: integer(0, 65535).default(DEFAULT_NATIVE_PORT),
    /** Most applications connected at once (upstream: one). */
    max_connections: integer(1, 10_000).default(64),
  }).prefault({}),
  debug: debugSection.prefault({}),
});

/** The parsed native client configuration. */
export type NativeClientConfig = z.output<typeof nativeClientConfigSchema>;

/**
 * Parses and validates config TOML; `source` names the file in errors.
 *
 * @example
 * ```ts
 * import { parseNativeClientConfig } from "./config.ts";
 * parseNativeClientConfig(
 *   '[client]\nid = "a"\nnym_api_urls = ["http://127.0.0.1:8000"]\n[storage_paths]\ndata_dir = "/tmp/a"\n',
 * ).socket.listening_port; // 1977
 * ```
 * @throws {ConfigError} naming the key.
 */
export function parseNativeClientConfig(text: string, source = "config.toml"): NativeClientConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const detail = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigError(
        `${source}: invalid TOML at line ${error.line}, column ${error.column}: ${detail}`,
      );
    }
    throw error;
  }
  const result = nativeClientConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(formatConfigIssues(source, result.error.issues));
  const config = result.data;
  if (config.socket.socket_type !== "WebSocket" && config.socket.socket_type !== "None") {
    throw new ConfigError(`${source}: socket.socket_type: must be "WebSocket" or "None"`);
  }
  return config;
}

/**
 * A new config with defaults.
 *
 * @example
 * ```ts
 * import { newNativeClientConfig } from "./config.ts";
 * newNativeClientConfig("alice", "/tmp/alice/data", ["http://127.0.0.1:8000/"]).client.id; // "alice"
 * ```
 */
export function newNativeClientConfig(
  id: string,
  dataDir: string,
  nymApiUrls: readonly string[],
): NativeClientConfig {
  return parseNativeClientConfig(
    stringify({
      client: { id, nym_api_urls: [...nymApiUrls] },
      storage_paths: { data_dir: dataDir },
    }),
  );
}

/**
 * Renders a config as TOML with a header comment.
 *
 * @example
 * ```ts
 * import { newNativeClientConfig, parseNativeClientConfig, stringifyNativeClientConfig } from "./config.ts";
 * const c = newNativeClientConfig("a", "/tmp/a", ["http://127.0.0.1:8000/"]);
 * parseNativeClientConfig(stringifyNativeClientConfig(c)).client.id; // "a"
 * ```
 */
export function stringifyNativeClientConfig(config: NativeClientConfig): string {
  const encoded = z.encode(nativeClientConfigSchema, config) as Record<string, unknown>;
  return [
    "# Config of a Nym native client (TypeScript implementation of nym-client).",
    '# Durations use humantime ("20ms", "5m"). The [debug] settings affect your anonymity:',
    "# change them only if you know what you are doing.",
    "",
    stringify(encoded).trimEnd(),
    "",
  ].join("\n");
}

/**
 * Reads the config at `path`.
 *
 * @example
 * ```ts no-eval
 * const config = await loadNativeClientConfig(paths.configFile);
 * ```
 * @throws {ConfigNotFoundError} (from config/errors.ts) if there is no file; {@linkcode ConfigError} if it is invalid.
 */
export async function loadNativeClientConfig(path: string): Promise<NativeClientConfig> {
  return parseNativeClientConfig(await readConfigText(path), path);
}

/**
 * Writes the config atomically (mode 0600).
 *
 * @example
 * ```ts no-eval
 * await saveNativeClientConfig(paths.configFile, config);
 * ```
 * @throws {ConfigError} if it cannot be written.
 */
export async function saveNativeClientConfig(
  path: string,
  config: NativeClientConfig,
): Promise<void> {
  await writeConfigText(path, stringifyNativeClientConfig(config), 0o600);
}

/**
 * The client-core overrides a config file describes.
 *
 * @example
 * ```ts
 * import { configOverrides, newNativeClientConfig } from "./config.ts";
 * configOverrides(newNativeClientConfig("a", "/tmp/a", ["http://127.0.0.1:8000/"]))
 *   .traffic?.messageSendingAverageDelayMs; // 20
 * ```
 */
export function configOverrides(config: NativeClientConfig): ClientConfigOverrides {
  const t = config.debug.traffic, c = config.debug.cover_traffic, a = config.debug.acknowledgements;
  const p = config.debug.topology,
    g = config.debug.gateway_connection,
    r = config.debug.reply_surbs;
  return {
    traffic: {
      averagePacketDelayMs: t.average_packet_delay,
      messageSendingAverageDelayMs: t.message_sending_average_delay,
      disableMainPoissonPacketDistribution: t.disable_main_poisson_packet_distribution,
      maximumNumberOfRetransmissions: t.maximum_number_of_retransmissions ?? null,
      useLegacySphinxFormat: t.use_legacy_sphinx_format,
      maximumQueuedPackets: t.maximum_queued_packets,
    },
    coverTraffic: {
      loopCoverTrafficAverageDelayMs: c.loop_cover_traffic_average_delay,
      disableLoopCoverTrafficStream: c.disable_loop_cover_traffic_stream,
    },
    acknowledgements: {
      averageAckDelayMs: a.average_ack_delay,
      ackWaitMultiplier: a.ack_wait_multiplier,
      ackWaitAdditionMs: a.ack_wait_addition,
    },
    topology: {
      topologyRefreshRateMs: p.topology_refresh_rate,
      topologyResolutionTimeoutMs: p.topology_resolution_timeout,
      minimumMixnodePerformance: p.minimum_mixnode_performance,
      minimumGatewayPerformance: p.minimum_gateway_performance,
      disableRefreshing: p.disable_refreshing,
    },
    gatewayConnection: {
      gatewayResponseTimeoutMs: g.gateway_response_timeout,
      reconnectionAttempts: g.reconnection_attempts,
      reconnectionBackoffMs: g.reconnection_backoff,
    },
    replySurbs: {
      minimumReplySurbStorageThreshold: r.minimum_reply_surb_storage_threshold,
      maximumReplySurbStorageThreshold: r.maximum_reply_surb_storage_threshold,
      minimumReplySurbRequestSize: r.minimum_reply_surb_request_size,
      maximumReplySurbRequestSize: r.maximum_reply_surb_request_size,
      maximumAllowedReplySurbRequestSize: r.maximum_allowed_reply_surb_request_size,
      maximumReplySurbRerequestWaitingPeriodMs: r.maximum_reply_surb_rerequest_waiting_period,
      maximumReplySurbDropWaitingPeriodMs: r.maximum_reply_surb_drop_waiting_period,
      maximumReplySurbsRerequests: r.maximum_reply_surbs_rerequests,
      maximumReplyKeyAgeMs: r.maximum_reply_key_age,
    },
  };
}

/** Where a native client's files live. */
export interface NativeClientPaths {
  readonly clientDir: string;
  readonly configFile: string;
  readonly dataDir: string;
}

/**
 * The files of client `id`: under `$NYM_CLIENTS_HOME/<id>` if set, else
 * `$HOME/.nym/clients/<id>`.
 *
 * @example
 * ```ts
 * import { nativeClientPaths } from "./config.ts";
 * nativeClientPaths("alice", { get: (k) => (k === "HOME" ? "/home/me" : undefined) }).configFile;
 * // "/home/me/.nym/clients/alice/config/config.toml"
 * ```
 * @throws {ConfigError} for an id that is not a plain name, or no home directory.
 */
export function nativeClientPaths(
  id: string,
  env: { get(name: string): string | undefined },
): NativeClientPaths {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id === "." || id === "..") {
    throw new ConfigError(
      `${JSON.stringify(id)} is not a valid client id (letters, digits, . _ -)`,
    );
  }
  const base = env.get("NYM_CLIENTS_HOME");
  const home = env.get("HOME") ?? env.get("USERPROFILE");
  if (!base && !home) {
    throw new ConfigError("cannot locate the home directory: set HOME or NYM_CLIENTS_HOME");
  }
  const clientDir = base ? `${base.replace(/\/+$/, "")}/${id}` : `${home}/.nym/clients/${id}`;
  return {
    clientDir,
    configFile: `${clientDir}/config/config.toml`,
    dataDir: `${clientDir}/data`,
  };
}
