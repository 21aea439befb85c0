import { ed25519 } from "@noble/curves/ed25519.js";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../testing/asserts.ts";
import { createCryptoProvider, decodeBase58, encodeBase58, encodePem } from "../crypto/mod.ts";
import { loadConfig } from "../config/io.ts";
import type { CliDependencies } from "./common.ts";
import { parseEnvFile, rewriteAliases, runCli } from "./program.ts";

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

const crypto = createCryptoProvider("node");
const noNetwork = () => Promise.reject(new Error("no network in tests"));

async function cli(
  home: string,
  args: string[],
  extra: Partial<CliDependencies> = {},
): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    roles: [],
    output: { stdout: (t) => stdout += t, stderr: (t) => stderr += t },
    env: { get: (name) => (name === "NYMNODE_HOME" ? home : undefined) },
    crypto,
    fetch: noNetwork,
    configureLogging: async () => {},
    waitForShutdownSignal: () => Promise.resolve("SIGTERM"),
    ...extra,
  });
  return { code, stdout, stderr };
}

/** Asserts a failure reported as exactly one `error: ...` line. */
function assertOneLineError(outcome: Outcome, includes: string): void {
  assertEquals(outcome.code, 1, `exit code; stderr: ${outcome.stderr}`);
  const lines = outcome.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, `one line expected, got: ${outcome.stderr}`);
  assertMatch(lines[0], /^error: /);
  assertStringIncludes(lines[0], includes);
  assertEquals(outcome.stdout, "");
}

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir();
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

const INIT = ["run", "--init-only", "--local", "--accept-operator-terms-and-conditions"];

Deno.test("parse errors are one clear line with a non-zero exit", () =>
  withHome(async (home) => {
    assertOneLineError(await cli(home, ["run", "--frobnicate"]), "unknown option '--frobnicate'");
    assertOneLineError(await cli(home, ["frobnicate"]), "unknown command 'frobnicate'");
    assertOneLineError(await cli(home, ["runn"]), "unknown command 'runn' (Did you mean run?)");
    assertOneLineError(
      await cli(home, [...INIT, "--public-ips", "1.2.3"]),
      '"1.2.3" is not an IP address',
    );
    assertOneLineError(
      await cli(home, [...INIT, "--mixnet-bind-address", "x"]),
      '"x" is not a socket address',
    );
    assertOneLineError(await cli(home, [...INIT, "--mode", "router"]), '"router" is not a mode');
    assertOneLineError(
      await cli(home, [...INIT, "--mixnet-announce-port", "70000"]),
      '"70000" is not a port number',
    );
    assertOneLineError(
      await cli(home, [...INIT, "--expose-system-info", "maybe"]),
      "is not a boolean",
    );
    assertOneLineError(
      await cli(home, ["run", "--id", "a", "--config-file", `${home}/x/config/config.toml`]),
      "cannot be used with",
    );
    assertOneLineError(
      await cli(home, [...INIT, "--mode", "mixnode", "--modes", "entry"]),
      "cannot be used with",
    );
    assertOneLineError(await cli(home, ["sign"]), "one of --text or --contract-msg is required");
    assertOneLineError(await cli(home, ["migrate"]), "not supported");
    // Nothing was created by any of these.
    assertEquals([...Deno.readDirSync(home)], []);
  }));

Deno.test("mixnode cannot be combined with entry or exit", () =>
  withHome(async (home) => {
    for (
      const modes of [
        ["--mode", "mixnode", "entry-gateway"],
        ["--mode", "mix", "--mode", "gateway"],
        ["--modes", "mixnode,exit"],
        ["--mode", "mixnode", "exit-providers-only"],
      ]
    ) {
      assertOneLineError(
        await cli(home, [...INIT, ...modes]),
        "node cannot run as a mixnode and an",
      );
    }
    assertEquals([...Deno.readDirSync(home)], []);
  }));

