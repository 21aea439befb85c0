/**
 * `GET /api/v1/metrics/prometheus` (`nym-node.md` §2.1): served only when `http.access_token`
 * is set, and only to requests with `Authorization: Bearer <token>` (compared in constant time).
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { MetricsRegistry } from "../metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics.ts";
import { ErrorResponse } from "./models.ts";
import { errorResponse } from "./respond.ts";
import type { RouteModule } from "./routes.ts";

function constantTimeEqual(presented: Uint8Array, secret: Uint8Array): boolean {
  // Always walks the whole secret, so timing reveals at most its length.
  let difference = presented.length ^ secret.length;
  for (let i = 0; i < secret.length; i++) difference |= (presented[i] ?? 0) ^ secret[i];
  return difference === 0;
}

/**
 * Checks an `Authorization` header against the token; returns `null` when authorised, else the
 * reason (the real node's wording).
 *
 * @example
 * ```ts
 * import { checkBearerToken } from "./metrics_routes.ts";
 * checkBearerToken("Bearer s3cret", "s3cret"); // null
 * checkBearerToken(undefined, "s3cret"); // "`Authorization` header is missing"
 * ```
 */
export function checkBearerToken(header: string | undefined, token: string): string | null {
  if (header === undefined) return "`Authorization` header is missing";
  let presented: string;
  if (header.startsWith("Bearer ")) presented = header.slice("Bearer ".length);
  else if (header === "Bearer") presented = "";
  else return "`Authorization` header must be a bearer token";
  if (token.length === 0 && presented.length === 0) return null;
  if (presented.length === 0) return "`Authorization` header must contain non-empty `Bearer` token";
  const encoder = new TextEncoder();
  if (!constantTimeEqual(encoder.encode(presented), encoder.encode(token))) {
    return "`Authorization` header does not contain the correct `Bearer` token";
  }
  return null;
}

/**
 * The Prometheus route, or an empty module when no token is configured.
 *
 * @example
 * ```ts no-eval
 * import { prometheusRoutes } from "./metrics_routes.ts";
 * createHttpApp({ version, modules: [prometheusRoutes(metrics, config.http.access_token)] });
 * ```
 */
export function prometheusRoutes(metrics: MetricsRegistry, token: string | null): RouteModule {
  if (token === null) return { name: "metrics" };
  const config = createRoute({
    method: "get",
    path: "/api/v1/metrics/prometheus",
    tags: ["Metrics"],
    summary: "Prometheus metrics (requires the bearer token)",
    security: [{ prometheus_token: [] }],
    responses: {
      200: { description: "metrics", content: { "text/plain": { schema: z.string() } } },
      401: {
        description: "access token missing or invalid",
        content: { "application/json": { schema: ErrorResponse } },
      },
    },
  });
  const handler = (c: Context) => {
    const problem = checkBearerToken(c.req.header("authorization"), token);
    if (problem) return errorResponse(401, problem);
    return new Response(metrics.render(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
  };
  return { name: "metrics", routes: [{ config, handler }] };
}
