/**
 * Single-use reply blocks (sphinx-packet 0.6.0 `surb/mod.rs`, `wire-format.md` §2.15).
 *
 * A SURB is `header (348) ‖ first-hop address (32) ‖ key material`, where the key material is the
 * route's payload keys: n × 192-byte keys (versions ≤ 258) or n × 16-byte seeds (259).
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import {
  expectsLegacyFullPayloadKeys,
  HEADER_SIZE,
  MAX_PATH_LENGTH,
  NODE_ADDRESS_LENGTH,
  PAYLOAD_KEY_SEED_SIZE,
  PAYLOAD_KEY_SIZE,
  X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION,
} from "./constants.ts";
import { InvalidBuildArgumentError, MalformedSurbError } from "./errors.ts";
import { buildHeader, type Destination, type RouteNode } from "./header.ts";
import { derivePayloadKey } from "./keys.ts";
import { encapsulatePayload } from "./payload.ts";

/** The key material a SURB carries for its route. */
export type SurbKeyMaterial =
  | { readonly kind: "keys"; readonly keys: readonly Uint8Array[] }
  | { readonly kind: "seeds"; readonly seeds: readonly Uint8Array[] };

/** A parsed SURB. */
export interface Surb {
  readonly header: Uint8Array;
  /** 32-byte address of the node the reply packet is sent to first. */
  readonly firstHopAddress: Uint8Array;
  readonly keyMaterial: SurbKeyMaterial;
}

/** Inputs of {@linkcode createSurb}. */
export interface SurbSpec {
  readonly route: readonly RouteNode[];
  readonly destination: Destination;
  readonly delaysNanos: readonly number[];
  /** 258 (192-byte keys, Nym's default "legacy SURB format") or 259 (seeds). */
  readonly version?: number;
  readonly random: RandomSource;
  readonly initialSecret?: Uint8Array;
}

/** Smallest valid serialised SURB: header, address and one seed. */
export const MINIMUM_SURB_SIZE = HEADER_SIZE + NODE_ADDRESS_LENGTH + PAYLOAD_KEY_SEED_SIZE;

/**
 * Creates a SURB for replies travelling along `route` to `destination` (its creator).
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { createSurb } from "./surb.ts";
 * const c = createCryptoProvider();
 * const node = { address: new Uint8Array(32).fill(1), publicKey: c.x25519Base(new Uint8Array(32).fill(1)) };
 * const surb = createSurb(c, { route: [node], delaysNanos: [0], random: systemRandom,
 *   destination: { address: new Uint8Array(32), identifier: new Uint8Array(16) } });
 * surb.keyMaterial.kind; // "keys"
 * ```
 */
export function createSurb(crypto: CryptoProvider, spec: SurbSpec): Surb {
  const version = spec.version ?? X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION;
  if (spec.route.length === 0) throw new InvalidBuildArgumentError("SURB route is empty");
  const { header, expanded } = buildHeader(crypto, {
    route: spec.route,
    delaysNanos: spec.delaysNanos,
    destination: spec.destination,
    version,
    initialSecret: spec.initialSecret ?? spec.random(32),
    random: spec.random,
  });
  const keyMaterial: SurbKeyMaterial = expectsLegacyFullPayloadKeys(version)
    ? { kind: "keys", keys: expanded.map((e) => e.legacyPayloadKey.slice()) }
    : { kind: "seeds", seeds: expanded.map((e) => e.payloadKeySeed.slice()) };
  return { header, firstHopAddress: spec.route[0].address.slice(), keyMaterial };
}

/**
 * Serialises a SURB.
 *
 * @example
 * ```ts no-eval
 * const bytes = serializeSurb(surb);
 * ```
 */
export function serializeSurb(surb: Surb): Uint8Array {
  const parts = surb.keyMaterial.kind === "keys" ? surb.keyMaterial.keys : surb.keyMaterial.seeds;
  const unit = surb.keyMaterial.kind === "keys" ? PAYLOAD_KEY_SIZE : PAYLOAD_KEY_SEED_SIZE;
  const out = new Uint8Array(HEADER_SIZE + NODE_ADDRESS_LENGTH + parts.length * unit);
  out.set(surb.header, 0);
  out.set(surb.firstHopAddress, HEADER_SIZE);
  parts.forEach((p, i) => out.set(p, HEADER_SIZE + NODE_ADDRESS_LENGTH + i * unit));
  return out;
}

/**
 * The serialised size of a SURB for `hops` hops with the given version.
 *
 * @example
 * ```ts
 * import { surbSize } from "./surb.ts";
 * surbSize(4, 258); // 348 + 32 + 4 * 192 = 1148
 * ```
 */
export function surbSize(hops: number, version: number): number {
  const unit = expectsLegacyFullPayloadKeys(version) ? PAYLOAD_KEY_SIZE : PAYLOAD_KEY_SEED_SIZE;
  return HEADER_SIZE + NODE_ADDRESS_LENGTH + hops * unit;
}

/**
 * Parses a SURB. Key material shorter than 192 bytes is a list of 16-byte seeds, otherwise a
 * list of 192-byte keys, as sphinx-packet 0.6.0 decides.
 *
 * @example
 * ```ts no-eval
 * const surb = parseSurb(bytes);
 * ```
 */
export function parseSurb(bytes: Uint8Array): Surb {
  if (bytes.length < MINIMUM_SURB_SIZE) {
    throw new MalformedSurbError(
      `SURB of ${bytes.length} bytes is shorter than ${MINIMUM_SURB_SIZE}`,
    );
  }
  const header = bytes.slice(0, HEADER_SIZE);
  const firstHopAddress = bytes.slice(HEADER_SIZE, HEADER_SIZE + NODE_ADDRESS_LENGTH);
  const material = bytes.subarray(HEADER_SIZE + NODE_ADDRESS_LENGTH);
  const unit = material.length < PAYLOAD_KEY_SIZE ? PAYLOAD_KEY_SEED_SIZE : PAYLOAD_KEY_SIZE;
  if (material.length % unit !== 0) {
    throw new MalformedSurbError(
      `SURB key material of ${material.length} bytes is not a multiple of ${unit}`,
    );
  }
  const count = material.length / unit;
  if (count > MAX_PATH_LENGTH) {
    throw new MalformedSurbError(
      `SURB carries keys for ${count} hops, more than ${MAX_PATH_LENGTH}`,
    );
  }
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) parts.push(material.slice(i * unit, (i + 1) * unit));
  const keyMaterial: SurbKeyMaterial = unit === PAYLOAD_KEY_SIZE
    ? { kind: "keys", keys: parts }
    : { kind: "seeds", seeds: parts };
  return { header, firstHopAddress, keyMaterial };
}

/**
 * Uses a SURB: encrypts `message` under its keys and returns the packet and where to send it.
 *
 * @example
 * ```ts no-eval
 * const { packet, firstHopAddress } = useSurb(crypto, surb, reply, 2065);
 * ```
 */
export function useSurb(
  crypto: CryptoProvider,
  surb: Surb,
  message: Uint8Array,
  payloadSize: number,
): { packet: Uint8Array; firstHopAddress: Uint8Array } {
  const keys = surb.keyMaterial.kind === "keys"
    ? surb.keyMaterial.keys
    : surb.keyMaterial.seeds.map((seed) => derivePayloadKey(crypto, seed));
  const payload = encapsulatePayload(crypto, message, payloadSize, keys);
  const packet = new Uint8Array(HEADER_SIZE + payload.length);
  packet.set(surb.header, 0);
  packet.set(payload, HEADER_SIZE);
  return { packet, firstHopAddress: surb.firstHopAddress };
}
