/**
 * `nym-node bonding-information`: what an operator enters when bonding the node —
 * `{"host": ..., "identity_key": ...}` (`nym-node.md` §1.2).
 *
 * @module
 */
import { Command } from "commander";
import { encodeBase58 } from "../crypto/mod.ts";
import type { NodeConfig } from "../config/schema.ts";
import { isLoopbackIp, isUnspecifiedIp, parseIp } from "../util/net.ts";
import { keyPathsFromConfig, loadIdentityKeyPair } from "../node/keys.ts";
import {
  addNodeLocationOptions,
  addOutputOption,
  type CliDependencies,
  loadExistingConfig,
  nodePaths,
} from "./common.ts";

/** Bonding information, in the real node's field order. */
export interface BondingInformation {
  readonly host: string;
  readonly identity_key: string;
}

/** Shown as the host when the node announces neither a hostname nor a usable IP. */
export const NO_KNOWN_HOST = "NO KNOWN VALID HOSTNAMES - YOU NEED TO FILL IT MANUALLY";

/**
 * The bonding host is the hostname, else the first public IP unless it is loopback, multicast
 * or unspecified.
 *
 * @example
 * ```ts no-eval
 * import { bondingInformation } from "./bonding_information.ts";
 * bondingInformation(config, "2RMW…"); // { host: "1.2.3.4", identity_key: "2RMW…" }
 * ```
 */
export function bondingInformation(config: NodeConfig, identityKey: string): BondingInformation {
  let host = NO_KNOWN_HOST;
  if (config.host.hostname) {
    host = config.host.hostname;
  } else if (config.host.public_ips.length > 0) {
    const ip = parseIp(config.host.public_ips[0]);
    const multicast = ip.family === 4
      ? ip.bytes[0] >= 224 && ip.bytes[0] <= 239
      : ip.bytes[0] === 0xff;
    if (!isLoopbackIp(ip) && !isUnspecifiedIp(ip) && !multicast) host = config.host.public_ips[0];
  }
  return { host, identity_key: identityKey };
}

/**
 * The text form (as the real node prints it).
 *
 * @example
 * ```ts
 * import { formatBondingInformation } from "./bonding_information.ts";
 * formatBondingInformation({ host: "1.2.3.4", identity_key: "abc" }).startsWith("Identity Key: abc\n"); // true
 * ```
 */
export function formatBondingInformation(info: BondingInformation): string {
  return `Identity Key: ${info.identity_key}\nHost: ${info.host}\n` +
    "Custom HTTP Port: you might want to set it if your node won't be accessible on any of the ports: 80/443/8080\n";
}

/**
 * Builds the `bonding-information` subcommand.
 *
 * @example
 * ```ts no-eval
 * import { bondingInformationCommand } from "./bonding_information.ts";
 * program.addCommand(bondingInformationCommand(deps));
 * ```
 */
export function bondingInformationCommand(deps: CliDependencies): Command {
  const command = new Command("bonding-information").description(
    "show the bonding information of this node",
  );
  addNodeLocationOptions(command);
  addOutputOption(command, "bonding information");
  command.action(async (options: { id?: string; configFile?: string; output: "text" | "json" }) => {
    const config = await loadExistingConfig(nodePaths(options, deps.env));
    const identity = await loadIdentityKeyPair(keyPathsFromConfig(config));
    const info = bondingInformation(config, encodeBase58(identity.publicKey));
    deps.output.stdout(
      options.output === "json" ? `${JSON.stringify(info)}\n` : formatBondingInformation(info),
    );
  });
  return command;
}
