/**
 * The client core must run in browsers once bundled: nothing reachable from `client/mod.ts` may
 * use `node:` modules, FFI or the Deno namespace through `crypto/mod.ts` (which loads libsodium
 * and node:crypto). Checked on the real module graph (`deno info`).
 */
import { assert } from "../testing/asserts.ts";

Deno.test("browser safety: client/mod.ts reaches no node:, FFI or Deno-only module", async () => {
  const entry = new URL("./mod.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(output.success, new TextDecoder().decode(output.stderr));
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: { specifier: string }[];
  };
  const specifiers = graph.modules.map((m) => m.specifier);
  assert(specifiers.some((s) => s.endsWith("/client/client.ts")), "the graph was read");
  const forbidden = specifiers.filter((s) =>
    s.startsWith("node:") || s.endsWith("/crypto/mod.ts") ||
    s.includes("/crypto/backends/sodium") ||
    s.includes("/crypto/backends/node") || s.endsWith("/client/storage/file.ts") ||
    s.includes("/config/") || s.includes("/node/")
  );
  assert(forbidden.length === 0, `browser-unsafe modules in the core: ${forbidden.join(", ")}`);
  // No source module of the core uses the Deno namespace (comments aside).
  for (const s of specifiers.filter((s) => s.startsWith("file:"))) {
    const code = (await Deno.readTextFile(new URL(s))).split("\n")
      .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)).join("\n");
    assert(!/\bDeno\./.test(code), `${s} uses the Deno namespace`);
  }
});
