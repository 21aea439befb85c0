/**
 * `nym-node client init` / `run` on the simulated network: init writes the TOML config and key
 * files and registers once; a second init reuses them; `run` as a real process serves the
 * WebSocket API until SIGTERM; mistakes are one clear error line.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../testing/asserts.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { FakeNetwork } from "../../client/testing/fake_network.ts";
import { loadNativeClientConfig } from "../../client/native/config.ts";
import { CLIENT_DATA_FILES } from "../../client/deno.ts";
import type { CliDependencies } from "../common.ts";
import { runCli } from "../program.ts";
import { DAEMON_PERMISSIONS } from "../../tests/support/node_process.ts";

const crypto = createCryptoProvider();
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function cli(home: string, args: string[], extra: Partial<CliDependencies> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    roles: [],
    output: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    env: { get: (name) => (name === "NYM_CLIENTS_HOME" ? home : undefined) },
    crypto,
    configureLogging: async () => {},
    waitForShutdownSignal: () => Promise.resolve("SIGTERM"),
    ...extra,
  });
  return { code, stdout, stderr };
}

function oneLineError(outcome: { code: number; stderr: string }, includes: string): void {
  assertEquals(outcome.code, 1, outcome.stderr);
  const lines = outcome.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, outcome.stderr);
  assertMatch(lines[0], /^error: /);
  assertStringIncludes(lines[0], includes);
}

Deno.test("client init: config, keys and a registration; a second init reuses them", async () => {
  const net = await FakeNetwork.start({ crypto });
  const home = await Deno.makeTempDir({ prefix: "client-cli-" });
  try {
    const first = await cli(home, [
      "client",
      "init",
      "--id",
      "alice",
      "--nym-api-urls",
      net.nymApiUrl,
      "--port",
      "0",
      "-o",
      "json",
    ]);
    assertEquals(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    assertEquals(out.new_keys, true);
    assertEquals(out.registered, true);
    assertEquals(out.gateway, net.gateways[0].identityText);
    const config = await loadNativeClientConfig(`${home}/alice/config/config.toml`);
    assertEquals(config.client.nym_api_urls, [net.nymApiUrl]);
    assertEquals(config.socket.listening_port, 0);
    assertEquals(config.debug.traffic.message_sending_average_delay, 20);
    for (const file of Object.values(CLIENT_DATA_FILES).filter((f) => f.endsWith(".pem"))) {
      await Deno.stat(`${home}/alice/data/${file}`);
    }
    const second = await cli(home, ["client", "init", "--id", "alice"]);
    assertEquals(second.code, 0, second.stderr);
    assertStringIncludes(second.stdout, `address: ${out.address}`);
    assertStringIncludes(second.stdout, "using gateway");
    assertEquals(net.counters.registrations, 1);

    oneLineError(
      await cli(home, ["client", "init", "--id", "bob"]),
      "a new client needs --nym-api-urls",
    );
    oneLineError(
      await cli(home, ["client", "run", "--id", "carol"]),
      'no client with id "carol" is initialised',
    );
    oneLineError(await cli(home, ["client", "init", "--id", "../x"]), "is not a valid client id");
    oneLineError(
      await cli(home, ["client", "init", "--id", "dave", "--nym-api-urls", "ftp://x"]),
      "--nym-api-urls",
    );
    await Deno.writeTextFile(
      `${home}/alice/config/config.toml`,
      (await Deno.readTextFile(`${home}/alice/config/config.toml`)).replace(
        'message_sending_average_delay = "20ms"',
        'message_sending_average_delay = "soon"',
      ),
    );
    oneLineError(
      await cli(home, ["client", "run", "--id", "alice"]),
      'debug.traffic.message_sending_average_delay: "soon" is not a duration',
    );
  } finally {
    await net.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test({
  name: "client run: a real process serves the WebSocket API and stops on SIGTERM",
  sanitizeResources: false,
}, async () => {
  const net = await FakeNetwork.start({ crypto });
  const home = await Deno.makeTempDir({ prefix: "client-run-" });
  let child: Deno.ChildProcess | undefined;
  try {
    const init = await cli(home, [
      "client",
      "init",
      "--id",
      "alice",
      "--nym-api-urls",
      net.nymApiUrl,
    ]);
    assertEquals(init.code, 0, init.stderr);
    const readyFile = `${home}/ready.json`;
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...DAEMON_PERMISSIONS,
        MAIN,
        "client",
        "run",
        "--id",
        "alice",
        "--port",
        "0",
        "--low-latency",
        "--ready-file",
        readyFile,
      ],
      env: { NYM_CLIENTS_HOME: home, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const deadline = Date.now() + 30_000;
    let ready: { address: string; websocket: string } | undefined;
    while (ready === undefined) {
      assert(Date.now() < deadline, "the client did not become ready");
      try {
        ready = JSON.parse(await Deno.readTextFile(readyFile));
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const ws = new WebSocket(ready.websocket);
    const frames: string[] = [];
    ws.onmessage = (e) => frames.push(e.data);
    await new Promise((r) => (ws.onopen = r));
    ws.send(JSON.stringify({ type: "selfAddress" }));
    ws.send(JSON.stringify({ type: "send", recipient: ready.address, message: "via the process" }));
    while (frames.length < 2) {
      assert(Date.now() < deadline, `responses so far: ${frames}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assertEquals(JSON.parse(frames[0]), { type: "selfAddress", address: ready.address });
    assertEquals(JSON.parse(frames[1]), {
      type: "received",
      message: "via the process",
      senderTag: null,
    });
    const closed = new Promise((r) => (ws.onclose = r));
    child.kill("SIGTERM");
    await closed;
    const status = await child.status;
    const stdout = new TextDecoder().decode(await new Response(child.stdout).arrayBuffer());
    await child.stderr.cancel();
    assertEquals(status.code, 0);
    assertStringIncludes(stdout, `client address: ${ready.address}`);
    child = undefined;
  } finally {
    if (child) {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await child.status;
    }
    await net.stop();
    await Deno.remove(home, { recursive: true });
  }
});
