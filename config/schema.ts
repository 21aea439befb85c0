/**
 * The `config.toml` schema, mirroring the real node's `Config` (`nym-node.md` §1.6). One zod
 * schema per section; the TypeScript types are inferred from them. Unknown keys are errors
 * (the Rust structs use `deny_unknown_fields`).
 *
 * Adding a setting: add one line to its section below with a `.default(...)` (so existing
 * files keep loading), then read it from `NodeConfig`. Adding a section: define it here, add it
 * to {@linkcode configSchema}, and give it a comment in {@linkcode SECTION_COMMENTS}.
 *
 * @module
 */
import { z } from "zod";
import {
  base58Key,
  boolean,
  country,
  duration,
  float,
  integer,
  ipAddress,
  ipList,
  maybePath,
  maybeString,
  optionalPort,
  path,
  port,
  socketAddress,
  string,
  url,
  urlList,
} from "./fields.ts";
import {
  DEFAULT_CLIENT_WS_PORT,
  DEFAULT_HTTP_PORT,
  DEFAULT_LP_CONTROL_PORT,
  DEFAULT_LP_DATA_PORT,
  DEFAULT_MAX_TIME_BETWEEN_REDEMPTION_MS,
  DEFAULT_MIXNET_PORT,
  DEFAULT_VERLOC_PORT,
  DEFAULT_WG_METADATA_PORT,
  DEFAULT_WG_TUNNEL_PORT,
  MAINNET_EXIT_POLICY_URL,
  MAINNET_NYM_API_URL,
  MAINNET_NYXD_URL,
  MAINNET_UPGRADE_MODE_ATTESTATION_URL,
  MAINNET_UPGRADE_MODE_ATTESTER_KEY,
} from "./defaults.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const USIZE_MAX = Number.MAX_SAFE_INTEGER;
const I64_MAX = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------------------------
// [modes]

/** `[modes]`: which roles the node runs. */
export const modesSection = z.strictObject({
  mixnode: boolean().default(false),
  entry: boolean().default(false),
  exit: boolean().default(false),
});

// ---------------------------------------------------------------------------------------------
// [host]

/** `[host]`: what the node announces about where it can be reached. */
export const hostSection = z.strictObject({
  public_ips: ipList().default([]),
  hostname: maybeString().default(null),
  location: country().default(null),
});

// ---------------------------------------------------------------------------------------------
// [mixnet]

/** `[mixnet.replay_protection.debug]`: bloom-filter sizing and flushing. */
export const replayProtectionDebugSection = z.strictObject({
  unsafe_disabled: boolean().default(false),
  maximum_replay_detection_deferral: duration().default(50),
  maximum_replay_detection_pending_packets: integer(0, USIZE_MAX).default(100),
  false_positive_rate: float({ min: 0, max: 1, exclusive: true }).default(1e-5),
  // nym-node sizes for 2000 packets/s (≈539 MB per filter). We default to 150 packets/s sustained
  // over a 25-hour key lifetime (≈40 MB at 1e-5); busy operators raise it (README: memory figures).
  initial_expected_packets_per_second: integer(1, USIZE_MAX).default(150),
  bloomfilter_minimum_packets_per_second_size: integer(1, USIZE_MAX).default(200),
  bloomfilter_size_multiplier: float({ min: 0, exclusive: true }).default(1.12),
  bloomfilter_disk_flushing_rate: duration().default(10 * MINUTE),
});

/** `[mixnet.replay_protection]`. */
export const replayProtectionSection = z.strictObject({
  storage_paths: z.strictObject({ current_bloomfilters_directory: path() }),
  debug: replayProtectionDebugSection.prefault({}),
});

/** `[mixnet.key_rotation]`. */
export const keyRotationSection = z.strictObject({
  debug: z.strictObject({
    rotation_state_poling_interval: duration().default(4 * HOUR),
  }).prefault({}),
});

