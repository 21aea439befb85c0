import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import { MalformedMessageError, MessageTooLargeError } from "./errors.ts";
import {
  authenticateResponse,
  bandwidthResponse,
  errorResponse,
  impliesSuccessfulAuthentication,
  outOfBandwidthResponse,
  parseServerResponse,
  registerResponse,
  sendResponse,
  serializeServerResponse,
  type ServerResponse,
  supportedProtocolResponse,
  ticketReplayResponse,
} from "./server_response.ts";

Deno.test("server response: every builder serialises to the exact shapes clients accept", () => {
  const cases: [ServerResponse, string][] = [
    // The first five are verbatim from the real wasm client's sessions (wasm-client.md §3.2-§3.5).
    [
      authenticateResponse(4, 1_000_000_000),
      '{"type":"authenticate","protocol_version":4,"status":true,"bandwidth_remaining":1000000000,"upgrade_mode":false}',
    ],
    [
      registerResponse(3),
      '{"type":"register","protocol_version":3,"status":true,"upgrade_mode":false}',
    ],
    [
      sendResponse(1_000_000_000),
      '{"type":"send","remaining_bandwidth":1000000000,"upgrade_mode":false}',
    ],
    [supportedProtocolResponse(), '{"type":"supportedProtocol","version":6}'],
    [bandwidthResponse(1000), '{"type":"bandwidth","available_total":1000,"upgrade_mode":false}'],
    [
      bandwidthResponse(68_719_476_736, true),
      '{"type":"bandwidth","available_total":68719476736,"upgrade_mode":true}',
    ],
    [
      authenticateResponse(6, 0, true),
      '{"type":"authenticate","protocol_version":6,"status":true,"bandwidth_remaining":0,"upgrade_mode":true}',
    ],
    [
      sendResponse(-5, true),
      '{"type":"send","remaining_bandwidth":-5,"upgrade_mode":true}',
    ],
    [errorResponse('bad "quote"'), '{"type":"error","message":"bad \\"quote\\""}'],
    [
      outOfBandwidthResponse(2413, 100),
      '{"type":"typedError","error":{"out_of_bandwidth":{"required":2413,"available":100}}}',
    ],
    [ticketReplayResponse(), '{"type":"typedError","error":"ticket_replay"}'],
    [
      { type: "encryptedResponse", ciphertext: new Uint8Array([1, 2]), nonce: new Uint8Array([3]) },
      '{"type":"encryptedResponse","ciphertext":[1,2],"nonce":[3]}',
    ],
    [
      { type: "register", protocolVersion: undefined, status: false, upgradeMode: false },
      '{"type":"register","protocol_version":null,"status":false,"upgrade_mode":false}',
    ],
  ];
  for (const [response, json] of cases) {
    assertEquals(serializeServerResponse(response), json);
    assertEquals(parseServerResponse(json), response);
  }
});

Deno.test("server response: parsing accepts older gateways' shapes", () => {
  // No upgrade_mode (protocol ≤ 5 gateways), no or null protocol_version (very old gateways).
  assertEquals(
    parseServerResponse('{"type":"authenticate","status":true,"bandwidth_remaining":7}'),
    {
      type: "authenticate",
      protocolVersion: undefined,
      status: true,
      bandwidthRemaining: 7,
      upgradeMode: false,
    },
  );
  assertEquals(
    parseServerResponse('{"type":"register","protocol_version":null,"status":true}'),
    { type: "register", protocolVersion: undefined, status: true, upgradeMode: false },
  );
  assertEquals(parseServerResponse('{"type":"send","remaining_bandwidth":1}'), sendResponse(1));
  assertEquals(
    parseServerResponse('{"type":"bandwidth","available_total":2}'),
    bandwidthResponse(2),
  );
  assertEquals(
    parseServerResponse('{"version":5,"type":"supportedProtocol","extra":null}'),
    supportedProtocolResponse(5),
  );
});

Deno.test("server response: malformed input gives typed errors", () => {
  const bad: [string, string][] = [
    ["", "not valid JSON"],
    ["7", "not a JSON object"],
    ['{"type":"Send","remaining_bandwidth":1}', "unknown variant"],
    ['{"type":"send"}', "missing field `remaining_bandwidth`"],
    ['{"type":"send","remaining_bandwidth":1.5}', "integer"],
    ['{"type":"send","remaining_bandwidth":1e300}', "integer"],
    ['{"type":"send","remaining_bandwidth":1,"upgrade_mode":"no"}', "bool"],
    [
      '{"type":"authenticate","protocol_version":4,"bandwidth_remaining":1}',
      "missing field `status`",
    ],
    ['{"type":"register","protocol_version":300,"status":true}', "u8"],
    ['{"type":"supportedProtocol"}', "missing field `version`"],
    ['{"type":"error"}', "missing field `message`"],
    ['{"type":"typedError"}', "missing field `error`"],
    ['{"type":"typedError","error":"out_of_bandwidth"}', "unknown variant"],
    ['{"type":"typedError","error":{"ticket_replay":{}}}', "unknown variant"],
    [
      '{"type":"typedError","error":{"out_of_bandwidth":{"required":1}}}',
      "missing field `available`",
    ],
    [
      '{"type":"typedError","error":{"out_of_bandwidth":{"required":1,"available":2},"x":1}}',
      "exactly one",
    ],
    ['{"type":"typedError","error":[]}', "not a JSON object"],
    ['{"type":"encryptedResponse","ciphertext":[1]}', "missing field `nonce`"],
  ];
  for (const [text, message] of bad) {
    assertThrows(() => parseServerResponse(text), MalformedMessageError, message);
  }
  assertThrows(
    () => parseServerResponse('{"type":"send"}', { maxLength: 3 }),
    MessageTooLargeError,
  );
});

Deno.test("server response: success detection", () => {
  assertEquals(impliesSuccessfulAuthentication(registerResponse(3)), true);
  assertEquals(impliesSuccessfulAuthentication(authenticateResponse(4, 0)), true);
  assertEquals(
    impliesSuccessfulAuthentication({ ...authenticateResponse(4, 0), status: false }),
    false,
  );
  assertEquals(impliesSuccessfulAuthentication(sendResponse(1)), false);
});
