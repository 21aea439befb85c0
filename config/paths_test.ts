import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { ConfigPathError } from "./errors.ts";
import { dataDirForConfigFile, defaultNodeDir, resolveNodePaths } from "./paths.ts";

const env = (vars: Record<string, string>) => ({ get: (name: string) => vars[name] });

Deno.test("the node directory is $NYMNODE_HOME, else ~/.nym/nym-nodes/<id>", () => {
  assertEquals(defaultNodeDir("alpha", env({ HOME: "/home/op" })), "/home/op/.nym/nym-nodes/alpha");
  assertEquals(
    defaultNodeDir("alpha", env({ HOME: "/home/op", NYMNODE_HOME: "/srv/n" })),
    "/srv/n",
  );
  assertThrows(() => defaultNodeDir("alpha", env({})), ConfigPathError, "HOME");
  assertThrows(
    () => defaultNodeDir("../x", env({ HOME: "/h" })),
    ConfigPathError,
    "not a valid node id",
  );
});

Deno.test("resolveNodePaths derives config file and data dir", () => {
  assertEquals(resolveNodePaths({ id: "a", env: env({ HOME: "/h" }) }), {
    configFile: "/h/.nym/nym-nodes/a/config/config.toml",
    dataDir: "/h/.nym/nym-nodes/a/data",
  });
  assertEquals(resolveNodePaths({ id: "ignored", configFile: "/srv/x/config/config.toml" }), {
    configFile: "/srv/x/config/config.toml",
    dataDir: "/srv/x/data",
  });
});

Deno.test("--config-file must live in a directory named config", () => {
  assertEquals(dataDirForConfigFile("/a/b/config/node.toml"), "/a/b/data");
  assertThrows(
    () => dataDirForConfigFile("/a/b/settings/config.toml"),
    ConfigPathError,
    'must be inside a directory named "config"',
  );
  assertThrows(() => dataDirForConfigFile("/config.toml"), ConfigPathError);
});
