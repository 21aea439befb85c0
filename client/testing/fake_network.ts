/**
 * Test support: an in-process stand-in for a small Nym network, on loopback only. It serves the
 * nym-api endpoints clients read (JSON) and runs gateways that speak the real client↔gateway
 * protocol (`gateway/protocol/`: handshake, `authenticateV2`, encrypted binary frames), so both
 * our client and the real wasm client can use it. Mix nodes are simulated: the network holds
 * every node's Sphinx key, peels each hop with `sphinx/`, honours the per-hop delays if asked,
 * and delivers final hops (messages and SURB-acks) to the recipient's gateway session, exactly
 * as an egress gateway does (`wire-format.md` §7.3). Nodes can be "killed" to drop every packet
 * routed through them.
 *
 * It does not replace the localnet of real node processes; it makes the client's own behaviour
 * testable in milliseconds and deterministic.
 *
 * @module
 */
import { encodeBase58 } from "../../crypto/base58.ts";
import { toHex } from "../../crypto/bytes.ts";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { type RandomSource, systemRandom } from "../../crypto/random.ts";
import { systemClock } from "../../util/clock.ts";
import {
  decodeRoutingAddress,
  type NymNodeRoutingAddress,
  packetSizeFromLength,
  PacketType,
  routingAddressToString,
} from "../../framing/mod.ts";
import { processSphinxPacket, recoverPlaintext } from "../../sphinx/mod.ts";
import { splitFinalHopPayload } from "../../message/mod.ts";
import {
  authenticateResponse,
  bandwidthResponse,
  decodeClientBinaryRequest,
  encodePushedMixMessage,
  errorResponse,
  GatewayHandshake,
  parseClientControlRequest,
  registerResponse,
  sendResponse,
  serializeServerResponse,
  supportedProtocolResponse,
  verifyAuthenticateV2,
} from "../../gateway/protocol/mod.ts";

/** A simulated node. */
export interface FakeNode {
  readonly nodeId: number;
  readonly identity: Ed25519KeyPair;
  readonly identityText: string;
  readonly sphinxSecret: Uint8Array;
  readonly sphinxPublic: Uint8Array;
  /** Its (never contacted) mixnet address, used as the Sphinx routing label. */
  readonly address: NymNodeRoutingAddress;
  /** Mix layer 1..3, or 0 for a gateway. */
  readonly layer: number;
}

/** A gateway with its WebSocket listener. */
export interface FakeGateway extends FakeNode {
  /** `ws://127.0.0.1:<port>/`. */
  readonly wsUrl: string;
  readonly wsPort: number;
}

/** Options of {@linkcode FakeNetwork.start}. */
export interface FakeNetworkOptions {
  readonly crypto: CryptoProvider;
  readonly random?: RandomSource;
  /** Mix nodes per layer. Default 2. */
  readonly mixesPerLayer?: number;
  /** Gateways. Default 1. */
  readonly gateways?: number;
  /** Wait the per-hop delays the packets carry. Default false (deliver at once). */
  readonly honourDelays?: boolean;
  /** Key-rotation id announced. Default 4. */
  readonly rotationId?: number;
  /** `protocol_version` put in register/authenticate replies; default: echo the client. */
  readonly gatewayProtocolVersion?: number;
}

/** Counters of what the simulated network did. */
export interface FakeNetworkCounters {
  /** Frames received from clients. */
  framesFromClients: number;
  /** Hops processed. */
  hops: number;
  /** Packets dropped at killed nodes. */
  droppedAtKilledNodes: number;
  /** Messages and acks pushed to clients. */
  delivered: number;
  /** Packets that failed Sphinx processing or routing. */
  errors: number;
  /** Deliveries stored because the client was offline. */
  stored: number;
  /** Completed registration handshakes. */
  registrations: number;
  /** Accepted `authenticateV2` requests. */
  authentications: number;
}

interface Session {
  readonly socket: WebSocket;
  readonly sharedKey: Uint8Array;
}

const ENC = new TextEncoder();

function nodeAddressKey(address: NymNodeRoutingAddress): string {
  return routingAddressToString(address);
}

/**
 * A simulated network.
 *
 * @example
 * ```ts no-eval
 * const net = await FakeNetwork.start({ crypto: createCryptoProvider() });
 * try {
 *   const client = await MixnetClient.start({ nymApiUrls: [net.nymApiUrl], crypto, config: noCoverOverrides() });
 * } finally {
 *   await net.stop();
 * }
 * ```
 */
