/**
 * Client settings: the reference client's "debug" defaults (`clients.md` §2.1, §3.2–§3.3 and
 * the wasm client's `clientOverride` in `/work/notes/wasm-client.md` §1.3), in milliseconds and
 * camelCase like the wasm override, plus the bounds this implementation adds. Presets give the
 * documented traffic modes.
 *
 * Traffic modes:
 * - **default**: Poisson real stream (mean gap 20 ms) that sends loop cover when idle, loop cover
 *   stream (mean 200 ms), 15 ms mean delay per mix hop. About 55 packets/s up while idle.
 * - **low latency** ({@linkcode lowLatencyConfig}, upstream's `medium_toggle` without the
 *   secondary packet size): no per-hop delays, real packets leave as soon as they exist, and only
 *   a 5 s loop-cover keepalive. Much faster, much less anonymous.
 * - **no cover** ({@linkcode noCoverConfig}): both streams off; packets keep their per-hop delays.
 *
 * @module
 */
import { PacketSize } from "../framing/packet_size.ts";
import { ClientConfigError } from "./errors.ts";

/** `debug.traffic`. */
export interface TrafficConfig {
  /** Mean per-mix-hop delay of data packets (exponential). Default 15. */
  readonly averagePacketDelayMs: number;
  /** Mean gap of the main Poisson stream. Default 20 (about 50 packets/s). */
  readonly messageSendingAverageDelayMs: number;
  /** Send real packets as soon as they exist, without Poisson timing or cover. Default false. */
  readonly disableMainPoissonPacketDistribution: boolean;
  /** Global retransmission cap; `null` = unlimited (the default). */
  readonly maximumNumberOfRetransmissions: number | null;
  /** Packet size of real messages. Default Regular (2 KiB payload). */
  readonly primaryPacketSize: PacketSize;
  /**
   * Build version-258 Sphinx headers and V1 reply SURBs (explicit payload keys) instead of 259
   * and V2 (seeds). Default false: the real client sends 259/V2 for its messages (see
   * `/work/notes/wasm-client.md` §3.6). Unlike the real client, cover traffic uses the same
   * version as real traffic, so mix nodes cannot tell the two apart by header version.
   */
  readonly useLegacySphinxFormat: boolean;
  /**
   * Most packets queued for sending or sent and still waiting for their ack (all lanes); sends
   * beyond it are refused, so memory stays bounded even when acks stop coming.
   */
  readonly maximumQueuedPackets: number;
}

/** `debug.cover_traffic`. */
export interface CoverTrafficConfig {
  /** Mean gap of the loop cover stream. Default 200. */
  readonly loopCoverTrafficAverageDelayMs: number;
  /** Turn the loop cover stream off. Default false. */
  readonly disableLoopCoverTrafficStream: boolean;
}

/** `debug.acknowledgements`. */
export interface AcknowledgementsConfig {
  /** Mean per-hop delay of SURB-ack packets. Default 15. */
  readonly averageAckDelayMs: number;
  /** `a` in the ack timeout `a × total_delay + b`. Default 1.5. */
  readonly ackWaitMultiplier: number;
  /** `b` in the ack timeout `a × total_delay + b`. Default 1500. */
  readonly ackWaitAdditionMs: number;
}

/** `debug.topology`. */
export interface TopologyConfig {
  /** How often the topology is refreshed. Default 5 min. */
  readonly topologyRefreshRateMs: number;
  /** Timeout of each nym-api request. Default 5 s (the wasm client uses 30 s). */
  readonly topologyResolutionTimeoutMs: number;
  /** Failed refreshes in a row after which the old topology is dropped. Default 10. */
  readonly maxConsecutiveRefreshFailures: number;
  /** Least mix node performance in percent. Default 50. */
  readonly minimumMixnodePerformance: number;
  /** Least gateway performance in percent. Default 50. */
  readonly minimumGatewayPerformance: number;
  /** Keep the first topology for the whole run. Default false. */
  readonly disableRefreshing: boolean;
}

/** `debug.gateway_connection` plus reconnection settings. */
export interface GatewayConnectionConfig {
  /** Time allowed to open the WebSocket and for each handshake/authentication step. */
  readonly gatewayResponseTimeoutMs: number;
  /** Reconnection attempts after the gateway connection drops. Default 10. */
  readonly reconnectionAttempts: number;
  /** Wait between reconnection attempts. Default 5 s. */
  readonly reconnectionBackoffMs: number;
  /**
   * Bytes buffered in the WebSocket beyond which the gateway counts as "not keeping up": the
   * analogue of upstream's 32-batch channel (back-pressure is detected above 10 of 32 slots).
   */
  readonly maxSendBufferBytes: number;
}

