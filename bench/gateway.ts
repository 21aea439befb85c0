/**
 * `deno task bench:gateway`: one entry-gateway process (`nym-node run --mode entry-gateway
 * --local`) on loopback, a sink playing the mix node the gateway forwards to, and clients driven
 * with our gateway protocol code (`tests/support/gateway_client.ts`, over Deno's WebSocket).
 *
 * 1. Idle clients: registers `GW_BENCH_CLIENTS` (default 2000) clients, 32 handshakes at a
 *    time, keeps every session open and idle, and reads the gateway's resident memory
 *    (`VmRSS`) before and after. Target: ≥ 2,000 idle connections in ≤ 500 MB.
 * 2. Forwarding: 50 of those clients claim bandwidth and each pipe 400 pre-encrypted
 *    ForwardSphinx requests at once; packets/s arriving at the sink between 10 % and 90 %.
 * 3. Mailbox, storage: the gateway's `MailboxWriter` over `Mailbox` (same options as
 *    `gateway/service.ts`, WAL database in a temporary directory, in this process), 50,000
 *    messages of 1,600 bytes for 100 clients; messages/s until all are committed. Target
 *    ≥ 20,000/s. Also reported: the process's end-to-end rate of final-hop packets
 *    (Sphinx-unwrapped, SURB-ack forwarded, stored) while step 4 fills the mailbox.
 * 4. Mailbox, delivery: 10,000 final-hop packets for one offline client go into the process
 *    over its mixnet port; the client then authenticates, and the time from sending
 *    `authenticateV2` until the last stored message and the reply have arrived is measured.
 *    Target < 1 s.
 *
 * Last line: `gw-clients=<n> gw-fwd-pps=<n> mailbox-store-mps=<n> mailbox-drain-ms=<n>`.
 *
 * @module
 */
import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
import { KeyRotation, type MixPacket, PacketType } from "../framing/mod.ts";
import { BinaryRequestKind, encodeClientBinaryRequest } from "../gateway/protocol/mod.ts";
import { MailboxWriter } from "../gateway/mailbox_writer.ts";
import { openGatewayDatabase } from "../gateway/storage/database.ts";
import { Mailbox } from "../gateway/storage/mailbox.ts";
import { systemClock } from "../util/clock.ts";
import { serveFakeNymApi } from "../tests/support/fake_nym_api.ts";
import { GatewayTestClient } from "../tests/support/gateway_client.ts";
import { startGatewayProcess } from "../tests/support/gateway_process.ts";
import { finalHopFrame, FrameSink, openMixnetLink } from "../tests/support/mixnet_peer.ts";

const crypto = createCryptoProvider();
const CLIENTS = Number(Deno.env.get("GW_BENCH_CLIENTS") ?? 2000);
const REGISTER_CONCURRENCY = 32;
const FORWARD_CLIENTS = 50;
const FORWARD_PER_CLIENT = 400;
const STORE_MESSAGES = 50_000;
const STORE_CLIENTS = 100;
const DRAIN_MESSAGES = 10_000;

