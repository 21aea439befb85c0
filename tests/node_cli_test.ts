/**
 * Integration tests: `main.ts` as a real process on ephemeral loopback ports.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { parse as parseYaml } from "yaml";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../testing/asserts.ts";
import { decodeBase58 } from "../crypto/mod.ts";
import { runNymNode, startNymNode } from "./support/node_process.ts";

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "nym-node-test-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** A stand-in nym-api answering the key-rotation query on loopback. */
function stubNymApi(rotationId: number) {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      new URL(request.url).pathname === "/v1/epoch/key-rotation-info"
        ? Response.json({
          key_rotation_state: { validity_epochs: 24, initial_epoch_id: 1 },
          current_absolute_epoch_id: 100,
          progress: { current_key_rotation_id: rotationId },
        })
        : new Response("not found", { status: 404 }),
  );
}

async function fetchJson(url: string): Promise<{ body: string; value: Record<string, unknown> }> {
  const response = await fetch(url);
  assertEquals(response.status, 200, url);
  assertStringIncludes(response.headers.get("content-type") ?? "", "application/json");
  const body = await response.text();
  return { body, value: JSON.parse(body) };
}

function keysOf(value: unknown): string[] {
  return Object.keys(value as Record<string, unknown>);
}

Deno.test("a started node answers every route with the real node's shapes and stops on SIGTERM", () =>
  withHome(async (home) => {
    const nymApi = stubNymApi(4242);
    const node = await startNymNode(home, [
      "--local",
      "--accept-operator-terms-and-conditions",
      "--http-bind-address",
      "127.0.0.1:0",
      "--public-ips",
      "127.0.0.1,::1",
      "--hostname",
      "node.local",
      "--location",
      "CH",
      "--nym-api-urls",
      `http://127.0.0.1:${nymApi.addr.port}`,
      "--log-format",
      "json",
    ]);
    let stopped = false;
    try {
      const api = `${node.baseUrl}/api/v1`;
      assertEquals(node.ready.modes, ["mixnode"]);

      const health = (await fetchJson(`${api}/health`)).value;
      assertEquals(keysOf(health), ["status", "uptime"]);
      assertEquals(health.status, "up");
      assert(Number.isInteger(health.uptime));

      assertEquals((await fetchJson(`${api}/roles`)).value, {
        mixnode_enabled: true,
        gateway_enabled: false,
        network_requester_enabled: false,
        ip_packet_router_enabled: false,
      });

      const build = (await fetchJson(`${api}/build-information`)).value;
      assertEquals(keysOf(build), [
        "binary_name",
        "build_timestamp",
        "build_version",
        "commit_sha",
        "commit_timestamp",
        "commit_branch",
        "rustc_version",
        "rustc_channel",
        "cargo_profile",
        "cargo_triple",
      ]);
      assertEquals(build.binary_name, "nym-node");
      assert(Object.values(build).every((v) => typeof v === "string"));

      // Signed host information, verified independently over the exact served bytes.
      const host = await fetchJson(`${api}/host-information`);
      const dataText = JSON.stringify(host.value.data);
      assertEquals(host.body, `{"data":${dataText},"signature":"${host.value.signature}"}`);
      const data = host.value.data as Record<string, unknown>;
      // Field order of the Rust structs HostInformation, HostKeys, SphinxKey, VersionedNoiseKeyV1.
      assertEquals(keysOf(data), ["ip_address", "hostname", "keys"]);
      const keys = data.keys as Record<string, Record<string, unknown> | string | null>;
      assertEquals(keysOf(keys), [
        "ed25519_identity",
        "x25519_sphinx",
        "primary_x25519_sphinx_key",
        "pre_announced_x25519_sphinx_key",
        "x25519_versioned_noise",
      ]);
      assertEquals(keysOf(keys.primary_x25519_sphinx_key), ["rotation_id", "public_key"]);
      assertEquals(keysOf(keys.x25519_versioned_noise), ["supported_version", "x25519_pubkey"]);
      assertEquals(data.ip_address, ["127.0.0.1", "::1"]);
      assertEquals(data.hostname, "node.local");
      assertEquals(keys.ed25519_identity, node.ready.identity_key);
      assertEquals((keys.primary_x25519_sphinx_key as Record<string, unknown>).rotation_id, 4242);
      assertEquals(
        keys.x25519_sphinx,
        (keys.primary_x25519_sphinx_key as Record<string, unknown>).public_key,
      );
      assertEquals(keys.pre_announced_x25519_sphinx_key, null);
      assert(
        ed25519.verify(
          decodeBase58(host.value.signature as string),
          new TextEncoder().encode(dataText),
          decodeBase58(node.ready.identity_key),
          { zip215: false },
        ),
        "host information signature must verify",
      );

      const system = (await fetchJson(`${api}/system-info`)).value;
      assertEquals(keysOf(system), [
        "system_name",
        "kernel_version",
        "os_version",
        "cpu_arch",
        "hardware",
      ]);
      assertEquals(keysOf(system.hardware), ["cpu", "total_memory", "crypto"]);

      assertEquals((await fetchJson(`${api}/description`)).value, {
        moniker: "",
        website: "",
        security_contact: "",
        details: "",
      });
      assertEquals((await fetchJson(`${api}/auxiliary-details`)).value, {
        location: "CH",
        // No announce port is configured, so the ports the listeners bound are announced.
        announce_ports: {
          verloc_port: node.ready.listeners.verloc.port,
          mix_port: node.ready.listeners.mixnet.port,
        },
        accepted_operator_terms_and_conditions: true,
      });
      const load = (await fetchJson(`${api}/load`)).value;
      assertEquals(keysOf(load), ["total", "machine", "network"]);
      const levels = ["unknown", "negligible", "low", "medium", "high", "very_high", "at_capacity"];
      assert(Object.values(load).every((v) => levels.includes(v as string)), JSON.stringify(load));

      const websockets = { ws_port: 9000, wss_port: null };
      assertEquals((await fetchJson(`${api}/gateway`)).value, {
        enforces_zk_nyms: false,
        client_interfaces: { wireguard: null, mixnet_websockets: websockets },
      });
      assertEquals((await fetchJson(`${api}/gateway/client-interfaces`)).value, {
        wireguard: null,
        mixnet_websockets: websockets,
      });
      assertEquals(
        (await fetchJson(`${api}/gateway/client-interfaces/mixnet-websockets`)).value,
        websockets,
      );
      assertEquals((await fetchJson(`${api}/mixnode`)).value, {});

      // YAML output carries the same document.
      const yaml = await fetch(`${api}/host-information?output=yaml`);
      assertEquals(yaml.headers.get("content-type"), "application/yaml");
      assertEquals(parseYaml(await yaml.text()), host.value);
      assertEquals(
        parseYaml(await (await fetch(`${api}/roles?output=yaml`)).text()).mixnode_enabled,
        true,
      );

      // Root, redirects, OpenAPI, Swagger, errors.
      const landing = await fetch(`${node.baseUrl}/`);
      assertEquals(landing.status, 200);
      assertStringIncludes(await landing.text(), "Nym Node");
      const redirect = await fetch(`${node.baseUrl}/description`, { redirect: "manual" });
      await redirect.body?.cancel();
      assertEquals(redirect.status, 303);
      assertEquals(redirect.headers.get("location"), "/api/v1/description");
      const doc = (await fetchJson(`${api}/api-docs/openapi.json`)).value as {
        paths: Record<string, unknown>;
      };
      assert(doc.paths["/api/v1/host-information"]);
      const swagger = await fetch(`${node.baseUrl}/swagger/`);
      assertEquals(swagger.status, 200);
      await swagger.body?.cancel();
      const prometheus = await fetch(`${api}/metrics/prometheus`);
      assertEquals(prometheus.status, 404, "no access token configured");
      assertEquals(keysOf(await prometheus.json()), ["message"]);

      const result = await node.stop("SIGTERM");
      stopped = true;
      assertEquals(result.code, 0, result.stderr);
      assert(result.elapsedMs < 2000, `took ${result.elapsedMs} ms to exit`);
      const logs = result.stderr.trim().split("\n").map((line) => JSON.parse(line));
      const listening = logs.find((l) => l.listener === "http");
      assertEquals(listening?.address, `127.0.0.1:${node.ready.listeners.http.port}`);
      assert(logs.some((l) => String(l.message).includes("mixnet ready")), "mixnet role started");
      assertEquals(node.ready.roles.includes("mixnet"), true);
      assert(logs.some((l) => String(l.message).includes("shutdown complete")));
      // The ready file is removed on a clean shutdown.
      assertEquals([...Deno.readDirSync(home)].filter((e) => e.name.startsWith("ready-")), []);
    } finally {
      if (!stopped) await node.kill();
      await nymApi.shutdown();
    }
  }));

