/**
 * Mixnet packet counters, exported both as Prometheus series with nym-node's names
 * (`nym-node.md` §3.7) and as the JSON of `/api/v1/metrics/packets-stats` and the legacy
 * `/api/v1/metrics/mixing` route (§2.1).
 *
 * @module
 */
import type { Counter, Gauge, Histogram, MetricsRegistry } from "../node/metrics.ts";

/** Raw counters, also the source of the JSON routes. */
export interface MixingCounters {
  forwardHopReceived: number;
  finalHopReceived: number;
  malformed: number;
  replayed: number;
  expiredKey: number;
  excessiveDelay: number;
  forwardHopDropped: number;
  finalHopDropped: number;
  unknownNextHop: number;
  unsupportedType: number;
  forwardSent: number;
  egressDropped: number;
  ackSent: number;
  delayQueueFull: number;
  malformedFrames: number;
}

/** The counters plus their Prometheus handles. */
export class MixingMetrics {
  readonly counters: MixingCounters = {
    forwardHopReceived: 0,
    finalHopReceived: 0,
    malformed: 0,
    replayed: 0,
    expiredKey: 0,
    excessiveDelay: 0,
    forwardHopDropped: 0,
    finalHopDropped: 0,
    unknownNextHop: 0,
    unsupportedType: 0,
    forwardSent: 0,
    egressDropped: 0,
    ackSent: 0,
    delayQueueFull: 0,
    malformedFrames: 0,
  };
  readonly #ingress: Counter;
  readonly #egress: Counter;
  readonly #latency: Histogram;
  readonly #connections: Gauge;

  /**
   * Registers the mixnet series on `registry`; `gauges` report queue depths on scrape.
   *
   * @example
   * ```ts
   * import { MetricsRegistry } from "../node/metrics.ts";
   * import { MixingMetrics } from "./metrics.ts";
   * const m = new MixingMetrics(new MetricsRegistry(), { delayed: () => 0, forwarderQueued: () => 0 });
   * m.received("forward");
   * ```
   */
  constructor(
    registry: MetricsRegistry,
    gauges: { delayed: () => number; forwarderQueued: () => number },
  ) {
    this.#ingress = registry.counter(
      "mixnet_ingress_packets_total",
      "Mixnet packets received, by outcome",
      { labelNames: ["outcome"] },
    );
    this.#egress = registry.counter(
      "mixnet_egress_packets_total",
      "Mixnet packets sent or dropped on the way out, by outcome",
      { labelNames: ["outcome"] },
    );
    this.#latency = registry.histogram(
      "mixnet_forward_latency_seconds",
      "Time from receiving a forward-hop packet to writing it, minus its requested delay",
      { buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] },
    );
    this.#connections = registry.gauge(
      "network_active_mixnet_connections",
      "Open mixnet connections",
      { labelNames: ["direction"] },
    );
    registry.gauge("process_forward_hop_packets_being_delayed", "Packets in the delay queue", {
      collect: (g) => g.set(gauges.delayed()),
    });
    registry.gauge(
      "process_packet_forwarder_queue_size",
      "Packets queued for outbound connections",
      {
        collect: (g) => g.set(gauges.forwarderQueued()),
      },
    );
  }

  /** A packet was received and unwrapped as a forward or final hop. */
  received(kind: "forward" | "final"): void {
    if (kind === "forward") this.counters.forwardHopReceived++;
    else this.counters.finalHopReceived++;
    this.#ingress.inc(1, { outcome: kind === "forward" ? "forward_hop" : "final_hop" });
  }

  /** A received packet was dropped. */
  dropped(
    reason:
      | "malformed"
      | "replayed"
      | "expired-key"
      | "excessive-delay"
      | "forward-hop-not-mixnode"
      | "final-hop-not-gateway"
      | "unknown-next-hop"
      | "unsupported-type"
      | "delay-queue-full",
  ): void {
    const c = this.counters;
    switch (reason) {
      case "malformed":
        c.malformed++;
        break;
      case "replayed":
        c.replayed++;
        break;
      case "expired-key":
        c.expiredKey++;
        break;
      case "excessive-delay":
        c.excessiveDelay++;
        break;
      case "forward-hop-not-mixnode":
        c.forwardHopDropped++;
        break;
      case "final-hop-not-gateway":
        c.finalHopDropped++;
        break;
      case "unknown-next-hop":
        c.unknownNextHop++;
        c.forwardHopDropped++;
        break;
      case "unsupported-type":
        c.unsupportedType++;
        break;
      case "delay-queue-full":
        c.delayQueueFull++;
        c.forwardHopDropped++;
        break;
    }
    this.#ingress.inc(1, { outcome: reason.replaceAll("-", "_") });
  }

  /** A connection sent bytes that are not valid frames (the connection is closed). */
  malformedFrame(): void {
    this.counters.malformedFrames++;
    this.#ingress.inc(1, { outcome: "malformed_frame" });
  }

  /** A packet was written to the next hop. */
  sent(kind: "forward" | "ack", latencySeconds?: number): void {
    if (kind === "forward") this.counters.forwardSent++;
    else this.counters.ackSent++;
    this.#egress.inc(1, { outcome: kind === "forward" ? "forward_hop_sent" : "ack_sent" });
    if (latencySeconds !== undefined) this.#latency.observe(latencySeconds);
  }

  /** An outbound packet was dropped (queue full or connection gone). */
  egressDropped(): void {
    this.counters.egressDropped++;
    this.#egress.inc(1, { outcome: "forward_hop_dropped" });
  }

  /** Tracks open connections. */
  connection(direction: "ingress" | "egress", delta: 1 | -1): void {
    this.#connections.inc(delta, { direction });
  }

  /** Forward-latency histogram snapshot (seconds). */
  latencySnapshot(): { count: number; sum: number; buckets: Map<number, number> } {
    return this.#latency.snapshot();
  }

  /** `/api/v1/metrics/packets-stats` body (nym-node's field names). */
  packetsStats(): Record<string, Record<string, number>> {
    const c = this.counters;
    return {
      ingress_mixing: {
        forward_hop_packets_received: c.forwardHopReceived,
        final_hop_packets_received: c.finalHopReceived,
        malformed_packets_received: c.malformed + c.expiredKey,
        replayed_packets_received: c.replayed,
        excessive_delay_packets: c.excessiveDelay,
        forward_hop_packets_dropped: c.forwardHopDropped,
        final_hop_packets_dropped: c.finalHopDropped,
      },
      egress_mixing: {
        forward_hop_packets_sent: c.forwardSent,
        forward_hop_packets_dropped: c.egressDropped,
        ack_packets_sent: c.ackSent,
      },
    };
  }

  /** Total packets received (every outcome), for rates and `/metrics/mixing`. */
  totalReceived(): number {
    const c = this.counters;
    return c.forwardHopReceived + c.finalHopReceived + c.malformed + c.replayed + c.expiredKey +
      c.unsupportedType;
  }

  /** Total packets dropped (ingress and egress). */
  totalDropped(): number {
    const c = this.counters;
    return c.malformed + c.replayed + c.expiredKey + c.forwardHopDropped + c.finalHopDropped +
      c.unsupportedType + c.egressDropped + c.excessiveDelay;
  }
}
