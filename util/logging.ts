/**
 * Logging setup for the `nym-node` executable: LogTape with one console sink that writes every
 * record to standard error (so command output on standard out stays machine-readable), as
 * human-readable text or as JSON lines (`--log-format json`).
 *
 * Library code only calls `getLogger(["nym-node", "<area>"])`; only the executable calls
 * {@linkcode configureLogging}.
 *
 * @module
 */
import {
  configure,
  getJsonLinesFormatter,
  getTextFormatter,
  type LogLevel,
  type LogRecord,
  reset,
  type Sink,
} from "@logtape/logtape";

/** The levels `--log-level` accepts, lowest first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;

/** A `--log-level` value. */
export type LogLevelName = typeof LOG_LEVELS[number];

/** The formats `--log-format` accepts. */
export const LOG_FORMATS = ["text", "json"] as const;

/** A `--log-format` value. */
export type LogFormat = typeof LOG_FORMATS[number];

/** Thrown for an unknown log level or format name. */
export class InvalidLogSettingError extends Error {
  override name = "InvalidLogSettingError";
}

/**
 * Parses a log level name (case-insensitive; `warn` is accepted for `warning`).
 *
 * @example
 * ```ts
 * import { parseLogLevel } from "./logging.ts";
 * parseLogLevel("WARN"); // "warning"
 * ```
 */
export function parseLogLevel(text: string): LogLevelName {
  const lower = text.trim().toLowerCase();
  const name = lower === "warn" ? "warning" : lower;
  if ((LOG_LEVELS as readonly string[]).includes(name)) return name as LogLevelName;
  throw new InvalidLogSettingError(
    `unknown log level ${JSON.stringify(text)} (expected one of ${LOG_LEVELS.join(", ")})`,
  );
}

/**
 * Parses a log format name.
 *
 * @example
 * ```ts
 * import { parseLogFormat } from "./logging.ts";
 * parseLogFormat("json"); // "json"
 * ```
 */
export function parseLogFormat(text: string): LogFormat {
  const lower = text.trim().toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(lower)) return lower as LogFormat;
  throw new InvalidLogSettingError(
    `unknown log format ${JSON.stringify(text)} (expected one of ${LOG_FORMATS.join(", ")})`,
  );
}

/** Options for {@linkcode configureLogging}. */
export interface LoggingOptions {
  /** Lowest level written. */
  readonly level: LogLevelName;
  /** Text or JSON lines. */
  readonly format: LogFormat;
  /** Receives each formatted line (with its trailing newline); defaults to standard error. */
  readonly write?: (line: string) => void;
}

/**
 * Writes text to standard error synchronously, so nothing is lost when the process exits.
 *
 * @example
 * ```ts
 * import { writeStderr } from "./logging.ts";
 * writeStderr("hello\n");
 * ```
 */
export function writeStderr(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
}

/**
 * Builds the console sink: formats a record as text or a JSON line and hands it to `write`.
 *
 * @example
 * ```ts
 * import { createConsoleSink } from "./logging.ts";
 * const lines: string[] = [];
 * const sink = createConsoleSink("json", (l) => lines.push(l));
 * ```
 */
export function createConsoleSink(format: LogFormat, write: (line: string) => void): Sink {
  const formatter = format === "json"
    ? getJsonLinesFormatter({ properties: "flatten" })
    : getTextFormatter({ timestamp: "date-time-timezone", value: "bare" });
  return (record: LogRecord) => {
    const line = formatter(record);
    write(line.endsWith("\n") ? line : `${line}\n`);
  };
}

/**
 * Configures LogTape for the `["nym-node"]` category tree (replacing any earlier setup).
 *
 * @example
 * ```ts no-eval
 * import { configureLogging } from "./logging.ts";
 * await configureLogging({ level: "info", format: "text" });
 * ```
 */
export async function configureLogging(options: LoggingOptions): Promise<void> {
  const sink = createConsoleSink(options.format, options.write ?? writeStderr);
  await configure({
    reset: true,
    sinks: { console: sink },
    loggers: [
      { category: ["nym-node"], lowestLevel: options.level as LogLevel, sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
}

/**
 * Removes the LogTape configuration (used by tests).
 *
 * @example
 * ```ts no-eval
 * import { resetLogging } from "./logging.ts";
 * await resetLogging();
 * ```
 */
export async function resetLogging(): Promise<void> {
  await reset();
}
