/**
 * Encoding nym-api responses as the real client asks for them (`?output=bincode`,
 * `/work/notes/wasm-client.md` §2.7) and decoding them the way the client does: by the
 * response's `Content-Type` alone (`application/bincode` → bincode, anything else → JSON).
 *
 * Bincode exists for the skimmed and semi-skimmed node lists and the rewarded set; the
 * key-rotation info cannot be bincode (its Rust type uses `#[serde(flatten)]`).
 *
 * @module
 */
import type { z } from "zod";
import { decodeBase58 } from "../../crypto/base58.ts";
import { formatIp, parseIp } from "../../util/net.ts";
import { BincodeError, BincodeReader, BincodeWriter } from "./bincode.ts";
import {
  type BasicEntryInformation,
  type CachedNodesResponse,
  type Interval,
  type NodeRole,
  type NodesResponseMetadata,
  type RewardedSet,
  RewardedSet as RewardedSetSchema,
  type SemiSkimmedNode,
  SemiSkimmedNodesResponse,
  type SkimmedNode,
  SkimmedNodesResponse,
  type TopologyRequestStatus,
} from "./models.ts";

/** The media type of bincode bodies. */
export const BINCODE_CONTENT_TYPE = "application/bincode";

/** Thrown when a response body cannot be decoded into the expected model. */
export class ResponseDecodeError extends Error {
  override name = "ResponseDecodeError";
}

const ROLE_INDEX: Readonly<Record<string, number>> = {
  EntryGateway: 1,
  ExitGateway: 2,
  Standby: 3,
  Inactive: 4,
};
const ROLE_BY_INDEX: readonly (NodeRole | undefined)[] = [
  undefined, // 0 is Mixnode { layer }, read separately
  "EntryGateway",
  "ExitGateway",
  "Standby",
  "Inactive",
];

function writeIp(w: BincodeWriter, text: string): void {
  const ip = parseIp(text);
  w.varint(ip.family === 4 ? 0 : 1);
  w.raw(ip.bytes);
}

function readIp(r: BincodeReader): string {
  const variant = r.varint();
  if (variant === 0) return formatIp({ family: 4, bytes: r.raw(4) });
  if (variant === 1) return formatIp({ family: 6, bytes: r.raw(16) });
  throw new BincodeError(`invalid IpAddr variant ${variant}`);
}

function writeRole(w: BincodeWriter, role: NodeRole): void {
  if (typeof role === "object") {
    w.varint(0);
    w.u8(role.Mixnode.layer);
  } else {
    w.varint(ROLE_INDEX[role]);
  }
}

function readRole(r: BincodeReader): NodeRole {
  const variant = r.varint();
  if (variant === 0) return { Mixnode: { layer: r.u8() } };
  const role = ROLE_BY_INDEX[variant];
  if (!role) throw new BincodeError(`invalid NodeRole variant ${variant}`);
  return role;
}

function readKey(r: BincodeReader): string {
  const text = r.string(128);
  try {
    decodeBase58(text, 32);
  } catch {
    throw new BincodeError(`invalid base58 key ${JSON.stringify(text)}`);
  }
  return text;
}

function writeEntry(w: BincodeWriter, entry: BasicEntryInformation): void {
  w.option(entry.hostname, (h) => w.string(h));
  w.varint(entry.ws_port);
  w.option(entry.wss_port, (p) => w.varint(p));
}

/**
 * Writes one `SkimmedNodeV1` (field order of the Rust struct).
 *
 * @example
 * ```ts no-eval
 * import { BincodeWriter } from "./bincode.ts";
 * import { writeSkimmedNode } from "./codec.ts";
 * const w = new BincodeWriter();
 * writeSkimmedNode(w, node);
 * ```
 */
