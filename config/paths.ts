/**
 * Where a node's files live (`nym-node.md` §1.2, §1.5): `<node dir>/config/config.toml` and
 * `<node dir>/data/`, with the node directory `$NYMNODE_HOME` if set, else
 * `~/.nym/nym-nodes/<id>`. A `--config-file` must sit in a directory named `config`, because the
 * data directory is derived from it.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import {
  CONFIG_DIR_NAME,
  CONFIG_FILE_NAME,
  DATA_DIR_NAME,
  DATA_FILE_NAMES,
  SERVICE_PROVIDER_INFIXES,
} from "./defaults.ts";
import { ConfigPathError } from "./errors.ts";

/** Reads environment variables; injected so tests need not touch the real environment. */
export interface Environment {
  /** The variable's value, or `undefined` when unset. */
  get(name: string): string | undefined;
}

/**
 * The process environment.
 *
 * @example
 * ```ts no-eval
 * import { processEnvironment } from "./paths.ts";
 * processEnvironment.get("HOME");
 * ```
 */
export const processEnvironment: Environment = { get: (name) => Deno.env.get(name) };

/** The files of one node. */
export interface NodePaths {
  /** Absolute path of `config.toml`. */
  readonly configFile: string;
  /** Absolute path of the data directory. */
  readonly dataDir: string;
}

/**
 * Derives the data directory from a config file path: `<x>/config/<file>` → `<x>/data`.
 *
 * @example
 * ```ts
 * import { dataDirForConfigFile } from "./paths.ts";
 * dataDirForConfigFile("/srv/nym/config/config.toml"); // "/srv/nym/data"
 * ```
 */
export function dataDirForConfigFile(configFile: string): string {
  const absolute = resolve(configFile);
  const configDir = dirname(absolute);
  if (basename(configDir) !== CONFIG_DIR_NAME || dirname(configDir) === configDir) {
    throw new ConfigPathError(
      `the config file ${absolute} must be inside a directory named "${CONFIG_DIR_NAME}" ` +
        `(e.g. <node dir>/${CONFIG_DIR_NAME}/${CONFIG_FILE_NAME}); its data lives in <node dir>/${DATA_DIR_NAME}`,
    );
  }
  return join(dirname(configDir), DATA_DIR_NAME);
}

/**
 * The node directory for `id`: `$NYMNODE_HOME` if set, else `$HOME/.nym/nym-nodes/<id>`.
 *
 * @example
 * ```ts
 * import { defaultNodeDir } from "./paths.ts";
 * defaultNodeDir("my-node", { get: (k) => k === "HOME" ? "/home/op" : undefined });
 * // "/home/op/.nym/nym-nodes/my-node"
 * ```
 */
export function defaultNodeDir(id: string, env: Environment = processEnvironment): string {
  const home = env.get("NYMNODE_HOME");
  if (home) return resolve(home);
  if (id.length === 0 || id.includes("/") || id.includes("\\") || id === "." || id === "..") {
    throw new ConfigPathError(`${JSON.stringify(id)} is not a valid node id`);
  }
  const userHome = env.get("HOME") ?? env.get("USERPROFILE");
  if (!userHome) {
    throw new ConfigPathError("cannot locate the home directory: set HOME or NYMNODE_HOME");
  }
  return join(resolve(userHome), ".nym", "nym-nodes", id);
}

/**
 * Resolves the config file and data directory from `--config-file` or the node id.
 *
 * @example
 * ```ts
 * import { resolveNodePaths } from "./paths.ts";
 * resolveNodePaths({ id: "n", env: { get: (k) => k === "NYMNODE_HOME" ? "/srv/n" : undefined } });
 * // { configFile: "/srv/n/config/config.toml", dataDir: "/srv/n/data" }
 * ```
 */
