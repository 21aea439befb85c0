/**
 * Exit policy parsing and matching, with upstream's own cases (b4046a89
 * `common/exit-policy/src/{lib.rs,policy/address_policy.rs}` tests), and the exit decision.
 */
import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import { type IpAddress, parseIp } from "../util/net.ts";
import {
  coversOnlyLocalSpace,
  decideExit,
  DEFAULT_EXIT_POLICY,
  defaultExitPolicy,
} from "./exit_decision.ts";
import { ExitPolicy, ExitPolicyParseError, formatRule, parseRule, ruleMatches } from "./policy.ts";

function sock(text: string): [IpAddress, number] {
  const m = text.match(/^\[(.*)\]:(\d+)$/) ?? text.match(/^(.*):(\d+)$/)!;
  return [parseIp(m[1]), Number(m[2])];
}

Deno.test("parsing upstream's sample policy: comments, blank lines, every pattern form", () => {
  const sample = `
ExitPolicy reject 1.2.3.4/32:*#comment
ExitPolicy reject 1.2.3.5:* #comment
ExitPolicy reject 1.2.3.6/16:*
ExitPolicy reject 1.2.3.6/16:123-456 # comment

ExitPolicy accept *:53 # DNS

# random comment

ExitPolicy accept6 *6:119
ExitPolicy accept *4:120
ExitPolicy reject6 [FC00::]/7:*

# Portless
ExitPolicy accept *:0
ExitPolicy accept *4:0
ExitPolicy accept *6:0

#ExitPolicy accept *:8080 #and another comment here

ExitPolicy reject FE80:0000:0000:0000:0202:B3FF:FE1E:8329:*
ExitPolicy reject FE80:0000:0000:0000:0202:B3FF:FE1E:8328:1234
ExitPolicy reject FE80:0000:0000:0000:0202:B3FF:FE1E:8328/64:1235

ExitPolicy reject *:*
`;
  const policy = ExitPolicy.parse(sample);
  assertEquals(policy.format().split("\n"), [
    "ExitPolicy reject 1.2.3.4/32:*",
    "ExitPolicy reject 1.2.3.5/32:*",
    "ExitPolicy reject 1.2.3.6/16:*",
    "ExitPolicy reject 1.2.3.6/16:123-456",
    "ExitPolicy accept *:53",
    "ExitPolicy accept6 *6:119",
    "ExitPolicy accept *4:120",
    "ExitPolicy reject6 fc00::/7:*",
    "ExitPolicy accept *:0",
    "ExitPolicy accept *4:0",
    "ExitPolicy accept *6:0",
    "ExitPolicy reject fe80::202:b3ff:fe1e:8329/128:*",
    "ExitPolicy reject fe80::202:b3ff:fe1e:8328/128:1234",
    "ExitPolicy reject fe80::202:b3ff:fe1e:8328/64:1235",
    "ExitPolicy reject *:*",
  ]);
  // formatting then parsing gives the same policy
  assertEquals(ExitPolicy.parse(policy.format()).rules, policy.rules);
});

Deno.test("bad rules are refused with the line number", () => {
  for (
    const bad of [
      "reject marzipan:80",
      "reject 1.2.3.4:90-80",
      "reject 1.2.3.4:0-80",
      "reject 1.2.3.4/100:8888",
      "reject [1.2.3.4]/16:80",
      "reject [::1]/130:8888",
      "reject *:65536",
      "reject *:1-2-3",
      "reject *:",
      "reject */8:80",
      "allow *:80",
      "reject",
    ]
  ) {
    assertThrows(() => parseRule(bad), Error);
  }
  const e = assertThrows(
    () => ExitPolicy.parse("ExitPolicy accept *:80\n\nreject *:*"),
    ExitPolicyParseError,
  );
  assertEquals((e as ExitPolicyParseError).line, 3);
});

Deno.test("rule matching: upstream's address:port cases", () => {
  const check = (pattern: string, yes: string[], no: string[]) => {
    const rule = parseRule(`accept ${pattern}`);
    for (const s of yes) assert(ruleMatches(rule, ...sock(s)), `${pattern} should match ${s}`);
    for (const s of no) assert(!ruleMatches(rule, ...sock(s)), `${pattern} should not match ${s}`);
  };
  check("1.2.3.4/16:80", ["1.2.3.4:80", "1.2.44.55:80"], [
    "9.9.9.9:80",
    "1.3.3.4:80",
    "1.2.3.4:81",
  ]);
  check("*:443-8000", ["1.2.3.4:443", "[::1]:500"], ["9.0.0.0:80", "[::1]:80"]);
  check("[face::]/8:80", ["[fab0::7]:80"], ["[dd00::]:80", "[face::7]:443"]);
  check("0.0.0.0/0:*", ["127.0.0.1:80"], ["[f00b::]:80"]);
  check("[::]/0:*", ["[f00b::]:80"], ["127.0.0.1:80"]);
  check("*:0", ["1.2.3.4:0", "[::1]:0", "9.0.0.0:0"], ["1.2.3.4:443", "[::1]:500", "9.0.0.0:80"]);
  check("*4:0", ["1.2.3.4:0", "9.0.0.0:0"], ["1.2.3.4:443", "[::1]:0", "[::1]:80"]);
  check("*6:0", ["[::1]:0"], ["[::1]:80", "1.2.3.4:0", "1.2.3.4:443"]);
  check("10.0.0.0/9:*", ["10.127.255.255:1"], ["10.128.0.0:1"]);
});

