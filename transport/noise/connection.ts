/**
 * Noise over a byte stream (a `Deno.Conn` or anything with the same `read`/`write`/`close`):
 * {@linkcode noiseConnect} runs the initiator side of Nym's XKpsk3 handshake, and
 * {@linkcode noiseAccept} the responder side, each under a timeout (1.5 s by default, the
 * upstream `initial_connection_timeout`). Both return a {@linkcode NoiseConnection}: the same
 * `read`/`write`/`close` interface, carrying decrypted bytes in order. Frame boundaries mean
 * nothing to the application (upstream `NoiseStream`, `wire-format.md` §5).
 *
 * Handshake flow (upstream `common/nymnoise/src/stream/mod.rs`): the initiator picks the
 * version (from the directory) and sends it in every frame header; the responder learns the
 * version and pattern from the header of the first frame it receives, refuses anything but a
 * handshake frame with its configured pattern (XKpsk3), derives the PSK for that version from
 * its own public key, and from then on requires every frame, handshake or data, to carry the
 * same version and pattern.
 *
 * Every handshake is independent: no shared state, no locks, so a stalled peer only ties up
 * its own connection until its timeout. Failures reject with a {@linkcode NoiseError} and
 * close the stream (so the caller must not close it again: `Deno.Conn.close()` would throw).
 * On success the returned connection owns the stream; close that instead.
 *
 * @module
 */
import type { CryptoProvider } from "../../crypto/provider.ts";
import type { RandomSource } from "../../crypto/random.ts";
import type { NoiseAead } from "./aead.ts";
import {
  checkHandshakeFrame,
  type NegotiatedNoiseParameters,
  openNoiseDataFrame,
  sealNoiseDataFrames,
} from "./data_frames.ts";
import {
  NoiseArgumentError,
  NoiseConnectionClosedError,
  NoiseError,
  NoiseHandshakeTimeoutError,
  NoiseIoError,
  NoiseStateError,
  NoiseWriteQueueFullError,
  UnexpectedNoiseFrameError,
} from "./errors.ts";
import {
  encodeNoiseFrame,
  type NoiseFrame,
  NoiseFrameDecoder,
  NoiseMessageType,
  NoisePattern,
  type NoisePatternId,
} from "./frame.ts";
import { XKpsk3Handshake } from "./handshake.ts";
import type { X25519KeyPair } from "./keys.ts";
import { deriveNymNoisePsk, LATEST_NOISE_VERSION } from "./psk.ts";
import { NOISE_MAX_PLAINTEXT_LENGTH, type NoiseTransportState } from "./transport_state.ts";

/** The minimal byte-stream interface; `Deno.Conn` satisfies it. */
export interface ByteStream {
  /** Reads into `p`; resolves with the byte count, or `null` at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some prefix of `p`; resolves with how many bytes were written. */
  write(p: Uint8Array): Promise<number>;
  /** Closes the stream; pending reads end. */
  close(): void;
}

/** Upstream's default handshake timeout (`initial_connection_timeout`, 1.5 s). */
export const DEFAULT_NOISE_HANDSHAKE_TIMEOUT_MS = 1500;
/** Default bound on bytes accepted by `write()` calls that have not been sent yet. */
export const DEFAULT_MAX_QUEUED_WRITE_BYTES = 8 * 1024 * 1024;

/** Plaintext sealed per underlying `write` when a large write is split (16 full frames). */
const SEAL_BATCH_BYTES = 16 * NOISE_MAX_PLAINTEXT_LENGTH;
/** Bounds on the bytes requested from the underlying stream per read. */
const READ_CHUNK_MIN_BYTES = 16384;
const READ_CHUNK_MAX_BYTES = 65536;

