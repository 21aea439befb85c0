/**
 * Fuzz-style robustness: random and mutated text and binary frames fed to every parser and
 * state machine in `gateway/protocol/` must either succeed or throw a
 * {@linkcode GatewayProtocolError}; nothing else may escape. Deterministic (`seededRandom`).
 */
import { assert, fail } from "../../testing/asserts.ts";
import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { randomInt, type RandomSource, seededRandom } from "../../crypto/random.ts";
import { encodeMixPacketV1, encodeMixPacketV2 } from "../../framing/mix_packet.ts";
import { manualClock } from "../../util/clock.ts";
import { createAuthenticateV2Request, verifyAuthenticateV2 } from "./authenticate.ts";
import {
  decodeClientBinaryRequest,
  decodePushedMixMessage,
  encodeClientBinaryRequest,
  encodePushedMixMessage,
} from "./binary.ts";
import { decryptEcashCredential } from "./bandwidth.ts";
import { parseClientControlRequest, serializeClientControlRequest } from "./client_request.ts";
import {
  decryptClientRequest,
  decryptSensitiveResponse,
  encryptClientRequest,
  encryptSensitiveResponse,
} from "./encrypted_request.ts";
import { GatewayProtocolError } from "./errors.ts";
import { ClientHandshake, GatewayHandshake, parseRegistrationHandshake } from "./handshake.ts";
import {
  decodeFinalization,
  decodeGatewayMaterial,
  decodeHandshakeInit,
} from "./handshake_messages.ts";
import {
  authenticateResponse,
  bandwidthResponse,
  errorResponse,
  outOfBandwidthResponse,
  parseServerResponse,
  registerResponse,
  sendResponse,
  serializeServerResponse,
  supportedProtocolResponse,
  ticketReplayResponse,
} from "./server_response.ts";
import { randomNonce, sealWithSharedKey } from "./shared_key.ts";

const ITERATIONS = 3_000;
const crypto = createCryptoProvider();
const encoder = new TextEncoder();

function rng(seed: number): RandomSource {
  return seededRandom(new Uint8Array(32).fill(seed));
}

/** Runs `f`; returns true if it succeeded, false on a typed error, fails on anything else. */
function onlyTyped(what: string, f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof GatewayProtocolError) return false;
    fail(
      `${what}: untyped error escaped: ${
        e instanceof Error ? `${e.name}: ${e.message}` : String(e)
      }`,
    );
  }
}

const JSON_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  255,
  256,
  2 ** 53,
  1e308,
  "",
  "x",
  "AAAA",
  "ticket_replay",
  "handshakePayload",
  [],
  [1, 2, 3],
  [256],
  [-1],
  ["a"],
  {},
  { out_of_bandwidth: { required: 1, available: 2 } },
  { required: 1 },
];

function randomJsonValue(random: RandomSource, depth = 0): unknown {
  const pick = randomInt(random, depth > 2 ? 6 : 9);
  switch (pick) {
    case 0:
      return JSON_VALUES[randomInt(random, JSON_VALUES.length)];
    case 1:
      return randomInt(random, 2 ** 32) - 2 ** 31;
    case 2:
      return Array.from(random(randomInt(random, 130)));
    case 3:
      return String.fromCharCode(...random(randomInt(random, 12)));
    case 4:
      return randomInt(random, 2) === 0;
    case 5:
      return randomInt(random, 300);
    case 6:
      return Array.from({ length: randomInt(random, 4) }, () => randomJsonValue(random, depth + 1));
    default: {
      const obj: Record<string, unknown> = {};
      for (let i = randomInt(random, 4); i > 0; i--) {
        obj[["type", "data", "error", "x", "protocol_version"][randomInt(random, 5)]] =
          randomJsonValue(
            random,
            depth + 1,
          );
      }
      return obj;
    }
  }
}

