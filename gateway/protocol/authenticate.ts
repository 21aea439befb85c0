/**
 * `authenticateV2`: how a registered client resumes a session on a new WebSocket, proving it
 * holds the shared key without revealing it, with a signed timestamp against replays
 * (`nym-node.md` §4.4; upstream `types/text_request/authenticate.rs` and
 * `handle_authenticate_v2` in `gateway/.../connection_handler/fresh.rs`).
 *
 * ```text
 * addressCiphertext = AES-256-GCM-SIV(k, nonce, client_identity)            (48 B)
 * requestSignature  = Ed25519_client(protocolVersion (1) ‖ clientIdentity (32) ‖
 *                                    addressCiphertext ‖ nonce ‖ requestUnixTimestamp (u64 BE))
 * ```
 *
 * The field order of the signed bytes was checked against upstream
 * (`AuthenticateRequestContent::plaintext`) and against the real wasm client's recorded
 * requests (`authenticate_test.ts`).
 *
 * @module
 */
import { encodeBase58 } from "../../crypto/base58.ts";
import { concatBytes, constantTimeEqual, writeU64BE } from "../../crypto/bytes.ts";
import { type Ed25519KeyPair, ed25519Sign, ed25519Verify } from "../../crypto/ed25519.ts";
import type { RandomSource } from "../../crypto/random.ts";
import type { Clock } from "../../util/clock.ts";
import type { AuthenticateV2Request } from "./client_request.ts";
import { IncompatibleProtocolError, SharedKeyError } from "./errors.ts";
import { randomNonce, sealWithSharedKey } from "./shared_key.ts";
import { negotiateAuthenticationVersion } from "./version.ts";

/** Default bound on |request timestamp − gateway time| (upstream `max_request_timestamp_skew`). */
export const DEFAULT_MAX_REQUEST_TIMESTAMP_SKEW_MS = 120_000;

/** The signed part of an `authenticateV2` request. */
export type AuthenticateV2Content = Omit<AuthenticateV2Request, "type" | "requestSignature">;

/**
 * The bytes the client signs: `protocolVersion ‖ clientIdentity ‖ addressCiphertext ‖ nonce ‖
 * requestUnixTimestamp (u64 big-endian)`.
 *
 * @example
 * ```ts
 * import { authenticateV2SignedBytes } from "./authenticate.ts";
 * authenticateV2SignedBytes({
 *   protocolVersion: 4, clientIdentity: new Uint8Array(32), addressCiphertext: new Uint8Array(48),
 *   nonce: new Uint8Array(12), requestUnixTimestamp: 1,
 * }).length; // 1 + 32 + 48 + 12 + 8
 * ```
 */
export function authenticateV2SignedBytes(content: AuthenticateV2Content): Uint8Array {
  const timestamp = new Uint8Array(8);
  writeU64BE(timestamp, 0, BigInt(content.requestUnixTimestamp));
  return concatBytes(
    new Uint8Array([content.protocolVersion]),
    content.clientIdentity,
    content.addressCiphertext,
    content.nonce,
    timestamp,
  );
}

