/**
 * The root of the HTTP server (`nym-node.md` §2.1): a small landing page (or the operator's own
 * static files from `http.landing_page_assets_path`) and the legacy redirects `/hardware`,
 * `/description`, `/stats`, `/verloc`, `/metrics` into `/api/v1`.
 *
 * @module
 */
import { extname, resolve, sep } from "node:path";
import type { Context } from "hono";
import { errorResponse } from "./respond.ts";
import type { PlainRoute, RouteModule } from "./routes.ts";

/** Legacy path → API path (answered with 303 See Other, as axum's `Redirect::to`). */
export const LEGACY_REDIRECTS: Readonly<Record<string, string>> = {
  "/hardware": "/api/v1/system-info",
  "/description": "/api/v1/description",
  "/stats": "/api/v1/metrics/mixing",
  "/verloc": "/api/v1/metrics/verloc",
  "/metrics": "/api/v1/metrics/prometheus",
};

/** The default landing page. */
export const LANDING_PAGE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Nym Node</title></head>
<body>
<h1>Nym Node</h1>
<p>Default page of this nym-node. Operators can replace it by setting
<code>landing_page_assets_path</code> in the <code>[http]</code> section of the config.</p>
<p>Explore the REST API at <a href="/api/v1/swagger/">/api/v1/swagger/</a>
(<a href="/api/v1/api-docs/openapi.json">OpenAPI document</a>).</p>
</body>
</html>
`;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
};

/** Largest static file served (bounded memory per request). */
export const MAX_ASSET_BYTES = 16 * 1024 * 1024;

function staticFiles(root: string): (c: Context) => Promise<Response> {
  const base = resolve(root);
  return async (c) => {
    let relative: string;
    try {
      relative = decodeURIComponent(c.req.path);
    } catch {
      return errorResponse(400, "malformed path");
    }
    if (relative.includes("\0")) return errorResponse(400, "malformed path");
    let target = resolve(base, `.${relative}`);
    if (target !== base && !target.startsWith(base + sep)) return errorResponse(404, "not found");
    try {
      if ((await Deno.stat(target)).isDirectory) target = resolve(target, "index.html");
      const info = await Deno.stat(target);
      if (!info.isFile) return errorResponse(404, "not found");
      if (info.size > MAX_ASSET_BYTES) return errorResponse(413, "file too large");
      const body = await Deno.readFile(target);
      const type = CONTENT_TYPES[extname(target).toLowerCase()] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return errorResponse(404, "not found");
    }
  };
}

/**
 * Landing page and legacy redirects. With `assetsPath`, files under it are served at `/`.
 *
 * @example
 * ```ts no-eval
 * import { landingRoutes } from "./landing.ts";
 * createHttpApp({ version, modules: [landingRoutes(config.http.landing_page_assets_path)] });
 * ```
 */
export function landingRoutes(assetsPath: string | null): RouteModule {
  const plain: PlainRoute[] = Object.entries(LEGACY_REDIRECTS).map(([from, to]) => ({
    method: "get",
    path: from,
    handler: (c: Context) => c.redirect(to, 303),
  }));
  if (assetsPath) {
    const serve = staticFiles(assetsPath);
    // Undocumented routes are registered after the API, so this only sees other paths.
    plain.push({ method: "get", path: "/*", handler: serve });
  } else {
    plain.push({ method: "get", path: "/", handler: (c: Context) => c.html(LANDING_PAGE_HTML) });
  }
  return { name: "landing", plain };
}
