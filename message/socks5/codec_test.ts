/**
 * Byte-compatibility tests against upstream b4046a89's own test vectors
 * (`common/socks5/requests/src/{lib,request,response}.rs`) and round trips of every message.
 */
import { assert, assertEquals, assertInstanceOf, assertThrows } from "../../testing/asserts.ts";
import { formatRecipient, parseRecipient } from "../recipient.ts";
import {
  BincodeError,
  connectConfirmation,
  connectFailureMarker,
  connectOutcome,
  decodeControlResponse,
  decodeSocks5ProviderRequest,
  decodeSocks5ProviderResponse,
  decodeSocks5Request,
  decodeSocks5RequestContent,
  decodeSocks5Response,
  decodeSocks5ResponseContent,
  describesConnectConfirmation,
  encodeControlResponse,
  encodeProviderRequest,
  encodeSocks5ProviderRequest,
  encodeSocks5ProviderResponse,
  encodeSocks5RequestContent,
  encodeSocks5ResponseContent,
  formatVersion,
  LEGACY_VERSIONS,
  MalformedEnvelopeError,
  MalformedSocks5RequestError,
  MalformedSocks5ResponseError,
  type Socks5ProviderRequest,
  socks5Request,
  socks5RequestVersions,
  socks5Response,
  type Socks5ResponseContent,
} from "./mod.ts";
import { BincodeReader, BincodeWriter } from "./bincode.ts";

// upstream lib.rs `interface_backwards_compatibility::old_client_vs_new_service_provider`
const OLD_CONNECT = Uint8Array.from([
  0,
  0,
  2,
  254,
  34,
  100,
  192,
  20,
  13,
  171,
  0,
  16,
  56,
  48,
  46,
  50,
  52,
  57,
  46,
  57,
  57,
  46,
  49,
  52,
  56,
  58,
  56,
  48,
  34,
  112,
  17,
  182,
  225,
  6,
  174,
  216,
  160,
  41,
  72,
  236,
  160,
  90,
  156,
  3,
  250,
  41,
  243,
  53,
  191,
  178,
  218,
  53,
  170,
  14,
  185,
  33,
  94,
  153,
  25,
  41,
  6,
  82,
  169,
  187,
  88,
  246,
  211,
  57,
  68,
  225,
  228,
  231,
  116,
  29,
  119,
  235,
  160,
  14,
  156,
  205,
  66,
  1,
  75,
  204,
  204,
  220,
  14,
  150,
  191,
  203,
  174,
  88,
  121,
  173,
  83,
  219,
  188,
  164,
  194,
  212,
  238,
  228,
  4,
  128,
  48,
  105,
  224,
  83,
  17,
  246,
  233,
  16,
  235,
  223,
  68,
  87,
  13,
  40,
  34,
  186,
  218,
  204,
  126,
  145,
]);
const OLD_CONNECT_RETURN =
  "3KRydEpanwjFhq5GAraVjRUF1Tno7w7oc4EwJYTGNo5J.RgZ7uMJHruBQqD5hC9Ghi3sqiTn6NycfM5qCfJz6yoM@9Byd9VAtyYMnbVAcqdoQxJnq76XEg2dbxbiF5Aa5Jj9J";
const OLD_SEND_HTTP =
  "GET /1MB.zip HTTP/1.1\r\nHost: ipv4.download.thinkbroadband.com\r\nUser-Agent: curl/7.68.0\r\nAccept: */*\r\n\r\n";
const OLD_SEND = Uint8Array.from([
  0,
  1,
  108,
  102,
  28,
  19,
  50,
  178,
  37,
  241,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  ...new TextEncoder().encode(OLD_SEND_HTTP),
]);

