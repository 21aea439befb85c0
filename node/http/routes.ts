/**
 * How routes are contributed to the HTTP API. Every part of the node (the base node info, and
 * later the mix, gateway, exit and verloc roles) hands {@linkcode RouteModule}s to
 * `createHttpApp`; documented routes carry an OpenAPI definition, so the served OpenAPI
 * document is built from the same definitions that serve requests.
 *
 * @module
 */
import { createRoute, type RouteConfig, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ErrorResponse } from "./models.ts";
import { OutputQuery } from "./respond.ts";

/** A request handler. */
export type RouteHandler = (c: Context) => Response | Promise<Response>;

/** A documented API route: its OpenAPI definition and its handler. */
export interface ApiRoute {
  /** Method, path (`/api/v1/...`, OpenAPI `{param}` syntax), parameters and responses. */
  readonly config: RouteConfig;
  /** Serves the route. */
  readonly handler: RouteHandler;
}

/** An undocumented route (redirects, landing page, static files). */
export interface PlainRoute {
  /** HTTP method, lower-case. */
  readonly method: "get" | "post" | "put" | "delete";
  /** Hono path pattern (`/x`, `/assets/*`). */
  readonly path: string;
  /** Serves the route. */
  readonly handler: RouteHandler;
}

/** A named group of routes contributed by one part of the node. */
export interface RouteModule {
  /** Who contributes the routes (for logs). */
  readonly name: string;
  /** Documented routes. A later module's route replaces an earlier one with the same method and path. */
  readonly routes?: readonly ApiRoute[];
  /** Undocumented routes. */
  readonly plain?: readonly PlainRoute[];
}

/** Options of {@linkcode jsonRoute}. */
export interface JsonRouteOptions {
  /** Absolute path, e.g. `/api/v1/health`. */
  readonly path: string;
  /** OpenAPI tag (group), e.g. `Node`. */
  readonly tag: string;
  /** One-line description. */
  readonly summary: string;
  /** Schema of the 200 response. */
  readonly schema: z.ZodType;
  /** Further documented statuses with their descriptions (bodies are `ErrorResponse`). */
  readonly errors?: Readonly<Record<number, string>>;
}

/**
 * Builds a documented GET route answering JSON or YAML (`?output=`).
 *
 * @example
 * ```ts
 * import { jsonRoute } from "./routes.ts";
 * import { formatted } from "./respond.ts";
 * import { Mixnode } from "./models.ts";
 * const route = jsonRoute(
 *   { path: "/api/v1/mixnode", tag: "Mixnode", summary: "Mixnode details", schema: Mixnode },
 *   (c) => formatted(c, {}),
 * );
 * ```
 */
export function jsonRoute(options: JsonRouteOptions, handler: RouteHandler): ApiRoute {
  const responses: RouteConfig["responses"] = {
    200: {
      description: options.summary,
      content: {
        "application/json": { schema: options.schema },
        "application/yaml": { schema: options.schema },
      },
    },
    400: {
      description: "invalid query parameters",
      content: { "application/json": { schema: ErrorResponse } },
    },
  };
  for (const [status, description] of Object.entries(options.errors ?? {})) {
    responses[Number(status)] = {
      description,
      content: { "application/json": { schema: ErrorResponse } },
    };
  }
  const config = createRoute({
    method: "get",
    path: options.path,
    tags: [options.tag],
    summary: options.summary,
    request: { query: OutputQuery },
    responses,
  });
  return { config, handler };
}
