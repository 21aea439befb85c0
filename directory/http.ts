/**
 * The directory's HTTP API: the nym-api subset clients and nodes use (`nym-node.md` §6.4–6.5,
 * `/work/notes/wasm-client.md` §2), with nym-api's paths, query parameters and bodies, plus the
 * status page. Every node list accepts `?output=json|yaml|bincode` (bincode: nym-api's
 * little-endian varint bincode v1); errors are `{"message": ...}`. CORS is open, as nym-api's,
 * so browser clients can use it.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { z } from "zod";
import { getLogger } from "@logtape/logtape";
import { decodeBase58 } from "../crypto/base58.ts";
import { ed25519Verify } from "../crypto/ed25519.ts";
import type { Clock } from "../util/clock.ts";
import { toYaml } from "../util/yaml.ts";
import {
  BINCODE_CONTENT_TYPE,
  encodeRewardedSetBincode,
  encodeSemiSkimmedNodesBincode,
  encodeSkimmedNodesBincode,
} from "./api/codec.ts";
import { type CachedNodesResponse, NodeRefreshBody, type SkimmedNode } from "./api/models.ts";
import type { Directory } from "./directory.ts";
import { keyRotationInfo } from "./epoch.ts";
import { directoryStatus } from "./status.ts";
import { STATUS_PAGE_HTML } from "./status_page.ts";
import { type NodeSelection, paginate, selectNodes, type TopologySnapshot } from "./topology.ts";

const log = getLogger(["nym-node", "directory", "http"]);

/** How long a refresh request's timestamp stays valid (nym-api: 30 s). */
export const REFRESH_REQUEST_VALIDITY_MS = 30_000;
/** At most one forced refresh per node per this interval (nym-api: 1 min). */
export const REFRESH_MIN_INTERVAL_MS = 60_000;
const REFRESH_PLAINTEXT_SUFFIX = new TextEncoder().encode("describe-cache-refresh-request");
const MAX_REQUEST_BODY = 4096;

/** Options of {@linkcode createDirectoryApp}. */
export interface DirectoryAppOptions {
  readonly directory: Directory;
  readonly clock: Clock;
}

function errorResponse(status: number, message: string): Response {
  return new Response(JSON.stringify({ message }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

const u32 = z.coerce.number().int().min(0).max(0xffff_ffff);
const NodesQuery = z.object({
  page: u32.optional(),
  per_page: z.coerce.number().int().min(1).max(100_000).optional(),
  epoch_id: u32.optional(),
  no_legacy: z.enum(["true", "false"]).optional(),
  semver_compatibility: z.string().optional(),
  output: z.enum(["json", "yaml", "bincode"]).optional(),
  role: z.enum(["active-mixnode", "entry-gateway", "entry", "gateway", "exit-gateway", "exit"])
    .optional(),
});
type NodesQuery = z.output<typeof NodesQuery>;

function parseQuery(c: Context): NodesQuery | Response {
  const result = NodesQuery.safeParse(c.req.query());
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return errorResponse(400, `invalid query parameter ${issue.path.join(".")}: ${issue.message}`);
}

function respond(
  output: string | undefined,
  value: unknown,
  bincode?: () => Uint8Array,
): Response {
  if (output === "yaml") {
    return new Response(toYaml(value), { headers: { "content-type": "application/yaml" } });
  }
  if (output === "bincode") {
    if (!bincode) return errorResponse(400, "this resource has no bincode form; use output=json");
    return new Response(bincode() as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": BINCODE_CONTENT_TYPE },
    });
  }
  return new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });
}

function nodeList<T>(
  snapshot: TopologySnapshot,
  query: NodesQuery,
  selection: NodeSelection,
  pick: (node: TopologySnapshot["nodes"][number]) => T,
  honourEpochId: boolean,
): CachedNodesResponse<T> {
  if (honourEpochId && query.epoch_id !== undefined && query.epoch_id === snapshot.epoch.epochId) {
    // The client already has this epoch's topology (nym-api's `no-updates` answer).
    return {
      metadata: { ...snapshot.metadata, status: "no-updates" },
      nodes: { pagination: { total: 0, page: 0, size: 0 }, data: [] },
    };
  }
  const items = selectNodes(snapshot, selection).map(pick);
  return {
    metadata: snapshot.metadata,
    nodes: paginate(items, query.page ?? 0, query.per_page ?? null),
  };
}

function selectionForRole(role: NodesQuery["role"]): NodeSelection {
  switch (role) {
    case "active-mixnode":
      return "mixnodes-active";
    case "entry-gateway":
    case "entry":
    case "gateway":
      return "entry-gateways";
    case "exit-gateway":
    case "exit":
      return "exit-gateways";
    default:
      return "all";
  }
}

/**
 * Builds the directory's Hono app.
 *
 * @example
 * ```ts no-eval
 * import { createDirectoryApp } from "./http.ts";
 * const app = createDirectoryApp({ directory, clock: systemClock });
 * await app.request("/v1/nym-nodes/rewarded-set");
 * ```
 */