Deno.test("public IPs are required and must be global unless --local", () =>
  withHome(async (home) => {
    const run = ["run", "--init-only"];
    assertOneLineError(await cli(home, run), "no public IPs are configured");
    assertOneLineError(
      await cli(home, [...run, "--public-ips", "10.0.0.1"]),
      "the public IP 10.0.0.1 is not a globally routable address",
    );
    assertEquals([...Deno.readDirSync(home)], []);
    const ok = await cli(home, [...run, "--public-ips", "10.0.0.1", "--local"]);
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals((await loadConfig(`${home}/config/config.toml`)).host.public_ips, ["10.0.0.1"]);
  }));

Deno.test("--config-file must be <dir>/config/<file>", () =>
  withHome(async (home) => {
    assertOneLineError(
      await cli(home, [...INIT, "--config-file", `${home}/elsewhere/config.toml`]),
      'must be inside a directory named "config"',
    );
    const ok = await cli(home, [...INIT, "--config-file", `${home}/node-b/config/config.toml`]);
    assertEquals(ok.code, 0, ok.stderr);
    const config = await loadConfig(`${home}/node-b/config/config.toml`);
    assertEquals(config.id, "node-b");
    assertEquals(config.storage_paths.description, `${home}/node-b/data/description.toml`);
  }));

Deno.test("first run initialises the node; node-details, bonding-information and sign read it", () =>
  withHome(async (home) => {
    const init = await cli(home, [
      ...INIT,
      "--id",
      "alpha",
      "--hostname",
      "node.example.org",
      "--location",
      "Poland",
    ]);
    assertEquals(init.code, 0, init.stderr);
    const config = await loadConfig(`${home}/config/config.toml`);
    assertEquals(config.id, "alpha");
    assertEquals(config.modes, { mixnode: true, entry: false, exit: false });
    assertEquals(config.host, {
      public_ips: ["127.0.0.1"],
      hostname: "node.example.org",
      location: "PL",
    });
    // --local never points a new node at public infrastructure.
    assertEquals(config.mixnet.nym_api_urls, ["http://127.0.0.1:8000/"]);
    assertEquals(config.mixnet.nyxd_urls, ["http://127.0.0.1:26657/"]);
    assertEquals(config.debug.testnet, false, "testnet is a runtime-only setting");
    const files = [...Deno.readDirSync(`${home}/data`)].map((e) => e.name).sort();
    assertEquals(files, [
      "description.toml",
      "ed25519_identity",
      "ed25519_identity.pub",
      "x25519_noise",
      "x25519_noise.pub",
      "x25519_sphinx_primary",
    ]);

    const details = await cli(home, ["node-details", "-o", "json"]);
    assertEquals(details.code, 0, details.stderr);
    const parsed = JSON.parse(details.stdout);
    assertEquals(Object.keys(parsed), [
      "current_modes",
      "description",
      "ed25519_identity_key",
      "x25519_primary_sphinx_key",
      "x25519_secondary_sphinx_key",
      "x25519_noise_key",
    ]);
    assertEquals(parsed.current_modes, { mixnode: true, entry: false, exit: false });
    assertEquals(parsed.x25519_primary_sphinx_key.rotation_id, 0);
    assertEquals(Object.keys(parsed.x25519_primary_sphinx_key), ["public_key", "rotation_id"]);
    assertEquals(parsed.x25519_secondary_sphinx_key, null);
    const identity = parsed.ed25519_identity_key as string;
    const text = await cli(home, ["node-details"]);
    assertStringIncludes(text.stdout, `ed25519 identity: ${identity}\n`);
    assertStringIncludes(text.stdout, "x25519 primary sphinx: ");
    assertStringIncludes(text.stdout, "(rotation: 0)");

    const bonding = await cli(home, ["bonding-information", "--output", "json"]);
    assertEquals(JSON.parse(bonding.stdout), { host: "node.example.org", identity_key: identity });
    assertStringIncludes(
      (await cli(home, ["bonding-information"])).stdout,
      `Identity Key: ${identity}\nHost: node.example.org\n`,
    );

    const signed = await cli(home, ["sign", "--text", "hello nym", "-o", "json"]);
    assertEquals(signed.code, 0, signed.stderr);
    const { encoded_message, encoded_signature } = JSON.parse(signed.stdout);
    assertEquals(encoded_message, "hello nym");
    assert(
      ed25519.verify(
        decodeBase58(encoded_signature),
        new TextEncoder().encode("hello nym"),
        decodeBase58(identity),
      ),
    );

    const payload = '{"nonce":7,"sender":"n1xyz"}';
    const contract = await cli(home, [
      "sign",
      "--contract-msg",
      encodeBase58(new TextEncoder().encode(payload)),
      "-o",
      "json",
    ]);
    const contractOut = JSON.parse(contract.stdout);
    assertEquals(contractOut.encoded_message, payload);
    assert(
      ed25519.verify(
        decodeBase58(contractOut.encoded_signature),
        new TextEncoder().encode(payload),
        decodeBase58(identity),
      ),
    );
    assertOneLineError(
      await cli(home, [
        "sign",
        "--contract-msg",
        encodeBase58(new TextEncoder().encode("not json")),
      ]),
      "not base58-encoded JSON",
    );
    assertOneLineError(
      await cli(home, ["sign", "--contract-msg", "0OIl"]),
      "not base58-encoded JSON",
    );
  }));

