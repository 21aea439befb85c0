/**
 * Choosing the client's gateway (`clients.md` §1.2, `/work/notes/wasm-client.md` §2.3): from the
 * skimmed entry-gateway list, keep nodes at or above the performance floor that have an IP and a
 * client entry point (and a WSS port with `forceTls`), then take the requested identity or a
 * uniformly random one.
 *
 * @module
 */
import { randomInt, type RandomSource } from "../../crypto/random.ts";
import { GatewaySelectionError } from "../errors.ts";
import type { SkimmedNode } from "./models.ts";

/** How to choose. */
export interface GatewaySelectionOptions {
  /** Base58 identity of the wanted gateway. */
  readonly preferred?: string;
  /** Only gateways reachable over `wss://` (browsers on https pages need this). */
  readonly forceTls?: boolean;
  /** Least performance, percent. Default 50. */
  readonly minimumPerformance?: number;
  readonly random: RandomSource;
}

/** A chosen gateway and where to connect. */
export interface SelectedGateway {
  readonly node: SkimmedNode;
  /** `wss://host:wss_port` or `ws://host:ws_port`. */
  readonly url: string;
}

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * The client WebSocket URL of a gateway: `wss://hostname:wss_port` when both are published,
 * else `ws://(hostname or first IP):ws_port`; `undefined` without an entry point (or without
 * TLS when `forceTls`).
 *
 * @example
 * ```ts no-eval
 * gatewayWebSocketUrl(node, false); // "ws://127.0.0.1:9000/"
 * ```
 */
export function gatewayWebSocketUrl(
  node: Pick<SkimmedNode, "entry" | "ipAddresses">,
  forceTls = false,
): string | undefined {
  const entry = node.entry;
  if (entry === null) return undefined;
  if (entry.hostname !== null && entry.wssPort !== null) {
    return `wss://${hostForUrl(entry.hostname)}:${entry.wssPort}/`;
  }
  if (forceTls) return undefined;
  const host = entry.hostname ?? node.ipAddresses[0];
  if (host === undefined) return undefined;
  return `ws://${hostForUrl(host)}:${entry.wsPort}/`;
}

/**
 * Picks a gateway.
 *
 * @example
 * ```ts no-eval
 * const { node, url } = selectGateway(gateways, { random: systemRandom });
 * ```
 * @throws {GatewaySelectionError} when nothing fits, with the reason.
 */
export function selectGateway(
  gateways: readonly SkimmedNode[],
  options: GatewaySelectionOptions,
): SelectedGateway {
  const floor = options.minimumPerformance ?? 50;
  if (options.preferred !== undefined) {
    const node = gateways.find((g) => g.identityText === options.preferred);
    if (node === undefined) {
      throw new GatewaySelectionError(
        `no gateway with id ${options.preferred} is listed by nym-api`,
      );
    }
    if (node.performance < floor) {
      throw new GatewaySelectionError(
        `gateway ${options.preferred} has performance ${node.performance}% (below ${floor}%)`,
      );
    }
    if (node.entry === null) {
      throw new GatewaySelectionError(`gateway ${options.preferred} does not support mixnet entry`);
    }
    const url = gatewayWebSocketUrl(node, options.forceTls);
    if (url === undefined) {
      throw new GatewaySelectionError(
        `gateway ${options.preferred} does not support the wss protocol`,
      );
    }
    return { node, url };
  }
  const candidates: SelectedGateway[] = [];
  for (const node of gateways) {
    if (node.performance < floor) continue;
    const url = gatewayWebSocketUrl(node, options.forceTls);
    if (url !== undefined) candidates.push({ node, url });
  }
  if (candidates.length === 0) {
    throw new GatewaySelectionError(
      options.forceTls
        ? "there are no gateways supporting the wss protocol available"
        : "nym-api lists no usable gateway",
    );
  }
  return candidates[randomInt(options.random, candidates.length)];
}
