/**
 * Sphinx header construction and one-hop processing (`wire-format.md` §2.6–§2.10, §2.13).
 *
 * Header = α (32) ‖ γ (16) ‖ β (300). γ is a truncated HMAC over β only.
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import { constantTimeEqual, xorInto } from "../crypto/bytes.ts";
import {
  DESTINATION_ADDRESS_LENGTH,
  ENCRYPTED_ROUTING_INFO_SIZE,
  FINAL_HOP,
  FINAL_NODE_META_INFO_LENGTH,
  FORWARD_HOP,
  GROUP_ELEMENT_SIZE,
  HEADER_INTEGRITY_MAC_SIZE,
  HEADER_SIZE,
  IDENTIFIER_LENGTH,
  MAX_PATH_LENGTH,
  NODE_ADDRESS_LENGTH,
  ROUTING_SLOT_SIZE,
  STREAM_CIPHER_OUTPUT_LENGTH,
  TRUNCATED_ROUTING_INFO_SIZE,
  usesLegacyBlinding,
} from "./constants.ts";
import { InvalidBuildArgumentError } from "./errors.ts";
import { ExpandedSharedSecret, expandSharedSecret } from "./keys.ts";
import { SenderKeyAccumulator } from "./blinding.ts";

/** A hop of a route: where it is and its current Sphinx public key. */
export interface RouteNode {
  /** 32-byte node address as written into the previous hop's layer (a padded socket address). */
  readonly address: Uint8Array;
  /** 32-byte X25519 Sphinx public key. */
  readonly publicKey: Uint8Array;
}

/** Where the final hop delivers: a client's identity and a SURB identifier. */
export interface Destination {
  /** 32 bytes; Nym uses the recipient's ed25519 identity. */
  readonly address: Uint8Array;
  /** 16 bytes; Nym uses zeros. */
  readonly identifier: Uint8Array;
}

/** What {@linkcode buildHeader} returns. */
export interface BuiltHeader {
  /** The 348 header bytes. */
  readonly header: Uint8Array;
  /** One expansion per hop, in route order (payload keys and SURB key material come from them). */
  readonly expanded: readonly ExpandedSharedSecret[];
}

/** Inputs of {@linkcode buildHeader}. */
export interface HeaderSpec {
  readonly route: readonly RouteNode[];
  /** Per-hop delays in nanoseconds, one per hop; the last one is never encoded. */
  readonly delaysNanos: readonly number[];
  readonly destination: Destination;
  /** Header version (258 for today's Nym clients, 259 for seed-based payload keys). */
  readonly version: number;
  /** Fresh 32-byte secret x; α = X25519(x, 9). */
  readonly initialSecret: Uint8Array;
  /** Source of the final layer's random padding. */
  readonly random: RandomSource;
}

const ZERO_IV = new Uint8Array(16);
const ZERO_STREAM = new Uint8Array(STREAM_CIPHER_OUTPUT_LENGTH);

/**
 * The 360-byte ρ keystream of one hop.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { routingKeystream } from "./header.ts";
 * routingKeystream(createCryptoProvider(), new Uint8Array(16)).length; // 360
 * ```
 */
export function routingKeystream(crypto: CryptoProvider, streamCipherKey: Uint8Array): Uint8Array {
  return crypto.aes128Ctr(streamCipherKey, ZERO_IV, ZERO_STREAM);
}

/**
 * `HMAC-SHA256(μ, β)` truncated to 16 bytes.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { headerMac } from "./header.ts";
 * headerMac(createCryptoProvider(), new Uint8Array(16), new Uint8Array(300)).length; // 16
 * ```
 */
export function headerMac(
  crypto: CryptoProvider,
  macKey: Uint8Array,
  beta: Uint8Array,
): Uint8Array {
  return crypto.hmacSha256(macKey, beta).subarray(0, HEADER_INTEGRITY_MAC_SIZE);
}

function writeVersion(target: Uint8Array, offset: number, version: number): void {
  target[offset] = 0;
  target[offset + 1] = (version >>> 8) & 0xff;
  target[offset + 2] = version & 0xff;
}