export function createDirectoryApp(options: DirectoryAppOptions): Hono {
  const { directory, clock } = options;
  const lastForcedRefresh = new Map<number, number>();
  const app = new Hono();
  app.use("*", cors({ origin: "*", allowMethods: ["GET", "POST", "OPTIONS"] }));
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    log.debug("{method} {path} -> {status} in {ms} ms", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });

  app.get("/", (c) => c.html(STATUS_PAGE_HTML));
  app.get(
    "/v1/directory/status",
    () => respond("json", directoryStatus(directory.snapshot(), directory.overview())),
  );
  app.get("/v1/api-status/health", () =>
    respond("json", {
      status: "up",
      uptime: Math.floor((clock.now() - directory.startedAtMs) / 1000),
    }));

  app.get(
    "/v1/epoch/key-rotation-info",
    (c) => respond(c.req.query("output"), keyRotationInfo(directory.schedule, clock.now())),
  );

  app.get("/v1/nym-nodes/rewarded-set", (c) => {
    const set = directory.snapshot().rewardedSet;
    return respond(c.req.query("output"), set, () => encodeRewardedSetBincode(set));
  });

  app.get("/v1/nym-nodes/described", (c) => {
    const query = parseQuery(c);
    if (query instanceof Response) return query;
    const items = directory.snapshot().nodes.map((n) => n.described);
    return respond(query.output, paginate(items, query.page ?? 0, query.per_page ?? null));
  });

  app.get("/v1/nym-nodes/noise", (c) => {
    const query = parseQuery(c);
    if (query instanceof Response) return query;
    const items = directory.snapshot().nodes.flatMap((n) => {
      const key = n.semiSkimmed.x25519_noise_versioned_key;
      return key
        ? [{ key, mixnet_port: n.skimmed.mix_port, ip_addresses: n.skimmed.ip_addresses }]
        : [];
    });
    return respond(query.output, paginate(items, query.page ?? 0, query.per_page ?? null));
  });

  app.post("/v1/nym-nodes/refresh-described", async (c) => {
    const text = await c.req.text().catch(() => "");
    if (text.length > MAX_REQUEST_BODY) return errorResponse(413, "request body too large");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return errorResponse(400, "the request body is not JSON");
    }
    const parsed = NodeRefreshBody.safeParse(json);
    if (!parsed.success) return errorResponse(422, "the request body is not a NodeRefreshBody");
    const body = parsed.data;
    const record = directory.findByIdentity(body.node_identity);
    if (!record) {
      return errorResponse(404, `node with identity ${body.node_identity} does not seem to exist`);
    }
    const identity = decodeBase58(body.node_identity, 32);
    const signature = typeof body.signature === "string"
      ? decodeBase58(body.signature, 64)
      : Uint8Array.from(body.signature);
    const timestamp = new Uint8Array(8);
    new DataView(timestamp.buffer).setBigInt64(0, BigInt(body.request_timestamp));
    const plaintext = new Uint8Array([...identity, ...timestamp, ...REFRESH_PLAINTEXT_SUFFIX]);
    if (!ed25519Verify(identity, plaintext, signature)) {
      return errorResponse(401, "invalid request signature");
    }
    const now = clock.now();
    const stamped = body.request_timestamp * 1000;
    if (stamped > now || stamped + REFRESH_REQUEST_VALIDITY_MS < now) {
      return errorResponse(400, "the request is stale");
    }
    const nodeId = record.registration.nodeId;
    const last = lastForcedRefresh.get(nodeId);
    if (last !== undefined && now - last < REFRESH_MIN_INTERVAL_MS) {
      return errorResponse(429, "already refreshed node in the last minute");
    }
    lastForcedRefresh.set(nodeId, now);
    const after = await directory.refresh(body.node_identity);
    if (!after || after.status !== "up") {
      return errorResponse(422, "failed to refresh node description");
    }
    return respond("json", null);
  });

  const skimmed = (selection: NodeSelection | null, honourEpochId: boolean) => (c: Context) => {
    const query = parseQuery(c);
    if (query instanceof Response) return query;
    const list = nodeList(
      directory.snapshot(),
      query,
      selection ?? selectionForRole(query.role),
      (n): SkimmedNode => n.skimmed,
      honourEpochId,
    );
    return respond(query.output, list, () => encodeSkimmedNodesBincode(list));
  };
  const base = "/v2/unstable/nym-nodes/skimmed";
  app.get(base, skimmed(null, false));
  app.get(`${base}/mixnodes/active`, skimmed("mixnodes-active", true));
  app.get(`${base}/mixnodes/all`, skimmed("mixnodes-all", true));
  app.get(`${base}/entry-gateways`, skimmed("entry-gateways", true));
  app.get(`${base}/exit-gateways`, skimmed("exit-gateways", true));

  app.get("/v2/unstable/nym-nodes/semi-skimmed", (c) => {
    const query = parseQuery(c);
    if (query instanceof Response) return query;
    const list = nodeList(directory.snapshot(), query, "all", (n) => n.semiSkimmed, false);
    return respond(query.output, list, () => encodeSemiSkimmedNodesBincode(list));
  });

  app.notFound((c) => errorResponse(404, `no such route: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    log.error("{method} {path} failed: {error}", {
      method: c.req.method,
      path: c.req.path,
      error: error.stack ?? String(error),
    });
    return errorResponse(500, "internal server error");
  });
  return app;
}
