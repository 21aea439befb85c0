/**
 * The SOCKS5 client's `config.toml`: the native client's `[client]`, `[storage_paths]` and
 * `[debug.*]` sections (same codecs, same one-line errors) plus `[socks5]`, modelled on upstream
 * `nym-socks5-client`'s `[core.socks5]` (`clients.md` §5.1): `provider_mix_address`,
 * `bind_address` (default 127.0.0.1:1080), `send_anonymously` — **true** by default here
 * (upstream: false), since a SOCKS proxy that reveals its address to the exit is a poor default —
 * and our additions `connect_timeout` and `[socks5.socks5_debug]` timers and bounds.
 *
 * Files: `$HOME/.nym/socks5-clients/<id>/config/config.toml` and `.../data/` (or under
 * `$NYM_SOCKS5_CLIENTS_HOME/<id>`).
 *
 * @module
 */
import { parse, stringify, TomlError } from "smol-toml";
import { z } from "zod";
import { boolean, duration, integer, socketAddress, string } from "../../config/fields.ts";
import { ConfigError } from "../../config/errors.ts";
import { formatConfigIssues, readConfigText, writeConfigText } from "../../config/io.ts";
import { parseRecipient } from "../../message/mod.ts";
import type { ClientConfigOverrides } from "../config.ts";
import { configOverrides, nativeClientConfigSchema } from "../native/config.ts";

/** The default listening address (upstream's). */
export const DEFAULT_SOCKS5_BIND_ADDRESS = "127.0.0.1:1080";

const native = nativeClientConfigSchema.shape;

const socks5Debug = z.strictObject({
  /** Reply SURBs sent with each Connect (upstream 20). */
  connection_start_surbs: integer(0, 1000).default(20),
  /** Reply SURBs sent with each Send (upstream 3). */
  per_request_surbs: integer(0, 1000).default(3),
  /** Time an application has to complete its SOCKS greeting and request. */
  handshake_timeout: duration().default(10_000),
  /** An empty Send after this long without data from the application (upstream 60 s). */
  keepalive_interval: duration().default(60_000),
  /** Close a connection after this long without anything from the mixnet (upstream 5 min). */
  mix_ttl: duration().default(5 * 60_000),
  /** Most application connections at once; more are refused with "general failure". */
  max_connections: integer(1, 100_000).default(1024),
  /** Most packets queued on a connection's lane before reading from the application pauses. */
  max_lane_queue: integer(1, 100_000).default(30),
});

/** The whole file. */
export const socks5ClientConfigSchema = z.strictObject({
  client: native.client,
  storage_paths: native.storage_paths,
  socks5: z.strictObject({
    /** The network requester's Nym address (`id.enc@gateway`). */
    provider_mix_address: string({ nonEmpty: true }),
    bind_address: socketAddress().default(DEFAULT_SOCKS5_BIND_ADDRESS),
    /** Replies through reply SURBs (our address stays hidden from the exit). */
    send_anonymously: boolean().default(true),
    /** How long to wait for the exit to confirm a connection before answering with an error. */
    connect_timeout: duration().default(30_000),
    socks5_debug: socks5Debug.prefault({}),
  }),
  debug: native.debug,
});

/** The parsed SOCKS5 client configuration. */
export type Socks5ClientConfig = z.output<typeof socks5ClientConfigSchema>;

/**
 * Parses and validates config TOML; `source` names the file in errors.
 *
 * @example
 * ```ts no-eval
 * parseSocks5ClientConfig(text, "/home/me/.nym/socks5-clients/a/config/config.toml");
 * ```
 * @throws {ConfigError} naming the key.
 */
export function parseSocks5ClientConfig(text: string, source = "config.toml"): Socks5ClientConfig {
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
  const result = socks5ClientConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(formatConfigIssues(source, result.error.issues));
  const config = result.data;
  try {
    parseRecipient(config.socks5.provider_mix_address);
  } catch (error) {
    throw new ConfigError(
      `${source}: socks5.provider_mix_address: not a Nym address: ${(error as Error).message}`,
    );
  }
  if (config.socks5.connect_timeout <= 0) {
    throw new ConfigError(`${source}: socks5.connect_timeout: must be longer than 0`);
  }
  return config;
}