export function resolveNodePaths(
  options: { id: string; configFile?: string; env?: Environment },
): NodePaths {
  if (options.configFile !== undefined) {
    const configFile = resolve(options.configFile);
    return { configFile, dataDir: dataDirForConfigFile(configFile) };
  }
  const nodeDir = defaultNodeDir(options.id, options.env);
  return {
    configFile: join(nodeDir, CONFIG_DIR_NAME, CONFIG_FILE_NAME),
    dataDir: join(nodeDir, DATA_DIR_NAME),
  };
}

/**
 * The default `[storage_paths]` and other data-directory paths of a new node, as raw TOML
 * values keyed like the config sections.
 *
 * @example
 * ```ts
 * import { defaultDataPaths } from "./paths.ts";
 * defaultDataPaths("/d").storage_paths.description; // "/d/description.toml"
 * ```
 */
export function defaultDataPaths(dataDir: string) {
  const at = (name: string) => join(dataDir, name);
  const provider = (infix: string) => ({
    private_ed25519_identity_key_file: at(`ed25519_${infix}_identity`),
    public_ed25519_identity_key_file: at(`ed25519_${infix}_identity.pub`),
    private_x25519_diffie_hellman_key_file: at(`x25519_${infix}_dh`),
    public_x25519_diffie_hellman_key_file: at(`x25519_${infix}_dh.pub`),
    ack_key_file: at(`aes128ctr_${infix}_ack`),
    reply_surb_database: at(`${infix}_persistent_reply_store.sqlite`),
    gateway_registrations: at(`${infix}_gateways_info_store.sqlite`),
  });
  return {
    storage_paths: {
      keys: {
        private_ed25519_identity_key_file: at(DATA_FILE_NAMES.privateIdentityKey),
        public_ed25519_identity_key_file: at(DATA_FILE_NAMES.publicIdentityKey),
        primary_x25519_sphinx_key_file: at(DATA_FILE_NAMES.primarySphinxKey),
        secondary_x25519_sphinx_key_file: at(DATA_FILE_NAMES.secondarySphinxKey),
        private_x25519_noise_key_file: at(DATA_FILE_NAMES.privateNoiseKey),
        public_x25519_noise_key_file: at(DATA_FILE_NAMES.publicNoiseKey),
        private_x25519_lp_key_file: at(DATA_FILE_NAMES.privateLpKey),
        public_x25519_lp_key_file: at(DATA_FILE_NAMES.publicLpKey),
        private_mlkem768_lp_key_file: at(DATA_FILE_NAMES.privateMlkem768Key),
        public_mlkem768_lp_key_file: at(DATA_FILE_NAMES.publicMlkem768Key),
        private_mceliece_lp_key_file: at(DATA_FILE_NAMES.privateMcelieceKey),
        public_mceliece_lp_key_file: at(DATA_FILE_NAMES.publicMcelieceKey),
      },
      description: at(DATA_FILE_NAMES.description),
    },
    replay_protection: {
      storage_paths: { current_bloomfilters_directory: at(DATA_FILE_NAMES.replayDetectionDir) },
    },
    wireguard: {
      private_diffie_hellman_key_file: at(DATA_FILE_NAMES.privateWireguardKey),
      public_diffie_hellman_key_file: at(DATA_FILE_NAMES.publicWireguardKey),
    },
    gateway_tasks: {
      clients_storage: at(DATA_FILE_NAMES.clientsStorage),
      stats_storage: at(DATA_FILE_NAMES.statsStorage),
      cosmos_mnemonic: at(DATA_FILE_NAMES.cosmosMnemonic),
    },
    service_providers: {
      clients_storage: at(DATA_FILE_NAMES.clientsStorage),
      stats_storage: at(DATA_FILE_NAMES.statsStorage),
      network_requester: provider(SERVICE_PROVIDER_INFIXES.network_requester),
      ip_packet_router: provider(SERVICE_PROVIDER_INFIXES.ip_packet_router),
      authenticator: provider(SERVICE_PROVIDER_INFIXES.authenticator),
    },
  };
}
