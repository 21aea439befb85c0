/**
 * Gateway protocol versions and how a gateway and a client agree on one
 * (`nym-node.md` §4.2; upstream `common/gateway-requests/src/lib.rs`,
 * `gateway/src/node/client_handling/websocket/connection_handler/fresh.rs`).
 *
 * | version | meaning                                                        |
 * | ------- | -------------------------------------------------------------- |
 * | 1       | initial release                                                |
 * | 2       | credential structure update                                    |
 * | 3       | AES-256-GCM-SIV shared key with HKDF salt, random nonces       |
 * | 4       | `authenticateV2` (signed, timestamped, replay-protected)       |
 * | 5       | key-rotation byte in forwarded MixPackets (binary kind 2)      |
 * | 6       | upgrade mode (current)                                         |
 *
 * ## The negotiation rule (what the gateway answers)
 *
 * The gateway **echoes the version the client proposed**, capped at
 * {@linkcode CURRENT_PROTOCOL_VERSION} (6):
 *
 * - registration (`handshakePayload` / `register`): `min(proposed, 6)`; a missing proposal
 *   counts as 0 (upstream's serde default) and is echoed; no lower bound here, because the
 *   salted 80-byte init message already proves AES-256-GCM-SIV support;
 * - authentication (`authenticateV2` / `authenticate`): the proposal must be in `4..=6`
 *   (auth v2 needs 4, the AES-256-GCM-SIV key needs 3); anything else is refused with
 *   `IncompatibleProtocol`; otherwise it is echoed.
 *
 * Why echo rather than answer our own version: the real wasm client (`@nymproject/nym-client-wasm-node`
 * 1.4.1, `/work/notes/wasm-client.md` §3.4) proposes 3 in the handshake and 4 in
 * `authenticateV2`, and **aborts** when a `register`/`authenticate` reply carries a version above
 * 5 (its own current version). Echoing keeps every such client working; it also makes the
 * reply's version pick the binary framing the client will use (below 5 → kind 1, MixPacket v1;
 * 5 or more → kind 2, MixPacket v2), so the gateway knows what to expect. A client proposing 6
 * understands upgrade mode and gets 6. This is what nym-node at HEAD does
 * (`negotiate_proposed_protocol`).
 *
 * @module
 */
import { IncompatibleProtocolError } from "./errors.ts";

/** Version 1: the initial release. */
export const INITIAL_PROTOCOL_VERSION = 1;
/** Version 2: changes to the client credential structure. */
export const CREDENTIAL_UPDATE_V2_PROTOCOL_VERSION = 2;
/** Version 3: AES-256-GCM-SIV shared keys and non-zero nonces. */
export const AES_GCM_SIV_PROTOCOL_VERSION = 3;
/** Version 4: `authenticateV2`, which prevents replays. */
export const AUTHENTICATE_V2_PROTOCOL_VERSION = 4;
/** Version 5: key-rotation information in forwarded MixPackets. */
export const EMBEDDED_KEY_ROTATION_INFO_VERSION = 5;
/** Version 6: upgrade mode. */
export const UPGRADE_MODE_VERSION = 6;
/** The version this implementation speaks and announces in `supportedProtocol`. */
export const CURRENT_PROTOCOL_VERSION = UPGRADE_MODE_VERSION;

/**
 * Whether `version` uses the AES-256-GCM-SIV shared key (≥ 3). `undefined` (an old gateway that
 * sent no version) supports nothing.
 *
 * @example
 * ```ts
 * import { supportsAes256GcmSiv } from "./version.ts";
 * supportsAes256GcmSiv(3); // true
 * ```
 */
export function supportsAes256GcmSiv(version: number | undefined): boolean {
  return version !== undefined && version >= AES_GCM_SIV_PROTOCOL_VERSION;
}

/**
 * Whether `version` has `authenticateV2` (≥ 4).
 *
 * @example
 * ```ts
 * import { supportsAuthenticateV2 } from "./version.ts";
 * supportsAuthenticateV2(3); // false
 * ```
 */
export function supportsAuthenticateV2(version: number | undefined): boolean {
  return version !== undefined && version >= AUTHENTICATE_V2_PROTOCOL_VERSION;
}

/**
 * Whether `version` forwards MixPacket v2 (binary kind 2, with the key-rotation byte; ≥ 5).
 *
 * @example
 * ```ts
 * import { supportsKeyRotationPacket } from "./version.ts";
 * supportsKeyRotationPacket(5); // true
 * ```
 */
export function supportsKeyRotationPacket(version: number | undefined): boolean {
  return version !== undefined && version >= EMBEDDED_KEY_ROTATION_INFO_VERSION;
}

/**
 * Whether `version` understands upgrade mode (≥ 6).
 *
 * @example
 * ```ts
 * import { supportsUpgradeMode } from "./version.ts";
 * supportsUpgradeMode(6); // true
 * ```
 */
export function supportsUpgradeMode(version: number | undefined): boolean {
  return version !== undefined && version >= UPGRADE_MODE_VERSION;
}

/**
 * Whether `version` is newer than {@linkcode CURRENT_PROTOCOL_VERSION}.
 *
 * @example
 * ```ts
 * import { isFutureVersion } from "./version.ts";
 * isFutureVersion(7); // true
 * ```
 */
