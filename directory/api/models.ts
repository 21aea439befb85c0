/**
 * The nym-api data models this project serves and reads, as zod schemas with their TypeScript
 * types. Field names, order and JSON forms follow `nym-api/nym-api-requests/src/{nym_nodes.rs,
 * models/{mixnet,described/*,node_status}.rs,pagination.rs}` (`nym-node.md` §6.4–6.5,
 * `/work/notes/wasm-client.md` §2.3–2.5):
 *
 * - keys are base58 strings, IPs are Rust `Display` strings, `performance` is a **decimal
 *   string** (`"0.95"`; a JSON number is rejected by the real client);
 * - `Option<T>` fields are `null` when absent (a missing field parses as `null`, as serde does);
 * - `NodeRole` is `{"Mixnode":{"layer":n}}` or `"EntryGateway"` / `"ExitGateway"` / `"Standby"` /
 *   `"Inactive"` (the aliases `entry`, `gateway`, `exit` are accepted when parsing).
 *
 * Parsing is lenient where serde is (unknown fields are ignored), strict on types and ranges.
 *
 * @example
 * ```ts
 * import { RewardedSet, SkimmedNode } from "./models.ts";
 * RewardedSet.parse({
 *   entry_gateways: [1], exit_gateways: [], layer1: [11], layer2: [12], layer3: [13], standby: [],
 * }).epoch_id; // 0 (serde default)
 * SkimmedNode.safeParse({ node_id: 1 }).success; // false
 * ```
 *
 * @module
 */
import { z } from "zod";
import { decodeBase58, InvalidBase58Error } from "../../crypto/base58.ts";
import { canonicalIp, InvalidAddressError } from "../../util/net.ts";

/** A `u8`. */
export const U8 = z.int().min(0).max(0xff);
/** A `u16`. */
export const U16 = z.int().min(0).max(0xffff);
/** A `u32`. */
export const U32 = z.int().min(0).max(0xffff_ffff);
/** A `usize` as far as JSON numbers are exact. */
export const USIZE = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** `u32::MAX`: the rotation id of a legacy (non-rotating) sphinx key. */
export const LEGACY_ROTATION_ID = 0xffff_ffff;

/**
 * `Option<T>` as serde reads it: `null` or missing both mean `None`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { option } from "./models.ts";
 * z.object({ a: option(z.string()) }).parse({}).a; // null
 * ```
 */
export function option<T extends z.ZodType>(schema: T) {
  return schema.nullable().optional().transform((value) => value ?? null);
}

/**
 * A base58 key that decodes to `bytes` bytes (32 for ed25519 and x25519 keys).
 *
 * @example
 * ```ts
 * import { base58Key } from "./models.ts";
 * base58Key(32).safeParse("x").success; // false
 * ```
 */
export function base58Key(bytes = 32) {
  return z.string().check((ctx) => {
    try {
      decodeBase58(ctx.value, bytes);
    } catch (error) {
      if (!(error instanceof InvalidBase58Error)) throw error;
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `not a base58 ${bytes}-byte key`,
      });
    }
  });
}

/** An IP address in any form Rust parses; output is the canonical `Display` form. */
export const IpAddress = z.string().transform((value, ctx) => {
  try {
    return canonicalIp(value);
  } catch (error) {
    if (!(error instanceof InvalidAddressError)) throw error;
    ctx.issues.push({ code: "custom", input: value, message: "not an IP address" });
    return z.NEVER;
  }
});

/**
 * `Percent` (cosmwasm `Decimal` in 0..=1) as a decimal string, the form the client requires.
 *
 * @example
 * ```ts
 * import { Performance } from "./models.ts";
 * Performance.safeParse("0.95").success; // true
 * Performance.safeParse(0.95).success; // false
 * ```
 */
export const Performance = z.string().regex(/^\d+(\.\d+)?$/, "not a decimal string").refine(
  (value) => Number(value) <= 1,
  "provided decimal percent is larger than 100%",
);

/** `DeclaredRolesV1`: what a node says it can do. */
export const DeclaredRoles = z.object({
  mixnode: z.boolean(),
  entry: z.boolean(),
  exit_nr: z.boolean(),
  exit_ipr: z.boolean(),
});
/** `DeclaredRolesV1`. */
export type DeclaredRoles = z.output<typeof DeclaredRoles>;

