/**
 * Which SOCKS reply an application gets when the exit refuses or fails a connection. Our network
 * requester's `ConnectionError` messages start with a stable category prefix
 * (`/work/notes/socks5-protocol.md`, "Honest connect"): `exit policy:`, `dns:`, `connect:`,
 * `limit:`, `malformed:`. Upstream requesters send free text; the keywords below catch theirs too
 * (e.g. "not allowed", "connection refused"), and anything else is a general failure.
 *
 * @module
 */
import { Socks5Reply, type Socks5ReplyCode } from "./protocol.ts";

/**
 * Maps a refusal message from the network requester to a SOCKS5 reply code.
 *
 * @example
 * ```ts
 * import { socksReplyForRefusal } from "./refusal.ts";
 * socksReplyForRefusal("exit policy: 127.0.0.1:22 (127.0.0.1) is not allowed by the exit policy"); // 2
 * socksReplyForRefusal("connect: connection refused by 127.0.0.1:9"); // 5
 * socksReplyForRefusal("dns: could not resolve nope.invalid"); // 4
 * ```
 */
export function socksReplyForRefusal(message: string): Socks5ReplyCode {
  const text = message.toLowerCase();
  if (text.startsWith("exit policy:") || /not allowed|exit policy|blocked|denied/.test(text)) {
    return Socks5Reply.NotAllowedByRuleset;
  }
  if (text.startsWith("limit:") || text.startsWith("malformed:")) {
    return Socks5Reply.GeneralFailure;
  }
  // A name that does not resolve (or resolves too slowly) is an unreachable host.
  if (text.startsWith("dns:")) return Socks5Reply.HostUnreachable;
  if (/refused/.test(text)) return Socks5Reply.ConnectionRefused;
  if (/timed out|timeout/.test(text)) return Socks5Reply.TtlExpired;
  if (/network (is )?unreachable/.test(text)) return Socks5Reply.NetworkUnreachable;
  if (/resolve|unreachable|no route|not known/.test(text)) {
    return Socks5Reply.HostUnreachable;
  }
  if (text.startsWith("connect:")) return Socks5Reply.HostUnreachable;
  return Socks5Reply.GeneralFailure;
}
