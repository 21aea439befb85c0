/**
 * Whether a node-to-node connection speaks Noise or plain TCP, decided exactly as upstream's
 * phased-upgrade rules (`nym-node.md` §3.1, `wire-format.md` §5, upstream
 * `common/nymnoise/src/{lib,config}.rs`):
 *
 * - Initiator: Noise only if the directory lists a Noise key for that exact socket address
 *   (`ip:mix_port`); an announced version it does not know is downgraded to
 *   {@linkcode LATEST_NOISE_VERSION} (V1). Otherwise plain TCP.
 * - Responder: Noise only if the peer's IP, or its canonical form (IPv4-mapped IPv6 → IPv4),
 *   belongs to a node that announced any Noise key. Otherwise plain TCP.
 * - `unsafeDisabled` (a debug option) forces plain TCP on both sides.
 *
 * Pure: the network view is a value built from the directory.
 *
 * @module
 */
import {
  formatIpAddress,
  type HostPort,
  InvalidAddressError,
  normalizeSocketAddress,
  parseIpAddress,
  parseSocketAddress,
  toCanonicalIp,
} from "../address.ts";
import { NOISE_DH_LENGTH } from "./keys.ts";
import { isSupportedNoiseVersion, LATEST_NOISE_VERSION } from "./psk.ts";

/** A node's announced Noise key (`VersionedNoiseKeyV1`). */
export interface NoiseKeyAnnouncement {
  /** `supported_version` as announced (any u8; only 1 is known). */
  readonly supportedVersion: number;
  /** The node's static X25519 public key (32 bytes, base58-decoded). */
  readonly x25519PublicKey: Uint8Array;
}

/** One directory entry: the node's mixnet socket address and its announced key. */
export interface NoiseViewEntry {
  /** `ip:port` / `[ip]:port` text or a `{hostname, port}` object. */
  readonly address: string | HostPort;
  /** The announcement. */
  readonly key: NoiseKeyAnnouncement;
}

/**
 * The directory as the Noise decisions need it (upstream `NoiseNetworkView`): keys by
 * normalised socket address for the initiator, and the normalised IPs that announced a key
 * for the responder.
 */
export interface NoiseNetworkView {
  /** Announcements by normalised socket address. */
  readonly keys: ReadonlyMap<string, NoiseKeyAnnouncement>;
  /** Normalised IPs of nodes that announced a key (plain spelling, as listed). */
  readonly supportingIps: ReadonlySet<string>;
  /** Entries dropped because their address or key was malformed. */
  readonly rejectedEntries: number;
}

/**
 * Builds a {@linkcode NoiseNetworkView} from directory entries (upstream `swap_view`).
 * Entries with an unparseable address or a key that is not 32 bytes are skipped and counted,
 * so one bad directory record cannot break the view. Later duplicates replace earlier ones.
 *
 * @example
 * ```ts
 * import { createNoiseNetworkView } from "./negotiate.ts";
 * const view = createNoiseNetworkView([
 *   { address: "10.0.0.1:1789", key: { supportedVersion: 1, x25519PublicKey: new Uint8Array(32) } },
 * ]);
 * view.supportingIps.has("10.0.0.1"); // true
 * ```
 */
export function createNoiseNetworkView(entries: Iterable<NoiseViewEntry>): NoiseNetworkView {
  const keys = new Map<string, NoiseKeyAnnouncement>();
  let rejectedEntries = 0;
  for (const entry of entries) {
    const key = entry?.key;
    const pub = key?.x25519PublicKey;
    if (
      !(pub instanceof Uint8Array) || pub.length !== NOISE_DH_LENGTH ||
      !Number.isInteger(key.supportedVersion) || key.supportedVersion < 0 ||
      key.supportedVersion > 255
    ) {
      rejectedEntries++;
      continue;
    }
    let address: string;
    try {
      address = normalizeSocketAddress(entry.address);
    } catch (e) {
      if (!(e instanceof InvalidAddressError)) throw e;
      rejectedEntries++;
      continue;
    }
    keys.set(address, { supportedVersion: key.supportedVersion, x25519PublicKey: pub.slice() });
  }
  const supportingIps = new Set<string>();
  for (const address of keys.keys()) {
    supportingIps.add(formatIpAddress(parseSocketAddress(address).ip));
  }
  return { keys, supportingIps, rejectedEntries };
}