/** A node's role in the current epoch, in canonical form. */
export type NodeRole =
  | { readonly Mixnode: { readonly layer: number } }
  | "EntryGateway"
  | "ExitGateway"
  | "Standby"
  | "Inactive";

const ROLE_ALIASES: Readonly<Record<string, NodeRole>> = {
  EntryGateway: "EntryGateway",
  entry: "EntryGateway",
  gateway: "EntryGateway",
  ExitGateway: "ExitGateway",
  exit: "ExitGateway",
  Standby: "Standby",
  Inactive: "Inactive",
};

/** `NodeRole` (serde's externally tagged enum), aliases folded into the canonical names. */
export const NodeRole: z.ZodType<NodeRole, unknown> = z.union([
  z.object({ Mixnode: z.object({ layer: U8 }) }).transform((
    v,
  ): NodeRole => ({ Mixnode: { layer: v.Mixnode.layer } })),
  z.string().transform((value, ctx): NodeRole => {
    const role = ROLE_ALIASES[value];
    if (role) return role;
    ctx.issues.push({ code: "custom", input: value, message: `unknown node role ${value}` });
    return z.NEVER;
  }),
]);

/** `BasicEntryInformation`: how clients reach an entry gateway. */
export const BasicEntryInformation = z.object({
  hostname: option(z.string()),
  ws_port: U16,
  wss_port: option(U16),
});
/** `BasicEntryInformation`. */
export type BasicEntryInformation = z.output<typeof BasicEntryInformation>;

const NO_ROLES: DeclaredRoles = { mixnode: false, entry: false, exit_nr: false, exit_ipr: false };

/** `SkimmedNodeV1`: the bare minimum to build sphinx packets through a node. */
export const SkimmedNode = z.object({
  node_id: U32,
  ed25519_identity_pubkey: base58Key(32),
  ip_addresses: z.array(IpAddress),
  mix_port: U16,
  /** The sphinx key for `metadata.rotation_id` of the response. */
  x25519_sphinx_pubkey: base58Key(32),
  role: NodeRole,
  supported_roles: DeclaredRoles.optional().transform((v) => v ?? { ...NO_ROLES }),
  entry: option(BasicEntryInformation),
  performance: Performance,
});
/** `SkimmedNodeV1`. */
export type SkimmedNode = z.output<typeof SkimmedNode>;

/** `VersionedNoiseKeyV1`. */
export const VersionedNoiseKey = z.object({
  supported_version: U8,
  x25519_pubkey: base58Key(32),
});
/** `VersionedNoiseKeyV1`. */
export type VersionedNoiseKey = z.output<typeof VersionedNoiseKey>;

/** `SemiSkimmedNodeV1`: a skimmed node plus its Noise key. */
export const SemiSkimmedNode = z.object({
  basic: SkimmedNode,
  x25519_noise_versioned_key: option(VersionedNoiseKey),
});
/** `SemiSkimmedNodeV1`. */
export type SemiSkimmedNode = z.output<typeof SemiSkimmedNode>;

/** std `Duration` as serde writes it. */
export const RustDuration = z.object({
  secs: z.int().min(0),
  nanos: z.int().min(0).max(999_999_999),
});
/** std `Duration`. */
export type RustDuration = z.output<typeof RustDuration>;

/** The mixnet contract's `Interval` (only inside `TopologyRequestStatus::Fresh`). */
export const Interval = z.object({
  id: U32,
  epochs_in_interval: U32,
  current_epoch_start: z.string(),
  current_epoch_id: U32,
  epoch_length: RustDuration,
  total_elapsed_epochs: U32,
});
/** `Interval`. */
export type Interval = z.output<typeof Interval>;

/** `TopologyRequestStatus` (kebab-case): `"no-updates"` or `{"fresh": Interval}`. */
export const TopologyRequestStatus = z.union([
  z.literal("no-updates"),
  z.object({ fresh: Interval }),
]);
/** `TopologyRequestStatus`. */
export type TopologyRequestStatus = z.output<typeof TopologyRequestStatus>;

/**
 * `NodesResponseMetadata`. Clients require `status`, `absolute_epoch_id` and `rotation_id` to be
 * equal across the node lists of one refresh (`consistency_check`).
 */
export const NodesResponseMetadata = z.object({
  status: option(TopologyRequestStatus),
  absolute_epoch_id: U32,
  rotation_id: U32,
  /** RFC 3339 (clients fall back to the Unix epoch on anything else). */
  refreshed_at: z.string(),
});
/** `NodesResponseMetadata`. */
export type NodesResponseMetadata = z.output<typeof NodesResponseMetadata>;

