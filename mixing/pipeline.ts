/**
 * The mixnet packet pipeline (`nym-node.md` §3.4): decoded frames → unwrap (worker pool, replay
 * filter) → forward-hop packets wait out their delay and go to the next hop, final-hop packets go
 * to the gateway role, everything else is dropped with a reason.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  decodeRoutingAddress,
  type Frame,
  type FrameInit,
  type FrameVersion,
  type KeyRotation,
  type NymNodeRoutingAddress,
  type PacketSize,
  PacketType,
} from "../framing/mod.ts";
import type { MixingMetrics } from "./metrics.ts";
import type { NetworkView } from "./topology.ts";
import type { PacketForwarder } from "./forwarder.ts";
import { DelayScheduler } from "./scheduler.ts";
import type { UnwrapPool } from "./unwrap_pool.ts";

/** A packet that reached its final Sphinx hop at this node. */
export interface FinalHopDelivery {
  /** 32-byte destination (the recipient client's identity). */
  readonly destination: Uint8Array;
  readonly identifier: Uint8Array;
  /** Decrypted Sphinx payload, still padded (`recoverPlaintext` gives the message). */
  readonly payload: Uint8Array;
  readonly packetSize: PacketSize;
  readonly packetType: PacketType;
  /** Rotation of the frame it arrived in (SURB-acks are sent on with it). */
  readonly keyRotation: KeyRotation;
  readonly version: number;
}

/** Receives final-hop packets (the gateway role). */
export type FinalHopHandler = (delivery: FinalHopDelivery) => void;

/** Options of {@linkcode MixPipeline}. */
export interface MixPipelineOptions {
  readonly pool: UnwrapPool;
  readonly forwarder: PacketForwarder;
  readonly view: NetworkView;
  readonly metrics: MixingMetrics;
  /** Forward hops are processed only in mixnode mode. */
  readonly mixnodeEnabled: boolean;
  /** Final hops are delivered only when a gateway role is present. */
  readonly finalHop?: FinalHopHandler;
  /** Longest honoured delay; longer ones are capped and counted (nym-node: 10 s). */
  readonly maximumDelayMs: number;
  /** Packets the delay queue holds at most. */
  readonly delayQueueCapacity: number;
  /** Frame version written to next hops (nym-node default: 7). */
  readonly egressFrameVersion: FrameVersion;
  readonly now?: () => number;
}

interface Delayed {
  readonly address: NymNodeRoutingAddress;
  readonly frame: FrameInit;
  readonly receivedAt: number;
  readonly delayMs: number;
}

const log = getLogger(["nym-node", "mixnet"]);

/** Routes unwrapped packets. */
export class MixPipeline {
  readonly #o: MixPipelineOptions;
  readonly #scheduler: DelayScheduler<Delayed>;
  readonly #now: () => number;
  #inFlight = 0;
  #waiters: (() => void)[] = [];

