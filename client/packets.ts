/**
 * Building the packets a client sends (`wire-format.md` §7–§8, upstream `nymsphinx/preparer`
 * and `cover`): real fragments to a recipient, replies through a received SURB, loop cover to
 * ourselves, and reply SURBs for anonymous messages. Every real packet carries a SURB-ack whose
 * fresh route ends at our own gateway. Routes are drawn at build time, so a retransmission
 * always takes a new route. Pure; the topology is read through a callback so it can change.
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import type { MixPacket } from "../framing/mix_packet.ts";
import { packetPlaintextLength, PacketSize } from "../framing/packet_size.ts";
import { PacketType } from "../framing/packet_type.ts";
import {
  buildDataPacket,
  buildLoopCoverPlaintext,
  buildRegularPlaintext,
  buildReplyPlaintext,
  buildSurbAck,
  COVER_FRAGMENT_IDENTIFIER,
  createReplySurb,
  encodeFragment,
  type Fragment,
  fragmentIdentifier,
  type Recipient,
  REPLY_KEY_LENGTH,
  type ReplySurbList,
  sphinxVersionFor,
  surbAckBuilder,
  useReplySurb,
} from "../message/mod.ts";
import { TopologyError } from "./errors.ts";
import type { ClientKeys } from "./keys.ts";
import type { ReceivedSurb } from "./replies/stores.ts";
import type { NymTopology } from "./topology/topology.ts";

/** What the builder needs. */
export interface PacketBuilderOptions {
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  readonly keys: ClientKeys;
  /** Our address (its gateway is where acks, cover and reply SURBs come back to). */
  readonly address: Recipient;
  /** The current topology, or `null` while none is usable. */
  readonly topology: () => NymTopology | null;
  /** Mean per-hop delay of data packets and reply SURBs, ms. */
  readonly averagePacketDelayMs: number;
  /** Mean per-hop delay of ack packets, ms. */
  readonly averageAckDelayMs: number;
  /** 258/V1 instead of 259/V2. */
  readonly useLegacySphinxFormat: boolean;
  /** Size of loop cover packets. */
  readonly coverPacketSize?: PacketSize;
}

/** A built packet and the mixing delay its forward and ack routes add, for the ack timer. */
export interface BuiltPacket {
  readonly mixPacket: MixPacket;
  /** Forward route delay plus ack route delay, ms. */
  readonly totalDelayMs: number;
  /** The forward route's sampled mixing delay, ms (an estimate for replies). */
  readonly forwardDelayMs: number;
}

/**
 * Builds a client's packets.
 *
 * @example
 * ```ts no-eval
 * const builder = new PacketBuilder({ crypto, random, keys, address, topology: () => topology,
 *   averagePacketDelayMs: 15, averageAckDelayMs: 15, useLegacySphinxFormat: false });
 * const { mixPacket } = builder.realPacket(fragment, recipient);
 * ```
 */
export class PacketBuilder {
  readonly #o: PacketBuilderOptions;
  readonly #version: number;

  /** Creates a builder. */
  constructor(options: PacketBuilderOptions) {
    this.#o = options;
    this.#version = sphinxVersionFor(options.useLegacySphinxFormat);
  }

