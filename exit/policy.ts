/**
 * Exit policies (`nym-node.md` §5.2, upstream `common/exit-policy` at b4046a89, adapted from Tor's
 * torrc format): one rule per line, `ExitPolicy accept|reject|accept6|reject6 <ip>[/<mask>]:<ports>`,
 * `#` starts a comment. IP patterns are `*`, `*4`, `*6`, an IPv4 address, an IPv6 address (bare or
 * in brackets), each with an optional prefix length; ports are `*`, `N` or `N-M` (and upstream's
 * "portless" `0`). The first matching rule decides; no match means reject.
 *
 * Quirks kept from upstream: the `6` of `accept6`/`reject6` does not restrict matching (the
 * pattern does), and port 0 in a query matches every rule whose address pattern matches.
 *
 * Pure: parsing and matching only; loading and reloading live in `policy_source.ts`.
 *
 * @module
 */
import { formatIp, type IpAddress, parseIp } from "../util/net.ts";
import type { PolicyAction, WirePolicyRule } from "../message/socks5/mod.ts";

export type { PolicyAction } from "../message/socks5/mod.ts";

/**
 * A policy text that cannot be parsed; `line` is 1-based.
 *
 * @example
 * ```ts
 * import { ExitPolicy, ExitPolicyParseError } from "./policy.ts";
 * try {
 *   ExitPolicy.parse("ExitPolicy allow *:80");
 * } catch (e) {
 *   (e as ExitPolicyParseError).line; // 1
 * }
 * ```
 */
export class ExitPolicyParseError extends Error {
  override name = "ExitPolicyParseError";
  /** The offending line (1-based). */
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/** The address part of a rule. */
export type IpPattern =
  | { readonly kind: "any" }
  | { readonly kind: "any4" }
  | { readonly kind: "any6" }
  | { readonly kind: "prefix"; readonly address: IpAddress; readonly mask: number };

/** An inclusive port range; `{0, 0}` is upstream's portless rule. */
export interface PortRange {
  readonly start: number;
  readonly end: number;
}

/** One rule. */
export interface PolicyRule {
  readonly action: PolicyAction;
  readonly pattern: IpPattern;
  readonly ports: PortRange;
}

const FIELD = "ExitPolicy";
const ACTIONS: readonly PolicyAction[] = ["accept", "reject", "accept6", "reject6"];
const ALL_PORTS: PortRange = { start: 1, end: 65535 };

/**
 * Normalises IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) to IPv4: they reach the same host.
 *
 * @example
 * ```ts
 * import { parseIp } from "../util/net.ts";
 * import { unmapIp } from "./policy.ts";
 * unmapIp(parseIp("::ffff:127.0.0.1")).family; // 4
 * ```
 */
export function unmapIp(ip: IpAddress): IpAddress {
  if (ip.family === 6) {
    const b = ip.bytes;
    if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
      return { family: 4, bytes: b.slice(12) };
    }
  }
  return ip;
}

function prefixMatches(prefix: Uint8Array, mask: number, address: Uint8Array): boolean {
  const full = mask >> 3;
  for (let i = 0; i < full; i++) if (prefix[i] !== address[i]) return false;
  const rest = mask & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (prefix[full] & m) === (address[full] & m);
}

/**
 * Whether `pattern` covers `ip`.
 *
 * @example
 * ```ts
 * import { parseIp } from "../util/net.ts";
 * import { patternMatches } from "./policy.ts";
 * patternMatches({ kind: "prefix", address: parseIp("10.0.0.0"), mask: 8 }, parseIp("10.1.2.3")); // true
 * ```
 */
export function patternMatches(pattern: IpPattern, ip: IpAddress): boolean {
  switch (pattern.kind) {
    case "any":
      return true;
    case "any4":
      return ip.family === 4;
    case "any6":
      return ip.family === 6;
    case "prefix":
      return pattern.address.family === ip.family &&
        prefixMatches(pattern.address.bytes, pattern.mask, ip.bytes);
  }
}

/**
 * Whether a rule applies to `ip:port` (port 0 matches any port range, as upstream).
 *
 * @example
 * ```ts
 * import { parseIp } from "../util/net.ts";
 * import { parseRule, ruleMatches } from "./policy.ts";
 * ruleMatches(parseRule("reject *:25"), parseIp("1.2.3.4"), 25); // true
 * ```
 */