function writeDelay(target: Uint8Array, offset: number, nanos: number): void {
  if (!Number.isSafeInteger(nanos) || nanos < 0) {
    throw new InvalidBuildArgumentError(`delay must be a non-negative integer, got ${nanos}`);
  }
  const hi = Math.floor(nanos / 2 ** 32);
  const lo = nanos >>> 0;
  target[offset] = hi >>> 24;
  target[offset + 1] = (hi >>> 16) & 0xff;
  target[offset + 2] = (hi >>> 8) & 0xff;
  target[offset + 3] = hi & 0xff;
  target[offset + 4] = lo >>> 24;
  target[offset + 5] = (lo >>> 16) & 0xff;
  target[offset + 6] = (lo >>> 8) & 0xff;
  target[offset + 7] = lo & 0xff;
}

/**
 * Derives the per-hop expansions for a route: one X25519 per hop (plus one for α), using the
 * accumulated scalar instead of re-folding every previous blinding factor.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { deriveSenderKeys } from "./header.ts";
 * const c = createCryptoProvider();
 * const node = { address: new Uint8Array(32), publicKey: c.x25519Base(new Uint8Array(32).fill(1)) };
 * deriveSenderKeys(c, [node], new Uint8Array(32).fill(2), 258).expanded.length; // 1
 * ```
 */
export function deriveSenderKeys(
  crypto: CryptoProvider,
  route: readonly RouteNode[],
  initialSecret: Uint8Array,
  version: number,
): { alpha: Uint8Array; expanded: ExpandedSharedSecret[] } {
  const accumulator = new SenderKeyAccumulator(crypto, initialSecret, usesLegacyBlinding(version));
  const alpha = accumulator.initialAlpha();
  const expanded: ExpandedSharedSecret[] = [];
  for (let i = 0; i < route.length; i++) {
    const e = expandSharedSecret(crypto, accumulator.sharedSecretWith(route[i].publicKey));
    expanded.push(e);
    if (i < route.length - 1) accumulator.absorb(e.blindingFactor);
  }
  return { alpha, expanded };
}

function validateSpec(spec: HeaderSpec): void {
  const n = spec.route.length;
  if (n === 0 || n > MAX_PATH_LENGTH) {
    throw new InvalidBuildArgumentError(`route must have 1..${MAX_PATH_LENGTH} hops, got ${n}`);
  }
  if (spec.delaysNanos.length !== n) {
    throw new InvalidBuildArgumentError(
      `route has ${n} hops but ${spec.delaysNanos.length} delays`,
    );
  }
  for (const node of spec.route) {
    if (node.address.length !== NODE_ADDRESS_LENGTH || node.publicKey.length !== 32) {
      throw new InvalidBuildArgumentError("route node address and public key must be 32 bytes");
    }
  }
  if (
    spec.destination.address.length !== DESTINATION_ADDRESS_LENGTH ||
    spec.destination.identifier.length !== IDENTIFIER_LENGTH
  ) {
    throw new InvalidBuildArgumentError("destination must be 32 bytes with a 16-byte identifier");
  }
  if (spec.initialSecret.length !== 32) {
    throw new InvalidBuildArgumentError("initial secret must be 32 bytes");
  }
  if (!Number.isInteger(spec.version) || spec.version < 0 || spec.version > 0xffff) {
    throw new InvalidBuildArgumentError(`version must be a u16, got ${spec.version}`);
  }
}

/**
 * Builds a Sphinx header for `route` ending at `destination`.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
 * import { buildHeader } from "./header.ts";
 * const c = createCryptoProvider();
 * const node = { address: new Uint8Array(32), publicKey: c.x25519Base(new Uint8Array(32).fill(1)) };
 * const { header } = buildHeader(c, {
 *   route: [node], delaysNanos: [0], version: 258, initialSecret: systemRandom(32), random: systemRandom,
 *   destination: { address: new Uint8Array(32), identifier: new Uint8Array(16) },
 * });
 * header.length; // 348
 * ```
 */