/** `debug.reply_surbs` (`clients.md` §3.3). */
export interface ReplySurbsConfig {
  /** SURBs held back per sender for requesting more. Default 10. */
  readonly minimumReplySurbStorageThreshold: number;
  /** Most SURBs kept per sender. Default 200. */
  readonly maximumReplySurbStorageThreshold: number;
  /** Extra SURBs to aim for on top of the minimum. Default 0. */
  readonly minimumReplySurbThresholdBuffer: number;
  /** Smallest SURB request. Default 10. */
  readonly minimumReplySurbRequestSize: number;
  /** Largest SURB request. Default 50. */
  readonly maximumReplySurbRequestSize: number;
  /** Most SURBs sent when asked (in batches of 100). Default 500. */
  readonly maximumAllowedReplySurbRequestSize: number;
  /** Wait without SURBs before asking again. Default 10 s. */
  readonly maximumReplySurbRerequestWaitingPeriodMs: number;
  /** Wait without SURBs before dropping a sender's pending replies. Default 5 min. */
  readonly maximumReplySurbDropWaitingPeriodMs: number;
  /** Repeat requests before a sender's pending replies are dropped. Default 5. */
  readonly maximumReplySurbsRerequests: number;
  /** Age after which unused reply keys are forgotten. Default 24 h. */
  readonly maximumReplyKeyAgeMs: number;
  /** Most SURBs attached to one anonymous message (ours; bounds memory). Default 1000. */
  readonly maximumReplySurbsPerMessage: number;
}

/** Limits on received data (ours; upstream has none). */
export interface ReceiveConfig {
  /** Largest reassembled message. Default 64 MiB. */
  readonly maximumMessageBytes: number;
  /** Messages kept while no consumer is attached. Default 10 000. */
  readonly maximumBufferedMessages: number;
}

/** Every client setting. */
export interface ClientConfig {
  readonly traffic: TrafficConfig;
  readonly coverTraffic: CoverTrafficConfig;
  readonly acknowledgements: AcknowledgementsConfig;
  readonly topology: TopologyConfig;
  readonly gatewayConnection: GatewayConnectionConfig;
  readonly replySurbs: ReplySurbsConfig;
  readonly receive: ReceiveConfig;
}

