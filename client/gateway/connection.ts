/**
 * The client side of the gateway WebSocket protocol (`/work/notes/wasm-client.md` §3,
 * `gateway/protocol/`): registration on one socket (protocol query, handshake, `register`),
 * then the session on another (protocol query, `authenticateV2`, `authenticate`, free testnet
 * bandwidth when low), encrypted MixPackets out and pushed messages in.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { CryptoProvider } from "../../crypto/provider.ts";
import type { RandomSource } from "../../crypto/random.ts";
import type { Ed25519KeyPair } from "../../crypto/ed25519.ts";
import type { MixPacket } from "../../framing/mix_packet.ts";
import type { Clock } from "../../util/clock.ts";
import {
  type BinaryRequestKind,
  binaryRequestKindFor,
  checkGatewayVersion,
  ClientHandshake,
  clientProposedVersion,
  createAuthenticateV2Request,
  decodePushedMixMessage,
  DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD,
  encodeClientBinaryRequest,
  GatewayProtocolError,
  parseServerResponse,
  serializeClientControlRequest,
  type ServerResponse,
} from "../../gateway/protocol/mod.ts";
import { GatewayConnectionError } from "../errors.ts";
import { WebSocketChannel, type WebSocketFactory } from "./socket.ts";

/** What both registration and authentication need. */
export interface GatewayEndpoint {
  /** `ws://` or `wss://` URL of the gateway's client interface. */
  readonly url: string;
  /** The gateway's Ed25519 identity. */
  readonly gatewayIdentity: Uint8Array;
  /** The client's identity keys. */
  readonly identity: Ed25519KeyPair;
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  readonly webSocket?: WebSocketFactory;
  /** Time allowed to connect and for each reply. */
  readonly timeoutMs: number;
}

/** The outcome of a registration. */
export interface Registration {
  /** The AES-256-GCM-SIV key to store for later `authenticateV2`. */
  readonly sharedKey: Uint8Array;
  /** The version in the gateway's `register` reply. */
  readonly protocolVersion: number | undefined;
}

async function nextResponse(channel: WebSocketChannel, timeoutMs: number): Promise<ServerResponse> {
  const text = await channel.nextText(timeoutMs);
  try {
    return parseServerResponse(text);
  } catch (e) {
    if (e instanceof GatewayProtocolError) {
      throw new GatewayConnectionError(`the gateway sent an unexpected message: ${e.message}`);
    }
    throw e;
  }
}

async function supportedVersion(channel: WebSocketChannel, timeoutMs: number): Promise<number> {
  channel.sendText(serializeClientControlRequest({ type: "supportedProtocol" }));
  const response = await nextResponse(channel, timeoutMs);
  if (response.type === "error") {
    throw new GatewayConnectionError(`the gateway refused: ${response.message}`);
  }
  if (response.type !== "supportedProtocol") {
    throw new GatewayConnectionError(
      `expected the gateway's protocol version, got "${response.type}"`,
    );
  }
  return response.version;
}

function proposal(supported: number): number {
  try {
    return clientProposedVersion(supported);
  } catch (e) {
    if (e instanceof GatewayProtocolError) throw new GatewayConnectionError(e.message);
    throw e;
  }
}

function checkVersion(reported: number | undefined): number | undefined {
  try {
    return checkGatewayVersion(reported);
  } catch (e) {
    if (e instanceof GatewayProtocolError) throw new GatewayConnectionError(e.message);
    throw e;
  }
}

/**
 * Registers with a gateway (WS#1): derives and returns the shared key, then closes the socket.
 *
 * @example
 * ```ts no-eval
 * const { sharedKey } = await registerWithGateway({ url, gatewayIdentity, identity, crypto, random, timeoutMs: 10_000 });
 * ```
 * @throws {GatewayConnectionError} for connection failures, timeouts, handshake errors or a
 * refused registration.
 */
