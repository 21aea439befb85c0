/**
 * The protocol code against what the real wasm client (`@nymproject/nym-client-wasm-node@1.4.1`)
 * sent and accepted (`testdata/wasm_client_transcripts.ts`, from `/work/notes/harness/logs/`).
 *
 * The client's ephemeral secret is unknown, so its session cannot be re-derived; but the fake
 * gateway logged the key the client accepted, which lets us check every byte the client sent
 * (init layout, its encrypted signature, its authenticateV2) with our verification code, check
 * the gateway messages it accepted with our client-side verification, and check that a gateway
 * built from this module answers with exactly the shapes the client accepted.
 */
import { assert, assertEquals, assertThrows, fail } from "../../testing/asserts.ts";
import { decodeBase58, encodeBase58 } from "../../crypto/base58.ts";
import { fromHex, toHex } from "../../crypto/bytes.ts";
import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import { createCryptoProvider } from "../../crypto/mod.ts";
import { seededRandom } from "../../crypto/random.ts";
import { decodeMixPacketV1, decodeMixPacketV2 } from "../../framing/mix_packet.ts";
import { manualClock } from "../../util/clock.ts";
import { verifyAuthenticateV2 } from "./authenticate.ts";
import { encodeClientBinaryRequest, encodePushedMixMessage } from "./binary.ts";
import { parseClientControlRequest, serializeClientControlRequest } from "./client_request.ts";
import { HandshakeError } from "./errors.ts";
import {
  GatewayHandshake,
  parseRegistrationHandshake,
  serializeHandshakePayload,
} from "./handshake.ts";
import {
  decodeGatewayMaterial,
  decodeHandshakeInit,
  encodeFinalization,
  openKeyMaterial,
} from "./handshake_messages.ts";
import {
  authenticateResponse,
  parseServerResponse,
  registerResponse,
  sendResponse,
  serializeServerResponse,
  supportedProtocolResponse,
} from "./server_response.ts";
import { binaryRequestKindFor, negotiateRegistrationVersion } from "./version.ts";
import {
  FAKE_GATEWAY_IDENTITY,
  WASM_CLIENT_TRANSCRIPTS,
} from "./testdata/wasm_client_transcripts.ts";

const crypto = createCryptoProvider();
const gatewayIdentity = decodeBase58(FAKE_GATEWAY_IDENTITY, 32);

function handshakeData(text: string): { data: Uint8Array; protocolVersion: number | undefined } {
  const m = parseRegistrationHandshake(text);
  if (m.type !== "handshakePayload") fail(`not a handshake payload: ${text}`);
  return m;
}

/** The JSON keys of a text frame, in order, with the type of each value. */
function shape(text: string): string[] {
  const obj = JSON.parse(text) as Record<string, unknown>;
  return Object.entries(obj).map(([k, v]) =>
    `${k}:${Array.isArray(v) ? `array(${v.length})` : k === "type" ? v : typeof v}`
  );
}

