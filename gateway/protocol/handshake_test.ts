import {
  assert,
  assertEquals,
  assertNotEquals,
  assertThrows,
  fail,
} from "../../testing/asserts.ts";
import { encodeBase58 } from "../../crypto/base58.ts";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { type RandomSource, seededRandom } from "../../crypto/random.ts";
import { parseClientControlRequest } from "./client_request.ts";
import { HandshakeError, HandshakeStateError } from "./errors.ts";
import {
  ClientHandshake,
  type ClientHandshakeResult,
  GatewayHandshake,
  type GatewayHandshakeResult,
  type HandshakeStep,
  parseRegistrationHandshake,
  serializeHandshakeError,
  serializeHandshakePayload,
} from "./handshake.ts";
import {
  decodeGatewayMaterial,
  encodeGatewayMaterial,
  GATEWAY_MATERIAL_LENGTH,
  HANDSHAKE_INIT_LENGTH,
  KEY_MATERIAL_LENGTH,
} from "./handshake_messages.ts";
import { SHARED_KEY_LENGTH } from "./shared_key.ts";

const crypto = createCryptoProvider();

function rng(seed: number): RandomSource {
  return seededRandom(new Uint8Array(32).fill(seed));
}

interface Parties {
  client: ClientHandshake;
  gateway: GatewayHandshake;
  clientKeys: Ed25519KeyPair;
  gatewayKeys: Ed25519KeyPair;
}

function parties(seed: number, protocolVersion?: number): Parties {
  const random = rng(seed);
  const clientKeys = generateEd25519KeyPair(random);
  const gatewayKeys = generateEd25519KeyPair(random);
  return {
    clientKeys,
    gatewayKeys,
    client: new ClientHandshake({
      identity: clientKeys,
      gatewayIdentity: gatewayKeys.publicKey,
      crypto,
      random: rng(seed + 100),
      protocolVersion,
    }),
    gateway: new GatewayHandshake({ identity: gatewayKeys, crypto, random: rng(seed + 200) }),
  };
}

function payload(text: string): { data: Uint8Array; protocolVersion: number | undefined } {
  const m = parseRegistrationHandshake(text);
  if (m.type !== "handshakePayload") fail(`not a payload: ${text}`);
  return { data: m.data, protocolVersion: m.protocolVersion };
}

function sendOf<R>(step: HandshakeStep<R>): string {
  if (step.kind !== "send") fail(`expected send, got ${step.kind}`);
  return step.message;
}

function run(p: Parties): {
  client: ClientHandshakeResult;
  gateway: GatewayHandshakeResult;
  transcript: string[];
} {
  const init = p.client.start();
  const material = p.gateway.begin(payload(init));
  const clientMaterial = sendOf(p.client.receive(material));
  const g = p.gateway.receive(clientMaterial);
  if (g.kind !== "complete" || g.message === undefined) fail("gateway did not complete");
  const c = p.client.receive(g.message);
  if (c.kind !== "complete") fail("client did not complete");
  return {
    client: c.result,
    gateway: g.result,
    transcript: [init, material, clientMaterial, g.message],
  };
}

Deno.test("handshake: client and gateway derive the same key", () => {
  const p = parties(1);
  assertEquals([p.client.state, p.gateway.state], ["initial", "initial"]);
  const { client, gateway, transcript } = run(p);
  assertEquals(client.sharedKey.length, SHARED_KEY_LENGTH);
  assertEquals(client.sharedKey, gateway.sharedKey);
  assertEquals(gateway.clientIdentity, p.clientKeys.publicKey);
  assertEquals(gateway.clientAddress, encodeBase58(p.clientKeys.publicKey));
  assertEquals([p.client.state, p.gateway.state], ["complete", "complete"]);
  // Byte lengths and the finalization, as the wasm client exchanged them (wasm-client.md §3.2).
  assertEquals(transcript.map((t) => payload(t).data.length), [
    HANDSHAKE_INIT_LENGTH,
    GATEWAY_MATERIAL_LENGTH,
    KEY_MATERIAL_LENGTH,
    1,
  ]);
  assertEquals(payload(transcript[3]).data, new Uint8Array([1]));
  // The init carries the identity first, then the ephemeral key.
  assertEquals(payload(transcript[0]).data.subarray(0, 32), p.clientKeys.publicKey);
});