async function residentMb(pid: number): Promise<number> {
  // Deno only lets --allow-all read /proc/<pid>; `cat` runs under --allow-run.
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`], stdout: "piped" })
    .output();
  const status = new TextDecoder().decode(out.stdout);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Packets/s between 10 % and 90 % of `total` arrivals, sampled every 20 ms. */
async function arrivalRate(count: () => number, total: number, timeoutMs: number) {
  const marks: { t: number; n: number }[] = [];
  const start = performance.now();
  const base = count();
  while (count() - base < total && performance.now() - start < timeoutMs) {
    await new Promise((r) => setTimeout(r, 20));
    marks.push({ t: performance.now(), n: count() - base });
  }
  const steady = marks.filter((m) => m.n >= 0.1 * total && m.n <= 0.9 * total);
  const received = count() - base;
  const rate = steady.length >= 2
    ? (steady.at(-1)!.n - steady[0].n) / ((steady.at(-1)!.t - steady[0].t) / 1000)
    : received / ((performance.now() - start) / 1000);
  return { rate, received };
}

function packetTo(port: number): MixPacket {
  return {
    nextHop: { ip: "127.0.0.1", port },
    packetType: PacketType.Mix,
    keyRotation: KeyRotation.Unknown,
    packet: systemRandom(2413),
  };
}

/** Storage-layer throughput, with the gateway's writer settings, on a WAL file database. */
function mailboxStoreRate(): { mps: number; seconds: number } {
  const dir = Deno.makeTempDirSync({ prefix: "nym-bench-mailbox-" });
  const db = openGatewayDatabase(`${dir}/clients.sqlite`);
  try {
    const mailbox = new Mailbox(db, systemClock, {
      maxMessagesPerClient: 25_000,
      maxMessageSize: 64 * 1024,
    });
    const writer = new MailboxWriter(mailbox, {
      batchSize: 500,
      flushDelayMs: 5,
      maxPending: 100_000,
    });
    const content = systemRandom(1600);
    const addresses = Array.from({ length: STORE_CLIENTS }, (_, i) => `client-${i}`);
    const start = performance.now();
    for (let i = 0; i < STORE_MESSAGES; i++) {
      writer.enqueue({ clientAddress: addresses[i % STORE_CLIENTS], content });
    }
    writer.close();
    const seconds = (performance.now() - start) / 1000;
    if (mailbox.totalStored() !== STORE_MESSAGES) {
      throw new Error(`stored ${mailbox.totalStored()} of ${STORE_MESSAGES}`);
    }
    return { mps: STORE_MESSAGES / seconds, seconds };
  } finally {
    db.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

const sink = new FrameSink();
const api = serveFakeNymApi(() => [{ mixPort: sink.port }]);
const clients: GatewayTestClient[] = [];
let gateway: Awaited<ReturnType<typeof startGatewayProcess>> | null = null;
try {
  gateway = await startGatewayProcess({ nymApiUrl: api.url });
  const gw = gateway;
  await new Promise((r) => setTimeout(r, 1000));
  const baseRss = await residentMb(gw.pid);
  console.log(`gateway started: RSS ${baseRss.toFixed(0)} MB with no clients`);

  // 1. Idle clients.
  const t0 = performance.now();
  let failures = 0;
  let next = 0;
  await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, async () => {
    while (next < CLIENTS) {
      next++;
      try {
        const client = await GatewayTestClient.connect({
          url: gw.wsUrl,
          gatewayIdentity: gw.identity,
          crypto,
        });
        try {
          await client.register();
          clients.push(client);
        } catch (e) {
          await client.close();
          throw e;
        }
      } catch (e) {
        if (failures++ < 5) console.log(`registration failed: ${(e as Error).message}`);
      }
    }
  }));
  const registerSeconds = (performance.now() - t0) / 1000;
  // Let the handshake garbage go before measuring what idle sessions hold.
  await new Promise((r) => setTimeout(r, 3000));
  const sessions = await gw.sessions();
  const open = clients.filter((c) => c.ws.readyState === WebSocket.OPEN).length;
  const idleRss = await residentMb(gw.pid);
  console.log(
    `idle clients: ${open} registered and open (${failures} failed) in ${
      registerSeconds.toFixed(1)
    } s (${
      (clients.length / registerSeconds).toFixed(0)
    } registrations/s); gateway reports ${sessions.active_sessions} active sessions; RSS ${
      idleRss.toFixed(0)
    } MB (+${
      ((idleRss - baseRss) * 1024 / Math.max(1, open)).toFixed(1)
    } KB per client) — target ≥ 2000 in ≤ 500 MB: ${
      open >= 2000 && idleRss <= 500 ? "met" : "NOT met"
    }`,
  );

  // 2. Forwarding from many clients.
  const senders = clients.slice(0, FORWARD_CLIENTS);
  await Promise.all(senders.map((c) => c.claimBandwidth()));
  const warm = senders[0];
  for (let i = 0; i < 50; i++) warm.forwardNoWait(packetTo(sink.port));
  await until(() => sink.count >= 50, 10_000);
  const requests = senders.map((c) =>
    Array.from(
      { length: FORWARD_PER_CLIENT },
      () =>
        encodeClientBinaryRequest(
          BinaryRequestKind.ForwardSphinx,
          packetTo(sink.port),
          c.sharedKey!,
          systemRandom,
        ),
    )
  );
  const total = FORWARD_CLIENTS * FORWARD_PER_CLIENT;
  const measuring = arrivalRate(() => sink.count, total, 120_000);
  senders.forEach((c, i) => {
    for (const request of requests[i]) c.sendRaw(request);
  });
  const forward = await measuring;
  console.log(
    `forwarding: ${
      forward.rate.toFixed(0)
    } packets/s from ${FORWARD_CLIENTS} clients (${forward.received}/${total} at the sink)`,
  );

  // 3. Mailbox storage layer.
  const store = mailboxStoreRate();
  console.log(
    `mailbox store: ${
      store.mps.toFixed(0)
    } messages/s (${STORE_MESSAGES} × 1600 B for ${STORE_CLIENTS} clients, batches of 500, WAL) — target ≥ 20000/s: ${
      store.mps >= 20_000 ? "met" : "NOT met"
    }`,
  );

  // 4. Fill one offline client's mailbox through the process, then drain it.
  const recipient = clients.pop()!;
  const { identity, sharedKey } = recipient;
  await recipient.close();
  const frames = Array.from({ length: DRAIN_MESSAGES }, (_, i) =>
    finalHopFrame(
      crypto,
      systemRandom,
      gw.hop,
      identity!.publicKey,
      new TextEncoder().encode(`stored-${i}`.padEnd(1600, ".")),
      sink.port,
    ));
  const link = await openMixnetLink(gw.hop.mixPort);
  const fillStart = performance.now();
  await link.write(frames);
  const filled = await until(
    async () => Number((await gw.sessions()).stored_messages) >= DRAIN_MESSAGES,
    120_000,
  );
  const fillSeconds = (performance.now() - fillStart) / 1000;
  link.close();
  const stored = Number((await gw.sessions()).stored_messages);
  console.log(
    `mailbox fill through the process: ${stored} final-hop packets stored in ${
      fillSeconds.toFixed(2)
    } s (${(stored / fillSeconds).toFixed(0)}/s end to end: unwrap, SURB-ack, store)${
      filled ? "" : " — INCOMPLETE"
    }`,
  );
  // Each stored message is 1,600 bytes, about what a regular packet carries after its SURB-ack.
  const returning = await GatewayTestClient.connect({
    url: gw.wsUrl,
    gatewayIdentity: gw.identity,
    crypto,
  });
  const drainStart = performance.now();
  await returning.authenticate(identity!, sharedKey!, 60_000);
  const drainMs = performance.now() - drainStart;
  const drained = returning.pushedWaiting;
  const first = new TextDecoder().decode(await returning.nextPushed());
  await returning.close();
  console.log(
    `mailbox drain: ${drained} stored messages pushed before the authenticate reply in ${
      drainMs.toFixed(0)
    } ms (first: ${first.slice(0, 12)}) — target < 1000 ms: ${
      drained >= DRAIN_MESSAGES && drainMs < 1000 ? "met" : "NOT met"
    }`,
  );
  console.log(
    `gw-clients=${open} gw-fwd-pps=${forward.rate.toFixed(0)} mailbox-store-mps=${
      store.mps.toFixed(0)
    } mailbox-drain-ms=${drainMs.toFixed(0)}`,
  );
} finally {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await gateway?.close();
  await sink.close();
  await api.close();
}
