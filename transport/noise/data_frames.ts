/**
 * Frame-level rules of a Nym Noise session (`wire-format.md` §5): splitting application writes
 * into data frames of at most 65535 − 16 plaintext bytes, and checking that every received
 * frame has the type the session phase expects and the negotiated version and pattern
 * (upstream `validate_data_frame` / `recv_handshake_msg`). Pure and synchronous.
 *
 * @module
 */
import { NOISE_TAG_LENGTH } from "./aead.ts";
import { UnexpectedNoiseFrameError } from "./errors.ts";
import {
  NOISE_FRAME_HEADER_LENGTH,
  type NoiseFrame,
  NoiseMessageType,
  type NoisePatternId,
  writeNoiseFrameHeader,
} from "./frame.ts";
import { NOISE_MAX_PLAINTEXT_LENGTH, type NoiseTransportState } from "./transport_state.ts";

/** The version and pattern fixed by the first handshake frame. */
export interface NegotiatedNoiseParameters {
  /** Noise version (1). */
  readonly version: number;
  /** Handshake pattern byte. */
  readonly pattern: NoisePatternId;
}

/**
 * Checks a frame received during the handshake: it must be a handshake frame with the
 * negotiated version and pattern; throws {@linkcode UnexpectedNoiseFrameError} otherwise.
 *
 * @example
 * ```ts
 * import { checkHandshakeFrame } from "./data_frames.ts";
 * const header = { version: 1, pattern: 1, messageType: 0, length: 0 } as const;
 * checkHandshakeFrame({ header, data: new Uint8Array() }, { version: 1, pattern: 1 }); // ok
 * ```
 */
export function checkHandshakeFrame(frame: NoiseFrame, expected: NegotiatedNoiseParameters): void {
  if (frame.header.messageType !== NoiseMessageType.Handshake) {
    throw new UnexpectedNoiseFrameError(
      "non-handshake-during-handshake",
      "received a data frame before the handshake finished",
    );
  }
  checkVersionAndPattern(frame, expected);
}

function checkVersionAndPattern(frame: NoiseFrame, expected: NegotiatedNoiseParameters): void {
  if (frame.header.version !== expected.version) {
    throw new UnexpectedNoiseFrameError(
      "version-changed",
      `negotiated version ${expected.version}, frame has ${frame.header.version}`,
    );
  }
  if (frame.header.pattern !== expected.pattern) {
    throw new UnexpectedNoiseFrameError(
      "pattern-mismatch",
      `negotiated pattern ${expected.pattern}, frame has ${frame.header.pattern}`,
    );
  }
}

/**
 * Encrypts `plaintext` into consecutive data frames of at most 65519 plaintext bytes each and
 * returns them concatenated, ready to write. An empty plaintext yields no frames (nothing to
 * send). Frame boundaries carry no meaning for the application.
 *
 * @example
 * ```ts
 * import { sealNoiseDataFrames } from "./data_frames.ts";
 * import type { NoiseTransportState } from "./transport_state.ts";
 * declare const session: NoiseTransportState;
 * const wire = sealNoiseDataFrames(session, new Uint8Array(100_000), { version: 1, pattern: 1 });
 * wire.length; // 100_000 + 2 * (8 + 16): two frames
 * ```
 */
export function sealNoiseDataFrames(
  transport: NoiseTransportState,
  plaintext: Uint8Array,
  negotiated: NegotiatedNoiseParameters,
): Uint8Array {
  const frames = Math.ceil(plaintext.length / NOISE_MAX_PLAINTEXT_LENGTH);
  const out = new Uint8Array(
    plaintext.length + frames * (NOISE_FRAME_HEADER_LENGTH + NOISE_TAG_LENGTH),
  );
  let offset = 0;
  for (let start = 0; start < plaintext.length; start += NOISE_MAX_PLAINTEXT_LENGTH) {
    const chunk = plaintext.subarray(start, start + NOISE_MAX_PLAINTEXT_LENGTH);
    const message = transport.encrypt(chunk);
    writeNoiseFrameHeader(
      {
        version: negotiated.version,
        pattern: negotiated.pattern,
        messageType: NoiseMessageType.Data,
        length: message.length,
      },
      out,
      offset,
    );
    out.set(message, offset + NOISE_FRAME_HEADER_LENGTH);
    offset += NOISE_FRAME_HEADER_LENGTH + message.length;
  }
  return out;
}

/**
 * Validates a frame received after the handshake and decrypts it. Throws
 * {@linkcode UnexpectedNoiseFrameError} for a handshake frame or a changed version/pattern,
 * `NoiseMessageLengthError` for data shorter than a tag, `NoiseDecryptError` for a bad tag.
 *
 * @example
 * ```ts
 * import { openNoiseDataFrame } from "./data_frames.ts";
 * import type { NoiseFrame } from "./frame.ts";
 * import type { NoiseTransportState } from "./transport_state.ts";
 * declare const session: NoiseTransportState;
 * declare const frame: NoiseFrame;
 * const plaintext = openNoiseDataFrame(session, frame, { version: 1, pattern: 1 });
 * ```
 */
export function openNoiseDataFrame(
  transport: NoiseTransportState,
  frame: NoiseFrame,
  negotiated: NegotiatedNoiseParameters,
): Uint8Array {
  if (frame.header.messageType !== NoiseMessageType.Data) {
    throw new UnexpectedNoiseFrameError(
      "non-data-after-handshake",
      "received a handshake frame after the handshake finished",
    );
  }
  checkVersionAndPattern(frame, negotiated);
  return transport.decrypt(frame.data);
}
