/**
 * Builds the browser bundle (`deno task bundle:browser`): `deno bundle --platform browser` of
 * `client/browser/mod.ts` into one minified ES module, `dist/nym-client.js` (with a linked
 * source map), then refuses the result if anything in it still needs a module loader or Deno:
 * a bundle for pages must be self-contained, so any `import`/`require` of another module
 * (`node:crypto`, a bare package name, a URL) or a use of the `Deno` namespace fails the build.
 *
 * Deno only (it runs `deno bundle`); not part of the bundle.
 *
 * @module
 */

/** Where the task writes the bundle. */
export const DEFAULT_BUNDLE_PATH = new URL("../../dist/nym-client.js", import.meta.url).pathname;
/** The bundle's entry point. */
export const BROWSER_ENTRY = new URL("./mod.ts", import.meta.url).pathname;
const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** Options of {@linkcode buildBrowserBundle}. */
export interface BuildBrowserBundleOptions {
  /** Output file. Default `dist/nym-client.js`. */
  readonly output?: string;
  /** Entry module. Default `client/browser/mod.ts` (other entries are for tests). */
  readonly entry?: string;
  /** Minify. Default true. */
  readonly minify?: boolean;
  /** Write `<output>.map` and link it. Default true. */
  readonly sourceMap?: boolean;
}

/** What {@linkcode buildBrowserBundle} built. */
export interface BrowserBundle {
  readonly path: string;
  /** Size of the bundle in bytes. */
  readonly bytes: number;
  /** Size gzip-compressed (what a server with compression sends). */
  readonly gzipBytes: number;
  /** Everything in the bundle that does not belong in a browser (empty when it is clean). */
  readonly forbidden: readonly string[];
}

/**
 * `deno bundle` failed.
 *
 * @example
 * ```ts
 * import { BrowserBundleError } from "./bundle.ts";
 * new BrowserBundleError("deno bundle failed").name; // "BrowserBundleError"
 * ```
 */
export class BrowserBundleError extends Error {
  override name = "BrowserBundleError";
}

// Module references left in bundled code, minified or not: `from"x"`, `import"x"`,
// `import("x")`, `require("x")`. A self-contained bundle has none. (A specifier has no spaces
// and no `${`, so messages like `from "${name}"` in template literals do not count.)
const SPECIFIER = String.raw`(["'\`])([^"'\`\s{}$]+)`;
const MODULE_REFERENCE = new RegExp(
  String.raw`\bfrom\s*${SPECIFIER}\1|\bimport\s*${SPECIFIER}\3|` +
    String.raw`\bimport\s*\(\s*${SPECIFIER}\5\s*\)|\brequire\s*\(\s*${SPECIFIER}\7\s*\)`,
  "g",
);
// A bare reference to the Deno global (`Deno.x`, `Deno[...]`): a ReferenceError in a browser.
// Property lookups such as `"Deno" in globalThis && globalThis.Deno.inspect` (@logtape's
// runtime detection) are guarded feature tests that find nothing in a browser, so they pass.
const DENO_NAMESPACE = /(?<![\w$.'"`])Deno\s*[.[]/g;

/**
 * Lists what in bundled code a browser cannot run: module imports (node builtins, packages,
 * URLs) and bare references to the `Deno` global.
 *
 * @example
 * ```ts
 * import { findBrowserIncompatibilities } from "./bundle.ts";
 * findBrowserIncompatibilities('import{a}from"node:crypto";Deno.dlopen(x)');
 * // ['module "node:crypto"', "Deno namespace: Deno.dlopen"]
 * ```
 */
export function findBrowserIncompatibilities(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(MODULE_REFERENCE)) {
    found.add(`module "${m[2] ?? m[4] ?? m[6] ?? m[8]}"`);
  }
  for (const m of code.matchAll(DENO_NAMESPACE)) {
    const context = code.slice(m.index, m.index + 32).match(/^Deno\s*(\.\s*\w+|\[[^\]]*\])/);
    found.add(`Deno namespace: ${context?.[0] ?? m[0]}`);
  }
  return [...found];
}

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/**
 * Bundles the client for browsers and checks the result.
 *
 * @example
 * ```ts no-eval
 * const bundle = await buildBrowserBundle({ output: "/tmp/nym-client.js" });
 * console.log(bundle.bytes, bundle.forbidden); // e.g. 662743 []
 * ```
 * @throws {BrowserBundleError} if `deno bundle` fails (an unclean bundle is reported in
 * `forbidden`, for the caller to refuse).
 */
export async function buildBrowserBundle(
  options: BuildBrowserBundleOptions = {},
): Promise<BrowserBundle> {
  const output = options.output ?? DEFAULT_BUNDLE_PATH;
  const args = [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "--format",
    "esm",
    ...(options.minify ?? true ? ["--minify"] : []),
    ...(options.sourceMap ?? true ? ["--sourcemap", "linked"] : []),
    "--output",
    output,
    options.entry ?? BROWSER_ENTRY,
  ];
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    const stderr = new TextDecoder().decode(result.stderr);
    throw new BrowserBundleError(`deno bundle failed:\n${stderr.slice(-4000)}`);
  }
  const bytes = await Deno.readFile(output);
  const forbidden = findBrowserIncompatibilities(new TextDecoder().decode(bytes));
  return { path: output, bytes: bytes.length, gzipBytes: await gzipSize(bytes), forbidden };
}

if (import.meta.main) {
  const output = Deno.args[0] ?? DEFAULT_BUNDLE_PATH;
  try {
    const bundle = await buildBrowserBundle({ output });
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    if (bundle.forbidden.length > 0) {
      console.error(
        `${output} is not browser-safe; it still uses:\n  ${bundle.forbidden.join("\n  ")}`,
      );
      Deno.exit(1);
    }
    console.log(`${output}: ${kb(bundle.bytes)} (${kb(bundle.gzipBytes)} gzipped), browser-safe`);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
}
