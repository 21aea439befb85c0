/**
 * `nym-node client socks5`: flag parsing and its one-line errors, first-run creation (config,
 * keys, registration) and reuse, and a run on the in-process simulated network where curl
 * fetches through the proxy from a network requester that is a mixnet client answering through
 * our reply SURBs.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../testing/asserts.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { FakeNetwork } from "../../client/testing/fake_network.ts";
import { lowLatencyOverrides, MixnetClient } from "../../client/mod.ts";
import { loadSocks5ClientConfig } from "../../client/socks5/config.ts";
import { FakeProvider } from "../../client/socks5/testing/fake_provider.ts";
import { pattern, sha256Hex, startHttpTarget } from "../../client/socks5/testing/targets.ts";
import type { CliDependencies } from "../common.ts";
import { runCli } from "../program.ts";

const crypto = createCryptoProvider();

async function cli(home: string, args: string[], extra: Partial<CliDependencies> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    roles: [],
    output: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    env: { get: (name) => (name === "NYM_SOCKS5_CLIENTS_HOME" ? home : undefined) },
    crypto,
    configureLogging: async () => {},
    waitForShutdownSignal: () => Promise.resolve("SIGTERM"),
    ...extra,
  });
  return { code, stdout, stderr };
}

function oneLineError(outcome: { code: number; stderr: string }, includes: string): void {
  assertEquals(outcome.code, 1, outcome.stderr);
  const lines = outcome.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, outcome.stderr);
  assertMatch(lines[0], /^error: /);
  assertStringIncludes(lines[0], includes);
}

/** A network requester on the simulated network: a mixnet client running a FakeProvider. */
async function startProvider(net: FakeNetwork, deny?: (target: string) => boolean) {
  const client = await MixnetClient.start({
    nymApiUrls: [net.nymApiUrl],
    crypto,
    config: lowLatencyOverrides(),
  });
  let tag: Uint8Array | null = null;
  const fake = new FakeProvider({
    deny,
    deliver: (bytes) => {
      if (tag !== null) client.reply(tag, bytes);
    },
  });
  client.on("message", (m) => {
    if (m.kind !== "anonymous") return;
    tag = m.senderTag;
    fake.handle(m.message);
  });
  return {
    address: client.addressText,
    fake,
    async stop() {
      fake.stop();
      await client.stop();
    },
  };
}

