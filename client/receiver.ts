/**
 * The client receive path (`wire-format.md` §7.4, upstream `received_buffer.rs` and the
 * packet router): a pushed plaintext of 21 bytes is an ack (decrypted with the ack key);
 * anything else is a packet body — a reply if its first 32 bytes are the digest of a reply key
 * we hold (the key is single-use), else a regular packet for our encryption key, or our own
 * loop cover. Fragments are reassembled and whole messages decoded. Pure and synchronous.
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { Clock } from "../util/clock.ts";
import {
  ACK_CONTENT_LENGTH,
  decodeFragment,
  decodePaddedNymMessage,
  decryptAckContent,
  type FragmentIdentifier,
  isCoverFragmentIdentifier,
  MessageError,
  MessageReconstructor,
  type NymMessage,
  openReceivedBody,
} from "../message/mod.ts";
import type { ReplyKeyStore } from "./replies/stores.ts";

/** What a pushed plaintext turned out to be. */
export type ReceivedPacket =
  /** An ack; `cover` for the ack of a loop cover packet. */
  | { readonly kind: "ack"; readonly id: FragmentIdentifier; readonly cover: boolean }
  /** Our own loop cover packet came back. */
  | { readonly kind: "cover" }
  /** A fragment was stored; its message is not complete yet. */
  | { readonly kind: "buffered" }
  /** A fragment we already had (a retransmission whose ack was lost). */
  | { readonly kind: "duplicate" }
  /** A whole message. */
  | { readonly kind: "message"; readonly message: NymMessage }
  /** Undecryptable or unparsable; counted and dropped. */
  | { readonly kind: "malformed"; readonly reason: string };

/** Options of {@linkcode PacketReceiver}. */
export interface PacketReceiverOptions {
  readonly crypto: CryptoProvider;
  readonly encryptionSecretKey: Uint8Array;
  readonly ackKey: Uint8Array;
  readonly replyKeys: ReplyKeyStore;
  readonly clock: Clock;
  /** Largest message reassembled; bigger ones are dropped. */
  readonly maxMessageBytes: number;
}

/**
 * Classifies, decrypts and reassembles pushed plaintexts.
 *
 * @example
 * ```ts no-eval
 * const receiver = new PacketReceiver({ crypto, encryptionSecretKey, ackKey, replyKeys, clock, maxMessageBytes });
 * const result = receiver.handle(plaintext);
 * if (result.kind === "message") deliver(result.message);
 * ```
 */
export class PacketReceiver {
  readonly #crypto: CryptoProvider;
  readonly #secret: Uint8Array;
  readonly #ackKey: Uint8Array;
  readonly #replyKeys: ReplyKeyStore;
  readonly #clock: Clock;
  readonly #reconstructor: MessageReconstructor;

  /** Creates a receiver. */
  constructor(options: PacketReceiverOptions) {
    this.#crypto = options.crypto;
    this.#secret = options.encryptionSecretKey;
    this.#ackKey = options.ackKey;
    this.#replyKeys = options.replyKeys;
    this.#clock = options.clock;
    this.#reconstructor = new MessageReconstructor({
      maxBufferedBytes: Math.max(2 * options.maxMessageBytes, 1 << 20),
    });
  }

  /** Sets being reassembled. */
  get pendingSets(): number {
    return this.#reconstructor.pendingSets;
  }

  /** Handles one pushed plaintext. Never throws for bad input. */
  handle(plaintext: Uint8Array): ReceivedPacket {
    try {
      if (plaintext.length === ACK_CONTENT_LENGTH) {
        const id = decryptAckContent(this.#crypto, this.#ackKey, plaintext);
        return { kind: "ack", id, cover: isCoverFragmentIdentifier(id) };
      }
      const body = openReceivedBody(this.#crypto, plaintext, {
        encryptionSecretKey: this.#secret,
        findReplyKey: (digest) => this.#replyKeys.take(digest),
      });
      if (body.kind === "cover") return { kind: "cover" };
      const fragment = decodeFragment(body.fragment);
      const result = this.#reconstructor.insert(fragment, this.#clock.monotonic());
      switch (result.status) {
        case "complete":
          return { kind: "message", message: decodePaddedNymMessage(result.message) };
        case "buffered":
          return { kind: "buffered" };
        case "duplicate":
        case "alreadyReconstructed":
          return { kind: "duplicate" };
        case "inconsistent":
          return { kind: "malformed", reason: "fragment disagrees with its set" };
        case "tooLarge":
          return { kind: "malformed", reason: "message exceeds the size limit" };
      }
    } catch (e) {
      if (e instanceof MessageError) return { kind: "malformed", reason: e.message };
      throw e;
    }
  }

  /** Drops reassembly buffers idle for 30 minutes; returns how many (upstream: every 10 s). */
  expire(): number {
    return this.#reconstructor.expire(this.#clock.monotonic());
  }
}
