/**
 * Wire versions of the service-provider interface and of the SOCKS5 protocol (`clients.md` §5.3,
 * upstream `service-providers/common/src/interface/version.rs` `define_simple_version!`).
 *
 * Both start at 3 "so that we could distinguish cases where no version is provided": a first byte
 * below 3 means a legacy (unversioned) message. Version 3 is the current and only version of both.
 *
 * @module
 */

/** A version as carried on the wire: `"legacy"` (no version byte) or a number ≥ 3. */
export type WireVersion = "legacy" | number;

/** The current (and first) versioned service-provider interface. */
export const CURRENT_INTERFACE_VERSION = 3;
/** The current (and first) versioned SOCKS5 protocol between client and network requester. */
export const CURRENT_SOCKS5_PROTOCOL_VERSION = 3;

/** The pair of versions a SOCKS5 message travels with; a response mirrors its request's pair. */
export interface Socks5Versions {
  /** The outer service-provider interface version. */
  readonly interface: WireVersion;
  /** The inner SOCKS5 protocol version. */
  readonly protocol: WireVersion;
}

/**
 * What current clients send (the 1.4.1 SOCKS5 client loaded from its config file uses
 * `Versioned(3)` for both; `clients.md` §5.1).
 *
 * @example
 * ```ts
 * import { CURRENT_VERSIONS } from "./version.ts";
 * CURRENT_VERSIONS.interface; // 3
 * ```
 */
export const CURRENT_VERSIONS: Socks5Versions = Object.freeze({
  interface: CURRENT_INTERFACE_VERSION,
  protocol: CURRENT_SOCKS5_PROTOCOL_VERSION,
});

/**
 * Legacy (unversioned) framing, still parsed and answered in kind.
 *
 * @example
 * ```ts
 * import { LEGACY_VERSIONS } from "./version.ts";
 * LEGACY_VERSIONS.protocol; // "legacy"
 * ```
 */
export const LEGACY_VERSIONS: Socks5Versions = Object.freeze({
  interface: "legacy",
  protocol: "legacy",
});

/**
 * Interprets a leading version byte: below 3 is legacy.
 *
 * @example
 * ```ts
 * import { versionFromByte } from "./version.ts";
 * versionFromByte(0); // "legacy"
 * versionFromByte(3); // 3
 * ```
 */
export function versionFromByte(byte: number): WireVersion {
  return byte < CURRENT_INTERFACE_VERSION ? "legacy" : byte;
}

/**
 * Upstream's `Display` of a version (`serde_json` of the internally tagged enum), as used in the
 * `SupportedRequestVersions` control response.
 *
 * @example
 * ```ts
 * import { formatVersion } from "./version.ts";
 * formatVersion(3); // '{"type":"Versioned","version":3}'
 * formatVersion("legacy"); // '{"type":"Legacy"}'
 * ```
 */
export function formatVersion(version: WireVersion): string {
  return version === "legacy" ? '{"type":"Legacy"}' : `{"type":"Versioned","version":${version}}`;
}
