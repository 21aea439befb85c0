/**
 * The browser bundle end to end (issue #7, "Browser bundle"): `buildBrowserBundle` makes
 * `nym-client.js` (checked free of `node:`/Deno references), a localnet of our node processes
 * runs, a loopback HTTP server serves a small page and the bundle, and headless Debian Chromium
 * (`playwright-core`) loads the page. There the client starts with its defaults (cover traffic
 * on), sends a message and an anonymous message to itself through the localnet, answers the
 * anonymous one with a reply SURB, and reports cover packets in its stats. A second tab cannot
 * start the same stored client; after a reload the client comes back with the same address and
 * gateway registration (IndexedDB) and still delivers.
 */
import { chromium } from "playwright-core";
import { assert, assertEquals } from "../testing/asserts.ts";
import { startLocalnet } from "../client/testing/localnet.ts";
import { buildBrowserBundle } from "../client/browser/bundle.ts";
import type * as NymBundle from "../client/browser/mod.ts";

const CHROMIUM = "/usr/bin/chromium";
const STORE = "browser-test";

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>nym client</title></head>
<body><pre id="log"></pre>
<script type="module">
  import * as nym from "./nym-client.js";
  globalThis.nym = nym;
  globalThis.inbox = [];
  globalThis.nymReady = true;
