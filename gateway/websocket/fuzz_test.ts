/**
 * Fuzz-style robustness of the byte-level parsers: random and mutated frame streams, fed to the
 * decoder in random chunks, either decode or throw a {@linkcode FrameError}; random and mutated
 * request heads either parse or throw a {@linkcode HandshakeError}. Nothing else may escape and
 * decoded messages always respect the limits. Deterministic (`seededRandom`).
 */
import { assert, assertEquals, fail } from "../../testing/asserts.ts";
import { randomInt, type RandomSource, seededRandom } from "../../crypto/random.ts";
import { encodeClosePayload } from "./close.ts";
import { type DecodedEvent, FrameDecoder } from "./decoder.ts";
import { FrameError, HandshakeError } from "./errors.ts";
import { encodeFrame, Opcode } from "./frame.ts";
import { parseUpgradeRequest } from "./handshake.ts";
import { upgradeRequest } from "./_test_support.ts";

const ITERATIONS = 2_000;
const LIMITS = { maxFramePayload: 4096, maxMessageSize: 8192 };

function rng(seed: number): RandomSource {
  return seededRandom(new Uint8Array(32).fill(seed));
}

/** A valid client stream: random messages (some fragmented), pings, pongs, maybe a close. */
function validStream(random: RandomSource): { bytes: Uint8Array; events: DecodedEvent[] } {
  const frames: Uint8Array[] = [];
  const events: DecodedEvent[] = [];
  const maskKey = random(4);
  const count = 1 + randomInt(random, 6);
  for (let i = 0; i < count; i++) {
    const kind = randomInt(random, 5);
    if (kind === 0 || kind === 1) {
      const length = randomInt(random, 3000);
      const isText = kind === 0;
      const payload = isText
        ? new TextEncoder().encode("é😀a".repeat(Math.ceil(length / 7)).slice(0, length))
        : random(length);
      const pieces = 1 + randomInt(random, 3);
      const cut = [0];
      for (let p = 1; p < pieces; p++) cut.push(randomInt(random, payload.length + 1));
      cut.push(payload.length);
      cut.sort((a, b) => a - b);
      for (let p = 0; p < pieces; p++) {
        const opcode = p === 0 ? (isText ? Opcode.text : Opcode.binary) : Opcode.continuation;
        frames.push(
          encodeFrame(opcode, payload.subarray(cut[p], cut[p + 1]), {
            fin: p === pieces - 1,
            maskKey,
          }),
        );
        if (p < pieces - 1 && randomInt(random, 3) === 0) {
          const ping = random(randomInt(random, 126));
          frames.push(encodeFrame(Opcode.ping, ping, { maskKey }));
          events.push({ type: "ping", data: ping });
        }
      }
      events.push(
        isText
          ? { type: "text", data: new TextDecoder().decode(payload) }
          : { type: "binary", data: payload },
      );
    } else if (kind === 2) {
      const data = random(randomInt(random, 126));
      frames.push(encodeFrame(Opcode.ping, data, { maskKey }));
      events.push({ type: "ping", data });
    } else if (kind === 3) {
      const data = random(randomInt(random, 126));
      frames.push(encodeFrame(Opcode.pong, data, { maskKey }));
      events.push({ type: "pong", data });
    } else {
      const code = 3000 + randomInt(random, 2000);
      frames.push(encodeFrame(Opcode.close, encodeClosePayload(code, "bye"), { maskKey }));
      events.push({ type: "close", code, reason: "bye" });
    }
  }
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    bytes.set(f, at);
    at += f.length;
  }
  return { bytes, events };
}

