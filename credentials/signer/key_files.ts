/**
 * Trusted-dealer key shares for a localnet's signers, and their JSON files. The dealer
 * ({@linkcode dealSignerKeys}) runs `ttpKeygen` once and hands signer i its share together with
 * every signer's public verification key — the stand-in for the verification-key shares a real
 * deployment reads from the DKG contract. Nym's DKG (Groth's NI-DKG with re-sharing) is out of
 * scope: one party sees every share here, which is only acceptable for test networks.
 *
 * `signer-<i>.json` (mode 0600, secret):
 * `{"type":"nym-ecash-signer-key-share","version":1,"epoch_id":1,"threshold":2,"index":1,
 *   "secret_key":"<bs58 SecretKeyAuth bytes>","verification_key":"<bs58>",
 *   "verification_keys":[{"index":1,"key":"<bs58>"},…]}`
 *
 * `verification-keys.json` (public): `{"type":"nym-ecash-verification-keys","version":1,
 * "epoch_id":1,"threshold":2,"verification_keys":[…],"master_verification_key":"<bs58>"}`.
 *
 * Keys use upstream's byte layouts (`SecretKeyAuth::to_bytes`, `VerificationKeyAuth::to_bytes`)
 * in base58, as nym-api and the DKG contract carry them. Pure: callers do the file I/O.
 *
 * @module
 */
import type { RandomSource } from "../../crypto/random.ts";
import { decodeBase58, encodeBase58 } from "../../crypto/base58.ts";
import { aggregateVerificationKeys } from "../aggregation.ts";
import {
  decodeSecretKeyAuth,
  decodeVerificationKey,
  encodeSecretKeyAuth,
  encodeVerificationKey,
  type SecretKeyAuth,
  ttpKeygen,
  type VerificationKeyAuth,
  verificationKeyOf,
  verificationKeysEqual,
} from "../keys_auth.ts";
import type { EcashParameters } from "../params.ts";
import { EcashError } from "../errors.ts";

/**
 * A key file is missing fields, inconsistent, or its keys do not decode.
 *
 * @example
 * ```ts
 * import { SignerKeyFileError } from "./key_files.ts";
 * new SignerKeyFileError("signer-1.json: not JSON").name; // "SignerKeyFileError"
 * ```
 */
export class SignerKeyFileError extends EcashError {
  override name = "SignerKeyFileError";
}

/** One signer's public key and index. */
export interface IndexedVerificationKey {
  /** Lagrange index (1..n). */
  readonly index: number;
  /** The signer's verification key. */
  readonly key: VerificationKeyAuth;
}

/** What a signer loads to run. */
export interface SignerKeyShare {
  /** DKG epoch the keys were dealt for. */
  readonly epochId: bigint;
  /** Shares needed to aggregate. */
  readonly threshold: number;
  /** This signer's index. */
  readonly index: number;
  /** This signer's secret share. */
  readonly secretKey: SecretKeyAuth;
  /** Its verification key. */
  readonly verificationKey: VerificationKeyAuth;
  /** Every dealt signer's verification key (this one included), by index. */
  readonly verificationKeys: readonly IndexedVerificationKey[];
}

/** The public outcome of a dealing. */
export interface SignerPublicKeys {
  /** DKG epoch. */
  readonly epochId: bigint;
  /** Shares needed to aggregate. */
  readonly threshold: number;
  /** Every signer's verification key. */
  readonly verificationKeys: readonly IndexedVerificationKey[];
  /** The aggregated (master) verification key. */
  readonly masterKey: VerificationKeyAuth;
}

const SHARE_TYPE = "nym-ecash-signer-key-share";
const PUBLIC_TYPE = "nym-ecash-verification-keys";

/**
 * Deals `signers` key shares with threshold `threshold` for `epochId`.
 *
 * @example
 * ```ts
 * import { setup } from "../params.ts";
 * import { seededRandom } from "../../crypto/random.ts";
 * import { dealSignerKeys } from "./key_files.ts";
 * const { shares, publicKeys } = dealSignerKeys(setup(), 2, 3, 1n, seededRandom(new Uint8Array(32)));
 * shares.length; // 3
 * ```
 */
