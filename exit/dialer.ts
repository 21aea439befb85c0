/**
 * DNS resolution and TCP connects for the network requester, on Deno. `localhost` and
 * `*.localhost` resolve to loopback without asking a resolver (RFC 6761 §6.3), so local tests
 * never send DNS queries; other names go through the system resolver (`getaddrinfo`, like
 * upstream's `tokio::net::lookup_host`).
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { formatIp, type IpAddress, parseIp } from "../util/net.ts";
import type { NrConnection, NrDialer } from "./network_requester.ts";

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new Error("aborted"));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}

/**
 * Resolves `host` (IPv4 first); `localhost` names locally.
 *
 * @example
 * ```ts
 * import { resolveHost } from "./dialer.ts";
 * const ips = await resolveHost("localhost", new AbortController().signal);
 * ips[0].family; // 4
 * ```
 * @throws {Error} when the name does not resolve or `signal` aborts.
 */
export async function resolveHost(host: string, signal: AbortSignal): Promise<IpAddress[]> {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) {
    return [parseIp("127.0.0.1"), parseIp("::1")];
  }
  const results = await Promise.race([
    lookup(name, { all: true, verbatim: true }),
    aborted(signal),
  ]);
  const ips = results.map((r) => parseIp(r.address));
  return [...ips.filter((ip) => ip.family === 4), ...ips.filter((ip) => ip.family === 6)];
}

/**
 * Opens a TCP connection; a connection that completes after `signal` aborted is closed.
 *
 * @example
 * ```ts no-eval
 * import { parseIp } from "../util/net.ts";
 * import { connectTcp } from "./dialer.ts";
 * const conn = await connectTcp(parseIp("127.0.0.1"), 8080, new AbortController().signal);
 * conn.close();
 * ```
 */
export async function connectTcp(
  ip: IpAddress,
  port: number,
  signal: AbortSignal,
): Promise<NrConnection> {
  const pending = Deno.connect({ hostname: formatIp(ip), port, transport: "tcp" });
  pending.then((c) => {
    if (signal.aborted) c.close();
  }, () => {});
  const conn = await Promise.race([pending, aborted(signal)]);
  try {
    conn.setNoDelay(true);
  } catch { /* not a TCP socket option on this platform */ }
  return conn;
}

/**
 * The real dialer.
 *
 * @example
 * ```ts no-eval
 * import { denoDialer } from "./dialer.ts";
 * new NetworkRequester({ dialer: denoDialer(), ... });
 * ```
 */
export function denoDialer(): NrDialer {
  return { resolve: resolveHost, connect: connectTcp };
}
