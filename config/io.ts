/**
 * Reading, validating and writing `config.toml`, and building the config of a new node.
 * Every problem becomes one {@linkcode ConfigError} line naming the file and the key, e.g.
 * `/srv/nym/config/config.toml: mixnet.bind_address: "x" is not a socket address`.
 *
 * @module
 */
import { parse, stringify, TomlError } from "smol-toml";
import { z } from "zod";
import { ConfigError, ConfigNotFoundError } from "./errors.ts";
import { describeValue } from "./fields.ts";
import { defaultDataPaths } from "./paths.ts";
import { configSchema, type NodeConfig, SECTION_COMMENTS, TABLE_ALIASES } from "./schema.ts";
import { writeFileAtomic } from "./atomic_write.ts";

/** How many issues one error message lists before summarising the rest. */
const MAX_REPORTED_ISSUES = 3;

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const where = issue.path.map(String).join(".");
  const at = (key: string) => (where ? `${where}.${key}` : key);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => `${at(key)}: unknown key`);
    case "invalid_type": {
      const input = (issue as { input?: unknown }).input;
      if (input === undefined) return [`${where}: is missing`];
      const what = issue.expected === "object" ? "a table" : `a ${issue.expected}`;
      return [`${where}: expected ${what}, got ${describeValue(input)}`];
    }
    default:
      return [`${where || "(top level)"}: ${issue.message}`];
  }
}

/**
 * Formats zod issues as one line prefixed with `source`.
 *
 * @example
 * ```ts
 * import { formatConfigIssues } from "./io.ts";
 * formatConfigIssues("config.toml", [{ code: "custom", path: ["id"], message: "is missing", input: undefined }]);
 * // "config.toml: id: is missing"
 * ```
 */
export function formatConfigIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.flatMap(describeIssue);
  const shown = lines.slice(0, MAX_REPORTED_ISSUES).map((line) => `${source}: ${line}`);
  const rest = lines.length - shown.length;
  return shown.join("; ") + (rest > 0 ? ` (and ${rest} more)` : "");
}

function applyAliases(raw: Record<string, unknown>, source: string): void {
  for (const [tablePath, aliases] of Object.entries(TABLE_ALIASES)) {
    let table: unknown = raw;
    for (const key of tablePath ? tablePath.split(".") : []) {
      table = (table as Record<string, unknown> | undefined)?.[key];
    }
    if (typeof table !== "object" || table === null || Array.isArray(table)) continue;
    const record = table as Record<string, unknown>;
    for (const [alias, name] of Object.entries(aliases)) {
      if (!(alias in record)) continue;
      const prefix = tablePath ? `${tablePath}.` : "";
      if (name in record) {
        throw new ConfigError(
          `${source}: ${prefix}${alias}: is an alias of ${prefix}${name}, which is also given`,
        );
      }
      record[name] = record[alias];
      delete record[alias];
    }
  }
}

/**
 * Parses and validates config TOML text. `source` names the file in error messages.
 *
 * @example
 * ```ts no-eval
 * import { parseConfig } from "./io.ts";
 * const config = parseConfig(await Deno.readTextFile(path), path);
 * ```
 */
export function parseConfig(text: string, source = "config.toml"): NodeConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const detail = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigError(
        `${source}: invalid TOML at line ${error.line}, column ${error.column}: ${detail}`,
      );
    }
    throw error;
  }
  applyAliases(raw, source);
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(formatConfigIssues(source, result.error.issues));
  return result.data;
}

/**
 * Checks rules that span several keys (run after CLI overrides are applied).
 *
 * @example
 * ```ts no-eval
 * import { validateConfig } from "./io.ts";
 * validateConfig(config, "config.toml"); // throws ConfigError for mixnode + entry
 * ```
 */
export function validateConfig(config: NodeConfig, source = "config.toml"): void {
  if (config.modes.mixnode && config.modes.entry) {
    throw new ConfigError(
      `${source}: modes: illegal modes configuration - node cannot run as a mixnode and an entry gateway`,
    );
  }
  if (config.modes.mixnode && config.modes.exit) {
    throw new ConfigError(
      `${source}: modes: illegal modes configuration - node cannot run as a mixnode and an exit gateway`,
    );
  }
  const tasks = config.gateway_tasks;
  if (
    (config.modes.entry || config.modes.exit) && tasks.enforce_zk_nyms &&
    tasks.zk_nyms.signer_urls.length === 0
  ) {
    // Upstream reads the signers from the chain; this node can only take them from the config.
    throw new ConfigError(
      `${source}: gateway_tasks.zk_nyms.signer_urls: enforce_zk_nyms is on but no zk-nym signer URLs are configured, so no ticket could be verified (set gateway_tasks.zk_nyms.signer_urls or pass --ecash-signer-urls)`,
    );
  }
}

