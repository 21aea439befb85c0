/**
 * Verifying a node's signed host information exactly as nym-api does (`nym-node.md` §2.2, §6.2;
 * `nym-node/nym-node-requests/src/api/{mod.rs,v1/node/models.rs}`):
 *
 * 1. deserialise `data` into `HostInformation` — IPs through Rust's `IpAddr` parser, keys as
 *    base58, the aliases `ed25519` / `x25519`, a missing primary sphinx key becoming the legacy
 *    key (rotation `u32::MAX`), unknown fields dropped;
 * 2. re-serialise it with `serde_json::to_string` (compact, Rust field order, `null` for `None`,
 *    IPs in `Display` form) and verify the base58 Ed25519 signature over those bytes with the
 *    announced identity;
 * 3. failing that, try the three legacy shapes (V3, V2, V1) in turn;
 * 4. the identity must equal the expected one, and — outside local mode — no IP may be
 *    unspecified, loopback or multicast (`HostInformation::check_ips`).
 *
 * @module
 */
import { z } from "zod";
import { decodeBase58, InvalidBase58Error } from "../crypto/base58.ts";
import { ed25519Verify } from "../crypto/ed25519.ts";
import { formatIp, InvalidAddressError, type IpAddress, parseIp } from "../util/net.ts";
import { LEGACY_ROTATION_ID, U32, U8 } from "./api/models.ts";

/** Why host information was refused. */
export type HostInfoRejection =
  | "malformed"
  | "bad-signature"
  | "identity-mismatch"
  | "illegal-ip";

/** Thrown when host information is refused; `reason` says why. */
export class HostInfoRejectedError extends Error {
  override name = "HostInfoRejectedError";
  /** The kind of rejection. */
  readonly reason: HostInfoRejection;

