/**
 * The nym-api responses a client reads (JSON forms; `/work/notes/wasm-client.md` §2.3–§2.5,
 * upstream `nym-api-requests`): skimmed nodes, the rewarded set and key-rotation info. Parsing
 * is strict about what routing needs (keys, addresses) and lenient elsewhere, as the real
 * client is: a node with unusable details is skipped, not fatal.
 *
 * `directory/` fetches and validates these responses (`nym_api.ts`); the functions here turn
 * them into what routing needs (decoded keys, performance in whole percent) and drop nodes the
 * client cannot use.
 *
 * @module
 */
import { decodeBase58 } from "../../crypto/base58.ts";

/** Thrown by the parsers; the caller adds the URL. */
export class NymApiFormatError extends Error {
  override name = "NymApiFormatError";
}

/** `NodesResponseMetadata`: what must agree between the node lists of one refresh. */
export interface NodesMetadata {
  /** `status` as JSON text (`null`, `"no-updates"`, `{"fresh":...}`), compared verbatim. */
  readonly status: string;
  readonly absoluteEpochId: number;
  /** The key-rotation id the listed Sphinx keys belong to. */
  readonly rotationId: number;
}

/** A node's client entry point (`entry`). */
export interface EntryDetails {
  readonly hostname: string | null;
  readonly wsPort: number;
  readonly wssPort: number | null;
}

/** A `SkimmedNode` that passed parsing. */
export interface SkimmedNode {
  readonly nodeId: number;
  /** Ed25519 identity (32 bytes) and its base58 text. */
  readonly identity: Uint8Array;
  readonly identityText: string;
  readonly ipAddresses: readonly string[];
  readonly mixPort: number;
  /** X25519 Sphinx key for `metadata.rotationId`. */
  readonly sphinxKey: Uint8Array;
  readonly supportedRoles: {
    readonly mixnode: boolean;
    readonly entry: boolean;
    readonly exitNr: boolean;
    readonly exitIpr: boolean;
  };
  readonly entry: EntryDetails | null;
  /** Performance in whole percent, truncated (`"0.499"` is 49). */
  readonly performance: number;
}

/** `GET /v1/nym-nodes/rewarded-set`. */
export interface RewardedSet {
  readonly epochId: number;
  readonly entryGateways: readonly number[];
  readonly exitGateways: readonly number[];
  readonly layer1: readonly number[];
  readonly layer2: readonly number[];
  readonly layer3: readonly number[];
  readonly standby: readonly number[];
}

/** `GET /v1/epoch/key-rotation-info` (what the client uses of it). */
export interface KeyRotationInfo {
  readonly validityEpochs: number;
  readonly initialEpochId: number;
  readonly currentAbsoluteEpochId: number;
  /** Start of the current epoch (ms since the epoch), or null if unparsable. */
  readonly currentEpochStartMs: number | null;
  readonly epochDurationMs: number;
}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new NymApiFormatError(`${what} is not a JSON object`);
  }
  return value as Json;
}

function u32(value: unknown, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 0xffff_ffff) {
    throw new NymApiFormatError(`${what} is not a u32`);
  }
  return value as number;
}

function u32List(value: unknown, what: string): number[] {
  if (!Array.isArray(value)) throw new NymApiFormatError(`${what} is not an array`);
  return value.map((v, i) => u32(v, `${what}[${i}]`));
}

/**
 * Parses nym-api's decimal performance (`"0.95"`; a JSON number is accepted too) into whole
 * percent, truncating as the client does (`floor(perf × 100)`).
 *
 * @example
 * ```ts
 * import { parsePerformance } from "./models.ts";
 * parsePerformance("0.499"); // 49
 * parsePerformance("1"); // 100
 * ```
 * @throws {NymApiFormatError} for anything else or a value above 1.
 */
export function parsePerformance(value: unknown): number {
  let text: string;
  if (typeof value === "string") text = value.trim();
  else if (typeof value === "number" && Number.isFinite(value)) text = value.toFixed(6);
  else throw new NymApiFormatError("performance is not a decimal");
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new NymApiFormatError(`performance ${JSON.stringify(value)} is not a decimal`);
  const whole = Number(match[1]);
  const fraction = ((match[2] ?? "") + "00").slice(0, 2);
  const percent = whole * 100 + Number(fraction);
  const exceeds = whole > 1 || (whole === 1 && /[1-9]/.test(match[2] ?? ""));
  if (exceeds) throw new NymApiFormatError("provided decimal percent is larger than 100%");
  return percent;
}

function key(value: unknown, what: string): Uint8Array {
  if (typeof value !== "string") throw new NymApiFormatError(`${what} is not a string`);
  try {
    return decodeBase58(value, 32);
  } catch {
    throw new NymApiFormatError(`${what} is not a base58 32-byte key`);
  }
}

function port(value: unknown, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 0xffff) {
    throw new NymApiFormatError(`${what} is not a port`);
  }
  return value as number;
}

function parseEntry(value: unknown): EntryDetails | null {
  if (value === null || value === undefined) return null;
  const e = object(value, "entry");
  const hostname = e.hostname === null || e.hostname === undefined ? null : e.hostname;
  if (hostname !== null && typeof hostname !== "string") {
    throw new NymApiFormatError("entry.hostname is not a string");
  }
  const wssPort = e.wss_port === null || e.wss_port === undefined
    ? null
    : port(e.wss_port, "entry.wss_port");
  return { hostname, wsPort: port(e.ws_port, "entry.ws_port"), wssPort };
}

