/**
 * Binary WebSocket frames between an authenticated client and its gateway (`nym-node.md` §4.6,
 * `wire-format.md` §4.2; upstream `types/{binary_request,binary_response,helpers}.rs`):
 *
 * ```text
 * kind (1) ‖ encrypted flag (1: 1 = AES-256-GCM-SIV, 0 = plaintext) ‖ nonce (12) ‖ ciphertext (incl. 16-byte tag)
 *
 * client → gateway  kind 1 ForwardSphinx    plaintext = MixPacket v1
 *                   kind 2 ForwardSphinxV2  plaintext = MixPacket v2 (with key_rotation)
 * gateway → client  kind 1 PushedMixMessage plaintext = the final-hop message bytes
 * ```
 *
 * Observed sizes with the real client (`/work/notes/wasm-client.md` §3.5, §3.7): a 2413-byte
 * sphinx packet to an IPv4 first hop is a 2451-byte kind-1 frame (2452 for kind 2); pushed
 * messages of 1643 and 21 bytes are 1673- and 51-byte frames.
 *
 * Encoders always encrypt with a fresh random nonce. Decoders accept the plaintext flag as
 * upstream does; as upstream, a 12-byte nonce field is required even then.
 *
 * @module
 */
import type { RandomSource } from "../../crypto/random.ts";
import { FramingError } from "../../framing/errors.ts";
import {
  type DecodedMixPacket,
  decodeMixPacketV1,
  decodeMixPacketV2,
  encodeMixPacketV1,
  encodeMixPacketV2,
  type MixPacket,
} from "../../framing/mix_packet.ts";
import {
  BinaryFrameDecryptionError,
  InvalidEncryptionFlagError,
  MalformedMixPacketFrameError,
  SharedKeyError,
  TruncatedBinaryFrameError,
  UnknownBinaryKindError,
} from "./errors.ts";
import {
  NONCE_LENGTH,
  openWithSharedKey,
  randomNonce,
  sealWithSharedKey,
  type SharedKeyCipher,
} from "./shared_key.ts";
import { BinaryRequestKind } from "./version.ts";

/** Length of `kind ‖ flag ‖ nonce`. */
export const BINARY_FRAME_HEADER_LENGTH = 2 + NONCE_LENGTH;

/** Binary response kinds a gateway sends. */
export const BinaryResponseKind = {
  /** A message for the client (a reassembly fragment or an ack). */
  PushedMixMessage: 1,
} as const;
/** A binary response kind. */
export type BinaryResponseKind = typeof BinaryResponseKind[keyof typeof BinaryResponseKind];

/** A decoded client request. */
export interface ClientBinaryRequest {
  readonly kind: BinaryRequestKind;
  /** Whether the frame was encrypted (real clients always encrypt). */
  readonly encrypted: boolean;
  /** The MixPacket; its `keyRotation` is Unknown (0) for kind 1. */
  readonly mixPacket: DecodedMixPacket;
}

interface RawFrame {
  readonly kind: number;
  readonly encrypted: boolean;
  readonly nonce: Uint8Array;
  readonly body: Uint8Array;
}

function splitFrame(frame: Uint8Array): RawFrame {
  if (frame.length < 2) throw new TruncatedBinaryFrameError("the request is too short");
  const flag = frame[1];
  if (flag !== 0 && flag !== 1) {
    throw new InvalidEncryptionFlagError("the encryption flag had an unexpected value");
  }
  if (frame.length < BINARY_FRAME_HEADER_LENGTH) {
    throw new TruncatedBinaryFrameError("the request is too short");
  }
  return {
    kind: frame[0],
    encrypted: flag === 1,
    nonce: frame.subarray(2, BINARY_FRAME_HEADER_LENGTH),
    body: frame.subarray(BINARY_FRAME_HEADER_LENGTH),
  };
}

function plaintextOf(
  raw: RawFrame,
  sharedKey: Uint8Array,
  cipher: SharedKeyCipher | undefined,
): Uint8Array {
  if (!raw.encrypted) return raw.body;
  try {
    return openWithSharedKey(sharedKey, raw.nonce, raw.body, cipher);
  } catch (e) {
    if (!(e instanceof SharedKeyError)) throw e;
    throw new BinaryFrameDecryptionError();
  }
}

function seal(
  kind: number,
  plaintext: Uint8Array,
  key: Uint8Array,
  random: RandomSource,
  cipher: SharedKeyCipher | undefined,
): Uint8Array {
  const nonce = randomNonce(random);
  const ciphertext = sealWithSharedKey(key, nonce, plaintext, cipher);
  const out = new Uint8Array(BINARY_FRAME_HEADER_LENGTH + ciphertext.length);
  out[0] = kind;
  out[1] = 1;
  out.set(nonce, 2);
  out.set(ciphertext, BINARY_FRAME_HEADER_LENGTH);
  return out;
}

