import { getLogger } from "@logtape/logtape";
import { assert, assertEquals } from "../testing/asserts.ts";
import { systemClock } from "../util/clock.ts";
import { parseIp } from "../util/net.ts";
import { PolicyStore } from "./policy_source.ts";

const logger = getLogger(["nym-node", "exit", "test"]);
const ip = parseIp("1.1.1.1");

Deno.test("a policy file is loaded, reloaded on change, and a bad reload keeps the last good policy", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/exit-policy.txt`;
  const store = new PolicyStore({
    source: { kind: "file", path },
    clock: systemClock,
    logger,
    fileCheckIntervalMs: 30,
  });
  try {
    // before anything is loaded: the default policy (443 accepted, 25 refused)
    assertEquals(store.policy?.allows(ip, 443), true);
    assertEquals(await store.refresh(), "failed"); // no file yet
    assertEquals(store.counters.failures, 1);
    assertEquals(store.policy?.allows(ip, 25), false);

    await Deno.writeTextFile(path, "ExitPolicy reject *:443\nExitPolicy accept *:*\n");
    assertEquals(await store.refresh(), "updated");
    assertEquals(store.policy?.allows(ip, 443), false);
    assertEquals(store.upstream, `file://${path}`);
    assert(store.lastUpdated > 0);
    assertEquals(await store.refresh(), "unchanged");

    // the periodic check picks up a change
    store.start();
    await Deno.writeTextFile(path, "ExitPolicy accept *:443\nExitPolicy reject *:*\n# changed\n");
    const deadline = Date.now() + 3000;
    while (store.policy?.allows(ip, 443) !== true && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assertEquals(store.policy?.allows(ip, 443), true);
    assertEquals(store.policy?.allows(ip, 80), false);
    const loads = store.counters.loads;

    // a broken file: counted, logged, the previous policy stays
    const failures = store.counters.failures;
    await Deno.writeTextFile(path, "ExitPolicy accept *:443\nExitPolicy maybe *:*\n");
    while (store.counters.failures === failures && Date.now() < deadline + 3000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assertEquals(store.counters.failures, failures + 1);
    assertEquals(store.counters.loads, loads);
    assertEquals(store.policy?.allows(ip, 443), true);
    assertEquals(store.policy?.allows(ip, 80), false);
  } finally {
    store.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a policy URL (loopback) is fetched; errors and oversized bodies keep the last good", async () => {
  let body = "ExitPolicy reject *:80\nExitPolicy accept *:*\n";
  let status = 200;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(body, { status }),
  );
  const url = `http://127.0.0.1:${server.addr.port}/policy.txt`;
  const store = new PolicyStore({
    source: { kind: "url", url },
    clock: systemClock,
    logger,
    maxBytes: 1000,
  });
  try {
    assertEquals(await store.refresh(), "updated");
    assertEquals(store.policy?.allows(ip, 80), false);
    assertEquals(store.upstream, url);
    status = 503;
    assertEquals(await store.refresh(), "failed");
    status = 200;
    body = "x".repeat(2000);
    assertEquals(await store.refresh(), "failed");
    assertEquals(store.policy?.allows(ip, 80), false);
    body = "ExitPolicy accept *:80\n";
    assertEquals(await store.refresh(), "updated");
    assertEquals(store.policy?.allows(ip, 80), true);
    assertEquals(store.counters, { loads: 2, failures: 2 });
  } finally {
    await server.shutdown();
  }
});

Deno.test("open proxy: no policy; default: the built-in policy, nothing to load", async () => {
  const open = new PolicyStore({ source: { kind: "open" }, clock: systemClock, logger });
  assertEquals(open.policy, null);
  assertEquals(await open.refresh(), "unchanged");
  const def = new PolicyStore({ source: { kind: "default" }, clock: systemClock, logger });
  assertEquals(def.policy?.allows(parseIp("10.0.0.1"), 80), false);
  assertEquals(def.upstream, "");
});