</script></body></html>`;

/** A received message as the page hands it back. */
interface PageMessage {
  kind: string;
  data: number[];
  text: string;
  senderTag: string | null;
}

/** What the page's globals hold (the functions passed to `evaluate` run in the page). */
interface PageGlobals {
  nym: typeof NymBundle;
  client: NymBundle.NymBrowserClient;
  inbox: PageMessage[];
  nymReady?: boolean;
}

/** Starts the stored client in the page; resolves to its address and gateway. */
function startInPage(args: { nymApi: string; gateway: string; store: string }) {
  const g = globalThis as unknown as PageGlobals;
  return (async () => {
    await g.nym.configure({
      reset: true,
      sinks: { console: g.nym.getConsoleSink() },
      loggers: [
        { category: ["nym-node"], lowestLevel: "warning", sinks: ["console"] },
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
      ],
    });
    const started = performance.now();
    const client = await g.nym.startNymClient({
      nymApi: args.nymApi,
      gateway: args.gateway,
      storeName: args.store,
    });
    g.client = client;
    client.onMessage((m) =>
      g.inbox.push({
        kind: m.kind,
        data: Array.from(m.data),
        text: m.text(),
        senderTag: m.senderTag,
      })
    );
    return {
      address: client.address,
      gateway: client.gateway,
      startMs: Math.round(performance.now() - started),
    };
  })();
}

/** The page's stored gateway registration (read through a second IndexedDB connection). */
function storedRegistration(store: string) {
  const g = globalThis as unknown as PageGlobals;
  return (async () => {
    const storage = new g.nym.IndexedDbClientStorage({ name: store });
    try {
      const r = await storage.loadGatewayRegistration();
      return r === null ? null : { sharedKey: Array.from(r.sharedKey), at: r.registeredAtMs };
    } finally {
      storage.close();
    }
  })();
}

Deno.test({
  name: "browser bundle: Chromium page sends through a localnet with cover traffic, keeps its key",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "browser-test-" });
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  let net: Awaited<ReturnType<typeof startLocalnet>> | undefined;
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  const consoleLines: string[] = [];
  const failure = (e: unknown) =>
    new Error(
      `${(e as Error).message}\npage console:\n${consoleLines.slice(-40).join("\n")}\n` +
        `localnet output:\n${net?.output().slice(-3000) ?? ""}`,
      { cause: e },
    );
  try {
    const bundlePath = `${dir}/nym-client.js`;
    const [bundle, localnet] = await Promise.all([
      buildBrowserBundle({ output: bundlePath, sourceMap: false }),
      startLocalnet({ mixnodes: 3 }),
    ]);
    net = localnet;
    assertEquals(bundle.forbidden, [], "the bundle references node:/Deno modules");
    console.log(
      `bundle ${(bundle.bytes / 1024).toFixed(0)} KB (${
        (bundle.gzipBytes / 1024).toFixed(0)
      } KB gzipped); localnet up after ${Math.round(performance.now() - started)} ms`,
    );
    const bundleBytes = await Deno.readFile(bundlePath);
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/" || path === "/index.html") {
        return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
      }
      if (path === "/nym-client.js") {
        return new Response(bundleBytes, { headers: { "content-type": "text/javascript" } });
      }
      return new Response("not found", { status: 404 });
    });
    const pageUrl = `http://127.0.0.1:${server.addr.port}/`;
    const entry = net.info.gateways.find((g) => !g.exit)!;
    const args = { nymApi: net.info.nymApi, gateway: entry.identity, store: STORE };

    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    const page = await browser.newPage();
    page.on("console", (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => consoleLines.push(`[pageerror] ${e.message}`));
    const load = async () => {
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).nymReady === true);
    };
    await page.goto(pageUrl);
    await load();

    const waitFor = (kind: string) =>
      page.waitForFunction(
        (k) => (globalThis as unknown as PageGlobals).inbox.some((m) => m.kind === k),
        kind,
        { timeout: 20_000, polling: 50 },
      ).then(() =>
        page.evaluate((k) => {
          const inbox = (globalThis as unknown as PageGlobals).inbox;
          return inbox.splice(inbox.findIndex((m) => m.kind === k), 1)[0];
        }, kind)
      );

    let first: { address: string; gateway: string; startMs: number };
    try {
      first = await page.evaluate(startInPage, args);
    } catch (e) {
      throw failure(e);
    }
    console.log(`client started in the page in ${first.startMs} ms: ${first.address}`);
    assert(first.address.endsWith(`@${entry.identity}`), first.address);

    await t.step("the page sends to itself through the localnet; cover traffic runs", async () => {
      try {
        const message = Array.from({ length: 5000 }, (_, i) => (i * 7 + 3) & 0xff);
        const sent = performance.now();
        const receipt = await page.evaluate(
          (m) => {
            const g = globalThis as unknown as PageGlobals;
            return g.client.send(g.client.address, new Uint8Array(m));
          },
          message,
        );
        assert(receipt.packets > 1, "the message was split into fragments");
        const received = await waitFor("plain");
        const latency = Math.round(performance.now() - sent);
        assertEquals(received.data, message);

        await page.evaluate(() => {
          const g = globalThis as unknown as PageGlobals;
          g.client.sendAnonymous(g.client.address, "ping from the page", 5);
        });
        const anonymous = await waitFor("anonymous");
        assertEquals(anonymous.text, "ping from the page");
        assert(anonymous.senderTag !== null);
        await page.evaluate((tag) => {
          (globalThis as unknown as PageGlobals).client.reply(tag, "pong through a SURB");
        }, anonymous.senderTag);
        assertEquals((await waitFor("reply")).text, "pong through a SURB");

        // Loop cover packets go out on both streams and come back through the mix nodes.
        await page.waitForFunction(
          () => {
            const s = (globalThis as unknown as PageGlobals).client.stats();
            return s.coverPacketsReceived > 0 && s.pendingAcks === 0;
          },
          null,
          { timeout: 20_000, polling: 100 },
        );
        const stats = await page.evaluate(() =>
          (globalThis as unknown as PageGlobals).client.stats()
        );
        assert(stats.coverPacketsSent > 0, "cover packets were sent");
        assert(stats.coverPacketsReceived > 0, "cover packets came back");
        assert(stats.realPacketsSent > receipt.packets, JSON.stringify(stats));
        assert(stats.acksReceived >= receipt.packets, JSON.stringify(stats));
        assertEquals(stats.messagesReceived, 3);
        assertEquals(stats.gatewayConnected, true);
        console.log(
          `5000 B to self in ${latency} ms; after ${stats.uptimeMs} ms: ${stats.coverPacketsSent} ` +
            `cover / ${stats.realPacketsSent} real packets sent (${
              (stats.coverPacketsSent / (stats.uptimeMs / 1000)).toFixed(1)
            } cover/s), ${stats.coverPacketsReceived} cover back, ${stats.acksReceived} acks, ` +
            `${stats.retransmissions} retransmissions, delay multiplier ` +
            `${stats.sendingDelayMultiplier}`,
        );
        // What a packet costs the page: the noble X25519 the bundle uses, timed in Chromium.
        const x25519Ms = await page.evaluate(() => {
          const crypto = (globalThis as unknown as PageGlobals).nym.createNobleProvider();
          const scalar = new Uint8Array(32).fill(3);
          let point = crypto.x25519Base(scalar);
          const t0 = performance.now();
          for (let i = 0; i < 100; i++) point = crypto.x25519(scalar, point);
          return (performance.now() - t0) / 100;
        });
        console.log(`noble X25519 in the page: ${x25519Ms.toFixed(2)} ms per operation`);
      } catch (e) {
        throw failure(e);
      }
    });

    await t.step("a second tab cannot run the same stored client", async () => {
      const second = await browser!.newPage();
      try {
        await second.goto(pageUrl);
        await second.waitForFunction(() =>
          (globalThis as unknown as PageGlobals).nymReady === true
        );
        const outcome = await second.evaluate(async (a) => {
          const g = globalThis as unknown as PageGlobals;
          try {
            await g.nym.startNymClient({
              nymApi: a.nymApi,
              gateway: a.gateway,
              storeName: a.store,
              lockTimeoutMs: 300,
            });
            return "started";
          } catch (e) {
            return `${(e as Error).name}: ${(e as Error).message}`;
          }
        }, args);
        assert(outcome.startsWith("StoreInUseError: "), outcome);
      } finally {
        await second.close();
      }
    });

    await t.step("after a reload the client keeps its address and registration", async () => {
      try {
        const before = await page.evaluate(storedRegistration, STORE);
        assert(before !== null, "the registration is stored");
        await page.reload();
        await load();
        const again = await page.evaluate(startInPage, args);
        assertEquals(again.address, first.address);
        assertEquals(await page.evaluate(storedRegistration, STORE), before, "no re-registration");
        const sent = await page.evaluate(() => {
          const g = globalThis as unknown as PageGlobals;
          return g.client.send(g.client.address, "after the reload").packets;
        });
        assertEquals(sent, 1);
        assertEquals((await waitFor("plain")).text, "after the reload");
        await page.evaluate(() => (globalThis as unknown as PageGlobals).client.stop());
        assertEquals(
          await page.evaluate(() => (globalThis as unknown as PageGlobals).client.stopped),
          true,
        );
      } catch (e) {
        throw failure(e);
      }
    });
  } finally {
    await browser?.close().catch(() => {});
    await server?.shutdown().catch(() => {});
    await net?.stop();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    console.log(`browser test took ${Math.round(performance.now() - started)} ms`);
  }
});