/** Options common to both sides. */
export interface NoiseCommonOptions {
  /** This node's static X25519 key pair (its Noise key). */
  readonly localStaticKeyPair: X25519KeyPair;
  /** X25519, SHA-256, HMAC. */
  readonly crypto: CryptoProvider;
  /** Randomness for the ephemeral key. */
  readonly random: RandomSource;
  /**
   * AES-256-GCM implementation. Pass one `createNoiseAead()` made at startup (libsodium when
   * available, ≈10× faster); when omitted, `node:crypto` is used.
   */
  readonly aead?: NoiseAead;
  /** Handshake deadline in milliseconds; {@linkcode DEFAULT_NOISE_HANDSHAKE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Bound on queued, unsent write bytes; {@linkcode DEFAULT_MAX_QUEUED_WRITE_BYTES}. */
  readonly maxQueuedWriteBytes?: number;
}

/** Options of {@linkcode noiseConnect}. */
export interface NoiseConnectOptions extends NoiseCommonOptions {
  /** The responder's announced static X25519 public key. */
  readonly responderStaticPublicKey: Uint8Array;
  /**
   * Noise version to run (default {@linkcode LATEST_NOISE_VERSION}); use the one chosen by
   * `decideInitiatorTransport`, which already downgrades unknown versions.
   */
  readonly version?: number;
}

/** Options of {@linkcode noiseAccept}. */
export type NoiseAcceptOptions = NoiseCommonOptions;

/** An established Noise session over a byte stream. */
export interface NoiseConnection extends ByteStream {
  /** The negotiated Noise version. */
  readonly version: number;
  /** The negotiated pattern (XKpsk3). */
  readonly pattern: NoisePatternId;
  /** The final handshake hash (channel binding). */
  readonly handshakeHash: Uint8Array;
  /** The peer's static public key (authenticated by the handshake). */
  readonly remoteStaticPublicKey: Uint8Array;
  /**
   * Reads decrypted bytes into `p`. Resolves `null` at end of stream or after `close()`;
   * rejects with a {@linkcode NoiseError} (tampered/undecryptable frame, protocol violation,
   * I/O failure, stream ending inside a frame), after which every read rejects the same way.
   */
  read(p: Uint8Array): Promise<number | null>;
  /**
   * Encrypts and sends all of `p` (split into frames of at most 65519 plaintext bytes),
   * resolving with `p.length` once written. Writes are sent in call order. `p` must not be
   * modified until the promise settles. Rejects with {@linkcode NoiseWriteQueueFullError}
   * when the bytes already queued plus `p` would exceed `maxQueuedWriteBytes` (a write to an
   * idle connection is always accepted), and with a {@linkcode NoiseError} once the stream
   * failed or was closed.
   */
  write(p: Uint8Array): Promise<number>;
  /** Closes the underlying stream; idempotent. */
  close(): void;
}

function toNoiseError(e: unknown, operation: string): NoiseError {
  return e instanceof NoiseError ? e : new NoiseIoError(`${operation} failed`, e);
}

function closeQuietly(stream: ByteStream): void {
  try {
    stream.close();
  } catch {
    // Already closed: nothing to release.
  }
}

async function writeAll(stream: ByteStream, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    let n: number;
    try {
      n = await stream.write(bytes.subarray(offset));
    } catch (e) {
      throw new NoiseIoError("write to the underlying stream failed", e);
    }
    if (!Number.isInteger(n) || n <= 0) {
      throw new NoiseIoError("the underlying stream accepted no bytes", n);
    }
    offset += n;
  }
}

/** Pulls frames from a stream through a bounded {@linkcode NoiseFrameDecoder}. */
class FrameReader {
  readonly #stream: ByteStream;
  readonly #decoder = new NoiseFrameDecoder();

  constructor(stream: ByteStream) {
    this.#stream = stream;
  }

