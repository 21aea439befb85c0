/**
 * Test and benchmark support: a gateway client built from our client-side protocol code
 * (`gateway/protocol/`: the registration handshake, `authenticateV2`, encrypted binary requests,
 * pushed messages), over Deno's built-in `WebSocket` as the real wasm client uses it. It does
 * exactly what a test tells it to, so tests can also make it misbehave.
 *
 * @module
 */
import {
  type CryptoProvider,
  type Ed25519KeyPair,
  encodeBase58,
  generateEd25519KeyPair,
  type RandomSource,
  systemRandom,
} from "../../crypto/mod.ts";
import type { MixPacket } from "../../framing/mod.ts";
import {
  type AuthenticateV2Request,
  BinaryRequestKind,
  ClientHandshake,
  createAuthenticateV2Request,
  decodePushedMixMessage,
  encodeClientBinaryRequest,
  parseServerResponse,
  serializeClientControlRequest,
  type ServerResponse,
} from "../../gateway/protocol/mod.ts";
import { type Clock, systemClock } from "../../util/clock.ts";

/** How a connection ended. */
export interface ClientClose {
  readonly code: number;
  readonly reason: string;
}

/** A FIFO with a timed `take`. */
class Queue<T> {
  readonly #items: T[] = [];
  readonly #waiters: (() => void)[] = [];
  #ended = false;

  get length(): number {
    return this.#items.length;
  }

  push(item: T): void {
    this.#items.push(item);
    for (const w of this.#waiters.splice(0)) w();
  }

  end(): void {
    this.#ended = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  async take(timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.#items.length === 0) {
      if (this.#ended) throw new Error(`the connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#items.shift()!;
  }
}

/** Options of {@linkcode GatewayTestClient.connect}. */
export interface GatewayTestClientOptions {
  /** The gateway's client WebSocket URL (`ws://127.0.0.1:<port>`). */
  readonly url: string;
  /** The gateway's ed25519 identity. */
  readonly gatewayIdentity: Uint8Array;
  readonly crypto: CryptoProvider;
  readonly random?: RandomSource;
  readonly clock?: Clock;
  /** Time to open the WebSocket (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * One client connection to a gateway.
 *
 * @example
 * ```ts no-eval
 * import { GatewayTestClient } from "./gateway_client.ts";
 * const client = await GatewayTestClient.connect({ url, gatewayIdentity, crypto });
 * const { sharedKey } = await client.register();
 * await client.claimBandwidth();
 * await client.forward(packet);
 * const message = await client.nextPushed();
 * await client.close();
 * ```
 */
export class GatewayTestClient {
  readonly ws: WebSocket;
  /** Resolves when the connection has closed, with the close code the client saw. */
  readonly closed: Promise<ClientClose>;
  readonly #o: GatewayTestClientOptions;
  readonly #random: RandomSource;
  readonly #clock: Clock;
  readonly #texts = new Queue<string>();
  readonly #binaries = new Queue<Uint8Array>();
  /** The identity of the registered or authenticated client. */
  identity: Ed25519KeyPair | null = null;
  /** The shared key of the registered or authenticated client. */
  sharedKey: Uint8Array | null = null;

  private constructor(ws: WebSocket, options: GatewayTestClientOptions) {
    this.ws = ws;
    this.#o = options;
    this.#random = options.random ?? systemRandom;
    this.#clock = options.clock ?? systemClock;
    ws.onmessage = (e) => {
      if (typeof e.data === "string") this.#texts.push(e.data);
      else this.#binaries.push(new Uint8Array(e.data as ArrayBuffer));
    };
    this.closed = new Promise((resolve) => {
      ws.onclose = (e) => {
        this.#texts.end();
        this.#binaries.end();
        resolve({ code: e.code, reason: e.reason });
      };
    });
  }

  /** Opens a connection (no request sent yet). */
  static async connect(options: GatewayTestClientOptions): Promise<GatewayTestClient> {
    const ws = new WebSocket(options.url);
    ws.binaryType = "arraybuffer";
    const client = new GatewayTestClient(ws, options);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = (e) => reject(new Error(`WebSocket error: ${(e as ErrorEvent).message}`));
        timer = setTimeout(
          () => reject(new Error("WebSocket open timed out")),
          options.timeoutMs ?? 10_000,
        );
      });
    } catch (e) {
      try {
        ws.close();
      } catch { /* not open */ }
      throw e;
    } finally {
      clearTimeout(timer);
    }
    ws.onerror = () => {};
    return client;
  }

