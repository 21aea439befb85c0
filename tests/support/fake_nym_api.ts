/**
 * Test and benchmark support: the two nym-api answers a lone node process needs on loopback —
 * the key-rotation state (asked at start-up) and the semi-skimmed node list that becomes its
 * topology (`mixing/topology.ts`: a node forwards only to addresses listed there, `nym-node.md`
 * §3.4). Everything else is 404.
 *
 * @module
 */

/** A node the fake nym-api lists (all on 127.0.0.1). */
export interface FakeApiNode {
  /** The node's mixnet port. */
  readonly mixPort: number;
  /** base58 x25519 Noise key, or absent for plain TCP. */
  readonly noiseKey?: string;
}

/** A running fake nym-api. */
export interface FakeNymApi extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves a fake nym-api on an ephemeral loopback port that lists `nodes()` (called per request,
 * so the list may change while it runs).
 *
 * @example
 * ```ts no-eval
 * import { serveFakeNymApi } from "./fake_nym_api.ts";
 * await using api = serveFakeNymApi(() => [{ mixPort: sinkPort }]);
 * // start a node with --nym-api-urls api.url
 * ```
 */
export function serveFakeNymApi(nodes: () => readonly FakeApiNode[]): FakeNymApi {
  const startedAt = Date.now();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/v1/epoch/key-rotation-info") {
      // Rotation 1 (epoch 24 of 24-epoch rotations), an hour-long epoch that began now: no
      // key rotation happens while a test or benchmark runs.
      return Response.json({
        key_rotation_state: { validity_epochs: 24, initial_epoch_id: 0 },
        progress: { current_key_rotation_id: 1 },
        current_absolute_epoch_id: 24,
        current_epoch_start: new Date(startedAt).toISOString(),
        epoch_duration: { secs: 3600, nanos: 0 },
      });
    }
    if (path === "/v2/unstable/nym-nodes/semi-skimmed") {
      const listed = nodes();
      return Response.json({
        nodes: {
          pagination: { total: listed.length, page: 0, size: listed.length },
          data: listed.map((n, i) => ({
            basic: { node_id: i + 1, ip_addresses: ["127.0.0.1"], mix_port: n.mixPort },
            x25519_noise_versioned_key: n.noiseKey
              ? { supported_version: 1, x25519_pubkey: n.noiseKey }
              : null,
          })),
        },
      });
    }
    return new Response("not found", { status: 404 });
  });
  const close = () => server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
