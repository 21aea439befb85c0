import { assertEquals, assertThrows, fail } from "../../testing/asserts.ts";
import {
  type ClientControlRequest,
  parseClientControlRequest,
  serializeClientControlRequest,
} from "./client_request.ts";
import { MalformedMessageError, MessageTooLargeError } from "./errors.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("client request: every variant serialises to upstream's JSON and parses back", () => {
  const cases: [ClientControlRequest, string][] = [
    [{ type: "supportedProtocol" }, '{"type":"supportedProtocol"}'],
    [{ type: "claimFreeTestnetBandwidth" }, '{"type":"claimFreeTestnetBandwidth"}'],
    [{ type: "upgradeModeJWT", token: "a.b.c" }, '{"type":"upgradeModeJWT","token":"a.b.c"}'],
    [
      { type: "ecashCredential", encCredential: bytes(1, 2), nonce: bytes(3) },
      '{"type":"ecashCredential","enc_credential":[1,2],"iv":[3]}',
    ],
    [
      { type: "encryptedRequest", ciphertext: bytes(9), nonce: bytes(8, 7) },
      '{"type":"encryptedRequest","ciphertext":[9],"nonce":[8,7]}',
    ],
    [
      {
        type: "registerHandshakeInitRequest",
        protocolVersion: 3,
        data: bytes(1, 2, 3),
        wireType: "handshakePayload",
      },
      '{"type":"handshakePayload","protocol_version":3,"data":[1,2,3]}',
    ],
    [
      {
        type: "registerHandshakeInitRequest",
        protocolVersion: undefined,
        data: bytes(),
        wireType: "registerHandshakeInitRequest",
      },
      '{"type":"registerHandshakeInitRequest","protocol_version":null,"data":[]}',
    ],
    [
      {
        type: "authenticateV2",
        protocolVersion: 6,
        clientIdentity: new Uint8Array(32).fill(1),
        addressCiphertext: new Uint8Array(48).fill(2),
        nonce: new Uint8Array(12).fill(3),
        requestUnixTimestamp: 1_700_000_000,
        requestSignature: new Uint8Array(64).fill(4),
      },
      `{"type":"authenticateV2","protocolVersion":6,"clientIdentity":[${
        Array(32).fill(1).join(",")
      }],"addressCiphertext":"${
        btoa("\x02".repeat(48))
      }","nonce":"AwMDAwMDAwMDAwMD","requestUnixTimestamp":1700000000,"requestSignature":[${
        Array(64).fill(4).join(",")
      }]}`,
    ],
    [
      {
        type: "authenticate",
        protocolVersion: 1,
        address: "addr",
        encAddress: "enc",
        iv: "iv",
      },
      '{"type":"authenticate","protocol_version":1,"address":"addr","enc_address":"enc","iv":"iv"}',
    ],
    [
      { type: "bandwidthCredential", encCredential: bytes(1), iv: bytes(2) },
      '{"type":"bandwidthCredential","enc_credential":[1],"iv":[2]}',
    ],
    [
      { type: "bandwidthCredentialV2", encCredential: bytes(), iv: bytes() },
      '{"type":"bandwidthCredentialV2","enc_credential":[],"iv":[]}',
    ],
  ];
  for (const [request, json] of cases) {
    assertEquals(serializeClientControlRequest(request), json, request.type);
    assertEquals(parseClientControlRequest(json), request, request.type);
  }
});

Deno.test("client request: ecashCredential accepts the nonce alias, not both names", () => {
  const r = parseClientControlRequest(
    '{"type":"ecashCredential","enc_credential":[1],"nonce":[5]}',
  );
  assertEquals(r, { type: "ecashCredential", encCredential: bytes(1), nonce: bytes(5) });
  // Serialised back under the name old gateways understand.
  assertEquals(
    serializeClientControlRequest(r),
    '{"type":"ecashCredential","enc_credential":[1],"iv":[5]}',
  );
  assertThrows(
    () =>
      parseClientControlRequest(
        '{"type":"ecashCredential","enc_credential":[1],"iv":[5],"nonce":[5]}',
      ),
    MalformedMessageError,
    "duplicate",
  );
  assertThrows(
    () => parseClientControlRequest('{"type":"ecashCredential","enc_credential":[1]}'),
    MalformedMessageError,
    "missing field `iv`",
  );
});

