/**
 * VerLoc (`nym-node.md` §3.8): a TCP echo listener that signs replies, and a measurer that
 * periodically pings every node of the network and publishes round-trip statistics at
 * `/api/v1/metrics/verloc`.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { z } from "@hono/zod-openapi";
import { decodeBase58 } from "../../crypto/base58.ts";
import { randomInt } from "../../crypto/random.ts";
import type { NodeContext, RoleService } from "../../node/context.ts";
import { formatted } from "../../node/http/respond.ts";
import { jsonRoute, type RouteModule } from "../../node/http/routes.ts";
import { parseSocketAddress } from "../../util/net.ts";
import {
  createEchoPacket,
  createReplyPacket,
  ECHO_PACKET_SIZE,
  parseEchoPacket,
  parseReplyPacket,
  REPLY_PACKET_SIZE,
} from "./packets.ts";
import { summarizeRtts, type VerlocMeasurement } from "./stats.ts";

const log = getLogger(["nym-node", "verloc"]);
const MAX_INBOUND_CONNECTIONS = 256;
const DESCRIBED_PAGE_SIZE = 200;

/** A node to measure. */
export interface VerlocTarget {
  readonly identity: string;
  readonly host: string;
  readonly port: number;
}

/** One measured node. */
export interface VerlocResult {
  readonly node_identity: string;
  readonly latest_measurement: VerlocMeasurement | null;
}

/** A finished measurement run. */
export interface VerlocRun {
  readonly nodes_tested: number;
  readonly run_started: string;
  readonly run_finished: string;
  readonly results: VerlocResult[];
}

type RunState = "unavailable" | "measurementInProgress" | { data: VerlocRun };

const Measurement = z.object({
  minimum: z.string(),
  mean: z.string(),
  maximum: z.string(),
  standard_deviation: z.string(),
});
const RunStateSchema = z.union([
  z.literal("unavailable"),
  z.literal("measurementInProgress"),
  z.object({
    data: z.object({
      nodes_tested: z.number(),
      run_started: z.string(),
      run_finished: z.string(),
      results: z.array(
        z.object({ node_identity: z.string(), latest_measurement: Measurement.nullable() }),
      ),
    }),
  }),
]);
const VerlocResponse = z.object({ previous: RunStateSchema, current: RunStateSchema }).openapi(
  "VerlocStats",
);

function parseDescribed(entry: unknown): VerlocTarget | null {
  try {
    const d = (entry as { description: Record<string, unknown> }).description;
    const host = d.host_information as { ip_address: string[]; keys: { ed25519: string } };
    const aux = d.auxiliary_details as
      | { announce_ports?: { verloc_port?: number | null } }
      | undefined;
    const ip = host.ip_address[0];
    if (typeof ip !== "string" || typeof host.keys.ed25519 !== "string") return null;
    const port = aux?.announce_ports?.verloc_port ?? 1790;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
    return { identity: host.keys.ed25519, host: ip, port };
  } catch {
    return null;
  }
}

/** The VerLoc role: every node runs it. */
export class VerlocService implements RoleService {
  readonly name = "verloc";
  #listener: Deno.TcpListener | null = null;
  #accepting: Promise<void> | null = null;
  #conns = new Set<Deno.Conn>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #previous: RunState = "unavailable";
  #current: RunState = "unavailable";
  #ctx: NodeContext | null = null;
  #running: Promise<void> | null = null;

  routes(): readonly RouteModule[] {
    return [{
      name: "verloc",
      routes: [
        jsonRoute(
          {
            path: "/api/v1/metrics/verloc",
            tag: "Metrics",
            summary: "Latency measurements of other nodes",
            schema: VerlocResponse,
          },
          (c) => formatted(c, { previous: this.#previous, current: this.#current }),
        ),
      ],
    }];
  }

  start(ctx: NodeContext): Promise<void> {
    this.#ctx = ctx;
    const bind = parseSocketAddress(ctx.config.verloc.bind_address);
    this.#listener = Deno.listen({ hostname: bind.ip, port: bind.port });
    ctx.announceListener("verloc", { hostname: bind.ip, port: this.#listener.addr.port });
    this.#accepting = this.#accept(ctx);
    // First run shortly after start (the network needs a moment to learn about us), then periodic.
    this.#schedule(Math.min(60_000, ctx.config.verloc.debug.testing_interval));
    return Promise.resolve();
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#measureAll().finally(() => {
        this.#running = null;
        this.#schedule(this.#ctx!.config.verloc.debug.testing_interval);
      });
    }, ms);
  }

