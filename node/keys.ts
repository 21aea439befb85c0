/**
 * The node's long-term keys on disk (`nym-node.md` §1.5), PEM files in the data directory:
 *
 * | file | PEM tag | body |
 * |---|---|---|
 * | `ed25519_identity` / `.pub` | `ED25519 PRIVATE KEY` / `ED25519 PUBLIC KEY` | 32-byte seed / public key |
 * | `x25519_sphinx_primary`, `x25519_sphinx_secondary` | `X25519 SPHINX PRIVATE KEY` | rotation id (u32 BE) ‖ 32-byte secret |
 * | `x25519_noise` / `.pub` | `X25519 PRIVATE KEY` / `X25519 PUBLIC KEY` | 32 bytes |
 *
 * Files are created with mode 0600 through a temporary file and a link, never overwritten, and
 * a file that cannot be read or decoded is an error naming it — never a reason to regenerate.
 *
 * @module
 */
import {
  type CryptoProvider,
  decodePem,
  ed25519PublicKey,
  encodePem,
  InvalidPemError,
  type RandomSource,
  systemRandom,
} from "../crypto/mod.ts";
import { writeFileAtomic } from "../config/atomic_write.ts";
import type { NodeConfig } from "../config/schema.ts";

/** PEM tags of the node's key files, as the real node writes them. */
export const PEM_TAGS = {
  ed25519Private: "ED25519 PRIVATE KEY",
  ed25519Public: "ED25519 PUBLIC KEY",
  sphinxPrivate: "X25519 SPHINX PRIVATE KEY",
  x25519Private: "X25519 PRIVATE KEY",
  x25519Public: "X25519 PUBLIC KEY",
} as const;

/** A key file is missing, unreadable, corrupt, or does not match its pair. */
export class KeyFileError extends Error {
  override name = "KeyFileError";
  /** The offending file. */
  readonly path: string;

  /** Creates an error about `path`. */
  constructor(path: string, message: string) {
    super(`key file ${path}: ${message}`);
    this.path = path;
  }
}

/** An Ed25519 identity: 32-byte seed and public key. */
export interface IdentityKeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** An X25519 key pair. */
export interface X25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A sphinx key: an X25519 pair bound to a key-rotation id (`nym-node.md` §1.8). */
export interface SphinxKey extends X25519KeyPair {
  /** The rotation this key belongs to (`u32::MAX` marks a legacy, non-rotating key). */
  readonly rotationId: number;
}

/** Every key the node loads at start-up. */
export interface NodeKeys {
  readonly identity: IdentityKeyPair;
  readonly sphinx: {
    /** The key in use. */
    readonly primary: SphinxKey;
    /** The pre-announced (next) or overlap (previous) key, if any. */
    readonly secondary: SphinxKey | null;
  };
  readonly noise: X25519KeyPair;
}

/** Paths of the key files. */
export interface KeyPaths {
  readonly privateIdentity: string;
  readonly publicIdentity: string;
  readonly primarySphinx: string;
  readonly secondarySphinx: string;
  readonly privateNoise: string;
  readonly publicNoise: string;
}

/**
 * Picks the key paths out of a config's `[storage_paths.keys]`.
 *
 * @example
 * ```ts
 * import { keyPathsFromConfig } from "./keys.ts";
 * import { newConfig } from "../config/mod.ts";
 * keyPathsFromConfig(newConfig("n", "/d")).primarySphinx; // "/d/x25519_sphinx_primary"
 * ```
 */
export function keyPathsFromConfig(config: NodeConfig): KeyPaths {
  const keys = config.storage_paths.keys;
  return {
    privateIdentity: keys.private_ed25519_identity_key_file,
    publicIdentity: keys.public_ed25519_identity_key_file,
    primarySphinx: keys.primary_x25519_sphinx_key_file,
    secondarySphinx: keys.secondary_x25519_sphinx_key_file,
    privateNoise: keys.private_x25519_noise_key_file,
    publicNoise: keys.public_x25519_noise_key_file,
  };
}

/**
 * Serialises a sphinx key's file body: rotation id (u32 big-endian) ‖ 32-byte secret.
 *
 * @example
 * ```ts
 * import { encodeSphinxKeyBody } from "./keys.ts";
 * encodeSphinxKeyBody(7, new Uint8Array(32)).length; // 36
 * ```
 */
