import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  fail,
} from "../../testing/asserts.ts";
import { concatBytes, createCryptoProvider, seededRandom, toHex } from "../../crypto/mod.ts";
import type { RandomSource } from "../../crypto/random.ts";
import { createMemoryStreamPair, type MemoryStream } from "../memory_stream.ts";
import {
  type ByteStream,
  createNoiseAead,
  deriveNymNoisePsk,
  encodeNoiseFrame,
  NOISE_MAX_PLAINTEXT_LENGTH,
  noiseAccept,
  noiseConnect,
  type NoiseConnection,
  NoiseConnectionClosedError,
  NoiseDecryptError,
  NoiseError,
  NoiseFrameDecoder,
  NoiseHandshakeTimeoutError,
  NoiseStateError,
  NoiseWriteQueueFullError,
  sealNoiseDataFrames,
  UnexpectedNoiseFrameError,
  UnknownNoiseVersionError,
  type X25519KeyPair,
  x25519KeyPairFromSecret,
  XKpsk3Handshake,
} from "./mod.ts";

const crypto = createCryptoProvider();

function keys(
  seed: number,
): { rng: RandomSource; initiator: X25519KeyPair; responder: X25519KeyPair } {
  const rng = seededRandom(new Uint8Array(32).fill(seed));
  return {
    rng,
    initiator: x25519KeyPairFromSecret(crypto, rng(32)),
    responder: x25519KeyPairFromSecret(crypto, rng(32)),
  };
}

/** Reads exactly `n` bytes (or until EOF) from a stream. */
async function readExactly(stream: ByteStream, n: number, chunk = 7000): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let filled = 0;
  const buf = new Uint8Array(chunk);
  while (filled < n) {
    const got = await stream.read(buf.subarray(0, Math.min(chunk, n - filled)));
    if (got === null) break;
    out.set(buf.subarray(0, got), filled);
    filled += got;
  }
  return out.subarray(0, filled);
}

/** Wraps a stream and records every byte written through it. */
function recording(inner: ByteStream): ByteStream & { written: Uint8Array[] } {
  const written: Uint8Array[] = [];
  return {
    written,
    read: (p) => inner.read(p),
    async write(p) {
      const n = await inner.write(p);
      written.push(p.slice(0, n));
      return n;
    },
    close: () => inner.close(),
  };
}

function frameLengths(bytes: Uint8Array): { type: number; length: number }[] {
  const decoder = new NoiseFrameDecoder(bytes.length + NoiseFrameDecoder.DEFAULT_CAPACITY);
  decoder.push(bytes);
  const out = [];
  for (let f = decoder.next(); f !== null; f = decoder.next()) {
    out.push({ type: f.header.messageType, length: f.header.length });
  }
  assert(!decoder.hasPartialFrame);
  return out;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed by the noise connection that owned it
  }
}

async function tcpPair(): Promise<{ client: Deno.TcpConn; server: Deno.TcpConn }> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  return { client, server };
}

