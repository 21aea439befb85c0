/**
 * What the gateway does with a packet that reached its final Sphinx hop here
 * (`nym-node.md` §3.4 step 6, §4.10, `wire-format.md` §7.3): recover the plaintext, split off and
 * forward the SURB-ack at once, and deliver the rest to the connected client — or to its
 * mailbox when it is offline or too slow.
 *
 * @module
 */
import { encodeBase58 } from "../crypto/base58.ts";
import type { FrameVersion, NymNodeRoutingAddress } from "../framing/mod.ts";
import { recoverPlaintext, SphinxError } from "../sphinx/mod.ts";
import { MessageError, splitFinalHopPayload } from "../message/mod.ts";
import type { FinalHopDelivery } from "../mixing/pipeline.ts";
import type { FrameInit } from "../framing/mod.ts";
import type { ActiveClients } from "./active_clients.ts";
import type { MailboxWriter } from "./mailbox_writer.ts";

/** Counters of final-hop handling. */
export interface FinalHopCounters {
  deliveredLive: number;
  stored: number;
  storedBecauseBusy: number;
  acksForwarded: number;
  malformed: number;
}

/** What {@linkcode FinalHopRouter} needs. */
export interface FinalHopRouterOptions {
  readonly clients: ActiveClients;
  readonly mailbox: MailboxWriter;
  /** Sends a SURB-ack on towards its first hop. */
  readonly sendAck: (address: NymNodeRoutingAddress, frame: FrameInit) => boolean;
  readonly egressFrameVersion: () => FrameVersion;
}

/** Routes final-hop packets to clients. */
export class FinalHopRouter {
  readonly counters: FinalHopCounters = {
    deliveredLive: 0,
    stored: 0,
    storedBecauseBusy: 0,
    acksForwarded: 0,
    malformed: 0,
  };
  readonly #o: FinalHopRouterOptions;

  /**
   * Creates a router.
   *
   * @example
   * ```ts no-eval
   * mixnet.setFinalHopHandler((d) => router.handle(d));
   * ```
   */
  constructor(options: FinalHopRouterOptions) {
    this.#o = options;
  }

  /** Handles one final-hop packet. Never throws on bad payloads (they are counted). */
  handle(delivery: FinalHopDelivery): void {
    let split;
    try {
      split = splitFinalHopPayload(
        recoverPlaintext(delivery.payload),
        delivery.packetSize,
        delivery.packetType,
      );
    } catch (e) {
      if (e instanceof SphinxError || e instanceof MessageError) {
        this.counters.malformed++;
        return;
      }
      throw e;
    }
    // The ack goes on at once and without delay, with the carrying packet's type and rotation
    // (`wire-format.md` §4.1); like nym-node, it is sent whatever happens to the message.
    if (split.kind === "message") {
      const sent = this.#o.sendAck(split.ackFirstHop, {
        version: this.#o.egressFrameVersion(),
        packetType: delivery.packetType,
        keyRotation: delivery.keyRotation,
        packet: split.ackPacket.slice(),
      });
      if (sent) this.counters.acksForwarded++;
    }
    const message = split.kind === "ack" ? split.content.slice() : split.message.slice();
    const address = encodeBase58(delivery.destination);
    const client = this.#o.clients.get(address);
    if (client) {
      if (client.deliver(message) === "delivered") {
        this.counters.deliveredLive++;
        return;
      }
      this.counters.storedBecauseBusy++;
    }
    if (this.#o.mailbox.enqueue({ clientAddress: address, content: message })) {
      this.counters.stored++;
    }
  }
}
