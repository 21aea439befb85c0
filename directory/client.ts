/**
 * A typed client for the nym-api endpoints clients and nodes use (ours or the real one): key
 * rotation, rewarded set, skimmed / semi-skimmed / described node lists. Requests time out,
 * bodies are size-capped, responses are decoded by their `Content-Type` (JSON or bincode, as the
 * Rust client does) and validated; a failing URL fails over to the next one, and the last good
 * URL is tried first next time.
 *
 * @module
 */
import type { z } from "zod";
import {
  decodeResponseBody,
  type ResponseCodec,
  ResponseDecodeError,
  REWARDED_SET_CODEC,
  SEMI_SKIMMED_NODES_CODEC,
  SKIMMED_NODES_CODEC,
} from "./api/codec.ts";
import {
  type CachedNodesResponse,
  DescribedNode,
  KeyRotationInfo,
  type NodesResponseMetadata,
  paginated,
  type PaginatedResponse,
  type RewardedSet,
  type SemiSkimmedNode,
  type SkimmedNode,
} from "./api/models.ts";

/** A nym-api request failed on every URL; `causes` holds one message per URL tried. */
export class NymApiError extends Error {
  override name = "NymApiError";
  /** `url: reason` for every attempt. */
  readonly causes: readonly string[];

  /** Creates the error. */
  constructor(message: string, causes: readonly string[]) {
    super(`${message}: ${causes.join("; ")}`);
    this.causes = causes;
  }
}

/** Options of {@linkcode NymApiClient}. */
export interface NymApiClientOptions {
  /** nym-api base URLs (a base path is kept: `http://h/api/` → `http://h/api/v1/...`). */
  readonly urls: readonly string[];
  /** Per-request timeout including the body, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Largest accepted body, bytes (default 64 MiB). */
  readonly maxResponseBytes?: number;
  /** Ask for bincode node lists (`output=bincode`, smaller); default false (JSON). */
  readonly bincode?: boolean;
  /** Page size for node lists (default: let the server decide). */
  readonly perPage?: number;
  /** HTTP client (default: global fetch). */
  readonly fetch?: typeof fetch;
}

/** A client's view of the network from one refresh (`clients.md` §1.4). */
export interface TopologyResponse {
  readonly metadata: NodesResponseMetadata;
  readonly rewardedSet: RewardedSet;
  readonly mixnodes: readonly SkimmedNode[];
  readonly gateways: readonly SkimmedNode[];
}

const KEY_ROTATION_CODEC: ResponseCodec<KeyRotationInfo> = {
  schema: KeyRotationInfo as unknown as z.ZodType<KeyRotationInfo, unknown>,
};
const DESCRIBED_CODEC: ResponseCodec<PaginatedResponse<DescribedNode>> = {
  schema: paginated(DescribedNode) as unknown as z.ZodType<
    PaginatedResponse<DescribedNode>,
    unknown
  >,
};

/**
 * Whether two responses of one refresh agree (`NodesResponseMetadata::consistency_check`).
 *
 * @example
 * ```ts
 * import { consistentMetadata } from "./client.ts";
 * const m = { status: null, absolute_epoch_id: 1, rotation_id: 0, refreshed_at: "a" };
 * consistentMetadata(m, { ...m, refreshed_at: "b" }); // true
 * ```
 */
export function consistentMetadata(a: NodesResponseMetadata, b: NodesResponseMetadata): boolean {
  return JSON.stringify(a.status) === JSON.stringify(b.status) &&
    a.absolute_epoch_id === b.absolute_epoch_id && a.rotation_id === b.rotation_id;
}

/**
 * The nym-api client.
 *
 * @example
 * ```ts no-eval
 * import { NymApiClient } from "./client.ts";
 * const api = new NymApiClient({ urls: ["http://127.0.0.1:8000/"] });
 * const { rewardedSet, mixnodes } = await api.topology();
 * ```
 */
export class NymApiClient {
  readonly #urls: readonly string[];
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #bincode: boolean;
  readonly #perPage: number | undefined;
  readonly #fetch: typeof fetch;
  #preferred = 0;

  /** Creates a client; at least one URL is required. */
  constructor(options: NymApiClientOptions) {
    if (options.urls.length === 0) throw new RangeError("at least one nym-api URL is required");
    this.#urls = options.urls.map((u) => (u.endsWith("/") ? u : `${u}/`));
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.#bincode = options.bincode ?? false;
    this.#perPage = options.perPage;
    this.#fetch = options.fetch ?? fetch;
  }

