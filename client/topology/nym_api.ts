/**
 * The client's access to nym-api: a thin adapter over `directory/`'s {@linkcode DirectoryApi}
 * (validated JSON/bincode decoding, pagination, metadata consistency, failover) that turns its
 * responses into the client's {@linkcode NymTopology} and gateway candidates, adds cancellation
 * for when the client stops, and reports failures as the client's typed {@linkcode NymApiError}.
 * Browser-safe (the directory client uses only `fetch`, zod and base58).
 *
 * @module
 */
import {
  NymApiClient as DirectoryApi,
  NymApiError as DirectoryApiError,
} from "../../directory/client.ts";
import { NymApiError } from "../errors.ts";
import {
  type KeyRotationInfo,
  type NodesMetadata,
  NymApiFormatError,
  parseKeyRotationInfo,
  parseRewardedSet,
  parseSkimmedNode,
  type SkimmedNode,
} from "./models.ts";
import { NymTopology } from "./topology.ts";

/** The `fetch` signature used (global `fetch` fits). */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** Options of {@linkcode NymApiClient}. */
export interface NymApiClientOptions {
  /** Base URLs, tried in order (paths are appended to each URL's path). */
  readonly urls: readonly string[];
  readonly fetch?: FetchFunction;
  /** Per-request timeout. Default 5 s. */
  readonly timeoutMs?: number;
  /** Aborts every request (e.g. when the client stops). */
  readonly signal?: AbortSignal;
}

function convertNodes(nodes: readonly unknown[]): SkimmedNode[] {
  const out: SkimmedNode[] = [];
  for (const node of nodes) {
    try {
      out.push(parseSkimmedNode(node));
    } catch (e) {
      // Validated by the directory client; a node without an IP is still unusable here.
      if (!(e instanceof NymApiFormatError)) throw e;
    }
  }
  return out;
}

function convertMetadata(m: {
  status: unknown;
  absolute_epoch_id: number;
  rotation_id: number;
}): NodesMetadata {
  return {
    status: JSON.stringify(m.status ?? null),
    absoluteEpochId: m.absolute_epoch_id,
    rotationId: m.rotation_id,
  };
}

/**
 * Reads the directory for the client.
 *
 * @example
 * ```ts no-eval
 * const api = new NymApiClient({ urls: ["http://127.0.0.1:8000/"] });
 * const topology = await api.fetchTopology(50, 50);
 * ```
 */
export class NymApiClient {
  readonly #api: DirectoryApi;
  readonly #urls: readonly string[];

  /**
   * @throws {NymApiError} when no URL is given or one does not parse.
   */
  constructor(options: NymApiClientOptions) {
    if (options.urls.length === 0) throw new NymApiError("(none)", "no nym-api URL configured");
    for (const url of options.urls) {
      try {
        new URL(url);
      } catch {
        throw new NymApiError(url, "not a valid URL");
      }
    }
    this.#urls = [...options.urls];
    const base: FetchFunction = options.fetch ?? ((input, init) => fetch(input, init));
    const signal = options.signal;
    const wrapped = (input: string | URL | Request, init?: RequestInit) =>
      base(
        String(input instanceof Request ? input.url : input),
        signal === undefined ? init : {
          ...init,
          signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
        },
      );
    this.#api = new DirectoryApi({
      urls: options.urls,
      timeoutMs: options.timeoutMs ?? 5000,
      fetch: wrapped as typeof fetch,
    });
  }

  /** The URLs in use. */
  get urls(): readonly string[] {
    return this.#urls;
  }

  async #call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof DirectoryApiError || e instanceof NymApiFormatError) {
        throw new NymApiError(this.#urls.join(", "), `${what}: ${e.message}`, { cause: e });
      }
      throw new NymApiError(this.#urls.join(", "), `${what}: ${(e as Error)?.message ?? e}`, {
        cause: e,
      });
    }
  }

  /**
   * The skimmed entry gateways (all pages) that have usable routing details.
   *
   * @example
   * ```ts no-eval
   * (await api.entryGateways()).nodes.length;
   * ```
   * @throws {NymApiError} when every URL fails.
   */
  entryGateways(): Promise<{ nodes: SkimmedNode[]; metadata: NodesMetadata }> {
    return this.#call("entry gateways", async () => {
      const response = await this.#api.skimmedEntryGateways();
      return {
        nodes: convertNodes(response.nodes.data),
        metadata: convertMetadata(response.metadata),
      };
    });
  }

  /**
   * Key-rotation info.
   *
   * @example
   * ```ts no-eval
   * (await api.keyRotationInfo()).epochDurationMs;
   * ```
   * @throws {NymApiError} when every URL fails.
   */
  keyRotationInfo(): Promise<KeyRotationInfo> {
    return this.#call(
      "key rotation info",
      async () => parseKeyRotationInfo(await this.#api.keyRotationInfo()),
    );
  }

  /**
   * Fetches the rewarded set and both node lists of one refresh (their metadata must agree) and
   * builds a {@linkcode NymTopology}.
   *
   * @example
   * ```ts no-eval
   * const topology = await api.fetchTopology(50, 50);
   * ```
   * @throws {NymApiError} when every URL fails or the lists disagree.
   */
  fetchTopology(
    minimumMixnodePerformance: number,
    minimumGatewayPerformance: number,
  ): Promise<NymTopology> {
    return this.#call("topology", async () => {
      const response = await this.#api.topology();
      return NymTopology.build({
        rewardedSet: parseRewardedSet(response.rewardedSet),
        mixnodes: convertNodes(response.mixnodes),
        gateways: convertNodes(response.gateways),
        metadata: convertMetadata(response.metadata),
        minimumMixnodePerformance,
        minimumGatewayPerformance,
      });
    });
  }
}