export function writeSkimmedNode(w: BincodeWriter, node: SkimmedNode): void {
  w.varint(node.node_id);
  w.string(node.ed25519_identity_pubkey);
  w.seq(node.ip_addresses, (ip) => writeIp(w, ip));
  w.varint(node.mix_port);
  w.string(node.x25519_sphinx_pubkey);
  writeRole(w, node.role);
  const roles = node.supported_roles;
  w.bool(roles.mixnode);
  w.bool(roles.entry);
  w.bool(roles.exit_nr);
  w.bool(roles.exit_ipr);
  w.option(node.entry, (e) => writeEntry(w, e));
  w.string(node.performance);
}

/**
 * Reads one `SkimmedNodeV1`.
 *
 * @example
 * ```ts no-eval
 * import { BincodeReader } from "./bincode.ts";
 * import { readSkimmedNode } from "./codec.ts";
 * const node = readSkimmedNode(new BincodeReader(bytes));
 * ```
 */
export function readSkimmedNode(r: BincodeReader): SkimmedNode {
  const node_id = r.varint();
  const ed25519_identity_pubkey = readKey(r);
  const ip_addresses = r.seq(() => readIp(r), 64);
  const mix_port = r.varint(0xffff);
  const x25519_sphinx_pubkey = readKey(r);
  const role = readRole(r);
  const supported_roles = {
    mixnode: r.bool(),
    entry: r.bool(),
    exit_nr: r.bool(),
    exit_ipr: r.bool(),
  };
  const entry = r.option(() => ({
    hostname: r.option(() => r.string(1024)),
    ws_port: r.varint(0xffff),
    wss_port: r.option(() => r.varint(0xffff)),
  }));
  const performance = r.string(64);
  if (!/^\d+(\.\d+)?$/.test(performance) || Number(performance) > 1) {
    throw new BincodeError(`invalid performance ${JSON.stringify(performance)}`);
  }
  return {
    node_id,
    ed25519_identity_pubkey,
    ip_addresses,
    mix_port,
    x25519_sphinx_pubkey,
    role,
    supported_roles,
    entry,
    performance,
  };
}

function writeSemiSkimmedNode(w: BincodeWriter, node: SemiSkimmedNode): void {
  writeSkimmedNode(w, node.basic);
  w.option(node.x25519_noise_versioned_key, (k) => {
    w.u8(k.supported_version); // NoiseVersion is (de)serialised through u8
    w.string(k.x25519_pubkey);
  });
}

function readSemiSkimmedNode(r: BincodeReader): SemiSkimmedNode {
  const basic = readSkimmedNode(r);
  const x25519_noise_versioned_key = r.option(() => ({
    supported_version: r.u8(),
    x25519_pubkey: readKey(r),
  }));
  return { basic, x25519_noise_versioned_key };
}

function writeInterval(w: BincodeWriter, interval: Interval): void {
  w.varint(interval.id);
  w.varint(interval.epochs_in_interval);
  w.string(interval.current_epoch_start);
  w.varint(interval.current_epoch_id);
  w.varint(interval.epoch_length.secs);
  w.varint(interval.epoch_length.nanos);
  w.varint(interval.total_elapsed_epochs);
}

function readInterval(r: BincodeReader): Interval {
  return {
    id: r.varint(),
    epochs_in_interval: r.varint(),
    current_epoch_start: r.string(128),
    current_epoch_id: r.varint(),
    epoch_length: { secs: r.varint(Number.MAX_SAFE_INTEGER), nanos: r.varint() },
    total_elapsed_epochs: r.varint(),
  };
}

function writeMetadata(w: BincodeWriter, m: NodesResponseMetadata): void {
  w.option(m.status, (status: TopologyRequestStatus) => {
    if (status === "no-updates") {
      w.varint(0);
    } else {
      w.varint(1);
      writeInterval(w, status.fresh);
    }
  });
  w.varint(m.absolute_epoch_id);
  w.varint(m.rotation_id);
  w.string(m.refreshed_at);
}

