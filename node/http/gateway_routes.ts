/**
 * `GET /api/v1/gateway` and its client-interface sub-routes (`nym-node.md` §2.1). nym-api
 * requires `/gateway/client-interfaces/mixnet-websockets` from every node, mixnodes included
 * (§6.2), so these are served whatever the modes, as the real node does.
 *
 * @module
 */
import type { NodeConfig } from "../../config/schema.ts";
import { parseSocketAddress } from "../../util/net.ts";
import { DEFAULT_CLIENT_WS_PORT } from "../../config/defaults.ts";
import { ClientInterfaces, Gateway, type GatewayData, WebSockets, Wireguard } from "./models.ts";
import { errorResponse, formatted } from "./respond.ts";
import { jsonRoute, type RouteModule } from "./routes.ts";

/**
 * The gateway details of a config: `ws_port` is the announced port or else the bound one.
 * WireGuard is reported only when `wireguardPublicKey` is known.
 *
 * @example
 * ```ts no-eval
 * import { gatewayDetails } from "./gateway_routes.ts";
 * gatewayDetails(config, null).client_interfaces.mixnet_websockets; // { ws_port: 9000, wss_port: null }
 * ```
 */
export function gatewayDetails(
  config: NodeConfig,
  wireguardPublicKey: string | null,
  boundEntryPort?: number,
): GatewayData {
  const tasks = config.gateway_tasks;
  const configured = parseSocketAddress(tasks.ws_bind_address).port;
  const wg = config.wireguard;
  return {
    enforces_zk_nyms: tasks.enforce_zk_nyms,
    client_interfaces: {
      wireguard: wg.enabled && wireguardPublicKey
        ? {
          port: wg.announced_tunnel_port,
          tunnel_port: wg.announced_tunnel_port,
          metadata_port: wg.announced_metadata_port,
          public_key: wireguardPublicKey,
        }
        : null,
      mixnet_websockets: {
        // The announced port, else the port the websocket listener bound, else the configured
        // one (a node without an entry listener binds nothing; 0 would mean "any" there).
        ws_port: tasks.announce_ws_port ?? boundEntryPort ??
          (configured === 0 ? DEFAULT_CLIENT_WS_PORT : configured),
        wss_port: tasks.announce_wss_port,
      },
    },
  };
}

/**
 * Gateway routes for `details`.
 *
 * @example
 * ```ts no-eval
 * import { gatewayDetails, gatewayRoutes } from "./gateway_routes.ts";
 * createHttpApp({ version, modules: [gatewayRoutes(gatewayDetails(config, null))] });
 * ```
 */
export function gatewayRoutes(current: GatewayData | (() => GatewayData)): RouteModule {
  const details = typeof current === "function" ? current : () => current;
  const interfaces = () => details().client_interfaces;
  return {
    name: "gateway",
    routes: [
      jsonRoute(
        { path: "/api/v1/gateway", tag: "Gateway", summary: "Gateway details", schema: Gateway },
        (c) => formatted(c, details()),
      ),
      jsonRoute(
        {
          path: "/api/v1/gateway/client-interfaces",
          tag: "Gateway",
          summary: "Client interfaces",
          schema: ClientInterfaces,
        },
        (c) => formatted(c, interfaces()),
      ),
      jsonRoute(
        {
          path: "/api/v1/gateway/client-interfaces/mixnet-websockets",
          tag: "Gateway",
          summary: "Client WebSocket ports",
          schema: WebSockets,
          errors: { 501: "no websocket interface" },
        },
        (c) => {
          const websockets = interfaces().mixnet_websockets;
          return websockets
            ? formatted(c, websockets)
            : errorResponse(501, "this node has no mixnet websocket interface");
        },
      ),
      jsonRoute(
        {
          path: "/api/v1/gateway/client-interfaces/wireguard",
          tag: "Gateway",
          summary: "WireGuard interface",
          schema: Wireguard,
          errors: { 501: "wireguard is not enabled" },
        },
        (c) => {
          const wireguard = interfaces().wireguard;
          return wireguard
            ? formatted(c, wireguard)
            : errorResponse(501, "wireguard is not enabled on this node");
        },
      ),
    ],
  };
}