  /** base58 address of the client (after register/authenticate). */
  get address(): string {
    if (!this.identity) throw new Error("not registered");
    return encodeBase58(this.identity.publicKey);
  }

  /** Sends a raw text or binary frame. */
  sendRaw(data: string | Uint8Array): void {
    this.ws.send(data);
  }

  /** The next text frame, unparsed. */
  nextText(timeoutMs = 10_000): Promise<string> {
    return this.#texts.take(timeoutMs, "a text frame");
  }

  /** The next text frame, parsed as a server response. */
  async nextResponse(timeoutMs = 10_000): Promise<ServerResponse> {
    return parseServerResponse(await this.nextText(timeoutMs));
  }

  /** Received binary frames waiting to be taken. */
  get pushedWaiting(): number {
    return this.#binaries.length;
  }

  /** The next pushed message, decrypted with the shared key. */
  async nextPushed(timeoutMs = 10_000): Promise<Uint8Array> {
    const frame = await this.#binaries.take(timeoutMs, "a pushed message");
    return decodePushedMixMessage(frame, this.sharedKey!);
  }

  /** Runs the registration handshake as a new client (or as `identity`). */
  async register(
    identity: Ed25519KeyPair = generateEd25519KeyPair(this.#random),
    timeoutMs = 10_000,
  ): Promise<{ sharedKey: Uint8Array; response: ServerResponse }> {
    const handshake = new ClientHandshake({
      identity,
      gatewayIdentity: this.#o.gatewayIdentity,
      crypto: this.#o.crypto,
      random: this.#random,
    });
    this.ws.send(handshake.start());
    let sharedKey: Uint8Array | undefined;
    for (;;) {
      const text = await this.nextText(timeoutMs);
      if (sharedKey) {
        const response = parseServerResponse(text);
        if (response.type !== "register" || !response.status) {
          throw new Error(`registration refused: ${text}`);
        }
        this.identity = identity;
        this.sharedKey = sharedKey;
        return { sharedKey, response };
      }
      const step = handshake.receive(text);
      if (step.kind === "send") this.ws.send(step.message);
      else if (step.kind === "complete") sharedKey = step.result.sharedKey;
      else throw new Error(`unexpected handshake message: ${text.slice(0, 200)}`);
    }
  }

  /** A signed `authenticateV2` request for `identity` (not sent). */
  authenticationRequest(identity: Ed25519KeyPair, sharedKey: Uint8Array): AuthenticateV2Request {
    return createAuthenticateV2Request({
      sharedKey,
      identity,
      protocolVersion: 6,
      clock: this.#clock,
      random: this.#random,
    });
  }

  /**
   * Authenticates as a returning client; returns the gateway's reply (stored messages arrive
   * before it, see {@linkcode nextPushed}). Throws unless the reply is a successful
   * `authenticate`.
   */
  async authenticate(
    identity: Ed25519KeyPair,
    sharedKey: Uint8Array,
    timeoutMs = 10_000,
  ): Promise<ServerResponse> {
    this.identity = identity;
    this.sharedKey = sharedKey;
    this.ws.send(serializeClientControlRequest(this.authenticationRequest(identity, sharedKey)));
    const response = await this.nextResponse(timeoutMs);
    if (response.type !== "authenticate" || !response.status) {
      throw new Error(`authentication refused: ${JSON.stringify(response)}`);
    }
    return response;
  }

  /** Claims the free-pass bandwidth. */
  async claimBandwidth(): Promise<void> {
    this.ws.send('{"type":"claimFreeTestnetBandwidth"}');
    const response = await this.nextResponse();
    if (response.type !== "bandwidth") {
      throw new Error(`bandwidth claim refused: ${JSON.stringify(response)}`);
    }
  }

  /** Sends a MixPacket into the mixnet without waiting for the gateway's `send` reply. */
  forwardNoWait(packet: MixPacket, kind: BinaryRequestKind = BinaryRequestKind.ForwardSphinx) {
    this.ws.send(encodeClientBinaryRequest(kind, packet, this.sharedKey!, this.#random));
  }

  /** Sends a MixPacket and waits for the gateway's reply (a `send` response on success). */
  async forward(packet: MixPacket): Promise<ServerResponse> {
    this.forwardNoWait(packet);
    return await this.nextResponse();
  }

  /** Closes the connection and waits until it is closed. */
  async close(): Promise<ClientClose> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      try {
        this.ws.close();
      } catch { /* closing */ }
    }
    return await this.closed;
  }
}