  #topology(): NymTopology {
    const topology = this.#o.topology();
    if (topology === null) {
      throw new TopologyError("no usable network topology is loaded (nym-api is unreachable?)");
    }
    return topology;
  }

  #ackBuilder(topology: NymTopology) {
    const o = this.#o;
    return surbAckBuilder(o.crypto, o.random, {
      ownIdentity: o.address.identity,
      ackRoute: () => topology.randomRoute(o.random, o.address.gateway),
      version: this.#version,
      averageDelayMs: o.averageAckDelayMs,
    });
  }

  /**
   * A real fragment for `recipient`.
   *
   * @throws {TopologyError} without a topology or route.
   */
  realPacket(fragment: Fragment, recipient: Recipient): BuiltPacket {
    const o = this.#o;
    const topology = this.#topology();
    const ack = buildSurbAck(
      o.crypto,
      o.random,
      o.keys.ackKey,
      fragmentIdentifier(fragment),
      PacketType.Mix,
      this.#ackBuilder(topology),
    );
    const { plaintext, packetSize } = buildRegularPlaintext(o.crypto, o.random, {
      surbAck: ack.bytes,
      recipientEncryptionKey: recipient.encryptionKey,
      fragment: encodeFragment(fragment),
      packetType: PacketType.Mix,
    });
    const built = buildDataPacket(o.crypto, o.random, {
      plaintext,
      packetSize,
      route: topology.randomRoute(o.random, recipient.gateway),
      recipientIdentity: recipient.identity,
      keyRotation: topology.keyRotation,
      version: this.#version,
      averageDelayMs: o.averagePacketDelayMs,
    });
    return {
      mixPacket: built.mixPacket,
      totalDelayMs: (built.expectedDelayNanos + ack.expectedDelayNanos) / 1e6,
      forwardDelayMs: built.expectedDelayNanos / 1e6,
    };
  }

  /**
   * A reply fragment sent with `surb`. Its forward delay is hidden in the SURB, so the ack timer
   * uses `3 × average packet delay` as upstream does.
   *
   * @throws {TopologyError} without a topology; a message-layer error for a bad SURB.
   */
  replyPacket(fragment: Fragment, surb: ReceivedSurb): BuiltPacket {
    const o = this.#o;
    const topology = this.#topology();
    const ack = buildSurbAck(
      o.crypto,
      o.random,
      o.keys.ackKey,
      fragmentIdentifier(fragment),
      PacketType.Mix,
      this.#ackBuilder(topology),
    );
    const { plaintext, packetSize } = buildReplyPlaintext(o.crypto, {
      surbAck: ack.bytes,
      replyKey: surb.bytes.subarray(0, REPLY_KEY_LENGTH),
      fragment: encodeFragment(fragment),
    });
    const built = useReplySurb(o.crypto, surb.bytes, plaintext, packetSize, surb.keyRotation);
    return {
      mixPacket: built.mixPacket,
      totalDelayMs: 3 * o.averagePacketDelayMs + ack.expectedDelayNanos / 1e6,
      forwardDelayMs: 3 * o.averagePacketDelayMs,
    };
  }

  /**
   * A loop cover packet: to ourselves, with a SURB-ack for the cover fragment id.
   *
   * @throws {TopologyError} without a topology.
   */
  coverPacket(): MixPacket {
    const o = this.#o;
    const topology = this.#topology();
    const size = o.coverPacketSize ?? PacketSize.Regular;
    const ack = buildSurbAck(
      o.crypto,
      o.random,
      o.keys.ackKey,
      COVER_FRAGMENT_IDENTIFIER,
      PacketType.Mix,
      this.#ackBuilder(topology),
    );
    const plaintext = buildLoopCoverPlaintext(o.crypto, o.random, {
      surbAck: ack.bytes,
      ownEncryptionKey: o.keys.encryption.publicKey,
      packetSize: size,
    });
    if (plaintext.length !== packetPlaintextLength(size)) throw new RangeError("cover size");
    return buildDataPacket(o.crypto, o.random, {
      plaintext,
      packetSize: size,
      route: topology.randomRoute(o.random, o.address.gateway),
      recipientIdentity: o.address.identity,
      keyRotation: topology.keyRotation,
      version: this.#version,
      averageDelayMs: o.averagePacketDelayMs,
    }).mixPacket;
  }

  /**
   * `count` reply SURBs leading back to us, and their reply keys (to remember).
   *
   * @throws {TopologyError} without a topology.
   */
  replySurbs(count: number): { list: ReplySurbList; replyKeys: Uint8Array[] } {
    const o = this.#o;
    const topology = this.#topology();
    const surbs: Uint8Array[] = [];
    const replyKeys: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const surb = createReplySurb(o.crypto, o.random, {
        route: topology.randomRoute(o.random, o.address.gateway),
        ownIdentity: o.address.identity,
        version: this.#version,
        averageDelayMs: o.averagePacketDelayMs,
      });
      surbs.push(surb.bytes);
      replyKeys.push(surb.replyKey);
    }
    return {
      list: {
        version: o.useLegacySphinxFormat ? 1 : 2,
        keyRotation: o.useLegacySphinxFormat ? 0 : topology.keyRotation,
        surbs,
      },
      replyKeys,
    };
  }
}

/**
 * The SURBs of a received list, tagged with the list's key rotation.
 *
 * @example
 * ```ts
 * import { receivedSurbs } from "./packets.ts";
 * receivedSurbs({ version: 2, keyRotation: 2, surbs: [new Uint8Array(460)] })[0].keyRotation; // 2
 * ```
 */
export function receivedSurbs(list: ReplySurbList): ReceivedSurb[] {
  return list.surbs.map((bytes) => ({ bytes, keyRotation: list.keyRotation }));
}