/** Options of the decisions. */
export interface NoiseDecisionOptions {
  /** Debug switch that forces plain TCP (upstream `unsafe_disabled`). */
  readonly unsafeDisabled?: boolean;
}

/** The initiator's choice. */
export type InitiatorTransportDecision =
  | {
    readonly mode: "noise";
    /** The version to run: the announced one if known, else the latest known (V1). */
    readonly version: number;
    /** The responder's static key to pass to `noiseConnect`. */
    readonly responderStaticPublicKey: Uint8Array;
    /** True when an unknown announced version was downgraded. */
    readonly downgraded: boolean;
  }
  | { readonly mode: "plain"; readonly reason: "disabled" | "no-noise-key" };

/**
 * The initiator's decision for a connection to `peer` (the remote socket address). Throws
 * {@linkcode InvalidAddressError} if `peer` does not parse.
 *
 * @example
 * ```ts
 * import { createNoiseNetworkView, decideInitiatorTransport } from "./negotiate.ts";
 * const view = createNoiseNetworkView([
 *   { address: "10.0.0.1:1789", key: { supportedVersion: 9, x25519PublicKey: new Uint8Array(32) } },
 * ]);
 * decideInitiatorTransport(view, "10.0.0.1:1789"); // { mode: "noise", version: 1, downgraded: true, ... }
 * decideInitiatorTransport(view, "10.0.0.1:1790").mode; // "plain"
 * ```
 */
export function decideInitiatorTransport(
  view: NoiseNetworkView,
  peer: string | HostPort,
  options: NoiseDecisionOptions = {},
): InitiatorTransportDecision {
  if (options.unsafeDisabled) return { mode: "plain", reason: "disabled" };
  const key = view.keys.get(normalizeSocketAddress(peer));
  if (key === undefined) return { mode: "plain", reason: "no-noise-key" };
  const known = isSupportedNoiseVersion(key.supportedVersion);
  return {
    mode: "noise",
    version: known ? key.supportedVersion : LATEST_NOISE_VERSION,
    responderStaticPublicKey: key.x25519PublicKey.slice(),
    downgraded: !known,
  };
}

/** The responder's choice. */
export type ResponderTransportDecision =
  | { readonly mode: "noise" }
  | { readonly mode: "plain"; readonly reason: "disabled" | "peer-without-noise" };

/**
 * The responder's decision for an accepted connection from `peerIp` (an IP literal, or a
 * `{hostname}` such as `conn.remoteAddr`). Looks up the IP as given, then its canonical form,
 * as upstream `get_noise_support` does. Throws {@linkcode InvalidAddressError} if the IP does
 * not parse.
 *
 * @example
 * ```ts
 * import { createNoiseNetworkView, decideResponderTransport } from "./negotiate.ts";
 * const view = createNoiseNetworkView([
 *   { address: "10.0.0.1:1789", key: { supportedVersion: 1, x25519PublicKey: new Uint8Array(32) } },
 * ]);
 * decideResponderTransport(view, "::ffff:10.0.0.1").mode; // "noise"
 * decideResponderTransport(view, "10.0.0.2").mode; // "plain"
 * ```
 */
export function decideResponderTransport(
  view: Pick<NoiseNetworkView, "supportingIps">,
  peerIp: string | Pick<HostPort, "hostname">,
  options: NoiseDecisionOptions = {},
): ResponderTransportDecision {
  if (options.unsafeDisabled) return { mode: "plain", reason: "disabled" };
  let host = typeof peerIp === "string" ? peerIp : String(peerIp?.hostname ?? "");
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const ip = parseIpAddress(host);
  if (
    view.supportingIps.has(formatIpAddress(ip)) ||
    view.supportingIps.has(formatIpAddress(toCanonicalIp(ip)))
  ) {
    return { mode: "noise" };
  }
  return { mode: "plain", reason: "peer-without-noise" };
}