export async function registerWithGateway(endpoint: GatewayEndpoint): Promise<Registration> {
  const channel = await WebSocketChannel.open(endpoint.url, {
    factory: endpoint.webSocket,
    timeoutMs: endpoint.timeoutMs,
  });
  try {
    const version = proposal(await supportedVersion(channel, endpoint.timeoutMs));
    const handshake = new ClientHandshake({
      identity: endpoint.identity,
      gatewayIdentity: endpoint.gatewayIdentity,
      crypto: endpoint.crypto,
      random: endpoint.random,
      protocolVersion: version,
    });
    channel.sendText(handshake.start());
    let sharedKey: Uint8Array | undefined;
    while (sharedKey === undefined) {
      const text = await channel.nextText(endpoint.timeoutMs);
      let step;
      try {
        step = handshake.receive(text);
      } catch (e) {
        if (e instanceof GatewayProtocolError) {
          const reply = (e as { reply?: string }).reply;
          if (reply !== undefined) {
            try {
              channel.sendText(reply);
            } catch { /* closing anyway */ }
          }
          throw new GatewayConnectionError(`registration handshake failed: ${e.message}`);
        }
        throw e;
      }
      if (step.kind === "send") channel.sendText(step.message);
      else if (step.kind === "ignored" && step.gatewayError !== undefined) {
        throw new GatewayConnectionError(
          `the gateway refused the registration: ${step.gatewayError}`,
        );
      } else if (step.kind === "complete") {
        if (step.message !== undefined) channel.sendText(step.message);
        sharedKey = step.result.sharedKey;
      }
    }
    for (;;) {
      const response = await nextResponse(channel, endpoint.timeoutMs);
      if (response.type === "error") {
        throw new GatewayConnectionError(
          `the gateway refused the registration: ${response.message}`,
        );
      }
      if (response.type !== "register") continue;
      if (!response.status) {
        throw new GatewayConnectionError("the gateway refused the registration");
      }
      return { sharedKey, protocolVersion: checkVersion(response.protocolVersion) };
    }
  } finally {
    channel.close();
  }
}

/** Options of {@linkcode GatewayConnection.connect}. */
export interface ConnectOptions extends GatewayEndpoint {
  /** The key from {@linkcode registerWithGateway}. */
  readonly sharedKey: Uint8Array;
  readonly clock: Clock;
  /** Receives every pushed message plaintext (acks are 21 bytes). */
  readonly onMessage: (plaintext: Uint8Array) => void;
  /** Called once when the session ends for any reason other than {@linkcode GatewayConnection.close}. */
  readonly onClose?: (reason: string) => void;
  readonly logger?: Logger;
}

/** Why authentication was refused; `unknownClient` means registering again may help. */
export class AuthenticationRefusedError extends GatewayConnectionError {
  override name = "AuthenticationRefusedError";
}

/**
 * An authenticated gateway session.
 *
 * @example
 * ```ts no-eval
 * const gateway = await GatewayConnection.connect({ ...endpoint, sharedKey, clock, onMessage });
 * gateway.send(mixPacket);
 * ```
 */
export class GatewayConnection {
  readonly #channel: WebSocketChannel;
  readonly #sharedKey: Uint8Array;
  readonly #random: RandomSource;
  readonly #kind: BinaryRequestKind;
  readonly #logger: Logger | undefined;
  #bandwidth: number;
  #claiming = false;
  #closing = false;
  /** Decryption failures of pushed frames. */
  badFrames = 0;

  private constructor(
    channel: WebSocketChannel,
    options: ConnectOptions,
    kind: BinaryRequestKind,
    bandwidth: number,
    /** The version the gateway agreed to. */
    readonly protocolVersion: number | undefined,
  ) {
    this.#channel = channel;
    this.#sharedKey = options.sharedKey;
    this.#random = options.random;
    this.#kind = kind;
    this.#logger = options.logger;
    this.#bandwidth = bandwidth;
  }