  /** The next frame, or `null` at a clean end of stream (between frames). */
  async next(): Promise<NoiseFrame | null> {
    for (;;) {
      const frame = this.#decoder.next();
      if (frame !== null) return frame;
      // Read straight into the decoder: at least what the current frame still needs (so a
      // large frame arrives in few reads), at least 16 KiB, at most 64 KiB. With less than one
      // whole frame buffered the decoder always has that much room.
      const want = Math.min(
        READ_CHUNK_MAX_BYTES,
        Math.max(READ_CHUNK_MIN_BYTES, this.#decoder.bytesNeeded),
      );
      const region = this.#decoder.reserve(want);
      if (region.length === 0) throw new NoiseStateError("noise frame buffer unexpectedly full");
      let n: number | null;
      try {
        n = await this.#stream.read(region);
      } catch (e) {
        throw new NoiseIoError("read from the underlying stream failed", e);
      }
      if (n === null) {
        if (this.#decoder.hasPartialFrame) {
          throw new NoiseConnectionClosedError("stream ended in the middle of a noise frame");
        }
        return null;
      }
      this.#decoder.commit(n);
    }
  }
}

function checkTimeout(timeoutMs: number | undefined): number {
  const t = timeoutMs ?? DEFAULT_NOISE_HANDSHAKE_TIMEOUT_MS;
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
    throw new NoiseArgumentError(`timeoutMs must be a positive number, got ${t}`);
  }
  return t;
}

function checkQueueBound(max: number | undefined): number {
  const m = max ?? DEFAULT_MAX_QUEUED_WRITE_BYTES;
  if (!Number.isInteger(m) || m <= 0) {
    throw new NoiseArgumentError(`maxQueuedWriteBytes must be a positive integer, got ${m}`);
  }
  return m;
}

/** Runs `body` under the deadline; on any failure closes `stream` and rejects typed. */
async function runHandshake<T>(
  stream: ByteStream,
  timeoutMs: number | undefined,
  body: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let work: Promise<T> | undefined;
  try {
    const deadline = checkTimeout(timeoutMs);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NoiseHandshakeTimeoutError(deadline)), deadline);
    });
    work = body();
    return await Promise.race([work, timeout]);
  } catch (e) {
    closeQuietly(stream);
    // After a timeout the handshake's pending read fails once the stream is closed.
    work?.catch(() => {});
    throw toNoiseError(e, "noise handshake");
  } finally {
    clearTimeout(timer);
  }
}

async function readHandshakeFrame(reader: FrameReader): Promise<NoiseFrame> {
  const frame = await reader.next();
  if (frame === null) {
    throw new NoiseConnectionClosedError("peer closed the stream during the noise handshake");
  }
  return frame;
}

/**
 * Runs the initiator side of the XKpsk3 handshake over `stream` and returns the encrypted
 * connection. On failure (timeout, tampering, wrong responder key or PSK, unknown version,
 * I/O error) rejects with a {@linkcode NoiseError} and closes `stream`.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../../crypto/mod.ts";
 * import { generateX25519KeyPair, noiseConnect } from "./mod.ts";
 * const crypto = createCryptoProvider();
 * const responderKey = new Uint8Array(32); // from the directory
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: 1789 });
 * const noise = await noiseConnect(conn, {
 *   responderStaticPublicKey: responderKey,
 *   localStaticKeyPair: generateX25519KeyPair(crypto, systemRandom),
 *   crypto, random: systemRandom,
 * });
 * await noise.write(new TextEncoder().encode("hello"));
 * noise.close();
 * ```
 */
