/**
 * Response bodies of the HTTP API as zod schemas, named after the real node's Rust models
 * (`nym-node/nym-node-requests/src/api/v1/**\/models.rs`). They feed the OpenAPI document; the
 * field names and order match the JSON the real node serves.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { LOAD_LEVELS } from "../load.ts";

/** `{"message": ...}`, the body of every error response. */
export const ErrorResponse = z.object({
  message: z.string().openapi({
    example: "this nym-node does not wish to expose the system information",
  }),
}).openapi("ErrorResponse");

/** `GET /health`. */
export const NodeHealth = z.object({
  status: z.enum(["up"]).openapi("NodeStatus"),
  uptime: z.int().min(0).openapi({ description: "seconds since the node started" }),
}).openapi("NodeHealth");

/** `GET /load`. */
export const NodeLoad = z.object({
  total: z.enum(LOAD_LEVELS).openapi("Load"),
  machine: z.enum(LOAD_LEVELS).openapi("Load"),
  network: z.enum(LOAD_LEVELS).openapi("Load"),
}).openapi("NodeLoad");

/** `GET /roles`. */
export const NodeRoles = z.object({
  mixnode_enabled: z.boolean(),
  gateway_enabled: z.boolean(),
  network_requester_enabled: z.boolean(),
  ip_packet_router_enabled: z.boolean(),
}).openapi("NodeRoles");

/** `GET /build-information`. */
export const BinaryBuildInformationOwned = z.object({
  binary_name: z.string(),
  build_timestamp: z.string(),
  build_version: z.string(),
  commit_sha: z.string(),
  commit_timestamp: z.string(),
  commit_branch: z.string(),
  rustc_version: z.string(),
  rustc_channel: z.string(),
  cargo_profile: z.string(),
  cargo_triple: z.string(),
}).openapi("BinaryBuildInformationOwned");

/** A sphinx key with its rotation id. */
export const SphinxKey = z.object({
  rotation_id: z.int().min(0).max(0xffff_ffff),
  public_key: z.string().openapi({ description: "base58 x25519 public key" }),
}).openapi("SphinxKey");

/** A Noise key with its protocol version. */
export const VersionedNoiseKeyV1 = z.object({
  supported_version: z.int().min(0).max(255),
  x25519_pubkey: z.string(),
}).openapi("VersionedNoiseKeyV1");

/** The node's public keys. */
export const HostKeys = z.object({
  ed25519_identity: z.string().openapi({ description: "base58 ed25519 identity key" }),
  x25519_sphinx: z.string().openapi({
    deprecated: true,
    description: "use primary_x25519_sphinx_key",
  }),
  primary_x25519_sphinx_key: SphinxKey,
  pre_announced_x25519_sphinx_key: SphinxKey.nullable(),
  x25519_versioned_noise: VersionedNoiseKeyV1.nullable(),
}).openapi("HostKeys");

/** Where the node is and its keys. */
export const HostInformation = z.object({
  ip_address: z.array(z.string()).openapi({ example: ["1.1.1.1"] }),
  hostname: z.string().nullable().openapi({ example: "nymtech.net" }),
  keys: HostKeys,
}).openapi("HostInformation");

/** `GET /host-information`: `data` signed with the identity key over its compact JSON. */
export const SignedHostInformation = z.object({
  data: HostInformation,
  signature: z.string().openapi({
    description: "base58 ed25519 signature over the compact JSON of data",
  }),
}).openapi("SignedDataHostInfo");

/** One CPU. */
export const Cpu = z.object({
  name: z.string(),
  frequency: z.int().openapi({ description: "MHz" }),
  vendor_id: z.string(),
  brand: z.string(),
}).openapi("Cpu");

/** Crypto-relevant instruction support. */
export const CryptoHardware = z.object({
  aesni: z.boolean(),
  avx2: z.boolean(),
  smt_logical_processor_count: z.array(z.int()),
  osxsave: z.boolean(),
  sgx: z.boolean(),
  xsave: z.boolean(),
}).openapi("CryptoHardware");

/** Hardware of the host. */
export const Hardware = z.object({
  cpu: z.array(Cpu),
  total_memory: z.int().openapi({ description: "bytes" }),
  crypto: CryptoHardware.nullable(),
}).openapi("Hardware");

/** `GET /system-info`. */
export const HostSystem = z.object({
  system_name: z.string().nullable(),
  kernel_version: z.string().nullable(),
  os_version: z.string().nullable(),
  cpu_arch: z.string().nullable(),
  hardware: Hardware.nullable(),
}).openapi("HostSystem");

/** `GET /description`. */
export const NodeDescription = z.object({
  moniker: z.string(),
  website: z.string(),
  security_contact: z.string(),
  details: z.string(),
}).openapi("NodeDescription");

/** Announced ports (null: the bound port). */
export const AnnouncePorts = z.object({
  verloc_port: z.int().min(1).max(65535).nullable(),
  mix_port: z.int().min(1).max(65535).nullable(),
}).openapi("AnnouncePorts");

/** `GET /auxiliary-details`. */
export const AuxiliaryDetails = z.object({
  location: z.string().length(2).nullable().openapi({ example: "PL" }),
  announce_ports: AnnouncePorts,
  accepted_operator_terms_and_conditions: z.boolean(),
}).openapi("AuxiliaryDetails");

/** WireGuard client interface. */
export const Wireguard = z.object({
  port: z.int().openapi({ deprecated: true }),
  tunnel_port: z.int(),
  metadata_port: z.int(),
  public_key: z.string(),
}).openapi("Wireguard");

/** Client WebSocket ports. */
export const WebSockets = z.object({
  ws_port: z.int().openapi({ example: 9000 }),
  wss_port: z.int().nullable(),
}).openapi("WebSockets");

/** Client interfaces of a gateway. */
export const ClientInterfaces = z.object({
  wireguard: Wireguard.nullable(),
  mixnet_websockets: WebSockets.nullable(),
}).openapi("ClientInterfaces");

/** `GET /gateway`. */
export const Gateway = z.object({
  enforces_zk_nyms: z.boolean(),
  client_interfaces: ClientInterfaces,
}).openapi("Gateway");

/** `GET /mixnode` (an empty object). */
export const Mixnode = z.object({}).openapi("Mixnode");

/** The data types of the schemas above. */
export type NodeRolesData = z.infer<typeof NodeRoles>;
/** `AuxiliaryDetails` data. */
export type AuxiliaryDetailsData = z.infer<typeof AuxiliaryDetails>;
/** `Gateway` data. */
export type GatewayData = z.infer<typeof Gateway>;