/** `Pagination`. */
export const Pagination = z.object({ total: USIZE, page: U32, size: USIZE });
/** `Pagination`. */
export type Pagination = z.output<typeof Pagination>;

/**
 * `PaginatedResponse<T>`: `{"pagination": ..., "data": [T]}`.
 *
 * @example
 * ```ts
 * import { paginated, SkimmedNode } from "./models.ts";
 * paginated(SkimmedNode).parse({ pagination: { total: 0, page: 0, size: 0 }, data: [] });
 * ```
 */
export function paginated<T extends z.ZodType>(item: T) {
  return z.object({ pagination: Pagination, data: z.array(item) });
}
/** `PaginatedResponse<T>`. */
export interface PaginatedResponse<T> {
  readonly pagination: Pagination;
  readonly data: readonly T[];
}

/**
 * `PaginatedCachedNodesResponseV2<T>`: `{"metadata": ..., "nodes": PaginatedResponse<T>}`.
 *
 * @example
 * ```ts
 * import { cachedNodes, SkimmedNode } from "./models.ts";
 * const SkimmedPage = cachedNodes(SkimmedNode);
 * ```
 */
export function cachedNodes<T extends z.ZodType>(item: T) {
  return z.object({ metadata: NodesResponseMetadata, nodes: paginated(item) });
}
/** `PaginatedCachedNodesResponseV2<T>`. */
export interface CachedNodesResponse<T> {
  readonly metadata: NodesResponseMetadata;
  readonly nodes: PaginatedResponse<T>;
}

/** `GET /v2/unstable/nym-nodes/skimmed/*`. */
export const SkimmedNodesResponse = cachedNodes(SkimmedNode);
/** `GET /v2/unstable/nym-nodes/semi-skimmed`. */
export const SemiSkimmedNodesResponse = cachedNodes(SemiSkimmedNode);

/** `RewardedSetResponse`: node ids per role for `epoch_id`. */
export const RewardedSet = z.object({
  epoch_id: U32.optional().transform((v) => v ?? 0),
  entry_gateways: z.array(U32),
  exit_gateways: z.array(U32),
  layer1: z.array(U32),
  layer2: z.array(U32),
  layer3: z.array(U32),
  standby: z.array(U32),
});
/** `RewardedSetResponse`. */
export type RewardedSet = z.output<typeof RewardedSet>;

/** `KeyRotationState`. */
export const KeyRotationState = z.object({
  validity_epochs: U32.min(1),
  initial_epoch_id: U32,
});

/**
 * `KeyRotationInfoResponse` (`KeyRotationDetails` flattened, plus `progress`, which the client
 * requires although it does not use it).
 */
export const KeyRotationInfo = z.object({
  key_rotation_state: KeyRotationState,
  current_absolute_epoch_id: U32,
  /** Strict RFC 3339. */
  current_epoch_start: z.string().refine((s) => Number.isFinite(Date.parse(s)), "not RFC 3339"),
  epoch_duration: RustDuration,
  progress: z.object({
    current_key_rotation_id: U32,
    current_rotation_starting_epoch: U32,
    current_rotation_ending_epoch: U32,
  }),
});
/** `KeyRotationInfoResponse`. */
export type KeyRotationInfo = z.output<typeof KeyRotationInfo>;

/**
 * `NodeRefreshBody` (`POST /v1/nym-nodes/refresh-described`). The signature is Ed25519 over
 * `identity (32) ‖ request_timestamp (i64 BE) ‖ "describe-cache-refresh-request"`; it is sent as
 * a JSON array of 64 numbers (a base58 string is accepted too).
 */
export const NodeRefreshBody = z.object({
  node_identity: base58Key(32),
  request_timestamp: z.int(),
  signature: z.union([z.array(U8).length(64), base58Key(64)]),
});
/** `NodeRefreshBody`. */
export type NodeRefreshBody = z.output<typeof NodeRefreshBody>;

/** `SphinxKeyV1` as nym-api serves it in described data. */
export const SphinxKey = z.object({ rotation_id: U32, public_key: base58Key(32) });
/** `SphinxKeyV1`. */
export type SphinxKey = z.output<typeof SphinxKey>;