/**
 * Parses one `SkimmedNode`.
 *
 * @example
 * ```ts
 * import { parseSkimmedNode } from "./models.ts";
 * parseSkimmedNode({
 *   node_id: 1, ed25519_identity_pubkey: "CV2oQKsG5RqNeP6ZvuXgKx5LxHKCGvNRij5hgVuvGHRN",
 *   ip_addresses: ["127.0.0.1"], mix_port: 1789,
 *   x25519_sphinx_pubkey: "J1Fq4WRzfAnh9xqhPUeb83X1mQ5e6qb923B5E5NGfzN9",
 *   role: "EntryGateway", entry: { hostname: null, ws_port: 9000, wss_port: null }, performance: "1",
 * }).performance; // 100
 * ```
 * @throws {NymApiFormatError} for a node without usable routing details.
 */
export function parseSkimmedNode(value: unknown): SkimmedNode {
  const n = object(value, "node");
  const identityText = n.ed25519_identity_pubkey;
  const identity = key(identityText, "ed25519_identity_pubkey");
  if (!Array.isArray(n.ip_addresses) || n.ip_addresses.some((ip) => typeof ip !== "string")) {
    throw new NymApiFormatError("ip_addresses is not a list of strings");
  }
  if (n.ip_addresses.length === 0) throw new NymApiFormatError("ip_addresses is empty");
  const roles = n.supported_roles === undefined || n.supported_roles === null
    ? {}
    : object(n.supported_roles, "supported_roles");
  return {
    nodeId: u32(n.node_id, "node_id"),
    identity,
    identityText: identityText as string,
    ipAddresses: n.ip_addresses as string[],
    mixPort: port(n.mix_port, "mix_port"),
    sphinxKey: key(n.x25519_sphinx_pubkey, "x25519_sphinx_pubkey"),
    supportedRoles: {
      mixnode: roles.mixnode === true,
      entry: roles.entry === true,
      exitNr: roles.exit_nr === true,
      exitIpr: roles.exit_ipr === true,
    },
    entry: parseEntry(n.entry),
    performance: parsePerformance(n.performance),
  };
}

/**
 * Parses the rewarded set (`epoch_id` defaults to 0, as upstream).
 *
 * @example
 * ```ts
 * import { parseRewardedSet } from "./models.ts";
 * parseRewardedSet({ entry_gateways: [1], exit_gateways: [], layer1: [11], layer2: [12], layer3: [13], standby: [] })
 *   .layer2; // [12]
 * ```
 * @throws {NymApiFormatError} for a missing or malformed list.
 */
export function parseRewardedSet(value: unknown): RewardedSet {
  const r = object(value, "rewarded set");
  return {
    epochId: r.epoch_id === undefined ? 0 : u32(r.epoch_id, "epoch_id"),
    entryGateways: u32List(r.entry_gateways, "entry_gateways"),
    exitGateways: u32List(r.exit_gateways, "exit_gateways"),
    layer1: u32List(r.layer1, "layer1"),
    layer2: u32List(r.layer2, "layer2"),
    layer3: u32List(r.layer3, "layer3"),
    standby: r.standby === undefined ? [] : u32List(r.standby, "standby"),
  };
}

/**
 * Parses key-rotation info.
 *
 * @example
 * ```ts
 * import { parseKeyRotationInfo } from "./models.ts";
 * parseKeyRotationInfo({
 *   key_rotation_state: { validity_epochs: 24, initial_epoch_id: 0 }, current_absolute_epoch_id: 100,
 *   current_epoch_start: "2026-01-01T00:00:00Z", epoch_duration: { secs: 3600, nanos: 0 },
 * }).epochDurationMs; // 3600000
 * ```
 * @throws {NymApiFormatError} for missing fields or zero validity (which crashes the real
 * client).
 */
export function parseKeyRotationInfo(value: unknown): KeyRotationInfo {
  const r = object(value, "key rotation info");
  const state = object(r.key_rotation_state, "key_rotation_state");
  const validityEpochs = u32(state.validity_epochs, "key_rotation_state.validity_epochs");
  if (validityEpochs === 0) throw new NymApiFormatError("validity_epochs is 0");
  let epochDurationMs = 60 * 60 * 1000;
  if (r.epoch_duration !== undefined) {
    const d = object(r.epoch_duration, "epoch_duration");
    const secs = Number(d.secs ?? 0), nanos = Number(d.nanos ?? 0);
    if (!Number.isFinite(secs) || !Number.isFinite(nanos)) {
      throw new NymApiFormatError("epoch_duration is not {secs, nanos}");
    }
    epochDurationMs = secs * 1000 + Math.floor(nanos / 1e6);
  }
  const start = typeof r.current_epoch_start === "string" ? Date.parse(r.current_epoch_start) : NaN;
  return {
    validityEpochs,
    initialEpochId: u32(state.initial_epoch_id ?? 0, "key_rotation_state.initial_epoch_id"),
    currentAbsoluteEpochId: u32(r.current_absolute_epoch_id, "current_absolute_epoch_id"),
    currentEpochStartMs: Number.isFinite(start) ? start : null,
    epochDurationMs,
  };
}