  /**
   * Opens and authenticates a session (WS#2).
   *
   * @throws {AuthenticationRefusedError} if the gateway refuses the credentials.
   * @throws {GatewayConnectionError} for other failures.
   */
  static async connect(options: ConnectOptions): Promise<GatewayConnection> {
    const channel = await WebSocketChannel.open(options.url, {
      factory: options.webSocket,
      timeoutMs: options.timeoutMs,
    });
    try {
      const version = proposal(await supportedVersion(channel, options.timeoutMs));
      const request = createAuthenticateV2Request({
        sharedKey: options.sharedKey,
        identity: options.identity,
        protocolVersion: version,
        clock: options.clock,
        random: options.random,
      });
      channel.sendText(serializeClientControlRequest(request));
      const response = await nextResponse(channel, options.timeoutMs);
      if (response.type === "error") {
        throw new AuthenticationRefusedError(
          `the gateway refused authentication: ${response.message}`,
        );
      }
      if (response.type !== "authenticate") {
        throw new GatewayConnectionError(
          `expected an authentication reply, got "${response.type}"`,
        );
      }
      if (!response.status) {
        throw new AuthenticationRefusedError("the gateway refused authentication");
      }
      const negotiated = checkVersion(response.protocolVersion);
      const connection = new GatewayConnection(
        channel,
        options,
        binaryRequestKindFor(negotiated),
        response.bandwidthRemaining,
        negotiated,
      );
      channel.onBinary = (frame) => connection.#onFrame(frame, options.onMessage);
      channel.onText = (text) => connection.#onText(text);
      channel.onClose((code, reason) => {
        if (!connection.#closing) {
          options.onClose?.(
            `the gateway closed the connection (code ${code}${reason ? `: ${reason}` : ""})`,
          );
        }
      });
      connection.#maybeClaimBandwidth();
      return connection;
    } catch (e) {
      channel.close();
      throw e;
    }
  }

  #onFrame(frame: Uint8Array, onMessage: (plaintext: Uint8Array) => void): void {
    let plaintext: Uint8Array;
    try {
      plaintext = decodePushedMixMessage(frame, this.#sharedKey);
    } catch (e) {
      if (!(e instanceof GatewayProtocolError)) throw e;
      this.badFrames++;
      this.#logger?.warn("dropped an undecodable frame from the gateway: {error}", {
        error: e.message,
      });
      return;
    }
    onMessage(plaintext);
  }

  #onText(text: string): void {
    let response: ServerResponse;
    try {
      response = parseServerResponse(text);
    } catch {
      this.#logger?.warn("ignored an unparsable text frame from the gateway");
      return;
    }
    switch (response.type) {
      case "send":
        this.#bandwidth = response.remainingBandwidth;
        this.#maybeClaimBandwidth();
        break;
      case "bandwidth":
        this.#bandwidth = response.availableTotal;
        this.#claiming = false;
        break;
      case "typedError":
        if (response.error.kind === "out_of_bandwidth") {
          this.#bandwidth = response.error.available;
          this.#maybeClaimBandwidth();
        }
        break;
      case "error":
        this.#claiming = false;
        this.#logger?.warn("the gateway reported an error: {message}", {
          message: response.message,
        });
        break;
    }
  }

  #maybeClaimBandwidth(): void {
    if (this.#claiming || this.#bandwidth >= DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD) return;
    this.#claiming = true;
    try {
      this.#channel.sendText(serializeClientControlRequest({ type: "claimFreeTestnetBandwidth" }));
    } catch { /* closed */ }
  }

  /** Bandwidth the gateway last reported. */
  get bandwidth(): number {
    return this.#bandwidth;
  }

  /** Bytes buffered in the WebSocket. */
  get bufferedAmount(): number {
    return this.#channel.bufferedAmount;
  }

  /** Whether the session is over. */
  get closed(): boolean {
    return this.#channel.closed;
  }

  /** The binary request kind in use (1: MixPacket v1, 2: v2 with the key-rotation byte). */
  get requestKind(): BinaryRequestKind {
    return this.#kind;
  }

  /**
   * Encrypts and sends a MixPacket.
   *
   * @throws {GatewayConnectionError} if the session is closed.
   */
  send(packet: MixPacket): void {
    this.#channel.sendBinary(
      encodeClientBinaryRequest(this.#kind, packet, this.#sharedKey, this.#random),
    );
  }

  /** Ends the session. */
  close(): void {
    this.#closing = true;
    this.#channel.close();
  }
}
