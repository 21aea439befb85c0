/**
 * The exit gateway's network requester on a localnet (`nym-node localnet`: directory, 3 mix
 * nodes, entry and exit gateway; the exit runs with `allow_local_ips` and a policy file that
 * refuses one port). Our client core, at the entry gateway, speaks the SOCKS5 service-provider
 * protocol (`message/socks5/`) to the requester's published address, through all three mix
 * layers, to local servers: an HTTP fetch through reply SURBs and a 1 MB raw TCP stream to a
 * return address, both byte-exact; a destination refused by the exit policy; a dead port; a
 * target that closes mid-stream; and the real wasm client (1.4.1) getting an answer.
 */
import { assert, assertEquals, assertStringIncludes } from "../testing/asserts.ts";
import { createCryptoProvider } from "../crypto/mod.ts";
import {
  mergeOverrides,
  MixnetClient,
  noCoverOverrides,
  type ReceivedMessage,
} from "../client/mod.ts";
import { startLocalnet } from "../client/testing/localnet.ts";
import { WasmPeer } from "../client/testing/wasm_peer_process.ts";
import {
  type ConnectOutcome,
  connectOutcome,
  decodeSocks5ProviderResponse,
  describesConnectConfirmation,
  encodeSocks5ProviderRequest,
  OrderedMessageBuffer,
  type QueryResponse,
  SocketDataSequencer,
  socks5Request,
  type Socks5RequestContent,
  type Socks5ResponseContent,
} from "../message/socks5/mod.ts";

const crypto = createCryptoProvider();
const utf8 = (s: string) => new TextEncoder().encode(s);

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One proxied connection as a SOCKS5 client would keep it. */
interface Stream {
  outcome: ConnectOutcome | null;
  readonly inbound: OrderedMessageBuffer;
  readonly outbound: SocketDataSequencer;
  readonly chunks: Uint8Array[];
  readonly errors: string[];
  closed: boolean;
}

/** A minimal SOCKS5-protocol client on top of our client core. */
class Requester {
  readonly streams = new Map<bigint, Stream>();
  readonly queries: QueryResponse[] = [];
  #next: bigint;
  constructor(readonly client: MixnetClient, readonly nr: string, readonly anonymous: boolean) {
    this.#next = anonymous ? 1000n : 2000n;
  }

  handle(m: ReceivedMessage): void {
    const response = decodeSocks5ProviderResponse(m.message);
    if (response.content.kind !== "provider") return;
    const content: Socks5ResponseContent = response.content.response.content;
    if (content.kind === "query") {
      this.queries.push(content.response);
      return;
    }
    const id = content.kind === "network-data" ? content.data.connectionId : content.connectionId;
    const stream = this.streams.get(id);
    if (!stream) return;
    stream.outcome ??= connectOutcome(content, id);
    if (content.kind === "connection-error") stream.errors.push(content.message);
    if (content.kind === "network-data") {
      stream.inbound.write(content.data.seq, content.data.data, content.data.closed);
      for (let run = stream.inbound.read(); run; run = stream.inbound.read()) {
        if (run.data.length > 0) stream.chunks.push(run.data);
        stream.closed = run.closed;
      }
    }
  }

  #send(content: Socks5RequestContent, id?: bigint, surbs = 3): void {
    const bytes = encodeSocks5ProviderRequest(socks5Request(content));
    if (this.anonymous) this.client.sendAnonymous(this.nr, bytes, surbs, { connectionId: id });
    else this.client.send(this.nr, bytes, { connectionId: id });
  }

  query(query: "description" | "exit-policy"): void {
    this.client.sendAnonymous(
      this.nr,
      encodeSocks5ProviderRequest(socks5Request({ kind: "query", query })),
      5,
    );
  }

  async connect(target: string, timeoutMs = 30_000): Promise<[bigint, Stream]> {
    const id = this.#next++;
    const stream: Stream = {
      outcome: null,
      inbound: new OrderedMessageBuffer(),
      outbound: new SocketDataSequencer(id),
      chunks: [],
      errors: [],
      closed: false,
    };
    this.streams.set(id, stream);
    this.#send(
      {
        kind: "connect",
        connectionId: id,
        remoteAddress: target,
        returnAddress: this.anonymous ? null : this.client.address,
      },
      id,
      20,
    );
    await until(() => stream.outcome !== null, timeoutMs, `the outcome of connecting to ${target}`);
    return [id, stream];
  }

  write(id: bigint, data: Uint8Array, close = false): void {
    const stream = this.streams.get(id)!;
    this.#send({ kind: "send", data: stream.outbound.next(data, close) }, id);
  }
}