Deno.test("loopback TCP: handshake, 1 MB writes each way split into frames, in order", async () => {
  const k = keys(1);
  const { client, server } = await tcpPair();
  const tap = recording(client);
  let initiator: NoiseConnection | undefined;
  let responder: NoiseConnection | undefined;
  try {
    [initiator, responder] = await Promise.all([
      // Different AES-GCM backends on the two sides (libsodium when loadable vs node:crypto).
      noiseConnect(tap, {
        responderStaticPublicKey: k.responder.publicKey,
        localStaticKeyPair: k.initiator,
        crypto,
        random: k.rng,
        aead: createNoiseAead(),
      }),
      noiseAccept(server, { localStaticKeyPair: k.responder, crypto, random: k.rng }),
    ]);
    assertEquals(toHex(responder.remoteStaticPublicKey), toHex(k.initiator.publicKey));
    assertEquals(toHex(initiator.remoteStaticPublicKey), toHex(k.responder.publicKey));
    assertEquals(toHex(initiator.handshakeHash), toHex(responder.handshakeHash));
    assertEquals([initiator.version, initiator.pattern, responder.version], [1, 1, 1]);

    const up = k.rng(1_000_000);
    const down = k.rng(1_000_000);
    const sizes = [1_000_000 - 10 * 2413, ...new Array(10).fill(2413)];
    const sendUp = (async () => {
      let at = 0;
      for (const n of sizes) {
        assertEquals(await initiator!.write(up.subarray(at, at + n)), n);
        at += n;
      }
    })();
    const [gotUp, gotDown] = await Promise.all([
      readExactly(responder, up.length),
      readExactly(initiator, down.length),
      sendUp,
      responder.write(down),
    ]);
    assertEquals(toHex(gotUp), toHex(up));
    assertEquals(toHex(gotDown), toHex(down));

    // What went over the wire from the initiator: 2 handshake frames, then data frames of at
    // most 65535 bytes (65519 plaintext + 16 tag).
    const frames = frameLengths(concatBytes(...tap.written));
    assertEquals(frames.slice(0, 2), [{ type: 0, length: 48 }, { type: 0, length: 64 }]);
    const data = frames.slice(2);
    assert(data.every((f) => f.type === 1 && f.length <= 65535 && f.length > 16));
    assertEquals(data.reduce((s, f) => s + f.length - 16, 0), up.length);
    // One frame per 65519 bytes of each write: 975870 → 14 full + 1 partial; 10 × 2413 → 10.
    assertEquals(data.filter((f) => f.length === NOISE_MAX_PLAINTEXT_LENGTH + 16).length, 14);
    assertEquals(data.length, 25);
    assertEquals(data.slice(15).map((f) => f.length), new Array(10).fill(2413 + 16));

    initiator.close();
    assertEquals(await responder.read(new Uint8Array(10)), null); // clean EOF
  } finally {
    initiator?.close();
    responder?.close();
    closeQuietly(client);
    closeQuietly(server);
  }
});

async function memoryHandshake(
  seed: number,
  options: { maxWriteChunk?: number; capacity?: number } = {},
) {
  const k = keys(seed);
  const [a, b] = createMemoryStreamPair(options);
  const [initiator, responder] = await Promise.all([
    noiseConnect(a, {
      responderStaticPublicKey: k.responder.publicKey,
      localStaticKeyPair: k.initiator,
      crypto,
      random: k.rng,
    }),
    noiseAccept(b, { localStaticKeyPair: k.responder, crypto, random: k.rng }),
  ]);
  return { k, a, b, initiator, responder };
}

Deno.test("concurrent writes and partial underlying writes keep byte order", async () => {
  const { k, initiator, responder } = await memoryHandshake(2, {
    maxWriteChunk: 1000,
    capacity: 50_000,
  });
  const parts = Array.from({ length: 40 }, (_, i) => k.rng(i * 997));
  const all = concatBytes(...parts);
  const [received] = await Promise.all([
    readExactly(responder, all.length, 333),
    ...parts.map((p) => initiator.write(p)),
  ]);
  assertEquals(toHex(received), toHex(all));
  initiator.close();
  responder.close();
});

Deno.test("wrong responder key: both sides reject with NoiseErrors and close", async () => {
  const k = keys(3);
  const [a, b] = createMemoryStreamPair();
  const wrongKey = x25519KeyPairFromSecret(crypto, new Uint8Array(32).fill(77)).publicKey;
  const [initiatorResult, responderResult] = await Promise.allSettled([
    noiseConnect(a, {
      responderStaticPublicKey: wrongKey,
      localStaticKeyPair: k.initiator,
      crypto,
      random: k.rng,
    }),
    noiseAccept(b, { localStaticKeyPair: k.responder, crypto, random: k.rng }),
  ]);
  assert(responderResult.status === "rejected");
  assertInstanceOf(responderResult.reason, NoiseDecryptError);
  assert(initiatorResult.status === "rejected");
  assertInstanceOf(initiatorResult.reason, NoiseConnectionClosedError);
  assert(a.closed && b.closed);
});

