/**
 * The SOCKS handshake state machine: every dialect, every byte split, every malformed class
 * gives a clear rejection (with the dialect's reply when it has one), never an exception.
 */
import { assert, assertEquals, assertStringIncludes } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { type HandshakeStep, SocksHandshake } from "./handshake.ts";
import {
  encodeConnectReply,
  remoteAddressText,
  Socks5Reply,
  type Socks5ReplyCode,
} from "./protocol.ts";

const te = new TextEncoder();
const bytes = (...parts: (number | number[] | string | Uint8Array)[]) => {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") out.push(p);
    else if (typeof p === "string") out.push(...te.encode(p));
    else out.push(...p);
  }
  return Uint8Array.from(out);
};
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const written = (step: HandshakeStep) => step.write.map(hex);

function feed(input: Uint8Array, splits: number[] = []): HandshakeStep[] {
  const h = new SocksHandshake();
  const steps: HandshakeStep[] = [];
  let at = 0;
  for (const s of [...splits, input.length]) {
    steps.push(h.push(input.slice(at, s)));
    at = s;
  }
  return steps;
}

function last(input: Uint8Array): HandshakeStep {
  return feed(input).at(-1)!;
}

function assertRequest(step: HandshakeStep, target: string, version: string): Uint8Array {
  assertEquals(step.kind, "request", JSON.stringify(step));
  if (step.kind !== "request") throw new Error("unreachable");
  assertEquals(step.request.version, version);
  assertEquals(remoteAddressText(step.request), target);
  return step.rest;
}

function assertRejected(step: HandshakeStep, reply: Uint8Array | null, includes: string): void {
  assertEquals(step.kind, "rejected", JSON.stringify(step));
  if (step.kind !== "rejected") throw new Error("unreachable");
  assertStringIncludes(step.error.message, includes);
  const replies = step.write.map(hex);
  if (reply === null) assertEquals(replies.filter((r) => !r.startsWith("05 00")), []);
  else assertEquals(replies.at(-1), hex(reply));
}

const GREETING = bytes(5, 1, 0);
const s5 = (code: Socks5ReplyCode) => encodeConnectReply("socks5", code);
const s4 = (code: Socks5ReplyCode) => encodeConnectReply("socks4", code);

Deno.test("socks5: greeting then CONNECT for IPv4, IPv6 and a domain name", () => {
  const g = feed(GREETING)[0];
  assertEquals(g.kind, "incomplete");
  assertEquals(written(g), ["05 00"]);
  assertRequest(
    last(bytes(GREETING, 5, 1, 0, 1, [10, 1, 2, 3], 0x1f, 0x90)),
    "10.1.2.3:8080",
    "socks5",
  );
  const v6 = new Uint8Array(16);
  v6[15] = 1;
  assertRequest(last(bytes(GREETING, 5, 1, 0, 4, v6, 0, 80)), "[::1]:80", "socks5");
  assertRequest(
    last(bytes(GREETING, 5, 1, 0, 3, 11, "nymtech.net", 1, 0xbb)),
    "nymtech.net:443",
    "socks5",
  );
});

Deno.test("socks5: the greeting may offer several methods; no-auth is chosen", () => {
  const step = last(bytes(5, 3, 2, 1, 0));
  assertEquals(step.kind, "incomplete");
  assertEquals(written(step), ["05 00"]);
});

Deno.test("socks5: pipelined greeting + request + optimistic data in one chunk", () => {
  const step = last(bytes(GREETING, 5, 1, 0, 1, [127, 0, 0, 1], 0, 80, "GET / HTTP/1.0\r\n\r\n"));
  assertEquals(written(step), ["05 00"]);
  const rest = assertRequest(step, "127.0.0.1:80", "socks5");
  assertEquals(new TextDecoder().decode(rest), "GET / HTTP/1.0\r\n\r\n");
});

