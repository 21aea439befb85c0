/**
 * Refusal messages from the network requester map to the SOCKS reply an application can act on:
 * our requester's stable prefixes (`/work/notes/socks5-protocol.md`) and upstream's free text.
 */
import { assertEquals } from "../../testing/asserts.ts";
import { socksReplyForRefusal } from "./refusal.ts";
import { Socks5Reply } from "./protocol.ts";

Deno.test("refusal messages map to SOCKS reply codes", () => {
  const cases: [string, number][] = [
    [
      "exit policy: 127.0.0.1:25 (127.0.0.1) is not allowed by the exit policy (rule 'reject *:25')",
      Socks5Reply.NotAllowedByRuleset,
    ],
    ["dns: could not resolve nope.invalid", Socks5Reply.HostUnreachable],
    ["dns: resolving slow.example timed out", Socks5Reply.HostUnreachable],
    ["connect: connection refused by 127.0.0.1:9", Socks5Reply.ConnectionRefused],
    ["connect: timed out connecting to 192.0.2.1:80", Socks5Reply.TtlExpired],
    ["connect: Network is unreachable (os error 101)", Socks5Reply.NetworkUnreachable],
    ["connect: No route to host (os error 113)", Socks5Reply.HostUnreachable],
    ["connect: something odd", Socks5Reply.HostUnreachable],
    ["limit: too many connections for this client (64)", Socks5Reply.GeneralFailure],
    ['malformed: "x" has no port', Socks5Reply.GeneralFailure],
    // Upstream network requesters' free text.
    ["address example.org:22 is not allowed by the exit policy", Socks5Reply.NotAllowedByRuleset],
    ["Connection refused (os error 111)", Socks5Reply.ConnectionRefused],
    [
      "failed to lookup address information: Name or service not known",
      Socks5Reply.HostUnreachable,
    ],
    ["something else entirely", Socks5Reply.GeneralFailure],
    ["", Socks5Reply.GeneralFailure],
  ];
  for (const [message, code] of cases) assertEquals(socksReplyForRefusal(message), code, message);
});