Deno.test("handshake timeout fires (responder waiting, initiator waiting) and closes", async () => {
  const k = keys(4);
  {
    const [a, b] = createMemoryStreamPair();
    const started = performance.now();
    const e = await assertRejects(
      () =>
        noiseAccept(b, { localStaticKeyPair: k.responder, crypto, random: k.rng, timeoutMs: 60 }),
      NoiseHandshakeTimeoutError,
    );
    assertEquals(e.timeoutMs, 60);
    assert(performance.now() - started >= 55);
    assert(b.closed);
    assertEquals(await a.read(new Uint8Array(1)), null); // the peer sees the close
    a.close();
  }
  {
    const [a, b] = createMemoryStreamPair();
    await assertRejects(
      () =>
        noiseConnect(a, {
          responderStaticPublicKey: k.responder.publicKey,
          localStaticKeyPair: k.initiator,
          crypto,
          random: k.rng,
          timeoutMs: 40,
        }),
      NoiseHandshakeTimeoutError,
    );
    assert(a.closed);
    b.close();
  }
});

Deno.test("loopback TCP: a stalled handshake does not delay another one", async () => {
  const k = keys(5);
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Promise<NoiseConnection>[] = [];
  let stalledSettled = false;
  const acceptTwo = (async () => {
    for (let i = 0; i < 2; i++) {
      const conn = await listener.accept();
      const handshake = noiseAccept(conn, {
        localStaticKeyPair: k.responder,
        crypto,
        random: k.rng,
        timeoutMs: 1000,
      });
      if (i === 0) handshake.catch(() => {}).finally(() => stalledSettled = true);
      accepted.push(handshake);
    }
  })();
  // The first connection never sends anything; the second is accepted after it.
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const good = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  let client: NoiseConnection | undefined;
  try {
    client = await noiseConnect(good, {
      responderStaticPublicKey: k.responder.publicKey,
      localStaticKeyPair: k.initiator,
      crypto,
      random: k.rng,
    });
    await acceptTwo;
    const server = await accepted[1];
    assert(!stalledSettled, "the good handshake finished only after the stalled one gave up");
    await client.write(Uint8Array.of(1, 2, 3));
    assertEquals(toHex(await readExactly(server, 3)), "010203");
    server.close();
    await assertRejects(() => accepted[0], NoiseHandshakeTimeoutError);
    assertEquals(await silent.read(new Uint8Array(1)), null); // the stalled one was closed
  } finally {
    client?.close();
    closeQuietly(good);
    closeQuietly(silent);
  }
});

/** A relay between two memory pairs that lets a test mutate frame number `target`. */
function tamperingRelay(target: number, mutate: (frame: Uint8Array) => Uint8Array) {
  const [initiatorEnd, relayLeft] = createMemoryStreamPair();
  const [relayRight, responderEnd] = createMemoryStreamPair();
  let index = 0; // counts frames in both directions, in protocol order
  const pump = async (from: MemoryStream, to: MemoryStream) => {
    const decoder = new NoiseFrameDecoder();
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        decoder.push(buf.subarray(0, n));
        for (let f = decoder.next(); f !== null; f = decoder.next()) {
          let wire = encodeNoiseFrame(
            f.header.version,
            f.header.pattern,
            f.header.messageType,
            f.data,
          );
          if (index++ === target) wire = mutate(wire);
          for (let at = 0; at < wire.length;) at += await to.write(wire.subarray(at));
        }
      }
    } catch {
      // one side closed
    }
    to.close();
    from.close();
  };
  const done = Promise.all([pump(relayLeft, relayRight), pump(relayRight, relayLeft)]);
  return { initiatorEnd, responderEnd, done };
}

