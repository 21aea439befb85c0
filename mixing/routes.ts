/**
 * The mix role's HTTP routes: `/api/v1/metrics/packets-stats` and the deprecated
 * `/api/v1/metrics/mixing` (`nym-node.md` §2.1), with nym-node's field names.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { formatted } from "../node/http/respond.ts";
import { jsonRoute, type RouteModule } from "../node/http/routes.ts";
import type { MixingMetrics } from "./metrics.ts";

const PacketsStats = z.object({
  ingress_mixing: z.object({
    forward_hop_packets_received: z.number(),
    final_hop_packets_received: z.number(),
    malformed_packets_received: z.number(),
    replayed_packets_received: z.number(),
    excessive_delay_packets: z.number(),
    forward_hop_packets_dropped: z.number(),
    final_hop_packets_dropped: z.number(),
  }),
  egress_mixing: z.object({
    forward_hop_packets_sent: z.number(),
    forward_hop_packets_dropped: z.number(),
    ack_packets_sent: z.number(),
  }),
}).openapi("PacketsStats");

const MixingStats = z.object({
  update_time: z.string(),
  previous_update_time: z.string(),
  received_since_startup: z.number(),
  sent_since_startup: z.number(),
  dropped_since_startup: z.number(),
  received_since_last_update: z.number(),
  sent_since_last_update: z.number(),
  dropped_since_last_update: z.number(),
}).openapi("MixingStats");

/**
 * Route module for the mix role's metrics. The legacy `/metrics/mixing` snapshot is refreshed at
 * most every `updateIntervalMs` (nym-node: 30 s) so its "since last update" fields mean something.
 *
 * @example
 * ```ts no-eval
 * const module = mixingRoutes(metrics, { now: Date.now, updateIntervalMs: 30_000 });
 * ```
 */
export function mixingRoutes(
  metrics: MixingMetrics,
  options: { now: () => number; updateIntervalMs: number },
): RouteModule {
  const snapshot = () => ({
    at: options.now(),
    received: metrics.totalReceived(),
    sent: metrics.counters.forwardSent + metrics.counters.ackSent,
    dropped: metrics.totalDropped(),
  });
  let previous = snapshot();
  let current = previous;
  return {
    name: "mixing",
    routes: [
      jsonRoute(
        {
          path: "/api/v1/metrics/packets-stats",
          tag: "Metrics",
          summary: "Mixnet packet counters since start-up",
          schema: PacketsStats,
        },
        (c) => formatted(c, metrics.packetsStats()),
      ),
      jsonRoute(
        {
          path: "/api/v1/metrics/mixing",
          tag: "Metrics",
          summary: "Deprecated: packets received, sent and dropped",
          schema: MixingStats,
        },
        (c) => {
          if (options.now() - current.at >= options.updateIntervalMs) {
            previous = current;
            current = snapshot();
          }
          return formatted(c, {
            update_time: new Date(current.at).toISOString(),
            previous_update_time: new Date(previous.at).toISOString(),
            received_since_startup: current.received,
            sent_since_startup: current.sent,
            dropped_since_startup: current.dropped,
            received_since_last_update: current.received - previous.received,
            sent_since_last_update: current.sent - previous.sent,
            dropped_since_last_update: current.dropped - previous.dropped,
          });
        },
      ),
    ],
  };
}
