/**
 * The client side of the gateway WebSocket protocol (`/work/notes/wasm-client.md` §3,
 * `gateway/protocol/`): registration on one socket (protocol query, handshake, `register`),
 * then the session on another (protocol query, `authenticateV2`, `authenticate`, bandwidth
 * top-ups), encrypted MixPackets out and pushed messages in.
 *
 * Bandwidth (`nym-node.md` §4.6–§4.7): whenever the gateway reports less than
 * `DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD` (40 MB) — at authentication, in a `send` reply or
 * in an `out_of_bandwidth` error — the connection tops up, one request at a time:
 * 1. it claims free testnet bandwidth, unless this gateway already refused it;
 * 2. if the gateway refuses with `ONLY_ZK_NYMS_MESSAGE` (it enforces zk-nyms), it spends one
 *    zk-nym ticket from its {@linkcode TicketSource} (`ecashCredential`, sealed with the shared
 *    key); a `ticket_replay` answer (a ticket spent before, e.g. a restored wallet) is followed
 *    by up to two fresh tickets.
 *
 * The top-up at authentication is awaited: {@linkcode GatewayConnection.connect} fails with a
 * {@linkcode BandwidthError} saying why when no bandwidth can be had. Later failures go to
 * `onBandwidthError` and are retried after {@linkcode BANDWIDTH_RETRY_MS}.
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
  ONLY_ZK_NYMS_MESSAGE,
  parseServerResponse,
  randomNonce,
  sealWithSharedKey,
  serializeClientControlRequest,
  type ServerResponse,
} from "../../gateway/protocol/mod.ts";
import { BandwidthError, ClientError, GatewayConnectionError } from "../errors.ts";
import type { TicketSource } from "../tickets.ts";
import { WebSocketChannel, type WebSocketFactory } from "./socket.ts";

/** Wait after a failed bandwidth top-up before the session tries again. */
export const BANDWIDTH_RETRY_MS = 30_000;
/** Fresh tickets tried after the gateway answered `ticket_replay`. */
const REPLAY_RETRIES = 2;

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
  /** zk-nym tickets to spend when the gateway refuses free bandwidth (none: fail clearly). */
  readonly tickets?: TicketSource;
  /** A top-up after authentication failed (the session goes on; packets may be refused). */
  readonly onBandwidthError?: (error: BandwidthError) => void;
  /** The gateway accepted a zk-nym ticket. */
  readonly onTicketSpent?: (availableTotal: number) => void;
}

/** A request waiting for its bandwidth-related reply. */
interface BandwidthWaiter {
  readonly resolve: (response: ServerResponse) => void;
  readonly reject: (error: Error) => void;
}

