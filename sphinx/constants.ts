/**
 * Sphinx constants of sphinx-packet 0.6.0 (`wire-format.md` §2.1, §2.2).
 *
 * @module
 */

/** Security parameter k (bytes). */
export const SECURITY_PARAMETER = 16;
/** Maximum number of hops a header can carry. */
export const MAX_PATH_LENGTH = 5;
/** Size of the group element α (an X25519 public key). */
export const GROUP_ELEMENT_SIZE = 32;
/** Size of the truncated header MAC γ. */
export const HEADER_INTEGRITY_MAC_SIZE = 16;
/** Size of a node address inside the routing information. */
export const NODE_ADDRESS_LENGTH = 32;
/** Size of a destination address (a Nym client's ed25519 identity). */
export const DESTINATION_ADDRESS_LENGTH = 32;
/** Size of a destination (SURB) identifier. */
export const IDENTIFIER_LENGTH = 16;
/** Size of the per-hop delay field (u64 BE nanoseconds). */
export const DELAY_LENGTH = 8;
/** Size of the version field `[0, hi, lo]`. */
export const VERSION_LENGTH = 3;
/** flag + version + next address + delay. */
export const NODE_META_INFO_SIZE = 1 + VERSION_LENGTH + NODE_ADDRESS_LENGTH + DELAY_LENGTH;
/** flag + version + destination + identifier. */
export const FINAL_NODE_META_INFO_LENGTH = 1 + VERSION_LENGTH + DESTINATION_ADDRESS_LENGTH +
  IDENTIFIER_LENGTH;
/** One hop's slot in β: meta info + the next hop's MAC. */
export const ROUTING_SLOT_SIZE = NODE_META_INFO_SIZE + HEADER_INTEGRITY_MAC_SIZE;
/** Size of the encrypted routing information β. */
export const ENCRYPTED_ROUTING_INFO_SIZE = ROUTING_SLOT_SIZE * MAX_PATH_LENGTH;
/** β without its last slot: what a forward layer carries of the next hop's β. */
export const TRUNCATED_ROUTING_INFO_SIZE = ENCRYPTED_ROUTING_INFO_SIZE - ROUTING_SLOT_SIZE;
/** Keystream bytes used per hop: β plus one slot of padding. */
export const STREAM_CIPHER_OUTPUT_LENGTH = ROUTING_SLOT_SIZE * (MAX_PATH_LENGTH + 1);
/** Header size: α ‖ γ ‖ β = 348. */
export const HEADER_SIZE = GROUP_ELEMENT_SIZE + HEADER_INTEGRITY_MAC_SIZE +
  ENCRYPTED_ROUTING_INFO_SIZE;
/** 16 leading zero bytes + the 0x01 end-of-message marker. */
export const PAYLOAD_OVERHEAD_SIZE = SECURITY_PARAMETER + 1;
/** Raw Lioness key size. */
export const PAYLOAD_KEY_SIZE = 192;
/** Payload key seed size (version 259). */
export const PAYLOAD_KEY_SEED_SIZE = 16;
/** Output length of the per-hop KDF. */
export const EXPANDED_SHARED_SECRET_LENGTH = 288;
/** Replay tag size (the last 32 bytes of the expansion). */
export const REPLAY_TAG_SIZE = 32;

/** Routing flag of a forward-hop layer. */
export const FORWARD_HOP = 0x01;
/** Routing flag of a final-hop layer. */
export const FINAL_HOP = 0x02;

/** Legacy (pre-0.2) version with "undefined-ops" blinding. */
export const INITIAL_LEGACY_VERSION = 1;
/** Legacy version of sphinx 0.1.1. */
export const UPDATED_LEGACY_VERSION = 257;
/** X25519 blinding; payload keys are the 192 raw KDF bytes. What Nym clients emit today. */
export const X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION = 258;
/** X25519 blinding; payload keys derived from 16-byte seeds (`CURRENT_VERSION` in 0.6.0). */
export const PAYLOAD_KEYS_SEEDS_VERSION = 259;
/** The newest version sphinx-packet 0.6.0 knows. */
export const CURRENT_VERSION = PAYLOAD_KEYS_SEEDS_VERSION;

/**
 * Whether a hop derives its payload key from the 192 raw KDF bytes (versions 1, 257, 258) rather
 * than from the 16-byte seed (`wire-format.md` §2.5).
 *
 * @example
 * ```ts
 * import { expectsLegacyFullPayloadKeys } from "./constants.ts";
 * expectsLegacyFullPayloadKeys(258); // true
 * ```
 */
export function expectsLegacyFullPayloadKeys(version: number): boolean {
  return version === INITIAL_LEGACY_VERSION || version === UPDATED_LEGACY_VERSION ||
    version === X25519_WITH_EXPLICIT_PAYLOAD_KEYS_VERSION;
}

/**
 * Whether a version uses the legacy unclamped-scalar blinding of α (versions 1 and 257).
 *
 * @example
 * ```ts
 * import { usesLegacyBlinding } from "./constants.ts";
 * usesLegacyBlinding(257); // true
 * ```
 */
export function usesLegacyBlinding(version: number): boolean {
  return version === INITIAL_LEGACY_VERSION || version === UPDATED_LEGACY_VERSION;
}

/** The 97-byte HKDF info string of the per-hop KDF (`wire-format.md` §2.4). */
export const HKDF_INFO = new TextEncoder().encode(
  "Dwste mou enan moxlo arketa makru kai ena upomoxlio gia na ton topothetisw kai tha kinisw thn gh.",
);
/** HKDF salt for version-259 payload keys. */
export const PAYLOAD_KEY_HKDF_SALT = new TextEncoder().encode(
  "sphinx-payload-key-V01-CS01-HKDF:SHA256-SALT",
);
/** HKDF info for version-259 payload keys. */
export const PAYLOAD_KEY_HKDF_INFO = new TextEncoder().encode(
  "sphinx-payload-key-V01-CS01-HKDF:SHA256-INFO",
);