export function buildHeader(crypto: CryptoProvider, spec: HeaderSpec): BuiltHeader {
  validateSpec(spec);
  const n = spec.route.length;
  const { alpha, expanded } = deriveSenderKeys(
    crypto,
    spec.route,
    spec.initialSecret,
    spec.version,
  );
  const keystreams = expanded.map((e) => routingKeystream(crypto, e.streamCipherKey));

  // Filler (§2.8): what the last hop's β tail looks like after every earlier hop's padding.
  const filler = new Uint8Array(ROUTING_SLOT_SIZE * (n - 1));
  for (let i = 1; i <= n - 1; i++) {
    const ks = keystreams[i - 1];
    const len = ROUTING_SLOT_SIZE * i;
    xorInto(filler.subarray(0, len), ks.subarray(STREAM_CIPHER_OUTPUT_LENGTH - len));
  }

  // Final layer (§2.7): flag ‖ version ‖ destination ‖ identifier ‖ random padding.
  const finalLength = ENCRYPTED_ROUTING_INFO_SIZE - ROUTING_SLOT_SIZE * (n - 1);
  const finalPlain = new Uint8Array(finalLength);
  finalPlain[0] = FINAL_HOP;
  writeVersion(finalPlain, 1, spec.version);
  finalPlain.set(spec.destination.address, 4);
  finalPlain.set(spec.destination.identifier, 4 + DESTINATION_ADDRESS_LENGTH);
  finalPlain.set(
    spec.random(finalLength - FINAL_NODE_META_INFO_LENGTH),
    FINAL_NODE_META_INFO_LENGTH,
  );
  xorInto(finalPlain, keystreams[n - 1].subarray(0, finalLength));

  let beta = new Uint8Array(ENCRYPTED_ROUTING_INFO_SIZE);
  beta.set(finalPlain, 0);
  beta.set(filler, finalLength);
  let gamma = headerMac(crypto, expanded[n - 1].headerMacKey, beta);

  for (let i = n - 2; i >= 0; i--) {
    const layer = new Uint8Array(ENCRYPTED_ROUTING_INFO_SIZE);
    layer[0] = FORWARD_HOP;
    writeVersion(layer, 1, spec.version);
    layer.set(spec.route[i + 1].address, 4);
    writeDelay(layer, 4 + NODE_ADDRESS_LENGTH, spec.delaysNanos[i]);
    layer.set(gamma, 44);
    layer.set(beta.subarray(0, TRUNCATED_ROUTING_INFO_SIZE), 60);
    xorInto(layer, keystreams[i].subarray(0, ENCRYPTED_ROUTING_INFO_SIZE));
    beta = layer;
    gamma = headerMac(crypto, expanded[i].headerMacKey, beta);
  }

  const header = new Uint8Array(HEADER_SIZE);
  header.set(alpha, 0);
  header.set(gamma, GROUP_ELEMENT_SIZE);
  header.set(beta, GROUP_ELEMENT_SIZE + HEADER_INTEGRITY_MAC_SIZE);
  return { header, expanded };
}

/**
 * Verifies γ against β with a hop's expansion (constant time).
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { ExpandedSharedSecret } from "./keys.ts";
 * import { verifyHeaderMac } from "./header.ts";
 * verifyHeaderMac(createCryptoProvider(), new Uint8Array(348), new ExpandedSharedSecret(new Uint8Array(288))); // false
 * ```
 */
export function verifyHeaderMac(
  crypto: CryptoProvider,
  header: Uint8Array,
  expanded: ExpandedSharedSecret,
): boolean {
  const gamma = header.subarray(GROUP_ELEMENT_SIZE, GROUP_ELEMENT_SIZE + HEADER_INTEGRITY_MAC_SIZE);
  const beta = header.subarray(GROUP_ELEMENT_SIZE + HEADER_INTEGRITY_MAC_SIZE, HEADER_SIZE);
  return constantTimeEqual(headerMac(crypto, expanded.headerMacKey, beta), gamma);
}

/**
 * Decrypts a hop's routing information: `(β ‖ 60 zeros) XOR ρ-keystream`, 360 bytes.
 *
 * @example
 * ```ts
 * import { createCryptoProvider } from "../crypto/mod.ts";
 * import { decryptRoutingInfo } from "./header.ts";
 * decryptRoutingInfo(createCryptoProvider(), new Uint8Array(348), new Uint8Array(16)).length; // 360
 * ```
 */
export function decryptRoutingInfo(
  crypto: CryptoProvider,
  header: Uint8Array,
  streamCipherKey: Uint8Array,
): Uint8Array {
  const padded = new Uint8Array(STREAM_CIPHER_OUTPUT_LENGTH);
  padded.set(header.subarray(GROUP_ELEMENT_SIZE + HEADER_INTEGRITY_MAC_SIZE, HEADER_SIZE), 0);
  return crypto.aes128Ctr(streamCipherKey, ZERO_IV, padded);
}
