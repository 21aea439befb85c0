/**
 * Persistent keys of the embedded network requester, at the node's
 * `[service_providers.storage_paths.network_requester]` paths (`nym-node.md` §1.5:
 * `ed25519_nr_identity{,.pub}`, `x25519_nr_dh{,.pub}`, `aes128ctr_nr_ack`), as PEM files with
 * the Rust client's tags. Its address therefore survives restarts.
 *
 * The gateway registration and the reply state are kept in memory: the requester registers
 * again with its own gateway at every start (a loopback handshake), and reply SURBs from before
 * a restart belong to connections that died with it. (Upstream keeps both in SQLite files at
 * `gateway_registrations` / `reply_surb_database`; we leave those paths unused.)
 *
 * @module
 */
import { dirname } from "node:path";
import { decodePem, encodePem, InvalidPemError } from "../crypto/pem.ts";
import { writeFileAtomic } from "../config/atomic_write.ts";
import type { NodeConfig } from "../config/schema.ts";
import { type ClientKeys, ClientStorageError, MemoryClientStorage } from "../client/mod.ts";
import { CLIENT_PEM_TAGS as TAGS } from "../client/storage/file.ts";

/** The key file paths of a provider. */
export type ProviderKeyPaths =
  NodeConfig["service_providers"]["storage_paths"]["network_requester"];

async function readOptional(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new ClientStorageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Client storage with the keys in the provider's key files; everything else in memory.
 *
 * @example
 * ```ts no-eval
 * const storage = new ProviderClientStorage(config.service_providers.storage_paths.network_requester);
 * await storage.loadKeys(); // null on first start
 * ```
 */
export class ProviderClientStorage extends MemoryClientStorage {
  readonly #paths: ProviderKeyPaths;

  /** Keys at `paths`. */
  constructor(paths: ProviderKeyPaths) {
    super();
    this.#paths = paths;
  }

  #files(): [string, string, number, number][] {
    const p = this.#paths;
    return [
      [p.private_ed25519_identity_key_file, TAGS.ed25519Private, 32, 0o600],
      [p.public_ed25519_identity_key_file, TAGS.ed25519Public, 32, 0o644],
      [p.private_x25519_diffie_hellman_key_file, TAGS.x25519Private, 32, 0o600],
      [p.public_x25519_diffie_hellman_key_file, TAGS.x25519Public, 32, 0o644],
      [p.ack_key_file, TAGS.ackKey, 16, 0o600],
    ];
  }

  /** @inheritdoc */
  override async loadKeys(): Promise<ClientKeys | null> {
    const parts: (Uint8Array | null)[] = [];
    for (const [path, tag, length] of this.#files()) {
      const text = await readOptional(path);
      if (text === null) {
        parts.push(null);
        continue;
      }
      try {
        const pem = decodePem(text);
        if (pem.tag !== tag) {
          throw new InvalidPemError(`PEM tag is "${pem.tag}", expected "${tag}"`);
        }
        if (pem.bytes.length !== length) {
          throw new InvalidPemError(`the key is ${pem.bytes.length} bytes, expected ${length}`);
        }
        parts.push(pem.bytes);
      } catch (e) {
        if (e instanceof InvalidPemError) {
          throw new ClientStorageError(`${path} is corrupt: ${e.message}`);
        }
        throw e;
      }
    }
    const present = parts.filter((p) => p !== null).length;
    if (present === 0) return null;
    if (present !== parts.length) {
      throw new ClientStorageError(
        "only some of the network requester's key files exist; refusing to replace them",
      );
    }
    const [idSk, idPk, encSk, encPk, ack] = parts as Uint8Array[];
    return {
      identity: { secretKey: idSk, publicKey: idPk },
      encryption: { secretKey: encSk, publicKey: encPk },
      ackKey: ack,
    };
  }

  /** @inheritdoc */
  override async storeKeys(keys: ClientKeys): Promise<void> {
    const values = [
      keys.identity.secretKey,
      keys.identity.publicKey,
      keys.encryption.secretKey,
      keys.encryption.publicKey,
      keys.ackKey,
    ];
    const files = this.#files();
    for (let i = 0; i < files.length; i++) {
      const [path, tag, , mode] = files[i];
      try {
        await Deno.mkdir(dirname(path), { recursive: true });
        await writeFileAtomic(path, encodePem(tag, values[i]), { mode, createNew: true });
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) {
          throw new ClientStorageError(`${path} already exists; refusing to replace it`);
        }
        throw new ClientStorageError(`cannot write ${path}: ${(e as Error).message}`);
      }
    }
  }
}