export function encodeSphinxKeyBody(rotationId: number, secretKey: Uint8Array): Uint8Array {
  if (!Number.isInteger(rotationId) || rotationId < 0 || rotationId > 0xffff_ffff) {
    throw new RangeError(`rotation id ${rotationId} is not a u32`);
  }
  if (secretKey.length !== 32) throw new RangeError("an x25519 secret key is 32 bytes");
  const out = new Uint8Array(36);
  new DataView(out.buffer).setUint32(0, rotationId, false);
  out.set(secretKey, 4);
  return out;
}

/**
 * Writes one PEM key file (mode 0600). Refuses to replace an existing file.
 *
 * @example
 * ```ts no-eval
 * import { writeKeyFile } from "./keys.ts";
 * await writeKeyFile("/d/x25519_noise", "X25519 PRIVATE KEY", secret);
 * ```
 */
export async function writeKeyFile(path: string, tag: string, body: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, encodePem(tag, body), { mode: 0o600, createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new KeyFileError(path, "already exists; refusing to overwrite an existing key");
    }
    throw new KeyFileError(path, `cannot be written: ${(error as Error).message}`);
  }
}

/**
 * Reads one PEM key file, checking its tag and length.
 *
 * @example
 * ```ts no-eval
 * import { readKeyFile } from "./keys.ts";
 * const seed = await readKeyFile("/d/ed25519_identity", "ED25519 PRIVATE KEY", 32);
 * ```
 */
export async function readKeyFile(path: string, tag: string, length: number): Promise<Uint8Array> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new KeyFileError(path, "is missing");
    throw new KeyFileError(path, `cannot be read: ${(error as Error).message}`);
  }
  let parsed: { tag: string; bytes: Uint8Array };
  try {
    parsed = decodePem(text);
  } catch (error) {
    if (error instanceof InvalidPemError) {
      throw new KeyFileError(path, `is corrupt: ${error.message}`);
    }
    throw error;
  }
  if (parsed.tag !== tag) {
    throw new KeyFileError(path, `is corrupt: PEM tag is "${parsed.tag}", expected "${tag}"`);
  }
  if (parsed.bytes.length !== length) {
    throw new KeyFileError(
      path,
      `is corrupt: holds ${parsed.bytes.length} bytes, expected ${length}`,
    );
  }
  return parsed.bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Loads the identity key pair and checks the public file matches the private one.
 *
 * @example
 * ```ts no-eval
 * import { keyPathsFromConfig, loadIdentityKeyPair } from "./keys.ts";
 * const identity = await loadIdentityKeyPair(keyPathsFromConfig(config));
 * ```
 */
export async function loadIdentityKeyPair(paths: KeyPaths): Promise<IdentityKeyPair> {
  const secretKey = await readKeyFile(paths.privateIdentity, PEM_TAGS.ed25519Private, 32);
  const publicKey = await readKeyFile(paths.publicIdentity, PEM_TAGS.ed25519Public, 32);
  if (!sameBytes(ed25519PublicKey(secretKey), publicKey)) {
    throw new KeyFileError(
      paths.publicIdentity,
      `does not match the private key in ${paths.privateIdentity}`,
    );
  }
  return { secretKey, publicKey };
}

/**
 * Loads a sphinx key file; `optional` makes a missing file return `null`.
 *
 * @example
 * ```ts no-eval
 * import { loadSphinxKey } from "./keys.ts";
 * const primary = await loadSphinxKey("/d/x25519_sphinx_primary", crypto);
 * ```
 */
export async function loadSphinxKey(
  path: string,
  crypto: CryptoProvider,
  optional = false,
): Promise<SphinxKey | null> {
  if (optional) {
    try {
      await Deno.lstat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
    }
  }
  const body = await readKeyFile(path, PEM_TAGS.sphinxPrivate, 36);
  const rotationId = new DataView(body.buffer, body.byteOffset).getUint32(0, false);
  const secretKey = body.slice(4);
  return { rotationId, secretKey, publicKey: crypto.x25519Base(secretKey) };
}