export function ruleMatches(rule: PolicyRule, ip: IpAddress, port: number): boolean {
  if (!patternMatches(rule.pattern, ip)) return false;
  return port === 0 || (rule.ports.start <= port && port <= rule.ports.end);
}

function parseAddress(text: string): IpAddress {
  const inner = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (inner !== text && !inner.includes(":")) {
    throw new Error(`'${text}' is not a valid Ip address`);
  }
  try {
    return parseIp(inner);
  } catch {
    throw new Error(`'${text}' is not a valid Ip address`);
  }
}

function parsePattern(text: string): IpPattern {
  const slash = text.indexOf("/");
  const ipText = slash < 0 ? text : text.slice(0, slash);
  const maskText = slash < 0 ? null : text.slice(slash + 1);
  if (ipText === "*" || ipText === "*4" || ipText === "*6") {
    if (maskText !== null) {
      throw new Error(`attempted to use a bitmask ('/${maskText}') with the address '${ipText}'`);
    }
    return { kind: ipText === "*" ? "any" : ipText === "*4" ? "any4" : "any6" };
  }
  const address = parseAddress(ipText);
  let mask = address.family === 4 ? 32 : 128;
  if (maskText !== null) {
    if (!/^\d{1,3}$/.test(maskText)) throw new Error(`'/${maskText}' is not a valid mask`);
    mask = Number(maskText);
    if (mask > (address.family === 4 ? 32 : 128)) {
      throw new Error(`/${mask} is not a valid mask for an IpV${address.family} address`);
    }
  }
  // Upstream turns a /0 into the family wildcard.
  if (mask === 0) return { kind: address.family === 4 ? "any4" : "any6" };
  return { kind: "prefix", address, mask };
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new Error(
      `the provided port '${text}' was either malformed or was not in the valid 1..65535 range`,
    );
  }
  return Number(text);
}

function parsePorts(text: string): PortRange {
  if (text === "*") return ALL_PORTS;
  const dash = text.indexOf("-");
  if (dash < 0) {
    const p = parsePort(text);
    return { start: p, end: p };
  }
  const start = parsePort(text.slice(0, dash));
  const end = parsePort(text.slice(dash + 1));
  if (start === 0 || start > end) {
    throw new Error(`the provided port range (${start}-${end}) was invalid`);
  }
  return { start, end };
}

/**
 * Parses one rule without the `ExitPolicy` prefix (`reject 10.0.0.0/8:*`).
 *
 * @example
 * ```ts
 * import { parseRule } from "./policy.ts";
 * parseRule("accept *:80-81").ports; // { start: 80, end: 81 }
 * ```
 * @throws {Error} with upstream's wording for malformed rules.
 */
export function parseRule(text: string): PolicyRule {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  if (space < 0) throw new Error(`could not parse '${trimmed}' into a valid address policy`);
  const actionText = trimmed.slice(0, space);
  const action = ACTIONS.find((a) => a === actionText);
  if (!action) throw new Error(`'${actionText}' is not a valid policy action`);
  const patternText = trimmed.slice(space).trim();
  const colon = patternText.lastIndexOf(":");
  if (colon < 0 || colon + 1 >= patternText.length) {
    throw new Error(
      `could not parse '${patternText}' into a valid policy address:port pattern`,
    );
  }
  return {
    action,
    pattern: parsePattern(patternText.slice(0, colon)),
    ports: parsePorts(patternText.slice(colon + 1)),
  };
}

/**
 * The text form of a pattern, as upstream's `Display` prints it (`*`, `*4`, `*6`, `a.b.c.d/m`,
 * `ipv6/m`).
 *
 * @example
 * ```ts
 * import { parseRule, formatPattern } from "./policy.ts";
 * formatPattern(parseRule("reject [FC00::]/7:*").pattern); // "fc00::/7"
 * ```
 */
export function formatPattern(pattern: IpPattern): string {
  switch (pattern.kind) {
    case "any":
      return "*";
    case "any4":
      return "*4";
    case "any6":
      return "*6";
    case "prefix":
      return `${formatIp(pattern.address)}/${pattern.mask}`;
  }
}

function formatPorts(ports: PortRange): string {
  if (ports.start === 1 && ports.end === 65535) return "*";
  return ports.start === ports.end ? `${ports.start}` : `${ports.start}-${ports.end}`;
}

