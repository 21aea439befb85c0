/**
 * The exit gateway's embedded network requester (`nym-node.md` §5): exit policies (parsing,
 * matching, the default policy, loading and reloading), the network requester itself, and the
 * {@linkcode ExitService} role that runs it as a client of this node's own gateway. The SOCKS5
 * wire format it speaks is in `message/socks5/`.
 *
 * @example
 * ```ts no-eval
 * import { ExitService } from "./mod.ts";
 * const roles = [mixnet, gateway, new ExitService({ gateway })];
 * ```
 *
 * @module
 */
export * from "./policy.ts";
export * from "./exit_decision.ts";
export * from "./policy_source.ts";
export * from "./network_requester.ts";
export * from "./dialer.ts";
export * from "./storage.ts";
export * from "./service.ts";