Deno.test("every byte split of every valid request gives the same result", () => {
  const cases: [Uint8Array, string, string][] = [
    [bytes(GREETING, 5, 1, 0, 3, 9, "localhost", 0, 80), "localhost:80", "socks5"],
    [bytes(4, 1, 0, 80, [1, 2, 3, 4], "user", 0), "1.2.3.4:80", "socks4"],
    [bytes(4, 1, 0, 80, [0, 0, 0, 9], 0, "example.org", 0), "example.org:80", "socks4a"],
  ];
  for (const [input, target, version] of cases) {
    for (let i = 1; i < input.length; i++) {
      for (let j = i; j < input.length; j++) {
        const steps = feed(input, [i, j]);
        for (const s of steps.slice(0, -1)) assertEquals(s.kind, "incomplete");
        assertRequest(steps.at(-1)!, target, version);
        const writes = steps.flatMap(written);
        assertEquals(writes, version === "socks5" ? ["05 00"] : []);
      }
    }
  }
});

Deno.test("socks4 and socks4a: user ids are skipped, 0.0.0.x means a name follows", () => {
  assertRequest(last(bytes(4, 1, 0x1f, 0x90, [192, 0, 2, 7], 0)), "192.0.2.7:8080", "socks4");
  assertRequest(
    last(bytes(4, 1, 0, 22, [0, 0, 0, 1], "someone", 0, "host-1.example", 0)),
    "host-1.example:22",
    "socks4a",
  );
  // An IP literal sent as a name becomes an address (IPv6 in brackets for the host:port text).
  assertRequest(last(bytes(4, 1, 0, 80, [0, 0, 0, 1], 0, "::1", 0)), "[::1]:80", "socks4a");
  assertRequest(
    last(bytes(GREETING, 5, 1, 0, 3, 5, "[::1]", 0, 80)),
    "[::1]:80",
    "socks5",
  );
  assertRequest(
    last(bytes(GREETING, 5, 1, 0, 3, 9, "127.0.0.1", 0, 80)),
    "127.0.0.1:80",
    "socks5",
  );
});

Deno.test("socks5 malformed classes get the matching reply code", () => {
  const cases: [Uint8Array, Uint8Array | null, string][] = [
    [bytes(5, 0), bytes(5, 0xff), "offers no authentication method"],
    [bytes(5, 2, 1, 2), bytes(5, 0xff), "only 'no authentication'"],
    [bytes(GREETING, 4, 1, 0, 1, [1, 1, 1, 1], 0, 80), s5(1), "version 4, not 5"],
    [bytes(GREETING, 5, 2, 0, 1, [1, 1, 1, 1], 0, 80), s5(7), "BIND is not supported"],
    [bytes(GREETING, 5, 3, 0, 1, [1, 1, 1, 1], 0, 80), s5(7), "UDP ASSOCIATE is not supported"],
    [bytes(GREETING, 5, 9, 0, 1), s5(7), "command 0x09 is not supported"],
    [bytes(GREETING, 5, 1, 0, 2), s5(8), "address type 0x02 is not supported"],
    [bytes(GREETING, 5, 1, 0, 0xff), s5(8), "address type 0xff"],
    [bytes(GREETING, 5, 1, 0, 3, 0, 0, 80), s5(1), "domain name is empty"],
    [bytes(GREETING, 5, 1, 0, 3, 5, "a b c", 0, 80), s5(4), "not a valid host name"],
    [bytes(GREETING, 5, 1, 0, 3, 3, "a:b", 0, 80), s5(4), "not a valid host name"],
    [bytes(GREETING, 5, 1, 0, 3, 2, [0xc3, 0x28], 0, 80), s5(4), "not UTF-8"],
    [bytes(GREETING, 5, 1, 0, 3, 4, "a..b", 0, 80), s5(4), "not a valid host name"],
    [bytes(GREETING, 5, 1, 0, 1, [1, 1, 1, 1], 0, 0), s5(5), "port 0"],
  ];
  for (const [input, reply, includes] of cases) assertRejected(last(input), reply, includes);
});