/**
 * Renders a config as TOML (with explanatory comments above the main tables).
 *
 * @example
 * ```ts no-eval
 * import { stringifyConfig } from "./io.ts";
 * const text = stringifyConfig(config); // parseConfig(text) deep-equals config
 * ```
 */
export function stringifyConfig(config: NodeConfig): string {
  const encoded = z.encode(configSchema, config) as Record<string, unknown>;
  const body = stringify(encoded).replace(/^\[([A-Za-z0-9_.]+)\]$/gm, (header, name: string) => {
    const comment = SECTION_COMMENTS[name];
    return comment ? `# ${comment}\n${header}` : header;
  });
  return [
    "# This is a TOML config file of a nym-node (TypeScript implementation).",
    '# It mirrors the real nym-node\'s config.toml; durations use humantime ("10m", "1500ms"),',
    '# ports set to 0 and empty strings mean "not set".',
    "",
    body.trimEnd(),
    "",
  ].join("\n");
}

/**
 * Reads and validates the config file at `path`.
 *
 * @example
 * ```ts no-eval
 * import { loadConfig } from "./io.ts";
 * const config = await loadConfig("/srv/nym/config/config.toml");
 * ```
 */
export async function loadConfig(path: string): Promise<NodeConfig> {
  return parseConfig(await readConfigText(path), path);
}

/**
 * Reads a TOML config file's text (shared by the node, directory and client configs).
 *
 * @example
 * ```ts no-eval
 * import { readConfigText } from "./io.ts";
 * const text = await readConfigText("/srv/d/directory.toml", "no directory config at");
 * ```
 * @throws {ConfigNotFoundError} if there is no file (`"<missing> <path>"`), else {@linkcode ConfigError}.
 */
export async function readConfigText(path: string, missing = "no config file at"): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new ConfigNotFoundError(`${missing} ${path}`);
    throw new ConfigError(`${path}: cannot read the config file: ${(error as Error).message}`);
  }
}

/**
 * Writes a config file's text atomically, with `mode` (0600 when it may hold secrets).
 *
 * @example
 * ```ts no-eval
 * import { writeConfigText } from "./io.ts";
 * await writeConfigText("/srv/d/directory.toml", "x = 1\n", 0o644);
 * ```
 * @throws {ConfigError} naming the file.
 */
export async function writeConfigText(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeFileAtomic(path, text, { mode });
  } catch (error) {
    throw new ConfigError(`${path}: cannot write the config file: ${(error as Error).message}`);
  }
}

/**
 * Writes the config to `path` atomically (mode 0600: it may hold the HTTP access token).
 *
 * @example
 * ```ts no-eval
 * import { saveConfig } from "./io.ts";
 * await saveConfig("/srv/nym/config/config.toml", config);
 * ```
 */
export async function saveConfig(path: string, config: NodeConfig): Promise<void> {
  await writeConfigText(path, stringifyConfig(config), 0o600);
}

/**
 * Builds the config of a new node: schema defaults with every key and database path placed in
 * `dataDir`. Callers then apply their overrides (e.g. CLI flags) to the returned object.
 *
 * @example
 * ```ts
 * import { newConfig } from "./io.ts";
 * const config = newConfig("n", "/srv/n/data");
 * config.mixnet.bind_address; // "[::]:1789"
 * ```
 */
export function newConfig(id: string, dataDir: string): NodeConfig {
  const paths = defaultDataPaths(dataDir);
  const raw = {
    id,
    mixnet: { replay_protection: paths.replay_protection },
    storage_paths: paths.storage_paths,
    wireguard: { storage_paths: paths.wireguard },
    gateway_tasks: { storage_paths: paths.gateway_tasks },
    service_providers: { storage_paths: paths.service_providers },
  };
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(formatConfigIssues("new config", result.error.issues));
  return result.data;
}
