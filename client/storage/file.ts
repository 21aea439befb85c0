/**
 * Deno file storage for a client's data directory, with the native client's file names
 * (`clients.md` §1.1): PEM key files `private_identity.pem`, `public_identity.pem`,
 * `private_encryption.pem`, `public_encryption.pem`, `ack_key.pem`, plus
 * `gateway_registration.json` and `reply_store.json` (upstream keeps the last two in SQLite;
 * these are JSON). Files holding secrets are written atomically with mode 0600; a file that
 * cannot be read or parsed is an error naming it, never a reason to regenerate keys.
 *
 * Deno only: not part of the browser-safe core (`client/mod.ts`).
 *
 * @module
 */
import { base64 } from "@scure/base";
import { decodePem, encodePem, InvalidPemError } from "../../crypto/pem.ts";
import { writeFileAtomic } from "../../config/atomic_write.ts";
import { ClientStorageError } from "../errors.ts";
import type { ClientKeys } from "../keys.ts";
import type { ClientStorage, GatewayRegistration } from "./storage.ts";

/** File names inside the data directory. */
export const CLIENT_DATA_FILES = {
  privateIdentity: "private_identity.pem",
  publicIdentity: "public_identity.pem",
  privateEncryption: "private_encryption.pem",
  publicEncryption: "public_encryption.pem",
  ackKey: "ack_key.pem",
  gatewayRegistration: "gateway_registration.json",
  replyStore: "reply_store.json",
} as const;

/** PEM tags as the Rust client writes them. */
export const CLIENT_PEM_TAGS = {
  ed25519Private: "ED25519 PRIVATE KEY",
  ed25519Public: "ED25519 PUBLIC KEY",
  x25519Private: "X25519 PRIVATE KEY",
  x25519Public: "X25519 PUBLIC KEY",
  ackKey: "AES-128-CTR ACKNOWLEDGEMENTS KEY",
} as const;

async function readOptional(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new ClientStorageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * A client's data directory.
 *
 * @example
 * ```ts no-eval
 * import { FileClientStorage } from "./file.ts";
 * const storage = new FileClientStorage("/home/me/.nym/clients/alice/data");
 * await storage.loadKeys();
 * ```
 */
export class FileClientStorage implements ClientStorage {
  /** The data directory. */
  readonly dir: string;

  /** Uses `dir` (created on first write). */
  constructor(dir: string) {
    this.dir = dir;
  }

  #path(name: string): string {
    return `${this.dir}/${name}`;
  }

  async #readKey(name: string, tag: string, length: number): Promise<Uint8Array | null> {
    const path = this.#path(name);
    const text = await readOptional(path);
    if (text === null) return null;
    try {
      const pem = decodePem(text);
      if (pem.tag !== tag) throw new InvalidPemError(`PEM tag is "${pem.tag}", expected "${tag}"`);
      if (pem.bytes.length !== length) {
        throw new InvalidPemError(`the key is ${pem.bytes.length} bytes, expected ${length}`);
      }
      return pem.bytes;
    } catch (e) {
      if (e instanceof InvalidPemError) {
        throw new ClientStorageError(`${path} is corrupt: ${e.message}`);
      }
      throw e;
    }
  }

  /** @inheritdoc */
  async loadKeys(): Promise<ClientKeys | null> {
    const f = CLIENT_DATA_FILES, t = CLIENT_PEM_TAGS;
    const parts = [
      await this.#readKey(f.privateIdentity, t.ed25519Private, 32),
      await this.#readKey(f.publicIdentity, t.ed25519Public, 32),
      await this.#readKey(f.privateEncryption, t.x25519Private, 32),
      await this.#readKey(f.publicEncryption, t.x25519Public, 32),
      await this.#readKey(f.ackKey, t.ackKey, 16),
    ];
    const present = parts.filter((p) => p !== null).length;
    if (present === 0) return null;
    if (present !== parts.length) {
      throw new ClientStorageError(
        `${this.dir} holds only some of the client's key files; refusing to replace them`,
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
  async storeKeys(keys: ClientKeys): Promise<void> {
    const f = CLIENT_DATA_FILES, t = CLIENT_PEM_TAGS;
    const files: [string, string, Uint8Array, number][] = [
      [f.privateIdentity, t.ed25519Private, keys.identity.secretKey, 0o600],
      [f.publicIdentity, t.ed25519Public, keys.identity.publicKey, 0o644],
      [f.privateEncryption, t.x25519Private, keys.encryption.secretKey, 0o600],
      [f.publicEncryption, t.x25519Public, keys.encryption.publicKey, 0o644],
      [f.ackKey, t.ackKey, keys.ackKey, 0o600],
    ];
    for (const [name, tag, bytes, mode] of files) {
      try {
        await writeFileAtomic(this.#path(name), encodePem(tag, bytes), { mode, createNew: true });
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) {
          throw new ClientStorageError(
            `${this.#path(name)} already exists; refusing to replace it`,
          );
        }
        throw new ClientStorageError(`cannot write ${this.#path(name)}: ${(e as Error).message}`);
      }
    }
  }

  /** @inheritdoc */
  async loadGatewayRegistration(): Promise<GatewayRegistration | null> {
    const path = this.#path(CLIENT_DATA_FILES.gatewayRegistration);
    const text = await readOptional(path);
    if (text === null) return null;
    try {
      const raw = JSON.parse(text);
      const gatewayIdentity = base64.decode(raw.gateway_identity);
      const sharedKey = base64.decode(raw.shared_key);
      if (
        gatewayIdentity.length !== 32 || sharedKey.length !== 32 ||
        typeof raw.gateway_url !== "string" || !Number.isFinite(raw.registered_at_ms)
      ) {
        throw new Error("unexpected field values");
      }
      return {
        gatewayIdentity,
        sharedKey,
        gatewayUrl: raw.gateway_url,
        registeredAtMs: raw.registered_at_ms,
      };
    } catch (e) {
      throw new ClientStorageError(`${path} is corrupt: ${(e as Error).message}`);
    }
  }

  /** @inheritdoc */
  async storeGatewayRegistration(registration: GatewayRegistration): Promise<void> {
    const json = JSON.stringify(
      {
        gateway_identity: base64.encode(registration.gatewayIdentity),
        gateway_url: registration.gatewayUrl,
        shared_key: base64.encode(registration.sharedKey),
        registered_at_ms: registration.registeredAtMs,
      },
      null,
      2,
    );
    await this.#write(CLIENT_DATA_FILES.gatewayRegistration, json);
  }

  /** @inheritdoc */
  async removeGatewayRegistration(): Promise<void> {
    try {
      await Deno.remove(this.#path(CLIENT_DATA_FILES.gatewayRegistration));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new ClientStorageError(
          `cannot remove the gateway registration: ${(e as Error).message}`,
        );
      }
    }
  }

  /** @inheritdoc */
  loadReplyState(): Promise<string | null> {
    return readOptional(this.#path(CLIENT_DATA_FILES.replyStore));
  }

  /** @inheritdoc */
  async storeReplyState(json: string): Promise<void> {
    await this.#write(CLIENT_DATA_FILES.replyStore, json);
  }

  async #write(name: string, text: string): Promise<void> {
    try {
      await writeFileAtomic(this.#path(name), text, { mode: 0o600 });
    } catch (e) {
      throw new ClientStorageError(`cannot write ${this.#path(name)}: ${(e as Error).message}`);
    }
  }
}
