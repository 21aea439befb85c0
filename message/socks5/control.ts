/**
 * Control requests and responses of the common service-provider interface (`nym-node.md` §5.1,
 * upstream `service-providers/common/src/interface/control.rs`): one tag byte
 * (`0x00 Health`, `0x01 BinaryInfo`, `0x02 SupportedRequestVersions`; responses add `0xFF Error`),
 * response bodies are compact JSON (`serde_json`, struct field order).
 *
 * @module
 */
import { MalformedEnvelopeError } from "./errors.ts";

/** A control request (no body; only its tag is sent). */
export type ControlRequest = "health" | "binary-info" | "supported-versions";

/** Upstream's `BinaryBuildInformationOwned`, in its JSON field order. */
export interface BuildInformation {
  readonly binary_name: string;
  readonly build_timestamp: string;
  readonly build_version: string;
  readonly commit_sha: string;
  readonly commit_timestamp: string;
  readonly commit_branch: string;
  readonly rustc_version: string;
  readonly rustc_channel: string;
  readonly cargo_profile: string;
  readonly cargo_triple: string;
}

/** The answer to a control request. */
export type ControlResponse =
  | { readonly kind: "health" }
  | {
    readonly kind: "binary-info";
    readonly binaryName: string;
    readonly buildInformation: BuildInformation;
  }
  | {
    readonly kind: "supported-versions";
    /** Upstream's `Display` of the interface version, e.g. `{"type":"Versioned","version":3}`. */
    readonly interfaceVersion: string;
    /** The same for the provider's own protocol. */
    readonly providerVersion: string;
  }
  | { readonly kind: "error"; readonly message: string };

const REQUEST_TAGS: Record<ControlRequest, number> = {
  "health": 0x00,
  "binary-info": 0x01,
  "supported-versions": 0x02,
};
const REQUEST_BY_TAG: readonly ControlRequest[] = ["health", "binary-info", "supported-versions"];
const BUILD_FIELDS = [
  "binary_name",
  "build_timestamp",
  "build_version",
  "commit_sha",
  "commit_timestamp",
  "commit_branch",
  "rustc_version",
  "rustc_channel",
  "cargo_profile",
  "cargo_triple",
] as const;
const ENCODER = new TextEncoder();
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes a control request (its tag byte).
 *
 * @example
 * ```ts
 * import { encodeControlRequest } from "./control.ts";
 * encodeControlRequest("supported-versions"); // Uint8Array [2]
 * ```
 */
export function encodeControlRequest(request: ControlRequest): Uint8Array {
  return Uint8Array.of(REQUEST_TAGS[request]);
}

/**
 * Decodes a control request; bytes after the tag are ignored, as upstream does.
 *
 * @example
 * ```ts
 * import { decodeControlRequest } from "./control.ts";
 * decodeControlRequest(new Uint8Array([0])); // "health"
 * ```
 * @throws {MalformedEnvelopeError} when empty or with an unknown tag.
 */
export function decodeControlRequest(bytes: Uint8Array): ControlRequest {
  if (bytes.length === 0) {
    throw new MalformedEnvelopeError("control request did not contain any data");
  }
  const request = REQUEST_BY_TAG[bytes[0]];
  if (request === undefined) {
    throw new MalformedEnvelopeError(
      `${bytes[0]} does not correspond to any valid control request tag`,
    );
  }
  return request;
}

/**
 * Encodes a control response: tag byte, then compact JSON in upstream's field order.
 *
 * @example
 * ```ts
 * import { encodeControlResponse } from "./control.ts";
 * encodeControlResponse({ kind: "health" }); // Uint8Array [0]
 * ```
 */
export function encodeControlResponse(response: ControlResponse): Uint8Array {
  let tag: number;
  let json: string | null;
  switch (response.kind) {
    case "health":
      tag = 0x00;
      json = null;
      break;
    case "binary-info": {
      tag = 0x01;
      const build: Record<string, string> = {};
      for (const f of BUILD_FIELDS) build[f] = response.buildInformation[f];
      json = JSON.stringify({ binary_name: response.binaryName, build_information: build });
      break;
    }
    case "supported-versions":
      tag = 0x02;
      json = JSON.stringify({
        interface_version: response.interfaceVersion,
        provider_version: response.providerVersion,
      });
      break;
    case "error":
      tag = 0xff;
      json = JSON.stringify({ message: response.message });
      break;
  }
  if (json === null) return Uint8Array.of(tag);
  const body = ENCODER.encode(json);
  const out = new Uint8Array(1 + body.length);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(UTF8.decode(bytes));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through to the typed error
  }
  throw new MalformedEnvelopeError(`the received ${what} control response was malformed`);
}

function stringField(obj: Record<string, unknown>, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== "string") {
    throw new MalformedEnvelopeError(`the received ${what} control response lacks "${key}"`);
  }
  return v;
}

/**
 * Decodes a control response.
 *
 * @example
 * ```ts
 * import { decodeControlResponse, encodeControlResponse } from "./control.ts";
 * decodeControlResponse(encodeControlResponse({ kind: "error", message: "no" })); // { kind: "error", message: "no" }
 * ```
 * @throws {MalformedEnvelopeError} when empty, with an unknown tag or malformed JSON.
 */
export function decodeControlResponse(bytes: Uint8Array): ControlResponse {
  if (bytes.length === 0) {
    throw new MalformedEnvelopeError("control response did not contain any data");
  }
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case 0x00:
      return { kind: "health" };
    case 0x01: {
      const obj = parseJsonObject(body, "binary information");
      const info = obj.build_information;
      if (typeof info !== "object" || info === null || Array.isArray(info)) {
        throw new MalformedEnvelopeError("binary information lacks build_information");
      }
      const build: Record<string, string> = {};
      for (const f of BUILD_FIELDS) {
        const v = (info as Record<string, unknown>)[f];
        // `cargo_triple` has `#[serde(default = "unknown")]` upstream.
        if (v === undefined && f === "cargo_triple") build[f] = "unknown";
        else build[f] = stringField(info as Record<string, unknown>, f, "binary information");
      }
      return {
        kind: "binary-info",
        binaryName: stringField(obj, "binary_name", "binary information"),
        buildInformation: build as unknown as BuildInformation,
      };
    }
    case 0x02: {
      const obj = parseJsonObject(body, "supported versions");
      return {
        kind: "supported-versions",
        interfaceVersion: stringField(obj, "interface_version", "supported versions"),
        providerVersion: stringField(obj, "provider_version", "supported versions"),
      };
    }
    case 0xff: {
      const obj = parseJsonObject(body, "error");
      return { kind: "error", message: stringField(obj, "message", "error") };
    }
    default:
      throw new MalformedEnvelopeError(
        `${bytes[0]} does not correspond to any valid control response tag`,
      );
  }
}
