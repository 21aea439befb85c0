/**
 * SOCKS end to end with real processes: `nym-node localnet` (directory, 3 mix nodes, entry
 * gateway, exit gateway with its embedded network requester), `nym-node client socks5` as a
 * process (`--low-latency`: no per-hop delays), and curl fetching from a local HTTP server
 * (`client/socks5/testing/targets.ts`). With anonymous replies (reply SURBs, the default):
 * byte-exact 1 byte, 1 MB and 20 MB (sha256), 20 parallel connections, a target that dies
 * mid-stream, a destination the exit policy denies (`127.0.0.1:25`, an abused port in the
 * default policy), a dead port answered fast, and SOCKS4a. With replies to our address
 * (`--use-anonymous-replies false`): 1 MB byte-exact. One localnet for the whole file.
 */
import { assert, assertEquals, assertStringIncludes } from "../testing/asserts.ts";
import { startLocalnet } from "../client/testing/localnet.ts";
import {
  curl,
  type CurlResult,
  startSocks5Process,
} from "../client/socks5/testing/socks5_process.ts";
import { deadPort, pattern, sha256Hex, startHttpTarget } from "../client/socks5/testing/targets.ts";

function detail(r: CurlResult, proxyOutput: string): string {
  return `curl exit ${r.code}: ${r.stderr}\n--- proxy output ---\n${proxyOutput.slice(-3000)}`;
}

Deno.test({
  name: "socks5 end to end: curl through our SOCKS client, the localnet and our exit",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const net = await startLocalnet({ mixnodes: 3 });
  const http = startHttpTarget();
  let proxy: Awaited<ReturnType<typeof startSocks5Process>> | undefined;
  try {
    const provider = net.info.networkRequester;
    assert(
      provider !== null,
      `the localnet has no network requester:\n${net.output().slice(-2000)}`,
    );
    proxy = await startSocks5Process({
      nymApi: net.info.nymApi,
      provider,
      gateway: net.info.gateways.find((g) => !g.exit)?.identity,
      args: ["--low-latency"],
    });
    const via = ["--socks5-hostname", proxy.socks5];
    const fetchBytes = (size: number, socks = via, maxTimeSeconds = 60) =>
      curl([...socks, `http://localhost:${http.port}/bytes/${size}`], { maxTimeSeconds });
    const out = proxy.output;

    // The exit's requester client may still be connecting to its gateway right after
    // `localnet ready`: retry one small fetch until the path works (bounded).
    const warmUp = async (socks: string[], output: () => string) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await fetchBytes(1, socks, 20);
        if (r.code === 0) return;
        assert(Date.now() < deadline, detail(r, output()));
      }
    };
    await warmUp(via, out);

    await t.step("anonymous replies: 1 byte, 1 MB and 20 MB arrive byte-exact", async () => {
      for (const size of [1, 1_000_000, 20_000_000]) {
        // Generous for 20 MB: the transfer is CPU-bound (≈ 10 000 packets, each unwrapped by 5
        // nodes and 2 clients plus SURB-acks and reply SURBs); it takes 45–70 s on the shared
        // 2-core machine when it is quiet and over two minutes under the full suite's load.
        const r = await fetchBytes(size, via, size > 1_000_000 ? 170 : 60);
        assertEquals(r.code, 0, detail(r, out()));
        assertEquals(r.body.length, size);
        assertEquals(await sha256Hex(r.body), await sha256Hex(pattern(size, size)), `${size}`);
        console.log(`  ${size} bytes in ${r.seconds.toFixed(2)} s`);
      }
    });

    await t.step("20 parallel connections, each byte-exact", async () => {
      const sizes = Array.from({ length: 20 }, (_, i) => 50_000 + i * 1_000);
      const results = await Promise.all(sizes.map((size) => fetchBytes(size)));
      for (const [i, r] of results.entries()) {
        assertEquals(r.code, 0, detail(r, out()));
        assertEquals(await sha256Hex(r.body), await sha256Hex(pattern(sizes[i], sizes[i])));
      }
    });

    await t.step("the target closing mid-stream ends the transfer, no hang", async () => {
      const r = await curl([...via, `http://localhost:${http.port}/cut/400000`], {
        maxTimeSeconds: 30,
      });
      assertEquals(r.code, 18, detail(r, out())); // partial file: the remote side closed
      assertEquals(r.body.length, 200_000);
      assertEquals(
        await sha256Hex(r.body),
        await sha256Hex(pattern(400_000, 400_000).slice(0, 200_000)),
      );
      assert(r.seconds < 20, `took ${r.seconds} s`);
    });

    await t.step("a destination the exit policy denies gets 'not allowed by ruleset'", async () => {
      const r = await curl([...via, "http://127.0.0.1:25/"], { maxTimeSeconds: 30 });
      assertEquals(r.code, 97, detail(r, out())); // CURLE_PROXY
      assertStringIncludes(r.stderr, "(2)");
      assertStringIncludes(out(), "not allowed by the exit policy");
    });

    await t.step("a dead target port is refused within seconds", async () => {
      const r = await curl([...via, `http://127.0.0.1:${deadPort()}/`], { maxTimeSeconds: 60 });
      assertEquals(r.code, 97, detail(r, out()));
      assertStringIncludes(r.stderr, "(5)"); // connection refused
      assert(r.seconds < 10, `the refusal took ${r.seconds} s`);
    });

    await t.step("SOCKS4a (curl --socks4a) with a host name resolved by the exit", async () => {
      const r = await curl(
        ["--socks4a", proxy!.socks5, `http://localhost:${http.port}/bytes/100000`],
        { maxTimeSeconds: 30 },
      );
      assertEquals(r.code, 0, detail(r, out()));
      assertEquals(await sha256Hex(r.body), await sha256Hex(pattern(100_000, 100_000)));
    });

    const code = await proxy.stop();
    proxy = undefined;
    assertEquals(code, 0, "the SOCKS client stops cleanly on SIGTERM");

    await t.step("replies to our address: 1 MB arrives byte-exact", async () => {
      const plain = await startSocks5Process({
        nymApi: net.info.nymApi,
        provider,
        gateway: net.info.gateways.find((g) => !g.exit)?.identity,
        args: ["--low-latency", "--use-anonymous-replies", "false"],
      });
      try {
        const socks = ["--socks5-hostname", plain.socks5];
        await warmUp(socks, plain.output);
        const size = 1_000_000;
        const r = await fetchBytes(size, socks);
        assertEquals(r.code, 0, detail(r, plain.output()));
        assertEquals(r.body.length, size);
        assertEquals(await sha256Hex(r.body), await sha256Hex(pattern(size, size)));
        console.log(`  ${size} bytes in ${r.seconds.toFixed(2)} s`);
      } finally {
        assertEquals(await plain.stop(), 0);
      }
    });
  } finally {
    await proxy?.stop();
    await http.stop();
    await net.stop();
  }
});
