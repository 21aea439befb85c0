/**
 * Polling one node's self-described API the way nym-api's describe cache does
 * (`nym-node.md` §6.2; `nym-api/src/node_describe_cache/{refresh,query_helpers}.rs`):
 *
 * 1. `GET /api/v1/health` must say `up`;
 * 2. `GET /api/v1/host-information` must verify (`verify.ts`);
 * 3. then concurrently `/build-information`, `/roles` and
 *    `/gateway/client-interfaces/mixnet-websockets` (required), `/auxiliary-details` (default on
 *    failure), `/network-requester` with `/network-requester/exit-policy`, `/ip-packet-router`,
 *    `/authenticator`, `/gateway/client-interfaces/wireguard` (optional), plus `/load` and
 *    `/metrics/packets-stats` for the status page (optional).
 *
 * Every request has a timeout and a response-size cap; nothing a node sends can make this
 * throw anything but a {@linkcode PollOutcome}.
 *
 * @module
 */
import { z } from "zod";
import {
  AuxiliaryDetails,
  BuildInformation,
  type DeclaredRoles,
  NetworkRequesterDetails,
  ServiceAddress,
  WebSockets,
  WireguardDetails,
} from "./api/models.ts";
import {
  HostInfoRejectedError,
  type VerifiedHostInformation,
  verifyHostInformation,
} from "./verify.ts";
import type { HostInfoRejection } from "./verify.ts";

/** The mainnet exit policy URL; a network requester using it "uses the exit policy". */
const MAINNET_EXIT_POLICY_URL = "https://nymtech.net/.wellknown/network-requester/exit-policy.txt";

/** A node's verified self-description, as the directory keeps it. */
export interface NodeDescription {
  readonly hostInformation: VerifiedHostInformation;
  readonly declaredRoles: DeclaredRoles;
  readonly auxiliaryDetails: z.output<typeof AuxiliaryDetails>;
  readonly buildInformation: z.output<typeof BuildInformation>;
  readonly mixnetWebsockets: z.output<typeof WebSockets>;
  readonly networkRequester: z.output<typeof NetworkRequesterDetails> | null;
  readonly ipPacketRouter: z.output<typeof ServiceAddress> | null;
  readonly authenticator: z.output<typeof ServiceAddress> | null;
  readonly wireguard: z.output<typeof WireguardDetails> | null;
  /** Unix ms of the poll that produced this description. */
  readonly polledAtMs: number;
}

/** Load and packet counters, for the status page. */
export interface NodeMetricsSample {
  /** `/load` `total`, e.g. `"low"`, or `null` if not served. */
  readonly load: string | null;
  /** Packets received (forward + final hop) since the node started, or `null`. */
  readonly packetsReceived: number | null;
  /** Packets sent (forwarded + acks) since the node started, or `null`. */
  readonly packetsSent: number | null;
  /** Unix ms of the sample. */
  readonly atMs: number;
}

/** The result of polling a node. */
export type PollOutcome =
  | {
    readonly kind: "ok";
    readonly description: NodeDescription;
    readonly metrics: NodeMetricsSample;
  }
  | { readonly kind: "refused"; readonly reason: HostInfoRejection; readonly message: string }
  | { readonly kind: "failed"; readonly message: string };

/** Options of {@linkcode describeNode}. */
export interface DescribeOptions {
  /** `http://host:port` of the node's API. */
  readonly baseUrl: string;
  /** Identity the node must announce (base58), or `null` for any. */
  readonly expectedIdentity: string | null;
  /** Accept loopback and other non-routable IPs (local mode). */
  readonly allowAllIps: boolean;
  /** Per-request timeout, ms (nym-api: 5 s). */
  readonly timeoutMs: number;
  /** Largest accepted response body, bytes. */
  readonly maxResponseBytes: number;
  /** Unix ms now. */
  readonly nowMs: number;
  /** HTTP client (default: global fetch). */
  readonly fetch?: typeof fetch;
  /** Aborts the whole poll (shutdown). */
  readonly signal?: AbortSignal;
}

/** A request to a node failed (network, status, size, timeout, JSON). */
export class NodeQueryError extends Error {
  override name = "NodeQueryError";
}

/**
 * GETs `url` and parses JSON, enforcing the timeout over the whole exchange and the size cap
 * while reading. Throws {@linkcode NodeQueryError} only.
 *
 * @example
 * ```ts no-eval
 * import { getJson } from "./describe.ts";
 * const body = await getJson("http://127.0.0.1:8080/api/v1/health", { timeoutMs: 5000, maxResponseBytes: 1 << 20 });
 * ```
 */
export async function getJson(
  url: string,
  options: {
    readonly timeoutMs: number;
    readonly maxResponseBytes: number;
    readonly fetch?: typeof fetch;
    readonly signal?: AbortSignal;
  },
): Promise<unknown> {
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal) signals.push(options.signal);
  const signal = AbortSignal.any(signals);
  const path = new URL(url).pathname;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      signal,
      headers: { accept: "application/json" },
    });
  } catch (error) {
    throw new NodeQueryError(`${path}: ${describeFetchError(error, signal)}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new NodeQueryError(`${path}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > options.maxResponseBytes) {
    await response.body?.cancel().catch(() => {});
    throw new NodeQueryError(`${path}: response of ${declared} bytes exceeds the cap`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > options.maxResponseBytes) {
        throw new NodeQueryError(
          `${path}: response exceeds ${options.maxResponseBytes} bytes`,
        );
      }
      chunks.push(value);
    }
  } catch (error) {
    await reader?.cancel().catch(() => {});
    if (error instanceof NodeQueryError) throw error;
    throw new NodeQueryError(`${path}: ${describeFetchError(error, signal)}`);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new NodeQueryError(`${path}: the response is not JSON`);
  }
}

