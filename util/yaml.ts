/**
 * A small YAML emitter for the HTTP API's `?output=yaml` (`nym-node.md` §2): block style like
 * `serde_yaml`, strings quoted whenever a plain scalar could be misread.
 *
 * @module
 */

/** Thrown for values YAML output cannot represent (functions, symbols, cycles, non-finite). */
export class YamlEncodeError extends Error {
  override name = "YamlEncodeError";
}

// Plain scalars YAML 1.1/1.2 parsers would read as something other than a string.
const RESERVED =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|\.inf|\.Inf|\.INF|-\.inf|-\.Inf|-\.INF|\.nan|\.NaN|\.NAN)$/;
const NUMBER_LIKE = /^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0[xob]/;

function needsQuotes(text: string): boolean {
  if (text === "") return true;
  if (RESERVED.test(text) || NUMBER_LIKE.test(text)) return true;
  if (/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(text) || /\s$/.test(text)) return true;
  if (text.includes(": ") || text.includes(" #") || text.endsWith(":")) return true;
  // deno-lint-ignore no-control-regex
  return /[\u0000-\u001f\u007f\u2028\u2029]/.test(text);
}

function scalar(value: unknown): string | null {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new YamlEncodeError(`cannot encode ${value}`);
    return String(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return needsQuotes(value) ? JSON.stringify(value) : value;
  if (typeof value === "function" || typeof value === "symbol") {
    throw new YamlEncodeError(`cannot encode a ${typeof value}`);
  }
  return null;
}

function isEmptyCollection(value: unknown): string | null {
  if (Array.isArray(value) && value.length === 0) return "[]";
  if (
    typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.keys(value).length === 0
  ) return "{}";
  return null;
}

function emit(value: unknown, indent: string, seen: Set<unknown>, out: string[]): void {
  if (seen.has(value)) throw new YamlEncodeError("cannot encode a cyclic structure");
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const inline = scalar(item) ?? isEmptyCollection(item);
      if (inline !== null) {
        out.push(`${indent}- ${inline}`);
      } else {
        // Nested collection: its first line goes after "- ", the rest indented by two.
        const nested: string[] = [];
        emit(item, "", seen, nested);
        out.push(`${indent}- ${nested[0]}`);
        for (const line of nested.slice(1)) out.push(`${indent}  ${line}`);
      }
    }
  } else {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === undefined) continue;
      const name = needsQuotes(key) ? JSON.stringify(key) : key;
      const inline = scalar(item) ?? isEmptyCollection(item);
      if (inline !== null) {
        out.push(`${indent}${name}: ${inline}`);
      } else {
        out.push(`${indent}${name}:`);
        // serde_yaml style: sequences under a key are not indented further.
        emit(item, Array.isArray(item) ? indent : `${indent}  `, seen, out);
      }
    }
  }
  seen.delete(value);
}

/**
 * Encodes a JSON-like value as a YAML document (ending with a newline).
 *
 * @example
 * ```ts
 * import { toYaml } from "./yaml.ts";
 * toYaml({ status: "up", uptime: 5 }); // "status: up\nuptime: 5\n"
 * ```
 */
export function toYaml(value: unknown): string {
  const inline = scalar(value) ?? isEmptyCollection(value);
  if (inline !== null) return `${inline}\n`;
  const out: string[] = [];
  emit(value, "", new Set(), out);
  return `${out.join("\n")}\n`;
}