export function dealSignerKeys(
  params: EcashParameters,
  threshold: number,
  signers: number,
  epochId: bigint,
  random: RandomSource,
): { shares: SignerKeyShare[]; publicKeys: SignerPublicKeys } {
  const keys = ttpKeygen(params, threshold, signers, random);
  const verificationKeys = keys.map((k) => ({ index: k.index, key: k.verificationKey }));
  const masterKey = aggregateVerificationKeys(
    verificationKeys.map((k) => k.key),
    verificationKeys.map((k) => k.index),
  );
  return {
    shares: keys.map((k) => ({
      epochId,
      threshold,
      index: k.index,
      secretKey: k.secretKey,
      verificationKey: k.verificationKey,
      verificationKeys,
    })),
    publicKeys: { epochId, threshold, verificationKeys, masterKey },
  };
}

function vkText(key: VerificationKeyAuth): string {
  return encodeBase58(encodeVerificationKey(key));
}

function keysJson(keys: readonly IndexedVerificationKey[]) {
  return keys.map((k) => ({ index: k.index, key: vkText(k.key) }));
}

/**
 * The JSON text of a signer's key file.
 *
 * @example
 * ```ts
 * // await Deno.writeTextFile(path, encodeSignerKeyShare(share), { mode: 0o600 });
 * ```
 */
export function encodeSignerKeyShare(share: SignerKeyShare): string {
  return JSON.stringify(
    {
      type: SHARE_TYPE,
      version: 1,
      epoch_id: Number(share.epochId),
      threshold: share.threshold,
      index: share.index,
      secret_key: encodeBase58(encodeSecretKeyAuth(share.secretKey)),
      verification_key: vkText(share.verificationKey),
      verification_keys: keysJson(share.verificationKeys),
    },
    null,
    2,
  ) + "\n";
}

/**
 * The JSON text of `verification-keys.json`.
 *
 * @example
 * ```ts
 * // await Deno.writeTextFile(`${dir}/verification-keys.json`, encodeSignerPublicKeys(publicKeys));
 * ```
 */
export function encodeSignerPublicKeys(keys: SignerPublicKeys): string {
  return JSON.stringify(
    {
      type: PUBLIC_TYPE,
      version: 1,
      epoch_id: Number(keys.epochId),
      threshold: keys.threshold,
      verification_keys: keysJson(keys.verificationKeys),
      master_verification_key: vkText(keys.masterKey),
    },
    null,
    2,
  ) + "\n";
}

function parseDocument(text: string, type: string, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SignerKeyFileError(`${what}: not JSON`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new SignerKeyFileError(`${what}: not a JSON object`);
  }
  const o = doc as Record<string, unknown>;
  if (o.type !== type) throw new SignerKeyFileError(`${what}: "type" must be "${type}"`);
  if (o.version !== 1) throw new SignerKeyFileError(`${what}: unsupported version ${o.version}`);
  return o;
}

function integer(o: Record<string, unknown>, key: string, what: string, min: number): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw new SignerKeyFileError(`${what}: "${key}" must be an integer ≥ ${min}`);
  }
  return v;
}

function decodeKeyText<T>(v: unknown, what: string, key: string, decode: (b: Uint8Array) => T): T {
  if (typeof v !== "string") throw new SignerKeyFileError(`${what}: "${key}" must be a string`);
  try {
    return decode(decodeBase58(v));
  } catch (e) {
    throw new SignerKeyFileError(`${what}: "${key}": ${(e as Error).message}`);
  }
}