export class FakeNetwork {
  readonly nodes: readonly FakeNode[];
  readonly gateways: readonly FakeGateway[];
  readonly counters: FakeNetworkCounters = {
    framesFromClients: 0,
    hops: 0,
    droppedAtKilledNodes: 0,
    delivered: 0,
    errors: 0,
    stored: 0,
    registrations: 0,
    authentications: 0,
  };
  /** Every final-hop Sphinx version seen (258/259), for wire checks. */
  readonly versionsSeen = new Map<number, number>();
  readonly #crypto: CryptoProvider;
  readonly #random: RandomSource;
  readonly #honourDelays: boolean;
  readonly #rotationId: number;
  readonly #gatewayVersion: number | undefined;
  readonly #byAddress = new Map<string, FakeNode>();
  readonly #killed = new Set<string>();
  readonly #registered = new Map<string, Uint8Array>();
  readonly #lastAuth = new Map<string, number>();
  readonly #sessions = new Map<string, Session>();
  readonly #mailbox = new Map<string, Uint8Array[]>();
  readonly #servers: Deno.HttpServer<Deno.NetAddr>[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #sockets = new Set<WebSocket>();
  #api: Deno.HttpServer<Deno.NetAddr> | undefined;
  #stopped = false;

  private constructor(options: FakeNetworkOptions, nodes: FakeNode[], gateways: FakeGateway[]) {
    this.#crypto = options.crypto;
    this.#random = options.random ?? systemRandom;
    this.#honourDelays = options.honourDelays ?? false;
    this.#rotationId = options.rotationId ?? 4;
    this.#gatewayVersion = options.gatewayProtocolVersion;
    this.nodes = nodes;
    this.gateways = gateways;
    for (const n of [...nodes, ...gateways]) this.#byAddress.set(nodeAddressKey(n.address), n);
  }