  /**
   * Creates the pipeline.
   *
   * @example
   * ```ts no-eval
   * const pipeline = new MixPipeline({ pool, forwarder, view, metrics, mixnodeEnabled: true,
   *   maximumDelayMs: 10_000, delayQueueCapacity: 20_000, egressFrameVersion: 7 });
   * await pipeline.submit(frames);
   * ```
   */
  constructor(options: MixPipelineOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.#scheduler = new DelayScheduler<Delayed>({
      capacity: options.delayQueueCapacity,
      release: (d) => this.#release(d),
      now: this.#now,
    });
  }

  /** Packets being unwrapped. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Packets waiting for their delay. */
  get delayed(): number {
    return this.#scheduler.size;
  }

  /** Resolves when fewer than `limit` packets are being unwrapped (back-pressure for readers). */
  whenBelow(limit: number): Promise<void> {
    if (this.#inFlight < limit) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.#inFlight < limit) resolve();
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  /** Processes frames received together on one connection. */
  async submit(frames: readonly Frame[]): Promise<void> {
    const receivedAt = this.#now();
    const sphinx: Frame[] = [];
    for (const f of frames) {
      if (f.packetType === PacketType.Mix) sphinx.push(f);
      else this.#o.metrics.dropped("unsupported-type");
    }
    if (sphinx.length === 0) return;
    this.#inFlight += sphinx.length;
    try {
      const outcomes = await this.#o.pool.process(
        sphinx.map((f) => ({ hint: f.keyRotation, packet: f.packet })),
      );
      outcomes.forEach((outcome, i) => {
        const frame = sphinx[i];
        switch (outcome.kind) {
          case "drop":
            this.#o.metrics.dropped(outcome.reason);
            return;
          case "forward":
            this.#onForward(
              frame,
              outcome.nextHopAddress,
              outcome.delayNanos,
              outcome.packet,
              receivedAt,
            );
            return;
          case "final":
            if (!this.#o.finalHop) {
              this.#o.metrics.dropped("final-hop-not-gateway");
              return;
            }
            this.#o.metrics.received("final");
            this.#o.finalHop({
              destination: outcome.destination,
              identifier: outcome.identifier,
              payload: outcome.payload,
              packetSize: frame.packetSize,
              packetType: frame.packetType,
              keyRotation: frame.keyRotation,
              version: outcome.version,
            });
        }
      });
    } catch (e) {
      log.error("unwrapping {count} packets failed: {error}", {
        count: sphinx.length,
        error: (e as Error).message,
      });
      for (let i = 0; i < sphinx.length; i++) this.#o.metrics.dropped("malformed");
    } finally {
      this.#inFlight -= sphinx.length;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    }
  }

  #onForward(
    frame: Frame,
    nextHop: Uint8Array,
    delayNanos: number,
    packet: Uint8Array,
    receivedAt: number,
  ): void {
    if (!this.#o.mixnodeEnabled) {
      this.#o.metrics.dropped("forward-hop-not-mixnode");
      return;
    }
    let address: NymNodeRoutingAddress;
    try {
      address = decodeRoutingAddress(nextHop);
    } catch {
      this.#o.metrics.dropped("malformed");
      return;
    }
    if (!this.#o.view.isKnownNode(address.ip, address.port)) {
      this.#o.metrics.dropped("unknown-next-hop");
      return;
    }
    this.#o.metrics.received("forward");
    let delayMs = delayNanos / 1e6;
    if (delayMs > this.#o.maximumDelayMs) {
      this.#o.metrics.dropped("excessive-delay");
      delayMs = this.#o.maximumDelayMs;
    }
    const delayed: Delayed = {
      address,
      frame: {
        version: this.#o.egressFrameVersion,
        packetType: frame.packetType,
        keyRotation: frame.keyRotation,
        packetSize: frame.packetSize,
        packet,
      },
      receivedAt,
      delayMs,
    };
    if (!this.#scheduler.schedule(delayed, delayMs)) this.#o.metrics.dropped("delay-queue-full");
  }

  #release(d: Delayed): void {
    const ok = this.#o.forwarder.send(d.address.ip, d.address.port, d.frame);
    if (ok) {
      // Queueing latency only: the time beyond the requested delay until handed to the socket.
      const latencyS = Math.max(0, this.#now() - d.receivedAt - d.delayMs) / 1000;
      this.#o.metrics.sent("forward", latencyS);
    } else {
      this.#o.metrics.egressDropped();
    }
  }

  /**
   * Sends a packet that originates at this node (a SURB-ack at the final hop, or a client's
   * packet at an entry gateway) straight to `address` without delay.
   */
  sendDirect(address: NymNodeRoutingAddress, frame: FrameInit, kind: "forward" | "ack"): boolean {
    const ok = this.#o.forwarder.send(address.ip, address.port, frame);
    if (ok) this.#o.metrics.sent(kind);
    else this.#o.metrics.egressDropped();
    return ok;
  }

  /** Stops the delay timer; packets still waiting are counted as dropped. */
  close(): void {
    const left = this.#scheduler.close();
    for (let i = 0; i < left.length; i++) this.#o.metrics.egressDropped();
    if (left.length > 0) {
      log.info("dropped {count} delayed packets at shutdown", { count: left.length });
    }
  }
}
