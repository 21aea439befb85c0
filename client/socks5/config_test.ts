/**
 * The SOCKS5 client's config file: defaults, round trip through TOML, and one-line errors
 * naming the key for bad values.
 */
import { assertEquals, assertStringIncludes, assertThrows } from "../../testing/asserts.ts";
import { ConfigError } from "../../config/errors.ts";
import {
  newSocks5ClientConfig,
  parseSocks5ClientConfig,
  socks5ClientPaths,
  socks5CoreOverrides,
  stringifySocks5ClientConfig,
} from "./config.ts";
import { resolveProxySettings } from "./settings.ts";

const PROVIDER =
  "C2YXT4YwNvL9APpGywrThApBQfRfvygwpDKvT4thJ8c9.2QhoreUh4iBdzyAQB45FiDJFJLZNppAPXFj7ZhRcRdim@4hdNkEZE7JMnpQsimGEft3nJo1bFdsiuhg9yvb93PR3h";

Deno.test("socks5 config: defaults, TOML round trip, core overrides", () => {
  const config = newSocks5ClientConfig(
    "web",
    "/tmp/web/data",
    ["http://127.0.0.1:8000/"],
    PROVIDER,
  );
  assertEquals(config.socks5.bind_address, "127.0.0.1:1080");
  assertEquals(config.socks5.send_anonymously, true);
  assertEquals(config.socks5.connect_timeout, 30_000);
  assertEquals(config.socks5.socks5_debug.connection_start_surbs, 20);
  assertEquals(config.socks5.socks5_debug.per_request_surbs, 3);
  const text = stringifySocks5ClientConfig(config);
  assertStringIncludes(text, 'connect_timeout = "30s"');
  assertEquals(parseSocks5ClientConfig(text), config);
  assertEquals(socks5CoreOverrides(config).traffic?.averagePacketDelayMs, 15);
});

Deno.test("socks5 config: bad values are one error naming the key", () => {
  const base = stringifySocks5ClientConfig(
    newSocks5ClientConfig("web", "/tmp/web/data", ["http://127.0.0.1:8000/"], PROVIDER),
  );
  const cases: [string, string, string][] = [
    [PROVIDER, "not-an-address", "socks5.provider_mix_address: not a Nym address"],
    ['bind_address = "127.0.0.1:1080"', 'bind_address = "here"', "socks5.bind_address"],
    ['connect_timeout = "30s"', 'connect_timeout = "0s"', "socks5.connect_timeout"],
    ["send_anonymously = true", 'send_anonymously = "yes"', "socks5.send_anonymously"],
    ["per_request_surbs = 3", "per_request_surbs = -1", "socks5.socks5_debug.per_request_surbs"],
    ["[socks5]", "[socks5]\nunknown = 1", "socks5"],
  ];
  for (const [from, to, key] of cases) {
    const error = assertThrows(
      () => parseSocks5ClientConfig(base.replace(from, to), "/x/config.toml"),
      ConfigError,
    );
    assertStringIncludes(error.message, key);
    assertStringIncludes(error.message, "/x/config.toml");
  }
});

Deno.test("socks5 config: paths and proxy settings checks", () => {
  const env = (vars: Record<string, string>) => ({ get: (k: string) => vars[k] });
  assertEquals(
    socks5ClientPaths("web", env({ HOME: "/home/me" })).dataDir,
    "/home/me/.nym/socks5-clients/web/data",
  );
  assertEquals(
    socks5ClientPaths("web", env({ NYM_SOCKS5_CLIENTS_HOME: "/srv/c/", HOME: "/h" })).configFile,
    "/srv/c/web/config/config.toml",
  );
  assertThrows(() => socks5ClientPaths("a/b", env({ HOME: "/h" })), ConfigError);
  assertThrows(() => socks5ClientPaths("web", env({})), ConfigError);
  assertEquals(resolveProxySettings({ connectTimeoutMs: 5 }).connectTimeoutMs, 5);
  assertThrows(() => resolveProxySettings({ connectTimeoutMs: 0 }), Error, "connectTimeoutMs");
  assertThrows(
    () => resolveProxySettings({ nope: 1 } as unknown as Record<string, number>),
    Error,
    "unknown setting",
  );
});