  async #accept(ctx: NodeContext): Promise<void> {
    const listener = this.#listener!;
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      if (this.#conns.size >= MAX_INBOUND_CONNECTIONS) {
        conn.close();
        continue;
      }
      this.#conns.add(conn);
      this.#echo(ctx, conn).finally(() => this.#conns.delete(conn));
    }
  }

  /** Answers echo packets until the peer closes or sends something malformed. */
  async #echo(ctx: NodeContext, conn: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(ECHO_PACKET_SIZE);
    const timeout = ctx.config.verloc.debug.connection_timeout +
      ctx.config.verloc.debug.packet_timeout;
    try {
      for (;;) {
        const ok = await readExactly(conn, buffer, timeout);
        if (!ok) break;
        const reply = createReplyPacket(
          parseEchoPacket(buffer),
          ctx.keys.current.identity.secretKey,
        );
        await writeAll(conn, reply);
      }
    } catch (e) {
      log.debug("verloc connection closed: {error}", { error: (e as Error).message });
    } finally {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  }

  async #targets(ctx: NodeContext): Promise<VerlocTarget[]> {
    const own = ctx.keys.current.identity.publicKey;
    for (const api of ctx.config.mixnet.nym_api_urls) {
      try {
        const targets: VerlocTarget[] = [];
        for (let page = 0; page < 100; page++) {
          const url = new URL(
            `v1/nym-nodes/described?page=${page}&per_page=${DESCRIBED_PAGE_SIZE}`,
            api.endsWith("/") ? api : `${api}/`,
          );
          const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
          if (!response.ok) throw new Error(`${url} answered ${response.status}`);
          const body = await response.json() as {
            data?: unknown[];
            pagination?: { total?: number };
          };
          const data = Array.isArray(body.data) ? body.data : [];
          for (const entry of data) {
            const t = parseDescribed(entry);
            if (t && !equalBytes(safeDecode(t.identity), own)) targets.push(t);
          }
          if (data.length < DESCRIBED_PAGE_SIZE) break;
        }
        return targets;
      } catch (e) {
        log.warn("cannot list nodes for verloc from {api}: {error}", {
          api,
          error: (e as Error).message,
        });
      }
    }
    return [];
  }

  async #measureAll(): Promise<void> {
    const ctx = this.#ctx!;
    const started = new Date(ctx.clock.now()).toISOString();
    const targets = await this.#targets(ctx);
    if (this.#stopped) return;
    this.#current = "measurementInProgress";
    const results: VerlocResult[] = [];
    const batch = ctx.config.verloc.debug.tested_nodes_batch_size;
    for (let i = 0; i < targets.length && !this.#stopped; i += batch) {
      const measured = await Promise.all(
        targets.slice(i, i + batch).map((t) => this.#measure(ctx, t)),
      );
      results.push(...measured);
    }
    const run: VerlocRun = {
      nodes_tested: targets.length,
      run_started: started,
      run_finished: new Date(ctx.clock.now()).toISOString(),
      results,
    };
    const last = this.#current;
    this.#previous = typeof last === "object" ? last : this.#previous;
    this.#current = { data: run };
    log.info("verloc run finished: {tested} nodes, {answered} answered", {
      tested: targets.length,
      answered: results.filter((r) => r.latest_measurement).length,
    });
  }

  /** Measures one node; any failure gives a `null` measurement, as nym-node does. */
  async #measure(ctx: NodeContext, target: VerlocTarget): Promise<VerlocResult> {
    const d = ctx.config.verloc.debug;
    let conn: Deno.Conn | null = null;
    try {
      const identity = decodeBase58(target.identity, 32);
      conn = await Deno.connect({
        hostname: target.host,
        port: target.port,
        signal: AbortSignal.timeout(d.connection_timeout),
      });
      const rtts: number[] = [];
      let sequence = BigInt(randomInt(ctx.random, 2 ** 31));
      const reply = new Uint8Array(REPLY_PACKET_SIZE);
      for (let i = 0; i < d.packets_per_node && !this.#stopped; i++, sequence++) {
        const start = performance.now();
        await writeAll(conn, createEchoPacket(sequence, ctx.keys.current.identity));
        if (!await readExactly(conn, reply, d.packet_timeout)) throw new Error("connection closed");
        if (parseReplyPacket(reply, identity) !== sequence) {
          throw new Error("reply to the wrong sequence number");
        }
        rtts.push(performance.now() - start);
        await new Promise((r) => setTimeout(r, d.delay_between_packets));
      }
      return { node_identity: target.identity, latest_measurement: summarizeRtts(rtts) };
    } catch (e) {
      log.debug("verloc measurement of {node} failed: {error}", {
        node: target.identity,
        error: (e as Error).message,
      });
      return { node_identity: target.identity, latest_measurement: null };
    } finally {
      try {
        conn?.close();
      } catch { /* closed */ }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    try {
      this.#listener?.close();
    } catch { /* closed */ }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await this.#accepting;
    await this.#running;
  }
}

function safeDecode(text: string): Uint8Array {
  try {
    return decodeBase58(text);
  } catch {
    return new Uint8Array(0);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Reads exactly `target.length` bytes; false on EOF before the first byte. */
async function readExactly(
  conn: Deno.Conn,
  target: Uint8Array,
  timeoutMs: number,
): Promise<boolean> {
  let offset = 0;
  const deadline = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, timeoutMs);
  try {
    while (offset < target.length) {
      const n = await conn.read(target.subarray(offset));
      if (n === null) {
        if (offset === 0) return false;
        throw new Error("connection closed mid-packet");
      }
      offset += n;
    }
    return true;
  } finally {
    clearTimeout(deadline);
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}