Deno.test("socks4 malformed classes get 0x5b (rejected or failed)", () => {
  const rejected = s4(Socks5Reply.GeneralFailure);
  assertEquals(hex(rejected), "00 5b 00 00 00 00 00 00");
  const cases: [Uint8Array, string][] = [
    [bytes(4, 2, 0, 80, [1, 2, 3, 4], 0), "BIND is not supported"],
    [bytes(4, 7, 0, 80, [1, 2, 3, 4], 0), "command 0x07"],
    [bytes(4, 1, 0, 80, [0, 0, 0, 0], 0), "0.0.0.0 is not a destination"],
    [bytes(4, 1, 0, 0, [1, 2, 3, 4], 0), "port 0"],
    [bytes(4, 1, 0, 80, [0, 0, 0, 1], 0, 0), "host name is empty"],
    [bytes(4, 1, 0, 80, [0, 0, 0, 1], 0, "bad name!", 0), "not a valid host name"],
    [bytes(4, 1, 0, 80, [1, 2, 3, 4], new Uint8Array(300).fill(0x61)), "user id is longer"],
    [bytes(4, 1, 0, 80, [1, 2, 3, 4], new Uint8Array(256).fill(0x61), 0), "user id is longer"],
    [
      bytes(4, 1, 0, 80, [0, 0, 0, 1], 0, new Uint8Array(300).fill(0x61)),
      "host name is longer",
    ],
  ];
  for (const [input, includes] of cases) assertRejected(last(input), rejected, includes);
});

Deno.test("other first bytes: unknown versions are closed, HTTP gets a 400 explanation", () => {
  assertRejected(last(bytes(0x06, 1, 0)), null, "unsupported SOCKS version 0x06");
  assertRejected(last(bytes(0x00)), null, "unsupported SOCKS version 0x00");
  const http = last(bytes("GET / HTTP/1.1\r\n"));
  assertEquals(http.kind, "rejected");
  assertStringIncludes(new TextDecoder().decode(http.write[0]), "HTTP/1.1 400 Bad Request");
  assertStringIncludes(new TextDecoder().decode(http.write[0]), "not an HTTP proxy");
});

Deno.test("incomplete requests hold at most maxBufferedBytes", () => {
  const h = new SocksHandshake({ maxBufferedBytes: 64 });
  assertEquals(h.push(bytes(4, 1, 0, 80, [0, 0, 0, 1], 0)).kind, "incomplete");
  const step = h.push(new Uint8Array(100).fill(0x61));
  assertRejected(step, s4(1), "longer");
  assert(h.finished);
  // Pushing after the end is a rejection, not an exception.
  assertEquals(h.push(bytes(5)).kind, "rejected");
});

Deno.test("fuzz: random input never throws, and every outcome is well-formed", () => {
  const random = seededRandom(new Uint8Array(32).fill(7));
  for (let i = 0; i < 5000; i++) {
    const length = random(1)[0] % 40;
    const input = random(length);
    // Bias towards the interesting first bytes.
    if (length > 0) input[0] = [4, 5, 5, input[0]][input[0] & 3];
    if (length > 3 && input[0] === 5) {
      input[1] = 1;
      input[2] = 0;
    }
    const h = new SocksHandshake({ maxBufferedBytes: 64 });
    let step: HandshakeStep = { kind: "incomplete", write: [] };
    for (let at = 0; at < input.length && step.kind === "incomplete";) {
      const n = 1 + (random(1)[0] % 8);
      step = h.push(input.slice(at, at + n));
      at += n;
    }
    if (step.kind === "rejected") assert(step.error.message.length > 0);
    if (step.kind === "request") {
      assert(step.request.port > 0);
      assert(remoteAddressText(step.request).length > 2);
    }
  }
});
