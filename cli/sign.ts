/**
 * `nym-node sign --text <text> | --contract-msg <bs58>`: signs with the node's identity key
 * (`nym-node.md` §1.2). Output: `{"encoded_message": ..., "encoded_signature": bs58(sig)}`.
 *
 * @module
 */
import { Command, Option } from "commander";
import { decodeBase58, ed25519Sign, encodeBase58, InvalidBase58Error } from "../crypto/mod.ts";
import { keyPathsFromConfig, loadIdentityKeyPair } from "../node/keys.ts";
import {
  addNodeLocationOptions,
  addOutputOption,
  type CliDependencies,
  CliError,
  loadExistingConfig,
  nodePaths,
} from "./common.ts";

/** `ConsoleSigningOutput`. */
export interface SigningOutput {
  readonly encoded_message: string;
  readonly encoded_signature: string;
}

/**
 * Signs UTF-8 text.
 *
 * @example
 * ```ts
 * import { signText } from "./sign.ts";
 * signText(new Uint8Array(32), "hello").encoded_message; // "hello"
 * ```
 */
export function signText(identitySecret: Uint8Array, text: string): SigningOutput {
  const signature = ed25519Sign(identitySecret, new TextEncoder().encode(text));
  return { encoded_message: text, encoded_signature: encodeBase58(signature) };
}

/**
 * Signs a base58-encoded contract message: it must decode to JSON; the decoded bytes are signed.
 *
 * @example
 * ```ts
 * import { signContractMessage } from "./sign.ts";
 * import { encodeBase58 } from "../crypto/mod.ts";
 * const msg = encodeBase58(new TextEncoder().encode('{"a":1}'));
 * signContractMessage(new Uint8Array(32), msg).encoded_message; // '{"a":1}'
 * ```
 */
export function signContractMessage(identitySecret: Uint8Array, encoded: string): SigningOutput {
  const invalid = new CliError(
    "the contract message is not base58-encoded JSON; make sure you copied all of it",
  );
  let decoded: Uint8Array;
  try {
    decoded = decodeBase58(encoded.trim());
  } catch (error) {
    if (error instanceof InvalidBase58Error) throw invalid;
    throw error;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(decoded);
    JSON.parse(text);
  } catch {
    throw invalid;
  }
  return {
    encoded_message: text,
    encoded_signature: encodeBase58(ed25519Sign(identitySecret, decoded)),
  };
}

/**
 * The text form (as the real node prints it).
 *
 * @example
 * ```ts
 * import { formatSigningOutput } from "./sign.ts";
 * formatSigningOutput({ encoded_message: "m", encoded_signature: "s" });
 * // "the base58-encoded signature on: 'm' is:\ns\n"
 * ```
 */
export function formatSigningOutput(output: SigningOutput): string {
  return `the base58-encoded signature on: '${output.encoded_message}' is:\n${output.encoded_signature}\n`;
}

/**
 * Builds the `sign` subcommand.
 *
 * @example
 * ```ts no-eval
 * import { signCommand } from "./sign.ts";
 * program.addCommand(signCommand(deps));
 * ```
 */
export function signCommand(deps: CliDependencies): Command {
  const command = new Command("sign").description("sign a message with this node's identity key");
  addNodeLocationOptions(command);
  command
    .addOption(new Option("--text <text>", "sign arbitrary text").conflicts("contractMsg"))
    .addOption(
      new Option("--contract-msg <bs58>", "sign a base58-encoded payload for the smart contract"),
    );
  addOutputOption(command, "signature");
  command.action(
    async (
      options: {
        id?: string;
        configFile?: string;
        text?: string;
        contractMsg?: string;
        output: "text" | "json";
      },
    ) => {
      if (options.text === undefined && options.contractMsg === undefined) {
        throw new CliError("one of --text or --contract-msg is required");
      }
      const config = await loadExistingConfig(nodePaths(options, deps.env));
      const identity = await loadIdentityKeyPair(keyPathsFromConfig(config));
      let result: SigningOutput;
      if (options.text !== undefined) {
        deps.output.stderr(
          `Signing the text ${
            JSON.stringify(options.text)
          } using your node's Ed25519 identity key...\n`,
        );
        result = signText(identity.secretKey, options.text);
      } else {
        result = signContractMessage(identity.secretKey, options.contractMsg!);
      }
      deps.output.stdout(
        options.output === "json" ? `${JSON.stringify(result)}\n` : formatSigningOutput(result),
      );
    },
  );
  return command;
}
