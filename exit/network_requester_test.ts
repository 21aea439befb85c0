/**
 * The network requester against an in-process fake transport and real loopback TCP servers.
 */
import { getLogger } from "@logtape/logtape";
import { assert, assertEquals, assertStringIncludes } from "../testing/asserts.ts";
import { systemClock } from "../util/clock.ts";
import { parseIp } from "../util/net.ts";
import { decodeRecipient, type Recipient } from "../message/mod.ts";
import {
  decodeSocks5ProviderResponse,
  encodeSocks5ProviderRequest,
  LEGACY_VERSIONS,
  type Socks5ProviderResponse,
  socks5Request,
  type Socks5RequestContent,
  type Socks5ResponseContent,
} from "../message/socks5/mod.ts";
import { DEFAULT_EXIT_POLICY } from "./exit_decision.ts";
import { ExitPolicy } from "./policy.ts";
import { connectTcp, resolveHost } from "./dialer.ts";
import {
  NetworkRequester,
  type NetworkRequesterOptions,
  type NrDialer,
  type NrTransport,
  parseRemoteTarget,
} from "./network_requester.ts";

interface Sent {
  readonly to: "recipient" | "tag";
  readonly bytes: Uint8Array;
  readonly connectionId?: bigint;
}

class FakeTransport implements NrTransport {
  readonly sent: Sent[] = [];
  readonly closed: bigint[] = [];
  #waiters: (() => void)[] = [];
  send(_r: Recipient, message: Uint8Array, connectionId?: bigint): void {
    this.#push({ to: "recipient", bytes: message, connectionId });
  }
  reply(_t: Uint8Array, message: Uint8Array, connectionId?: bigint): void {
    this.#push({ to: "tag", bytes: message, connectionId });
  }
  laneQueueLength(): number {
    return 0;
  }
  closeConnection(id: bigint): void {
    this.closed.push(id);
  }
  #push(s: Sent): void {
    this.sent.push(s);
    for (const w of this.#waiters.splice(0)) w();
  }
  responses(): Socks5ProviderResponse[] {
    return this.sent.map((s) => decodeSocks5ProviderResponse(s.bytes));
  }
  contents(): Socks5ResponseContent[] {
    return this.responses().flatMap((r) =>
      r.content.kind === "provider" ? [r.content.response.content] : []
    );
  }
  /** Waits until `predicate` holds over the decoded contents (2 s at most). */
  async until(
    predicate: (c: Socks5ResponseContent[]) => boolean,
  ): Promise<Socks5ResponseContent[]> {
    const deadline = Date.now() + 2000;
    while (!predicate(this.contents())) {
      if (Date.now() > deadline) {
        throw new Error(
          `condition not met; got ${
            JSON.stringify(
              this.contents(),
              (_, v) => typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? [...v] : v,
            )
          }`,
        );
      }
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 20);
      });
    }
    return this.contents();
  }
}

const TAG = new Uint8Array(16).fill(7);
const RECIPIENT = decodeRecipient(new Uint8Array(96).fill(1));
const logger = getLogger(["nym-node", "exit", "test"]);

function setup(options: Partial<NetworkRequesterOptions> = {}) {
  const transport = new FakeTransport();
  const nr = new NetworkRequester({
    transport,
    dialer: { resolve: resolveHost, connect: connectTcp },
    policy: { policy: ExitPolicy.parse(DEFAULT_EXIT_POLICY), upstream: "test" },
    allowLocalIps: true,
    openProxy: false,
    clock: systemClock,
    logger,
    ...options,
  });
  const request = (content: Socks5RequestContent, tag: Uint8Array | null = TAG) =>
    nr.handleMessage(encodeSocks5ProviderRequest(socks5Request(content)), tag);
  return { transport, nr, request };
}

function networkData(contents: Socks5ResponseContent[], id: bigint) {
  return contents.flatMap((c) =>
    c.kind === "network-data" && c.data.connectionId === id ? [c.data] : []
  );
}

/** A TCP server on 127.0.0.1:0 running `handle` per connection. */
function tcpServer(handle: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tasks: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of listener) tasks.push(handle(conn).catch(() => {}));
  })().catch(() => {});
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      await loop;
      await Promise.all(tasks);
    },
  };
}

async function echo(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    await conn.write(buf.subarray(0, n));
  }
  conn.close();
}

