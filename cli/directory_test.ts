import { assertEquals, assertMatch, assertStringIncludes } from "../testing/asserts.ts";
import { loadDirectoryConfig } from "../directory/config.ts";
import type { CliDependencies } from "./common.ts";
import { runCli } from "./program.ts";

async function cli(dir: string, args: string[]) {
  let stdout = "";
  let stderr = "";
  const deps: CliDependencies = {
    roles: [],
    output: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    env: { get: (name) => (name === "NYM_DIRECTORY_HOME" ? dir : undefined) },
    configureLogging: async () => {},
    waitForShutdownSignal: () => Promise.resolve("SIGTERM"),
  };
  const code = await runCli(args, deps);
  return { code, stdout, stderr };
}

Deno.test("directory CLI: init, add, list and remove nodes; one-line errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals((await cli(dir, ["directory", "list-nodes"])).code, 1);
    const init = await cli(dir, [
      "directory",
      "run",
      "--init-only",
      "--bind-address",
      "127.0.0.1:0",
      "--local",
    ]);
    assertEquals(init.code, 0, init.stderr);
    const config = await loadDirectoryConfig(`${dir}/directory.toml`);
    assertEquals([config.http.bind_address, config.network.local], ["127.0.0.1:0", true]);

    const added = await cli(dir, ["directory", "add-node", "[2001:0db8::7]:8080"]);
    assertEquals(added.stdout, "registered node 1 at [2001:db8::7]:8080\n");
    const identity = "3bgffBYcfFkTTXc2npNNn9MkddFZ3H2LrPjXDmnJzrqd";
    const again = await cli(dir, [
      "directory",
      "add-node",
      "node.example.org:8080",
      "--identity",
      identity,
    ]);
    assertEquals(again.stdout, "registered node 2 at node.example.org:8080\n");
    const listed = await cli(dir, ["directory", "list-nodes", "-o", "json"]);
    const nodes = JSON.parse(listed.stdout);
    assertEquals(
      nodes.map((n: { nodeId: number; identity: string | null }) => [n.nodeId, n.identity]),
      [
        [1, null],
        [2, identity],
      ],
    );
    assertEquals((await cli(dir, ["directory", "remove-node", "1"])).stdout, "removed node 1\n");
    const text = await cli(dir, ["directory", "list-nodes"]);
    assertEquals(text.stdout, `2\tnode.example.org:8080\t${identity}\n`);

    const bad = await cli(dir, ["directory", "add-node", "not an address"]);
    assertEquals(bad.code, 1);
    assertMatch(bad.stderr, /^error: "not an address" is not a node address/);
    const missing = await cli(dir, ["directory", "remove-node", "9"]);
    assertStringIncludes(missing.stderr, "error: no node 9");
    const badKey = await cli(dir, ["directory", "add-node", "1.2.3.4:1", "--identity", "x"]);
    assertStringIncludes(badKey.stderr, "is not a base58 ed25519 public key");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