Deno.test("legacy connect from an old client decodes like upstream", () => {
  const req = decodeSocks5ProviderRequest(OLD_CONNECT);
  assertEquals(req.interfaceVersion, "legacy");
  assert(req.content.kind === "provider");
  const inner = req.content.request;
  assertEquals(inner.protocolVersion, "legacy");
  assert(inner.content.kind === "connect");
  assertEquals(inner.content.remoteAddress, "80.249.99.148:80");
  assertEquals(inner.content.connectionId, 215647648274976171n);
  assert(inner.content.returnAddress !== null);
  assertEquals(formatRecipient(inner.content.returnAddress), OLD_CONNECT_RETURN);
  // new_client_vs_old_service_provider: legacy re-encoding is byte-identical
  assertEquals(encodeSocks5ProviderRequest(req), OLD_CONNECT);
  const rebuilt = socks5Request({
    kind: "connect",
    connectionId: 215647648274976171n,
    remoteAddress: "80.249.99.148:80",
    returnAddress: parseRecipient(OLD_CONNECT_RETURN),
  }, LEGACY_VERSIONS);
  assertEquals(encodeSocks5ProviderRequest(rebuilt), OLD_CONNECT);
});

Deno.test("legacy send from an old client decodes like upstream", () => {
  const req = decodeSocks5ProviderRequest(OLD_SEND);
  assert(req.content.kind === "provider" && req.content.request.content.kind === "send");
  const d = req.content.request.content.data;
  assertEquals(d.connectionId, 7810961472501196273n);
  assertEquals(d.seq, 0n);
  assertEquals(d.closed, false);
  assertEquals(d.data.length, 103);
  assertEquals(new TextDecoder().decode(d.data), OLD_SEND_HTTP);
  assertEquals(encodeSocks5ProviderRequest(req), OLD_SEND);
});

Deno.test("v3 requests carry both version bytes and the ProviderData tag", () => {
  const connect = encodeSocks5ProviderRequest(socks5Request({
    kind: "connect",
    connectionId: 0x0102030405060708n,
    remoteAddress: "foo.com:80",
    returnAddress: null,
  }));
  assertEquals(
    connect,
    Uint8Array.from([
      3,
      1,
      3,
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      0,
      10,
      ...new TextEncoder().encode("foo.com:80"),
    ]),
  );
  const send = encodeSocks5ProviderRequest(socks5Request({
    kind: "send",
    data: { connectionId: 5n, seq: 258n, closed: true, data: Uint8Array.of(9, 8) },
  }));
  assertEquals(
    send,
    Uint8Array.from([3, 1, 3, 1, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0, 0, 0, 0, 0, 0, 1, 2, 9, 8]),
  );
  const decoded = decodeSocks5ProviderRequest(send);
  assertEquals(socks5RequestVersions(decoded), { interface: 3, protocol: 3 });
});

Deno.test("upstream request parser vectors: socket data and connect edge cases", () => {
  // request.rs: Send "works_when_request_is_sized_properly_and_has_data"
  const send = decodeSocks5RequestContent(
    Uint8Array.from([1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 255, 255, 255]),
  );
  assert(send.kind === "send");
  assertEquals(send.data.connectionId, 0x0102030405060708n);
  assertEquals(send.data.seq, 1n);
  assertEquals(send.data.data, Uint8Array.of(255, 255, 255));
  // lib.rs for_requests raw bytes (header only, after the flag)
  const raw = Uint8Array.from([
    1,
    6,
    6,
    6,
    6,
    6,
    6,
    6,
    6,
    0,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    255,
    255,
    255,
  ]);
  const s2 = decodeSocks5RequestContent(raw);
  assert(s2.kind === "send");
  assertEquals(s2.data.seq, 0x0001020304050607n);
  assertEquals(s2.data.connectionId, 0x0606060606060606n);
  // errors
  for (
    const bad of [
      [],
      [0, 1, 2, 3, 4, 5, 6, 7], // connection id too short
      [0, 1, 2, 3, 4, 5, 6, 7, 8], // no address length
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 0], // half an address length
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 7, 102, 111], // address too short
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 102, 1, 2, 3], // return address too short
      [1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], // socket data too short
      [2, 9], // unknown query
      [2, 0, 0], // trailing bytes after the query
      [7], // unknown flag
    ]
  ) {
    assertThrows(
      () => decodeSocks5RequestContent(Uint8Array.from(bad)),
      MalformedSocks5RequestError,
    );
  }
  // a return address of the right size whose identity is not an Ed25519 point (y = 2)
  const base = encodeSocks5RequestContent({
    kind: "connect",
    connectionId: 1n,
    remoteAddress: "a:1",
    returnAddress: null,
  });
  const withReturn = new Uint8Array(base.length + 96);
  withReturn.set(base);
  withReturn[base.length] = 2;
  assertThrows(() => decodeSocks5RequestContent(withReturn), MalformedSocks5RequestError);
  // version 4 is refused
  assertThrows(() => decodeSocks5Request(Uint8Array.of(4, 2, 0)), MalformedSocks5RequestError);
  // invalid UTF-8 in the address is decoded lossily, like `String::from_utf8_lossy`
  const lossy = decodeSocks5RequestContent(
    Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0xff, 0x41),
  );
  assert(lossy.kind === "connect");
  assertEquals(lossy.remoteAddress, "\ufffdA");
});

