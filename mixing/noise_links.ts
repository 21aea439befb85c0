/**
 * Noise on node-to-node mixnet links (`wire-format.md` §5, `nym-node.md` §3.1).
 *
 * Outbound, the node uses Noise exactly when the topology lists a Noise key for the next hop's
 * socket address (upstream's rule). Inbound, it recognises the transport from the first byte: a
 * Noise frame starts with its version (1), a Nym frame with its frame version (7 or 8). Upstream
 * decides by the peer's IP instead, which cannot work when several nodes share an address (a
 * localnet on 127.0.0.1); outside local mode we keep upstream's guarantee that a peer whose IP
 * announced Noise cannot fall back to plain TCP.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import { decodeBase58 } from "../crypto/base58.ts";
import {
  createNoiseNetworkView,
  decideInitiatorTransport,
  decideResponderTransport,
  noiseAccept,
  type NoiseAead,
  noiseConnect,
  type NoiseNetworkView,
  type NoiseViewEntry,
  type X25519KeyPair,
} from "../transport/mod.ts";
import type { Dialer, OutboundStream } from "./forwarder.ts";
import type { ByteStream } from "./listener.ts";
import type { KnownNode } from "./topology.ts";

const log = getLogger(["nym-node", "mixnet", "noise"]);

/** Counters of Noise activity. */
export interface NoiseCounters {
  outboundNoise: number;
  outboundPlain: number;
  inboundNoise: number;
  inboundPlain: number;
  handshakeFailures: number;
  refusedPlain: number;
}

/** Options of {@linkcode NoiseLinks}. */
export interface NoiseLinksOptions {
  readonly localStaticKeyPair: X25519KeyPair;
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  readonly aead: NoiseAead;
  readonly handshakeTimeoutMs: number;
  /** `unsafe_disable_noise`: always plain TCP. */
  readonly disabled: boolean;
  /** Local mode: nodes may share IPs, so plain TCP is accepted from anyone. */
  readonly local: boolean;
  /** The raw TCP dialer to wrap. */
  readonly dial: Dialer;
}

/** Builds the Noise view from topology nodes. */
export function noiseViewFromNodes(nodes: readonly KnownNode[]): NoiseNetworkView {
  const entries: NoiseViewEntry[] = [];
  for (const node of nodes) {
    if (!node.noise) continue;
    let key: Uint8Array;
    try {
      key = decodeBase58(node.noise.key, 32);
    } catch {
      continue;
    }
    for (const ip of node.ips) {
      entries.push({
        address: { hostname: ip, port: node.mixPort },
        key: { supportedVersion: node.noise.version, x25519PublicKey: key },
      });
    }
  }
  return createNoiseNetworkView(entries);
}

/** A byte stream that first replays bytes already read from it. */
class PrefixedStream implements ByteStream {
  #prefix: Uint8Array | null;
  readonly #inner: Deno.TcpConn;

  constructor(prefix: Uint8Array, inner: Deno.TcpConn) {
    this.#prefix = prefix;
    this.#inner = inner;
  }

  read(buffer: Uint8Array): Promise<number | null> {
    const prefix = this.#prefix;
    if (prefix && prefix.length > 0) {
      const n = Math.min(prefix.length, buffer.length);
      buffer.set(prefix.subarray(0, n));
      this.#prefix = n < prefix.length ? prefix.subarray(n) : null;
      return Promise.resolve(n);
    }
    return this.#inner.read(buffer);
  }

  write(bytes: Uint8Array): Promise<number> {
    return this.#inner.write(bytes);
  }

  close(): void {
    this.#inner.close();
  }
}

/** Noise for the mixnet: a dialer for the forwarder and an upgrade for the listener. */
export class NoiseLinks {
  readonly counters: NoiseCounters = {
    outboundNoise: 0,
    outboundPlain: 0,
    inboundNoise: 0,
    inboundPlain: 0,
    handshakeFailures: 0,
    refusedPlain: 0,
  };
  readonly #o: NoiseLinksOptions;
  #view: NoiseNetworkView = createNoiseNetworkView([]);

  /**
   * Creates the link layer.
   *
   * @example
   * ```ts no-eval
   * const links = new NoiseLinks({ localStaticKeyPair, crypto, random, aead, handshakeTimeoutMs: 1500,
   *   disabled: false, local: false, dial: tcpDialer });
   * links.updateView(topology.nodes);
   * ```
   */
  constructor(options: NoiseLinksOptions) {
    this.#o = options;
  }

  /** Replaces the view of which nodes speak Noise (call after each topology refresh). */
  updateView(nodes: readonly KnownNode[]): void {
    this.#view = noiseViewFromNodes(nodes);
  }

  /** A dialer that speaks Noise to next hops that announced a key. */
  readonly dial: Dialer = async (host, port, timeoutMs) => {
    const decision = decideInitiatorTransport(this.#view, { hostname: host, port }, {
      unsafeDisabled: this.#o.disabled,
    });
    const raw = await this.#o.dial(host, port, timeoutMs);
    if (decision.mode === "plain") {
      this.counters.outboundPlain++;
      return raw;
    }
    try {
      const connection = await noiseConnect(raw as Deno.TcpConn, {
        responderStaticPublicKey: decision.responderStaticPublicKey,
        version: decision.version,
        localStaticKeyPair: this.#o.localStaticKeyPair,
        crypto: this.#o.crypto,
        random: this.#o.random,
        aead: this.#o.aead,
        timeoutMs: this.#o.handshakeTimeoutMs,
      });
      this.counters.outboundNoise++;
      return connection as OutboundStream;
    } catch (e) {
      this.counters.handshakeFailures++;
      throw new Error(`noise handshake with ${host}:${port} failed: ${(e as Error).message}`);
    }
  };

  /** Upgrades an accepted connection: Noise or plain, recognised from the first byte. */
  readonly upgrade = async (conn: Deno.TcpConn): Promise<ByteStream> => {
    const first = new Uint8Array(1);
    const timer = setTimeout(() => {
      try {
        conn.close();
      } catch { /* closed */ }
    }, this.#o.handshakeTimeoutMs);
    let n: number | null;
    try {
      n = await conn.read(first);
    } finally {
      clearTimeout(timer);
    }
    if (n === null || n === 0) throw new Error("connection closed before its first byte");
    const stream = new PrefixedStream(first, conn);
    const peer = (conn.remoteAddr as Deno.NetAddr).hostname;
    if (first[0] === 7 || first[0] === 8) {
      const expectsNoise = decideResponderTransport(this.#view, peer, {
        unsafeDisabled: this.#o.disabled,
      });
      if (expectsNoise.mode === "noise" && !this.#o.local) {
        this.counters.refusedPlain++;
        throw new Error(`${peer} announced a noise key but connected without noise`);
      }
      this.counters.inboundPlain++;
      return stream;
    }
    if (this.#o.disabled) throw new Error("noise is disabled on this node");
    try {
      const connection = await noiseAccept(stream as unknown as Deno.Conn, {
        localStaticKeyPair: this.#o.localStaticKeyPair,
        crypto: this.#o.crypto,
        random: this.#o.random,
        aead: this.#o.aead,
        timeoutMs: this.#o.handshakeTimeoutMs,
      });
      this.counters.inboundNoise++;
      return connection;
    } catch (e) {
      this.counters.handshakeFailures++;
      log.debug("noise handshake from {peer} failed: {error}", {
        peer,
        error: (e as Error).message,
      });
      throw e;
    }
  };
}
