import { ed25519 } from "@noble/curves/ed25519.js";
import { parse as parseYaml } from "yaml";
import { assert, assertEquals, assertStringIncludes } from "../../testing/asserts.ts";
import {
  createCryptoProvider,
  decodeBase58,
  encodeBase58,
  seededRandom,
} from "../../crypto/mod.ts";
import { newConfig } from "../../config/io.ts";
import type { NodeConfig } from "../../config/schema.ts";
import { emptyDescription } from "../../config/description.ts";
import { manualClock } from "../../util/clock.ts";
import { collectBuildInformation } from "../build_info.ts";
import { type NodeContext, NodeKeyStore } from "../context.ts";
import { baseRouteModules } from "../daemon.ts";
import type { NodeKeys } from "../keys.ts";
import { NodeLoadCache } from "../load.ts";
import { MetricsRegistry } from "../metrics.ts";
import type { SystemSources } from "../system_info.ts";
import { createHttpApp } from "./app.ts";
import { formatted } from "./respond.ts";
import { jsonRoute } from "./routes.ts";
import { Mixnode } from "./models.ts";

const crypto = createCryptoProvider("node");

function testKeys(): NodeKeys {
  const random = seededRandom(new Uint8Array(32).fill(1));
  const id = random(32);
  const sphinx = random(32);
  const noise = random(32);
  return {
    identity: { secretKey: id, publicKey: ed25519.getPublicKey(id) },
    sphinx: {
      primary: { rotationId: 77, secretKey: sphinx, publicKey: crypto.x25519Base(sphinx) },
      secondary: null,
    },
    noise: { secretKey: noise, publicKey: crypto.x25519Base(noise) },
  };
}

const systemSources: SystemSources = {
  readText: (path) => path === "/etc/os-release" ? 'NAME="TestOS"\nVERSION_ID="1"\n' : null,
  kernelRelease: () => "6.0.0",
  arch: () => "x86_64",
  totalMemory: () => 1024,
};

async function testApp(
  tweak: (config: NodeConfig) => void = () => {},
  extraModules = [] as ReturnType<typeof baseRouteModules>,
) {
  const config = newConfig("test", "/nonexistent/data");
  config.modes.mixnode = true;
  config.host.public_ips = ["1.2.3.4", "2001:db8::1"];
  config.host.location = "PL";
  config.mixnet.announce_port = 11789;
  tweak(config);
  const clock = manualClock(1_700_000_000_000);
  const keys = testKeys();
  const context: NodeContext = {
    config,
    paths: { configFile: "/nonexistent/config/config.toml", dataDir: "/nonexistent/data" },
    keys: new NodeKeyStore(keys),
    description: { ...emptyDescription(), moniker: "tester" },
    crypto,
    random: seededRandom(new Uint8Array(32)),
    clock,
    logger: (await import("@logtape/logtape")).getLogger(["nym-node"]),
    metrics: new MetricsRegistry(),
    shutdownSignal: new AbortController().signal,
    local: false,
    acceptedOperatorTerms: true,
    buildInformation: await collectBuildInformation({ git: null }),
    announceListener: () => {},
  };
  const load = new NodeLoadCache({
    clock,
    ttlMs: 30_000,
    reader: () => ({
      loadAverage5: 0.1,
      cpuCount: 1,
      totalMemory: 100,
      availableMemory: 95,
      totalSwap: 0,
      freeSwap: 0,
      networkTransmitted: 0,
      networkReceived: 0,
    }),
  });
  clock.advance(5_500);
  const app = createHttpApp({
    version: "0.1.0",
    modules: [...baseRouteModules(context, { systemSources, load, startedAt: 0 }), ...extraModules],
  });
  return { app, context, keys, clock };
}