Deno.test("query request and response bincode match upstream vectors", () => {
  assertEquals(
    encodeSocks5RequestContent({ kind: "query", query: "open-proxy" }),
    Uint8Array.of(2, 0),
  );
  assertEquals(
    encodeSocks5RequestContent({ kind: "query", query: "description" }),
    Uint8Array.of(2, 1),
  );
  assertEquals(
    encodeSocks5RequestContent({ kind: "query", query: "exit-policy" }),
    Uint8Array.of(2, 2),
  );

  const cases: [Socks5ResponseContent, number[]][] = [
    [{ kind: "query", response: { kind: "open-proxy", open: true } }, [3, 0, 1]],
    [{ kind: "query", response: { kind: "description", description: "foo" } }, [
      3,
      1,
      3,
      102,
      111,
      111,
    ]],
    [
      { kind: "query", response: { kind: "error", message: "this is an error" } },
      [3, 3, 16, ...new TextEncoder().encode("this is an error")],
    ],
    [
      {
        kind: "query",
        response: {
          kind: "exit-policy",
          enabled: false,
          upstream: "http://foo.bar",
          policy: [{ action: "accept", ipPattern: "*", ports: { start: 1, end: 65535 } }],
        },
      },
      [
        3,
        2,
        0,
        14,
        104,
        116,
        116,
        112,
        58,
        47,
        47,
        102,
        111,
        111,
        46,
        98,
        97,
        114,
        1,
        1,
        0,
        1,
        42,
        1,
        251,
        255,
        255,
      ],
    ],
  ];
  for (const [content, bytes] of cases) {
    assertEquals(encodeSocks5ResponseContent(content), Uint8Array.from(bytes));
    assertEquals(decodeSocks5ResponseContent(Uint8Array.from(bytes)), content);
  }
  // policy: null, several rules, a u16 port ≥ 251 and a 0 port range
  const policy: Socks5ResponseContent = {
    kind: "query",
    response: {
      kind: "exit-policy",
      enabled: true,
      upstream: "",
      policy: [
        { action: "reject6", ipPattern: "fc00::/7", ports: { start: 443, end: 8080 } },
        { action: "accept", ipPattern: "*4", ports: { start: 0, end: 0 } },
      ],
    },
  };
  assertEquals(decodeSocks5ResponseContent(encodeSocks5ResponseContent(policy)), policy);
  const none: Socks5ResponseContent = {
    kind: "query",
    response: { kind: "exit-policy", enabled: true, upstream: "u", policy: null },
  };
  assertEquals(encodeSocks5ResponseContent(none), Uint8Array.of(3, 2, 1, 1, 117, 0));
});