/** A deep partial of {@linkcode ClientConfig}, for overrides. */
export type ClientConfigOverrides = {
  readonly [S in keyof ClientConfig]?: Partial<ClientConfig[S]>;
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/**
 * The reference defaults.
 *
 * @example
 * ```ts
 * import { defaultClientConfig } from "./config.ts";
 * defaultClientConfig().traffic.messageSendingAverageDelayMs; // 20
 * ```
 */
export function defaultClientConfig(): ClientConfig {
  return {
    traffic: {
      averagePacketDelayMs: 15,
      messageSendingAverageDelayMs: 20,
      disableMainPoissonPacketDistribution: false,
      maximumNumberOfRetransmissions: null,
      primaryPacketSize: PacketSize.Regular,
      useLegacySphinxFormat: false,
      maximumQueuedPackets: 100_000,
    },
    coverTraffic: { loopCoverTrafficAverageDelayMs: 200, disableLoopCoverTrafficStream: false },
    acknowledgements: { averageAckDelayMs: 15, ackWaitMultiplier: 1.5, ackWaitAdditionMs: 1500 },
    topology: {
      topologyRefreshRateMs: 5 * MINUTE,
      topologyResolutionTimeoutMs: 5 * SECOND,
      maxConsecutiveRefreshFailures: 10,
      minimumMixnodePerformance: 50,
      minimumGatewayPerformance: 50,
      disableRefreshing: false,
    },
    gatewayConnection: {
      gatewayResponseTimeoutMs: 10 * SECOND,
      reconnectionAttempts: 10,
      reconnectionBackoffMs: 5 * SECOND,
      maxSendBufferBytes: 32 * 2413,
    },
    replySurbs: {
      minimumReplySurbStorageThreshold: 10,
      maximumReplySurbStorageThreshold: 200,
      minimumReplySurbThresholdBuffer: 0,
      minimumReplySurbRequestSize: 10,
      maximumReplySurbRequestSize: 50,
      maximumAllowedReplySurbRequestSize: 500,
      maximumReplySurbRerequestWaitingPeriodMs: 10 * SECOND,
      maximumReplySurbDropWaitingPeriodMs: 5 * MINUTE,
      maximumReplySurbsRerequests: 5,
      maximumReplyKeyAgeMs: 24 * 60 * MINUTE,
      maximumReplySurbsPerMessage: 1000,
    },
    receive: { maximumMessageBytes: 64 * 1024 * 1024, maximumBufferedMessages: 10_000 },
  };
}

/**
 * Overrides for the low-latency mode: no per-hop delays on data or acks, real packets sent at
 * once (no Poisson stream), and a 5 s loop-cover keepalive so idle gateway connections stay up.
 *
 * @example
 * ```ts
 * import { lowLatencyOverrides, resolveClientConfig } from "./config.ts";
 * resolveClientConfig(lowLatencyOverrides()).traffic.averagePacketDelayMs; // 0
 * ```
 */
export function lowLatencyOverrides(): ClientConfigOverrides {
  return {
    traffic: { averagePacketDelayMs: 0, disableMainPoissonPacketDistribution: true },
    acknowledgements: { averageAckDelayMs: 0 },
    coverTraffic: { loopCoverTrafficAverageDelayMs: 5 * SECOND },
  };
}

/**
 * The low-latency configuration ({@linkcode lowLatencyOverrides} on the defaults).
 *
 * @example
 * ```ts
 * import { lowLatencyConfig } from "./config.ts";
 * lowLatencyConfig().traffic.disableMainPoissonPacketDistribution; // true
 * ```
 */
export function lowLatencyConfig(): ClientConfig {
  return resolveClientConfig(lowLatencyOverrides());
}

/**
 * Overrides that turn off the Poisson stream and the loop cover stream (upstream `no_cover`).
 *
 * @example
 * ```ts
 * import { noCoverOverrides } from "./config.ts";
 * noCoverOverrides().coverTraffic?.disableLoopCoverTrafficStream; // true
 * ```
 */
export function noCoverOverrides(): ClientConfigOverrides {
  return {
    traffic: { disableMainPoissonPacketDistribution: true },
    coverTraffic: { disableLoopCoverTrafficStream: true },
  };
}

/**
 * The no-cover configuration.
 *
 * @example
 * ```ts
 * import { noCoverConfig } from "./config.ts";
 * noCoverConfig().coverTraffic.disableLoopCoverTrafficStream; // true
 * ```
 */
export function noCoverConfig(): ClientConfig {
  return resolveClientConfig(noCoverOverrides());
}

/**
 * Merges several override objects (later wins, per field).
 *
 * @example
 * ```ts
 * import { mergeOverrides } from "./config.ts";
 * mergeOverrides({ traffic: { averagePacketDelayMs: 0 } }, { traffic: { messageSendingAverageDelayMs: 5 } })
 *   .traffic; // { averagePacketDelayMs: 0, messageSendingAverageDelayMs: 5 }
 * ```
 */
export function mergeOverrides(...all: readonly ClientConfigOverrides[]): ClientConfigOverrides {
  const out: Record<string, Record<string, unknown>> = {};
  for (const overrides of all) {
    for (const [section, values] of Object.entries(overrides)) {
      if (values === undefined) continue;
      out[section] = { ...(out[section] ?? {}), ...values };
    }
  }
  return out as ClientConfigOverrides;
}

type Check = (value: unknown) => string | undefined;

const nonNegative: Check = (v) =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? undefined : "must be a number >= 0";
const positive: Check = (v) =>
  typeof v === "number" && Number.isFinite(v) && v > 0 ? undefined : "must be a number > 0";
const count: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : "must be an integer >= 0";
const positiveCount: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) >= 1 ? undefined : "must be an integer >= 1";
const percent: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100
    ? undefined
    : "must be an integer percentage in 0..=100";
const bool: Check = (v) => typeof v === "boolean" ? undefined : "must be true or false";
const optionalCount: Check = (v) => v === null ? undefined : count(v);
const packetSize: Check = (v) =>
  v === PacketSize.Regular || v === PacketSize.Extended8 || v === PacketSize.Extended16 ||
    v === PacketSize.Extended32
    ? undefined
    : "must be a regular or extended packet size";

