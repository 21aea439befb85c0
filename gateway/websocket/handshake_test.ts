import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertStringIncludes,
  assertThrows,
} from "../../testing/asserts.ts";
import { HandshakeError } from "./errors.ts";
import {
  buildAcceptResponse,
  buildErrorResponse,
  computeAcceptKey,
  MAX_REQUEST_HEAD_BYTES,
  parseUpgradeRequest,
} from "./handshake.ts";
import { SAMPLE_KEY, upgradeRequest } from "./_test_support.ts";

const encoder = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function parse(head: string) {
  return parseUpgradeRequest(encoder.encode(head));
}

function rejected(head: string | Uint8Array, status: number): HandshakeError {
  const bytes = typeof head === "string" ? encoder.encode(head) : head;
  const e = assertThrows(() => parseUpgradeRequest(bytes));
  assertInstanceOf(e, HandshakeError);
  assertEquals(e.status, status, e.message);
  return e;
}

Deno.test("handshake: the RFC 6455 §1.3 accept key", () => {
  assertEquals(computeAcceptKey(SAMPLE_KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("handshake: a request like Deno's WebSocket client sends parses", () => {
  const head = "GET /a/b?c=1&d=%20x HTTP/1.1\r\nhost: 127.0.0.1:9000\r\nupgrade: websocket\r\n" +
    "connection: Upgrade\r\nsec-websocket-version: 13\r\nsec-websocket-key: " + SAMPLE_KEY +
    "\r\nuser-agent: Deno/2.9.6\r\naccept: */*\r\nsec-websocket-extensions: permessage-deflate\r\n" +
    "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n";
  const frameBytes = new Uint8Array([0x81, 0x80, 1, 2, 3, 4]);
  const bytes = new Uint8Array([...encoder.encode(head), ...frameBytes]);
  const parsed = parseUpgradeRequest(bytes);
  assert(parsed !== null);
  assertEquals(parsed.request.method, "GET");
  assertEquals(parsed.request.target, "/a/b?c=1&d=%20x");
  assertEquals(parsed.request.path, "/a/b");
  assertEquals(parsed.request.query, "c=1&d=%20x");
  assertEquals(parsed.request.key, SAMPLE_KEY);
  assertEquals(parsed.request.headers.get("User-Agent"), "Deno/2.9.6");
  assertEquals(parsed.request.protocols, ["chat", "superchat"]);
  assertEquals(parsed.headLength, head.length);
  assertEquals(parsed.rest, frameBytes);
});

Deno.test("handshake: header names and tokens are case-insensitive; lists are accepted", () => {
  const parsed = parse(upgradeRequest("/", {
    Upgrade: "WebSocket",
    Connection: "keep-alive, UPGRADE",
  }));
  assert(parsed !== null);
  assertEquals(parsed.request.path, "/");
  assertEquals(parsed.request.query, "");
  assertEquals(parsed.request.protocols, []);
});

Deno.test("handshake: incomplete heads return null until the blank line arrives", () => {
  const head = upgradeRequest();
  for (const cut of [0, 1, 10, head.length - 2, head.length - 1]) {
    assertEquals(parse(head.slice(0, cut)), null, `cut at ${cut}`);
  }
  assert(parse(head) !== null);
});

Deno.test("handshake: invalid requests map to 400/405/426/431", () => {
  rejected(upgradeRequest("/", { "Sec-WebSocket-Key": null }), 400);
  rejected(upgradeRequest("/", { "Sec-WebSocket-Key": "c2hvcnQ=" }), 400); // 5 bytes
  rejected(upgradeRequest("/", { "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ" }), 400);
  rejected(upgradeRequest("/", { "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==x" }), 400);
  rejected(upgradeRequest("/", { "Sec-WebSocket-Key": "!GhlIHNhbXBsZSBub25jZQ==" }), 400);
  rejected(
    upgradeRequest().replace("\r\n\r\n", `\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\n\r\n`),
    400,
  );
  rejected(upgradeRequest("/", { Host: null }), 400);
  rejected(upgradeRequest().replace("HTTP/1.1", "HTTP/1.0"), 400);
  rejected(upgradeRequest().replace("GET / ", "GET  / "), 400);
  rejected(upgradeRequest().replace("Host:", "Host :"), 400);
  rejected(upgradeRequest().replace("Host: 127.0.0.1\r\n", "Host: a\r\n folded\r\n"), 400);
  rejected(upgradeRequest().replace("Host: 127.0.0.1\r\n", "Host: a\nb\r\n"), 400);
  rejected(upgradeRequest().replace("Host: 127.0.0.1\r\n", "Host: a\x00b\r\n"), 400);
  rejected(upgradeRequest().replace("Host: 127.0.0.1\r\n", "NoColon\r\n"), 400);
  rejected(upgradeRequest("/", {}, "POST"), 405);
  rejected(upgradeRequest("/", { "Sec-WebSocket-Version": "8" }), 426);
  rejected(upgradeRequest("/", { "Sec-WebSocket-Version": null }), 426);
  rejected(upgradeRequest("/", { Upgrade: null }), 426);
  rejected(upgradeRequest("/", { Upgrade: "h2c" }), 426);
  rejected(upgradeRequest("/", { Connection: "keep-alive" }), 426);
  rejected("GET / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", 426); // plain HTTP
  rejected("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 426);
});

Deno.test("handshake: the request head is limited to 8 KiB (431), even before it ends", () => {
  const big = upgradeRequest("/", { "X-Pad": "a".repeat(MAX_REQUEST_HEAD_BYTES) });
  rejected(big, 431);
  rejected(big.slice(0, MAX_REQUEST_HEAD_BYTES), 431); // no end in sight after 8 KiB
  assertEquals(parse(big.slice(0, MAX_REQUEST_HEAD_BYTES - 1)), null);
  // Just under the limit is accepted.
  const base = upgradeRequest("/", { "X-Pad": "" }).length;
  const fits = upgradeRequest("/", { "X-Pad": "a".repeat(MAX_REQUEST_HEAD_BYTES - base) });
  assertEquals(fits.length, MAX_REQUEST_HEAD_BYTES);
  assert(parse(fits) !== null);
});

Deno.test("handshake: the 101 response carries the accept key and nothing negotiated", () => {
  const response = text(buildAcceptResponse(SAMPLE_KEY));
  assertEquals(
    response,
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
  );
});

Deno.test("handshake: error responses are complete HTTP responses that close", () => {
  const r426 = text(buildErrorResponse(426, "Upgrade Required"));
  assert(r426.startsWith("HTTP/1.1 426 Upgrade Required\r\n"));
  assertStringIncludes(r426, "Sec-WebSocket-Version: 13\r\n");
  assertStringIncludes(r426, "Upgrade: websocket\r\n");
  assertStringIncludes(r426, "Connection: close\r\n");
  const [head, body] = r426.split("\r\n\r\n");
  assertEquals(body, "Upgrade Required\n");
  assertStringIncludes(head, `Content-Length: ${body.length}`);
  assert(text(buildErrorResponse(400, "x")).startsWith("HTTP/1.1 400 Bad Request\r\n"));
  assertStringIncludes(text(buildErrorResponse(405, "x")), "Allow: GET\r\n");
  assert(text(buildErrorResponse(431, "x")).startsWith("HTTP/1.1 431 Request Header Fields"));
});
