/**
 * Asks nym-api for the current sphinx key-rotation id (`GET /v1/epoch/key-rotation-info`,
 * `nym-node.md` §6.5), which tags the first sphinx key a new node creates.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";

/** The fetch function used for nym-api requests (injectable for tests). */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** Options of {@linkcode fetchCurrentRotationId}. */
export interface RotationQueryOptions {
  /** nym-api base URLs, tried in order. */
  readonly urls: readonly string[];
  /** Per-request timeout (default 5 s, as the real node). */
  readonly timeoutMs?: number;
  /** The HTTP client (default: global `fetch`). */
  readonly fetch?: FetchFunction;
}

/** A rotation id and the nym-api that reported it. */
export interface RotationAnswer {
  readonly rotationId: number;
  readonly source: string;
}

/** Thrown when a nym-api answer is not a valid key-rotation-info document. */
export class InvalidRotationInfoError extends Error {
  override name = "InvalidRotationInfoError";
}

/**
 * Extracts `progress.current_key_rotation_id` from a key-rotation-info document.
 *
 * @example
 * ```ts
 * import { parseKeyRotationInfo } from "./rotation.ts";
 * parseKeyRotationInfo({ progress: { current_key_rotation_id: 12 } }); // 12
 * ```
 */
export function parseKeyRotationInfo(body: unknown): number {
  const progress = (body as { progress?: unknown } | null)?.progress;
  const id = (progress as { current_key_rotation_id?: unknown } | null | undefined)
    ?.current_key_rotation_id;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 0xffff_ffff) {
    throw new InvalidRotationInfoError("missing or invalid progress.current_key_rotation_id");
  }
  return id;
}

/**
 * Joins a nym-api base URL and an API path (`https://x/api/` + `v1/a` → `https://x/api/v1/a`).
 *
 * @example
 * ```ts
 * import { nymApiEndpoint } from "./rotation.ts";
 * nymApiEndpoint("http://127.0.0.1:8000", "v1/epoch/key-rotation-info");
 * // "http://127.0.0.1:8000/v1/epoch/key-rotation-info"
 * ```
 */
export function nymApiEndpoint(base: string, path: string): string {
  const withSlash = base.endsWith("/") ? base : `${base}/`;
  return new URL(path.replace(/^\//, ""), withSlash).href;
}

/**
 * Queries each nym-api in turn and returns the first valid answer, or `null` if none answers
 * (every failure is logged).
 *
 * @example
 * ```ts no-eval
 * import { fetchCurrentRotationId } from "./rotation.ts";
 * const answer = await fetchCurrentRotationId({ urls: ["http://127.0.0.1:8000/"] });
 * const rotationId = answer?.rotationId ?? 0;
 * ```
 */
export async function fetchCurrentRotationId(
  options: RotationQueryOptions,
): Promise<RotationAnswer | null> {
  const logger = getLogger(["nym-node", "rotation"]);
  const doFetch = options.fetch ?? fetch;
  for (const base of options.urls) {
    const endpoint = nymApiEndpoint(base, "v1/epoch/key-rotation-info");
    try {
      const response = await doFetch(endpoint, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        headers: { accept: "application/json" },
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      const rotationId = parseKeyRotationInfo(await response.json());
      logger.debug("nym-api {endpoint} reports key rotation {rotationId}", {
        endpoint,
        rotationId,
      });
      return { rotationId, source: base };
    } catch (error) {
      logger.warn("could not get the key rotation id from {endpoint}: {error}", {
        endpoint,
        error: (error as Error).message,
      });
    }
  }
  return null;
}