Deno.test("the first sphinx key takes the rotation id from nym-api", () =>
  withHome(async (home) => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) =>
        new URL(req.url).pathname === "/api/v1/epoch/key-rotation-info"
          ? Response.json({ progress: { current_key_rotation_id: 321 } })
          : new Response("not found", { status: 404 }),
    );
    try {
      const init = await cli(
        home,
        [...INIT, "--nym-api-urls", `http://127.0.0.1:${server.addr.port}/api/`],
        { fetch: undefined },
      );
      assertEquals(init.code, 0, init.stderr);
      const details = JSON.parse((await cli(home, ["node-details", "-o", "json"])).stdout);
      assertEquals(details.x25519_primary_sphinx_key.rotation_id, 321);
    } finally {
      await server.shutdown();
    }
  }));

Deno.test("mode aliases and --modes", () =>
  withHome(async (home) => {
    const cases: [string[], { mixnode: boolean; entry: boolean; exit: boolean }][] = [
      [["--mode", "exit"], { mixnode: false, entry: true, exit: true }],
      [["--mode", "entry", "exit-gateway"], { mixnode: false, entry: true, exit: true }],
      [["--modes", "gateway"], { mixnode: false, entry: true, exit: false }],
      [["--mode", "exit-providers-only"], { mixnode: false, entry: false, exit: true }],
      [["--mode", "mix"], { mixnode: true, entry: false, exit: false }],
    ];
    for (const [args, modes] of cases) {
      const outcome = await cli(home, [...INIT, "-w", ...args]);
      assertEquals(outcome.code, 0, outcome.stderr);
      assertEquals((await loadConfig(`${home}/config/config.toml`)).modes, modes, args.join(" "));
    }
  }));

Deno.test("overrides apply to a loaded config and persist only with --write-changes", () =>
  withHome(async (home) => {
    assertEquals((await cli(home, INIT)).code, 0);
    const path = `${home}/config/config.toml`;
    const before = await Deno.readTextFile(path);
    const temporary = await cli(home, [...INIT, "--mixnet-announce-port", "11789", "--accept-t&c"]);
    assertEquals(temporary.code, 0, temporary.stderr);
    assertEquals(await Deno.readTextFile(path), before);
    const written = await cli(home, [
      ...INIT,
      "--write-changes",
      "--mixnet-announce-port",
      "11789",
      "--http-bearer-token",
      "t0ken",
      "--verloc-bind-address",
      "[::1]:0",
    ]);
    assertEquals(written.code, 0, written.stderr);
    const config = await loadConfig(path);
    assertEquals(config.mixnet.announce_port, 11789);
    assertEquals(config.http.access_token, "t0ken");
    assertEquals(config.verloc.bind_address, "[::1]:0");
  }));

Deno.test("--deny-init refuses to create a node", () =>
  withHome(async (home) => {
    assertOneLineError(
      await cli(home, ["run", "--deny-init", "--local"]),
      "--deny-init forbids creating a new node",
    );
    assertEquals([...Deno.readDirSync(home)], []);
  }));