function describeRefusal(response: ServerResponse): string {
  if (response.type === "error") return response.message;
  if (response.type === "typedError") {
    return response.error.kind === "ticket_replay"
      ? "the ticket was already spent (ticket_replay)"
      : `out of bandwidth (${response.error.available} bytes left)`;
  }
  return `unexpected "${response.type}" reply`;
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
  readonly #options: ConnectOptions;
  #bandwidth: number;
  #topUp: Promise<void> | null = null;
  #waiter: BandwidthWaiter | null = null;
  /** The gateway answered a free claim with `ONLY_ZK_NYMS_MESSAGE`. */
  #onlyTickets = false;
  /** Monotonic ms before which no automatic top-up is tried (after a failure). */
  #retryAfter = -Infinity;
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
    this.#options = options;
    this.#bandwidth = bandwidth;
  }

  /**
   * Opens and authenticates a session (WS#2).
   *
   * @throws {AuthenticationRefusedError} if the gateway refuses the credentials.
   * @throws {BandwidthError} if the gateway gives no bandwidth (it accepts only zk-nym tickets
   * and none can be had, or it refused the ticket or the free claim).
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
      // The gateway pushes the client's stored messages before its authenticate reply (upstream
      // `fresh.rs` drains the mailbox first, and deletes what it pushed), and the Rust client
      // routes binary frames that arrive while it waits for a response: so must we.
      let earlyBadFrames = 0;
      channel.onBinary = (frame) => {
        let plaintext: Uint8Array;
        try {
          plaintext = decodePushedMixMessage(frame, options.sharedKey);
        } catch (e) {
          if (!(e instanceof GatewayProtocolError)) throw e;
          earlyBadFrames++;
          return;
        }
        options.onMessage(plaintext);
      };
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
      connection.badFrames += earlyBadFrames;
      channel.onBinary = (frame) => connection.#onFrame(frame, options.onMessage);
      channel.onText = (text) => connection.#onText(text);
      channel.onClose((code, reason) => {
        const message = `the gateway closed the connection (code ${code}${
          reason ? `: ${reason}` : ""
        })`;
        connection.#waiter?.reject(new GatewayConnectionError(message));
        connection.#waiter = null;
        if (!connection.#closing) options.onClose?.(message);
      });
      if (connection.#needsTopUp()) {
        try {
          await connection.#startTopUp();
        } catch (e) {
          connection.close(); // not a drop: the caller gets the error instead of onClose
          throw e;
        }
      }
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
        this.#maybeTopUp();
        break;
      case "bandwidth":
        this.#bandwidth = response.availableTotal;
        this.#settle(response);
        break;
      case "typedError":
        if (response.error.kind === "out_of_bandwidth") {
          this.#bandwidth = response.error.available;
          this.#maybeTopUp();
        } else this.#settle(response);
        break;
      case "error":
        if (this.#waiter) this.#settle(response);
        else {
          this.#logger?.warn("the gateway reported an error: {message}", {
            message: response.message,
          });
        }
        break;
    }
  }

  /** Hands a bandwidth-related reply to the request waiting for it. */
  #settle(response: ServerResponse): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.resolve(response);
  }

  #needsTopUp(): boolean {
    return this.#bandwidth < DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD;
  }

  #maybeTopUp(): void {
    if (this.#topUp !== null || !this.#needsTopUp() || this.#channel.closed) return;
    if (this.#options.clock.monotonic() < this.#retryAfter) return;
    this.#startTopUp().catch((e: BandwidthError) => {
      if (this.#closing || this.#channel.closed) return;
      this.#logger?.error("no bandwidth at the gateway: {error}", { error: e.message });
      this.#options.onBandwidthError?.(e);
    });
  }

  /** Runs one top-up (shared by concurrent callers); rejects with a {@linkcode BandwidthError}. */
  #startTopUp(): Promise<void> {
    this.#topUp ??= this.#runTopUp().then(
      () => {
        this.#topUp = null;
      },
      (e) => {
        this.#topUp = null;
        this.#retryAfter = this.#options.clock.monotonic() + BANDWIDTH_RETRY_MS;
        throw e instanceof BandwidthError
          ? e
          : new BandwidthError(`bandwidth top-up failed: ${(e as Error).message}`, { cause: e });
      },
    );
    return this.#topUp;
  }

  /** Sends `request` and waits for its bandwidth, error or typed-error reply. */
  #request(request: string, timeoutMs: number): Promise<ServerResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#waiter === waiter) this.#waiter = null;
        reject(new GatewayConnectionError(`the gateway did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: BandwidthWaiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiter = waiter;
      try {
        this.#channel.sendText(request);
      } catch (e) {
        this.#waiter = null;
        waiter.reject(e as Error);
      }
    });
  }

  async #runTopUp(): Promise<void> {
    const timeoutMs = this.#options.timeoutMs;
    if (!this.#onlyTickets) {
      const reply = await this.#request(
        serializeClientControlRequest({ type: "claimFreeTestnetBandwidth" }),
        timeoutMs,
      );
      if (reply.type === "bandwidth") return;
      if (reply.type !== "error" || reply.message !== ONLY_ZK_NYMS_MESSAGE) {
        throw new BandwidthError(
          `the gateway refused free bandwidth: ${describeRefusal(reply)}`,
        );
      }
      this.#onlyTickets = true;
    }
    const tickets = this.#options.tickets;
    if (!tickets) {
      throw new BandwidthError(
        `the gateway accepts only zk-nym tickets for bandwidth ("${ONLY_ZK_NYMS_MESSAGE}") and ` +
          "this client has no ticketbook: configure e-cash signer URLs " +
          "(credentials.signerUrls of MixnetClient.start, --ecash-signer-urls of nym-node client)",
      );
    }
    for (let attempt = 0;; attempt++) {
      let credential: Uint8Array;
      try {
        credential = await tickets.nextCredential(this.#options.gatewayIdentity);
      } catch (e) {
        if (e instanceof ClientError) {
          throw new BandwidthError(
            `the gateway accepts only zk-nym tickets and none can be had: ${e.message}`,
            { cause: e },
          );
        }
        throw e;
      }
      const nonce = randomNonce(this.#random);
      const reply = await this.#request(
        serializeClientControlRequest({
          type: "ecashCredential",
          encCredential: sealWithSharedKey(this.#sharedKey, nonce, credential),
          nonce,
        }),
        timeoutMs,
      );
      if (reply.type === "bandwidth") {
        this.#options.onTicketSpent?.(reply.availableTotal);
        return;
      }
      const replay = reply.type === "typedError" && reply.error.kind === "ticket_replay";
      if (replay && attempt < REPLAY_RETRIES) {
        this.#logger?.warn("the gateway had seen our zk-nym ticket already; spending another");
        continue;
      }
      throw new BandwidthError(`the gateway refused the zk-nym ticket: ${describeRefusal(reply)}`);
    }
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

  /** Whether the gateway refused free bandwidth on this session (it enforces zk-nyms). */
  get ticketsRequired(): boolean {
    return this.#onlyTickets;
  }

  /** Ends the session. */
  close(): void {
    this.#closing = true;
    this.#waiter?.reject(new GatewayConnectionError("the connection was closed"));
    this.#waiter = null;
    this.#channel.close();
  }
}
