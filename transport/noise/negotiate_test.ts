import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import {
  createNoiseNetworkView,
  decideInitiatorTransport,
  decideResponderTransport,
  InvalidAddressError,
} from "../mod.ts";

const key = (fill: number) => new Uint8Array(32).fill(fill);

const view = createNoiseNetworkView([
  { address: "10.0.0.1:1789", key: { supportedVersion: 1, x25519PublicKey: key(1) } },
  { address: "10.0.0.2:1789", key: { supportedVersion: 7, x25519PublicKey: key(2) } },
  { address: "[2001:db8::5]:1789", key: { supportedVersion: 1, x25519PublicKey: key(5) } },
  {
    address: { hostname: "::ffff:10.0.0.9", port: 1789 },
    key: { supportedVersion: 1, x25519PublicKey: key(9) },
  },
  { address: "not an address", key: { supportedVersion: 1, x25519PublicKey: key(3) } },
  { address: "10.0.0.4:1789", key: { supportedVersion: 1, x25519PublicKey: new Uint8Array(31) } },
]);

Deno.test("view building normalises addresses and skips malformed entries", () => {
  assertEquals(view.rejectedEntries, 2);
  assertEquals(view.keys.size, 4);
  assertEquals(
    [...view.supportingIps].sort(),
    ["10.0.0.1", "10.0.0.2", "2001:db8::5", "::ffff:10.0.0.9"],
  );
});

Deno.test("initiator: Noise only for the exact ip:port with a key; unknown version → V1", () => {
  const d = decideInitiatorTransport(view, "10.0.0.1:1789");
  assertEquals(d.mode === "noise" && [d.version, d.downgraded, d.responderStaticPublicKey[0]], [
    1,
    false,
    1,
  ]);
  const up = decideInitiatorTransport(view, { hostname: "10.0.0.2", port: 1789 });
  assertEquals(up.mode === "noise" && [up.version, up.downgraded, up.responderStaticPublicKey[0]], [
    1,
    true,
    2,
  ]);
  assertEquals(decideInitiatorTransport(view, "[2001:DB8:0::5]:1789").mode, "noise");
  // Same IP, other port: no key for that socket address.
  assertEquals(decideInitiatorTransport(view, "10.0.0.1:1790"), {
    mode: "plain",
    reason: "no-noise-key",
  });
  // The initiator does not canonicalise: a mapped spelling of 10.0.0.1 is another SocketAddr.
  assertEquals(decideInitiatorTransport(view, "[::ffff:10.0.0.1]:1789").mode, "plain");
  assertEquals(decideInitiatorTransport(view, "10.0.0.9:1789").mode, "plain");
  assertEquals(decideInitiatorTransport(view, "10.0.0.1:1789", { unsafeDisabled: true }), {
    mode: "plain",
    reason: "disabled",
  });
  assertThrows(() => decideInitiatorTransport(view, "10.0.0.1"), InvalidAddressError);
});

Deno.test("responder: Noise if the peer IP or its canonical form announced a key", () => {
  assertEquals(decideResponderTransport(view, "10.0.0.1"), { mode: "noise" });
  assertEquals(decideResponderTransport(view, "10.0.0.2").mode, "noise"); // any version
  // A node listening on [::] sees IPv4 peers as IPv4-mapped IPv6.
  assertEquals(decideResponderTransport(view, "::ffff:10.0.0.1").mode, "noise");
  assertEquals(decideResponderTransport(view, { hostname: "::FFFF:a00:1" }).mode, "noise");
  // A listed mapped address matches its own spelling; the plain IPv4 form is not mapped back.
  assertEquals(decideResponderTransport(view, "::ffff:10.0.0.9").mode, "noise");
  assertEquals(decideResponderTransport(view, "10.0.0.9").mode, "plain");
  assertEquals(decideResponderTransport(view, "2001:db8:0:0::5").mode, "noise");
  assertEquals(decideResponderTransport(view, "10.0.0.3"), {
    mode: "plain",
    reason: "peer-without-noise",
  });
  assertEquals(decideResponderTransport(view, "10.0.0.1", { unsafeDisabled: true }).mode, "plain");
  assertEquals(decideResponderTransport({ supportingIps: new Set() }, "127.0.0.1").mode, "plain");
  assertThrows(() => decideResponderTransport(view, "nonsense"), InvalidAddressError);
});