Deno.test("tampered handshake frames (each of the 3) are rejected typed on the receiving side", async () => {
  for (let target = 0; target < 3; target++) {
    const k = keys(10 + target);
    const relay = tamperingRelay(target, (w) => {
      const out = w.slice();
      out[out.length - 5] ^= 0x01; // inside the Noise message (tag or key)
      return out;
    });
    const [i, r] = await Promise.allSettled([
      noiseConnect(relay.initiatorEnd, {
        responderStaticPublicKey: k.responder.publicKey,
        localStaticKeyPair: k.initiator,
        crypto,
        random: k.rng,
      }),
      noiseAccept(relay.responderEnd, { localStaticKeyPair: k.responder, crypto, random: k.rng }),
    ]);
    // Messages 1 and 3 are read by the responder, message 2 by the initiator.
    const receiver = target === 1 ? i : r;
    assert(receiver.status === "rejected", `target ${target}`);
    assertInstanceOf(receiver.reason, NoiseDecryptError);
    if (target !== 2) {
      // The initiator's handshake ends with message 3; it can only fail before that.
      assert(i.status === "rejected");
      assertInstanceOf(i.reason, NoiseError);
    } else if (i.status === "fulfilled") {
      i.value.close();
    }
    await relay.done;
  }
});

Deno.test("a tampered data frame fails the read with NoiseDecryptError, and later reads too", async () => {
  const k = keys(20);
  const relay = tamperingRelay(3, (w) => {
    const out = w.slice();
    out[20] ^= 0x40;
    return out;
  });
  const [initiator, responder] = await Promise.all([
    noiseConnect(relay.initiatorEnd, {
      responderStaticPublicKey: k.responder.publicKey,
      localStaticKeyPair: k.initiator,
      crypto,
      random: k.rng,
    }),
    noiseAccept(relay.responderEnd, { localStaticKeyPair: k.responder, crypto, random: k.rng }),
  ]);
  await initiator.write(k.rng(100));
  await assertRejects(() => responder.read(new Uint8Array(200)), NoiseDecryptError);
  await assertRejects(() => responder.read(new Uint8Array(200)), NoiseDecryptError);
  initiator.close();
  responder.close();
  await relay.done;
});

/** Drives a responder by hand with the pure core, to send arbitrary frames. */
function manualInitiator(seed: number) {
  const k = keys(seed);
  const [a, b] = createMemoryStreamPair();
  const psk = deriveNymNoisePsk(crypto, k.responder.publicKey, 1);
  const hs = XKpsk3Handshake.initiator({
    crypto,
    random: k.rng,
    psk,
    localStaticKeyPair: k.initiator,
    remoteStaticPublicKey: k.responder.publicKey,
  });
  const accepted = noiseAccept(b, {
    localStaticKeyPair: k.responder,
    crypto,
    random: k.rng,
    timeoutMs: 500,
  });
  accepted.catch(() => {});
  const send = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await a.write(bytes.subarray(at));
  };
  const receiveFrame = async () => {
    const decoder = new NoiseFrameDecoder();
    const buf = new Uint8Array(1024);
    for (;;) {
      const f = decoder.next();
      if (f) return f;
      const n = await a.read(buf);
      if (n === null) fail("responder closed");
      decoder.push(buf.subarray(0, n));
    }
  };
  return { k, a, b, hs, accepted, send, receiveFrame };
}

Deno.test("responder: message 3 and a data frame arriving in one chunk are both used", async () => {
  const m = manualInitiator(30);
  await m.send(encodeNoiseFrame(1, 1, 0, m.hs.writeMessage()));
  m.hs.readMessage((await m.receiveFrame()).data);
  const msg3 = encodeNoiseFrame(1, 1, 0, m.hs.writeMessage());
  const transport = m.hs.intoTransport();
  const data = sealNoiseDataFrames(transport, Uint8Array.of(9, 8, 7), { version: 1, pattern: 1 });
  await m.send(concatBytes(msg3, data));
  const responder = await m.accepted;
  assertEquals(toHex(await readExactly(responder, 3)), "090807");
  responder.close();
  m.a.close();
});