Deno.test("handshake: deterministic with injected randomness, different across sessions", () => {
  const a = run(parties(2));
  const b = run(parties(2));
  assertEquals(a.transcript, b.transcript);
  assertEquals(a.client.sharedKey, b.client.sharedKey);
  const c = run(parties(3));
  assertNotEquals(a.client.sharedKey, c.client.sharedKey);
});

Deno.test("handshake: versions — the gateway echoes the proposal capped at 6", () => {
  for (const [proposed, expected] of [[3, 3], [4, 4], [5, 5], [6, 6], [9, 6]]) {
    const p = parties(4, proposed);
    const { client, gateway, transcript } = run(p);
    assertEquals(payload(transcript[0]).protocolVersion, proposed);
    assertEquals(payload(transcript[1]).protocolVersion, expected);
    assertEquals(payload(transcript[3]).protocolVersion, expected);
    assertEquals(gateway.protocolVersion, expected);
    // The client adopts the gateway's version, as the Rust client does.
    assertEquals(client.protocolVersion, expected);
    assertEquals(payload(transcript[2]).protocolVersion, expected);
  }
  // Default proposal: the current version.
  assertEquals(payload(parties(5).client.start()).protocolVersion, 6);
});

Deno.test("handshake: the init may arrive as registerHandshakeInitRequest", () => {
  const p = parties(6);
  const init = payload(p.client.start());
  const text = JSON.stringify({
    type: "registerHandshakeInitRequest",
    protocol_version: 3,
    data: Array.from(init.data),
  });
  const request = parseClientControlRequest(text);
  if (request.type !== "registerHandshakeInitRequest") fail("wrong type");
  assertEquals(request.wireType, "registerHandshakeInitRequest");
  const material = p.gateway.begin(request);
  assertEquals(payload(material).protocolVersion, 3);
  assertEquals(p.gateway.clientIdentity, p.clientKeys.publicKey);
  assertEquals(p.client.receive(material).kind, "send");
});

Deno.test("handshake: a client talking to the wrong gateway refuses its signature", () => {
  const p = parties(7);
  const impostor = new GatewayHandshake({
    identity: generateEd25519KeyPair(rng(70)),
    crypto,
    random: rng(71),
  });
  const material = impostor.begin(payload(p.client.start()));
  const e = assertThrows(
    () => p.client.receive(material),
    HandshakeError,
    "received invalid signature",
  );
  assertEquals(e.code, "invalid_signature");
  assertEquals(e.reply, serializeHandshakeError("received invalid signature"));
  assertEquals(p.client.state, "failed");
  assertThrows(() => p.client.receive(material), HandshakeStateError);
});

Deno.test("handshake: the gateway refuses tampered or foreign client material", () => {
  for (const flip of [0, 40, 79, 80, 91]) {
    const p = parties(8);
    const material = p.gateway.begin(payload(p.client.start()));
    const data = payload(sendOf(p.client.receive(material))).data;
    data[flip] ^= 0x40;
    const e = assertThrows(
      () => p.gateway.receive(serializeHandshakePayload(data, 6)),
      HandshakeError,
    );
    assertEquals(e.code, "invalid_signature");
    assertEquals(e.reply, serializeHandshakeError("received invalid signature"));
    assertEquals(p.gateway.state, "failed");
  }
  // Material from another client's session (other identity and ephemeral keys).
  const p = parties(9);
  const q = parties(10);
  p.gateway.begin(payload(p.client.start()));
  const foreign = sendOf(q.client.receive(q.gateway.begin(payload(q.client.start()))));
  const e = assertThrows(() => p.gateway.receive(foreign), HandshakeError);
  assertEquals(e.code, "invalid_signature");
});