export function isFutureVersion(version: number | undefined): boolean {
  return version !== undefined && version > CURRENT_PROTOCOL_VERSION;
}

/**
 * Gateway side, registration: the version to put in the gateway's handshake payloads and in the
 * `register` reply, given the client's proposal (the `protocol_version` of its init message).
 * Echoes the proposal capped at 6; a missing proposal is 0, as upstream deserialises it.
 *
 * @example
 * ```ts
 * import { negotiateRegistrationVersion } from "./version.ts";
 * negotiateRegistrationVersion(3); // 3 (the wasm client; it aborts on anything above 5)
 * negotiateRegistrationVersion(9); // 6
 * ```
 */
export function negotiateRegistrationVersion(proposed: number | undefined): number {
  if (proposed === undefined) return 0;
  return Math.min(proposed, CURRENT_PROTOCOL_VERSION);
}

/**
 * Gateway side, authentication: the version for the `authenticate` reply, given the
 * `protocolVersion` of `authenticateV2`. Echoes it when it is in `4..=6`.
 *
 * @example
 * ```ts
 * import { negotiateAuthenticationVersion } from "./version.ts";
 * negotiateAuthenticationVersion(4); // 4 → the client will send binary kind 1 (MixPacket v1)
 * ```
 * @throws {IncompatibleProtocolError} below 4 (no auth v2 / AES-GCM-SIV) or above 6; the
 * message is upstream's `IncompatibleProtocol` text.
 */
export function negotiateAuthenticationVersion(proposed: number): number {
  if (
    !supportsAuthenticateV2(proposed) || !supportsAes256GcmSiv(proposed) ||
    isFutureVersion(proposed)
  ) {
    throw new IncompatibleProtocolError(
      proposed,
      `Attempted to negotiate connection with client using incompatible protocol version. Ours is ${CURRENT_PROTOCOL_VERSION} and the client reports ${proposed}`,
    );
  }
  return proposed;
}

/** Binary request kinds a client sends (`nym-node.md` §4.6). */
export const BinaryRequestKind = {
  /** `ForwardSphinx`: the plaintext is a MixPacket v1. */
  ForwardSphinx: 1,
  /** `ForwardSphinxV2`: the plaintext is a MixPacket v2 (with the key-rotation byte). */
  ForwardSphinxV2: 2,
} as const;
/** A binary request kind. */
export type BinaryRequestKind = typeof BinaryRequestKind[keyof typeof BinaryRequestKind];

/**
 * Which binary request kind a client uses for its MixPackets once `negotiated` is the version of
 * the `authenticate` (or `register`) reply: kind 2 from version 5 on, else kind 1. `undefined`
 * (a gateway that sent no version) is treated as old: kind 1.
 *
 * @example
 * ```ts
 * import { binaryRequestKindFor } from "./version.ts";
 * binaryRequestKindFor(4); // 1
 * binaryRequestKindFor(5); // 2
 * ```
 */
export function binaryRequestKindFor(negotiated: number | undefined): BinaryRequestKind {
  return supportsKeyRotationPacket(negotiated)
    ? BinaryRequestKind.ForwardSphinxV2
    : BinaryRequestKind.ForwardSphinx;
}

/**
 * Client side: the version to propose in the handshake and in `authenticateV2`, given the
 * gateway's `supportedProtocol` answer — the highest both understand, as the Rust client does.
 *
 * @example
 * ```ts
 * import { clientProposedVersion } from "./version.ts";
 * clientProposedVersion(6); // 6
 * clientProposedVersion(8); // 6 (the gateway is newer; downgrade)
 * ```
 * @throws {IncompatibleProtocolError} when the gateway supports neither auth v2 nor
 * AES-256-GCM-SIV (version below 4).
 */
export function clientProposedVersion(gatewaySupported: number): number {
  if (!supportsAuthenticateV2(gatewaySupported) || !supportsAes256GcmSiv(gatewaySupported)) {
    throw new IncompatibleProtocolError(
      gatewaySupported,
      `Attempted to negotiate connection with gateway using incompatible protocol version. Ours is ${CURRENT_PROTOCOL_VERSION} and the gateway reports ${gatewaySupported}`,
    );
  }
  return Math.min(gatewaySupported, CURRENT_PROTOCOL_VERSION);
}

/**
 * Client side: checks the `protocol_version` of a `register`/`authenticate` reply (or of the
 * gateway's handshake payload) and returns it. A missing version is accepted as an old gateway.
 *
 * @example
 * ```ts
 * import { checkGatewayVersion } from "./version.ts";
 * checkGatewayVersion(4); // 4
 * checkGatewayVersion(undefined); // undefined
 * ```
 * @throws {IncompatibleProtocolError} if the gateway insists on a version newer than ours.
 */
export function checkGatewayVersion(reported: number | undefined): number | undefined {
  if (isFutureVersion(reported)) {
    throw new IncompatibleProtocolError(
      reported,
      `the gateway requests protocol version that's not supported by this client. it wants to use v${reported} whilst we only understand up to v${CURRENT_PROTOCOL_VERSION}`,
    );
  }
  return reported;
}