export function noiseConnect(
  stream: ByteStream,
  options: NoiseConnectOptions,
): Promise<NoiseConnection> {
  return runHandshake(stream, options.timeoutMs, async () => {
    const maxQueued = checkQueueBound(options.maxQueuedWriteBytes);
    const version = options.version ?? LATEST_NOISE_VERSION;
    const psk = deriveNymNoisePsk(options.crypto, options.responderStaticPublicKey, version);
    const negotiated = { version, pattern: NoisePattern.XKpsk3 } as const;
    const handshake = XKpsk3Handshake.initiator({
      crypto: options.crypto,
      random: options.random,
      aead: options.aead,
      localStaticKeyPair: options.localStaticKeyPair,
      remoteStaticPublicKey: options.responderStaticPublicKey,
      psk,
    });
    const reader = new FrameReader(stream);
    await writeAll(stream, handshakeFrame(negotiated, handshake.writeMessage()));
    const second = await readHandshakeFrame(reader);
    checkHandshakeFrame(second, negotiated);
    handshake.readMessage(second.data);
    await writeAll(stream, handshakeFrame(negotiated, handshake.writeMessage()));
    return new NoiseSession(
      stream,
      reader,
      handshake.intoTransport(),
      negotiated,
      handshake.remoteStaticPublicKey!,
      maxQueued,
    );
  });
}

/**
 * Runs the responder side of the XKpsk3 handshake over an accepted `stream`: the version is
 * taken from the first frame's header. On failure rejects with a {@linkcode NoiseError} and
 * closes `stream`.
 *
 * @example
 * ```ts
 * import { createCryptoProvider, systemRandom } from "../../crypto/mod.ts";
 * import { generateX25519KeyPair, noiseAccept } from "./mod.ts";
 * const crypto = createCryptoProvider();
 * const keys = generateX25519KeyPair(crypto, systemRandom);
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await listener.accept();
 * const noise = await noiseAccept(conn, { localStaticKeyPair: keys, crypto, random: systemRandom });
 * const buf = new Uint8Array(1024);
 * await noise.read(buf);
 * noise.close();
 * ```
 */
export function noiseAccept(
  stream: ByteStream,
  options: NoiseAcceptOptions,
): Promise<NoiseConnection> {
  return runHandshake(stream, options.timeoutMs, async () => {
    const maxQueued = checkQueueBound(options.maxQueuedWriteBytes);
    const reader = new FrameReader(stream);
    const first = await readHandshakeFrame(reader);
    if (first.header.messageType !== NoiseMessageType.Handshake) {
      throw new UnexpectedNoiseFrameError(
        "non-handshake-during-handshake",
        "the first frame is not a handshake frame",
      );
    }
    if (first.header.pattern !== NoisePattern.XKpsk3) {
      throw new UnexpectedNoiseFrameError(
        "pattern-mismatch",
        `configured for XKpsk3 (1), initiator requested pattern ${first.header.pattern}`,
      );
    }
    const negotiated = { version: first.header.version, pattern: NoisePattern.XKpsk3 } as const;
    const psk = deriveNymNoisePsk(
      options.crypto,
      options.localStaticKeyPair.publicKey,
      negotiated.version,
    );
    const handshake = XKpsk3Handshake.responder({
      crypto: options.crypto,
      random: options.random,
      aead: options.aead,
      localStaticKeyPair: options.localStaticKeyPair,
      psk,
    });
    handshake.readMessage(first.data);
    await writeAll(stream, handshakeFrame(negotiated, handshake.writeMessage()));
    const third = await readHandshakeFrame(reader);
    checkHandshakeFrame(third, negotiated);
    handshake.readMessage(third.data);
    return new NoiseSession(
      stream,
      reader,
      handshake.intoTransport(),
      negotiated,
      handshake.remoteStaticPublicKey!,
      maxQueued,
    );
  });
}

function handshakeFrame(negotiated: NegotiatedNoiseParameters, message: Uint8Array): Uint8Array {
  return encodeNoiseFrame(
    negotiated.version,
    negotiated.pattern,
    NoiseMessageType.Handshake,
    message,
  );
}

const EMPTY = new Uint8Array(0);