/** `HostInformationV1` as nym-api serves it (note the key names differ from the node's). */
export const DescribedHostInformation = z.object({
  ip_address: z.array(IpAddress),
  hostname: option(z.string()),
  keys: z.object({
    ed25519: base58Key(32),
    x25519: base58Key(32),
    current_x25519_sphinx_key: SphinxKey,
    pre_announced_x25519_sphinx_key: option(SphinxKey),
    x25519_versioned_noise: option(VersionedNoiseKey),
  }),
});

/** `BinaryBuildInformationOwned`. */
export const BuildInformation = z.object({
  binary_name: z.string(),
  build_timestamp: z.string(),
  build_version: z.string(),
  commit_sha: z.string(),
  commit_timestamp: z.string(),
  commit_branch: z.string(),
  rustc_version: z.string(),
  rustc_channel: z.string(),
  cargo_profile: z.string(),
  cargo_triple: z.string().optional().transform((v) => v ?? ""),
});
/** `BinaryBuildInformationOwned`. */
export type BuildInformation = z.output<typeof BuildInformation>;

/** `AuxiliaryDetailsV1`. */
export const AuxiliaryDetails = z.object({
  location: option(z.string()),
  announce_ports: z.object({ verloc_port: option(U16), mix_port: option(U16) }).optional()
    .transform((v) => v ?? { verloc_port: null, mix_port: null }),
  accepted_operator_terms_and_conditions: z.boolean().optional().transform((v) => v ?? false),
});
/** `AuxiliaryDetailsV1`. */
export type AuxiliaryDetails = z.output<typeof AuxiliaryDetails>;

/** `WebSocketsV1`. */
export const WebSockets = z.object({ ws_port: U16, wss_port: option(U16) });
/** `WebSocketsV1`. */
export type WebSockets = z.output<typeof WebSockets>;

/** `NetworkRequesterDetailsV1`. */
export const NetworkRequesterDetails = z.object({
  address: z.string(),
  uses_exit_policy: z.boolean(),
});
/** `NetworkRequesterDetailsV1`. */
export type NetworkRequesterDetails = z.output<typeof NetworkRequesterDetails>;

/** `IpPacketRouterDetailsV1` / `AuthenticatorDetailsV1`. */
export const ServiceAddress = z.object({ address: z.string() });
/** `IpPacketRouterDetailsV1` / `AuthenticatorDetailsV1`. */
export type ServiceAddress = z.output<typeof ServiceAddress>;

/** `WireguardDetailsV1`. */
export const WireguardDetails = z.object({
  port: U16,
  tunnel_port: U16,
  metadata_port: U16,
  public_key: z.string(),
});
/** `WireguardDetailsV1`. */
export type WireguardDetails = z.output<typeof WireguardDetails>;

/** `NymNodeDataV1`: a node's self-description as nym-api stores it. */
export const NymNodeData = z.object({
  last_polled: z.string(),
  host_information: DescribedHostInformation,
  declared_role: DeclaredRoles,
  auxiliary_details: AuxiliaryDetails,
  build_information: BuildInformation,
  network_requester: option(NetworkRequesterDetails),
  ip_packet_router: option(ServiceAddress),
  authenticator: option(ServiceAddress),
  wireguard: option(WireguardDetails),
  mixnet_websockets: WebSockets,
});
/** `NymNodeDataV1`. */
export type NymNodeData = z.output<typeof NymNodeData>;

/** `NymNodeDescriptionV1` (`GET /v1/nym-nodes/described`). */
export const DescribedNode = z.object({
  node_id: U32,
  contract_node_type: z.enum(["legacy_mixnode", "legacy_gateway", "nym_node"]),
  description: NymNodeData,
});
/** `NymNodeDescriptionV1`. */
export type DescribedNode = z.output<typeof DescribedNode>;

/** `NoiseDetails` (`GET /v1/nym-nodes/noise`). */
export const NoiseDetails = z.object({
  key: VersionedNoiseKey,
  mixnet_port: U16,
  ip_addresses: z.array(IpAddress),
});
/** `NoiseDetails`. */
export type NoiseDetails = z.output<typeof NoiseDetails>;

/**
 * The layer of a skimmed node's role, or `null` for gateways and inactive nodes.
 *
 * @example
 * ```ts
 * import { mixLayer } from "./models.ts";
 * mixLayer({ Mixnode: { layer: 2 } }); // 2
 * mixLayer("EntryGateway"); // null
 * ```
 */
export function mixLayer(role: NodeRole): number | null {
  return typeof role === "object" ? role.Mixnode.layer : null;
}