Deno.test("connect is confirmed with an empty seq 0, then data flows both ways in order", async () => {
  const server = tcpServer(echo);
  const { transport, nr, request } = setup();
  try {
    request({
      kind: "connect",
      connectionId: 1n,
      remoteAddress: `127.0.0.1:${server.port}`,
      returnAddress: null,
    });
    let c = await transport.until((c) => networkData(c, 1n).length >= 1);
    assertEquals(networkData(c, 1n)[0], {
      connectionId: 1n,
      seq: 0n,
      closed: false,
      data: new Uint8Array(0),
    });
    // out of order: seq 1 first, then 0; the remote must see "hello world"
    request({
      kind: "send",
      data: { connectionId: 1n, seq: 1n, closed: false, data: new TextEncoder().encode(" world") },
    });
    request({
      kind: "send",
      data: { connectionId: 1n, seq: 0n, closed: false, data: new TextEncoder().encode("hello") },
    });
    c = await transport.until((c) =>
      new TextDecoder().decode(Uint8Array.from(networkData(c, 1n).flatMap((d) => [...d.data]))) ===
        "hello world"
    );
    const data = networkData(c, 1n);
    assertEquals(data.map((d) => d.seq), data.map((_, i) => BigInt(i)));
    // every answer went through the sender's SURBs, on the connection's lane
    assert(transport.sent.every((s) => s.to === "tag" && s.connectionId === 1n));
    // the client closes: the remote (echo) sees EOF and closes, the requester reports it
    request({
      kind: "send",
      data: { connectionId: 1n, seq: 2n, closed: true, data: new Uint8Array(0) },
    });
    c = await transport.until((c) => networkData(c, 1n).some((d) => d.closed));
    const usage = nr.clientUsage();
    assertEquals(usage.length, 1);
    assertEquals(usage[0].bytesFromClient, 11);
    assertEquals(usage[0].bytesToClient, 11);
    assertEquals(nr.counters.connectionsOpened, 1);
  } finally {
    nr.stop();
    await server.close();
  }
});

Deno.test("a local target is refused without allow_local_ips; a port rule refuses it with it", async () => {
  const { transport, nr, request } = setup({ allowLocalIps: false });
  const strict = setup({
    policy: {
      policy: ExitPolicy.parse("ExitPolicy reject *:9\nExitPolicy accept *:*"),
      upstream: "file",
    },
  });
  try {
    request({
      kind: "connect",
      connectionId: 5n,
      remoteAddress: "127.0.0.1:8080",
      returnAddress: null,
    });
    let c = await transport.until((c) => c.some((x) => x.kind === "connection-error"));
    let err = c.find((x) => x.kind === "connection-error");
    assert(err?.kind === "connection-error");
    assertStringIncludes(err.message, "exit policy: 127.0.0.1:8080 (127.0.0.1) is not allowed");
    assertStringIncludes(err.message, "not a global address");
    assertEquals(nr.counters.deniedLocal, 1);
    // "localhost" resolves to loopback and is refused just the same (every address is checked)
    request({
      kind: "connect",
      connectionId: 6n,
      remoteAddress: "localhost:80",
      returnAddress: null,
    });
    c = await transport.until((c) => c.filter((x) => x.kind === "connection-error").length === 2);
    assertEquals(nr.counters.deniedLocal, 2);

    strict.request({
      kind: "connect",
      connectionId: 7n,
      remoteAddress: "[::1]:9",
      returnAddress: null,
    });
    c = await strict.transport.until((c) => c.some((x) => x.kind === "connection-error"));
    err = c.find((x) => x.kind === "connection-error");
    assert(err?.kind === "connection-error");
    assertStringIncludes(err.message, "rule 'reject *:9'");
    assertEquals(strict.nr.counters.deniedPolicy, 1);
    // the default policy refuses abused ports even on loopback with allow_local_ips
    const d = setup();
    d.request({
      kind: "connect",
      connectionId: 8n,
      remoteAddress: "127.0.0.1:25",
      returnAddress: null,
    });
    c = await d.transport.until((c) => c.some((x) => x.kind === "connection-error"));
    assertStringIncludes((c[0] as { message: string }).message, "reject *:25");
    d.nr.stop();
  } finally {
    nr.stop();
    strict.nr.stop();
  }
});

Deno.test("a dead port is reported at once with an error and upstream's closed marker", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const { transport, nr, request } = setup({ limits: { failureMarkerDelayMs: 100 } });
  try {
    const started = performance.now();
    request({
      kind: "connect",
      connectionId: 9n,
      remoteAddress: `127.0.0.1:${port}`,
      returnAddress: RECIPIENT,
    });
    let c = await transport.until((c) => c.length >= 1);
    assert(performance.now() - started < 1000);
    // the reason comes first; upstream's closed marker follows after `failureMarkerDelayMs`
    assertEquals(c.map((x) => x.kind), ["connection-error"]);
    c = await transport.until((c) => c.length >= 2);
    const err = c.find((x) => x.kind === "connection-error");
    assert(err?.kind === "connection-error");
    assertEquals(err.message, `connect: connection refused by 127.0.0.1:${port}`);
    assertEquals(networkData(c, 9n), [{
      connectionId: 9n,
      seq: 0n,
      closed: true,
      data: new Uint8Array(0),
    }]);
    // with a return address the answers are regular messages to it
    assert(transport.sent.every((s) => s.to === "recipient"));
    assertEquals(nr.counters.connectFailures, 1);
    assertEquals(nr.openConnections, 0);
  } finally {
    nr.stop();
  }
});

