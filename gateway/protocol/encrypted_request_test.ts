import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { parseClientControlRequest, serializeClientControlRequest } from "./client_request.ts";
import {
  type ClientRequest,
  decryptClientRequest,
  decryptSensitiveResponse,
  encryptClientRequest,
  encryptSensitiveResponse,
  SESSION_TYPES,
} from "./encrypted_request.ts";
import { MalformedMessageError, MessageTooLargeError, SharedKeyError } from "./errors.ts";
import { parseServerResponse, serializeServerResponse } from "./server_response.ts";
import { openWithSharedKey, randomNonce, sealWithSharedKey } from "./shared_key.ts";

const random = seededRandom(new Uint8Array(32).fill(12));
const key = random(32);
const decoder = new TextDecoder();

function sealJson(json: string): { ciphertext: Uint8Array; nonce: Uint8Array } {
  const nonce = randomNonce(random);
  return { ciphertext: sealWithSharedKey(key, nonce, new TextEncoder().encode(json)), nonce };
}

Deno.test("encrypted request: plaintext is serde's externally tagged JSON", () => {
  const cases: [ClientRequest, string][] = [
    [
      { type: "forgetMe", client: true, stats: false },
      '{"ForgetMe":{"client":true,"stats":false}}',
    ],
    [{ type: "rememberMe", sessionType: "Mixnet" }, '{"RememberMe":{"session_type":"Mixnet"}}'],
  ];
  for (const [request, json] of cases) {
    const enc = encryptClientRequest(request, key, random);
    assertEquals(enc.nonce.length, 12);
    assertEquals(decoder.decode(openWithSharedKey(key, enc.nonce, enc.ciphertext)), json);
    // Through the text frame and back.
    const text = serializeClientControlRequest(enc);
    const parsed = parseClientControlRequest(text);
    if (parsed.type !== "encryptedRequest") throw new Error(parsed.type);
    assertEquals(decryptClientRequest(parsed, key), request);
  }
  for (const sessionType of SESSION_TYPES) {
    assertEquals(
      decryptClientRequest(sealJson(`{"RememberMe":{"session_type":"${sessionType}"}}`), key),
      { type: "rememberMe", sessionType },
    );
  }
});

Deno.test("encrypted request: responses round trip through encryptedResponse", () => {
  for (
    const [type, json] of [["forgetMeAck", '{"ForgetMeAck":{}}'], [
      "rememberMeAck",
      '{"RememberMeAck":{}}',
    ]] as const
  ) {
    const enc = encryptSensitiveResponse({ type }, key, random);
    assertEquals(decoder.decode(openWithSharedKey(key, enc.nonce, enc.ciphertext)), json);
    const parsed = parseServerResponse(serializeServerResponse(enc));
    if (parsed.type !== "encryptedResponse") throw new Error(parsed.type);
    assertEquals(decryptSensitiveResponse(parsed, key), { type });
  }
});

Deno.test("encrypted request: bad keys, nonces and plaintexts give typed errors", () => {
  const enc = encryptClientRequest({ type: "forgetMe", client: false, stats: true }, key, random);
  assertThrows(() => decryptClientRequest(enc, random(32)), SharedKeyError);
  assertThrows(
    () => decryptClientRequest({ ...enc, nonce: enc.nonce.subarray(0, 11) }, key),
    SharedKeyError,
    "nonce",
  );
  const bad: [string, string][] = [
    ["not json", "not valid JSON"],
    ["[]", "not a JSON object"],
    ["{}", "exactly one variant"],
    ['{"ForgetMe":{"client":true}}', "missing field `stats`"],
    ['{"ForgetMe":{"client":1,"stats":true}}', "bool"],
    ['{"RememberMe":{"session_type":"Tor"}}', "unknown variant `Tor`"],
    ['{"UpgradeKey":{"hkdf_salt":[],"derived_key_digest":[]}}', "unknown variant `UpgradeKey`"],
    ['{"ForgetMe":{"client":true,"stats":true},"RememberMe":{}}', "exactly one variant"],
    ['{"ForgetMe":true}', "not a JSON object"],
  ];
  for (const [json, message] of bad) {
    assertThrows(() => decryptClientRequest(sealJson(json), key), MalformedMessageError, message);
  }
  // Invalid UTF-8.
  const nonce = randomNonce(random);
  assertThrows(
    () =>
      decryptClientRequest({
        nonce,
        ciphertext: sealWithSharedKey(key, nonce, new Uint8Array([0xff])),
      }, key),
    MalformedMessageError,
    "UTF-8",
  );
  assertThrows(
    () =>
      decryptClientRequest(sealJson('{"ForgetMe":{"client":true,"stats":true}}'), key, {
        maxLength: 10,
      }),
    MessageTooLargeError,
  );
  assertThrows(
    () => decryptSensitiveResponse(sealJson('{"KeyUpgradeAck":{}}'), key),
    MalformedMessageError,
  );
});