function readMetadata(r: BincodeReader): NodesResponseMetadata {
  const status = r.option((): TopologyRequestStatus => {
    const variant = r.varint();
    if (variant === 0) return "no-updates";
    if (variant === 1) return { fresh: readInterval(r) };
    throw new BincodeError(`invalid TopologyRequestStatus variant ${variant}`);
  });
  return {
    status,
    absolute_epoch_id: r.varint(),
    rotation_id: r.varint(),
    refreshed_at: r.string(256),
  };
}

function encodeCached<T>(
  response: CachedNodesResponse<T>,
  write: (w: BincodeWriter, item: T) => void,
): Uint8Array {
  const w = new BincodeWriter();
  writeMetadata(w, response.metadata);
  const p = response.nodes.pagination;
  w.varint(p.total);
  w.varint(p.page);
  w.varint(p.size);
  w.seq(response.nodes.data, (item) => write(w, item));
  return w.bytes();
}

function decodeCached<T>(bytes: Uint8Array, read: (r: BincodeReader) => T): CachedNodesResponse<T> {
  const r = new BincodeReader(bytes);
  const metadata = readMetadata(r);
  const pagination = {
    total: r.varint(Number.MAX_SAFE_INTEGER),
    page: r.varint(),
    size: r.varint(Number.MAX_SAFE_INTEGER),
  };
  const data = r.seq(() => read(r), 1_000_000);
  r.finish();
  return { metadata, nodes: { pagination, data } };
}

/**
 * Encodes a skimmed node list (`PaginatedCachedNodesResponseV2<SkimmedNodeV1>`) as bincode.
 *
 * @example
 * ```ts
 * import { encodeSkimmedNodesBincode } from "./codec.ts";
 * encodeSkimmedNodesBincode({
 *   metadata: { status: null, absolute_epoch_id: 100, rotation_id: 4, refreshed_at: "x" },
 *   nodes: { pagination: { total: 0, page: 0, size: 0 }, data: [] },
 * }); // 00 64 04 01 78 00 00 00 00
 * ```
 */
export function encodeSkimmedNodesBincode(
  response: CachedNodesResponse<SkimmedNode>,
): Uint8Array {
  return encodeCached(response, writeSkimmedNode);
}

/**
 * Decodes a bincode skimmed node list; throws {@linkcode BincodeError}.
 *
 * @example
 * ```ts no-eval
 * import { decodeSkimmedNodesBincode } from "./codec.ts";
 * decodeSkimmedNodesBincode(bytes).nodes.data[0].node_id;
 * ```
 */
export function decodeSkimmedNodesBincode(bytes: Uint8Array): CachedNodesResponse<SkimmedNode> {
  return decodeCached(bytes, readSkimmedNode);
}

/**
 * Encodes a semi-skimmed node list as bincode.
 *
 * @example
 * ```ts no-eval
 * import { encodeSemiSkimmedNodesBincode } from "./codec.ts";
 * const body = encodeSemiSkimmedNodesBincode(response);
 * ```
 */
export function encodeSemiSkimmedNodesBincode(
  response: CachedNodesResponse<SemiSkimmedNode>,
): Uint8Array {
  return encodeCached(response, writeSemiSkimmedNode);
}

/**
 * Decodes a bincode semi-skimmed node list; throws {@linkcode BincodeError}.
 *
 * @example
 * ```ts no-eval
 * import { decodeSemiSkimmedNodesBincode } from "./codec.ts";
 * decodeSemiSkimmedNodesBincode(bytes).nodes.data[0].basic.mix_port;
 * ```
 */
export function decodeSemiSkimmedNodesBincode(
  bytes: Uint8Array,
): CachedNodesResponse<SemiSkimmedNode> {
  return decodeCached(bytes, readSemiSkimmedNode);
}

/**
 * Encodes the rewarded set as bincode.
 *
 * @example
 * ```ts
 * import { encodeRewardedSetBincode } from "./codec.ts";
 * encodeRewardedSetBincode({
 *   epoch_id: 1, entry_gateways: [1], exit_gateways: [], layer1: [], layer2: [], layer3: [], standby: [],
 * }); // 01 01 01 00 00 00 00 00
 * ```
 */
