/**
 * Timers and bounds of the SOCKS proxy, with upstream's values where it has them
 * (`clients.md` §5.2) and ours where it has none (handshake and connect timeouts, write bounds).
 *
 * @module
 */

/** Every setting of one proxied connection. */
export interface ProxySettings {
  /** Time an application has to send its complete SOCKS greeting and request. Default 10 s. */
  readonly handshakeTimeoutMs: number;
  /**
   * Longest wait for the exit to confirm or refuse a connection; then the application gets
   * "TTL expired". Default 30 s (longer than the exit's own DNS and connect timeouts, so its
   * precise reason normally arrives first).
   */
  readonly connectTimeoutMs: number;
  /**
   * For a provider that does not confirm connects (upstream's network requesters): report
   * success after this long without a refusal. Default 2 s.
   */
  readonly legacyConnectWaitMs: number;
  /**
   * After upstream's bare "connect failed" marker, how long to wait for the `ConnectionError`
   * that carries the reason (both are sent; the mixnet may reorder them). Default 1 s.
   */
  readonly refusalGraceMs: number;
  /** An empty Send after this long without data from the application. Default 60 s. */
  readonly keepaliveIntervalMs: number;
  /** Close after this long without anything from the mixnet (`MIX_TTL`). Default 5 min. */
  readonly mixTtlMs: number;
  /** After the remote side closed, how long the application may keep its side open. 3 s. */
  readonly shutdownTimeoutMs: number;
  /** Reading from the application pauses while the lane holds more packets. Default 30. */
  readonly maxLaneQueue: number;
  /** How often a paused reader checks the lane again. Default 20 ms (upstream 100 ms). */
  readonly laneCheckIntervalMs: number;
  /** Largest chunk read from the application into one Send request. Default 16 KiB. */
  readonly readChunkBytes: number;
  /** Most bytes waiting to be written to a slow application before it is cut off. 32 MiB. */
  readonly maxPendingWriteBytes: number;
  /** Most out-of-order bytes held per connection (the ordered buffer). Default 16 MiB. */
  readonly maxBufferedBytes: number;
}

/**
 * The default settings.
 *
 * @example
 * ```ts
 * import { defaultProxySettings } from "./settings.ts";
 * defaultProxySettings().mixTtlMs; // 300000
 * ```
 */
export function defaultProxySettings(): ProxySettings {
  return {
    handshakeTimeoutMs: 10_000,
    connectTimeoutMs: 30_000,
    legacyConnectWaitMs: 2_000,
    refusalGraceMs: 1_000,
    keepaliveIntervalMs: 60_000,
    mixTtlMs: 5 * 60_000,
    shutdownTimeoutMs: 3_000,
    maxLaneQueue: 30,
    laneCheckIntervalMs: 20,
    readChunkBytes: 16 * 1024,
    maxPendingWriteBytes: 32 * 1024 * 1024,
    maxBufferedBytes: 16 * 1024 * 1024,
  };
}

/**
 * Thrown for settings out of range.
 *
 * @example
 * ```ts
 * import { ProxySettingsError, resolveProxySettings } from "./settings.ts";
 * try {
 *   resolveProxySettings({ mixTtlMs: -1 });
 * } catch (e) {
 *   e instanceof ProxySettingsError; // true: "mixTtlMs: must be a number > 0"
 * }
 * ```
 */
export class ProxySettingsError extends Error {
  override name = "ProxySettingsError";
}

/**
 * The defaults with `overrides` applied, checked.
 *
 * @example
 * ```ts
 * import { resolveProxySettings } from "./settings.ts";
 * resolveProxySettings({ connectTimeoutMs: 5000 }).connectTimeoutMs; // 5000
 * ```
 * @throws {ProxySettingsError} naming the first bad setting.
 */
export function resolveProxySettings(overrides: Partial<ProxySettings> = {}): ProxySettings {
  const out = { ...defaultProxySettings() } as Record<string, number>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in out)) throw new ProxySettingsError(`${key}: unknown setting`);
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new ProxySettingsError(`${key}: must be a number > 0`);
    }
    out[key] = value;
  }
  return out as unknown as ProxySettings;
}
