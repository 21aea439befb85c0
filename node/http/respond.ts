/**
 * Response helpers shared by every route: `?output=json|yaml` negotiation (`nym-node.md` §2)
 * and `{"message": ...}` error bodies.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { toYaml } from "../../util/yaml.ts";

/** The `output` query parameter every JSON route accepts. */
export const OutputQuery = z.object({
  output: z.enum(["json", "yaml", "bincode"]).optional().openapi({
    param: { name: "output", in: "query" },
    description: "response format (bincode is not supported by this implementation)",
  }),
});

/**
 * A JSON error response `{"message": message}`.
 *
 * @example
 * ```ts
 * import { errorResponse } from "./respond.ts";
 * errorResponse(403, "forbidden").status; // 403
 * ```
 */
export function errorResponse(status: number, message: string): Response {
  return new Response(JSON.stringify({ message }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/**
 * Responds with `data` as JSON (default) or YAML per `?output=`. `json` overrides the JSON
 * text (for signed documents, whose exact bytes matter).
 *
 * @example
 * ```ts no-eval
 * import { formatted } from "./respond.ts";
 * app.get("/x", (c) => formatted(c, { status: "up" }));
 * ```
 */
export function formatted(
  c: Context,
  data: unknown,
  options: { status?: number; json?: string } = {},
): Response {
  const status = options.status ?? 200;
  const output = c.req.query("output") ?? "json";
  if (output === "yaml") {
    return new Response(toYaml(data), { status, headers: { "content-type": "application/yaml" } });
  }
  if (output === "bincode") {
    return errorResponse(
      501,
      "bincode output is not supported by this node; use output=json or output=yaml",
    );
  }
  return new Response(options.json ?? JSON.stringify(data), {
    status,
    headers: { "content-type": "application/json" },
  });
}