export function encodeRewardedSetBincode(set: RewardedSet): Uint8Array {
  const w = new BincodeWriter();
  w.varint(set.epoch_id);
  for (
    const list of [
      set.entry_gateways,
      set.exit_gateways,
      set.layer1,
      set.layer2,
      set.layer3,
      set.standby,
    ]
  ) {
    w.seq(list, (id) => w.varint(id));
  }
  return w.bytes();
}

/**
 * Decodes a bincode rewarded set; throws {@linkcode BincodeError}.
 *
 * @example
 * ```ts
 * import { decodeRewardedSetBincode } from "./codec.ts";
 * decodeRewardedSetBincode(new Uint8Array([1, 1, 1, 0, 0, 0, 0, 0])).entry_gateways; // [1]
 * ```
 */
export function decodeRewardedSetBincode(bytes: Uint8Array): RewardedSet {
  const r = new BincodeReader(bytes);
  const ids = () => r.seq(() => r.varint(), 1_000_000);
  const set = {
    epoch_id: r.varint(),
    entry_gateways: ids(),
    exit_gateways: ids(),
    layer1: ids(),
    layer2: ids(),
    layer3: ids(),
    standby: ids(),
  };
  r.finish();
  return set;
}

/** How to read one kind of response: its JSON schema and, if it has one, its bincode decoder. */
export interface ResponseCodec<T> {
  /** Validates (and normalises) the JSON form. */
  readonly schema: z.ZodType<T, unknown>;
  /** Decodes the bincode form; absent when the type has no bincode form. */
  readonly bincode?: (bytes: Uint8Array) => T;
}

/** Codec of the skimmed node lists. */
export const SKIMMED_NODES_CODEC: ResponseCodec<CachedNodesResponse<SkimmedNode>> = {
  schema: SkimmedNodesResponse as unknown as z.ZodType<CachedNodesResponse<SkimmedNode>, unknown>,
  bincode: decodeSkimmedNodesBincode,
};

/** Codec of the semi-skimmed node lists. */
export const SEMI_SKIMMED_NODES_CODEC: ResponseCodec<CachedNodesResponse<SemiSkimmedNode>> = {
  schema: SemiSkimmedNodesResponse as unknown as z.ZodType<
    CachedNodesResponse<SemiSkimmedNode>,
    unknown
  >,
  bincode: decodeSemiSkimmedNodesBincode,
};

/** Codec of the rewarded set. */
export const REWARDED_SET_CODEC: ResponseCodec<RewardedSet> = {
  schema: RewardedSetSchema,
  bincode: decodeRewardedSetBincode,
};

/**
 * Decodes a response body the way the Rust client does: bincode when the `Content-Type` is
 * `application/bincode`, else JSON; then validates it. Throws {@linkcode ResponseDecodeError}.
 *
 * @example
 * ```ts
 * import { decodeResponseBody, REWARDED_SET_CODEC } from "./codec.ts";
 * const body = new TextEncoder().encode(
 *   '{"epoch_id":1,"entry_gateways":[],"exit_gateways":[],"layer1":[],"layer2":[],"layer3":[],"standby":[]}',
 * );
 * decodeResponseBody(body, "application/json", REWARDED_SET_CODEC).epoch_id; // 1
 * ```
 */
export function decodeResponseBody<T>(
  body: Uint8Array,
  contentType: string | null,
  codec: ResponseCodec<T>,
): T {
  if (body.length === 0) throw new ResponseDecodeError("the response body is empty");
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType === BINCODE_CONTENT_TYPE) {
    if (!codec.bincode) throw new ResponseDecodeError("this response has no bincode form");
    try {
      return codec.bincode(body);
    } catch (error) {
      if (error instanceof BincodeError) {
        throw new ResponseDecodeError(`invalid bincode: ${error.message}`);
      }
      throw error;
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    throw new ResponseDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  const result = codec.schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ResponseDecodeError(
      `unexpected response: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  return result.data;
}
