/**
 * Costs on the gateway's per-client hot path and per-connection setup:
 * `deno bench --allow-all gateway/protocol/protocol_bench.ts`.
 *
 * AES-256-GCM-SIV is `@noble/ciphers` (pure JavaScript); every client packet is one open on the
 * gateway and one seal on the client (2421-byte MixPacket v1 plaintext = 2413-byte sphinx
 * packet + 8 bytes of header).
 */
import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { seededRandom } from "../../crypto/random.ts";
import { manualClock } from "../../util/clock.ts";
import { createAuthenticateV2Request, verifyAuthenticateV2 } from "./authenticate.ts";
import { decodeClientBinaryRequest, encodeClientBinaryRequest } from "./binary.ts";
import { parseClientControlRequest, serializeClientControlRequest } from "./client_request.ts";
import { ClientHandshake, GatewayHandshake, parseRegistrationHandshake } from "./handshake.ts";
import { openWithSharedKey, sealWithSharedKey } from "./shared_key.ts";

const crypto = createCryptoProvider();
const random = seededRandom(new Uint8Array(32).fill(77));
const key = random(32);
const nonce = random(12);
const mixPacket = {
  nextHop: { ip: "127.0.0.11", port: 1789 },
  packetType: 0 as const,
  keyRotation: 2 as const,
  packet: random(2413),
};
const plaintext = random(2421);
const sealed = sealWithSharedKey(key, nonce, plaintext);
const frameV1 = encodeClientBinaryRequest(1, mixPacket, key, random);
const frameV2 = encodeClientBinaryRequest(2, mixPacket, key, random);

Deno.bench(
  "AES-256-GCM-SIV seal, 2421-byte MixPacket",
  { group: "gcm-siv", baseline: true },
  () => {
    sealWithSharedKey(key, nonce, plaintext);
  },
);

Deno.bench("AES-256-GCM-SIV open, 2421-byte MixPacket", { group: "gcm-siv" }, () => {
  openWithSharedKey(key, nonce, sealed);
});

Deno.bench("binary request encode (kind 1, 2413-byte packet)", { group: "frame" }, () => {
  encodeClientBinaryRequest(1, mixPacket, key, random);
});

Deno.bench("binary request decode (kind 1, 2413-byte packet)", { group: "frame" }, () => {
  decodeClientBinaryRequest(frameV1, key);
});

Deno.bench("binary request decode (kind 2, 2413-byte packet)", { group: "frame" }, () => {
  decodeClientBinaryRequest(frameV2, key);
});

const gatewayKeys = generateEd25519KeyPair(random);
const clientKeys = generateEd25519KeyPair(random);

function newClient(): ClientHandshake {
  return new ClientHandshake({
    identity: clientKeys,
    gatewayIdentity: gatewayKeys.publicKey,
    crypto,
    random,
    protocolVersion: 3,
  });
}

function initOf(text: string) {
  const m = parseRegistrationHandshake(text);
  if (m.type !== "handshakePayload") throw new Error("not a payload");
  return m;
}

/** A fresh client (with its init message) and gateway. */
function prepare(): { client: ClientHandshake; gateway: GatewayHandshake; init: string } {
  const client = newClient();
  const gateway = new GatewayHandshake({ identity: gatewayKeys, crypto, random });
  return { client, gateway, init: client.start() };
}

Deno.bench(
  "handshake gateway: begin (X25519 + HKDF + sign + seal)",
  { group: "handshake" },
  (b) => {
    const { gateway, init } = prepare();
    const parsed = initOf(init);
    b.start();
    gateway.begin(parsed);
    b.end();
  },
);

Deno.bench(
  "handshake gateway: receive client material (open + verify)",
  { group: "handshake" },
  (b) => {
    const { client, gateway, init } = prepare();
    const step = client.receive(gateway.begin(initOf(init)));
    if (step.kind !== "send") throw new Error("client failed");
    b.start();
    const done = gateway.receive(step.message);
    b.end();
    if (done.kind !== "complete") throw new Error("gateway failed");
  },
);

Deno.bench("handshake client: start (ephemeral key)", { group: "handshake" }, () => {
  newClient().start();
});

Deno.bench(
  "handshake client: receive gateway material (X25519 + HKDF + open + verify + sign + seal)",
  {
    group: "handshake",
  },
  (b) => {
    const { client, gateway, init } = prepare();
    const material = gateway.begin(initOf(init));
    b.start();
    const step = client.receive(material);
    b.end();
    if (step.kind !== "send") throw new Error("client failed");
  },
);

Deno.bench("handshake, both sides end to end", { group: "handshake" }, () => {
  const client = newClient();
  const gateway = new GatewayHandshake({ identity: gatewayKeys, crypto, random });
  const step = client.receive(gateway.begin(initOf(client.start())));
  if (step.kind !== "send") throw new Error("client failed");
  const done = gateway.receive(step.message);
  if (done.kind !== "complete" || done.message === undefined) throw new Error("gateway failed");
  client.receive(done.message);
});

const clock = manualClock(1_795_300_990_000);
const authText = serializeClientControlRequest(
  createAuthenticateV2Request({
    sharedKey: key,
    identity: clientKeys,
    protocolVersion: 4,
    clock,
    random,
  }),
);

Deno.bench("authenticateV2, gateway side (parse + verify)", { group: "auth" }, () => {
  const request = parseClientControlRequest(authText);
  if (request.type !== "authenticateV2") throw new Error(request.type);
  const outcome = verifyAuthenticateV2(request, {
    clock,
    lookupClient: () => ({ sharedKey: key, lastAuthentication: null }),
  });
  if (!outcome.ok) throw new Error(outcome.message);
});