/** Structural mutation: change, drop or add fields of a JSON object. */
function mutateStructure(random: RandomSource, text: string): string {
  const obj = JSON.parse(text) as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (let n = 1 + randomInt(random, 3); n > 0; n--) {
    const op = randomInt(random, 5);
    const key = keys[randomInt(random, keys.length)];
    if (op === 0) delete obj[key];
    else if (op === 1) obj[key] = randomJsonValue(random);
    else if (op === 2) {
      obj[["type", "iv", "nonce", "extra", "upgrade_mode"][randomInt(random, 5)]] = randomJsonValue(
        random,
      );
    } else if (op === 3 && Array.isArray(obj[key])) {
      const arr = (obj[key] as unknown[]).slice();
      if (arr.length > 0) arr[randomInt(random, arr.length)] = randomJsonValue(random);
      if (randomInt(random, 2) === 0) arr.length = randomInt(random, arr.length + 1);
      obj[key] = arr;
    } else if (op === 4 && typeof obj[key] === "number") {
      obj[key] = (obj[key] as number) + randomInt(random, 5) - 2;
    }
  }
  return JSON.stringify(obj);
}

/** Textual mutation: flip, delete or insert characters, or truncate. */
function mutateText(random: RandomSource, text: string): string {
  let s = text;
  for (let n = 1 + randomInt(random, 4); n > 0; n--) {
    const at = randomInt(random, s.length + 1);
    const op = randomInt(random, 4);
    const ch = '{}[]":,0123456789-.eEtrufalsn\\ \u0000\u00ff\ud800'[randomInt(random, 37)];
    if (op === 0) s = s.slice(0, at) + ch + s.slice(at + 1);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1);
    else if (op === 2) s = s.slice(0, at) + ch + s.slice(at);
    else s = s.slice(0, at);
  }
  return s;
}

function mutateAny(random: RandomSource, text: string): string {
  const r = randomInt(random, 10);
  if (r < 6) return mutateStructure(random, text);
  if (r < 9) return mutateText(random, text);
  return String.fromCharCode(...random(randomInt(random, 64)));
}

/** One valid text frame of every kind, as a corpus to mutate. */
function corpus(random: RandomSource, key: Uint8Array): string[] {
  const identity = generateEd25519KeyPair(random);
  const auth = createAuthenticateV2Request({
    sharedKey: key,
    identity,
    protocolVersion: 4,
    clock: manualClock(1_795_300_990_000),
    random,
  });
  const nonce = randomNonce(random);
  return [
    serializeClientControlRequest(auth),
    serializeClientControlRequest({ type: "supportedProtocol" }),
    serializeClientControlRequest({ type: "claimFreeTestnetBandwidth" }),
    serializeClientControlRequest({ type: "upgradeModeJWT", token: "a.b.c" }),
    serializeClientControlRequest({
      type: "ecashCredential",
      encCredential: sealWithSharedKey(key, nonce, random(40)),
      nonce,
    }),
    serializeClientControlRequest(
      encryptClientRequest({ type: "forgetMe", client: true, stats: false }, key, random),
    ),
    serializeClientControlRequest({
      type: "registerHandshakeInitRequest",
      protocolVersion: 3,
      data: random(80),
      wireType: "handshakePayload",
    }),
    serializeClientControlRequest({
      type: "authenticate",
      protocolVersion: 1,
      address: "a",
      encAddress: "b",
      iv: "c",
    }),
    serializeClientControlRequest({
      type: "bandwidthCredentialV2",
      encCredential: random(3),
      iv: random(2),
    }),
    serializeServerResponse(authenticateResponse(4, 1_000_000_000)),
    serializeServerResponse(registerResponse(3)),
    serializeServerResponse(sendResponse(5)),
    serializeServerResponse(bandwidthResponse(5, true)),
    serializeServerResponse(supportedProtocolResponse()),
    serializeServerResponse(errorResponse("e")),
    serializeServerResponse(outOfBandwidthResponse(1, 0)),
    serializeServerResponse(ticketReplayResponse()),
    serializeServerResponse(encryptSensitiveResponse({ type: "forgetMeAck" }, key, random)),
    '{"type":"handshakeError","message":"boom"}',
  ];
}