Deno.test("policy matching: first match wins, no match is none, mapped IPv4 counts as IPv4", () => {
  const policy = ExitPolicy.parse(
    "ExitPolicy accept *:443\nExitPolicy accept [::1]:80\nExitPolicy reject *:80\nExitPolicy accept *:0",
  );
  assertEquals(policy.allows(...sock("[::6]:443")), true);
  assertEquals(policy.allows(...sock("127.0.0.1:443")), true);
  assertEquals(policy.allows(...sock("[::1]:80")), true);
  assertEquals(policy.allows(...sock("[::2]:80")), false);
  assertEquals(policy.allows(...sock("127.0.0.1:80")), false);
  assertEquals(policy.allows(...sock("127.0.0.1:66")), null);
  assertEquals(policy.allows(...sock("127.0.0.1:0")), true);
  const v4 = ExitPolicy.parse("ExitPolicy reject 10.0.0.0/8:*\nExitPolicy accept *:*");
  assertEquals(v4.allows(...sock("[::ffff:10.1.2.3]:80")), false);
  assert(ExitPolicy.open().isOpen);
  assert(!v4.isOpen);
  assertEquals(ExitPolicy.open().toWire(), [
    { action: "accept", ipPattern: "*", ports: { start: 1, end: 65535 } },
  ]);
  assertEquals(formatRule(parseRule("reject6  [2001:DB8::]/32:1-2")), "reject6 2001:db8::/32:1-2");
});

Deno.test("default policy: local ranges and abused ports refused, the rest accepted", () => {
  const policy = defaultExitPolicy();
  assertEquals(ExitPolicy.parse(DEFAULT_EXIT_POLICY).rules, policy.rules);
  for (
    const s of [
      "10.1.1.1:443",
      "192.168.1.1:80",
      "127.0.0.1:8080",
      "169.254.1.1:80",
      "[::1]:80",
      "[fe80::1]:80",
      "[fd00::1]:443",
      "100.64.0.1:80",
      "172.20.0.1:80",
    ]
  ) {
    assertEquals(policy.allows(...sock(s)), false, s);
  }
  for (const s of ["1.1.1.1:25", "8.8.8.8:445", "9.9.9.9:6881", "[2606:4700::1]:119"]) {
    assertEquals(policy.allows(...sock(s)), false, s);
  }
  for (const s of ["1.1.1.1:443", "93.184.216.34:80", "[2606:4700::1]:443", "8.8.8.8:53"]) {
    assertEquals(policy.allows(...sock(s)), true, s);
  }
});

Deno.test("exit decision: allow_local_ips lifts only the local-network rules", () => {
  const policy = defaultExitPolicy();
  const strict = { allowLocalIps: false }, local = { allowLocalIps: true };
  const d = (s: string, o: { allowLocalIps: boolean }, p: ExitPolicy | null = policy) =>
    decideExit(p, ...sock(s), o);
  assertEquals(d("127.0.0.1:8080", strict), { allowed: false, reason: "local", rule: null });
  assertEquals(d("[::ffff:127.0.0.1]:8080", strict).allowed, false);
  assertEquals(d("127.0.0.1:8080", local), { allowed: true, rule: "accept *:*" });
  assertEquals(d("[::1]:8080", local).allowed, true);
  assertEquals(d("127.0.0.1:25", local), { allowed: false, reason: "policy", rule: "reject *:25" });
  assertEquals(d("1.1.1.1:443", strict).allowed, true);
  // open proxy: no policy, but local addresses still need allow_local_ips
  assertEquals(d("1.1.1.1:25", strict, null).allowed, true);
  assertEquals(d("10.0.0.1:80", strict, null).allowed, false);
  // rules about local space are ignored for local targets, other rules are not
  const custom = ExitPolicy.parse(
    "ExitPolicy reject 127.0.0.0/8:*\nExitPolicy reject 0.0.0.0/0:8000-8100\nExitPolicy accept *:*",
  );
  assertEquals(d("127.0.0.1:9000", local, custom).allowed, true);
  assertEquals(d("127.0.0.1:8050", local, custom), {
    allowed: false,
    reason: "policy",
    rule: "reject *4:8000-8100",
  });
  assert(coversOnlyLocalSpace(parseRule("reject 10.1.0.0/16:*")));
  assert(!coversOnlyLocalSpace(parseRule("reject 8.0.0.0/4:*")));
  assert(!coversOnlyLocalSpace(parseRule("reject 0.0.0.0/7:*"))); // spans global space too
  // a catch-all reject still refuses local targets: the policy is not bypassed
  assertEquals(d("127.0.0.1:80", local, ExitPolicy.parse("ExitPolicy reject *:*")).allowed, false);
  assertEquals(d("127.0.0.1:80", local, new ExitPolicy([])).allowed, false);
});