/** The {@linkcode NoiseConnection} implementation. */
class NoiseSession implements NoiseConnection {
  readonly version: number;
  readonly pattern: NoisePatternId;
  readonly #handshakeHash: Uint8Array;
  readonly #remoteStatic: Uint8Array;
  readonly #stream: ByteStream;
  readonly #reader: FrameReader;
  readonly #transport: NoiseTransportState;
  readonly #negotiated: NegotiatedNoiseParameters;
  readonly #maxQueued: number;
  #plain: Uint8Array = EMPTY;
  #plainOffset = 0;
  #readChain: Promise<unknown> = Promise.resolve();
  #writeChain: Promise<unknown> = Promise.resolve();
  #queuedBytes = 0;
  #readError: NoiseError | null = null;
  #writeError: NoiseError | null = null;
  #eof = false;
  #closed = false;

  constructor(
    stream: ByteStream,
    reader: FrameReader,
    transport: NoiseTransportState,
    negotiated: NegotiatedNoiseParameters,
    remoteStatic: Uint8Array,
    maxQueued: number,
  ) {
    this.#stream = stream;
    this.#reader = reader;
    this.#transport = transport;
    this.#negotiated = negotiated;
    this.version = negotiated.version;
    this.pattern = negotiated.pattern;
    this.#handshakeHash = transport.handshakeHash;
    this.#remoteStatic = remoteStatic;
    this.#maxQueued = maxQueued;
  }

  get handshakeHash(): Uint8Array {
    return this.#handshakeHash.slice();
  }

  get remoteStaticPublicKey(): Uint8Array {
    return this.#remoteStatic.slice();
  }

  read(p: Uint8Array): Promise<number | null> {
    // Concurrent reads are served one after another so plaintext is handed out in order.
    const result = this.#readChain.then(() => this.#readOnce(p));
    this.#readChain = result.catch(() => {});
    return result;
  }

  async #readOnce(p: Uint8Array): Promise<number | null> {
    if (p.length === 0) return 0;
    for (;;) {
      const available = this.#plain.length - this.#plainOffset;
      if (available > 0) {
        const n = Math.min(available, p.length);
        p.set(this.#plain.subarray(this.#plainOffset, this.#plainOffset + n));
        this.#plainOffset += n;
        return n;
      }
      if (this.#closed || this.#eof) return null;
      if (this.#readError !== null) throw this.#readError;
      try {
        const frame = await this.#reader.next();
        if (frame === null) {
          this.#eof = true;
          return null;
        }
        // Only one frame's plaintext (≤ 65519 bytes) is ever buffered: the next frame is
        // decrypted only once this one has been handed out.
        this.#plain = openNoiseDataFrame(this.#transport, frame, this.#negotiated);
        this.#plainOffset = 0;
      } catch (e) {
        if (this.#closed) return null;
        this.#readError = toNoiseError(e, "noise read");
        throw this.#readError;
      }
    }
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new NoiseStateError("noise connection is closed"));
    if (this.#writeError !== null) return Promise.reject(this.#writeError);
    if (p.length === 0) return Promise.resolve(0);
    if (this.#queuedBytes > 0 && this.#queuedBytes + p.length > this.#maxQueued) {
      return Promise.reject(new NoiseWriteQueueFullError(this.#maxQueued));
    }
    this.#queuedBytes += p.length;
    const result = this.#writeChain
      .then(() => this.#writeNow(p))
      .catch((e) => {
        const error = toNoiseError(e, "noise write");
        this.#writeError ??= error;
        throw error;
      })
      .finally(() => {
        this.#queuedBytes -= p.length;
      });
    this.#writeChain = result.catch(() => {});
    return result;
  }

  async #writeNow(p: Uint8Array): Promise<number> {
    if (this.#writeError !== null) throw this.#writeError;
    if (this.#closed) throw new NoiseStateError("noise connection is closed");
    // Sealing happens in FIFO order here, so nonces follow the order of write() calls.
    for (let offset = 0; offset < p.length; offset += SEAL_BATCH_BYTES) {
      const wire = sealNoiseDataFrames(
        this.#transport,
        p.subarray(offset, offset + SEAL_BATCH_BYTES),
        this.#negotiated,
      );
      await writeAll(this.#stream, wire);
    }
    return p.length;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#stream);
  }
}