/** `[mixnet.debug]`: forwarding delays, backoff, buffers. */
export const mixnetDebugSection = z.strictObject({
  maximum_forward_packet_delay: duration().default(10 * SECOND),
  packet_forwarding_initial_backoff: duration().default(10 * SECOND),
  packet_forwarding_maximum_backoff: duration().default(300 * SECOND),
  initial_connection_timeout: duration().default(1500),
  maximum_connection_buffer_size: integer(1, USIZE_MAX).default(2000),
  use_legacy_packet_encoding: boolean().default(true),
  unsafe_disable_noise: boolean().default(false),
  // Settings of this implementation (not in the Rust node):
  /** Worker threads unwrapping Sphinx packets besides the main thread; -1 = one per extra core. */
  unwrap_workers: integer(-1, 256).default(-1),
  /** Forward-hop packets held for their delay at most; beyond it new ones are dropped. */
  maximum_delay_queue_size: integer(1, USIZE_MAX).default(50_000),
  /** Packets being unwrapped at most before connections stop being read (back-pressure). */
  maximum_packets_in_flight: integer(1, USIZE_MAX).default(256),
  /** Inbound mixnet connections at most, in total and from one IP address. */
  maximum_inbound_connections: integer(1, USIZE_MAX).default(10_000),
  maximum_inbound_connections_per_ip: integer(1, USIZE_MAX).default(128),
  /** Mixnet connections (in or out) that carried nothing for this long are closed. */
  connection_idle_timeout: duration().default(10 * MINUTE),
});

/** `[mixnet]`: the sphinx listener and the network it belongs to. */
export const mixnetSection = z.strictObject({
  bind_address: socketAddress().default(`[::]:${DEFAULT_MIXNET_PORT}`),
  announce_port: optionalPort().default(null),
  nym_api_urls: urlList({ nonEmpty: true }).default([MAINNET_NYM_API_URL]),
  nyxd_urls: urlList({ nonEmpty: true }).default([MAINNET_NYXD_URL]),
  replay_protection: replayProtectionSection,
  key_rotation: keyRotationSection.prefault({}),
  debug: mixnetDebugSection.prefault({}),
});

// ---------------------------------------------------------------------------------------------
// [storage_paths]

/** `[storage_paths.keys]`: key files in the data directory. */
export const keysPathsSection = z.strictObject({
  private_ed25519_identity_key_file: path(),
  public_ed25519_identity_key_file: path(),
  primary_x25519_sphinx_key_file: path(),
  secondary_x25519_sphinx_key_file: path(),
  private_x25519_noise_key_file: path(),
  public_x25519_noise_key_file: path(),
  private_x25519_lp_key_file: path(),
  public_x25519_lp_key_file: path(),
  private_mlkem768_lp_key_file: path(),
  public_mlkem768_lp_key_file: path(),
  private_mceliece_lp_key_file: path(),
  public_mceliece_lp_key_file: path(),
});

/** `[storage_paths]`. */
export const storagePathsSection = z.strictObject({
  keys: keysPathsSection,
  description: path(),
});

// ---------------------------------------------------------------------------------------------
// [http]

/** `[http]`: the self-described HTTP API. */
export const httpSection = z.strictObject({
  bind_address: socketAddress().default(`[::]:${DEFAULT_HTTP_PORT}`),
  landing_page_assets_path: maybePath().default(null),
  access_token: maybeString().default(null),
  expose_system_info: boolean().default(true),
  expose_system_hardware: boolean().default(true),
  expose_crypto_hardware: boolean().default(true),
  node_load_cache_ttl: duration().default(30 * SECOND),
});

// ---------------------------------------------------------------------------------------------
// [wireguard]

