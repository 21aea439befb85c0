/**
 * Fuzz-style robustness: random and mutated inputs to every parser in `message/socks5/` either
 * parse or throw a {@linkcode Socks5ProtocolError}; what parses re-encodes to a message that
 * parses to the same value.
 */
import { assertEquals, fail } from "../../testing/asserts.ts";
import { randomInt, type RandomSource, seededRandom } from "../../crypto/random.ts";
import { decodeRecipient } from "../recipient.ts";
import {
  decodeControlResponse,
  decodeSocks5ProviderRequest,
  decodeSocks5ProviderResponse,
  encodeSocks5ProviderRequest,
  encodeSocks5ProviderResponse,
  LEGACY_VERSIONS,
  Socks5ProtocolError,
  socks5Request,
  socks5Response,
} from "./mod.ts";

const ITERATIONS = 20_000;

function onlyTyped<T>(run: () => T): T | null {
  try {
    return run();
  } catch (e) {
    if (e instanceof Socks5ProtocolError) return null;
    fail(`untyped error escaped: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

function mutate(random: RandomSource, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + randomInt(random, 3);
  for (let i = 0; i < flips && out.length > 0; i++) {
    out[randomInt(random, Math.min(out.length, 24))] = random(1)[0];
  }
  switch (randomInt(random, 3)) {
    case 0:
      return out.subarray(0, randomInt(random, out.length + 1));
    case 1: {
      const longer = new Uint8Array(out.length + 1 + randomInt(random, 100));
      longer.set(out);
      longer.set(random(longer.length - out.length), out.length);
      return longer;
    }
    default:
      return out;
  }
}

function seeds(): Uint8Array[] {
  const recipient = decodeRecipient(new Uint8Array(96).fill(1));
  const data = { connectionId: 77n, seq: 5n, closed: false, data: Uint8Array.of(1, 2, 3) };
  return [
    encodeSocks5ProviderRequest(
      socks5Request({
        kind: "connect",
        connectionId: 1n,
        remoteAddress: "example.org:443",
        returnAddress: recipient,
      }),
    ),
    encodeSocks5ProviderRequest(
      socks5Request({
        kind: "connect",
        connectionId: 1n,
        remoteAddress: "[::1]:80",
        returnAddress: null,
      }, LEGACY_VERSIONS),
    ),
    encodeSocks5ProviderRequest(socks5Request({ kind: "send", data })),
    encodeSocks5ProviderRequest(socks5Request({ kind: "query", query: "exit-policy" })),
    encodeSocks5ProviderRequest({
      interfaceVersion: 3,
      content: { kind: "control", request: "binary-info" },
    }),
    encodeSocks5ProviderResponse(socks5Response({ kind: "network-data", data })),
    encodeSocks5ProviderResponse(
      socks5Response({ kind: "connection-error", connectionId: 1n, message: "nope" }),
    ),
    encodeSocks5ProviderResponse(socks5Response({
      kind: "query",
      response: {
        kind: "exit-policy",
        enabled: true,
        upstream: "http://x",
        policy: [{ action: "reject", ipPattern: "10.0.0.0/8", ports: { start: 1, end: 65535 } }],
      },
    })),
    encodeSocks5ProviderResponse({
      interfaceVersion: 3,
      content: {
        kind: "control",
        response: { kind: "supported-versions", interfaceVersion: "a", providerVersion: "b" },
      },
    }),
  ];
}

Deno.test("socks5 parsers throw only typed errors on mutated input, and round-trip what parses", () => {
  const random = seededRandom(new Uint8Array(32).fill(0x55));
  const corpus = seeds();
  let parsed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = i % 5 === 0
      ? random(randomInt(random, 64))
      : mutate(random, corpus[randomInt(random, corpus.length)]);
    const req = onlyTyped(() => decodeSocks5ProviderRequest(input));
    if (req !== null) {
      parsed++;
      // what parses re-encodes (where encodable) to something that parses to the same value
      const again = onlyTyped(() => encodeSocks5ProviderRequest(req));
      if (again !== null) assertEquals(decodeSocks5ProviderRequest(again), req);
    }
    const res = onlyTyped(() => decodeSocks5ProviderResponse(input));
    if (res !== null) {
      parsed++;
      const again = onlyTyped(() => encodeSocks5ProviderResponse(res));
      if (again !== null) assertEquals(decodeSocks5ProviderResponse(again), res);
    }
    onlyTyped(() => decodeControlResponse(input));
  }
  // the mutations are mild enough that many inputs still parse (the round trip is exercised)
  if (parsed < ITERATIONS / 10) fail(`only ${parsed} inputs parsed`);
});