/**
 * A new config with defaults.
 *
 * @example
 * ```ts no-eval
 * newSocks5ClientConfig("alice", "/tmp/alice/data", ["http://127.0.0.1:8000/"], provider);
 * ```
 * @throws {ConfigError} for a bad provider address.
 */
export function newSocks5ClientConfig(
  id: string,
  dataDir: string,
  nymApiUrls: readonly string[],
  provider: string,
): Socks5ClientConfig {
  return parseSocks5ClientConfig(
    stringify({
      client: { id, nym_api_urls: [...nymApiUrls] },
      storage_paths: { data_dir: dataDir },
      socks5: { provider_mix_address: provider },
    }),
  );
}

/**
 * Renders a config as TOML with a header comment.
 *
 * @example
 * ```ts no-eval
 * parseSocks5ClientConfig(stringifySocks5ClientConfig(config)); // the same config
 * ```
 */
export function stringifySocks5ClientConfig(config: Socks5ClientConfig): string {
  const encoded = z.encode(socks5ClientConfigSchema, config) as Record<string, unknown>;
  return [
    "# Config of a Nym SOCKS5 client (TypeScript implementation of nym-socks5-client).",
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
 * const config = await loadSocks5ClientConfig(paths.configFile);
 * ```
 * @throws {ConfigNotFoundError} (from config/errors.ts) if there is no file; {@linkcode ConfigError} if it is invalid.
 */
export async function loadSocks5ClientConfig(path: string): Promise<Socks5ClientConfig> {
  return parseSocks5ClientConfig(await readConfigText(path), path);
}

/**
 * Writes the config atomically (mode 0600).
 *
 * @example
 * ```ts no-eval
 * await saveSocks5ClientConfig(paths.configFile, config);
 * ```
 * @throws {ConfigError} if it cannot be written.
 */
export async function saveSocks5ClientConfig(
  path: string,
  config: Socks5ClientConfig,
): Promise<void> {
  await writeConfigText(path, stringifySocks5ClientConfig(config), 0o600);
}

/**
 * The client-core overrides the `[debug.*]` sections describe.
 *
 * @example
 * ```ts no-eval
 * socks5CoreOverrides(config).traffic?.averagePacketDelayMs; // 15
 * ```
 */
export function socks5CoreOverrides(config: Socks5ClientConfig): ClientConfigOverrides {
  return configOverrides({
    client: config.client,
    storage_paths: config.storage_paths,
    socket: { socket_type: "None", host: "127.0.0.1", listening_port: 0, max_connections: 1 },
    debug: config.debug,
  });
}

/** Where a SOCKS5 client's files live. */
export interface Socks5ClientPaths {
  readonly clientDir: string;
  readonly configFile: string;
  readonly dataDir: string;
}

/**
 * The files of SOCKS5 client `id`: under `$NYM_SOCKS5_CLIENTS_HOME/<id>` if set, else
 * `$HOME/.nym/socks5-clients/<id>` (upstream's directory).
 *
 * @example
 * ```ts
 * import { socks5ClientPaths } from "./config.ts";
 * socks5ClientPaths("web", { get: (k) => (k === "HOME" ? "/home/me" : undefined) }).configFile;
 * // "/home/me/.nym/socks5-clients/web/config/config.toml"
 * ```
 * @throws {ConfigError} for an id that is not a plain name, or no home directory.
 */
export function socks5ClientPaths(
  id: string,
  env: { get(name: string): string | undefined },
): Socks5ClientPaths {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id === "." || id === "..") {
    throw new ConfigError(
      `${JSON.stringify(id)} is not a valid client id (letters, digits, . _ -)`,
    );
  }
  const base = env.get("NYM_SOCKS5_CLIENTS_HOME");
  const home = env.get("HOME") ?? env.get("USERPROFILE");
  if (!base && !home) {
    throw new ConfigError(
      "cannot locate the home directory: set HOME or NYM_SOCKS5_CLIENTS_HOME",
    );
  }
  const clientDir = base
    ? `${base.replace(/\/+$/, "")}/${id}`
    : `${home}/.nym/socks5-clients/${id}`;
  return {
    clientDir,
    configFile: `${clientDir}/config/config.toml`,
    dataDir: `${clientDir}/data`,
  };
}
