/**
 * The operator-editable `description.toml` in the data directory (`nym-node.md` §1.5), served
 * at `/api/v1/description`: `moniker`, `website`, `security_contact`, `details`.
 *
 * @module
 */
import { parse, stringify, TomlError } from "smol-toml";
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { string } from "./fields.ts";
import { formatConfigIssues } from "./io.ts";
import { writeFileAtomic } from "./atomic_write.ts";

/** Schema of `description.toml`; every field defaults to `''`. */
export const descriptionSchema = z.strictObject({
  moniker: string().default(""),
  website: string().default(""),
  security_contact: string().default(""),
  details: string().default(""),
});

/** The node description (field order as the real node's `NodeDescription`). */
export type NodeDescription = z.output<typeof descriptionSchema>;

/**
 * An empty description.
 *
 * @example
 * ```ts
 * import { emptyDescription } from "./description.ts";
 * emptyDescription().moniker; // ""
 * ```
 */
export function emptyDescription(): NodeDescription {
  return { moniker: "", website: "", security_contact: "", details: "" };
}

/**
 * Reads `description.toml`; a missing file is an error naming it.
 *
 * @example
 * ```ts no-eval
 * import { loadDescription } from "./description.ts";
 * const description = await loadDescription("/srv/nym/data/description.toml");
 * ```
 */
export async function loadDescription(path: string): Promise<NodeDescription> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the node description: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ConfigError(`${path}: invalid TOML at line ${error.line}, column ${error.column}`);
    }
    throw error;
  }
  const result = descriptionSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(formatConfigIssues(path, result.error.issues));
  return result.data;
}

/**
 * Writes `description.toml` atomically.
 *
 * @example
 * ```ts no-eval
 * import { emptyDescription, saveDescription } from "./description.ts";
 * await saveDescription("/srv/nym/data/description.toml", emptyDescription());
 * ```
 */
export async function saveDescription(path: string, description: NodeDescription): Promise<void> {
  const text = "# Human-readable description of this nym-node, served at /api/v1/description.\n" +
    stringify(z.encode(descriptionSchema, description)) + "\n";
  try {
    await writeFileAtomic(path, text, { mode: 0o644 });
  } catch (error) {
    throw new ConfigError(
      `${path}: cannot write the node description: ${(error as Error).message}`,
    );
  }
}