Deno.test("SIGINT stops the node too, and a restarted node keeps its identity", () =>
  withHome(async (home) => {
    const args = [
      "--local",
      "--http-bind-address",
      "127.0.0.1:0",
      "--nym-api-urls",
      "http://127.0.0.1:1/",
    ];
    const first = await startNymNode(home, args);
    let identity: string;
    try {
      identity = first.ready.identity_key;
      const result = await first.stop("SIGINT");
      assertEquals(result.code, 0, result.stderr);
      assert(result.elapsedMs < 2000, `took ${result.elapsedMs} ms`);
    } finally {
      await first.kill();
    }
    const second = await startNymNode(home, ["--local", "--http-bind-address", "127.0.0.1:0"]);
    try {
      assertEquals(second.ready.identity_key, identity);
      assertEquals((await fetchJson(`${second.baseUrl}/api/v1/health`)).value.status, "up");
    } finally {
      await second.kill();
    }
  }));

Deno.test("command-line errors from a real process are one line with a non-zero exit", () =>
  withHome(async (home) => {
    const env = { NYMNODE_HOME: home, NYMNODE_LOG_LEVEL: "error" };
    const cases: [string[], RegExp][] = [
      [["run", "--frobnicate"], /^error: unknown option '--frobnicate'$/],
      [
        ["run", "--local", "--init-only", "--mode", "mixnode", "entry"],
        /node cannot run as a mixnode and an entry gateway$/,
      ],
      [
        ["run", "--local", "--init-only", "--public-ips", "300.1.1.1"],
        /"300\.1\.1\.1" is not an IP address$/,
      ],
      [
        ["run", "--id", "x", "--config-file", `${home}/n/config/config.toml`],
        /cannot be used with option '--config-file <path>'$/,
      ],
      [
        ["run", "--init-only", "--public-ips", "192.168.1.10"],
        /192\.168\.1\.10 is not a globally routable address/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const result = await runNymNode(args, env);
      assertEquals(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
      const lines = result.stderr.trimEnd().split("\n");
      assertEquals(lines.length, 1, result.stderr);
      assertMatch(lines[0], /^error: /);
      assertMatch(lines[0], pattern);
    }
    assertEquals([...Deno.readDirSync(home)], []);
  }));

Deno.test("NYMNODE_* environment variables stand in for the flags", () =>
  withHome(async (home) => {
    const init = await runNymNode(["run"], {
      NYMNODE_HOME: home,
      NYMNODE_LOG_LEVEL: "error",
      NYMNODE_INIT_ONLY: "true",
      NYMNODE_LOCAL: "true",
      NYMNODE_MODES: "entry,exit",
      NYMNODE_PUBLIC_IPS: "127.0.0.5",
      NYMNODE_NYM_APIS: "http://127.0.0.1:1/",
      NYMNODE_ACCEPT_OPERATOR_TERMS: "true",
    });
    assertEquals(init.code, 0, init.stderr);
    const config = await Deno.readTextFile(`${home}/config/config.toml`);
    assertStringIncludes(config, 'public_ips = [ "127.0.0.5" ]');
    assertStringIncludes(config, "[modes]\nmixnode = false\nentry = true\nexit = true\n");
    const details = await runNymNode(["node-details", "--output", "json"], { NYMNODE_HOME: home });
    assertEquals(details.code, 0, details.stderr);
    assertEquals(JSON.parse(details.stdout).current_modes, {
      mixnode: false,
      entry: true,
      exit: true,
    });
    const bonding = await runNymNode(["bonding-information", "-o", "json"], { NYMNODE_HOME: home });
    // A loopback address is no bonding host (as the real node says).
    assertEquals(
      JSON.parse(bonding.stdout).host,
      "NO KNOWN VALID HOSTNAMES - YOU NEED TO FILL IT MANUALLY",
    );
    // NYMNODE_LOCAL=false is false (not "set, therefore true").
    const refused = await runNymNode([
      "run",
      "--init-only",
      "--public-ips",
      "10.0.0.1",
      "--id",
      "other",
    ], {
      NYMNODE_LOG_LEVEL: "error",
      NYMNODE_LOCAL: "false",
      HOME: home,
    });
    assertEquals(refused.code, 1);
    assertStringIncludes(refused.stderr, "not a globally routable address");
  }));