Deno.test("handshake: the gateway refuses legacy (salt-less) and malformed init messages", () => {
  const p = parties(13);
  const init = payload(p.client.start()).data;
  const legacy = new GatewayHandshake({ identity: p.gatewayKeys, crypto, random: rng(1) });
  const e = assertThrows(
    () => legacy.begin({ data: init.subarray(0, 64), protocolVersion: 2 }),
    HandshakeError,
    "legacy",
  );
  assertEquals(e.code, "legacy_key_unsupported");
  assertEquals(parseRegistrationHandshake(e.reply!).type, "handshakeError");
  assertEquals(legacy.state, "failed");

  for (const length of [0, 1, 32, 63, 65, 79, 81, 200]) {
    const g = new GatewayHandshake({ identity: p.gatewayKeys, crypto, random: rng(1) });
    const bytes = new Uint8Array(length);
    bytes.set(init.subarray(0, Math.min(length, init.length)));
    const err = assertThrows(() => g.begin({ data: bytes, protocolVersion: 3 }), HandshakeError);
    assertEquals(err.code, "malformed_message");
    assertEquals(err.reply, serializeHandshakeError("sent request was malformed"));
  }
  // An identity that is not an Ed25519 point.
  const bad = init.slice();
  bad.fill(0xff, 0, 32);
  const g = new GatewayHandshake({ identity: p.gatewayKeys, crypto, random: rng(1) });
  assertEquals(
    assertThrows(() => g.begin({ data: bad, protocolVersion: 3 }), HandshakeError).code,
    "malformed_message",
  );
});

Deno.test("handshake: low-order ephemeral keys are refused on both sides", () => {
  const p = parties(14);
  const init = payload(p.client.start()).data.slice();
  init.fill(0, 32, 64); // the all-zero point
  const e = assertThrows(() => p.gateway.begin({ data: init, protocolVersion: 3 }), HandshakeError);
  assertEquals(e.code, "weak_ephemeral_key");
  assert(e.reply !== undefined);

  const q = parties(15);
  const material = payload(q.gateway.begin(payload(q.client.start()))).data;
  material.fill(0, 0, 32);
  const err = assertThrows(
    () => q.client.receive(serializeHandshakePayload(material, 3)),
    HandshakeError,
  );
  assertEquals(err.code, "weak_ephemeral_key");
});

Deno.test("handshake: malformed gateway messages fail the client", () => {
  for (const length of [0, 96, 123, 125]) {
    const p = parties(16);
    p.client.start();
    const e = assertThrows(
      () => p.client.receive(serializeHandshakePayload(new Uint8Array(length), 3)),
      HandshakeError,
    );
    assertEquals(e.code, "malformed_message");
  }
  // A finalization of the wrong length, or reporting failure.
  for (
    const [data, code] of [[[], "malformed_message"], [[1, 1], "malformed_message"], [
      [0],
      "handshake_failure",
    ], [[2], "handshake_failure"]] as const
  ) {
    const p = parties(17);
    const material = p.gateway.begin(payload(p.client.start()));
    p.client.receive(material);
    const e = assertThrows(
      () => p.client.receive(serializeHandshakePayload(new Uint8Array(data), 3)),
      HandshakeError,
    );
    assertEquals(e.code, code);
    assertEquals(p.client.state, "failed");
  }
});

Deno.test("handshake: a gateway insisting on a future version is refused", () => {
  const p = parties(18);
  const material = payload(p.gateway.begin(payload(p.client.start()))).data;
  const e = assertThrows(
    () => p.client.receive(serializeHandshakePayload(material, 7)),
    HandshakeError,
    "v7",
  );
  assertEquals(e.code, "unsupported_protocol");
});

