import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { InvalidRoutingAddressError } from "./errors.ts";
import {
  decodeRoutingAddress,
  encodeRoutingAddress,
  MAX_NODE_ADDRESS_UNPADDED_LEN,
  NODE_ADDRESS_LENGTH,
  parseSocketAddress,
  routingAddressLength,
  routingAddressToString,
  writeRoutingAddress,
} from "./routing_address.ts";

Deno.test("IPv4 encodes as 04 ‖ port BE ‖ octets, 7 bytes", () => {
  const bytes = encodeRoutingAddress({ ip: "1.2.3.4", port: 42 });
  assertEquals([...bytes], [4, 0, 42, 1, 2, 3, 4]);
  assertEquals(decodeRoutingAddress(bytes), { ip: "1.2.3.4", port: 42 });
  assertEquals(routingAddressLength({ ip: "1.2.3.4", port: 42 }), 7);
});

Deno.test("IPv6 encodes as 06 ‖ port BE ‖ 16 octets, 19 bytes", () => {
  const bytes = encodeRoutingAddress({ ip: "102:304:506:708:90a:b0c:d0e:f10", port: 1789 });
  assertEquals(
    [...bytes],
    [6, 0x06, 0xfd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
  );
  assertEquals(decodeRoutingAddress(bytes), {
    ip: "102:304:506:708:90a:b0c:d0e:f10",
    port: 1789,
  });
});

Deno.test("zero padding to 32 (sphinx) and 19 (SURB-ack); decoding ignores trailing bytes", () => {
  for (const address of [{ ip: "0.0.0.0", port: 0 }, { ip: "::", port: 65535 }]) {
    for (const pad of [NODE_ADDRESS_LENGTH, MAX_NODE_ADDRESS_UNPADDED_LEN]) {
      const bytes = encodeRoutingAddress(address, pad);
      assertEquals(bytes.length, pad);
      for (let i = routingAddressLength(address); i < pad; i++) assertEquals(bytes[i], 0);
      assertEquals(decodeRoutingAddress(bytes), address);
    }
  }
  const noisy = new Uint8Array(32).fill(0xee);
  writeRoutingAddress(noisy, 0, { ip: "9.8.7.6", port: 1 });
  assertEquals(decodeRoutingAddress(noisy), { ip: "9.8.7.6", port: 1 });
  const withOffset = new Uint8Array(40);
  writeRoutingAddress(withOffset, 5, { ip: "::1", port: 2 });
  assertEquals(decodeRoutingAddress(withOffset, 5), { ip: "::1", port: 2 });
});

Deno.test("IPv6 text is normalised like Rust's Display (RFC 5952)", () => {
  const cases: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0db8::0001", "2001:db8::1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:0:0:1:0:0:1:1", "1::1:0:0:1:1"],
    ["1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"],
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ["::ffff:102:304", "::ffff:1.2.3.4"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ];
  for (const [input, canonical] of cases) {
    const decoded = decodeRoutingAddress(encodeRoutingAddress({ ip: input, port: 7 }));
    assertEquals(decoded.ip, canonical, input);
  }
});

Deno.test("malformed bytes are InvalidRoutingAddressError", () => {
  const bad = [
    [],
    [5, 0, 0, 1, 2, 3, 4],
    [0],
    [4, 0, 1, 1, 2, 3],
    [6, 0, 1, ...new Array(15).fill(0)],
  ];
  for (const b of bad) {
    assertThrows(() => decodeRoutingAddress(new Uint8Array(b)), InvalidRoutingAddressError);
  }
  assertThrows(() => decodeRoutingAddress(new Uint8Array([4, 0, 0, 1, 2, 3, 4]), 7));
});

Deno.test("malformed textual addresses and ports are rejected on encode", () => {
  const ips = [
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.0.0.1",
    "01.2.3.4",
    "1.2.3.-4",
    "a.b.c.d",
    "1::2::3",
    "g::1",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    ":1",
    "1.2.3.4::1",
    "fe80::1%eth0",
    "12345::1",
  ];
  for (const ip of ips) {
    assertThrows(() => encodeRoutingAddress({ ip, port: 1 }), InvalidRoutingAddressError);
  }
  for (const port of [-1, 65536, 1.5, NaN]) {
    assertThrows(() => encodeRoutingAddress({ ip: "1.2.3.4", port }), InvalidRoutingAddressError);
  }
  assertThrows(
    () => encodeRoutingAddress({ ip: "1.2.3.4", port: 1 }, 6),
    InvalidRoutingAddressError,
  );
  assertThrows(() => encodeRoutingAddress({ ip: "::1", port: 1 }, 7), InvalidRoutingAddressError);
  assertThrows(
    () => writeRoutingAddress(new Uint8Array(10), 4, { ip: "1.2.3.4", port: 1 }),
    InvalidRoutingAddressError,
  );
});

Deno.test("socket address text round trips", () => {
  assertEquals(parseSocketAddress("1.2.3.4:1789"), { ip: "1.2.3.4", port: 1789 });
  assertEquals(parseSocketAddress("[2001:DB8::1]:1789"), { ip: "2001:db8::1", port: 1789 });
  assertEquals(routingAddressToString({ ip: "1.2.3.4", port: 1789 }), "1.2.3.4:1789");
  assertEquals(routingAddressToString({ ip: "::1", port: 1789 }), "[::1]:1789");
  for (
    const text of [
      "1.2.3.4",
      "::1:1789",
      "[::1]1789",
      "[1.2.3.4]:1",
      "1.2.3.4:",
      "1.2.3.4:99999",
      "x:1",
    ]
  ) {
    assertThrows(() => parseSocketAddress(text), InvalidRoutingAddressError);
  }
});