  /** Creates the error. */
  constructor(reason: HostInfoRejection, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** A sphinx key with its rotation id. */
export interface VerifiedSphinxKey {
  readonly rotation_id: number;
  readonly public_key: string;
}

/** Verified host information in canonical form (the node's `HostInformation`). */
export interface VerifiedHostInformation {
  /** Canonical IPs (Rust `Display` form). */
  readonly ip_address: readonly string[];
  readonly hostname: string | null;
  readonly keys: {
    readonly ed25519_identity: string;
    readonly x25519_sphinx: string;
    readonly primary_x25519_sphinx_key: VerifiedSphinxKey;
    readonly pre_announced_x25519_sphinx_key: VerifiedSphinxKey | null;
    readonly x25519_versioned_noise: {
      readonly supported_version: number;
      readonly x25519_pubkey: string;
    } | null;
  };
}

/** Options of {@linkcode verifyHostInformation}. */
export interface VerifyOptions {
  /** The identity the node must announce (base58), or `null` to accept any. */
  readonly expectedIdentity: string | null;
  /** Local mode: loopback and other non-routable IPs are allowed. */
  readonly allowAllIps: boolean;
}

const key32 = z.string().transform((value, ctx) => {
  try {
    // Re-encoding canonicalises: serde parses the bytes and prints them again.
    decodeBase58(value, 32);
    return value;
  } catch (error) {
    if (!(error instanceof InvalidBase58Error)) throw error;
    ctx.issues.push({ code: "custom", input: value, message: "not a base58 32-byte key" });
    return z.NEVER;
  }
});
const sphinxKey = z.object({ rotation_id: U32, public_key: key32 });
const optional = <T extends z.ZodType>(schema: T) =>
  schema.nullable().optional().transform((v) => v ?? null);

const HostKeysInput = z.object({
  ed25519_identity: key32.optional(),
  ed25519: key32.optional(),
  x25519_sphinx: key32.optional(),
  x25519: key32.optional(),
  primary_x25519_sphinx_key: optional(sphinxKey),
  pre_announced_x25519_sphinx_key: optional(sphinxKey),
  x25519_versioned_noise: optional(z.object({ supported_version: U8, x25519_pubkey: key32 })),
});

const SignedHostInformationInput = z.object({
  data: z.object({
    ip_address: z.array(z.string()),
    hostname: optional(z.string()),
    keys: HostKeysInput,
  }),
  signature: z.string(),
});

function canonicalise(input: z.output<typeof SignedHostInformationInput>["data"]): {
  info: VerifiedHostInformation;
  ips: IpAddress[];
} {
  const ips: IpAddress[] = [];
  for (const text of input.ip_address) {
    try {
      ips.push(parseIp(text));
    } catch (error) {
      if (!(error instanceof InvalidAddressError)) throw error;
      throw new HostInfoRejectedError("malformed", `${JSON.stringify(text)} is not an IP address`);
    }
  }
  const k = input.keys;
  // serde aliases: a field given under both names is a "duplicate field" error.
  if (k.ed25519_identity !== undefined && k.ed25519 !== undefined) {
    throw new HostInfoRejectedError("malformed", "duplicate field ed25519_identity");
  }
  if (k.x25519_sphinx !== undefined && k.x25519 !== undefined) {
    throw new HostInfoRejectedError("malformed", "duplicate field x25519_sphinx");
  }
  const identity = k.ed25519_identity ?? k.ed25519;
  const sphinx = k.x25519_sphinx ?? k.x25519;
  if (identity === undefined) throw new HostInfoRejectedError("malformed", "no identity key");
  if (sphinx === undefined) throw new HostInfoRejectedError("malformed", "no sphinx key");
  return {
    ips,
    info: {
      ip_address: ips.map(formatIp),
      hostname: input.hostname,
      keys: {
        ed25519_identity: identity,
        x25519_sphinx: sphinx,
        primary_x25519_sphinx_key: k.primary_x25519_sphinx_key ??
          { rotation_id: LEGACY_ROTATION_ID, public_key: sphinx },
        pre_announced_x25519_sphinx_key: k.pre_announced_x25519_sphinx_key,
        x25519_versioned_noise: k.x25519_versioned_noise,
      },
    },
  };
}

/**
 * The JSON texts nym-api tries, in order: the current `HostInformation` and the legacy V3, V2
 * and V1 shapes (`verify_host_information`). Object key order is the Rust field order.
 *
 * @example
 * ```ts no-eval
 * import { signedPlaintexts } from "./verify.ts";
 * signedPlaintexts(info)[0]; // '{"ip_address":[...],"hostname":null,"keys":{...}}'
 * ```
 */
export function signedPlaintexts(info: VerifiedHostInformation): string[] {
  const k = info.keys;
  const base = { ip_address: info.ip_address, hostname: info.hostname };
  const current = { ...base, keys: k };
  const noise = k.x25519_versioned_noise?.x25519_pubkey ?? null;
  const v3 = {
    ...base,
    keys: {
      ed25519_identity: k.ed25519_identity,
      x25519_sphinx: k.primary_x25519_sphinx_key.public_key,
      x25519_noise: noise,
    },
  };
  const v2 = { ...base, keys: { ...v3.keys, x25519_noise: noise ?? "" } };
  const v1 = { ...base, keys: { ed25519: k.ed25519_identity, x25519: v3.keys.x25519_sphinx } };
  return [current, v3, v2, v1].map((doc) => JSON.stringify(doc));
}

function rustIpIsIllegal(ip: IpAddress): boolean {
  const b = ip.bytes;
  if (ip.family === 4) {
    const unspecified = b.every((x) => x === 0);
    return unspecified || b[0] === 127 || (b[0] & 0xf0) === 0xe0;
  }
  const unspecified = b.every((x) => x === 0);
  const loopback = b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
  return unspecified || loopback || b[0] === 0xff;
}

/**
 * Parses and verifies a `GET /api/v1/host-information` body. Throws
 * {@linkcode HostInfoRejectedError}.
 *
 * @example
 * ```ts no-eval
 * import { verifyHostInformation } from "./verify.ts";
 * const info = verifyHostInformation(JSON.parse(body), { expectedIdentity: null, allowAllIps: false });
 * info.keys.ed25519_identity;
 * ```
 */
export function verifyHostInformation(
  body: unknown,
  options: VerifyOptions,
): VerifiedHostInformation {
  const parsed = SignedHostInformationInput.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HostInfoRejectedError(
      "malformed",
      `host information: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  const { info, ips } = canonicalise(parsed.data.data);
  let signature: Uint8Array;
  try {
    signature = decodeBase58(parsed.data.signature, 64);
  } catch {
    throw new HostInfoRejectedError("malformed", "the signature is not 64 bytes of base58");
  }
  const identity = decodeBase58(info.keys.ed25519_identity, 32);
  if (
    options.expectedIdentity !== null && info.keys.ed25519_identity !== options.expectedIdentity
  ) {
    throw new HostInfoRejectedError(
      "identity-mismatch",
      `the node announces identity ${info.keys.ed25519_identity}, expected ${options.expectedIdentity}`,
    );
  }
  const encoder = new TextEncoder();
  const verified = signedPlaintexts(info).some((text) =>
    ed25519Verify(identity, encoder.encode(text), signature)
  );
  if (!verified) {
    throw new HostInfoRejectedError(
      "bad-signature",
      `the host information signature does not verify with identity ${info.keys.ed25519_identity}`,
    );
  }
  if (!options.allowAllIps) {
    const illegal = ips.find(rustIpIsIllegal);
    if (illegal) {
      throw new HostInfoRejectedError(
        "illegal-ip",
        `the node announces ${
          formatIp(illegal)
        } (unspecified, loopback and multicast addresses are refused outside local mode)`,
      );
    }
  }
  if (ips.length === 0) {
    throw new HostInfoRejectedError("illegal-ip", "the node announces no IP address");
  }
  return info;
}

/**
 * The sphinx key to publish for `rotationId`: the primary if it belongs to that rotation (or is
 * a legacy key), else the pre-announced key if it does, else the primary
 * (`NymNodeDescription::current_sphinx_key`).
 *
 * @example
 * ```ts no-eval
 * import { currentSphinxKey } from "./verify.ts";
 * currentSphinxKey(info.keys, 5);
 * ```
 */
export function currentSphinxKey(
  keys: VerifiedHostInformation["keys"],
  rotationId: number,
): string {
  const primary = keys.primary_x25519_sphinx_key;
  if (primary.rotation_id === LEGACY_ROTATION_ID || primary.rotation_id === rotationId) {
    return primary.public_key;
  }
  const next = keys.pre_announced_x25519_sphinx_key;
  if (next && next.rotation_id === rotationId) return next.public_key;
  return primary.public_key;
}