Deno.test("network data and connection errors: response header order and upstream vectors", () => {
  // lib.rs for_responses raw bytes
  const raw = Uint8Array.from([
    1,
    0,
    6,
    6,
    6,
    6,
    6,
    6,
    6,
    6,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    255,
    255,
    255,
  ]);
  const nd = decodeSocks5ResponseContent(raw);
  assert(nd.kind === "network-data");
  assertEquals(nd.data.connectionId, 0x0606060606060606n);
  assertEquals(nd.data.seq, 0x0001020304050607n);
  assertEquals(nd.data.closed, false);
  assertEquals(encodeSocks5ResponseContent(nd), raw);
  // the same bytes parsed with the request layout differ (upstream asserts assert_ne)
  const asRequest = decodeSocks5RequestContent(Uint8Array.from([1, ...raw.subarray(1)]));
  assert(asRequest.kind === "send" && asRequest.data.connectionId !== nd.data.connectionId);

  const err: Socks5ResponseContent = {
    kind: "connection-error",
    connectionId: 42n,
    message: "This is a test msg",
  };
  const errBytes = encodeSocks5ResponseContent(err);
  assertEquals(errBytes.subarray(0, 9), Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 42));
  assertEquals(decodeSocks5ResponseContent(errBytes), err);
  assertThrows(() => decodeSocks5ResponseContent(Uint8Array.of(2)), MalformedSocks5ResponseError);
  assertThrows(
    () => decodeSocks5ResponseContent(Uint8Array.of(2, 1, 2, 3, 4, 5)),
    MalformedSocks5ResponseError,
  );
  assertThrows(
    () => decodeSocks5ResponseContent(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 42, 0, 159, 146, 150)),
    MalformedSocks5ResponseError,
  );
  assertThrows(
    () => decodeSocks5ResponseContent(Uint8Array.of(1, 0, 0)),
    MalformedSocks5ResponseError,
  );
  assertThrows(() => decodeSocks5ResponseContent(Uint8Array.of(4)), MalformedSocks5ResponseError);
  assertThrows(() => decodeSocks5Response(new Uint8Array(0)), MalformedSocks5ResponseError);
});

Deno.test("full v3 and legacy responses: version bytes and envelope", () => {
  const data = { connectionId: 9n, seq: 3n, closed: true, data: Uint8Array.of(0xaa) };
  const v3 = encodeSocks5ProviderResponse(socks5Response({ kind: "network-data", data }));
  assertEquals(
    v3,
    Uint8Array.from([3, 1, 3, 1, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 3, 0xaa]),
  );
  const legacy = encodeSocks5ProviderResponse(
    socks5Response({ kind: "network-data", data }, LEGACY_VERSIONS),
  );
  // legacy: neither interface version nor SOCKS5 version byte, only flag 1 ‖ data
  assertEquals(legacy, v3.subarray(3));
  for (const bytes of [v3, legacy]) {
    const r = decodeSocks5ProviderResponse(bytes);
    assert(r.content.kind === "provider");
    assertEquals(r.content.response.content, { kind: "network-data", data });
  }
  assertEquals(decodeSocks5ProviderResponse(legacy).interfaceVersion, "legacy");
});