Deno.test("fuzz: text parsers throw only typed errors", () => {
  const random = rng(1);
  const key = random(32);
  const texts = corpus(random, key);
  const clock = manualClock(1_795_300_990_000);
  let parsedRequests = 0, parsedResponses = 0, verified = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const text = mutateAny(random, texts[randomInt(random, texts.length)]);
    if (onlyTyped("parseClientControlRequest", () => parseClientControlRequest(text))) {
      parsedRequests++;
      const request = parseClientControlRequest(text);
      // Whatever parsed must serialise, re-parse, and go through the gateway's checks.
      onlyTyped(
        "request round trip",
        () => parseClientControlRequest(serializeClientControlRequest(request)),
      );
      if (request.type === "authenticateV2") {
        // verifyAuthenticateV2 never throws for parsed input.
        const outcome = verifyAuthenticateV2(request, {
          clock,
          lookupClient: () => ({ sharedKey: key, lastAuthentication: null }),
        });
        if (outcome.ok) verified++;
      }
      if (request.type === "encryptedRequest") {
        onlyTyped("decryptClientRequest", () => decryptClientRequest(request, key));
      }
      if (request.type === "ecashCredential") {
        onlyTyped("decryptEcashCredential", () => decryptEcashCredential(request, key));
      }
      if (request.type === "registerHandshakeInitRequest") {
        onlyTyped("decodeHandshakeInit", () => decodeHandshakeInit(request.data));
      }
    }
    if (onlyTyped("parseServerResponse", () => parseServerResponse(text))) {
      parsedResponses++;
      const response = parseServerResponse(text);
      onlyTyped(
        "response round trip",
        () => parseServerResponse(serializeServerResponse(response)),
      );
      if (response.type === "encryptedResponse") {
        onlyTyped("decryptSensitiveResponse", () => decryptSensitiveResponse(response, key));
      }
    }
    onlyTyped(
      "parseRegistrationHandshake",
      () => parseRegistrationHandshake(text, { acceptInitRequestType: true }),
    );
    onlyTyped(
      "parse with a small limit",
      () => parseClientControlRequest(text, { maxLength: randomInt(random, 200) }),
    );
  }
  // The mutations must keep a fair share valid, or the fuzzer only tests JSON.parse.
  assert(parsedRequests > ITERATIONS / 20, `only ${parsedRequests} requests parsed`);
  assert(parsedResponses > ITERATIONS / 20, `only ${parsedResponses} responses parsed`);
  assert(verified > 0, "no mutated authenticateV2 stayed valid");
});

Deno.test("fuzz: encrypted plaintexts throw only typed errors", () => {
  const random = rng(2);
  const key = random(32);
  const plaintexts = [
    '{"ForgetMe":{"client":true,"stats":false}}',
    '{"RememberMe":{"session_type":"Mixnet"}}',
    '{"ForgetMeAck":{}}',
    '{"RememberMeAck":{}}',
  ];
  for (let i = 0; i < ITERATIONS; i++) {
    const text = mutateAny(random, plaintexts[randomInt(random, plaintexts.length)]);
    const nonce = randomNonce(random);
    const sealed = { nonce, ciphertext: sealWithSharedKey(key, nonce, encoder.encode(text)) };
    onlyTyped("decryptClientRequest", () => decryptClientRequest(sealed, key));
    onlyTyped("decryptSensitiveResponse", () => decryptSensitiveResponse(sealed, key));
  }
});