const SCHEMA: {
  readonly [S in keyof ClientConfig]: { readonly [K in keyof ClientConfig[S]]: Check };
} = {
  traffic: {
    averagePacketDelayMs: nonNegative,
    messageSendingAverageDelayMs: positive,
    disableMainPoissonPacketDistribution: bool,
    maximumNumberOfRetransmissions: optionalCount,
    primaryPacketSize: packetSize,
    useLegacySphinxFormat: bool,
    maximumQueuedPackets: positiveCount,
  },
  coverTraffic: { loopCoverTrafficAverageDelayMs: positive, disableLoopCoverTrafficStream: bool },
  acknowledgements: {
    averageAckDelayMs: nonNegative,
    ackWaitMultiplier: nonNegative,
    ackWaitAdditionMs: nonNegative,
  },
  topology: {
    topologyRefreshRateMs: positive,
    topologyResolutionTimeoutMs: positive,
    maxConsecutiveRefreshFailures: positiveCount,
    minimumMixnodePerformance: percent,
    minimumGatewayPerformance: percent,
    disableRefreshing: bool,
  },
  gatewayConnection: {
    gatewayResponseTimeoutMs: positive,
    reconnectionAttempts: count,
    reconnectionBackoffMs: nonNegative,
    maxSendBufferBytes: positiveCount,
  },
  replySurbs: {
    minimumReplySurbStorageThreshold: count,
    maximumReplySurbStorageThreshold: positiveCount,
    minimumReplySurbThresholdBuffer: count,
    minimumReplySurbRequestSize: positiveCount,
    maximumReplySurbRequestSize: positiveCount,
    maximumAllowedReplySurbRequestSize: positiveCount,
    maximumReplySurbRerequestWaitingPeriodMs: nonNegative,
    maximumReplySurbDropWaitingPeriodMs: nonNegative,
    maximumReplySurbsRerequests: count,
    maximumReplyKeyAgeMs: positive,
    maximumReplySurbsPerMessage: count,
  },
  receive: { maximumMessageBytes: positiveCount, maximumBufferedMessages: positiveCount },
};

/**
 * Applies overrides to the defaults and validates the result. Unknown sections or keys are
 * errors (unlike the wasm client, which silently ignores them: `wasm-client.md` §1.3).
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./config.ts";
 * resolveClientConfig({ coverTraffic: { disableLoopCoverTrafficStream: true } })
 *   .coverTraffic.loopCoverTrafficAverageDelayMs; // 200
 * ```
 * @throws {ClientConfigError} naming the first bad key, e.g.
 * `traffic.averagePacketDelayMs: must be a number >= 0`.
 */
export function resolveClientConfig(
  overrides: ClientConfigOverrides = {},
  base: ClientConfig = defaultClientConfig(),
): ClientConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const section of Object.keys(SCHEMA) as (keyof ClientConfig)[]) {
    out[section] = { ...base[section] };
  }
  for (const [section, values] of Object.entries(overrides)) {
    const schema = (SCHEMA as Record<string, Record<string, Check> | undefined>)[section];
    if (schema === undefined) throw new ClientConfigError(`${section}: unknown section`);
    if (values === undefined) continue;
    if (typeof values !== "object" || values === null) {
      throw new ClientConfigError(`${section}: must be an object`);
    }
    for (const [key, value] of Object.entries(values)) {
      if (!Object.hasOwn(schema, key)) {
        throw new ClientConfigError(`${section}.${key}: unknown key`);
      }
      if (value === undefined) continue;
      out[section][key] = value;
    }
  }
  for (const [section, schema] of Object.entries(SCHEMA)) {
    for (const [key, check] of Object.entries(schema as Record<string, Check>)) {
      const problem = check(out[section][key]);
      if (problem) throw new ClientConfigError(`${section}.${key}: ${problem}`);
    }
  }
  const config = out as unknown as ClientConfig;
  const r = config.replySurbs;
  if (r.minimumReplySurbRequestSize > r.maximumReplySurbRequestSize) {
    throw new ClientConfigError(
      "replySurbs.minimumReplySurbRequestSize: must not exceed maximumReplySurbRequestSize",
    );
  }
  if (r.minimumReplySurbStorageThreshold >= r.maximumReplySurbStorageThreshold) {
    throw new ClientConfigError(
      "replySurbs.minimumReplySurbStorageThreshold: must be below maximumReplySurbStorageThreshold",
    );
  }
  return config;
}
