/**
 * A signer's home directory, as `nym-node signer init` creates it and `signer run` reads it:
 *
 * | file | content |
 * | --- | --- |
 * | `config.toml` | `[signer]` `bind_address`, `announce_address`, `peers` |
 * | `ecash_key.json` | the dealt key share (`key_files.ts`), mode 0600 |
 * | `ed25519_identity` | PEM `ED25519 PRIVATE KEY` signing `/signer-status` answers, mode 0600 |
 * | `ecash_signer.sqlite` | bookkeeping (`storage.ts`) |
 *
 * Keys are never overwritten: `init` refuses an existing home.
 *
 * @module
 */
import { parse, stringify, TomlError } from "smol-toml";
import { writeFileAtomic } from "../../config/atomic_write.ts";
import { type Ed25519KeyPair, ed25519PublicKey } from "../../crypto/ed25519.ts";
import type { RandomSource } from "../../crypto/random.ts";
import { PEM_TAGS, readKeyFile, writeKeyFile } from "../../node/keys.ts";
import { InvalidAddressError, parseSocketAddress } from "../../util/net.ts";
import type { EcashParameters } from "../params.ts";
import { EcashError } from "../errors.ts";
import { parseSignerKeyShare, type SignerKeyShare } from "./key_files.ts";

/**
 * The signer home is missing, incomplete, or its config is invalid.
 *
 * @example
 * ```ts
 * import { SignerHomeError } from "./home.ts";
 * new SignerHomeError("config.toml: signer.port: unknown key").name; // "SignerHomeError"
 * ```
 */
export class SignerHomeError extends EcashError {
  override name = "SignerHomeError";
}

/**
 * File names inside a signer home.
 *
 * @example
 * ```ts
 * import { SIGNER_FILES } from "./home.ts";
 * SIGNER_FILES.database; // "ecash_signer.sqlite"
 * ```
 */
export const SIGNER_FILES = {
  config: "config.toml",
  key: "ecash_key.json",
  identity: "ed25519_identity",
  database: "ecash_signer.sqlite",
} as const;

/** `config.toml`'s `[signer]` section. */
export interface SignerConfig {
  /** Listen address of the HTTP API (`127.0.0.1:8000`; port 0 picks one). */
  readonly bindAddress: string;
  /** Public base URL; empty means `http://<bound address>`. */
  readonly announceAddress: string;
  /** Base URLs of the other signers (for the aggregated endpoints). */
  readonly peers: readonly string[];
}

/**
 * Default listen address.
 *
 * @example
 * ```ts
 * import { DEFAULT_SIGNER_BIND_ADDRESS } from "./home.ts";
 * DEFAULT_SIGNER_BIND_ADDRESS; // "127.0.0.1:8000"
 * ```
 */
export const DEFAULT_SIGNER_BIND_ADDRESS = "127.0.0.1:8000";

function checkUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SignerHomeError(`${what}: ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SignerHomeError(`${what}: ${JSON.stringify(value)} is not an http(s) URL`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * Validates a config (addresses parse, URLs are http(s)); returns it normalised.
 *
 * @example
 * ```ts
 * import { checkSignerConfig } from "./home.ts";
 * checkSignerConfig({ bindAddress: "127.0.0.1:0", announceAddress: "", peers: [] }).bindAddress;
 * // "127.0.0.1:0"
 * ```
 */
export function checkSignerConfig(config: SignerConfig): SignerConfig {
  try {
    parseSocketAddress(config.bindAddress);
  } catch (e) {
    if (e instanceof InvalidAddressError) {
      throw new SignerHomeError(`signer.bind_address: ${e.message}`);
    }
    throw e;
  }
  return {
    bindAddress: config.bindAddress,
    announceAddress: config.announceAddress === ""
      ? ""
      : checkUrl(config.announceAddress, "signer.announce_address"),
    peers: config.peers.map((p, i) => checkUrl(p, `signer.peers[${i}]`)),
  };
}

/**
 * The TOML text of a config.
 *
 * @example
 * ```ts
 * import { encodeSignerConfig } from "./home.ts";
 * encodeSignerConfig({ bindAddress: "127.0.0.1:8000", announceAddress: "", peers: [] })
 *   .startsWith("[signer]"); // true
 * ```
 */
export function encodeSignerConfig(config: SignerConfig): string {
  return stringify({
    signer: {
      bind_address: config.bindAddress,
      announce_address: config.announceAddress,
      peers: [...config.peers],
    },
  }) + "\n";
}

/**
 * Parses `config.toml` (unknown keys are errors).
 *
 * @example
 * ```ts
 * import { parseSignerConfig } from "./home.ts";
 * parseSignerConfig('[signer]\nbind_address = "127.0.0.1:0"\n').peers; // []
 * ```
 */
export function parseSignerConfig(text: string, path: string = SIGNER_FILES.config): SignerConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) throw new SignerHomeError(`${path}: ${e.message.split("\n")[0]}`);
    throw e;
  }
  for (const key of Object.keys(doc)) {
    if (key !== "signer") throw new SignerHomeError(`${path}: unknown section "${key}"`);
  }
  const s = (doc.signer ?? {}) as Record<string, unknown>;
  if (typeof s !== "object" || Array.isArray(s)) {
    throw new SignerHomeError(`${path}: [signer] must be a table`);
  }
  const known = ["bind_address", "announce_address", "peers"];
  for (const key of Object.keys(s)) {
    if (!known.includes(key)) throw new SignerHomeError(`${path}: signer.${key}: unknown key`);
  }
  const str = (key: string, fallback: string) => {
    const v = s[key] ?? fallback;
    if (typeof v !== "string") throw new SignerHomeError(`${path}: signer.${key} must be a string`);
    return v;
  };
  const peers = s.peers ?? [];
  if (!Array.isArray(peers) || peers.some((p) => typeof p !== "string")) {
    throw new SignerHomeError(`${path}: signer.peers must be a list of URLs`);
  }
  try {
    return checkSignerConfig({
      bindAddress: str("bind_address", DEFAULT_SIGNER_BIND_ADDRESS),
      announceAddress: str("announce_address", ""),
      peers: peers as string[],
    });
  } catch (e) {
    if (e instanceof SignerHomeError) throw new SignerHomeError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Creates a signer home: checks and copies the key share, writes a fresh ed25519 identity and
 * the config. Refuses a directory that already holds a config or keys.
 *
 * @example
 * ```ts no-eval
 * await initSignerHome(home, params, await Deno.readTextFile("keys/signer-1.json"), config, systemRandom);
 * ```
 */
export async function initSignerHome(
  home: string,
  params: EcashParameters,
  keyShareText: string,
  config: SignerConfig,
  random: RandomSource,
): Promise<SignerKeyShare> {
  const share = parseSignerKeyShare(params, keyShareText);
  const checked = checkSignerConfig(config);
  for (const name of [SIGNER_FILES.config, SIGNER_FILES.key, SIGNER_FILES.identity]) {
    try {
      await Deno.lstat(`${home}/${name}`);
      throw new SignerHomeError(`${home}/${name} already exists; refusing to overwrite it`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  await Deno.mkdir(home, { recursive: true, mode: 0o700 });
  await writeFileAtomic(`${home}/${SIGNER_FILES.key}`, keyShareText, {
    mode: 0o600,
    createNew: true,
  });
  await writeKeyFile(`${home}/${SIGNER_FILES.identity}`, PEM_TAGS.ed25519Private, random(32));
  await writeFileAtomic(`${home}/${SIGNER_FILES.config}`, encodeSignerConfig(checked), {
    mode: 0o644,
    createNew: true,
  });
  return share;
}

/**
 * Loads a signer home created by {@linkcode initSignerHome}.
 *
 * @example
 * ```ts no-eval
 * const { config, keys, identity } = await loadSignerHome(home, params);
 * ```
 */
export async function loadSignerHome(
  home: string,
  params: EcashParameters,
): Promise<{ config: SignerConfig; keys: SignerKeyShare; identity: Ed25519KeyPair }> {
  const read = async (name: string) => {
    try {
      return await Deno.readTextFile(`${home}/${name}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new SignerHomeError(
          `${home}/${name} is missing; create the signer with \`nym-node signer init\``,
        );
      }
      throw new SignerHomeError(`${home}/${name} cannot be read: ${(e as Error).message}`);
    }
  };
  const configPath = `${home}/${SIGNER_FILES.config}`;
  const config = parseSignerConfig(await read(SIGNER_FILES.config), configPath);
  const keyPath = `${home}/${SIGNER_FILES.key}`;
  const keys = parseSignerKeyShare(params, await read(SIGNER_FILES.key), keyPath);
  const secretKey = await readKeyFile(
    `${home}/${SIGNER_FILES.identity}`,
    PEM_TAGS.ed25519Private,
    32,
  );
  return { config, keys, identity: { secretKey, publicKey: ed25519PublicKey(secretKey) } };
}
