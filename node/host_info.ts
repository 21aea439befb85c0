/**
 * Signed host information, `GET /api/v1/host-information` (`nym-node.md` §2.2).
 *
 * nym-api deserialises the document, re-serialises `data` with `serde_json::to_string` and
 * verifies the Ed25519 signature over those bytes (`SignedData::verify` in
 * `nym-node/nym-node-requests/src/api/mod.rs`). The signed bytes must therefore be compact JSON
 * with the Rust struct field order of `HostInformation` → `HostKeys` → `SphinxKey` /
 * `VersionedNoiseKeyV1` (`nym-node-requests/src/api/v1/node/models.rs`,
 * `common/nymnoise/keys/src/lib.rs`), `null` for `None`, keys in base58 and IPs in Rust's
 * `Display` form. This module builds `data` with exactly that key order and serves the very
 * bytes it signed.
 *
 * @module
 */
import { ed25519Sign, encodeBase58 } from "../crypto/mod.ts";
import { canonicalIp } from "../util/net.ts";
import type { NodeKeys, SphinxKey } from "./keys.ts";

/** The Noise protocol version the node announces (`LATEST_NOISE_VERSION` = V1). */
export const NOISE_VERSION = 1;

/** `SphinxKey` in Rust field order. */
export interface SphinxKeyInfo {
  readonly rotation_id: number;
  readonly public_key: string;
}

/** `VersionedNoiseKeyV1` in Rust field order. */
export interface VersionedNoiseKey {
  readonly supported_version: number;
  readonly x25519_pubkey: string;
}

/** `HostKeys` in Rust field order. */
export interface HostKeys {
  readonly ed25519_identity: string;
  /** Deprecated duplicate of `primary_x25519_sphinx_key.public_key`. */
  readonly x25519_sphinx: string;
  readonly primary_x25519_sphinx_key: SphinxKeyInfo;
  readonly pre_announced_x25519_sphinx_key: SphinxKeyInfo | null;
  readonly x25519_versioned_noise: VersionedNoiseKey | null;
}

/** `HostInformation` in Rust field order. */
export interface HostInformation {
  readonly ip_address: readonly string[];
  readonly hostname: string | null;
  readonly keys: HostKeys;
}

/** A signed document as served: the exact JSON text and its parts. */
export interface SignedHostInformation {
  /** The response body: `{"data":<signed bytes>,"signature":"<bs58>"}`. */
  readonly json: string;
  /** The compact JSON of `data` that was signed. */
  readonly signedJson: string;
  /** `data` as an object (for YAML output). */
  readonly data: HostInformation;
  /** Base58 Ed25519 signature over `signedJson`. */
  readonly signature: string;
}

/** What goes into the host information. */
export interface HostInformationInput {
  /** Announced public IPs (any valid text form; printed canonically). */
  readonly publicIps: readonly string[];
  /** Announced hostname, if any. */
  readonly hostname: string | null;
  /** The node's keys. */
  readonly keys: NodeKeys;
  /** Whether Noise is disabled (`mixnet.debug.unsafe_disable_noise`): then no noise key. */
  readonly noiseDisabled: boolean;
}

function sphinxKeyInfo(key: SphinxKey): SphinxKeyInfo {
  return { rotation_id: key.rotationId, public_key: encodeBase58(key.publicKey) };
}

/**
 * Builds `HostInformation` with its keys in Rust field order. The secondary sphinx key is
 * announced only when it is the next rotation's key (`rotation_id == primary + 1`).
 *
 * @example
 * ```ts no-eval
 * import { buildHostInformation } from "./host_info.ts";
 * const info = buildHostInformation({ publicIps: ["1.2.3.4"], hostname: null, keys, noiseDisabled: false });
 * Object.keys(info.keys); // ["ed25519_identity", "x25519_sphinx", ...]
 * ```
 */
export function buildHostInformation(input: HostInformationInput): HostInformation {
  const { primary, secondary } = input.keys.sphinx;
  const preAnnounced = secondary && secondary.rotationId === primary.rotationId + 1
    ? sphinxKeyInfo(secondary)
    : null;
  const primaryInfo = sphinxKeyInfo(primary);
  // Object literal key order is the serialisation order: keep it equal to the Rust structs.
  const keys: HostKeys = {
    ed25519_identity: encodeBase58(input.keys.identity.publicKey),
    x25519_sphinx: primaryInfo.public_key,
    primary_x25519_sphinx_key: primaryInfo,
    pre_announced_x25519_sphinx_key: preAnnounced,
    x25519_versioned_noise: input.noiseDisabled ? null : {
      supported_version: NOISE_VERSION,
      x25519_pubkey: encodeBase58(input.keys.noise.publicKey),
    },
  };
  return {
    ip_address: input.publicIps.map(canonicalIp),
    hostname: input.hostname,
    keys,
  };
}

/**
 * Signs host information with the identity key the way `SignedData::new` does and returns the
 * exact response body.
 *
 * @example
 * ```ts no-eval
 * import { buildHostInformation, signHostInformation } from "./host_info.ts";
 * const signed = signHostInformation(buildHostInformation(input), keys.identity.secretKey);
 * JSON.stringify(JSON.parse(signed.json).data) === signed.signedJson; // true
 * ```
 */
export function signHostInformation(
  data: HostInformation,
  identitySecretKey: Uint8Array,
): SignedHostInformation {
  const signedJson = JSON.stringify(data);
  const signature = encodeBase58(
    ed25519Sign(identitySecretKey, new TextEncoder().encode(signedJson)),
  );
  return {
    json: `{"data":${signedJson},"signature":${JSON.stringify(signature)}}`,
    signedJson,
    data,
    signature,
  };
}