Deno.test("the remote closing mid-stream is reported after its data", async () => {
  const payload = new Uint8Array(50_000).map((_, i) => i % 251);
  const server = tcpServer(async (conn) => {
    await conn.write(payload.subarray(0, 30_000));
    await conn.write(payload.subarray(30_000));
    conn.close();
  });
  const { transport, nr, request } = setup({ limits: { readChunkBytes: 4096 } });
  try {
    request({
      kind: "connect",
      connectionId: 11n,
      remoteAddress: `127.0.0.1:${server.port}`,
      returnAddress: null,
    });
    const c = await transport.until((c) => networkData(c, 11n).some((d) => d.closed));
    const data = networkData(c, 11n);
    assertEquals(data.map((d) => d.seq), data.map((_, i) => BigInt(i)));
    assert(data.every((d) => d.data.length <= 4096));
    assertEquals(Uint8Array.from(data.flatMap((d) => [...d.data])), payload);
    assert(data.at(-1)!.closed && data.at(-1)!.data.length === 0);
  } finally {
    nr.stop();
    await server.close();
  }
});

Deno.test("data that overtakes its Connect is kept and delivered", async () => {
  const received: Uint8Array[] = [];
  let done!: () => void;
  const got = new Promise<void>((r) => done = r);
  const server = tcpServer(async (conn) => {
    const buf = new Uint8Array(100);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      received.push(buf.slice(0, n));
      if (received.reduce((a, b) => a + b.length, 0) >= 6) done();
    }
    conn.close();
  });
  const { nr, request } = setup();
  try {
    request({
      kind: "send",
      data: { connectionId: 12n, seq: 0n, closed: false, data: new TextEncoder().encode("abc") },
    });
    request({
      kind: "connect",
      connectionId: 12n,
      remoteAddress: `localhost:${server.port}`,
      returnAddress: null,
    });
    request({
      kind: "send",
      data: { connectionId: 12n, seq: 1n, closed: false, data: new TextEncoder().encode("def") },
    });
    await got;
    assertEquals(
      new TextDecoder().decode(Uint8Array.from(received.flatMap((r) => [...r]))),
      "abcdef",
    );
  } finally {
    nr.stop();
    await server.close();
  }
});

Deno.test("bad requests are counted, never thrown; queries go only through SURBs", () => {
  const { transport, nr, request } = setup();
  try {
    for (const bad of [[], [3], [3, 1, 3, 9], [3, 1, 3, 0, 1], [0, 9], [7, 7, 7]]) {
      nr.handleMessage(Uint8Array.from(bad), null);
    }
    assertEquals(nr.counters.malformed, 6);
    request({ kind: "query", query: "open-proxy" }, null);
    assertEquals(nr.counters.unanswerable, 1);
    assertEquals(transport.sent.length, 0);
    request({ kind: "query", query: "description" });
    request({ kind: "query", query: "exit-policy" });
    nr.handleMessage(
      encodeSocks5ProviderRequest({
        interfaceVersion: 3,
        content: { kind: "control", request: "supported-versions" },
      }),
      TAG,
    );
    const responses = transport.responses();
    assertEquals(responses.length, 3);
    const [description, policy] = transport.contents();
    assert(description.kind === "query" && description.response.kind === "description");
    assertStringIncludes(description.response.description, "connect-confirmation/1");
    assert(policy.kind === "query" && policy.response.kind === "exit-policy");
    assertEquals(policy.response.policy?.at(-1), {
      action: "accept",
      ipPattern: "*",
      ports: { start: 1, end: 65535 },
    });
    assertEquals(responses[2].content, {
      kind: "control",
      response: {
        kind: "supported-versions",
        interfaceVersion: '{"type":"Versioned","version":3}',
        providerVersion: '{"type":"Versioned","version":3}',
      },
    });
    // a connect without a return address nor a sender tag cannot be answered
    request({
      kind: "connect",
      connectionId: 1n,
      remoteAddress: "127.0.0.1:1",
      returnAddress: null,
    }, null);
    assertEquals(nr.counters.unanswerable, 2);
    assertEquals(nr.openConnections, 0);
  } finally {
    nr.stop();
  }
});

Deno.test("legacy requests are answered in legacy framing", async () => {
  const { transport, nr } = setup({ allowLocalIps: false });
  try {
    nr.handleMessage(
      encodeSocks5ProviderRequest(
        socks5Request({
          kind: "connect",
          connectionId: 3n,
          remoteAddress: "10.0.0.1:80",
          returnAddress: RECIPIENT,
        }, LEGACY_VERSIONS),
      ),
      null,
    );
    await transport.until((c) => c.length === 1);
    const bytes = transport.sent[0].bytes;
    assertEquals(bytes[0], 2); // legacy: the ConnectionError flag comes first
    assertEquals(transport.responses()[0].interfaceVersion, "legacy");
  } finally {
    nr.stop();
  }
});

