/**
 * Client statistics for applications (`clients.md` §6.1, pain points #4 and #14): packet
 * counters (real, cover, acks, retransmissions), message counters, and gauges (queue lengths,
 * pending acks, the sending-delay multiplier, gateway state) in one JSON-able snapshot.
 *
 * @module
 */

/** Monotonic counters. */
export interface ClientCounters {
  /** Real (data, reply, SURB) packets sent to the gateway. */
  realPacketsSent: number;
  realBytesSent: number;
  /**
   * Sum of the mixing delays sampled for the forward routes of real packets sent, ms (divide
   * by `realPacketsSent` for the mean configured delay a packet carries).
   */
  mixingDelaySentMs: number;
  /** Loop cover packets sent (both streams). */
  coverPacketsSent: number;
  coverBytesSent: number;
  /** Real packets received (fragments of messages for us). */
  realPacketsReceived: number;
  /** Our own loop cover packets coming back. */
  coverPacketsReceived: number;
  /** Acks of our real packets. */
  acksReceived: number;
  /** Acks of our cover packets. */
  coverAcksReceived: number;
  /** Acks for nothing we track (late duplicates after a retransmission). */
  unknownAcksReceived: number;
  /** Packets resent after their ack timed out. */
  retransmissions: number;
  /** Fragments given up after their retransmission limit. */
  fragmentsFailed: number;
  /** Messages accepted from the application. */
  messagesSent: number;
  /** Whole messages delivered to the application. */
  messagesReceived: number;
  /** Reply SURBs we created and sent. */
  replySurbsSent: number;
  /** Reply SURBs received from anonymous senders. */
  replySurbsReceived: number;
  /** Requests for more SURBs we sent. */
  surbRequestsSent: number;
  /** Queued replies dropped because their sender sent no more SURBs. */
  repliesDropped: number;
  /** Received packets that could not be decrypted or parsed. */
  malformedPacketsReceived: number;
  /** Received messages dropped because no consumer read them in time. */
  messagesDroppedUnread: number;
  /** Successful and failed topology refreshes. */
  topologyRefreshes: number;
  topologyRefreshFailures: number;
  /** Gateway reconnections after a dropped session. */
  gatewayReconnections: number;
  /** zk-nym tickets the gateway accepted for bandwidth. */
  ticketsSpent: number;
  /** zk-nym ticketbooks obtained from the signers. */
  ticketbooksObtained: number;
  /** Bandwidth top-ups that failed (each also a `bandwidthError` event). */
  bandwidthErrors: number;
}

/** Point-in-time values. */
export interface ClientGauges {
  /** Real packets queued for sending, all lanes. */
  queueLength: number;
  /** Fragments waiting for an ack. */
  pendingAcks: number;
  /** Reply fragments waiting for SURBs. */
  replyQueueLength: number;
  /** The Poisson back-pressure multiplier (1..6). */
  sendingDelayMultiplier: number;
  gatewayConnected: boolean;
  /** Bytes buffered towards the gateway. */
  gatewayBufferedBytes: number;
  /** Bandwidth (bytes) the gateway last reported for us. */
  gatewayBandwidth: number;
  /** Whether a usable topology is loaded. */
  topologyAvailable: boolean;
  /** Received messages waiting for a consumer. */
  bufferedMessages: number;
}

/** A snapshot for applications. */
export interface ClientStatsSnapshot extends Readonly<ClientCounters>, Readonly<ClientGauges> {
  /** When the client started (ms since the epoch). */
  readonly startedAtMs: number;
  readonly uptimeMs: number;
}

/**
 * Fresh zeroed counters.
 *
 * @example
 * ```ts
 * import { emptyCounters } from "./stats.ts";
 * emptyCounters().realPacketsSent; // 0
 * ```
 */
export function emptyCounters(): ClientCounters {
  return {
    realPacketsSent: 0,
    realBytesSent: 0,
    mixingDelaySentMs: 0,
    coverPacketsSent: 0,
    coverBytesSent: 0,
    realPacketsReceived: 0,
    coverPacketsReceived: 0,
    acksReceived: 0,
    coverAcksReceived: 0,
    unknownAcksReceived: 0,
    retransmissions: 0,
    fragmentsFailed: 0,
    messagesSent: 0,
    messagesReceived: 0,
    replySurbsSent: 0,
    replySurbsReceived: 0,
    surbRequestsSent: 0,
    repliesDropped: 0,
    malformedPacketsReceived: 0,
    messagesDroppedUnread: 0,
    topologyRefreshes: 0,
    topologyRefreshFailures: 0,
    gatewayReconnections: 0,
    ticketsSpent: 0,
    ticketbooksObtained: 0,
    bandwidthErrors: 0,
  };
}

/**
 * Combines counters and gauges into a snapshot (a copy).
 *
 * @example
 * ```ts
 * import { emptyCounters, statsSnapshot } from "./stats.ts";
 * statsSnapshot(emptyCounters(), {
 *   queueLength: 3, pendingAcks: 0, replyQueueLength: 0, sendingDelayMultiplier: 1,
 *   gatewayConnected: true, gatewayBufferedBytes: 0, gatewayBandwidth: 0, topologyAvailable: true,
 *   bufferedMessages: 0,
 * }, 1000, 1500).uptimeMs; // 500
 * ```
 */
export function statsSnapshot(
  counters: ClientCounters,
  gauges: ClientGauges,
  startedAtMs: number,
  now: number,
): ClientStatsSnapshot {
  return { ...counters, ...gauges, startedAtMs, uptimeMs: Math.max(0, now - startedAtMs) };
}