function received(stream: Stream): Uint8Array {
  const total = stream.chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of stream.chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function pattern(n: number, seed: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(n).map((_, i) => (i * seed + (i >> 8)) & 0xff);
}

/** A raw TCP server on 127.0.0.1:0. */
function tcpServer(handle: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tasks: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      tasks.push(
        handle(conn).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* closed */ }
        }),
      );
    }
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

async function readLine(conn: Deno.Conn): Promise<string> {
  const bytes: number[] = [];
  const one = new Uint8Array(1);
  while ((await conn.read(one)) === 1 && one[0] !== 10) bytes.push(one[0]);
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += await conn.write(data.subarray(offset));
}

Deno.test({
  name: "exit gateway network requester on a localnet",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const body = pattern(200_000, 7);
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/blob"
        ? new Response(body, { headers: { "content-type": "application/octet-stream" } })
        : new Response("not found", { status: 404 }),
  );
  // "<n>\n" → n bytes; "cut <n>\n" → half of them, then the connection is dropped
  const raw = tcpServer(async (conn) => {
    const line = await readLine(conn);
    const cut = line.startsWith("cut ");
    const n = Number(cut ? line.slice(4) : line);
    const data = pattern(n, 13);
    await writeAll(conn, cut ? data.subarray(0, n / 2) : data);
  });
  const refusedServer = tcpServer(async (conn) =>
    await writeAll(conn, utf8("should not be reached"))
  );
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = dead.addr.port;
  dead.close();

  const dir = await Deno.makeTempDir({ prefix: "exit-test-" });
  const policyFile = `${dir}/exit-policy.txt`;
  await Deno.writeTextFile(
    policyFile,
    [
      "ExitPolicy reject 127.0.0.0/8:*", // lifted for loopback by allow_local_ips
      `ExitPolicy reject *:${refusedServer.port}`,
      "ExitPolicy accept *:*",
    ].join("\n"),
  );
  const net = await startLocalnet({ mixnodes: 3, args: ["--exit-policy", policyFile] });
  let client: MixnetClient | undefined;
  try {
    const nr = net.info.networkRequester;
    assert(nr !== null, `localnet.json has no network requester:\n${net.output().slice(-3000)}`);
    const entry = net.info.gateways.find((g) => !g.exit)!;
    const exit = net.info.gateways.find((g) => g.exit)!;
    assert(nr.endsWith(`@${exit.identity}`), "the requester is a client of the exit gateway");
    client = await MixnetClient.start({
      nymApiUrls: [net.info.nymApi],
      crypto,
      gateway: entry.identity,
      config: mergeOverrides(noCoverOverrides(), {
        traffic: { averagePacketDelayMs: 0 },
        acknowledgements: { averageAckDelayMs: 0, ackWaitAdditionMs: 1000 },
      }),
    });
    const anonymous = new Requester(client, nr, true);
    const plain = new Requester(client, nr, false);
    client.on("message", (m) => (m.kind === "reply" ? anonymous : plain).handle(m));

    await t.step("the requester answers queries through SURBs", async () => {
      // Its client connects once the directory lists the exit gateway: ask until it answers.
      const deadline = Date.now() + 90_000;
      while (anonymous.queries.length === 0) {
        if (Date.now() > deadline) throw new Error(`no answer:\n${net.output().slice(-4000)}`);
        anonymous.query("description");
        await until(() => anonymous.queries.length > 0, 5000, "a query answer").catch(() => {});
      }
      const description = anonymous.queries.shift()!;
      assert(description.kind === "description");
      assert(describesConnectConfirmation(description.description));
      anonymous.query("exit-policy");
      const isPolicy = (q: QueryResponse) => q.kind === "exit-policy";
      await until(() => anonymous.queries.some(isPolicy), 30_000, "the exit policy");
      const policy = anonymous.queries.find(isPolicy)!;
      assert(policy.kind === "exit-policy" && policy.policy !== null);
      assertEquals(policy.upstream, `file://${policyFile}`);
      assertEquals(policy.policy[1], {
        action: "reject",
        ipPattern: "*",
        ports: { start: refusedServer.port, end: refusedServer.port },
      });
    });

    await t.step(
      "the real wasm client (1.4.1) reaches the requester and gets its answer",
      async () => {
        const peer = await WasmPeer.start(net.info.nymApi, { gateway: entry.identity });
        try {
          // A SOCKS5 Connect to a local server, sent anonymously: answered through the wasm
          // client's SURBs with the connect confirmation (our requester's client core building
          // replies the real client decodes).
          const id = 77n;
          await peer.sendAnonymous(
            nr,
            encodeSocks5ProviderRequest(socks5Request({
              kind: "connect",
              connectionId: id,
              remoteAddress: `127.0.0.1:${http.addr.port}`,
              returnAddress: null,
            })),
            10,
          );
          const answer = decodeSocks5ProviderResponse((await peer.nextMessage()).data);
          assert(answer.content.kind === "provider");
          assertEquals(connectOutcome(answer.content.response.content, id), { kind: "connected" });
        } finally {
          await peer.close();
        }
      },
    );

    await t.step("HTTP through reply SURBs: connect confirmed, body byte-exact", async () => {
      const [id, stream] = await anonymous.connect(`127.0.0.1:${http.addr.port}`);
      assertEquals(stream.outcome, { kind: "connected" });
      anonymous.write(
        id,
        utf8(`GET /blob HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
      );
      await until(() => stream.closed, 60_000, "the HTTP response");
      const response = received(stream);
      const split = new TextDecoder("latin1").decode(response).indexOf("\r\n\r\n");
      const head = new TextDecoder().decode(response.subarray(0, split));
      assertStringIncludes(head, "HTTP/1.1 200 OK");
      assertStringIncludes(head.toLowerCase(), `content-length: ${body.length}`);
      assertEquals(response.subarray(split + 4), body);
    });

    await t.step("1 MB of raw TCP to a return address, byte-exact", async () => {
      const started = performance.now();
      const [id, stream] = await plain.connect(`localhost:${raw.port}`);
      assertEquals(stream.outcome, { kind: "connected" });
      plain.write(id, utf8("1000000\n"));
      await until(() => stream.closed, 90_000, "1 MB");
      assertEquals(received(stream), pattern(1_000_000, 13));
      console.log(`1 MB through the localnet in ${Math.round(performance.now() - started)} ms`);
    });

    await t.step("a destination refused by the exit policy gets a ConnectionError", async () => {
      const [, stream] = await plain.connect(`127.0.0.1:${refusedServer.port}`);
      assert(stream.outcome?.kind === "refused");
      assertStringIncludes(stream.outcome.message, "exit policy:");
      assertStringIncludes(stream.outcome.message, `reject *:${refusedServer.port}`);
      assertEquals(received(stream).length, 0);
    });

    await t.step("a dead port is refused within seconds", async () => {
      const started = performance.now();
      const [, stream] = await plain.connect(`127.0.0.1:${deadPort}`, 10_000);
      assert(stream.outcome?.kind === "refused");
      assert(performance.now() - started < 10_000);
      // The reason normally arrives first; upstream's bare "closed" marker follows 1 s later.
      await until(() => stream.errors.length > 0, 5000, "the reason");
      assertStringIncludes(
        stream.errors[0],
        `connect: connection refused by 127.0.0.1:${deadPort}`,
      );
    });

    await t.step("the target closing mid-stream is reported after its data", async () => {
      const [id, stream] = await anonymous.connect(`127.0.0.1:${raw.port}`);
      anonymous.write(id, utf8("cut 100000\n"));
      await until(() => stream.closed, 60_000, "the close");
      assertEquals(received(stream), pattern(100_000, 13).subarray(0, 50_000));
    });
  } finally {
    await client?.stop();
    await net.stop();
    await http.shutdown();
    await raw.close();
    await refusedServer.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
