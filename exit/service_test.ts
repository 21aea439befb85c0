/**
 * The exit role without a network: policy source selection, the requester's key files, and the
 * service's HTTP routes, metrics and gateway trust (the embedded client itself is exercised on a
 * localnet in `tests/exit_test.ts`).
 */
import { getLogger } from "@logtape/logtape";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../testing/asserts.ts";
import { createCryptoProvider, encodeBase58, seededRandom } from "../crypto/mod.ts";
import { newConfig } from "../config/io.ts";
import { emptyDescription } from "../config/description.ts";
import { manualClock } from "../util/clock.ts";
import { collectBuildInformation } from "../node/build_info.ts";
import { type NodeContext, NodeKeyStore } from "../node/context.ts";
import { generateNodeKeys, keyPathsFromConfig } from "../node/keys.ts";
import { MetricsRegistry } from "../node/metrics.ts";
import { createHttpApp } from "../node/http/app.ts";
import { ClientStorageError, generateClientKeys, parseRecipient } from "../client/mod.ts";
import { ExitService, policySourceFor } from "./service.ts";
import { ProviderClientStorage } from "./storage.ts";

const crypto = createCryptoProvider();

Deno.test("policy source: open proxy, file, URL, and no internet fetches with --local", () => {
  const config = newConfig("t", "/data");
  const sp = config.service_providers;
  assertEquals(policySourceFor(config, true), { kind: "default" }); // the mainnet URL, --local
  assertEquals(policySourceFor(config, false), { kind: "url", url: sp.upstream_exit_policy_url });
  sp.upstream_exit_policy_url = "http://127.0.0.1:9000/policy.txt";
  assertEquals(policySourceFor(config, true), {
    kind: "url",
    url: "http://127.0.0.1:9000/policy.txt",
  });
  sp.upstream_exit_policy_url = "http://[::1]:9000/p";
  assertEquals(policySourceFor(config, true).kind, "url");
  sp.network_requester.exit_policy_file = "/etc/policy.txt";
  assertEquals(policySourceFor(config, true), { kind: "file", path: "/etc/policy.txt" });
  sp.open_proxy = true;
  assertEquals(policySourceFor(config, false), { kind: "open" });
});

Deno.test("the requester's keys persist in the provider key files and are never replaced", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = newConfig("t", dir).service_providers.storage_paths.network_requester;
    const storage = new ProviderClientStorage(paths);
    assertEquals(await storage.loadKeys(), null);
    const keys = generateClientKeys(crypto, seededRandom(new Uint8Array(32).fill(3)));
    await storage.storeKeys(keys);
    assertEquals(await new ProviderClientStorage(paths).loadKeys(), keys);
    assertStringIncludes(
      await Deno.readTextFile(paths.private_ed25519_identity_key_file),
      "ED25519 PRIVATE KEY",
    );
    assertEquals((await Deno.stat(paths.private_ed25519_identity_key_file)).mode! & 0o777, 0o600);
    await assertRejects(() => storage.storeKeys(keys), ClientStorageError);
    await Deno.remove(paths.ack_key_file);
    await assertRejects(() => storage.loadKeys(), ClientStorageError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exit service: address from its own keys and this node, routes, metrics, gateway trust", async () => {
  const dir = await Deno.makeTempDir();
  const trusted = new Set<string>();
  const gateway = {
    clientsPort: null, // no gateway listener: the embedded client waits
    trustLocalClient: (id: string) => void trusted.add(id),
    untrustLocalClient: (id: string) => void trusted.delete(id),
  };
  const config = newConfig("t", dir);
  config.modes.exit = true;
  const policyFile = `${dir}/policy.txt`;
  await Deno.writeTextFile(policyFile, "ExitPolicy reject *:25\nExitPolicy accept *:*\n");
  config.service_providers.network_requester.exit_policy_file = policyFile;
  const random = seededRandom(new Uint8Array(32).fill(9));
  const nodeKeys = await generateNodeKeys(keyPathsFromConfig(config), {
    crypto,
    random,
    rotationId: 1,
  });
  const metrics = new MetricsRegistry();
  const context: NodeContext = {
    config,
    paths: { configFile: `${dir}/config.toml`, dataDir: dir },
    keys: new NodeKeyStore(nodeKeys),
    description: emptyDescription(),
    crypto,
    random,
    clock: manualClock(1_700_000_000_000),
    logger: getLogger(["nym-node"]),
    metrics,
    shutdownSignal: new AbortController().signal,
    local: true,
    acceptedOperatorTerms: true,
    buildInformation: await collectBuildInformation({ git: null }),
    announceListener: () => {},
  };
  const service = new ExitService({ gateway });
  const app = createHttpApp({ version: "0.1.0", modules: [...service.routes(context)] });
  assertEquals((await app.request("/api/v1/network-requester")).status, 501);
  await service.start(context);
  try {
    const details = await (await app.request("/api/v1/network-requester")).json();
    const address = parseRecipient(details.address);
    assertEquals(encodeBase58(address.gateway), encodeBase58(nodeKeys.identity.publicKey));
    assertEquals(encodeBase58(address.identity), details.encoded_identity_key);
    assertEquals(encodeBase58(address.encryptionKey), details.encoded_x25519_key);
    assert(trusted.has(details.encoded_identity_key));
    const policy = await (await app.request("/api/v1/network-requester/exit-policy")).json();
    assertEquals(policy.enabled, true);
    assertEquals(policy.upstream_source, `file://${policyFile}`);
    assertEquals(policy.last_updated, 1_700_000_000);
    assertEquals(policy.policy.rules[0], {
      action: "reject",
      pattern: { ip_pattern: "*", ports: { start: 25, end: 25 } },
    });
    const text = metrics.render();
    for (
      const name of [
        "network_requester_requests",
        "network_requester_refused",
        "network_requester_bytes",
        "network_requester_exit_policy",
      ]
    ) {
      assertStringIncludes(text, `nym_node_${name}`);
    }
    assertStringIncludes(text, 'nym_node_network_requester_exit_policy{event="loaded"} 1');
    assertEquals(service.clientConnected, false);
  } finally {
    await service.stop();
  }
  assertEquals(trusted.size, 0);
  // the same keys (and address) after a restart
  const again = new ExitService({ gateway });
  await again.start(context);
  try {
    assertEquals(again.address, service.address);
  } finally {
    await again.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
