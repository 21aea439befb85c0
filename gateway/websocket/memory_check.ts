/**
 * Memory of idle client connections: starts the WebSocket server in this process, has a child
 * process open N idle connections with Deno's built-in `WebSocket` client (what the Nym wasm
 * client uses under Deno), and prints this (server) process's RSS before and after.
 *
 * ```sh
 * deno run --allow-all gateway/websocket/memory_check.ts            # 2000 connections
 * deno run --allow-all gateway/websocket/memory_check.ts --connections 5000
 * ```
 *
 * Each server-side handler waits for messages, as an authenticated gateway session does. The
 * target is ≥ 2000 idle connections in ≤ 500 MB; this script reports, it does not assert.
 *
 * @module
 */
import { serveWebSockets } from "./server.ts";

function argument(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < Deno.args.length ? Deno.args[at + 1] : fallback;
}

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

/** RSS from /proc (includes everything, like `ps`), falling back to Deno's figure. */
function rss(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = status.match(/^VmRSS:\s+(\d+) kB$/m);
    if (match) return Number(match[1]) * 1024;
  } catch { /* not Linux */ }
  return Deno.memoryUsage().rss;
}

async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Child: opens `count` idle WebSockets in batches, prints "ready", then waits to be killed. */
async function runClients(port: number, count: number): Promise<void> {
  const sockets: WebSocket[] = [];
  const batch = 100;
  for (let i = 0; i < count; i += batch) {
    const opened = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      sockets.push(ws);
      opened.push(
        new Promise<void>((resolve, reject) => {
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new Error(`connection ${j} failed`));
        }),
      );
    }
    await Promise.all(opened);
  }
  console.log("ready");
  // Stay idle until the parent kills us.
  await new Promise(() => {});
}

async function runServer(count: number): Promise<void> {
  const server = serveWebSockets({
    hostname: "127.0.0.1",
    port: 0,
    maxConnections: count + 16,
    async onConnection(conn) {
      for await (const _ of conn) { /* idle: wait for messages like a session */ }
    },
  });
  await settle(500);
  const baseline = rss();
  const heapBaseline = Deno.memoryUsage();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      import.meta.filename ?? new URL(import.meta.url).pathname,
      "--client",
      "--port",
      String(server.addr.port),
      "--connections",
      String(count),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("client process ended before opening its connections");
    output += value;
  }
  await settle(2000);
  const loaded = rss();
  const heap = Deno.memoryUsage();
  console.log(`idle WebSocket connections: ${server.connections} (requested ${count})`);
  console.log(`server RSS before:          ${mib(baseline)}`);
  console.log(`server RSS with connections: ${mib(loaded)}`);
  console.log(`  difference:               ${mib(loaded - baseline)}`);
  console.log(
    `  per connection:           ${
      ((loaded - baseline) / server.connections / 1024).toFixed(1)
    } KiB`,
  );
  console.log(
    `V8 heap used: ${mib(heapBaseline.heapUsed)} → ${mib(heap.heapUsed)}; ` +
      `external: ${mib(heapBaseline.external)} → ${mib(heap.external)}`,
  );
  child.kill("SIGKILL");
  await child.status;
  await reader.cancel().catch(() => {});
  await server.close();
}

if (import.meta.main) {
  const count = Number(argument("connections", "2000"));
  if (Deno.args.includes("--client")) {
    await runClients(Number(argument("port", "0")), count);
  } else {
    await runServer(count);
  }
}