Deno.test("client request: lenient where serde is", () => {
  // Unknown fields are ignored; protocol_version may be absent or null.
  assertEquals(parseClientControlRequest('{"type":"supportedProtocol","extra":[1,{}]}'), {
    type: "supportedProtocol",
  });
  for (
    const text of [
      '{"type":"handshakePayload","data":[1]}',
      '{"data":[1],"protocol_version":null,"type":"handshakePayload"}',
    ]
  ) {
    const r = parseClientControlRequest(text);
    if (r.type !== "registerHandshakeInitRequest") fail(r.type);
    assertEquals(r.protocolVersion, undefined);
  }
});

Deno.test("client request: malformed input gives typed errors", () => {
  const bad: [string, string][] = [
    ["", "not valid JSON"],
    ["{", "not valid JSON"],
    ["null", "not a JSON object"],
    ["[]", "not a JSON object"],
    ['"supportedProtocol"', "not a JSON object"],
    ["{}", "missing field `type`"],
    ['{"type":5}', "not a string"],
    ['{"type":"Authenticate"}', "unknown variant"],
    ['{"type":"nope"}', "unknown variant `nope`"],
    ['{"type":"upgradeModeJWT"}', "missing field `token`"],
    ['{"type":"upgradeModeJWT","token":1}', "not a string"],
    ['{"type":"handshakePayload","protocol_version":256,"data":[]}', "u8"],
    ['{"type":"handshakePayload","protocol_version":-1,"data":[]}', "u8"],
    ['{"type":"handshakePayload","protocol_version":3}', "missing field `data`"],
    ['{"type":"handshakePayload","data":[256]}', "byte array"],
    ['{"type":"handshakePayload","data":[1.5]}', "byte array"],
    ['{"type":"handshakePayload","data":["1"]}', "byte array"],
    ['{"type":"handshakePayload","data":{"0":1}}', "byte array"],
    ['{"type":"encryptedRequest","ciphertext":[1]}', "missing field `nonce`"],
    ['{"type":"authenticate","address":"a","enc_address":"b"}', "missing field `iv`"],
  ];
  for (const [text, message] of bad) {
    assertThrows(() => parseClientControlRequest(text), MalformedMessageError, message);
  }
});

Deno.test("client request: authenticateV2 field validation", () => {
  const good = {
    type: "authenticateV2",
    protocolVersion: 4,
    clientIdentity: Array(32).fill(1),
    addressCiphertext: "AAAA",
    nonce: "AAECAwQFBgcICQoL",
    requestUnixTimestamp: 1,
    requestSignature: Array(64).fill(0),
  };
  assertEquals(parseClientControlRequest(JSON.stringify(good)).type, "authenticateV2");
  const mutations: [Record<string, unknown>, string][] = [
    [{ clientIdentity: Array(31).fill(1) }, "expected 32"],
    [{ requestSignature: Array(65).fill(1) }, "expected 64"],
    [{ addressCiphertext: "AAA" }, "base64"],
    [{ addressCiphertext: "AA==A" }, "base64"],
    [{ nonce: "YR==" }, "base64"], // non-zero trailing bits: not canonical
    [{ nonce: [1, 2] }, "not a string"],
    [{ requestUnixTimestamp: -1 }, "representable integer"],
    [{ requestUnixTimestamp: 2 ** 60 }, "representable integer"],
    [{ requestUnixTimestamp: "1" }, "representable integer"],
    [{ protocolVersion: 4.5 }, "u8"],
    [{ protocol_version: 4, protocolVersion: undefined }, "missing field `protocolVersion`"],
  ];
  for (const [change, message] of mutations) {
    assertThrows(
      () => parseClientControlRequest(JSON.stringify({ ...good, ...change })),
      MalformedMessageError,
      message,
    );
  }
});

Deno.test("client request: the size limit is enforced before parsing", () => {
  const text = JSON.stringify({ type: "handshakePayload", data: Array(100).fill(255) });
  assertEquals(
    parseClientControlRequest(text, { maxLength: text.length }).type,
    "registerHandshakeInitRequest",
  );
  const e = assertThrows(
    () => parseClientControlRequest(text, { maxLength: text.length - 1 }),
    MessageTooLargeError,
  );
  assertEquals([e.length, e.maxLength], [text.length, text.length - 1]);
  // The default bound (256 KiB).
  assertThrows(
    () => parseClientControlRequest(" ".repeat(256 * 1024 + 1)),
    MessageTooLargeError,
  );
});
