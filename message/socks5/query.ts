/**
 * SOCKS5 query requests and responses (`nym-node.md` §5.2, upstream
 * `common/socks5/requests/src/{request,response}.rs` `QueryRequest`/`QueryResponse`): serde enums
 * in bincode (big-endian, varint). The exit policy travels as upstream's `AddressPolicy` serde
 * shape: a list of rules `{action, pattern: {ip_pattern: String, ports: {start: u16, end: u16}}}`.
 *
 * @module
 */
import { BincodeReader, BincodeWriter } from "./bincode.ts";
import { BincodeError } from "./errors.ts";

/** What a client may ask the network requester. */
export type QueryRequest = "open-proxy" | "description" | "exit-policy";

/** Action of an exit-policy rule, in upstream's variant order. */
export type PolicyAction = "accept" | "reject" | "accept6" | "reject6";

/** One exit-policy rule as serialised (the IP pattern stays in its text form, e.g. `10.0.0.0/8`). */
export interface WirePolicyRule {
  readonly action: PolicyAction;
  /** `*`, `*4`, `*6`, `a.b.c.d/m` or `ipv6/m` (upstream serialises `IpPattern` as its Display). */
  readonly ipPattern: string;
  /** Inclusive port range; `{start: 0, end: 0}` is upstream's "portless" `:0` rule. */
  readonly ports: { readonly start: number; readonly end: number };
}

/** The answer to a query. */
export type QueryResponse =
  | { readonly kind: "open-proxy"; readonly open: boolean }
  | { readonly kind: "description"; readonly description: string }
  | {
    readonly kind: "exit-policy";
    readonly enabled: boolean;
    readonly upstream: string;
    readonly policy: readonly WirePolicyRule[] | null;
  }
  | { readonly kind: "error"; readonly message: string };

const QUERIES: readonly QueryRequest[] = ["open-proxy", "description", "exit-policy"];
const ACTIONS: readonly PolicyAction[] = ["accept", "reject", "accept6", "reject6"];

/**
 * Encodes a query request (its bincode variant index).
 *
 * @example
 * ```ts
 * import { encodeQueryRequest } from "./query.ts";
 * encodeQueryRequest("exit-policy"); // Uint8Array [2]
 * ```
 */
export function encodeQueryRequest(query: QueryRequest): Uint8Array {
  return new BincodeWriter().variant(QUERIES.indexOf(query)).bytes();
}

/**
 * Decodes a query request.
 *
 * @example
 * ```ts
 * import { decodeQueryRequest } from "./query.ts";
 * decodeQueryRequest(new Uint8Array([0])); // "open-proxy"
 * ```
 * @throws {BincodeError} for an unknown variant or trailing bytes.
 */
export function decodeQueryRequest(bytes: Uint8Array): QueryRequest {
  const reader = new BincodeReader(bytes);
  const index = reader.variant();
  reader.finish();
  const query = QUERIES[index];
  if (query === undefined) throw unknownVariant(index);
  return query;
}

function unknownVariant(index: number): BincodeError {
  return new BincodeError(`unknown variant index ${index}`);
}

/**
 * Encodes a query response in bincode.
 *
 * @example
 * ```ts
 * import { encodeQueryResponse } from "./query.ts";
 * encodeQueryResponse({ kind: "open-proxy", open: true }); // Uint8Array [0, 1]
 * ```
 */
export function encodeQueryResponse(response: QueryResponse): Uint8Array {
  const w = new BincodeWriter();
  switch (response.kind) {
    case "open-proxy":
      w.variant(0).bool(response.open);
      break;
    case "description":
      w.variant(1).string(response.description);
      break;
    case "exit-policy":
      w.variant(2).bool(response.enabled).string(response.upstream);
      w.optionTag(response.policy !== null);
      if (response.policy !== null) {
        w.varint(response.policy.length);
        for (const rule of response.policy) {
          w.variant(ACTIONS.indexOf(rule.action)).string(rule.ipPattern);
          w.varint(rule.ports.start).varint(rule.ports.end);
        }
      }
      break;
    case "error":
      w.variant(3).string(response.message);
      break;
  }
  return w.bytes();
}

/**
 * Decodes a query response.
 *
 * @example
 * ```ts
 * import { decodeQueryResponse } from "./query.ts";
 * decodeQueryResponse(new Uint8Array([1, 3, 102, 111, 111])); // { kind: "description", description: "foo" }
 * ```
 * @throws {BincodeError} for malformed bincode.
 */
export function decodeQueryResponse(bytes: Uint8Array): QueryResponse {
  const r = new BincodeReader(bytes);
  let out: QueryResponse;
  const index = r.variant();
  switch (index) {
    case 0:
      out = { kind: "open-proxy", open: r.bool() };
      break;
    case 1:
      out = { kind: "description", description: r.string() };
      break;
    case 2: {
      const enabled = r.bool();
      const upstream = r.string();
      let policy: WirePolicyRule[] | null = null;
      if (r.optionTag()) {
        const count = r.length(); // each rule takes ≥ 4 bytes, so this bound is generous
        policy = [];
        for (let i = 0; i < count; i++) {
          const actionIndex = r.variant();
          const action = ACTIONS[actionIndex];
          if (action === undefined) throw unknownVariant(actionIndex);
          const ipPattern = r.string();
          const start = r.varintNumber(0xffff);
          const end = r.varintNumber(0xffff);
          policy.push({ action, ipPattern, ports: { start, end } });
        }
      }
      out = { kind: "exit-policy", enabled, upstream, policy };
      break;
    }
    case 3:
      out = { kind: "error", message: r.string() };
      break;
    default:
      throw unknownVariant(index);
  }
  r.finish();
  return out;
}
