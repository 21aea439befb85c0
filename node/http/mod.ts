/**
 * The node's HTTP API: route modules, the Hono app with its OpenAPI document, response
 * helpers, and the server.
 *
 * @example
 * ```ts no-eval
 * import { createHttpApp, jsonRoute, formatted, Mixnode, startHttpServer } from "./mod.ts";
 * const app = createHttpApp({
 *   version: "0.1.0",
 *   modules: [{ name: "x", routes: [jsonRoute({ path: "/api/v1/mixnode", tag: "Mixnode", summary: "x", schema: Mixnode }, (c) => formatted(c, {}))] }],
 * });
 * const server = await startHttpServer(app.fetch, "127.0.0.1:0");
 * ```
 *
 * @module
 */
export * from "./app.ts";
export * from "./routes.ts";
export * from "./respond.ts";
export * from "./models.ts";
export * from "./server.ts";
export * from "./node_routes.ts";
export * from "./gateway_routes.ts";
export * from "./metrics_routes.ts";
export * from "./landing.ts";
