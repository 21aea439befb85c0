/**
 * Errors raised while locating, reading, validating or writing configuration files.
 *
 * @module
 */

/** A configuration problem; the message is one line naming the file and the offending key. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The config file (or `--config-file` path) cannot be used where it is. */
export class ConfigPathError extends ConfigError {
  override name = "ConfigPathError";
}

/** No config file exists where one was expected. */
export class ConfigNotFoundError extends ConfigError {
  override name = "ConfigNotFoundError";
}