/**
 * A rule in torrc form without the prefix (`reject 10.0.0.0/8:*`).
 *
 * @example
 * ```ts
 * import { formatRule, parseRule } from "./policy.ts";
 * formatRule(parseRule("accept 1.2.3.4:80")); // "accept 1.2.3.4/32:80"
 * ```
 */
export function formatRule(rule: PolicyRule): string {
  return `${rule.action} ${formatPattern(rule.pattern)}:${formatPorts(rule.ports)}`;
}

/** Which rule decided a query, and how. */
export interface PolicyVerdict {
  /** Accepted by the matching rule. */
  readonly allowed: boolean;
  /** The deciding rule in torrc form, or `null` when no rule matched (rejected). */
  readonly rule: string | null;
}

/**
 * A parsed exit policy (immutable).
 *
 * @example
 * ```ts
 * import { parseIp } from "../util/net.ts";
 * import { ExitPolicy } from "./policy.ts";
 * const policy = ExitPolicy.parse("ExitPolicy reject 127.0.0.0/8:*\nExitPolicy accept *:80");
 * policy.allows(parseIp("127.0.0.1"), 80); // false
 * policy.allows(parseIp("1.1.1.1"), 80); // true
 * policy.allows(parseIp("1.1.1.1"), 22); // null: no rule matches
 * ```
 */
export class ExitPolicy {
  /** The rules, in order. */
  readonly rules: readonly PolicyRule[];

  /** A policy of `rules`. */
  constructor(rules: readonly PolicyRule[]) {
    this.rules = Object.freeze([...rules]);
  }

  /**
   * Parses torrc text: every non-empty line (after removing `#` comments) must be
   * `ExitPolicy <rule>`.
   *
   * @throws {ExitPolicyParseError} naming the first bad line.
   */
  static parse(text: string): ExitPolicy {
    const rules: PolicyRule[] = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const hash = lines[i].indexOf("#");
      const line = (hash < 0 ? lines[i] : lines[i].slice(0, hash)).trim();
      if (line === "") continue;
      if (!line.startsWith(FIELD)) {
        throw new ExitPolicyParseError(
          i + 1,
          `the provided exit policy entry does not start with the expected '${FIELD}' prefix: '${line}'`,
        );
      }
      try {
        rules.push(parseRule(line.slice(FIELD.length)));
      } catch (e) {
        throw new ExitPolicyParseError(i + 1, (e as Error).message);
      }
    }
    return new ExitPolicy(rules);
  }

  /** `accept *:*` (upstream `new_open`, what `open_proxy` means). */
  static open(): ExitPolicy {
    return new ExitPolicy([{ action: "accept", pattern: { kind: "any" }, ports: ALL_PORTS }]);
  }

  /** Whether this is exactly `accept *:*`. */
  get isOpen(): boolean {
    const r = this.rules;
    return r.length === 1 && r[0].action === "accept" && r[0].pattern.kind === "any" &&
      r[0].ports.start === 1 && r[0].ports.end === 65535;
  }

  /**
   * Upstream's `allows`: the first matching rule's verdict, `null` when none matches.
   * IPv4-mapped IPv6 addresses are checked as IPv4.
   */
  allows(ip: IpAddress, port: number): boolean | null {
    const verdict = this.check(ip, port);
    return verdict.rule === null ? null : verdict.allowed;
  }

  /**
   * The verdict with the deciding rule; `skip` leaves rules out of consideration.
   */
  check(ip: IpAddress, port: number, skip?: (rule: PolicyRule) => boolean): PolicyVerdict {
    const target = unmapIp(ip);
    for (const rule of this.rules) {
      if (skip?.(rule)) continue;
      if (ruleMatches(rule, target, port)) {
        return {
          allowed: rule.action === "accept" || rule.action === "accept6",
          rule: formatRule(rule),
        };
      }
    }
    return { allowed: false, rule: null };
  }

  /** torrc text (upstream `format_exit_policy`): one `ExitPolicy <rule>` per line. */
  format(): string {
    return this.rules.map((r) => `${FIELD} ${formatRule(r)}`).join("\n");
  }

  /** The serde shape the SOCKS5 `ExitPolicy` query answer carries. */
  toWire(): WirePolicyRule[] {
    return this.rules.map((r) => ({
      action: r.action,
      ipPattern: formatPattern(r.pattern),
      ports: { start: r.ports.start, end: r.ports.end },
    }));
  }
}
