import {
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../testing/asserts.ts";
import { ConfigError, ConfigNotFoundError } from "./errors.ts";
import {
  loadConfig,
  newConfig,
  parseConfig,
  saveConfig,
  stringifyConfig,
  validateConfig,
} from "./io.ts";
import type { NodeConfig } from "./schema.ts";

const SOURCE = "/srv/n/config/config.toml";

function sample(): NodeConfig {
  const config = newConfig("test-node", "/srv/n/data");
  config.modes.mixnode = true;
  config.host.public_ips = ["1.2.3.4", "2001:db8::1"];
  config.host.hostname = "node.example.org";
  config.host.location = "PL";
  config.mixnet.announce_port = 11789;
  config.mixnet.nym_api_urls = ["http://127.0.0.1:8000/", "https://validator.nymtech.net/api/"];
  config.http.access_token = "secret token";
  config.http.node_load_cache_ttl = 1500;
  config.mixnet.debug.maximum_forward_packet_delay = 86_400_000 + 1;
  config.gateway_tasks.storage_paths.bridge_client_params = "/srv/n/data/bridges.json";
  return config;
}

/** Replaces `key = ...` in the table `[table]` of a freshly saved sample config. */
function withLine(table: string, line: string): string {
  const text = stringifyConfig(sample());
  const header = table ? `[${table}]\n` : "";
  const at = header ? text.indexOf(header) + header.length : text.indexOf("id = ");
  const key = line.split("=")[0].trim();
  const section = text.slice(at);
  const existing = new RegExp(`^${key} = .*$`, "m").exec(section);
  if (existing && existing.index < (section.search(/^\[/m) + 1 || section.length)) {
    return text.slice(0, at) + section.replace(existing[0], line);
  }
  return text.slice(0, at) + `${line}\n` + section;
}

function configError(text: string): string {
  return assertThrows(() => parseConfig(text, SOURCE), ConfigError).message;
}

Deno.test("config round-trips: load(save(cfg)) equals cfg", () => {
  const config = sample();
  const text = stringifyConfig(config);
  assertEquals(parseConfig(text, SOURCE), config);
  // Saving again gives the same bytes.
  assertEquals(stringifyConfig(parseConfig(text, SOURCE)), text);
});

Deno.test("a new config has the reference defaults", () => {
  const config = newConfig("n", "/d");
  assertEquals(config.mixnet.bind_address, "[::]:1789");
  assertEquals(config.verloc.bind_address, "[::]:1790");
  assertEquals(config.http.bind_address, "[::]:8080");
  assertEquals(config.gateway_tasks.ws_bind_address, "[::]:9000");
  assertEquals(config.mixnet.announce_port, null);
  assertEquals(config.http.node_load_cache_ttl, 30_000);
  assertEquals(config.mixnet.debug.initial_connection_timeout, 1500);
  assertEquals(config.gateway_tasks.debug.stale_messages.max_age, 86_400_000);
  assertEquals(
    config.storage_paths.keys.primary_x25519_sphinx_key_file,
    "/d/x25519_sphinx_primary",
  );
  assertEquals(config.storage_paths.description, "/d/description.toml");
  assertEquals(config.host.hostname, null);
  const text = stringifyConfig(config);
  assertStringIncludes(text, "announce_port = 0");
  assertStringIncludes(text, 'hostname = ""');
  assertStringIncludes(text, 'max_age = "1day"');
  assertStringIncludes(text, 'initial_connection_timeout = "1s 500ms"');
});

Deno.test("values are normalised on load", () => {
  const config = parseConfig(
    withLine("mixnet", 'bind_address = "[0:0::0]:1789"').replace(
      'public_ips = [ "1.2.3.4", "2001:db8::1" ]',
      'public_ips = [ "2001:0DB8::0001" ]',
    ).replace('location = "PL"', 'location = "poland"'),
    SOURCE,
  );
  assertEquals(config.mixnet.bind_address, "[::]:1789");
  assertEquals(config.host.public_ips, ["2001:db8::1"]);
  assertEquals(config.host.location, "PL");
});

Deno.test("missing optional sections take their defaults", () => {
  const full = stringifyConfig(sample());
  const trimmed = full.replace(/\n\[verloc\][\s\S]*?(?=\n# Entry gateway)/, "\n");
  const config = parseConfig(trimmed, SOURCE);
  assertEquals(config.verloc.bind_address, "[::]:1790");
  assertEquals(config.verloc.debug.testing_interval, 12 * 3_600_000);
});

Deno.test("unknown keys are reported with their full name", () => {
  assertEquals(
    configError(withLine("mixnet", "colour = 1")),
    `${SOURCE}: mixnet.colour: unknown key`,
  );
  assertEquals(configError(withLine("", "favourite = true")), `${SOURCE}: favourite: unknown key`);
  assertEquals(
    configError(stringifyConfig(sample()) + "\n[mixnet.debug.extra]\nx = 1\n"),
    `${SOURCE}: mixnet.debug.extra: unknown key`,
  );
});

Deno.test("wrong types name the key and the bad value", () => {
  assertEquals(
    configError(withLine("modes", 'mixnode = "yes"')),
    `${SOURCE}: modes.mixnode: expected a boolean (true or false), got "yes"`,
  );
  assertEquals(
    configError(withLine("http", "expose_system_info = 1")),
    `${SOURCE}: http.expose_system_info: expected a boolean (true or false), got 1`,
  );
  assertEquals(
    configError(withLine("mixnet.debug", 'maximum_connection_buffer_size = "many"')),
    `${SOURCE}: mixnet.debug.maximum_connection_buffer_size: expected an integer, got "many"`,
  );
  assertEquals(
    configError(withLine("", "id = 5")),
    `${SOURCE}: id: expected a string, got 5`,
  );
  assertEquals(
    configError(withLine("host", 'public_ips = "1.2.3.4"')),
    `${SOURCE}: host.public_ips: expected an array of IP addresses, got "1.2.3.4"`,
  );
  assertEquals(
    configError(stringifyConfig(sample()).replace("[modes]\n", "modes = 3\n[modes_x]\n")),
    `${SOURCE}: modes: expected a table, got 3; ${SOURCE}: modes_x: unknown key`,
  );
});

Deno.test("bad durations are rejected", () => {
  assertEquals(
    configError(withLine("mixnet.debug", 'maximum_forward_packet_delay = "10 parsecs"')),
    `${SOURCE}: mixnet.debug.maximum_forward_packet_delay: "10 parsecs" is not a duration (expected e.g. "10m", "1500ms", "1day")`,
  );
  assertEquals(
    configError(withLine("http", "node_load_cache_ttl = 30")),
    `${SOURCE}: http.node_load_cache_ttl: expected a duration string such as "10m", got 30`,
  );
});

Deno.test("bad socket and IP addresses are rejected", () => {
  assertEquals(
    configError(withLine("mixnet", 'bind_address = "x"')),
    `${SOURCE}: mixnet.bind_address: "x" is not a socket address`,
  );
  assertEquals(
    configError(withLine("http", 'bind_address = "localhost:8080"')),
    `${SOURCE}: http.bind_address: "localhost:8080" is not a socket address`,
  );
  assertEquals(
    configError(withLine("host", 'public_ips = [ "1.2.3" ]')),
    `${SOURCE}: host.public_ips: "1.2.3" is not an IP address`,
  );
  assertEquals(
    configError(withLine("wireguard", 'private_ipv4 = "fc01::1"')),
    `${SOURCE}: wireguard.private_ipv4: "fc01::1" is not an IPv4 address`,
  );
});

Deno.test("bad ports are rejected", () => {
  assertEquals(
    configError(withLine("mixnet", "announce_port = 70000")),
    `${SOURCE}: mixnet.announce_port: 70000 is not a port number (0-65535, 0 = none)`,
  );
  assertEquals(
    configError(withLine("verloc", "announce_port = -1")),
    `${SOURCE}: verloc.announce_port: -1 is not a port number (0-65535, 0 = none)`,
  );
  assertEquals(
    configError(withLine("wireguard", 'announced_tunnel_port = "51822"')),
    `${SOURCE}: wireguard.announced_tunnel_port: "51822" is not a port number (0-65535)`,
  );
});

Deno.test("other value errors: ranges, URLs, countries, missing keys, TOML syntax", () => {
  assertEquals(
    configError(withLine("mixnet.replay_protection.debug", "false_positive_rate = 1.5")),
    `${SOURCE}: mixnet.replay_protection.debug.false_positive_rate: 1.5 is out of range (0, 1)`,
  );
  assertEquals(
    configError(withLine("wireguard", "private_network_prefix_v4 = 33")),
    `${SOURCE}: wireguard.private_network_prefix_v4: 33 is out of range (0..32)`,
  );
  assertEquals(
    configError(withLine("mixnet", 'nym_api_urls = [ "not a url" ]')),
    `${SOURCE}: mixnet.nym_api_urls: "not a url" is not an http(s) URL`,
  );
  assertEquals(
    configError(withLine("mixnet", "nym_api_urls = []")),
    `${SOURCE}: mixnet.nym_api_urls: must list at least one URL`,
  );
  assertStringIncludes(
    configError(withLine("host", 'location = "Atlantis"')),
    `${SOURCE}: host.location: "Atlantis" is not a known country`,
  );
  assertEquals(
    configError(stringifyConfig(sample()).replace(/^description = .*$/m, "")),
    `${SOURCE}: storage_paths.description: is missing`,
  );
  assertEquals(
    configError("id = \n"),
    `${SOURCE}: invalid TOML at line 1, column 6: invalid value`,
  );
});

Deno.test("table aliases of the real node are accepted", () => {
  const text = stringifyConfig(sample()).replaceAll("[gateway_tasks", "[entry_gateway")
    .replaceAll("[service_providers", "[exit_gateway")
    .replace("max_request_timestamp_skew", "maximum_auth_request_age");
  assertEquals(parseConfig(text, SOURCE), sample());
  const both = stringifyConfig(sample()) + "\n[entry_gateway]\nenforce_zk_nyms = true\n";
  assertEquals(
    configError(both),
    `${SOURCE}: entry_gateway: is an alias of gateway_tasks, which is also given`,
  );
});

Deno.test("validateConfig refuses mixnode combined with entry or exit", () => {
  const config = sample();
  config.modes.entry = true;
  assertEquals(
    assertThrows(() => validateConfig(config, SOURCE), ConfigError).message,
    `${SOURCE}: modes: illegal modes configuration - node cannot run as a mixnode and an entry gateway`,
  );
  config.modes.entry = false;
  config.modes.exit = true;
  assertThrows(() => validateConfig(config, SOURCE), ConfigError, "mixnode and an exit gateway");
  config.modes.mixnode = false;
  config.modes.entry = true;
  validateConfig(config, SOURCE);
});

Deno.test("saveConfig and loadConfig use the file system atomically", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/node/config/config.toml`;
    await assertRejects(() => loadConfig(path), ConfigNotFoundError);
    await saveConfig(path, sample());
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals(await loadConfig(path), sample());
    const leftovers = [...Deno.readDirSync(`${dir}/node/config`)].map((e) => e.name);
    assertEquals(leftovers, ["config.toml"]);
    await Deno.writeTextFile(path, "id = [");
    const error = await assertRejects(() => loadConfig(path), ConfigError);
    assertStringIncludes(error.message, `${path}: invalid TOML`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