Deno.test("fuzz: handshake state machines throw only typed errors", () => {
  const random = rng(3);
  const gatewayKeys = generateEd25519KeyPair(random);
  let completed = 0;
  for (let i = 0; i < ITERATIONS / 10; i++) {
    const client = new ClientHandshake({
      identity: generateEd25519KeyPair(random),
      gatewayIdentity: gatewayKeys.publicKey,
      crypto,
      random,
    });
    const gateway = new GatewayHandshake({ identity: gatewayKeys, crypto, random });
    let init = client.start();
    if (randomInt(random, 3) === 0) init = mutateAny(random, init);
    let material: string | undefined;
    onlyTyped("begin", () => {
      const m = parseRegistrationHandshake(init, { acceptInitRequestType: true });
      if (m.type === "handshakePayload") material = gateway.begin(m);
    });
    if (material === undefined) continue;
    const toClient = randomInt(random, 3) === 0 ? mutateAny(random, material) : material;
    let clientMaterial: string | undefined;
    onlyTyped("client.receive(material)", () => {
      const step = client.receive(toClient);
      if (step.kind === "send") clientMaterial = step.message;
    });
    if (clientMaterial === undefined) continue;
    const toGateway = randomInt(random, 3) === 0
      ? mutateAny(random, clientMaterial)
      : clientMaterial;
    let finalization: string | undefined;
    onlyTyped("gateway.receive", () => {
      const step = gateway.receive(toGateway);
      if (step.kind === "complete") finalization = step.message;
    });
    if (finalization === undefined) continue;
    const toClient2 = randomInt(random, 3) === 0 ? mutateAny(random, finalization) : finalization;
    onlyTyped("client.receive(finalization)", () => {
      if (client.receive(toClient2).kind === "complete") completed++;
    });
  }
  assert(completed > 0, "no handshake completed");
  // Raw byte parsers.
  for (let i = 0; i < ITERATIONS; i++) {
    const bytes = random(randomInt(random, 140));
    onlyTyped("decodeHandshakeInit", () => decodeHandshakeInit(bytes));
    onlyTyped("decodeGatewayMaterial", () => decodeGatewayMaterial(bytes));
    onlyTyped("decodeFinalization", () => decodeFinalization(bytes));
  }
});

Deno.test("fuzz: binary frame decoders throw only typed errors", () => {
  const random = rng(4);
  const key = random(32);
  const packet = {
    nextHop: { ip: "127.0.0.11", port: 1789 },
    packetType: 0 as const,
    keyRotation: 2 as const,
    packet: random(2413),
  };
  const frames = [
    encodeClientBinaryRequest(1, packet, key, random),
    encodeClientBinaryRequest(2, packet, key, random),
    encodeClientBinaryRequest(2, { ...packet, packet: random(386) }, key, random),
    encodePushedMixMessage(random(1643), key, random),
    encodePushedMixMessage(random(21), key, random),
  ];
  const plaintexts = [encodeMixPacketV1(packet), encodeMixPacketV2(packet)];
  let decoded = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    let frame: Uint8Array;
    const mode = randomInt(random, 4);
    if (mode === 0) {
      frame = random(randomInt(random, 64));
    } else if (mode === 1) {
      // Mutate the header or the ciphertext of a real frame.
      frame = frames[randomInt(random, frames.length)].slice();
      for (let n = 1 + randomInt(random, 3); n > 0; n--) {
        frame[randomInt(random, 20)] = random(1)[0];
      }
      if (randomInt(random, 3) === 0) {
        frame = frame.subarray(0, randomInt(random, frame.length + 1));
      }
    } else {
      // A correctly encrypted, mutated MixPacket: exercises the MixPacket decoder behind the AEAD.
      const pt = plaintexts[randomInt(random, 2)].slice();
      for (let n = 1 + randomInt(random, 3); n > 0; n--) pt[randomInt(random, 24)] = random(1)[0];
      const cut = randomInt(random, 3) === 0 ? randomInt(random, pt.length + 1) : pt.length;
      const nonce = randomNonce(random);
      frame = new Uint8Array([
        1 + randomInt(random, 2),
        1,
        ...nonce,
        ...sealWithSharedKey(key, nonce, pt.subarray(0, cut)),
      ]);
    }
    if (onlyTyped("decodeClientBinaryRequest", () => decodeClientBinaryRequest(frame, key))) {
      decoded++;
    }
    onlyTyped("decodePushedMixMessage", () => decodePushedMixMessage(frame, key));
  }
  assert(decoded > 0, "no mutated frame decoded");
});