/** Options of {@linkcode createAuthenticateV2Request}. */
export interface CreateAuthenticateV2Options {
  /** The key from the registration handshake. */
  readonly sharedKey: Uint8Array;
  /** The client's identity key pair. */
  readonly identity: Ed25519KeyPair;
  /** The version to propose: `clientProposedVersion(supportedProtocol)`; at least 4. */
  readonly protocolVersion: number;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/**
 * Client side: builds a signed `authenticateV2` request (serialise it with
 * `serializeClientControlRequest`).
 *
 * @example
 * ```ts
 * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
 * import { systemRandom } from "../../crypto/random.ts";
 * import { systemClock } from "../../util/clock.ts";
 * import { createAuthenticateV2Request } from "./authenticate.ts";
 * const req = createAuthenticateV2Request({
 *   sharedKey: new Uint8Array(32), identity: generateEd25519KeyPair(), protocolVersion: 6,
 *   clock: systemClock, random: systemRandom,
 * });
 * req.addressCiphertext.length; // 48
 * ```
 * @throws {IncompatibleProtocolError} if `protocolVersion` is below 4 or above 6.
 * @throws {SharedKeyError} if the key is not 32 bytes.
 */
export function createAuthenticateV2Request(
  options: CreateAuthenticateV2Options,
): AuthenticateV2Request {
  negotiateAuthenticationVersion(options.protocolVersion);
  const nonce = randomNonce(options.random);
  const clientIdentity = options.identity.publicKey.slice();
  const content: AuthenticateV2Content = {
    protocolVersion: options.protocolVersion,
    clientIdentity,
    addressCiphertext: sealWithSharedKey(options.sharedKey, nonce, clientIdentity),
    nonce,
    requestUnixTimestamp: Math.floor(options.clock.now() / 1000),
  };
  return {
    type: "authenticateV2",
    ...content,
    requestSignature: ed25519Sign(options.identity.secretKey, authenticateV2SignedBytes(content)),
  };
}

/** What the gateway stores about a registered client (a subset of its client record). */
export interface StoredClientKey {
  /** The shared key from registration. */
  readonly sharedKey: Uint8Array;
  /** Unix seconds of the newest accepted authentication, or `null` if never authenticated. */
  readonly lastAuthentication: number | null;
}

/** Options of {@linkcode verifyAuthenticateV2}. */
export interface VerifyAuthenticateV2Options {
  readonly clock: Clock;
  /**
   * Looks the client up by its base58 address (the `shared_keys` table key); `undefined` or
   * `null` if it never registered.
   */
  readonly lookupClient: (
    address: string,
    identity: Uint8Array,
  ) => StoredClientKey | undefined | null;
  /** Largest accepted |timestamp − now|, in milliseconds. Default 120 s. */
  readonly maxTimestampSkewMs?: number;
}

/** Why an `authenticateV2` was refused, in the order the checks run. */
export type AuthenticationRefusalReason =
  | "incompatible_protocol"
  | "excessive_timestamp_skew"
  | "invalid_signature"
  | "not_registered"
  | "malformed_ciphertext"
  | "request_reuse";

/** An accepted `authenticateV2`. */
export interface AuthenticationSuccess {
  readonly ok: true;
  /** The version for the `authenticate` reply (the client's proposal, echoed). */
  readonly protocolVersion: number;
  readonly clientIdentity: Uint8Array;
  /** base58 of the identity. */
  readonly clientAddress: string;
  readonly sharedKey: Uint8Array;
  /**
   * The request's timestamp (unix seconds). Store it as the new last authentication, and use it
   * as the session start when deciding between duplicate connections.
   */
  readonly requestTimestamp: number;
}

/** A refused `authenticateV2`. */
export interface AuthenticationRefusal {
  readonly ok: false;
  readonly reason: AuthenticationRefusalReason;
  /** Upstream's error text, for `{"type":"error","message":…}`. */
  readonly message: string;
}

function refuse(reason: AuthenticationRefusalReason, message: string): AuthenticationRefusal {
  return { ok: false, reason, message };
}

/**
 * Gateway side: checks an `authenticateV2` request in upstream's order — protocol version,
 * timestamp within the skew of the clock, signature, stored key, address ciphertext (constant
 * time), timestamp strictly newer than the stored one. Never throws for bad input.
 *
 * What remains for the server on success: the duplicate-connection check, storing
 * `requestTimestamp`, pushing stored messages, computing the bandwidth for the
 * `authenticate` reply.
 *
 * @example
 * ```ts
 * import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
 * import { systemRandom } from "../../crypto/random.ts";
 * import { systemClock } from "../../util/clock.ts";
 * import { createAuthenticateV2Request, verifyAuthenticateV2 } from "./authenticate.ts";
 * const sharedKey = new Uint8Array(32).fill(9);
 * const req = createAuthenticateV2Request({
 *   sharedKey, identity: generateEd25519KeyPair(), protocolVersion: 4, clock: systemClock,
 *   random: systemRandom,
 * });
 * const outcome = verifyAuthenticateV2(req, {
 *   clock: systemClock, lookupClient: () => ({ sharedKey, lastAuthentication: null }),
 * });
 * outcome.ok; // true
 * ```
 */
export function verifyAuthenticateV2(
  request: AuthenticateV2Request,
  options: VerifyAuthenticateV2Options,
): AuthenticationSuccess | AuthenticationRefusal {
  let protocolVersion: number;
  try {
    protocolVersion = negotiateAuthenticationVersion(request.protocolVersion);
  } catch (e) {
    if (!(e instanceof IncompatibleProtocolError)) throw e;
    return refuse("incompatible_protocol", e.message);
  }

  // Cheap checks first. Upstream: reject if ts < now − skew or ts − skew > now.
  const nowMs = options.clock.now();
  const skewMs = options.maxTimestampSkewMs ?? DEFAULT_MAX_REQUEST_TIMESTAMP_SKEW_MS;
  const timestampMs = request.requestUnixTimestamp * 1000;
  if (timestampMs < nowMs - skewMs || timestampMs - skewMs > nowMs) {
    return refuse(
      "excessive_timestamp_skew",
      `the provided request timestamp is excessively skewed. got ${request.requestUnixTimestamp} whilst the server time is ${
        Math.floor(nowMs / 1000)
      }`,
    );
  }

  if (
    !ed25519Verify(
      request.clientIdentity,
      authenticateV2SignedBytes(request),
      request.requestSignature,
    )
  ) {
    return refuse("invalid_signature", "failed to verify request signature");
  }

  const clientAddress = encodeBase58(request.clientIdentity);
  const stored = options.lookupClient(clientAddress, request.clientIdentity.slice());
  if (stored === undefined || stored === null) {
    return refuse("not_registered", "the client is not registered");
  }

  // Recompute the ciphertext with the stored key (GCM-SIV is deterministic for a given nonce)
  // and compare in constant time.
  let expected: Uint8Array;
  try {
    expected = sealWithSharedKey(stored.sharedKey, request.nonce, request.clientIdentity);
  } catch (e) {
    if (!(e instanceof SharedKeyError)) throw e;
    return refuse("malformed_ciphertext", e.message);
  }
  if (!constantTimeEqual(expected, request.addressCiphertext)) {
    return refuse("malformed_ciphertext", "failed to verify provided address ciphertext");
  }

  if (
    stored.lastAuthentication !== null &&
    request.requestUnixTimestamp <= stored.lastAuthentication
  ) {
    return refuse(
      "request_reuse",
      "the provided request timestamp is smaller or equal to one previously used",
    );
  }

  return {
    ok: true,
    protocolVersion,
    clientIdentity: request.clientIdentity.slice(),
    clientAddress,
    sharedKey: stored.sharedKey,
    requestTimestamp: request.requestUnixTimestamp,
  };
}