Deno.test("limits: connections per client, DNS timeouts, idle connections", async () => {
  const server = tcpServer(async (conn) => {
    await new Promise((r) => setTimeout(r, 1500));
    conn.close();
  });
  const hanging: NrDialer = {
    resolve: (_host, signal) =>
      new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(new Error("aborted")))
      ),
    connect: connectTcp,
  };
  const { transport, nr, request } = setup({
    dialer: hanging,
    limits: { maxConnectionsPerClient: 2, dnsTimeoutMs: 100, idleTimeoutMs: 300 },
  });
  try {
    request({
      kind: "connect",
      connectionId: 1n,
      remoteAddress: `127.0.0.1:${server.port}`,
      returnAddress: null,
    });
    request({
      kind: "connect",
      connectionId: 2n,
      remoteAddress: `127.0.0.1:${server.port}`,
      returnAddress: null,
    });
    request({
      kind: "connect",
      connectionId: 3n,
      remoteAddress: `127.0.0.1:${server.port}`,
      returnAddress: null,
    });
    let c = await transport.until((c) => c.some((x) => x.kind === "connection-error"));
    const limit = c.find((x) => x.kind === "connection-error");
    assert(limit?.kind === "connection-error" && limit.connectionId === 3n);
    assertStringIncludes(limit.message, "limit: too many connections from this client (2)");
    // another client is not affected
    request({
      kind: "connect",
      connectionId: 4n,
      remoteAddress: "example.invalid:80",
      returnAddress: null,
    }, new Uint8Array(16).fill(9));
    c = await transport.until((c) =>
      c.some((x) => x.kind === "connection-error" && x.connectionId === 4n)
    );
    const dns = c.find((x) => x.kind === "connection-error" && x.connectionId === 4n);
    assert(dns?.kind === "connection-error");
    assertEquals(dns.message, "dns: resolving example.invalid timed out");
    // idle: nothing flows on 1 and 2, so they are closed (and the client told) within ~0.5 s
    c = await transport.until((c) =>
      networkData(c, 1n).some((d) => d.closed) && networkData(c, 2n).some((d) => d.closed)
    );
    assertEquals(nr.counters.idleClosed, 2);
    assertEquals(nr.openConnections, 0);
  } finally {
    nr.stop();
    await server.close();
  }
});

Deno.test("remote targets: host:port forms", () => {
  assertEquals(parseRemoteTarget("1.2.3.4:80").ip, parseIp("1.2.3.4"));
  assertEquals(parseRemoteTarget("Example.ORG:443"), { host: "Example.ORG", port: 443, ip: null });
  for (
    const bad of ["nope", ":80", "a:0", "a:65536", "::1:80", "[::1]80", "a b:80", "-:", "a..b:1"]
  ) {
    let threw = false;
    try {
      parseRemoteTarget(bad);
    } catch {
      threw = true;
    }
    assert(threw, bad);
  }
});

Deno.test("random and mutated messages never throw and never open connections", () => {
  // Mutated addresses may name public hosts: this dialer never touches the network.
  const offline: NrDialer = {
    resolve: () => Promise.reject(new Error("offline")),
    connect: () => Promise.reject(new Error("offline")),
  };
  const { nr } = setup({ allowLocalIps: false, dialer: offline });
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const seeds = [
    encodeSocks5ProviderRequest(
      socks5Request({
        kind: "connect",
        connectionId: 1n,
        remoteAddress: "10.0.0.1:80",
        returnAddress: null,
      }),
    ),
    encodeSocks5ProviderRequest(
      socks5Request({
        kind: "send",
        data: { connectionId: 1n, seq: 0n, closed: false, data: random(20) },
      }),
    ),
    encodeSocks5ProviderRequest(socks5Request({ kind: "query", query: "exit-policy" })),
  ];
  try {
    for (let i = 0; i < 3000; i++) {
      const seed = seeds[i % seeds.length].slice();
      for (let j = 0; j < 1 + (i % 3); j++) seed[random(1)[0] % seed.length] = random(1)[0];
      const input = i % 4 === 0
        ? random(random(1)[0])
        : seed.subarray(0, 1 + (random(1)[0] % seed.length));
      nr.handleMessage(input, i % 2 === 0 ? TAG : null);
    }
    assert(nr.counters.malformed > 0);
    assert(nr.counters.requestsConnect > 0 && nr.counters.requestsSend > 0);
    assertEquals(nr.counters.connectionsOpened, 0);
  } finally {
    nr.stop();
  }
});