/** `[wireguard]`. */
export const wireguardSection = z.strictObject({
  enabled: boolean().default(false),
  bind_address: socketAddress().default(`0.0.0.0:${DEFAULT_WG_TUNNEL_PORT}`),
  private_ipv4: ipAddress(4).default("10.1.0.1"),
  private_ipv6: ipAddress(6).default("fc01::1"),
  announced_tunnel_port: port().default(DEFAULT_WG_TUNNEL_PORT),
  announced_metadata_port: port().default(DEFAULT_WG_METADATA_PORT),
  private_network_prefix_v4: integer(0, 32).default(16),
  private_network_prefix_v6: integer(0, 128).default(112),
  use_userspace: boolean().default(false),
  storage_paths: z.strictObject({
    private_diffie_hellman_key_file: path(),
    public_diffie_hellman_key_file: path(),
  }),
});

// ---------------------------------------------------------------------------------------------
// [lp]

/** `[lp]`: Lewes-protocol listeners. */
export const lpSection = z.strictObject({
  control_bind_address: socketAddress().default(`[::]:${DEFAULT_LP_CONTROL_PORT}`),
  data_bind_address: socketAddress().default(`[::]:${DEFAULT_LP_DATA_PORT}`),
  announce_control_port: optionalPort().default(null),
  announce_data_port: optionalPort().default(null),
  debug: z.strictObject({
    max_connections: integer(1, USIZE_MAX).default(10_000),
    use_mock_ecash: boolean().default(false),
    handshake_ttl: duration().default(90 * SECOND),
    session_ttl: duration().default(24 * HOUR),
    state_cleanup_interval: duration().default(5 * MINUTE),
    max_concurrent_forwards: integer(1, USIZE_MAX).default(1000),
  }).prefault({}),
});

// ---------------------------------------------------------------------------------------------
// [verloc]

/** `[verloc]`: the latency-measurement listener and measurer. */
export const verlocSection = z.strictObject({
  bind_address: socketAddress().default(`[::]:${DEFAULT_VERLOC_PORT}`),
  announce_port: optionalPort().default(null),
  debug: z.strictObject({
    packets_per_node: integer(1, USIZE_MAX).default(100),
    connection_timeout: duration().default(5 * SECOND),
    packet_timeout: duration().default(1500),
    delay_between_packets: duration().default(50),
    tested_nodes_batch_size: integer(1, USIZE_MAX).default(50),
    testing_interval: duration().default(12 * HOUR),
    retry_timeout: duration().default(30 * MINUTE),
  }).prefault({}),
});

// ---------------------------------------------------------------------------------------------
// [gateway_tasks] (alias [entry_gateway])

/** `[gateway_tasks.debug]`: client handling limits. */
export const gatewayTasksDebugSection = z.strictObject({
  message_retrieval_limit: integer(1, I64_MAX).default(100),
  maximum_open_connections: integer(1, USIZE_MAX).default(8192),
  minimum_mix_performance: integer(0, 100).default(50),
  maximum_initial_topology_waiting_time: duration().default(15 * MINUTE),
  max_request_timestamp_skew: duration().default(120 * SECOND),
  stale_messages: z.strictObject({
    cleaner_run_interval: duration().default(HOUR),
    max_age: duration().default(24 * HOUR),
  }).prefault({}),
  client_bandwidth: z.strictObject({
    max_flushing_rate: duration().default(5),
    max_delta_flushing_amount: integer(0, I64_MAX).default(512 * 1024),
  }).prefault({}),
  zk_nym_tickets: z.strictObject({
    revocation_bandwidth_penalty: float({ min: 0 }).default(10),
    pending_poller: duration().default(5 * MINUTE),
    minimum_api_quorum: float({ min: 0, max: 1 }).default(0.7),
    minimum_redemption_tickets: integer(0, USIZE_MAX).default(100),
    maximum_time_between_redemption: duration().default(DEFAULT_MAX_TIME_BETWEEN_REDEMPTION_MS),
  }).prefault({}),
  upgrade_mode_min_staleness_recheck: duration().default(30 * SECOND),
  // Settings of this implementation (not in the Rust node):
  /** Offline messages kept per client; beyond it the oldest are dropped (and counted). */
  maximum_stored_messages_per_client: integer(1, USIZE_MAX).default(25_000),
  /** Bytes queued towards one client's socket before further pushes go to its mailbox. */
  maximum_client_send_queue: integer(65_536, USIZE_MAX).default(4 * 1024 * 1024),
  /** Largest WebSocket message accepted from a client (bytes). */
  maximum_client_message_size: integer(4096, USIZE_MAX).default(1024 * 1024),
  /** Client packets accepted per second from one connection before it is closed (0 = no limit). */
  maximum_client_packets_per_second: integer(0, USIZE_MAX).default(5_000),
});

