/**
 * Whether the network requester may open a connection to one resolved address (`nym-node.md`
 * §5.2: "every resolved address must be global (unless `allow_local_ips`) and accepted by the
 * exit policy"), and the built-in default policy.
 *
 * Local address space (loopback, private, link-local, shared/CGNAT, unique-local, documentation,
 * multicast, reserved; {@linkcode NON_GLOBAL_RANGES}) is refused unless `allow_local_ips`. With
 * `allow_local_ips` a local address is judged by the policy **without the rules that only cover
 * local address space** (the "deny private networks" block every exit policy starts with); the
 * policy's other rules (port rules, catch-alls, public ranges) still apply. So with the default
 * policy a localnet can reach `127.0.0.1:<any port but the abused ones>`, and a test policy such
 * as `reject *:8080` still refuses `127.0.0.1:8080`.
 *
 * Pure.
 *
 * @module
 */
import { type IpAddress, isGlobalIp, parseIp } from "../util/net.ts";
import { ExitPolicy, type PolicyRule, unmapIp } from "./policy.ts";

/** A CIDR block. */
interface Cidr {
  readonly address: IpAddress;
  readonly mask: number;
}

function cidr(text: string): Cidr {
  const [ip, mask] = text.split("/");
  return { address: parseIp(ip), mask: Number(mask) };
}

/** Non-global address space (mirrors `util/net.ts` `isGlobalIp`), as CIDR blocks. */
export const NON_GLOBAL_RANGES: readonly string[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "::/128",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
  "2001:db8::/32",
];

const LOCAL_BLOCKS: readonly Cidr[] = NON_GLOBAL_RANGES.map(cidr);

/** Tor's default "abused ports" (SMTP, NNTP, NetBIOS/SMB, file sharing). */
export const ABUSED_PORTS: readonly string[] = [
  "25",
  "119",
  "135-139",
  "445",
  "563",
  "1214",
  "4661-4666",
  "6346-6429",
  "6699",
  "6881-6999",
];

/**
 * The default exit policy: reject local networks, reject abused ports, accept the rest (Tor's
 * default exit policy with `ExitPolicyRejectPrivate`). Used when no policy file or upstream URL
 * is configured or reachable.
 *
 * @example
 * ```ts
 * import { DEFAULT_EXIT_POLICY } from "./exit_decision.ts";
 * import { ExitPolicy } from "./policy.ts";
 * ExitPolicy.parse(DEFAULT_EXIT_POLICY).rules.length > 20; // true
 * ```
 */
export const DEFAULT_EXIT_POLICY: string = [
  "# nym-node (TypeScript) default exit policy",
  "# local networks (lifted by service_providers.network_requester.allow_local_ips)",
  ...NON_GLOBAL_RANGES.map((r) =>
    r.includes(":")
      ? `ExitPolicy reject6 [${r.split("/")[0]}]/${r.split("/")[1]}:*`
      : `ExitPolicy reject ${r}:*`
  ),
  "# abused ports",
  ...ABUSED_PORTS.map((p) => `ExitPolicy reject *:${p}`),
  "ExitPolicy accept *:*",
  "",
].join("\n");

function contained(pattern: Cidr, block: Cidr): boolean {
  if (pattern.address.family !== block.address.family || pattern.mask < block.mask) return false;
  const full = block.mask >> 3;
  const a = pattern.address.bytes, b = block.address.bytes;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = block.mask & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (a[full] & m) === (b[full] & m);
}

/**
 * Whether a rule's address pattern lies entirely inside local address space (such rules are
 * ignored for local targets when `allow_local_ips` is on).
 *
 * @example
 * ```ts
 * import { coversOnlyLocalSpace } from "./exit_decision.ts";
 * import { parseRule } from "./policy.ts";
 * coversOnlyLocalSpace(parseRule("reject 127.0.0.0/8:*")); // true
 * coversOnlyLocalSpace(parseRule("reject *:25")); // false
 * ```
 */
export function coversOnlyLocalSpace(rule: PolicyRule): boolean {
  const p = rule.pattern;
  if (p.kind !== "prefix") return false;
  return LOCAL_BLOCKS.some((b) => contained({ address: p.address, mask: p.mask }, b));
}

/** What the exit decided for one address. */
export type ExitDecision =
  | { readonly allowed: true; readonly rule: string | null }
  | {
    readonly allowed: false;
    /** `local` = non-global address without `allow_local_ips`; `policy` = refused by the policy. */
    readonly reason: "local" | "policy";
    readonly rule: string | null;
  };

/** Options of {@linkcode decideExit}. */
export interface ExitDecisionOptions {
  /** `service_providers.network_requester.allow_local_ips`. */
  readonly allowLocalIps: boolean;
}

/**
 * Decides one resolved address; `policy === null` means an open proxy (no policy).
 *
 * @example
 * ```ts
 * import { parseIp } from "../util/net.ts";
 * import { decideExit, DEFAULT_EXIT_POLICY } from "./exit_decision.ts";
 * import { ExitPolicy } from "./policy.ts";
 * const policy = ExitPolicy.parse(DEFAULT_EXIT_POLICY);
 * decideExit(policy, parseIp("127.0.0.1"), 8080, { allowLocalIps: false }).allowed; // false
 * decideExit(policy, parseIp("127.0.0.1"), 8080, { allowLocalIps: true }).allowed; // true
 * decideExit(policy, parseIp("127.0.0.1"), 25, { allowLocalIps: true }).allowed; // false
 * ```
 */
export function decideExit(
  policy: ExitPolicy | null,
  ip: IpAddress,
  port: number,
  options: ExitDecisionOptions,
): ExitDecision {
  const target = unmapIp(ip);
  const local = !isGlobalIp(target);
  if (local && !options.allowLocalIps) return { allowed: false, reason: "local", rule: null };
  if (policy === null) return { allowed: true, rule: null };
  const verdict = policy.check(target, port, local ? coversOnlyLocalSpace : undefined);
  return verdict.allowed
    ? { allowed: true, rule: verdict.rule }
    : { allowed: false, reason: "policy", rule: verdict.rule };
}

/**
 * The default policy, parsed.
 *
 * @example
 * ```ts
 * import { defaultExitPolicy } from "./exit_decision.ts";
 * defaultExitPolicy().rules.at(-1)?.action; // "accept"
 * ```
 */
export function defaultExitPolicy(): ExitPolicy {
  return ExitPolicy.parse(DEFAULT_EXIT_POLICY);
}
