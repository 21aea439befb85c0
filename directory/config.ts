/**
 * The directory's own `directory.toml`, validated like `config.toml` (`config/fields.ts`): every
 * bad value is one {@linkcode ConfigError} line naming the file and the key. Durations are
 * humantime strings. Relative paths are resolved against the config file's directory.
 *
 * ```toml
 * [http]
 * bind_address = "127.0.0.1:8000"
 * [storage]
 * database = "data/directory.sqlite"
 * [epochs]
 * start = ""               # RFC 3339; "" = the directory's first start (kept in its database)
 * epoch_duration = "1h"
 * validity_epochs = 24
 * initial_epoch_id = 0
 * [polling]
 * interval = "1m"
 * timeout = "5s"
 * max_response_bytes = 1048576
 * concurrency = 32
 * down_after_failures = 2
 * down_grace = "10m"
 * [network]
 * local = false            # accept loopback/private IPs (test networks)
 * [[nodes]]
 * address = "203.0.113.7:8080"
 * identity = ""            # optional: the node's base58 identity key
 * ```
 *
 * @module
 */
import { parse, stringify, TomlError } from "smol-toml";
import { z } from "zod";
import { dirname, isAbsolute, join, resolve } from "node:path";
import {
  base58Key,
  boolean,
  duration,
  field,
  integer,
  InvalidFieldError,
  path,
  socketAddress,
} from "../config/fields.ts";
import { ConfigError } from "../config/errors.ts";
import { formatConfigIssues, readConfigText, writeConfigText } from "../config/io.ts";
import { formatNodeAddress, parseNodeAddress } from "./address.ts";
import { EpochScheduleError, validateSchedule } from "./epoch.ts";

/** The config file name inside a directory home. */
export const DIRECTORY_CONFIG_FILE = "directory.toml";

/** The default HTTP address (the `--local` nodes' default nym-api is `127.0.0.1:8000`). */
export const DEFAULT_DIRECTORY_BIND = "127.0.0.1:8000";

const nodeAddress = () =>
  field<string>((raw) => {
    if (typeof raw !== "string") throw new InvalidFieldError("expected a host:port string");
    try {
      return formatNodeAddress(parseNodeAddress(raw));
    } catch (error) {
      throw new InvalidFieldError((error as Error).message);
    }
  }, (v) => v);

const rfc3339 = () =>
  field<number | null>((raw) => {
    if (typeof raw !== "string") throw new InvalidFieldError("expected an RFC 3339 time string");
    if (raw === "") return null;
    const ms = Date.parse(raw);
    if (!/^\d{4}-\d\d-\d\dT/.test(raw) || !Number.isFinite(ms)) {
      throw new InvalidFieldError(`${JSON.stringify(raw)} is not an RFC 3339 time`);
    }
    return ms;
  }, (v) => (v === null ? "" : new Date(v).toISOString()));

const maybeIdentity = () =>
  z.union([z.literal("").transform(() => null), base58Key(32)]).optional().transform((v) =>
    v ?? null
  );

/** The `directory.toml` schema. */
export const directoryConfigSchema = z.strictObject({
  http: z.strictObject({
    bind_address: socketAddress().default(DEFAULT_DIRECTORY_BIND),
  }).prefault({}),
  storage: z.strictObject({
    database: path().default("data/directory.sqlite"),
  }).prefault({}),
  epochs: z.strictObject({
    start: rfc3339().default(null),
    epoch_duration: duration().default(60 * 60 * 1000),
    validity_epochs: integer(1, 0xffff_ffff).default(24),
    initial_epoch_id: integer(0, 0xffff_ffff).default(0),
  }).prefault({}),
  polling: z.strictObject({
    interval: duration().default(60 * 1000),
    timeout: duration().default(5000),
    max_response_bytes: integer(1024, 64 * 1024 * 1024).default(1024 * 1024),
    concurrency: integer(1, 1024).default(32),
    down_after_failures: integer(1, 1000).default(2),
    down_grace: duration().default(10 * 60 * 1000),
  }).prefault({}),
  network: z.strictObject({
    local: boolean().default(false),
  }).prefault({}),
  nodes: z.array(z.strictObject({
    address: nodeAddress(),
    identity: maybeIdentity(),
  })).default([]),
});