/** `[gateway_tasks]`: entry-gateway client interfaces. */
export const gatewayTasksSection = z.strictObject({
  storage_paths: z.strictObject({
    clients_storage: path(),
    stats_storage: path(),
    cosmos_mnemonic: path(),
    bridge_client_params: path().optional(),
  }),
  enforce_zk_nyms: boolean().default(false),
  /**
   * zk-nym ticket verification (a setting of this implementation). Upstream gateways find the
   * e-cash signers through the chain (the DKG contract lists them and their nym-api URLs), so
   * the Rust node has no such field; this node takes the signer URLs from here.
   */
  zk_nyms: z.strictObject({
    /**
     * Base URLs of the signers (nym-api in e-cash mode, `nym-node signer run`) serving
     * `/v1/ecash/*`; the epoch's verification key is aggregated from them. Required when
     * `enforce_zk_nyms` is on; without URLs the gateway refuses tickets.
     */
    signer_urls: urlList().default([]),
  }).prefault({}),
  ws_bind_address: socketAddress().default(`[::]:${DEFAULT_CLIENT_WS_PORT}`),
  announce_ws_port: optionalPort().default(null),
  announce_wss_port: optionalPort().default(null),
  upgrade_mode: z.strictObject({
    enabled: boolean().default(true),
    attestation_url: url().default(MAINNET_UPGRADE_MODE_ATTESTATION_URL),
    attester_public_key: base58Key(32).default(MAINNET_UPGRADE_MODE_ATTESTER_KEY),
    debug: z.strictObject({
      regular_polling_interval: duration().default(15 * MINUTE),
      expedited_poll_interval: duration().default(2 * MINUTE),
    }).prefault({}),
  }).prefault({}),
  debug: gatewayTasksDebugSection.prefault({}),
});

// ---------------------------------------------------------------------------------------------
// [service_providers] (alias [exit_gateway])

const providerDebug = z.strictObject({
  enabled: boolean().default(true),
  disable_poisson_rate: boolean().default(true),
});

const providerPaths = z.strictObject({
  private_ed25519_identity_key_file: path(),
  public_ed25519_identity_key_file: path(),
  private_x25519_diffie_hellman_key_file: path(),
  public_x25519_diffie_hellman_key_file: path(),
  ack_key_file: path(),
  reply_surb_database: path(),
  gateway_registrations: path(),
});

/** `[service_providers]`: the embedded exit services. */
export const serviceProvidersSection = z.strictObject({
  storage_paths: z.strictObject({
    clients_storage: path(),
    stats_storage: path(),
    network_requester: providerPaths,
    ip_packet_router: providerPaths,
    authenticator: providerPaths,
  }),
  open_proxy: boolean().default(false),
  upstream_exit_policy_url: url().default(MAINNET_EXIT_POLICY_URL),
  network_requester: z.strictObject({
    allow_local_ips: boolean().default(false),
    // Settings of this implementation (not in the Rust node):
    /** A local exit policy file (torrc `ExitPolicy` lines), used instead of the upstream URL. */
    exit_policy_file: maybePath().default(null),
    /** Mean per-hop delay of the packets the network requester sends back (client default). */
    average_packet_delay: duration().default(15),
    debug: providerDebug.prefault({}),
  }).prefault({}),
  ip_packet_router: z.strictObject({
    allow_local_ips: boolean().default(false),
    debug: providerDebug.prefault({}),
  }).prefault({}),
  authenticator: z.strictObject({ debug: providerDebug.prefault({}) }).prefault({}),
  debug: z.strictObject({
    message_retrieval_limit: integer(1, I64_MAX).default(100),
  }).prefault({}),
});