Deno.test("handshake: a missing protocol_version is tolerated", () => {
  const p = parties(19);
  const init = payload(p.client.start());
  const material = p.gateway.begin({ data: init.data, protocolVersion: undefined });
  assertEquals(payload(material).protocolVersion, 0);
  const bare = JSON.stringify({
    type: "handshakePayload",
    data: Array.from(payload(material).data),
  });
  const step = p.client.receive(bare);
  assertEquals(step.kind, "send");
  // The client keeps its own proposal when the gateway sent none.
  assertEquals(payload(sendOf(step)).protocolVersion, 6);
});

Deno.test("handshake: handshakeError from the peer ends the handshake without a reply", () => {
  const p = parties(20);
  p.client.start();
  const e = assertThrows(() => p.client.receive(serializeHandshakeError("boom")), HandshakeError);
  assertEquals([e.code, e.message, e.reply], [
    "remote_error",
    "error on the remote: boom",
    undefined,
  ]);

  const q = parties(21);
  q.gateway.begin(payload(q.client.start()));
  const g = assertThrows(() => q.gateway.receive(serializeHandshakeError("nope")), HandshakeError);
  assertEquals([g.code, g.reply], ["remote_error", undefined]);
  assertEquals(q.gateway.state, "failed");
});

Deno.test("handshake: non-handshake frames are skipped, as upstream does", () => {
  const p = parties(22);
  const init = p.client.start();
  const material = p.gateway.begin(payload(init));
  for (
    const text of [
      "",
      "garbage",
      "[]",
      '{"type":"supportedProtocol"}',
      '{"type":"registerHandshakeInitRequest","data":[1]}',
      '{"type":"handshakePayload","data":"x"}',
      "x".repeat(300_000),
    ]
  ) {
    const c = p.client.receive(text);
    assertEquals(c.kind, "ignored");
    const g = p.gateway.receive(text);
    assertEquals(g.kind, "ignored");
  }
  const step = p.client.receive(
    '{"type":"error","message":"There is already an open connection to this client"}',
  );
  if (step.kind !== "ignored") fail("not ignored");
  assertEquals(step.gatewayError, "There is already an open connection to this client");
  // The handshake still completes afterwards.
  const clientMaterial = sendOf(p.client.receive(material));
  const g = p.gateway.receive(clientMaterial);
  assertEquals(g.kind, "complete");
});

Deno.test("handshake: state machines refuse out-of-order use", () => {
  const p = parties(23);
  assertThrows(() => p.client.receive("{}"), HandshakeStateError);
  assertThrows(() => p.gateway.receive("{}"), HandshakeStateError);
  const init = p.client.start();
  assertThrows(() => p.client.start(), HandshakeStateError);
  p.gateway.begin(payload(init));
  assertThrows(() => p.gateway.begin(payload(init)), HandshakeStateError);
  const r = run(parties(24));
  assert(r.client.sharedKey.length === 32);
  const done = parties(25);
  const transcript = run(done).transcript;
  assertThrows(() => done.client.receive(transcript[3]), HandshakeStateError);
  assertThrows(() => done.gateway.receive(transcript[2]), HandshakeStateError);
  assertThrows(
    () =>
      new ClientHandshake({
        identity: done.clientKeys,
        gatewayIdentity: new Uint8Array(31),
        crypto,
        random: rng(1),
      }),
    HandshakeStateError,
  );
  assertThrows(
    () =>
      new ClientHandshake({
        identity: done.clientKeys,
        gatewayIdentity: done.gatewayKeys.publicKey,
        crypto,
        random: rng(1),
        protocolVersion: 256,
      }),
    HandshakeStateError,
  );
});

Deno.test("handshake: gateway material layout is ephemeral ‖ encrypted signature ‖ nonce", () => {
  const p = parties(26);
  const bytes = payload(p.gateway.begin(payload(p.client.start()))).data;
  const split = decodeGatewayMaterial(bytes);
  assertEquals(encodeGatewayMaterial(split), bytes);
  assertEquals(split.material.length, 64 + 16 + 12);
});