async function getJson(
  app: { request: (p: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
) {
  const response = await app.request(path);
  assertEquals(response.status, 200, `${path}: ${response.status}`);
  assertStringIncludes(response.headers.get("content-type") ?? "", "application/json");
  return await response.json();
}

Deno.test("node routes answer with the real node's shapes", async () => {
  const { app, keys } = await testApp();
  assertEquals(await getJson(app, "/api/v1/health"), { status: "up", uptime: 5 });
  assertEquals(await getJson(app, "/api/v1/roles"), {
    mixnode_enabled: true,
    gateway_enabled: false,
    network_requester_enabled: false,
    ip_packet_router_enabled: false,
  });
  assertEquals(await getJson(app, "/api/v1/description"), {
    moniker: "tester",
    website: "",
    security_contact: "",
    details: "",
  });
  assertEquals(await getJson(app, "/api/v1/auxiliary-details"), {
    location: "PL",
    announce_ports: { verloc_port: null, mix_port: 11789 },
    accepted_operator_terms_and_conditions: true,
  });
  assertEquals(await getJson(app, "/api/v1/mixnode"), {});
  assertEquals(await getJson(app, "/api/v1/load"), {
    total: "negligible",
    machine: "negligible",
    network: "unknown",
  });
  assertEquals(await getJson(app, "/api/v1/gateway"), {
    enforces_zk_nyms: false,
    client_interfaces: { wireguard: null, mixnet_websockets: { ws_port: 9000, wss_port: null } },
  });
  assertEquals(await getJson(app, "/api/v1/gateway/client-interfaces"), {
    wireguard: null,
    mixnet_websockets: { ws_port: 9000, wss_port: null },
  });
  assertEquals(await getJson(app, "/api/v1/gateway/client-interfaces/mixnet-websockets"), {
    ws_port: 9000,
    wss_port: null,
  });
  const wg = await app.request("/api/v1/gateway/client-interfaces/wireguard");
  assertEquals(wg.status, 501);
  assertEquals(await wg.json(), { message: "wireguard is not enabled on this node" });
  const build = await getJson(app, "/api/v1/build-information");
  assertEquals(build.binary_name, "nym-node");
  const system = await getJson(app, "/api/v1/system-info");
  assertEquals(system.system_name, "TestOS");
  assertEquals(Object.keys(system), [
    "system_name",
    "kernel_version",
    "os_version",
    "cpu_arch",
    "hardware",
  ]);

  const response = await app.request("/api/v1/host-information");
  const body = await response.text();
  const parsed = JSON.parse(body);
  const dataJson = JSON.stringify(parsed.data);
  assertEquals(body, `{"data":${dataJson},"signature":"${parsed.signature}"}`);
  assertEquals(parsed.data.ip_address, ["1.2.3.4", "2001:db8::1"]);
  assertEquals(parsed.data.keys.primary_x25519_sphinx_key.rotation_id, 77);
  assertEquals(parsed.data.keys.ed25519_identity, encodeBase58(keys.identity.publicKey));
  assert(
    ed25519.verify(
      decodeBase58(parsed.signature),
      new TextEncoder().encode(dataJson),
      keys.identity.publicKey,
    ),
  );
});

Deno.test("every JSON route speaks YAML and rejects unknown output formats", async () => {
  const { app } = await testApp();
  for (
    const path of [
      "/api/v1/health",
      "/api/v1/roles",
      "/api/v1/host-information",
      "/api/v1/build-information",
      "/api/v1/system-info",
      "/api/v1/description",
      "/api/v1/auxiliary-details",
      "/api/v1/load",
      "/api/v1/gateway",
      "/api/v1/gateway/client-interfaces",
      "/api/v1/gateway/client-interfaces/mixnet-websockets",
      "/api/v1/mixnode",
    ]
  ) {
    const json = await (await app.request(path)).json();
    const yaml = await app.request(`${path}?output=yaml`);
    assertEquals(yaml.status, 200, path);
    assertEquals(yaml.headers.get("content-type"), "application/yaml");
    assertEquals(parseYaml(await yaml.text()), json, path);
    const bad = await app.request(`${path}?output=xml`);
    assertEquals(bad.status, 400, path);
    assertStringIncludes((await bad.json()).message, "invalid request: output:");
    assertEquals((await app.request(`${path}?output=bincode`)).status, 501);
  }
});

Deno.test("system info can be withheld, as configured", async () => {
  const { app } = await testApp((c) => c.http.expose_system_info = false);
  const response = await app.request("/api/v1/system-info");
  assertEquals(response.status, 403);
  assertEquals(await response.json(), {
    message: "this nym-node does not wish to expose the system information",
  });
  const { app: noHardware } = await testApp((c) => c.http.expose_system_hardware = false);
  assertEquals((await getJson(noHardware, "/api/v1/system-info")).hardware, null);
});

Deno.test("prometheus needs a configured token and the right bearer", async () => {
  const { app: closed } = await testApp();
  assertEquals((await closed.request("/api/v1/metrics/prometheus")).status, 404);
  const { app, context } = await testApp((c) => c.http.access_token = "s3cret");
  context.metrics.counter("test_packets_total", "Test packets").inc(4);
  const cases: [Record<string, string>, number, string][] = [
    [{}, 401, "`Authorization` header is missing"],
    [{ authorization: "Basic abc" }, 401, "`Authorization` header must be a bearer token"],
    [
      { authorization: "Bearer " },
      401,
      "`Authorization` header must contain non-empty `Bearer` token",
    ],
    [
      { authorization: "Bearer wrong" },
      401,
      "`Authorization` header does not contain the correct `Bearer` token",
    ],
    [
      { authorization: "Bearer s3cre" },
      401,
      "`Authorization` header does not contain the correct `Bearer` token",
    ],
  ];
  for (const [headers, status, message] of cases) {
    const response = await app.request("/api/v1/metrics/prometheus", { headers });
    assertEquals(response.status, status);
    assertEquals((await response.json()).message, message);
  }
  const ok = await app.request("/api/v1/metrics/prometheus", {
    headers: { authorization: "Bearer s3cret" },
  });
  assertEquals(ok.status, 200);
  assertStringIncludes(ok.headers.get("content-type") ?? "", "text/plain; version=0.0.4");
  assertStringIncludes(await ok.text(), "nym_node_test_packets_total 4\n");
  // The root /metrics redirect leads there.
  const redirect = await app.request("/metrics");
  assertEquals(redirect.status, 303);
  assertEquals(redirect.headers.get("location"), "/api/v1/metrics/prometheus");
});

Deno.test("root: landing page, legacy redirects, OpenAPI document and Swagger UI", async () => {
  const { app } = await testApp((c) => c.http.access_token = "t");
  const landing = await app.request("/");
  assertEquals(landing.status, 200);
  assertStringIncludes(await landing.text(), "<h1>Nym Node</h1>");
  const redirects: [string, string][] = [
    ["/hardware", "/api/v1/system-info"],
    ["/description", "/api/v1/description"],
    ["/stats", "/api/v1/metrics/mixing"],
    ["/verloc", "/api/v1/metrics/verloc"],
    ["/metrics", "/api/v1/metrics/prometheus"],
  ];
  for (const [from, to] of redirects) {
    const response = await app.request(from);
    assertEquals(response.status, 303, from);
    assertEquals(response.headers.get("location"), to);
  }
  const doc = await getJson(app, "/api/v1/api-docs/openapi.json");
  for (
    const path of [
      "/api/v1/health",
      "/api/v1/host-information",
      "/api/v1/roles",
      "/api/v1/load",
      "/api/v1/gateway/client-interfaces/mixnet-websockets",
      "/api/v1/metrics/prometheus",
    ]
  ) {
    assert(doc.paths[path]?.get, `OpenAPI document lacks ${path}`);
  }
  assert(doc.components.schemas.SignedDataHostInfo);
  assertEquals(doc.components.securitySchemes.prometheus_token, { type: "http", scheme: "bearer" });
  for (const path of ["/swagger/", "/api/v1/swagger/"]) {
    const ui = await app.request(path);
    assertEquals(ui.status, 200);
    assertStringIncludes(await ui.text(), "/api/v1/api-docs/openapi.json");
  }
  const missing = await app.request("/api/v1/nothing-here");
  assertEquals(missing.status, 404);
  assertEquals(await missing.json(), { message: "no such route: GET /api/v1/nothing-here" });
});

Deno.test("later route modules add and replace routes", async () => {
  const { app } = await testApp(() => {}, [{
    name: "mix role",
    routes: [
      jsonRoute(
        { path: "/api/v1/mixnode", tag: "Mixnode", summary: "replaced", schema: Mixnode },
        (c) => formatted(c, { replaced: true }),
      ),
      jsonRoute({
        path: "/api/v1/metrics/mixing",
        tag: "Metrics",
        summary: "added",
        schema: Mixnode,
      }, (c) => formatted(c, { added: true })),
    ],
  }]);
  assertEquals(await getJson(app, "/api/v1/mixnode"), { replaced: true });
  assertEquals(await getJson(app, "/api/v1/metrics/mixing"), { added: true });
  const doc = await getJson(app, "/api/v1/api-docs/openapi.json");
  assertEquals(doc.paths["/api/v1/mixnode"].get.summary, "replaced");
});

Deno.test("custom landing page assets are served without escaping their directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/index.html`, "<p>my node</p>");
    await Deno.writeTextFile(`${dir}/style.css`, "p{}");
    const { app } = await testApp((c) => c.http.landing_page_assets_path = dir);
    assertEquals(await (await app.request("/")).text(), "<p>my node</p>");
    const css = await app.request("/style.css");
    assertEquals(css.headers.get("content-type"), "text/css; charset=utf-8");
    assertEquals((await app.request("/..%2f..%2fetc%2fpasswd")).status, 404);
    assertEquals((await app.request("/missing.js")).status, 404);
    assertEquals((await getJson(app, "/api/v1/health")).status, "up");
    assertEquals((await app.request("/api/v1/api-docs/openapi.json")).status, 200);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