function describeFetchError(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason = signal.reason as Error | undefined;
    return reason?.name === "TimeoutError" ? "timed out" : "aborted";
  }
  return (error as Error)?.message ?? String(error);
}

function parseWith<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new NodeQueryError(`${what}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return result.data;
}

const Health = z.object({ status: z.string() });
const Roles = z.object({
  mixnode_enabled: z.boolean(),
  gateway_enabled: z.boolean(),
  network_requester_enabled: z.boolean(),
  ip_packet_router_enabled: z.boolean(),
});
const Load = z.object({ total: z.string().max(32) });
const PacketsStats = z.object({
  ingress_mixing: z.object({
    forward_hop_packets_received: z.number().min(0),
    final_hop_packets_received: z.number().min(0),
  }),
  egress_mixing: z.object({
    forward_hop_packets_sent: z.number().min(0),
    ack_packets_sent: z.number().min(0),
  }),
});
const ExitPolicy = z.object({ enabled: z.boolean(), upstream_source: z.string() });

/**
 * Polls a node once. Never throws: failures and refusals are outcomes.
 *
 * @example
 * ```ts no-eval
 * import { describeNode } from "./describe.ts";
 * const outcome = await describeNode({
 *   baseUrl: "http://127.0.0.1:8080", expectedIdentity: null, allowAllIps: true,
 *   timeoutMs: 5000, maxResponseBytes: 1 << 20, nowMs: Date.now(),
 * });
 * if (outcome.kind === "ok") outcome.description.hostInformation.keys.ed25519_identity;
 * ```
 */
export async function describeNode(options: DescribeOptions): Promise<PollOutcome> {
  const get = (path: string) => getJson(`${options.baseUrl}/api/v1/${path}`, options);
  const optional = async <T extends z.ZodType>(path: string, schema: T) => {
    try {
      return parseWith(schema, await get(path), path);
    } catch {
      return null;
    }
  };
  try {
    const health = parseWith(Health, await get("health"), "health");
    if (health.status !== "up") throw new NodeQueryError(`health: status is ${health.status}`);
    const hostInformation = verifyHostInformation(await get("host-information"), {
      expectedIdentity: options.expectedIdentity,
      allowAllIps: options.allowAllIps,
    });
    const [
      build,
      roles,
      aux,
      websockets,
      nr,
      exitPolicy,
      ipr,
      authenticator,
      wireguard,
      load,
      packets,
    ] = await Promise.all([
      get("build-information").then((b) => parseWith(BuildInformation, b, "build-information")),
      get("roles").then((b) => parseWith(Roles, b, "roles")),
      optional("auxiliary-details", AuxiliaryDetails),
      get("gateway/client-interfaces/mixnet-websockets").then((b) =>
        parseWith(WebSockets, b, "mixnet-websockets")
      ),
      optional("network-requester", z.object({ address: z.string().max(1024) })),
      optional("network-requester/exit-policy", ExitPolicy),
      optional("ip-packet-router", ServiceAddress),
      optional("authenticator", ServiceAddress),
      optional("gateway/client-interfaces/wireguard", WireguardDetails),
      optional("load", Load),
      optional("metrics/packets-stats", PacketsStats),
    ]);
    const declaredRoles: DeclaredRoles = {
      mixnode: roles.mixnode_enabled,
      entry: roles.gateway_enabled,
      exit_nr: roles.gateway_enabled && roles.network_requester_enabled,
      exit_ipr: roles.gateway_enabled && roles.ip_packet_router_enabled,
    };
    return {
      kind: "ok",
      description: {
        hostInformation,
        declaredRoles,
        auxiliaryDetails: aux ?? {
          location: null,
          announce_ports: { verloc_port: null, mix_port: null },
          accepted_operator_terms_and_conditions: false,
        },
        buildInformation: build,
        mixnetWebsockets: websockets,
        networkRequester: nr && exitPolicy
          ? {
            address: nr.address,
            uses_exit_policy: exitPolicy.enabled &&
              exitPolicy.upstream_source === MAINNET_EXIT_POLICY_URL,
          }
          : null,
        ipPacketRouter: ipr,
        authenticator,
        wireguard,
        polledAtMs: options.nowMs,
      },
      metrics: {
        load: load?.total ?? null,
        packetsReceived: packets
          ? packets.ingress_mixing.forward_hop_packets_received +
            packets.ingress_mixing.final_hop_packets_received
          : null,
        packetsSent: packets
          ? packets.egress_mixing.forward_hop_packets_sent + packets.egress_mixing.ack_packets_sent
          : null,
        atMs: options.nowMs,
      },
    };
  } catch (error) {
    if (error instanceof HostInfoRejectedError) {
      return { kind: "refused", reason: error.reason, message: error.message };
    }
    if (error instanceof NodeQueryError) return { kind: "failed", message: error.message };
    return { kind: "failed", message: `unexpected: ${(error as Error)?.message ?? error}` };
  }
}