/**
 * Loads the Noise key pair and checks the public file matches the private one.
 *
 * @example
 * ```ts no-eval
 * import { keyPathsFromConfig, loadNoiseKeyPair } from "./keys.ts";
 * const noise = await loadNoiseKeyPair(keyPathsFromConfig(config), crypto);
 * ```
 */
export async function loadNoiseKeyPair(
  paths: KeyPaths,
  crypto: CryptoProvider,
): Promise<X25519KeyPair> {
  const secretKey = await readKeyFile(paths.privateNoise, PEM_TAGS.x25519Private, 32);
  const publicKey = await readKeyFile(paths.publicNoise, PEM_TAGS.x25519Public, 32);
  if (!sameBytes(crypto.x25519Base(secretKey), publicKey)) {
    throw new KeyFileError(
      paths.publicNoise,
      `does not match the private key in ${paths.privateNoise}`,
    );
  }
  return { secretKey, publicKey };
}

/**
 * Loads every key the node needs at start-up.
 *
 * @example
 * ```ts no-eval
 * import { keyPathsFromConfig, loadNodeKeys } from "./keys.ts";
 * const keys = await loadNodeKeys(keyPathsFromConfig(config), crypto);
 * ```
 */
export async function loadNodeKeys(paths: KeyPaths, crypto: CryptoProvider): Promise<NodeKeys> {
  const identity = await loadIdentityKeyPair(paths);
  const primary = (await loadSphinxKey(paths.primarySphinx, crypto))!;
  const secondary = await loadSphinxKey(paths.secondarySphinx, crypto, true);
  const noise = await loadNoiseKeyPair(paths, crypto);
  return { identity, sphinx: { primary, secondary }, noise };
}

/** Inputs of {@linkcode generateNodeKeys}. */
export interface GenerateKeysOptions {
  /** Computes X25519 public keys. */
  readonly crypto: CryptoProvider;
  /** Source of the secret keys (default: the system CSPRNG). */
  readonly random?: RandomSource;
  /** Rotation id of the first sphinx key (from nym-api, 0 if unknown). */
  readonly rotationId: number;
}

/**
 * Generates a new identity, primary sphinx and Noise key and writes their files. Fails, without
 * touching it, if any key file already exists.
 *
 * @example
 * ```ts no-eval
 * import { generateNodeKeys, keyPathsFromConfig } from "./keys.ts";
 * const keys = await generateNodeKeys(keyPathsFromConfig(config), { crypto, rotationId: 0 });
 * ```
 */
export async function generateNodeKeys(
  paths: KeyPaths,
  options: GenerateKeysOptions,
): Promise<NodeKeys> {
  const random = options.random ?? systemRandom;
  for (
    const path of [
      paths.privateIdentity,
      paths.publicIdentity,
      paths.primarySphinx,
      paths.secondarySphinx,
      paths.privateNoise,
      paths.publicNoise,
    ]
  ) {
    const exists = await Deno.lstat(path).then(() => true, () => false);
    if (exists) {
      throw new KeyFileError(
        path,
        "already exists but the node has no config (an earlier initialisation may have been " +
          "interrupted); refusing to overwrite an existing key: move the data directory away to start over",
      );
    }
  }
  const identitySecret = random(32);
  const identity = { secretKey: identitySecret, publicKey: ed25519PublicKey(identitySecret) };
  const sphinxSecret = random(32);
  const primary: SphinxKey = {
    rotationId: options.rotationId,
    secretKey: sphinxSecret,
    publicKey: options.crypto.x25519Base(sphinxSecret),
  };
  const noiseSecret = random(32);
  const noise = { secretKey: noiseSecret, publicKey: options.crypto.x25519Base(noiseSecret) };

  await writeKeyFile(paths.privateIdentity, PEM_TAGS.ed25519Private, identity.secretKey);
  await writeKeyFile(paths.publicIdentity, PEM_TAGS.ed25519Public, identity.publicKey);
  await writeKeyFile(
    paths.primarySphinx,
    PEM_TAGS.sphinxPrivate,
    encodeSphinxKeyBody(primary.rotationId, primary.secretKey),
  );
  await writeKeyFile(paths.privateNoise, PEM_TAGS.x25519Private, noise.secretKey);
  await writeKeyFile(paths.publicNoise, PEM_TAGS.x25519Public, noise.publicKey);
  return { identity, sphinx: { primary, secondary: null }, noise };
}