function mutate(random: RandomSource, input: Uint8Array): Uint8Array {
  let bytes = input.slice();
  const rounds = 1 + randomInt(random, 4);
  for (let r = 0; r < rounds && bytes.length > 0; r++) {
    const at = randomInt(random, bytes.length);
    switch (randomInt(random, 6)) {
      case 0:
        bytes[at] ^= 1 << randomInt(random, 8);
        break;
      case 1:
        bytes[at] = random(1)[0];
        break;
      case 2:
        bytes = bytes.slice(0, at);
        break;
      case 3: {
        const insert = random(1 + randomInt(random, 16));
        const out = new Uint8Array(bytes.length + insert.length);
        out.set(bytes.subarray(0, at));
        out.set(insert, at);
        out.set(bytes.subarray(at), at + insert.length);
        bytes = out;
        break;
      }
      case 4:
        bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + 1)]);
        break;
      default:
        // Header-sized damage to the first bytes, where the frame header lives.
        bytes[randomInt(random, Math.min(14, bytes.length))] = random(1)[0];
    }
  }
  return bytes;
}

/** Decodes in random chunks; returns the events, or the typed error that stopped decoding. */
function decodeChunked(
  random: RandomSource,
  bytes: Uint8Array,
  role: "server" | "client" = "server",
): { events: DecodedEvent[]; error: FrameError | null } {
  const decoder = new FrameDecoder({ role, ...LIMITS });
  const events: DecodedEvent[] = [];
  let at = 0;
  try {
    while (at < bytes.length) {
      const size = 1 + randomInt(random, 700);
      decoder.push(bytes.subarray(at, at + size));
      at += size;
      for (let e = decoder.next(); e !== null; e = decoder.next()) {
        checkEvent(e);
        events.push(e);
      }
    }
  } catch (e) {
    if (e instanceof FrameError) return { events, error: e };
    fail(`untyped error escaped the decoder: ${(e as Error)?.stack ?? e}`);
  }
  return { events, error: null };
}

function checkEvent(e: DecodedEvent): void {
  switch (e.type) {
    case "text":
      assert(typeof e.data === "string");
      assert(new TextEncoder().encode(e.data).length <= LIMITS.maxMessageSize);
      break;
    case "binary":
      assert(e.data instanceof Uint8Array && e.data.length <= LIMITS.maxMessageSize);
      break;
    case "ping":
    case "pong":
      assert(e.data.length <= 125);
      break;
    case "close":
      assert(Number.isInteger(e.code) && typeof e.reason === "string");
      break;
  }
}

Deno.test("fuzz: valid streams decode to the same events under random chunking", () => {
  const random = rng(21);
  for (let i = 0; i < ITERATIONS / 4; i++) {
    const { bytes, events } = validStream(random);
    const result = decodeChunked(random, bytes);
    assertEquals(result.error, null);
    assertEquals(result.events, events);
  }
});

Deno.test("fuzz: mutated frame streams yield only typed errors", () => {
  const random = rng(22);
  let errors = 0;
  const codes = new Set<number>();
  for (let i = 0; i < ITERATIONS; i++) {
    const { bytes } = validStream(random);
    const { error } = decodeChunked(random, mutate(random, bytes));
    if (error) {
      errors++;
      codes.add(error.closeCode);
    }
  }
  // The mutations must actually exercise the error paths.
  assert(errors > ITERATIONS / 4, `only ${errors} errors`);
  assertEquals([...codes].sort(), [1002, 1007, 1009]);
});

Deno.test("fuzz: random bytes yield only typed errors, for both roles", () => {
  const random = rng(23);
  for (let i = 0; i < ITERATIONS; i++) {
    const bytes = random(1 + randomInt(random, 2000));
    decodeChunked(random, bytes, i % 2 === 0 ? "server" : "client");
  }
});

Deno.test("fuzz: random and mutated request heads yield only HandshakeError", () => {
  const random = rng(24);
  const valid = new TextEncoder().encode(upgradeRequest("/path?q=1", { "User-Agent": "fuzz" }));
  let accepted = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const bytes = i % 4 === 0 ? random(randomInt(random, 9000)) : mutate(random, valid);
    try {
      if (parseUpgradeRequest(bytes) !== null) accepted++;
    } catch (e) {
      if (!(e instanceof HandshakeError)) {
        fail(`untyped error escaped: ${(e as Error)?.stack ?? e}`);
      }
      assert([400, 405, 426, 431].includes(e.status));
    }
  }
  assert(accepted > 0, "some mutations (e.g. in header values) should still parse");
});
