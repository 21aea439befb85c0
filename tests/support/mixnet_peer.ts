/**
 * Test and benchmark support: the mixnet side of a gateway process. A {@linkcode FrameSink}
 * plays a mix node that counts what the gateway forwards to it; {@linkcode finalHopFrame} builds
 * a one-hop Sphinx packet whose final hop is the gateway, carrying a SURB-ack and a message for
 * one of its clients (`wire-format.md` §7.3), so a test can put exact bytes into a client's
 * live connection or mailbox. Plain TCP: `--local` nodes accept it (`mixing/noise_links.ts`).
 *
 * @module
 */
import { type CryptoProvider, decodeBase58, type RandomSource } from "../../crypto/mod.ts";
import {
  encodeFrame,
  FrameDecoder,
  KeyRotation,
  PacketSize,
  PacketType,
} from "../../framing/mod.ts";
import { buildDataPacket, encodeSurbAck } from "../../message/mod.ts";

/** A mix node stand-in that counts the frames it receives. */
export class FrameSink implements AsyncDisposable {
  /** Frames received. */
  count = 0;
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly #conns = new Set<Deno.Conn>();
  readonly #loop: Promise<void>;

  /**
   * Starts listening on an ephemeral loopback port.
   *
   * @example
   * ```ts no-eval
   * await using sink = new FrameSink();
   * // list 127.0.0.1:sink.port in the fake nym-api, then count sink.count
   * ```
   */
  constructor() {
    this.#loop = this.#accept();
  }

  /** The port. */
  get port(): number {
    return this.#listener.addr.port;
  }

  async #accept(): Promise<void> {
    const readers: Promise<void>[] = [];
    try {
      for await (const conn of this.#listener) {
        this.#conns.add(conn);
        readers.push(this.#read(conn));
      }
    } catch { /* closed */ }
    await Promise.allSettled(readers);
  }

  async #read(conn: Deno.Conn): Promise<void> {
    const decoder = new FrameDecoder({ copyChunks: true, maxBufferedBytes: 1 << 22 });
    const buffer = new Uint8Array(1 << 18);
    try {
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        decoder.push(buffer.subarray(0, n));
        while (decoder.next()) this.count++;
      }
    } catch { /* reset or closed */ }
    this.#conns.delete(conn);
    try {
      conn.close();
    } catch { /* closed */ }
  }

  /** Waits until `n` frames have arrived; false on timeout. */
  async waitFor(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.count < n) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
    await this.#loop;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The gateway as a Sphinx hop. */
export interface GatewayHop {
  /** Its mixnet port on 127.0.0.1. */
  readonly mixPort: number;
  /** Its current x25519 Sphinx public key. */
  readonly sphinxKey: Uint8Array;
}

/**
 * Reads a node's current Sphinx key from its self-described API.
 *
 * @example
 * ```ts no-eval
 * const key = await fetchSphinxKey(node.baseUrl);
 * ```
 */
export async function fetchSphinxKey(baseUrl: string): Promise<Uint8Array> {
  const response = await fetch(`${baseUrl}/api/v1/host-information`);
  const info = await response.json();
  return decodeBase58(info.data.keys.primary_x25519_sphinx_key.public_key, 32);
}

/**
 * A v7 frame with a one-hop Sphinx packet to `gateway` for the client `recipient` (its ed25519
 * identity): the plaintext is a SURB-ack (first hop `ackPort` on 127.0.0.1, a random ack packet)
 * followed by `message`, which is what the gateway pushes to the client or stores for it.
 * `message` must fit one regular packet (at most 1,600 bytes is safe).
 *
 * @example
 * ```ts no-eval
 * const frame = finalHopFrame(crypto, systemRandom, gateway, clientIdentity, bytes, sink.port);
 * ```
 */
export function finalHopFrame(
  crypto: CryptoProvider,
  random: RandomSource,
  gateway: GatewayHop,
  recipient: Uint8Array,
  message: Uint8Array,
  ackPort: number,
): Uint8Array {
  const ack = encodeSurbAck({ ip: "127.0.0.1", port: ackPort }, random(386), PacketType.Mix);
  const plaintext = new Uint8Array(ack.length + message.length);
  plaintext.set(ack);
  plaintext.set(message, ack.length);
  const { mixPacket } = buildDataPacket(crypto, random, {
    plaintext,
    packetSize: PacketSize.Regular,
    route: [{ address: { ip: "127.0.0.1", port: gateway.mixPort }, sphinxKey: gateway.sphinxKey }],
    recipientIdentity: recipient,
    keyRotation: KeyRotation.Unknown,
    version: 258,
    averageDelayMs: 0,
  });
  return encodeFrame({
    version: 7,
    packetType: PacketType.Mix,
    keyRotation: KeyRotation.Unknown,
    packet: mixPacket.packet,
  });
}

/**
 * Opens a plain TCP mixnet connection to `127.0.0.1:port` and returns a function that writes
 * frames to it (in order), and a close function.
 *
 * @example
 * ```ts no-eval
 * const link = await openMixnetLink(gateway.mixPort);
 * await link.write([frame]);
 * link.close();
 * ```
 */
export async function openMixnetLink(
  port: number,
): Promise<{ write(frames: readonly Uint8Array[]): Promise<void>; close(): void }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  return {
    async write(frames) {
      let total = 0;
      for (const f of frames) total += f.length;
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const f of frames) {
        bytes.set(f, at);
        at += f.length;
      }
      for (let written = 0; written < bytes.length;) {
        written += await conn.write(bytes.subarray(written));
      }
    },
    close() {
      try {
        conn.close();
      } catch { /* closed */ }
    },
  };
}