/**
 * Client side: encrypts a MixPacket as a kind-1 (v1) or kind-2 (v2) request. Pick the kind with
 * `binaryRequestKindFor(negotiatedVersion)`. `cipher` (e.g. the `CryptoProvider`) picks the
 * AES-256-GCM-SIV implementation; default the portable one (`shared_key.ts`).
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { encodeClientBinaryRequest } from "./binary.ts";
 * const frame = encodeClientBinaryRequest(1, {
 *   nextHop: { ip: "127.0.0.11", port: 1789 }, packetType: 0, keyRotation: 0,
 *   packet: new Uint8Array(2413),
 * }, new Uint8Array(32), systemRandom);
 * frame.length; // 2451
 * ```
 * @throws {FramingError} for an invalid MixPacket (from `framing/`).
 * @throws {SharedKeyError} if the key is not 32 bytes.
 */
export function encodeClientBinaryRequest(
  kind: BinaryRequestKind,
  packet: MixPacket,
  sharedKey: Uint8Array,
  random: RandomSource,
  cipher?: SharedKeyCipher,
): Uint8Array {
  const plaintext = kind === BinaryRequestKind.ForwardSphinxV2
    ? encodeMixPacketV2(packet)
    : encodeMixPacketV1(packet);
  return seal(kind, plaintext, sharedKey, random, cipher);
}

/**
 * Gateway side: decodes a client's binary frame into its MixPacket. `cipher` as in
 * {@linkcode encodeClientBinaryRequest}.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { decodeClientBinaryRequest, encodeClientBinaryRequest } from "./binary.ts";
 * const k = new Uint8Array(32);
 * const frame = encodeClientBinaryRequest(2, {
 *   nextHop: { ip: "127.0.0.11", port: 1789 }, packetType: 0, keyRotation: 2,
 *   packet: new Uint8Array(2413),
 * }, k, systemRandom);
 * decodeClientBinaryRequest(frame, k).mixPacket.keyRotation; // 2
 * ```
 * @throws {TruncatedBinaryFrameError} | {InvalidEncryptionFlagError} | {UnknownBinaryKindError}
 * | {BinaryFrameDecryptionError} | {MalformedMixPacketFrameError}
 */
export function decodeClientBinaryRequest(
  frame: Uint8Array,
  sharedKey: Uint8Array,
  cipher?: SharedKeyCipher,
): ClientBinaryRequest {
  const raw = splitFrame(frame);
  if (
    raw.kind !== BinaryRequestKind.ForwardSphinx && raw.kind !== BinaryRequestKind.ForwardSphinxV2
  ) {
    throw new UnknownBinaryKindError("request", raw.kind);
  }
  const plaintext = plaintextOf(raw, sharedKey, cipher);
  let mixPacket: DecodedMixPacket;
  try {
    mixPacket = raw.kind === BinaryRequestKind.ForwardSphinxV2
      ? decodeMixPacketV2(plaintext)
      : decodeMixPacketV1(plaintext);
  } catch (e) {
    if (!(e instanceof FramingError)) throw e;
    throw new MalformedMixPacketFrameError(e.message, { cause: e });
  }
  return { kind: raw.kind, encrypted: raw.encrypted, mixPacket };
}

/**
 * Gateway side: encrypts a message for the client as a `PushedMixMessage` frame. `cipher` as in
 * {@linkcode encodeClientBinaryRequest}.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { encodePushedMixMessage } from "./binary.ts";
 * encodePushedMixMessage(new Uint8Array(1643), new Uint8Array(32), systemRandom).length; // 1673
 * ```
 * @throws {SharedKeyError} if the key is not 32 bytes.
 */
export function encodePushedMixMessage(
  message: Uint8Array,
  sharedKey: Uint8Array,
  random: RandomSource,
  cipher?: SharedKeyCipher,
): Uint8Array {
  return seal(BinaryResponseKind.PushedMixMessage, message, sharedKey, random, cipher);
}

/**
 * Client side: decodes a `PushedMixMessage` frame into the message bytes. `cipher` as in
 * {@linkcode encodeClientBinaryRequest}.
 *
 * @example
 * ```ts
 * import { systemRandom } from "../../crypto/random.ts";
 * import { decodePushedMixMessage, encodePushedMixMessage } from "./binary.ts";
 * const k = new Uint8Array(32);
 * decodePushedMixMessage(encodePushedMixMessage(new Uint8Array(21), k, systemRandom), k).length; // 21
 * ```
 * @throws {TruncatedBinaryFrameError} | {InvalidEncryptionFlagError} | {UnknownBinaryKindError}
 * | {BinaryFrameDecryptionError}
 */
export function decodePushedMixMessage(
  frame: Uint8Array,
  sharedKey: Uint8Array,
  cipher?: SharedKeyCipher,
): Uint8Array {
  const raw = splitFrame(frame);
  if (raw.kind !== BinaryResponseKind.PushedMixMessage) {
    throw new UnknownBinaryKindError("response", raw.kind);
  }
  return plaintextOf(raw, sharedKey, cipher);
}