  /** Starts nym-api and the gateways on ephemeral loopback ports. */
  static start(options: FakeNetworkOptions): Promise<FakeNetwork> {
    const random = options.random ?? systemRandom;
    const perLayer = options.mixesPerLayer ?? 2;
    const makeNode = (nodeId: number, layer: number, octet: number): FakeNode => {
      const identity = generateEd25519KeyPair(random);
      const sphinxSecret = random(32);
      return {
        nodeId,
        identity,
        identityText: encodeBase58(identity.publicKey),
        sphinxSecret,
        sphinxPublic: options.crypto.x25519Base(sphinxSecret),
        address: { ip: `127.0.${layer}.${octet}`, port: 1789 },
        layer,
      };
    };
    const nodes: FakeNode[] = [];
    for (let layer = 1; layer <= 3; layer++) {
      for (let i = 0; i < perLayer; i++) nodes.push(makeNode(layer * 10 + i, layer, 10 + i));
    }
    const pending: FakeNode[] = [];
    for (let i = 0; i < (options.gateways ?? 1); i++) pending.push(makeNode(100 + i, 0, 10 + i));
    const gateways: FakeGateway[] = [];
    const network = new FakeNetwork(options, nodes, gateways);
    for (const node of pending) {
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        (request) => network.#upgrade(request, node),
      );
      network.#servers.push(server);
      const port = server.addr.port;
      const gateway: FakeGateway = { ...node, wsPort: port, wsUrl: `ws://127.0.0.1:${port}/` };
      gateways.push(gateway);
      network.#byAddress.set(nodeAddressKey(node.address), gateway);
    }
    network.#api = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => network.#apiResponse(request),
    );
    return Promise.resolve(network);
  }

  /** The nym-api base URL. */
  get nymApiUrl(): string {
    return `http://127.0.0.1:${this.#api!.addr.port}/`;
  }

  /** The mix nodes of layer 1..3. */
  layer(layer: number): FakeNode[] {
    return this.nodes.filter((n) => n.layer === layer);
  }

  /** Drops every packet routed through `node` from now on. */
  kill(node: FakeNode): void {
    this.#killed.add(nodeAddressKey(node.address));
  }

  /** Undoes {@linkcode kill}. */
  revive(node: FakeNode): void {
    this.#killed.delete(nodeAddressKey(node.address));
  }

  /** Closes a client's session from the gateway side (to test reconnection). */
  dropSession(identityText: string): boolean {
    const session = this.#sessions.get(identityText);
    if (session === undefined) return false;
    session.socket.close(1011, "dropped by the test");
    this.#sessions.delete(identityText);
    return true;
  }

  /** Whether a client (base58 identity) has a live session. */
  isConnected(identityText: string): boolean {
    return this.#sessions.has(identityText);
  }

  /** Stops every listener and timer and closes every socket. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    for (const s of this.#sockets) {
      try {
        s.close();
      } catch { /* closed */ }
    }
    await Promise.all(
      [...this.#servers, ...(this.#api ? [this.#api] : [])].map((s) => s.shutdown()),
    );
  }

  // -------------------------------------------------------------------------------------------
  // nym-api

  #skimmed(node: FakeNode | FakeGateway): Record<string, unknown> {
    const gateway = "wsPort" in node;
    return {
      node_id: node.nodeId,
      ed25519_identity_pubkey: node.identityText,
      ip_addresses: [node.address.ip],
      mix_port: node.address.port,
      x25519_sphinx_pubkey: encodeBase58(node.sphinxPublic),
      role: gateway ? "EntryGateway" : { Mixnode: { layer: node.layer } },
      supported_roles: { mixnode: !gateway, entry: gateway, exit_nr: gateway, exit_ipr: gateway },
      entry: gateway
        ? { hostname: "127.0.0.1", ws_port: (node as FakeGateway).wsPort, wss_port: null }
        : null,
      performance: "1",
    };
  }

  #page(data: unknown[]): Record<string, unknown> {
    return {
      metadata: {
        status: null,
        absolute_epoch_id: 100,
        rotation_id: this.#rotationId,
        refreshed_at: "2026-01-01T00:00:00Z",
      },
      nodes: { pagination: { total: data.length, page: 0, size: data.length }, data },
    };
  }

  #apiResponse(request: Request): Response {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "");
    // Every list fits one page; later pages are empty.
    const page = Number(url.searchParams.get("page") ?? "0");
    switch (path) {
      case "/v1/nym-nodes/rewarded-set":
        return Response.json({
          epoch_id: 100,
          entry_gateways: this.gateways.map((g) => g.nodeId),
          exit_gateways: [],
          layer1: this.layer(1).map((n) => n.nodeId),
          layer2: this.layer(2).map((n) => n.nodeId),
          layer3: this.layer(3).map((n) => n.nodeId),
          standby: [],
        });
      case "/v2/unstable/nym-nodes/skimmed/mixnodes/active":
        return Response.json(this.#page(page > 0 ? [] : this.nodes.map((n) => this.#skimmed(n))));
      case "/v2/unstable/nym-nodes/skimmed/entry-gateways":
        return Response.json(
          this.#page(page > 0 ? [] : this.gateways.map((g) => this.#skimmed(g))),
        );
      case "/v1/epoch/key-rotation-info":
        return Response.json({
          key_rotation_state: { validity_epochs: 24, initial_epoch_id: 0 },
          current_absolute_epoch_id: 100,
          current_epoch_start: new Date(Date.now() - 60_000).toISOString(),
          epoch_duration: { secs: 3600, nanos: 0 },
          progress: {
            current_key_rotation_id: this.#rotationId,
            current_rotation_starting_epoch: 96,
            current_rotation_ending_epoch: 119,
          },
        });
      default:
        return new Response("not found", { status: 404 });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Gateway sessions

  #upgrade(request: Request, gateway: FakeNode): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("websocket only", { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.binaryType = "arraybuffer";
    this.#sockets.add(socket);
    let handshake: GatewayHandshake | undefined;
    let session: { address: string; key: Uint8Array } | undefined;
    const send = (text: string) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
    };
    socket.onclose = () => {
      this.#sockets.delete(socket);
      if (session !== undefined && this.#sessions.get(session.address)?.socket === socket) {
        this.#sessions.delete(session.address);
      }
    };
    socket.onmessage = (event) => {
      const data = event.data;
      if (typeof data !== "string") {
        if (session === undefined) return;
        this.counters.framesFromClients++;
        try {
          const { mixPacket } = decodeClientBinaryRequest(
            new Uint8Array(data as ArrayBuffer),
            session.key,
          );
          this.#route(mixPacket.nextHop, mixPacket.packet);
        } catch {
          this.counters.errors++;
        }
        send(serializeServerResponse(sendResponse(1_000_000_000)));
        return;
      }
      if (handshake !== undefined && handshake.state === "awaiting_material") {
        try {
          const step = handshake.receive(data);
          if (step.kind === "complete") {
            send(step.message!);
            this.#registered.set(step.result.clientAddress, step.result.sharedKey);
            this.counters.registrations++;
            send(
              serializeServerResponse(
                registerResponse(this.#gatewayVersion ?? step.result.protocolVersion),
              ),
            );
          }
        } catch (e) {
          send(serializeServerResponse(errorResponse((e as Error).message)));
          socket.close();
        }
        return;
      }
      let request;
      try {
        request = parseClientControlRequest(data);
      } catch (e) {
        send(serializeServerResponse(errorResponse((e as Error).message)));
        return;
      }
      switch (request.type) {
        case "supportedProtocol":
          send(serializeServerResponse(supportedProtocolResponse()));
          break;
        case "registerHandshakeInitRequest":
          handshake = new GatewayHandshake({
            identity: gateway.identity,
            crypto: this.#crypto,
            random: this.#random,
          });
          send(handshake.begin({ data: request.data, protocolVersion: request.protocolVersion }));
          break;
        case "authenticateV2": {
          const result = verifyAuthenticateV2(request, {
            clock: systemClock,
            lookupClient: (address) => {
              const key = this.#registered.get(address);
              return key === undefined
                ? null
                : { sharedKey: key, lastAuthentication: this.#lastAuth.get(address) ?? null };
            },
          });
          if (!result.ok) {
            send(serializeServerResponse(errorResponse(result.message)));
            break;
          }
          this.#lastAuth.set(result.clientAddress, result.requestTimestamp);
          this.counters.authentications++;
          session = { address: result.clientAddress, key: result.sharedKey };
          this.#sessions.get(result.clientAddress)?.socket.close(1000, "replaced by a new session");
          this.#sessions.set(result.clientAddress, { socket, sharedKey: result.sharedKey });
          send(serializeServerResponse(
            authenticateResponse(this.#gatewayVersion ?? result.protocolVersion, 1_000_000_000),
          ));
          for (const stored of this.#mailbox.get(result.clientAddress)?.splice(0) ?? []) {
            this.#push(result.clientAddress, stored);
          }
          break;
        }
        case "claimFreeTestnetBandwidth":
          send(serializeServerResponse(bandwidthResponse(1_000_000_000)));
          break;
        default:
          send(serializeServerResponse(errorResponse(`unsupported request ${request.type}`)));
      }
    };
    return response;
  }

  #push(clientAddress: string, plaintext: Uint8Array): void {
    const session = this.#sessions.get(clientAddress);
    if (session === undefined || session.socket.readyState !== WebSocket.OPEN) {
      const box = this.#mailbox.get(clientAddress) ?? [];
      if (box.length < 100_000) box.push(plaintext);
      this.#mailbox.set(clientAddress, box);
      this.counters.stored++;
      return;
    }
    session.socket.send(encodePushedMixMessage(plaintext, session.sharedKey, this.#random));
    this.counters.delivered++;
  }

  // -------------------------------------------------------------------------------------------
  // The simulated mixnet

  #route(address: NymNodeRoutingAddress, packet: Uint8Array): void {
    if (this.#stopped) return;
    const key = nodeAddressKey(address);
    const node = this.#byAddress.get(key);
    if (node === undefined) {
      this.counters.errors++;
      return;
    }
    if (this.#killed.has(key)) {
      this.counters.droppedAtKilledNodes++;
      return;
    }
    let hop;
    try {
      hop = processSphinxPacket(this.#crypto, packet, node.sphinxSecret);
    } catch {
      this.counters.errors++;
      return;
    }
    this.counters.hops++;
    if (hop.kind === "forward") {
      const next = decodeRoutingAddress(hop.nextHopAddress);
      const forward = () => this.#route(next, hop.packet);
      const delayMs = hop.delayNanos / 1e6;
      if (this.#honourDelays && delayMs > 0) {
        const t = setTimeout(() => {
          this.#timers.delete(t);
          forward();
        }, delayMs);
        this.#timers.add(t);
      } else {
        queueMicrotask(forward);
      }
      return;
    }
    this.versionsSeen.set(hop.version, (this.versionsSeen.get(hop.version) ?? 0) + 1);
    // Final hop at a gateway: split off the SURB-ack, deliver, forward the ack (§7.3).
    const destination = encodeBase58(hop.destination);
    let plaintext: Uint8Array;
    let split;
    try {
      plaintext = recoverPlaintext(hop.payload);
      split = splitFinalHopPayload(plaintext, packetSizeFromLength(packet.length), PacketType.Mix);
    } catch {
      this.counters.errors++;
      return;
    }
    if (split.kind === "ack") {
      this.#push(destination, split.content.slice());
      return;
    }
    this.#push(destination, split.message.slice());
    const ackPacket = split.ackPacket.slice();
    const ackHop = split.ackFirstHop;
    queueMicrotask(() => this.#route(ackHop, ackPacket));
  }
}

/**
 * A short hex fingerprint of bytes, for test messages.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./fake_network.ts";
 * fingerprint(new Uint8Array([1, 2, 3])); // "010203"
 * ```
 */
export function fingerprint(bytes: Uint8Array): string {
  return toHex(bytes.subarray(0, 8));
}

/**
 * UTF-8 bytes of `text`.
 *
 * @example
 * ```ts
 * import { utf8 } from "./fake_network.ts";
 * utf8("hi"); // Uint8Array [104, 105]
 * ```
 */
export function utf8(text: string): Uint8Array {
  return ENC.encode(text);
}
