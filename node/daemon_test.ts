import { assert, assertEquals, assertRejects } from "../testing/asserts.ts";
import { createCryptoProvider } from "../crypto/mod.ts";
import { newConfig } from "../config/io.ts";
import { emptyDescription } from "../config/description.ts";
import type { NodeConfig } from "../config/schema.ts";
import type { NodeContext, RoleService } from "./context.ts";
import { NodeStartError, startNode } from "./daemon.ts";
import { generateNodeKeys, keyPathsFromConfig } from "./keys.ts";
import { formatted } from "./http/respond.ts";
import { jsonRoute } from "./http/routes.ts";
import { Mixnode } from "./http/models.ts";

const crypto = createCryptoProvider("node");

async function withNodeDir(fn: (config: NodeConfig, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const config = newConfig("daemon-test", `${dir}/data`);
    config.http.bind_address = "127.0.0.1:0";
    config.host.public_ips = ["127.0.0.1"];
    await fn(config, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function recordingRole(
  name: string,
  events: string[],
  options: Partial<RoleService> & { failStart?: boolean; hang?: boolean } = {},
): RoleService {
  return {
    name,
    modes: options.modes,
    routes: options.routes,
    start(ctx: NodeContext) {
      events.push(`start ${name}`);
      if (options.failStart) return Promise.reject(new Error("port in use"));
      ctx.announceListener(name, { hostname: "127.0.0.1", port: 4000 + events.length });
      ctx.shutdownSignal.addEventListener("abort", () => events.push(`abort seen by ${name}`));
      return Promise.resolve();
    },
    stop() {
      events.push(`stop ${name}`);
      if (options.hang) return new Promise(() => {});
      return Promise.resolve({ dropped: 3 });
    },
  };
}

Deno.test("startNode runs the roles of enabled modes, serves their routes and stops in reverse", () =>
  withNodeDir(async (config, dir) => {
    config.modes.mixnode = true;
    const keys = await generateNodeKeys(keyPathsFromConfig(config), { crypto, rotationId: 5 });
    const events: string[] = [];
    const readyFile = `${dir}/ready.json`;
    const node = await startNode({
      config,
      paths: { configFile: `${dir}/config/config.toml`, dataDir: `${dir}/data` },
      keys,
      description: emptyDescription(),
      crypto,
      readyFile,
      roles: [
        recordingRole("mixing", events, {
          modes: ["mixnode"],
          routes: () => [{
            name: "mixing",
            routes: [jsonRoute(
              {
                path: "/api/v1/metrics/packets-stats",
                tag: "Metrics",
                summary: "x",
                schema: Mixnode,
              },
              (c) => formatted(c, { ingress_mixing: {} }),
            )],
          }],
        }),
        recordingRole("gateway", events, { modes: ["entry"] }),
        recordingRole("verloc", events),
      ],
    });
    assertEquals(node.roles, ["mixing", "verloc"]);
    assertEquals(events, ["start mixing", "start verloc"]);
    const ready = JSON.parse(await Deno.readTextFile(readyFile));
    assertEquals(ready.pid, Deno.pid);
    assertEquals(ready.modes, ["mixnode"]);
    assertEquals(Object.keys(ready.listeners).sort(), ["http", "mixing", "verloc"]);
    assertEquals(ready.listeners.http, node.http);
    const base = `http://127.0.0.1:${node.http.port}`;
    assertEquals(await (await fetch(`${base}/api/v1/metrics/packets-stats`)).json(), {
      ingress_mixing: {},
    });
    assertEquals((await (await fetch(`${base}/api/v1/health`)).json()).status, "up");

    const report = await node.stop({ reason: "test" });
    assertEquals(events.slice(2), [
      "abort seen by mixing",
      "abort seen by verloc",
      "stop verloc",
      "stop mixing",
    ]);
    assertEquals(report.roles.map((r) => [r.name, r.report?.dropped]), [["verloc", 3], [
      "mixing",
      3,
    ]]);
    assert(node.context.shutdownSignal.aborted);
    assertEquals(await node.stop(), report, "stop is idempotent");
    assertEquals(await Deno.lstat(readyFile).then(() => true, () => false), false);
    await assertRejects(() => fetch(`${base}/api/v1/health`));
  }));

Deno.test("a role that fails to start stops the node again", () =>
  withNodeDir(async (config, dir) => {
    const keys = await generateNodeKeys(keyPathsFromConfig(config), { crypto, rotationId: 0 });
    const events: string[] = [];
    const error = await assertRejects(
      () =>
        startNode({
          config,
          paths: { configFile: `${dir}/config/config.toml`, dataDir: `${dir}/data` },
          keys,
          description: emptyDescription(),
          crypto,
          readyFile: `${dir}/ready.json`,
          roles: [
            recordingRole("first", events),
            recordingRole("second", events, { failStart: true }),
          ],
        }),
      NodeStartError,
      "second failed to start: port in use",
    );
    assert(error instanceof NodeStartError);
    assertEquals(events, ["start first", "start second", "abort seen by first", "stop first"]);
    assertEquals(await Deno.lstat(`${dir}/ready.json`).then(() => true, () => false), false);
  }));

Deno.test("shutdown is bounded even when a role hangs", () =>
  withNodeDir(async (config, dir) => {
    const keys = await generateNodeKeys(keyPathsFromConfig(config), { crypto, rotationId: 0 });
    const events: string[] = [];
    const node = await startNode({
      config,
      paths: { configFile: `${dir}/config/config.toml`, dataDir: `${dir}/data` },
      keys,
      description: emptyDescription(),
      crypto,
      roles: [recordingRole("stuck", events, { hang: true })],
    });
    const report = await node.stop({ deadlineMs: 400 });
    assertEquals(report.roles, [{ name: "stuck", timedOut: true }]);
    assert(report.durationMs < 1000, `took ${report.durationMs} ms`);
  }));

Deno.test("a busy http port is a clear start-up error", () =>
  withNodeDir(async (config, dir) => {
    const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      config.http.bind_address = `127.0.0.1:${(blocker.addr as Deno.NetAddr).port}`;
      const keys = await generateNodeKeys(keyPathsFromConfig(config), { crypto, rotationId: 0 });
      await assertRejects(
        () =>
          startNode({
            config,
            paths: { configFile: `${dir}/config/config.toml`, dataDir: `${dir}/data` },
            keys,
            description: emptyDescription(),
            crypto,
          }),
        Error,
        `cannot bind the http api to ${config.http.bind_address}`,
      );
    } finally {
      blocker.close();
    }
  }));

Deno.test("http requests still running at the shutdown deadline are counted as dropped", () =>
  withNodeDir(async (config, dir) => {
    const keys = await generateNodeKeys(keyPathsFromConfig(config), { crypto, rotationId: 0 });
    let entered: () => void = () => {};
    const handlerEntered = new Promise<void>((resolve) => entered = resolve);
    const slowRole: RoleService = {
      name: "slow",
      routes: () => [{
        name: "slow",
        routes: [jsonRoute(
          { path: "/api/v1/slow", tag: "Test", summary: "slow", schema: Mixnode },
          async (c) => {
            entered();
            await new Promise((resolve) => setTimeout(resolve, 700));
            return formatted(c, {});
          },
        )],
      }],
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
    const node = await startNode({
      config,
      paths: { configFile: `${dir}/config/config.toml`, dataDir: `${dir}/data` },
      keys,
      description: emptyDescription(),
      crypto,
      roles: [slowRole],
    });
    const pending = fetch(`http://127.0.0.1:${node.http.port}/api/v1/slow`);
    await handlerEntered;
    const report = await node.stop({ deadlineMs: 300 });
    assertEquals(report.abandonedRequests, 1);
    // The request itself still completes; the process would exit here.
    await (await pending).body?.cancel();
  }));