Deno.test("control requests and responses", () => {
  const health: Socks5ProviderRequest = {
    interfaceVersion: 3,
    content: { kind: "control", request: "health" },
  };
  assertEquals(encodeSocks5ProviderRequest(health), Uint8Array.of(3, 0, 0));
  for (
    const [tag, request] of [[0, "health"], [1, "binary-info"], [2, "supported-versions"]] as const
  ) {
    const r = decodeSocks5ProviderRequest(Uint8Array.of(3, 0, tag));
    assertEquals(r.content, { kind: "control", request });
  }
  assertThrows(() => decodeSocks5ProviderRequest(Uint8Array.of(3, 0, 3)), MalformedEnvelopeError);
  assertThrows(() => decodeSocks5ProviderRequest(Uint8Array.of(3, 0)), MalformedEnvelopeError);
  assertThrows(() => decodeSocks5ProviderRequest(Uint8Array.of(3)), MalformedEnvelopeError);
  assertThrows(() => decodeSocks5ProviderRequest(Uint8Array.of(3, 2)), MalformedEnvelopeError);
  assertThrows(
    () =>
      encodeProviderRequest({
        interfaceVersion: "legacy",
        content: { kind: "control", request: "health" },
      }, () => new Uint8Array(0)),
    MalformedEnvelopeError,
  );

  const versions = encodeControlResponse({
    kind: "supported-versions",
    interfaceVersion: formatVersion(3),
    providerVersion: formatVersion(3),
  });
  assertEquals(
    new TextDecoder().decode(versions.subarray(1)),
    '{"interface_version":"{\\"type\\":\\"Versioned\\",\\"version\\":3}","provider_version":"{\\"type\\":\\"Versioned\\",\\"version\\":3}"}',
  );
  assertEquals(versions[0], 2);
  const build = {
    binary_name: "nym-node",
    build_timestamp: "t",
    build_version: "1.0.0",
    commit_sha: "abc",
    commit_timestamp: "ct",
    commit_branch: "main",
    rustc_version: "r",
    rustc_channel: "stable",
    cargo_profile: "release",
    cargo_triple: "x86_64",
  };
  const info = encodeControlResponse({
    kind: "binary-info",
    binaryName: "nym-node",
    buildInformation: build,
  });
  assertEquals(info[0], 1);
  assert(
    new TextDecoder().decode(info).startsWith(
      '\x01{"binary_name":"nym-node","build_information":{"binary_name"',
    ),
  );
  assertEquals(decodeControlResponse(info), {
    kind: "binary-info",
    binaryName: "nym-node",
    buildInformation: build,
  });
  const errBytes = encodeControlResponse({ kind: "error", message: "boom" });
  assertEquals(
    errBytes,
    Uint8Array.from([0xff, ...new TextEncoder().encode('{"message":"boom"}')]),
  );
  const full = encodeSocks5ProviderResponse({
    interfaceVersion: 3,
    content: { kind: "control", response: { kind: "health" } },
  });
  assertEquals(full, Uint8Array.of(3, 0, 0));
  assertThrows(() => decodeControlResponse(Uint8Array.of(1, 123)), MalformedEnvelopeError);
  assertThrows(() => decodeControlResponse(Uint8Array.of(7)), MalformedEnvelopeError);
});

Deno.test("connect signal: confirmation, failure markers and errors", () => {
  const ok = connectOutcome({ kind: "network-data", data: connectConfirmation(7n) }, 7n);
  assertEquals(ok, { kind: "connected" });
  assertEquals(connectOutcome({ kind: "network-data", data: connectConfirmation(8n) }, 7n), null);
  const failed = connectOutcome({ kind: "network-data", data: connectFailureMarker(7n) }, 7n);
  assertEquals(failed?.kind, "refused");
  assertEquals(
    connectOutcome({ kind: "connection-error", connectionId: 7n, message: "denied by policy" }, 7n),
    { kind: "refused", message: "denied by policy" },
  );
  // data at seq 2 arriving before the confirmation still proves the connection exists
  assertEquals(
    connectOutcome({
      kind: "network-data",
      data: { connectionId: 7n, seq: 2n, closed: true, data: new Uint8Array(0) },
    }, 7n),
    { kind: "connected" },
  );
  assertEquals(
    connectOutcome({ kind: "query", response: { kind: "open-proxy", open: true } }, 7n),
    null,
  );
  assert(describesConnectConfirmation("x; connect-confirmation/1"));
  assert(!describesConnectConfirmation("connect-confirmation/10"));
});

Deno.test("bincode varints: widths, lenient decode, range checks", () => {
  assertEquals(new BincodeWriter().varint(250).bytes(), Uint8Array.of(250));
  assertEquals(new BincodeWriter().varint(251).bytes(), Uint8Array.of(251, 0, 251));
  assertEquals(new BincodeWriter().varint(65536).bytes(), Uint8Array.of(252, 0, 1, 0, 0));
  assertEquals(
    new BincodeWriter().varint(2n ** 32n).bytes(),
    Uint8Array.of(253, 0, 0, 0, 1, 0, 0, 0, 0),
  );
  assertEquals(new BincodeReader(Uint8Array.of(251, 0, 5)).varint(), 5n);
  assertThrows(() => new BincodeReader(Uint8Array.of(254)).varint(), BincodeError);
  assertThrows(
    () => new BincodeReader(Uint8Array.of(252, 0, 1, 0, 0)).varintNumber(0xffff),
    BincodeError,
  );
  assertThrows(() => new BincodeReader(Uint8Array.of(10, 1)).string(), BincodeError);
  const e = assertThrows(() => new BincodeReader(Uint8Array.of(2)).bool());
  assertInstanceOf(e, BincodeError);
});