for (const t of WASM_CLIENT_TRANSCRIPTS) {
  const key = fromHex(t.sharedKeyHex);
  const [c2gSupported, c2gInit, c2gMaterial, c2gSupported2, c2gAuth] = t.clientToGateway;
  const [
    g2cSupported,
    g2cMaterial,
    g2cFinal,
    g2cRegister,
    g2cSupported2,
    g2cAuthenticate,
    g2cSend,
  ] = t.gatewayToClient;

  Deno.test(`transcript ${t.name}: the client's text requests parse`, () => {
    assertEquals(t.clientToGateway.length, 5);
    for (const text of [c2gSupported, c2gSupported2]) {
      assertEquals(parseClientControlRequest(text), { type: "supportedProtocol" });
      assertEquals(serializeClientControlRequest(parseClientControlRequest(text)), text);
    }
    for (const text of [c2gInit, c2gMaterial]) {
      const request = parseClientControlRequest(text);
      if (request.type !== "registerHandshakeInitRequest") fail(request.type);
      // The client always says handshakePayload and proposes 3 (AES_GCM_SIV_PROTOCOL_VERSION).
      assertEquals([request.wireType, request.protocolVersion], ["handshakePayload", 3]);
      assertEquals(serializeClientControlRequest(request), text);
    }
    const init = decodeHandshakeInit(handshakeData(c2gInit).data);
    assertEquals(encodeBase58(init.identity), t.clientAddress);
    assertEquals(toHex(init.ephemeralPublic), t.clientEphemeralHex);
    assertEquals(toHex(init.salt), t.saltHex);
    assertEquals(handshakeData(c2gMaterial).data.length, 92);
  });

  Deno.test(`transcript ${t.name}: the gateway messages the client accepted verify with our client code`, () => {
    const init = decodeHandshakeInit(handshakeData(c2gInit).data);
    const gw = decodeGatewayMaterial(handshakeData(g2cMaterial).data);
    // What ClientHandshake does with the gateway's material: decrypt the signature with k and
    // verify it over gw_eph ‖ client_eph with the gateway identity.
    openKeyMaterial(key, gw.material, gatewayIdentity, gw.ephemeralPublic, init.ephemeralPublic);
    // The wrong ordering of the ephemeral keys does not verify.
    assertThrows(
      () =>
        openKeyMaterial(
          key,
          gw.material,
          gatewayIdentity,
          init.ephemeralPublic,
          gw.ephemeralPublic,
        ),
      HandshakeError,
    );
    assertEquals(handshakeData(g2cFinal).data, encodeFinalization(true));
  });

  Deno.test(`transcript ${t.name}: the client's encrypted signature verifies with our gateway code`, () => {
    const init = decodeHandshakeInit(handshakeData(c2gInit).data);
    const gwEphemeral = decodeGatewayMaterial(handshakeData(g2cMaterial).data).ephemeralPublic;
    const material = handshakeData(c2gMaterial).data;
    // What GatewayHandshake.receive does: signature over client_eph ‖ gw_eph, client identity.
    openKeyMaterial(key, material, init.identity, init.ephemeralPublic, gwEphemeral);
    for (const flip of [0, 63, 80, 91]) {
      const bad = material.slice();
      bad[flip] ^= 1;
      assertThrows(
        () => openKeyMaterial(key, bad, init.identity, init.ephemeralPublic, gwEphemeral),
        HandshakeError,
      );
    }
    // A different key (another session) does not open it.
    assertThrows(
      () =>
        openKeyMaterial(
          new Uint8Array(32).fill(1),
          material,
          init.identity,
          init.ephemeralPublic,
          gwEphemeral,
        ),
      HandshakeError,
    );
  });

  Deno.test(`transcript ${t.name}: our gateway answers the recorded init with the accepted shapes`, () => {
    const request = parseClientControlRequest(c2gInit);
    if (request.type !== "registerHandshakeInitRequest") fail(request.type);
    const gateway = new GatewayHandshake({
      identity: generateEd25519KeyPair(seededRandom(new Uint8Array(32).fill(42))),
      crypto,
      random: seededRandom(new Uint8Array(32).fill(43)),
    });
    const ours = gateway.begin(request);
    assertEquals(encodeBase58(gateway.clientIdentity!), t.clientAddress);
    // Same keys, order and array length as the material the client accepted.
    assertEquals(shape(ours), shape(g2cMaterial));
    assertEquals(shape(ours), [
      "type:handshakePayload",
      "protocol_version:number",
      "data:array(124)",
    ]);
    // Our rule echoes the client's 3 (the fake gateway of the proto5 run forced 5; both were
    // accepted, wasm-client.md §3.4).
    assertEquals(handshakeData(ours).protocolVersion, negotiateRegistrationVersion(3));
    assertEquals(handshakeData(ours).protocolVersion, 3);
    // The finalization and register frames, byte for byte what the client accepted.
    const recordedVersion = handshakeData(g2cMaterial).protocolVersion!;
    assertEquals(serializeHandshakePayload(encodeFinalization(true), recordedVersion), g2cFinal);
    assertEquals(serializeServerResponse(registerResponse(recordedVersion)), g2cRegister);
    assertEquals(parseServerResponse(g2cRegister), registerResponse(recordedVersion));
    // The client's real material cannot complete our session (different gateway ephemeral key).
    const e = assertThrows(() => gateway.receive(c2gMaterial), HandshakeError);
    assertEquals(e.code, "invalid_signature");
  });

  Deno.test(`transcript ${t.name}: supportedProtocol, authenticate and send replies match byte for byte`, () => {
    assertEquals(serializeServerResponse(supportedProtocolResponse()), g2cSupported);
    assertEquals(g2cSupported2, g2cSupported);
    const recorded = parseServerResponse(g2cAuthenticate);
    if (recorded.type !== "authenticate") fail(recorded.type);
    assertEquals(
      serializeServerResponse(authenticateResponse(recorded.protocolVersion!, 1_000_000_000)),
      g2cAuthenticate,
    );
    assertEquals(serializeServerResponse(sendResponse(1_000_000_000)), g2cSend);
    assertEquals(parseServerResponse(g2cSend), sendResponse(1_000_000_000));
  });

  Deno.test(`transcript ${t.name}: the real authenticateV2 verifies with our gateway code`, () => {
    const request = parseClientControlRequest(c2gAuth);
    if (request.type !== "authenticateV2") fail(request.type);
    assertEquals(request.protocolVersion, 4);
    assertEquals(encodeBase58(request.clientIdentity), t.clientAddress);
    assertEquals([request.addressCiphertext.length, request.nonce.length], [48, 12]);
    // Field order and base64 re-encode to the identical text.
    assertEquals(serializeClientControlRequest(request), c2gAuth);

    const clock = manualClock(request.requestUnixTimestamp * 1000 + 400);
    const lookups: string[] = [];
    const outcome = verifyAuthenticateV2(request, {
      clock,
      lookupClient: (address) => {
        lookups.push(address);
        return { sharedKey: key, lastAuthentication: request.requestUnixTimestamp - 8 };
      },
    });
    if (!outcome.ok) fail(`refused: ${outcome.reason} ${outcome.message}`);
    assertEquals(lookups, [t.clientAddress]);
    assertEquals(outcome.protocolVersion, 4);
    assertEquals(outcome.requestTimestamp, request.requestUnixTimestamp);
    // What our gateway answers: the echo the client accepted in the "echo" run.
    const reply = serializeServerResponse(
      authenticateResponse(outcome.protocolVersion, 1_000_000_000),
    );
    assertEquals(shape(reply), shape(g2cAuthenticate));
    if (t.fakeGatewayProtocol === "echo") assertEquals(reply, g2cAuthenticate);

    // Replayed (same timestamp already stored), or with another key: refused.
    const replay = verifyAuthenticateV2(request, {
      clock,
      lookupClient: () => ({ sharedKey: key, lastAuthentication: request.requestUnixTimestamp }),
    });
    assertEquals(replay.ok ? "ok" : replay.reason, "request_reuse");
    const wrongKey = verifyAuthenticateV2(request, {
      clock,
      lookupClient: () => ({ sharedKey: new Uint8Array(32), lastAuthentication: null }),
    });
    assertEquals(wrongKey.ok ? "ok" : wrongKey.reason, "malformed_ciphertext");
  });

  Deno.test(`transcript ${t.name}: binary frames have the recorded layout and sizes`, () => {
    const recorded = parseServerResponse(g2cAuthenticate);
    if (recorded.type !== "authenticate") fail(recorded.type);
    const kind = binaryRequestKindFor(recorded.protocolVersion);
    assertEquals(kind, t.firstFrameKind);
    // The decrypted head of the client's first frame, padded with the rest of the packet.
    const plaintext = new Uint8Array(t.firstFramePlaintextLength);
    plaintext.set(fromHex(t.firstFramePlaintextHeadHex));
    const mix = kind === 1 ? decodeMixPacketV1(plaintext) : decodeMixPacketV2(plaintext);
    assertEquals(mix.nextHop, { ip: "127.0.0.11", port: 1789 });
    assertEquals([mix.packetType, mix.packet.length], [0, 2413]);
    // Rotation id 4 in the fake topology → Even (2) in v2; v1 carries none (Unknown).
    assertEquals(mix.keyRotation, kind === 2 ? 2 : 0);

    const random = seededRandom(new Uint8Array(32).fill(9));
    const frame = encodeClientBinaryRequest(kind, mix, key, random);
    assertEquals([frame.length, frame[0], frame[1]], [t.firstFrameLength, kind, 1]);
    for (const [plain, frameLength] of t.pushedFrameLengths) {
      const pushed = encodePushedMixMessage(new Uint8Array(plain), key, random);
      assertEquals([pushed.length, pushed[0], pushed[1]], [frameLength, 1, 1]);
    }
  });
}

Deno.test("transcripts: both runs are present and complete", () => {
  assertEquals(WASM_CLIENT_TRANSCRIPTS.map((t) => t.name), ["echo", "proto5"]);
  for (const t of WASM_CLIENT_TRANSCRIPTS) {
    assertEquals(t.gatewayToClient.length, 7);
    for (const text of [...t.clientToGateway, ...t.gatewayToClient]) assert(JSON.parse(text));
  }
});
