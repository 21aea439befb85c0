/**
 * `nym-node node-details`: modes, description and public keys of the node (`nym-node.md` §1.2).
 * The real node also prints WireGuard and embedded exit-service keys; this node does not have
 * those yet, so they are left out rather than made up.
 *
 * @module
 */
import { Command } from "commander";
import { createCryptoProvider, encodeBase58 } from "../crypto/mod.ts";
import type { NodeConfig } from "../config/schema.ts";
import type { NodeDescription } from "../config/description.ts";
import type { NodeKeys, SphinxKey } from "../node/keys.ts";
import { loadNodeFiles } from "../node/setup.ts";
import {
  addNodeLocationOptions,
  addOutputOption,
  type CliDependencies,
  loadExistingConfig,
  nodePaths,
} from "./common.ts";

/** A sphinx key as shown (`DisplaySphinxKey`). */
export interface DisplaySphinxKey {
  readonly public_key: string;
  readonly rotation_id: number;
}

/** The details, in the real node's `DisplayDetails` field order. */
export interface NodeDetails {
  readonly current_modes: NodeConfig["modes"];
  readonly description: NodeDescription;
  readonly ed25519_identity_key: string;
  readonly x25519_primary_sphinx_key: DisplaySphinxKey;
  readonly x25519_secondary_sphinx_key: DisplaySphinxKey | null;
  readonly x25519_noise_key: string;
}

function displaySphinxKey(key: SphinxKey): DisplaySphinxKey {
  return { public_key: encodeBase58(key.publicKey), rotation_id: key.rotationId };
}

/**
 * Collects the details of a node.
 *
 * @example
 * ```ts no-eval
 * import { nodeDetails } from "./node_details.ts";
 * nodeDetails(config, keys, description).x25519_primary_sphinx_key.rotation_id;
 * ```
 */
export function nodeDetails(
  config: NodeConfig,
  keys: NodeKeys,
  description: NodeDescription,
): NodeDetails {
  return {
    current_modes: { ...config.modes },
    description,
    ed25519_identity_key: encodeBase58(keys.identity.publicKey),
    x25519_primary_sphinx_key: displaySphinxKey(keys.sphinx.primary),
    x25519_secondary_sphinx_key: keys.sphinx.secondary
      ? displaySphinxKey(keys.sphinx.secondary)
      : null,
    x25519_noise_key: encodeBase58(keys.noise.publicKey),
  };
}

/**
 * The text form.
 *
 * @example
 * ```ts no-eval
 * import { formatNodeDetails } from "./node_details.ts";
 * console.log(formatNodeDetails(details));
 * ```
 */
export function formatNodeDetails(details: NodeDetails): string {
  const modes = details.current_modes;
  const sphinx = (key: DisplaySphinxKey) => `${key.public_key} (rotation: ${key.rotation_id})`;
  const lines = [
    "current mode: NodeModes {",
    `    mixnode: ${modes.mixnode},`,
    `    entry: ${modes.entry},`,
    `    exit: ${modes.exit},`,
    "}",
    `moniker: '${details.description.moniker}'`,
    `website: '${details.description.website}'`,
    `security contact: '${details.description.security_contact}'`,
    `details: '${details.description.details}'`,
    `ed25519 identity: ${details.ed25519_identity_key}`,
    `x25519 primary sphinx: ${sphinx(details.x25519_primary_sphinx_key)}`,
  ];
  if (details.x25519_secondary_sphinx_key) {
    lines.push(`x25519 secondary sphinx: ${sphinx(details.x25519_secondary_sphinx_key)}`);
  }
  lines.push(`x25519 noise: ${details.x25519_noise_key}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Builds the `node-details` subcommand.
 *
 * @example
 * ```ts no-eval
 * import { nodeDetailsCommand } from "./node_details.ts";
 * program.addCommand(nodeDetailsCommand(deps));
 * ```
 */
export function nodeDetailsCommand(deps: CliDependencies): Command {
  const command = new Command("node-details").description("show the details of this node");
  addNodeLocationOptions(command);
  addOutputOption(command, "node details");
  command.action(async (options: { id?: string; configFile?: string; output: "text" | "json" }) => {
    const config = await loadExistingConfig(nodePaths(options, deps.env));
    const files = await loadNodeFiles(config, deps.crypto ?? createCryptoProvider());
    const details = nodeDetails(config, files.keys, files.description);
    deps.output.stdout(
      options.output === "json" ? `${JSON.stringify(details)}\n` : formatNodeDetails(details),
    );
  });
  return command;
}