// ---------------------------------------------------------------------------------------------
// [metrics]

/** `[metrics]`: aggregation and console statistics. */
export const metricsSection = z.strictObject({
  debug: z.strictObject({
    log_stats_to_console: boolean().default(true),
    aggregator_update_rate: duration().default(5 * SECOND),
    stale_mixnet_metrics_cleaner_rate: duration().default(HOUR),
    global_prometheus_counters_update_rate: duration().default(30 * SECOND),
    pending_egress_packets_update_rate: duration().default(30 * SECOND),
    clients_sessions_update_rate: duration().default(HOUR),
    console_logging_update_interval: duration().default(MINUTE),
    legacy_mixing_metrics_update_rate: duration().default(30 * SECOND),
  }).prefault({}),
});

// ---------------------------------------------------------------------------------------------
// [logging] and [debug]

/** `[logging]`: empty, as in the real node (levels come from `--log-level`). */
export const loggingSection = z.strictObject({});

/** `[debug]`: topology caching and testnet relaxations. */
export const debugSection = z.strictObject({
  topology_cache_ttl: duration().default(10 * MINUTE),
  routing_nodes_check_interval: duration().default(5 * MINUTE),
  testnet: boolean().default(false),
});

// ---------------------------------------------------------------------------------------------

/** The whole file. Key order here is the order sections are written in. */
export const configSchema = z.strictObject({
  id: string({ nonEmpty: true }),
  modes: modesSection.prefault({}),
  host: hostSection.prefault({}),
  mixnet: mixnetSection,
  storage_paths: storagePathsSection,
  http: httpSection.prefault({}),
  wireguard: wireguardSection,
  lp: lpSection.prefault({}),
  verloc: verlocSection.prefault({}),
  gateway_tasks: gatewayTasksSection,
  service_providers: serviceProvidersSection,
  metrics: metricsSection.prefault({}),
  logging: loggingSection.prefault({}),
  debug: debugSection.prefault({}),
});

/** A loaded, validated node configuration. */
export type NodeConfig = z.output<typeof configSchema>;

/** The `[modes]` part of a {@linkcode NodeConfig}. */
export type NodeModes = NodeConfig["modes"];

/**
 * Table aliases the real node accepts (`#[serde(alias)]`): old name → current name, per table
 * path (`""` is the top level).
 */
export const TABLE_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "": { entry_gateway: "gateway_tasks", exit_gateway: "service_providers" },
  "gateway_tasks.debug": { maximum_auth_request_age: "max_request_timestamp_skew" },
};

/** Comments written above each table when a config is saved. */
export const SECTION_COMMENTS: Readonly<Record<string, string>> = {
  modes: "Current modes of this nym-node (mixnode cannot be combined with entry or exit).",
  host: "Addresses announced to nym-api and clients; location is an ISO 3166 alpha-2 code.",
  mixnet: "Sphinx packet listener; announce_port 0 means: announce the bound port.",
  "mixnet.replay_protection.storage_paths": "Directory of the replay-detection bloom filters.",
  storage_paths: "Persistent node data: keys and the node description.",
  http: "The self-described HTTP API (nym-api polls it). access_token enables prometheus.",
  wireguard: "WireGuard client interface (not implemented by this node yet).",
  lp: "Lewes-protocol listeners (not implemented by this node yet).",
  verloc: "Latency measurement echo listener.",
  gateway_tasks: "Entry gateway: client websockets (announce ports 0 = not announced).",
  "gateway_tasks.zk_nyms":
    "zk-nym signers (nym-api URLs serving /v1/ecash/*) whose tickets this gateway verifies. " +
    "Upstream finds them through the chain; this node lists them here (needed with enforce_zk_nyms).",
  service_providers: "Exit gateway: embedded network requester, IP packet router, authenticator.",
  metrics: "Metrics aggregation.",
  logging: "Logging is configured with --log-level / --log-format.",
  debug: "Debug and testnet settings.",
};