/** A loaded directory configuration. */
export type DirectoryConfig = z.output<typeof directoryConfigSchema>;

function validate(config: DirectoryConfig, source: string): void {
  try {
    validateSchedule({
      startMs: config.epochs.start ?? 0,
      epochDurationMs: config.epochs.epoch_duration,
      validityEpochs: config.epochs.validity_epochs,
      initialEpochId: config.epochs.initial_epoch_id,
    });
  } catch (error) {
    if (error instanceof EpochScheduleError) {
      throw new ConfigError(`${source}: epochs: ${error.message}`);
    }
    throw error;
  }
  if (config.polling.interval < 100) {
    throw new ConfigError(`${source}: polling.interval: must be at least 100ms`);
  }
  if (config.polling.timeout < 10) {
    throw new ConfigError(`${source}: polling.timeout: must be at least 10ms`);
  }
}

/**
 * Parses and validates `directory.toml` text.
 *
 * @example
 * ```ts
 * import { parseDirectoryConfig } from "./config.ts";
 * parseDirectoryConfig('[epochs]\nepoch_duration = "2m"\n').epochs.epoch_duration; // 120000
 * ```
 */
export function parseDirectoryConfig(
  text: string,
  source = DIRECTORY_CONFIG_FILE,
): DirectoryConfig {
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
  const result = directoryConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(formatConfigIssues(source, result.error.issues));
  validate(result.data, source);
  return result.data;
}

/**
 * The config with every key set to its default.
 *
 * @example
 * ```ts
 * import { defaultDirectoryConfig } from "./config.ts";
 * defaultDirectoryConfig().polling.timeout; // 5000
 * ```
 */
export function defaultDirectoryConfig(): DirectoryConfig {
  return directoryConfigSchema.parse({});
}

/**
 * Renders a config as TOML.
 *
 * @example
 * ```ts
 * import { defaultDirectoryConfig, stringifyDirectoryConfig } from "./config.ts";
 * stringifyDirectoryConfig(defaultDirectoryConfig()).includes("[polling]"); // true
 * ```
 */
export function stringifyDirectoryConfig(config: DirectoryConfig): string {
  const encoded = z.encode(directoryConfigSchema, config) as Record<string, unknown>;
  for (const node of (encoded.nodes ?? []) as Record<string, unknown>[]) {
    if (node.identity === null) node.identity = "";
  }
  return [
    "# nym-node directory (the nym-api subset): topology, rewarded set, key rotation, status page.",
    '# Durations are humantime ("1h", "1500ms"); relative paths are relative to this file.',
    "",
    stringify(encoded).trimEnd(),
    "",
  ].join("\n");
}

/**
 * Reads and validates the config file at `path`.
 *
 * @example
 * ```ts no-eval
 * import { loadDirectoryConfig } from "./config.ts";
 * const config = await loadDirectoryConfig("/srv/directory/directory.toml");
 * ```
 */
export async function loadDirectoryConfig(path: string): Promise<DirectoryConfig> {
  return parseDirectoryConfig(await readConfigText(path, "no directory config at"), path);
}

/**
 * Writes the config atomically.
 *
 * @example
 * ```ts no-eval
 * import { defaultDirectoryConfig, saveDirectoryConfig } from "./config.ts";
 * await saveDirectoryConfig("/srv/directory/directory.toml", defaultDirectoryConfig());
 * ```
 */
export async function saveDirectoryConfig(path: string, config: DirectoryConfig): Promise<void> {
  await writeConfigText(path, stringifyDirectoryConfig(config), 0o644);
}

/**
 * The database path of a config loaded from `configFile` (relative paths are relative to it).
 *
 * @example
 * ```ts
 * import { databasePath, defaultDirectoryConfig } from "./config.ts";
 * databasePath(defaultDirectoryConfig(), "/srv/d/directory.toml"); // "/srv/d/data/directory.sqlite"
 * ```
 */
export function databasePath(config: DirectoryConfig, configFile: string): string {
  const db = config.storage.database;
  return isAbsolute(db) ? db : join(dirname(resolve(configFile)), db);
}
