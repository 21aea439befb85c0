/**
 * The browser bundle build and its check: the real entry bundles into a self-contained module
 * (no imports, no bare `Deno`), a bundle of `crypto/mod.ts` (libsodium FFI, node:crypto) is
 * caught, and the scanner tells module references and feature tests apart.
 */
import { assert, assertEquals } from "../../testing/asserts.ts";
import { buildBrowserBundle, findBrowserIncompatibilities } from "./bundle.ts";

Deno.test("bundle check: finds imports and bare Deno uses, not strings or feature tests", () => {
  const leaks = [
    'import{x as y}from"node:crypto";',
    'import * as z from "hono";',
    'import "node:buffer";',
    'const m = await import("./other.js");',
    'const fs = require("fs");',
    "Deno.dlopen(path, symbols);",
    'Deno["env"].get("X");',
  ];
  assertEquals(findBrowserIncompatibilities(leaks.join("\n")), [
    'module "node:crypto"',
    'module "hono"',
    'module "node:buffer"',
    'module "./other.js"',
    'module "fs"',
    "Deno namespace: Deno.dlopen",
    'Deno namespace: Deno["env"]',
  ]);
  const clean = [
    'throw new Error(`cannot read "${key}" from "${this.name}"`);',
    'typeof Deno<"u";',
    '"Deno"in globalThis&&typeof globalThis.Deno.inspect=="function"&&globalThis.Deno.inspect(x);',
    "Array.from(bytes).map((b) => b.toString(16));",
    'const s = "imported";',
  ];
  assertEquals(findBrowserIncompatibilities(clean.join("\n")), []);
});

Deno.test("bundle: the browser entry is self-contained; crypto/mod.ts would not be", async () => {
  const dir = await Deno.makeTempDir({ prefix: "browser-bundle-" });
  try {
    const bundle = await buildBrowserBundle({ output: `${dir}/nym-client.js` });
    assertEquals(bundle.forbidden, []);
    assert(bundle.gzipBytes < bundle.bytes && bundle.bytes > 100_000, JSON.stringify(bundle));
    const code = await Deno.readTextFile(bundle.path);
    assert(code.includes("sourceMappingURL=nym-client.js.map"), "the source map is linked");
    assert((await Deno.stat(`${dir}/nym-client.js.map`)).size > 0);
    // The module exports what pages use.
    const module = await import(`file://${dir}/nym-client.js`);
    for (const name of ["startNymClient", "IndexedDbClientStorage", "MixnetClient", "configure"]) {
      assertEquals(typeof module[name], "function", name);
    }

    const node = await buildBrowserBundle({
      entry: new URL("../../crypto/mod.ts", import.meta.url).pathname,
      output: `${dir}/crypto.js`,
      sourceMap: false,
    });
    assert(node.forbidden.includes('module "node:crypto"'), node.forbidden.join(", "));
    assert(node.forbidden.includes("Deno namespace: Deno.dlopen"), node.forbidden.join(", "));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
