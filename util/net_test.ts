import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  canonicalIp,
  canonicalSocketAddress,
  formatSocketAddress,
  InvalidAddressError,
  isGlobalIp,
  isLoopbackIp,
  parseIp,
  parseSocketAddress,
} from "./net.ts";

Deno.test("canonicalIp prints like Rust's Display (RFC 5952)", () => {
  const cases: [string, string][] = [
    ["1.2.3.4", "1.2.3.4"],
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longest run wins
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first run on a tie
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ["::ffff:0102:0304", "::ffff:1.2.3.4"],
    ["::1.2.3.4", "::102:304"], // IPv4-compatible is not special-cased by modern Rust
    ["fe80::", "fe80::"],
    ["1::", "1::"],
  ];
  for (const [input, expected] of cases) assertEquals(canonicalIp(input), expected, input);
});

Deno.test("parseIp rejects what Rust rejects", () => {
  for (
    const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1.2.3.-4",
      "::1::",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::8",
      "[::1]",
      "fe80::1%eth0",
      "localhost",
      "12345::",
    ]
  ) {
    assertThrows(() => parseIp(bad), InvalidAddressError);
  }
});

Deno.test("isGlobalIp classifies special ranges", () => {
  for (const ip of ["1.1.1.1", "8.8.8.8", "2a01:4f8::1", "::ffff:1.1.1.1"]) {
    assert(isGlobalIp(parseIp(ip)), ip);
  }
  for (
    const ip of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "100.64.0.1",
      "169.254.1.1",
      "0.0.0.0",
      "255.255.255.255",
      "224.0.0.1",
      "192.0.2.1",
      "::1",
      "::",
      "fc00::1",
      "fe80::1",
      "2001:db8::1",
      "ff02::1",
      "::ffff:10.0.0.1",
    ]
  ) {
    assert(!isGlobalIp(parseIp(ip)), ip);
  }
  assert(isLoopbackIp(parseIp("::ffff:127.0.0.1")));
});

Deno.test("socket addresses parse and print like Rust", () => {
  assertEquals(parseSocketAddress("[::]:8080"), { ip: "::", family: 6, port: 8080 });
  assertEquals(parseSocketAddress("127.0.0.1:0"), { ip: "127.0.0.1", family: 4, port: 0 });
  assertEquals(formatSocketAddress("::", 1789), "[::]:1789");
  assertEquals(formatSocketAddress("0.0.0.0", 51822), "0.0.0.0:51822");
  assertEquals(canonicalSocketAddress("[0:0::0:1]:80"), "[::1]:80");
  for (
    const bad of [
      "x",
      "127.0.0.1",
      "127.0.0.1:",
      "127.0.0.1:65536",
      ":::80",
      "[1.2.3.4]:80",
      "::1:80",
      "host:80",
      "[::1]80",
    ]
  ) {
    assertThrows(() => parseSocketAddress(bad), InvalidAddressError, "is not a socket address");
  }
});