Deno.test("a corrupt key file stops start-up with an error naming it and is left alone", () =>
  withHome(async (home) => {
    assertEquals((await cli(home, INIT)).code, 0);
    const key = `${home}/data/ed25519_identity`;
    const corrupt = encodePem("ED25519 PRIVATE KEY", new Uint8Array(20));
    await Deno.writeTextFile(key, corrupt);
    assertOneLineError(
      await cli(home, INIT),
      `key file ${key}: is corrupt: holds 20 bytes, expected 32`,
    );
    assertOneLineError(await cli(home, ["node-details"]), `key file ${key}`);
    assertEquals(await Deno.readTextFile(key), corrupt);
  }));

Deno.test("commands on a missing node explain what to do", () =>
  withHome(async (home) => {
    assertOneLineError(await cli(home, ["node-details"]), "no nym-node is initialised at");
    assertOneLineError(await cli(home, ["sign", "--text", "x"]), "no nym-node is initialised at");
  }));

Deno.test("every command has --help; build-info prints the build information", () =>
  withHome(async (home) => {
    for (
      const command of [[], ["run"], ["node-details"], ["bonding-information"], ["build-info"], [
        "sign",
      ]]
    ) {
      const help = await cli(home, [...command, "--help"]);
      assertEquals(help.code, 0, command.join(" "));
      assertStringIncludes(help.stdout, "Usage: nym-node");
    }
    const runHelp = (await cli(home, ["run", "--help"])).stdout;
    for (
      const flag of [
        "--public-ips",
        "--mixnet-bind-address",
        "--nym-api-urls",
        "--accept-operator-terms-and-conditions",
        "--local",
        "--ready-file",
        "--modes",
      ]
    ) {
      assertStringIncludes(runHelp, flag);
    }
    assertStringIncludes(runHelp, "NYMNODE_PUBLIC_IPS");
    const info = await cli(home, ["build-info", "-o", "json"]);
    assertEquals(JSON.parse(info.stdout).binary_name, "nym-node");
    assertStringIncludes((await cli(home, ["build-info"])).stdout, "Binary Name:        nym-node");
  }));

Deno.test("run starts the daemon and stops it when the shutdown signal arrives", () =>
  withHome(async (home) => {
    const readyFile = `${home}/ready.json`;
    let ready: { listeners: { http: { port: number } } } | null = null;
    let health: unknown = null;
    const outcome = await cli(home, [
      ...INIT.filter((a) => a !== "--init-only"),
      "--http-bind-address",
      "127.0.0.1:0",
      "--ready-file",
      readyFile,
    ], {
      waitForShutdownSignal: async (cancel) => {
        // Called before the node starts: wait for its ready file.
        while (!cancel.aborted) {
          try {
            ready = JSON.parse(await Deno.readTextFile(readyFile));
            break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        const response = await fetch(
          `http://127.0.0.1:${ready!.listeners.http.port}/api/v1/health`,
        );
        health = await response.json();
        return "SIGTERM";
      },
    });
    assertEquals(outcome.code, 0, outcome.stderr);
    assert(ready !== null);
    assertEquals((health as { status: string }).status, "up");
    // The ready file is removed on shutdown.
    assertEquals(await Deno.lstat(readyFile).then(() => true, () => false), false);
  }));

Deno.test("helpers: alias rewriting and env files", () => {
  assertEquals(rewriteAliases(["run", "--accept-operator-t&c", "--http-bearer-token=x"]), [
    "run",
    "--accept-operator-terms-and-conditions",
    "--http-access-token=x",
  ]);
  const vars = parseEnvFile("# comment\nexport NYM_API='http://a/'\nNYXD = http://b/\nbad line\n");
  assertEquals([...vars], [["NYM_API", "http://a/"], ["NYXD", "http://b/"]]);
});

Deno.test("a daemon that cannot start reports one line and leaves no signal listeners behind", () =>
  withHome(async (home) => {
    const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const address = `127.0.0.1:${(blocker.addr as Deno.NetAddr).port}`;
      const outcome = await cli(
        home,
        [
          "run",
          "--local",
          "--accept-operator-terms-and-conditions",
          "--http-bind-address",
          address,
        ],
        { waitForShutdownSignal: undefined },
      );
      assertOneLineError(outcome, `cannot bind the http api to ${address}`);
    } finally {
      blocker.close();
    }
  }));