Deno.test("client socks5: flag and first-run errors are one clear line", async () => {
  const home = await Deno.makeTempDir({ prefix: "socks5-cli-" });
  try {
    oneLineError(
      await cli(home, ["client", "socks5"]),
      "the first run needs --provider (the network requester's Nym address) and --nym-api-urls",
    );
    oneLineError(
      await cli(home, ["client", "socks5", "--nym-api-urls", "http://127.0.0.1:1/"]),
      "the first run needs --provider",
    );
    oneLineError(
      await cli(home, ["client", "socks5", "--provider", "nope"]),
      "option '--provider <address>' argument 'nope' is invalid",
    );
    oneLineError(await cli(home, ["client", "socks5", "--port", "70000"]), "not a port number");
    oneLineError(await cli(home, ["client", "socks5", "--host", "localhost"]), "not an IP address");
    oneLineError(
      await cli(home, ["client", "socks5", "--use-anonymous-replies", "maybe"]),
      "is not a boolean",
    );
    oneLineError(
      await cli(home, ["client", "socks5", "--connect-timeout", "soon"]),
      "is not a duration",
    );
    oneLineError(
      await cli(home, ["client", "socks5", "--connect-timeout", "0s"]),
      "must be longer than 0",
    );
    oneLineError(
      await cli(home, ["client", "socks5", "--low-latency", "--no-cover"]),
      "--low-latency and --no-cover cannot be combined",
    );
    oneLineError(await cli(home, ["client", "socks5", "--id", "../x"]), "is not a valid client id");
    const help = await cli(home, ["client", "socks5", "--help"]);
    assertEquals(help.code, 0);
    for (
      const flag of [
        "--provider",
        "--port",
        "--host",
        "--use-anonymous-replies",
        "--connect-timeout",
      ]
    ) {
      assertStringIncludes(help.stdout, flag);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("client socks5 --init-only: creates config, keys and registration; saves flags", async () => {
  const net = await FakeNetwork.start({ crypto });
  const provider = await startProvider(net);
  const home = await Deno.makeTempDir({ prefix: "socks5-cli-" });
  try {
    const first = await cli(home, [
      "client",
      "socks5",
      "--init-only",
      "--provider",
      provider.address,
      "--nym-api-urls",
      net.nymApiUrl,
      "--port",
      "1081",
      "--use-anonymous-replies",
      "false",
      "--connect-timeout",
      "12s",
    ]);
    assertEquals(first.code, 0, first.stderr);
    assertStringIncludes(first.stdout, "SOCKS5 client socks5 is initialised");
    const config = await loadSocks5ClientConfig(`${home}/socks5/config/config.toml`);
    assertEquals(config.socks5.provider_mix_address, provider.address);
    assertEquals(config.socks5.bind_address, "127.0.0.1:1081");
    assertEquals(config.socks5.send_anonymously, false);
    assertEquals(config.socks5.connect_timeout, 12_000);
    assertEquals(config.client.nym_api_urls, [net.nymApiUrl]);
    await Deno.stat(`${home}/socks5/data/gateway_registration.json`);
    const second = await cli(home, ["client", "socks5", "--init-only"]);
    assertEquals(second.code, 0, second.stderr);
    assertStringIncludes(second.stdout, "is ready");
    const address = first.stdout.match(/address: (\S+)/)![1];
    assertStringIncludes(second.stdout, `address: ${address}`);
    // One registration for the provider's client, one for ours: the second run reused it.
    assertEquals(net.counters.registrations, 2);
    // A broken config is one line naming the key.
    const file = `${home}/socks5/config/config.toml`;
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace('connect_timeout = "12s"', 'connect_timeout = "x"'),
    );
    oneLineError(
      await cli(home, ["client", "socks5", "--init-only"]),
      'socks5.connect_timeout: "x" is not a duration',
    );
  } finally {
    await provider.stop();
    await net.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("client socks5: curl through the proxy and the simulated mixnet (reply SURBs)", async () => {
  const net = await FakeNetwork.start({ crypto });
  const provider = await startProvider(net, (target) => target.endsWith(":25"));
  const http = startHttpTarget();
  const home = await Deno.makeTempDir({ prefix: "socks5-cli-" });
  const readyFile = `${home}/ready.json`;
  const results: string[] = [];
  try {
    const outcome = await cli(
      home,
      [
        "client",
        "socks5",
        "--provider",
        provider.address,
        "--nym-api-urls",
        net.nymApiUrl,
        "--port",
        "0",
        "--low-latency",
        "--ready-file",
        readyFile,
      ],
      {
        waitForShutdownSignal: async (cancel) => {
          const deadline = Date.now() + 20_000;
          let ready: { socks5: string } | undefined;
          while (ready === undefined && !cancel.aborted) {
            assert(Date.now() < deadline, "the proxy did not become ready");
            try {
              ready = JSON.parse(await Deno.readTextFile(readyFile));
            } catch {
              await new Promise((r) => setTimeout(r, 50));
            }
          }
          if (ready === undefined) return "cancelled";
          const run = async (url: string) => {
            const out = await new Deno.Command("/usr/bin/curl", {
              args: ["-sS", "--max-time", "30", "--socks5-hostname", ready!.socks5, url],
              stdout: "piped",
              stderr: "piped",
            }).output();
            return {
              code: out.code,
              body: out.stdout,
              stderr: new TextDecoder().decode(out.stderr),
            };
          };
          const ok = await run(`http://localhost:${http.port}/bytes/300000`);
          results.push(`ok ${ok.code} ${await sha256Hex(ok.body)} ${ok.stderr}`);
          const denied = await run("http://localhost:25/");
          results.push(`denied ${denied.code} ${denied.stderr}`);
          return "SIGTERM";
        },
      },
    );
    assertEquals(outcome.code, 0, outcome.stderr);
    assertStringIncludes(outcome.stdout, "SOCKS5 proxy: 127.0.0.1:");
    assertStringIncludes(outcome.stdout, "anonymous replies");
    assertEquals(results[0], `ok 0 ${await sha256Hex(pattern(300000, 300000))} `);
    assertMatch(results[1], /^denied 97 .*\(2\)/);
    assertEquals(provider.fake.counts.query >= 1, true);
  } finally {
    await http.stop();
    await provider.stop();
    await net.stop();
    await Deno.remove(home, { recursive: true });
  }
});
