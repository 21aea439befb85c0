/**
 * `nym-node localnet` end to end (issue #5), on one running localnet to keep the suite short:
 * it starts as separate processes and writes `localnet.json`; the directory serves every node;
 * the status page shows them in headless Chromium; the real wasm client accepts the topology and
 * picks one of our gateways; a crashed child is reported; SIGINT stops everything with no
 * process left behind.
 */
import { chromium } from "playwright-core";
import { assert, assertEquals, assertMatch } from "../testing/asserts.ts";
import { NymApiClient } from "../directory/client.ts";
import type { LocalnetInfo } from "../cli/localnet/localnet.ts";
import { DAEMON_PERMISSIONS } from "./support/node_process.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const WASM_CLIENT = new URL("./support/wasm_client.ts", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";

function isRunning(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) [ZX] /.test(stat); // zombies and dead tasks are not running
  } catch {
    return false;
  }
}

async function readPids(dir: string, names: string[]): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  for (const name of names) {
    const ready = JSON.parse(await Deno.readTextFile(`${dir}/${name}/ready.json`));
    pids.set(name, ready.pid);
  }
  return pids;
}

Deno.test({
  name: "localnet: starts, is served, shows in Chromium, works for the wasm client, stops cleanly",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "localnet-test-" });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (!k.startsWith("NYMNODE_")) env[k] = v;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...DAEMON_PERMISSIONS, MAIN, "localnet", "--dir", dir, "--api-port", "0"],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let stderr = "";
  const ready = Promise.withResolvers<void>();
  const pump = async (stream: ReadableStream<Uint8Array>, into: (s: string) => void) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) into(text);
  };
  const pumps = Promise.all([
    pump(child.stdout, (s) => {
      stdout += s;
      if (stdout.includes("localnet ready\n")) ready.resolve();
    }),
    pump(child.stderr, (s) => (stderr += s)),
  ]);
  const exited = child.status;
  let pids = new Map<string, number>();
  try {
    const started = performance.now();
    const timeout = setTimeout(
      () => ready.reject(new Error("no 'localnet ready' in 120 s")),
      120_000,
    );
    exited.then(() => ready.reject(new Error("localnet exited early")));
    try {
      await ready.promise;
    } catch (error) {
      throw new Error(`${(error as Error).message}\nstderr:\n${stderr.slice(-4000)}`);
    } finally {
      clearTimeout(timeout);
    }
    console.log(`localnet ready after ${Math.round(performance.now() - started)} ms`);
    const info: LocalnetInfo = JSON.parse(await Deno.readTextFile(`${dir}/localnet.json`));
    pids = await readPids(dir, ["directory", "mix1", "mix2", "mix3", "entry", "exit"]);

    await t.step("localnet.json describes the network the directory serves", async () => {
      assertMatch(info.nymApi, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assertEquals(info.gateways.map((g) => g.exit), [false, true]);
      for (const g of info.gateways) assertMatch(g.clientsWs, /^ws:\/\/127\.0\.0\.1:\d+$/);
      assertEquals(info.mixnodes.map((m) => m.layer).sort(), [1, 2, 3]);
      assert(info.networkRequester === null || typeof info.networkRequester === "string");
      const topology = await new NymApiClient({ urls: [info.nymApi] }).topology();
      assertEquals(
        topology.mixnodes.map((n) => n.ed25519_identity_pubkey).sort(),
        info.mixnodes.map((m) => m.identity).sort(),
      );
      assertEquals(
        topology.gateways.map((n) => n.ed25519_identity_pubkey).sort(),
        info.gateways.map((g) => g.identity).sort(),
      );
      assert(topology.mixnodes.every((n) => n.ip_addresses[0] === "127.0.0.1"));
    });

    await t.step("the status page shows the nodes in headless Chromium", async () => {
      const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
      const launched = performance.now();
      const browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      try {
        const page = await browser.newPage();
        await page.goto(info.nymApi);
        for (const m of info.mixnodes) {
          await page.locator(
            `section[data-group="layer${m.layer}"] tr[data-identity="${m.identity}"][data-status="up"]`,
          ).waitFor({ timeout: 15_000 });
        }
        for (const g of info.gateways) {
          await page.locator(
            `section[data-group="${
              g.exit ? "exit" : "entry"
            }"] tr[data-identity="${g.identity}"][data-status="up"]`,
          ).waitFor({ timeout: 15_000 });
        }
        const summary = await page.locator("#summary").textContent();
        assertMatch(summary ?? "", /5 of 5 nodes up/);
        const version = await page.locator("tr[data-node-id] td:nth-child(6)").first()
          .textContent();
        assertMatch(version ?? "", /^\d+\.\d+\.\d+/);
        await page.screenshot({ path: `${dir}/status-page.png`, fullPage: true });
      } finally {
        await browser.close();
        await Deno.remove(profile, { recursive: true }).catch(() => {});
      }
      console.log(`chromium step took ${Math.round(performance.now() - launched)} ms`);
    });

    await t.step("the real wasm client accepts the topology and picks our gateway", async () => {
      const run = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-net=127.0.0.1",
          "--allow-read",
          "--allow-env",
          WASM_CLIENT,
          info.nymApi,
          "30000",
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const log = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
      const result = (kind: string) =>
        log.split("\n").filter((l) => l.startsWith(`RESULT ${kind} `)).map((l) =>
          l.slice(`RESULT ${kind} `.length)
        );
      const topology = result("topology");
      assertEquals(topology.length, 1, log);
      const parsed = JSON.parse(topology[0]);
      const ids = Object.values(parsed.nodeDetails as Record<string, { identityKey: string }>)
        .map((n) => n.identityKey).sort();
      assertEquals(
        ids,
        [...info.mixnodes.map((m) => m.identity), ...info.gateways.map((g) => g.identity)].sort(),
      );
      assertEquals(
        [parsed.rewardedSet.layer1, parsed.rewardedSet.layer2, parsed.rewardedSet.layer3].map((
          l: number[],
        ) => l.length),
        [1, 1, 1],
      );
      // The client fetched the entry gateways as bincode, chose one and says which: either
      // "finished registration with gateway <id>" (gateway role running) or a gateway client
      // error naming it (no client listener yet).
      const picked = /finished registration with gateway (\w+)|gateway client error \((\w+)\)/
        .exec(log);
      assert(picked, `the client did not name a gateway:\n${log}`);
      const identity = picked[1] ?? picked[2];
      const gateway = info.gateways.find((g) => g.identity === identity);
      assert(gateway, `the client picked ${identity}, not one of ours`);
      assertEquals(result("websocket")[0], `${gateway.clientsWs}/`);
      console.log(`wasm client picked ${gateway.exit ? "exit" : "entry"} gateway ${identity}`);
    });

    await t.step("a crashed child is reported; SIGINT stops every process", async () => {
      Deno.kill(pids.get("mix2")!, "SIGKILL");
      for (let i = 0; i < 50 && !stderr.includes("mix2 exited unexpectedly"); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert(stderr.includes("mix2 exited unexpectedly"), stderr.slice(-2000));
      const stopping = performance.now();
      child.kill("SIGINT");
      const status = await exited;
      console.log(`localnet stopped in ${Math.round(performance.now() - stopping)} ms`);
      assertEquals(status.code, 0, stderr.slice(-3000));
      for (const [name, pid] of pids) assert(!isRunning(pid), `${name} (${pid}) is still running`);
      assert(stderr.includes("[localnet] stopped"));
    });
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await exited;
    for (const pid of pids.values()) {
      if (isRunning(pid)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
    }
    await pumps;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
