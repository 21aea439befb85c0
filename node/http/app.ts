/**
 * Assembles the HTTP API from route modules: documented routes (also published in the OpenAPI
 * document at `/api/v1/api-docs/openapi.json` and the Swagger UI at `/api/v1/swagger/` and
 * `/swagger/`), undocumented routes, JSON error bodies, and request logging.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import { getLogger } from "@logtape/logtape";
import type { ApiRoute, PlainRoute, RouteModule } from "./routes.ts";
import { errorResponse } from "./respond.ts";

/** Path of the OpenAPI document. */
export const OPENAPI_PATH = "/api/v1/api-docs/openapi.json";

/** Options of {@linkcode createHttpApp}. */
export interface HttpAppOptions {
  /** Route modules, in order; later modules override earlier routes with the same method+path. */
  readonly modules: readonly RouteModule[];
  /** Version shown in the OpenAPI document. */
  readonly version: string;
}

/**
 * Builds the Hono application.
 *
 * @example
 * ```ts
 * import { createHttpApp } from "./app.ts";
 * import { jsonRoute } from "./routes.ts";
 * import { formatted } from "./respond.ts";
 * import { Mixnode } from "./models.ts";
 * const app = createHttpApp({
 *   version: "0.1.0",
 *   modules: [{
 *     name: "mixnode",
 *     routes: [jsonRoute({ path: "/api/v1/mixnode", tag: "Mixnode", summary: "x", schema: Mixnode }, (c) => formatted(c, {}))],
 *   }],
 * });
 * const res = await app.request("/api/v1/mixnode"); // 200 {}
 * ```
 */
export function createHttpApp(options: HttpAppOptions): OpenAPIHono {
  const logger = getLogger(["nym-node", "http"]);
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const detail = result.error.issues
          .map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`)
          .join("; ");
        return errorResponse(400, `invalid request: ${detail}`);
      }
    },
  });

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    logger.debug("{method} {path} -> {status} in {ms} ms", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });

  const documented = new Map<string, { module: string; route: ApiRoute }>();
  const plain = new Map<string, { module: string; route: PlainRoute }>();
  for (const module of options.modules) {
    for (const route of module.routes ?? []) {
      const key = `${route.config.method.toUpperCase()} ${route.config.path}`;
      const earlier = documented.get(key);
      if (earlier) {
        logger.debug("{key} from {module} replaces the one from {earlier}", {
          key,
          module: module.name,
          earlier: earlier.module,
        });
      }
      documented.set(key, { module: module.name, route });
    }
    for (const route of module.plain ?? []) {
      plain.set(`${route.method.toUpperCase()} ${route.path}`, { module: module.name, route });
    }
  }
  for (const { route } of documented.values()) {
    // The handler returns plain Responses (JSON or YAML), which the typed signature cannot express.
    app.openapi(route.config, route.handler as never);
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "prometheus_token", {
    type: "http",
    scheme: "bearer",
  });
  app.doc(OPENAPI_PATH, {
    openapi: "3.0.3",
    info: {
      title: "NymNode API",
      version: options.version,
      description: "Self-described API of a nym-node (TypeScript implementation).",
    },
  });
  const swagger = swaggerUI({ url: OPENAPI_PATH, title: "NymNode API" });
  app.get("/api/v1/swagger/", swagger);
  app.get("/api/v1/swagger", (c) => c.redirect("/api/v1/swagger/", 301));
  app.get("/swagger/", swagger);
  app.get("/swagger", (c) => c.redirect("/swagger/", 301));
  // Undocumented routes last, so a catch-all (static landing-page files) cannot shadow the API.
  for (const { route } of plain.values()) {
    app.on(route.method.toUpperCase(), route.path, route.handler);
  }

  app.notFound((c) => errorResponse(404, `no such route: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    logger.error("{method} {path} failed: {error}", {
      method: c.req.method,
      path: c.req.path,
      error: error.stack ?? String(error),
    });
    return errorResponse(500, "internal server error");
  });
  return app;
}
