import { assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  formatIpAddress,
  InvalidAddressError,
  normalizeIpAddress,
  normalizeSocketAddress,
  parseIpAddress,
  toCanonicalIp,
} from "./mod.ts";

Deno.test("IP literals normalise by value", () => {
  assertEquals(normalizeIpAddress("127.0.0.1"), "127.0.0.1");
  assertEquals(normalizeIpAddress("::1"), "::1");
  assertEquals(normalizeIpAddress("0:0:0:0:0:0:0:1"), "::1");
  assertEquals(normalizeIpAddress("2001:DB8::0:1"), "2001:db8::1");
  assertEquals(normalizeIpAddress("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  assertEquals(normalizeIpAddress("::"), "::");
  assertEquals(normalizeIpAddress("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
  assertEquals(normalizeIpAddress("::FFFF:7f00:1"), "::ffff:127.0.0.1");
  assertEquals(normalizeIpAddress("::ffff:127.0.0.1"), "::ffff:127.0.0.1");
  assertEquals(normalizeIpAddress("fe80::1%eth0"), "fe80::1");
});

Deno.test("to_canonical maps only IPv4-mapped addresses to IPv4", () => {
  const canon = (s: string) => formatIpAddress(toCanonicalIp(parseIpAddress(s)));
  assertEquals(canon("::ffff:10.1.2.3"), "10.1.2.3");
  assertEquals(canon("10.1.2.3"), "10.1.2.3");
  assertEquals(canon("::10.1.2.3"), "::a01:203"); // IPv4-compatible: not mapped
  assertEquals(canon("64:ff9b::10.1.2.3"), "64:ff9b::a01:203");
});

Deno.test("socket addresses normalise and reject malformed input", () => {
  assertEquals(normalizeSocketAddress("10.0.0.1:1789"), "10.0.0.1:1789");
  assertEquals(normalizeSocketAddress("[0::1]:1789"), "[::1]:1789");
  assertEquals(
    normalizeSocketAddress({ hostname: "::ffff:1.2.3.4", port: 1 }),
    "[::ffff:1.2.3.4]:1",
  );
  for (
    const bad of [
      "10.0.0.1",
      "::1:1789",
      "[::1]1789",
      "10.0.0.1:65536",
      "10.0.0.1:-1",
      "010.0.0.1:1",
      "256.0.0.1:1",
      "[1.2.3.4]:1",
      "[::1::2]:1",
      "[1:2:3:4:5:6:7:8:9]:1",
      "[12345::]:1",
      "host:1",
      ":1",
    ]
  ) {
    assertThrows(() => normalizeSocketAddress(bad), InvalidAddressError, undefined);
  }
  assertThrows(() => parseIpAddress("1.2.3"), InvalidAddressError);
  assertThrows(() => normalizeSocketAddress({ hostname: "::1", port: 1.5 }), InvalidAddressError);
});