  async #once<T>(base: string, path: string, codec: ResponseCodec<T>): Promise<T> {
    const url = new URL(path, base).href;
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(url, {
        signal,
        headers: {
          accept: codec.bincode && this.#bincode ? "application/bincode" : "application/json",
        },
      });
    } catch (error) {
      throw new Error(signal.aborted ? "timed out" : (error as Error).message);
    }
    if (!response.ok) {
      const detail = await response.text().catch(() => "");
      throw new Error(`HTTP ${response.status}${detail ? ` ${detail.slice(0, 200)}` : ""}`);
    }
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > this.#maxBytes) throw new Error(`response exceeds ${this.#maxBytes} bytes`);
        chunks.push(value);
      }
    } catch (error) {
      await reader?.cancel().catch(() => {});
      throw new Error(signal.aborted ? "timed out" : (error as Error).message);
    }
    const body = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    return decodeResponseBody(body, response.headers.get("content-type"), codec);
  }

  /** GETs `path` from the preferred URL, failing over to the others in turn. */
  async #get<T>(path: string, codec: ResponseCodec<T>): Promise<T> {
    const causes: string[] = [];
    for (let i = 0; i < this.#urls.length; i++) {
      const index = (this.#preferred + i) % this.#urls.length;
      const base = this.#urls[index];
      try {
        const value = await this.#once(base, path, codec);
        this.#preferred = index;
        return value;
      } catch (error) {
        const reason = error instanceof ResponseDecodeError
          ? error.message
          : (error as Error).message;
        causes.push(`${new URL(path, base).href}: ${reason}`);
      }
    }
    throw new NymApiError(`GET /${path.split("?")[0]} failed`, causes);
  }

  #listQuery(page: number): string {
    const params = new URLSearchParams({ page: String(page) });
    if (this.#perPage !== undefined) params.set("per_page", String(this.#perPage));
    if (this.#bincode) params.set("output", "bincode");
    return params.toString();
  }

  /** Fetches every page of a node list and checks the pages agree on their metadata. */
  async #allPages<T>(
    path: string,
    codec: ResponseCodec<CachedNodesResponse<T>>,
  ): Promise<CachedNodesResponse<T>> {
    const first = await this.#get(`${path}?${this.#listQuery(0)}`, codec);
    const data = [...first.nodes.data];
    const total = first.nodes.pagination.total;
    for (let page = 1; data.length < total && page < 10_000; page++) {
      const next = await this.#get(`${path}?${this.#listQuery(page)}`, codec);
      if (!consistentMetadata(first.metadata, next.metadata)) {
        throw new NymApiError(`GET /${path} failed`, [`page ${page} is from another epoch`]);
      }
      if (next.nodes.data.length === 0) break;
      data.push(...next.nodes.data);
    }
    return {
      metadata: first.metadata,
      nodes: { pagination: { total, page: 0, size: data.length }, data },
    };
  }

  /** `GET /v1/epoch/key-rotation-info`. */
  keyRotationInfo(): Promise<KeyRotationInfo> {
    return this.#get("v1/epoch/key-rotation-info", KEY_ROTATION_CODEC);
  }

  /** `GET /v1/nym-nodes/rewarded-set`. */
  rewardedSet(): Promise<RewardedSet> {
    return this.#get("v1/nym-nodes/rewarded-set", REWARDED_SET_CODEC);
  }

  /** `GET /v2/unstable/nym-nodes/skimmed/mixnodes/active` (or `/all`), every page. */
  skimmedMixnodes(options: { readonly active?: boolean } = {}): Promise<
    CachedNodesResponse<SkimmedNode>
  > {
    const which = options.active === false ? "all" : "active";
    return this.#allPages(`v2/unstable/nym-nodes/skimmed/mixnodes/${which}`, SKIMMED_NODES_CODEC);
  }

  /** `GET /v2/unstable/nym-nodes/skimmed/entry-gateways`, every page. */
  skimmedEntryGateways(): Promise<CachedNodesResponse<SkimmedNode>> {
    return this.#allPages("v2/unstable/nym-nodes/skimmed/entry-gateways", SKIMMED_NODES_CODEC);
  }

  /** `GET /v2/unstable/nym-nodes/skimmed/exit-gateways`, every page. */
  skimmedExitGateways(): Promise<CachedNodesResponse<SkimmedNode>> {
    return this.#allPages("v2/unstable/nym-nodes/skimmed/exit-gateways", SKIMMED_NODES_CODEC);
  }

  /** `GET /v2/unstable/nym-nodes/skimmed` (every node), every page. */
  skimmedNodes(): Promise<CachedNodesResponse<SkimmedNode>> {
    return this.#allPages("v2/unstable/nym-nodes/skimmed", SKIMMED_NODES_CODEC);
  }

  /** `GET /v2/unstable/nym-nodes/semi-skimmed` (nodes with Noise keys), every page. */
  semiSkimmedNodes(): Promise<CachedNodesResponse<SemiSkimmedNode>> {
    return this.#allPages("v2/unstable/nym-nodes/semi-skimmed", SEMI_SKIMMED_NODES_CODEC);
  }

  /** `GET /v1/nym-nodes/described` (full self-descriptions). */
  async describedNodes(): Promise<readonly DescribedNode[]> {
    return (await this.#get("v1/nym-nodes/described", DESCRIBED_CODEC)).data;
  }

  /**
   * What a client fetches on every topology refresh, concurrently: the rewarded set, the
   * active mix nodes and the entry gateways; throws {@linkcode NymApiError} if the lists
   * disagree on their metadata (a refresh straddling an epoch change).
   */
  async topology(): Promise<TopologyResponse> {
    const [rewardedSet, mixnodes, gateways] = await Promise.all([
      this.rewardedSet(),
      this.skimmedMixnodes(),
      this.skimmedEntryGateways(),
    ]);
    if (!consistentMetadata(mixnodes.metadata, gateways.metadata)) {
      throw new NymApiError("inconsistent topology", [
        `mixnodes are from epoch ${mixnodes.metadata.absolute_epoch_id}/rotation ${mixnodes.metadata.rotation_id}, gateways from ${gateways.metadata.absolute_epoch_id}/${gateways.metadata.rotation_id}`,
      ]);
    }
    return {
      metadata: mixnodes.metadata,
      rewardedSet,
      mixnodes: mixnodes.nodes.data,
      gateways: gateways.nodes.data,
    };
  }
}