function parseKeyList(o: Record<string, unknown>, what: string): IndexedVerificationKey[] {
  const list = o.verification_keys;
  if (!Array.isArray(list) || list.length === 0 || list.length > 1000) {
    throw new SignerKeyFileError(`${what}: "verification_keys" must be a non-empty array`);
  }
  const seen = new Set<number>();
  return list.map((item, i) => {
    if (typeof item !== "object" || item === null) {
      throw new SignerKeyFileError(`${what}: verification_keys[${i}] must be an object`);
    }
    const entry = item as Record<string, unknown>;
    const index = integer(entry, "index", `${what}: verification_keys[${i}]`, 1);
    if (seen.has(index)) throw new SignerKeyFileError(`${what}: index ${index} appears twice`);
    seen.add(index);
    return {
      index,
      key: decodeKeyText(
        entry.key,
        `${what}: verification_keys[${i}]`,
        "key",
        decodeVerificationKey,
      ),
    };
  });
}

/**
 * Parses and checks a signer key file: the secret key must match its verification key, which
 * must be listed under the signer's index, and the threshold must not exceed the signer count.
 *
 * @example
 * ```ts
 * // const share = parseSignerKeyShare(params, await Deno.readTextFile(path), path);
 * ```
 */
export function parseSignerKeyShare(
  params: EcashParameters,
  text: string,
  what = "signer key file",
): SignerKeyShare {
  const o = parseDocument(text, SHARE_TYPE, what);
  const epochId = BigInt(integer(o, "epoch_id", what, 0));
  const threshold = integer(o, "threshold", what, 1);
  const index = integer(o, "index", what, 1);
  const secretKey = decodeKeyText(o.secret_key, what, "secret_key", decodeSecretKeyAuth);
  const verificationKey = decodeKeyText(
    o.verification_key,
    what,
    "verification_key",
    decodeVerificationKey,
  );
  const verificationKeys = parseKeyList(o, what);
  if (!verificationKeysEqual(verificationKeyOf(params, secretKey), verificationKey)) {
    throw new SignerKeyFileError(`${what}: the secret key does not match the verification key`);
  }
  const own = verificationKeys.find((k) => k.index === index);
  if (!own || !verificationKeysEqual(own.key, verificationKey)) {
    throw new SignerKeyFileError(`${what}: verification_keys does not list this signer's key`);
  }
  if (threshold > verificationKeys.length) {
    throw new SignerKeyFileError(`${what}: threshold ${threshold} exceeds the signer count`);
  }
  return { epochId, threshold, index, secretKey, verificationKey, verificationKeys };
}

/**
 * Parses `verification-keys.json`, recomputing the master key and checking it.
 *
 * @example
 * ```ts
 * // const { masterKey } = parseSignerPublicKeys(await Deno.readTextFile(path));
 * ```
 */
export function parseSignerPublicKeys(
  text: string,
  what = "verification keys file",
): SignerPublicKeys {
  const o = parseDocument(text, PUBLIC_TYPE, what);
  const epochId = BigInt(integer(o, "epoch_id", what, 0));
  const threshold = integer(o, "threshold", what, 1);
  const verificationKeys = parseKeyList(o, what);
  const stated = decodeKeyText(
    o.master_verification_key,
    what,
    "master_verification_key",
    decodeVerificationKey,
  );
  if (threshold > verificationKeys.length) {
    throw new SignerKeyFileError(`${what}: threshold ${threshold} exceeds the signer count`);
  }
  const masterKey = masterKeyOf(verificationKeys);
  if (!verificationKeysEqual(masterKey, stated)) {
    throw new SignerKeyFileError(`${what}: master_verification_key does not match the shares`);
  }
  return { epochId, threshold, verificationKeys, masterKey };
}

/**
 * Interpolates the master key from every listed share (any t of them give the same key).
 *
 * @example
 * ```ts
 * // const master = masterKeyOf(share.verificationKeys);
 * ```
 */
export function masterKeyOf(keys: readonly IndexedVerificationKey[]): VerificationKeyAuth {
  return aggregateVerificationKeys(keys.map((k) => k.key), keys.map((k) => k.index));
}
