/**
 * First-run initialisation and start-up loading of a node's files (`nym-node.md` §1.7): keys,
 * `description.toml` and `config.toml`. Initialisation writes the config last, so a node whose
 * config exists is completely initialised.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { CryptoProvider, RandomSource } from "../crypto/mod.ts";
import {
  emptyDescription,
  loadDescription,
  type NodeDescription,
  saveDescription,
} from "../config/description.ts";
import { saveConfig } from "../config/io.ts";
import type { NodePaths } from "../config/paths.ts";
import type { NodeConfig } from "../config/schema.ts";
import { generateNodeKeys, keyPathsFromConfig, loadNodeKeys, type NodeKeys } from "./keys.ts";
import { fetchCurrentRotationId, type FetchFunction } from "./rotation.ts";

/** A node's loaded files. */
export interface NodeFiles {
  readonly keys: NodeKeys;
  readonly description: NodeDescription;
}

/** Inputs of {@linkcode initialiseNode}. */
export interface InitialiseOptions {
  /** The new node's config (validated). */
  readonly config: NodeConfig;
  /** Where the config is saved. */
  readonly paths: NodePaths;
  /** X25519 for public keys. */
  readonly crypto: CryptoProvider;
  /** Randomness for the keys (default: system CSPRNG). */
  readonly random?: RandomSource;
  /** HTTP client for the nym-api rotation query. */
  readonly fetch?: FetchFunction;
  /** Timeout of each nym-api query (default 5 s). */
  readonly timeoutMs?: number;
}

/**
 * Creates a new node: asks nym-api for the key-rotation id (0 with a warning if none answers),
 * generates the keys, writes an empty description, and saves the config.
 *
 * @example
 * ```ts no-eval
 * import { initialiseNode } from "./setup.ts";
 * const { keys } = await initialiseNode({ config, paths, crypto });
 * ```
 */
export async function initialiseNode(options: InitialiseOptions): Promise<NodeFiles> {
  const logger = getLogger(["nym-node", "init"]);
  const { config } = options;
  logger.info("initialising a new nym-node {id} in {dir}", {
    id: config.id,
    dir: options.paths.dataDir,
  });
  const answer = await fetchCurrentRotationId({
    urls: config.mixnet.nym_api_urls,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
  });
  if (answer === null) {
    logger.warn(
      "no nym-api answered the key rotation query; the first sphinx key uses rotation id 0",
    );
  }
  const rotationId = answer?.rotationId ?? 0;
  const keys = await generateNodeKeys(keyPathsFromConfig(config), {
    crypto: options.crypto,
    random: options.random,
    rotationId,
  });
  const description = emptyDescription();
  await saveDescription(config.storage_paths.description, description);
  await saveConfig(options.paths.configFile, config);
  logger.info("saved the new config to {path}", { path: options.paths.configFile });
  return { keys, description };
}

/**
 * Loads the keys and description of an initialised node. Any unreadable or corrupt file is an
 * error naming it.
 *
 * @example
 * ```ts no-eval
 * import { loadNodeFiles } from "./setup.ts";
 * const { keys, description } = await loadNodeFiles(config, crypto);
 * ```
 */
export async function loadNodeFiles(
  config: NodeConfig,
  crypto: CryptoProvider,
): Promise<NodeFiles> {
  const keys = await loadNodeKeys(keyPathsFromConfig(config), crypto);
  const description = await loadDescription(config.storage_paths.description);
  return { keys, description };
}
