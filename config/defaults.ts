/**
 * Default values of nym-node settings (`nym-node.md` §1.4, §1.6): ports, network endpoints and
 * file names. Everything the schema and the initialiser use as a default lives here.
 *
 * @module
 */

/** Node id used when neither `--id` nor `--config-file` is given. */
export const DEFAULT_NODE_ID = "default-nym-node";

/** Mixnet (sphinx) TCP port. */
export const DEFAULT_MIXNET_PORT = 1789;
/** VerLoc echo TCP port. */
export const DEFAULT_VERLOC_PORT = 1790;
/** HTTP API port. */
export const DEFAULT_HTTP_PORT = 8080;
/** Client WebSocket port of an entry gateway. */
export const DEFAULT_CLIENT_WS_PORT = 9000;
/** WireGuard tunnel UDP port. */
export const DEFAULT_WG_TUNNEL_PORT = 51822;
/** WireGuard metadata service port. */
export const DEFAULT_WG_METADATA_PORT = 51830;
/** Lewes-protocol control (TCP) port. */
export const DEFAULT_LP_CONTROL_PORT = 41264;
/** Lewes-protocol data (UDP) port. */
export const DEFAULT_LP_DATA_PORT = 51264;

/** Mainnet nym-api, used unless `--nym-api-urls`, `NYM_API` or `--local` says otherwise. */
export const MAINNET_NYM_API_URL = "https://validator.nymtech.net/api/";
/** Mainnet nyxd RPC. */
export const MAINNET_NYXD_URL = "https://rpc.nymtech.net/";
/** Upstream exit policy of mainnet exit gateways. */
export const MAINNET_EXIT_POLICY_URL =
  "https://nymtech.net/.wellknown/network-requester/exit-policy.txt";
/** Where mainnet publishes the upgrade-mode attestation. */
export const MAINNET_UPGRADE_MODE_ATTESTATION_URL =
  "https://nymtech.net/.wellknown/upgrade-mode/attestation.json";
/** Ed25519 key (bs58) that signs the mainnet upgrade-mode attestation. */
export const MAINNET_UPGRADE_MODE_ATTESTER_KEY = "3bgffBYcfFkTTXc2npNNn9MkddFZ3H2LrPjXDmnJzrqd";

/**
 * nym-api used by `--local` nodes when none is given. This implementation's deviation from the
 * real node (which keeps mainnet): a local node never reaches out to the public network.
 */
export const LOCAL_NYM_API_URL = "http://127.0.0.1:8000/";
/** nyxd RPC used by `--local` nodes when none is given (see {@linkcode LOCAL_NYM_API_URL}). */
export const LOCAL_NYXD_URL = "http://127.0.0.1:26657/";
/** Public IP announced by a `--local` node when `--public-ips` is not given. */
export const LOCAL_PUBLIC_IP = "127.0.0.1";

/** Sub-directory of the node directory holding `config.toml`. */
export const CONFIG_DIR_NAME = "config";
/** Sub-directory of the node directory holding keys and databases. */
export const DATA_DIR_NAME = "data";
/** The config file name. */
export const CONFIG_FILE_NAME = "config.toml";

/** Default file names in the data directory (`nym-node.md` §1.5). */
export const DATA_FILE_NAMES = {
  privateIdentityKey: "ed25519_identity",
  publicIdentityKey: "ed25519_identity.pub",
  primarySphinxKey: "x25519_sphinx_primary",
  secondarySphinxKey: "x25519_sphinx_secondary",
  privateNoiseKey: "x25519_noise",
  publicNoiseKey: "x25519_noise.pub",
  privateLpKey: "x25519_lp",
  publicLpKey: "x25519_lp.pub",
  privateMlkem768Key: "mlkem768",
  publicMlkem768Key: "mlkem768.pub",
  privateMcelieceKey: "mceliece",
  publicMcelieceKey: "mceliece.pub",
  description: "description.toml",
  clientsStorage: "clients.sqlite",
  statsStorage: "stats.sqlite",
  cosmosMnemonic: "cosmos_mnemonic",
  replayDetectionDir: "replay-detection",
  privateWireguardKey: "x25519_wg_dh",
  publicWireguardKey: "x25519_wg_dh.pub",
} as const;

/** Per-service-provider file name infixes (`nr`, `ipr`, `auth`). */
export const SERVICE_PROVIDER_INFIXES = {
  network_requester: "nr",
  ip_packet_router: "ipr",
  authenticator: "auth",
} as const;

/**
 * Maximum time between zk-nym ticket redemptions: min(4/5 of the 7-day ticketbook validity,
 * 6 days), as the real node computes it.
 */
export const DEFAULT_MAX_TIME_BETWEEN_REDEMPTION_MS = Math.min(
  (7 * 86_400 * 4 / 5) * 1000,
  6 * 86_400 * 1000,
);