Deno.test("responder rejects a bad first frame with typed errors and closes", async () => {
  // deno-lint-ignore no-explicit-any
  const cases: [Uint8Array, new (...args: any[]) => NoiseError][] = [
    [encodeNoiseFrame(1, 1, 1, new Uint8Array(48)), UnexpectedNoiseFrameError], // data first
    [encodeNoiseFrame(1, 2, 0, new Uint8Array(48)), UnexpectedNoiseFrameError], // IKpsk2
    [Uint8Array.of(2, 1, 0, 0, 48, 0, 0, 0, ...new Uint8Array(48)), UnknownNoiseVersionError],
    [encodeNoiseFrame(1, 1, 0, new Uint8Array(47)), NoiseError], // too short for message 1
    [encodeNoiseFrame(1, 1, 0, new Uint8Array(48)), NoiseDecryptError], // garbage message 1
  ];
  for (const [first, errorClass] of cases) {
    const m = manualInitiator(31);
    await m.send(first);
    await assertRejects(() => m.accepted, errorClass);
    assert(m.b.closed);
    m.a.close();
  }
  // The initiator closing before sending anything.
  const m = manualInitiator(32);
  m.a.close();
  await assertRejects(() => m.accepted, NoiseConnectionClosedError);
  // Half a frame, then EOF.
  const h = manualInitiator(33);
  await h.send(encodeNoiseFrame(1, 1, 0, h.hs.writeMessage()).subarray(0, 20));
  h.a.close();
  await assertRejects(() => h.accepted, NoiseConnectionClosedError);
});

Deno.test("responder rejects a message 3 frame with another type or pattern", async () => {
  for (const [type, pattern] of [[1, 1], [0, 2]] as const) {
    const m = manualInitiator(34);
    await m.send(encodeNoiseFrame(1, 1, 0, m.hs.writeMessage()));
    m.hs.readMessage((await m.receiveFrame()).data);
    await m.send(encodeNoiseFrame(1, pattern, type, m.hs.writeMessage()));
    const e = await assertRejects(() => m.accepted, UnexpectedNoiseFrameError);
    assertEquals(e.reason, type === 1 ? "non-handshake-during-handshake" : "pattern-mismatch");
    m.a.close();
  }
});

Deno.test("initiator refuses an unknown version (no PSK for it) and closes", async () => {
  const k = keys(40);
  const [a, b] = createMemoryStreamPair();
  await assertRejects(
    () =>
      noiseConnect(a, {
        responderStaticPublicKey: k.responder.publicKey,
        localStaticKeyPair: k.initiator,
        crypto,
        random: k.rng,
        version: 2,
      }),
    UnknownNoiseVersionError,
  );
  assert(a.closed);
  b.close();
});

Deno.test("post-handshake: write bound, close semantics, EOF inside a frame", async () => {
  {
    const { initiator, responder } = await memoryHandshake(50, { capacity: 1000 });
    // Nobody reads, so the first write stalls; queue bound is checked on the next one.
    const bounded = initiator as NoiseConnection;
    const first = bounded.write(new Uint8Array(9 * 1024 * 1024));
    await assertRejects(() => bounded.write(new Uint8Array(1)), NoiseWriteQueueFullError);
    initiator.close();
    await assertRejects(() => first, NoiseError);
    await assertRejects(() => initiator.write(Uint8Array.of(1)), NoiseStateError);
    assertEquals(await initiator.read(new Uint8Array(1)), null);
    responder.close();
  }
  {
    const { a, responder, initiator } = await memoryHandshake(51);
    // Close the raw stream right after half a data frame.
    const pending = responder.read(new Uint8Array(10));
    await a.write(encodeNoiseFrame(1, 1, 1, new Uint8Array(40)).subarray(0, 12));
    a.close();
    await assertRejects(() => pending, NoiseConnectionClosedError);
    responder.close();
    initiator.close();
  }
  {
    const { initiator, responder } = await memoryHandshake(52);
    const pending = responder.read(new Uint8Array(10));
    responder.close(); // a local close ends a pending read as EOF
    assertEquals(await pending, null);
    initiator.close();
  }
});
