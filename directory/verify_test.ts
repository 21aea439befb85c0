import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { encodeBase58 } from "../crypto/base58.ts";
import { ed25519Sign } from "../crypto/ed25519.ts";
import { buildHostInformation, signHostInformation } from "../node/host_info.ts";
import { fakeNodeKeys } from "../testing/fake_nym_node.ts";
import { currentSphinxKey, HostInfoRejectedError, verifyHostInformation } from "./verify.ts";

const keys = fakeNodeKeys("verify-node", 7);
const identity = encodeBase58(keys.identity.publicKey);

function signed(ips: string[] = ["1.2.3.4"], secret = keys.identity.secretKey): unknown {
  const info = buildHostInformation({
    publicIps: ips,
    hostname: "n.example",
    keys,
    noiseDisabled: false,
  });
  return JSON.parse(signHostInformation(info, secret).json);
}

function signRaw(data: unknown): unknown {
  const text = JSON.stringify(data);
  const signature = ed25519Sign(keys.identity.secretKey, new TextEncoder().encode(text));
  return { data, signature: encodeBase58(signature) };
}

const strict = { expectedIdentity: null, allowAllIps: false };

Deno.test("host information signed by our node verifies and is canonical", () => {
  const info = verifyHostInformation(signed(["1.2.3.4", "2001:db8::1"]), {
    expectedIdentity: identity,
    allowAllIps: false,
  });
  assertEquals(info.ip_address, ["1.2.3.4", "2001:db8::1"]);
  assertEquals(info.keys.ed25519_identity, identity);
  assertEquals(info.keys.primary_x25519_sphinx_key.rotation_id, 7);
  assertEquals(info.keys.x25519_versioned_noise?.supported_version, 1);
});

Deno.test("a signature by another key is refused as bad-signature", () => {
  const forged = signed(["1.2.3.4"], fakeNodeKeys("someone-else").identity.secretKey);
  const error = assertThrows(() => verifyHostInformation(forged, strict), HostInfoRejectedError);
  assertEquals(error.reason, "bad-signature");
});

Deno.test("tampered data, extra fields and non-canonical IP text break the signature", () => {
  const doc = signed() as { data: { hostname: string; extra?: number; ip_address: string[] } };
  const tampered = structuredClone(doc);
  tampered.data.hostname = "evil.example";
  assertEquals(
    assertThrows(() => verifyHostInformation(tampered, strict), HostInfoRejectedError).reason,
    "bad-signature",
  );
  // serde drops unknown fields before re-serialising: a node that signed them does not verify.
  const withExtra = signRaw({ ...(signed() as { data: object }).data, extra: 1 });
  assertEquals(
    assertThrows(() => verifyHostInformation(withExtra, strict), HostInfoRejectedError).reason,
    "bad-signature",
  );
  const data = (signed() as { data: { ip_address: string[] } }).data;
  const longForm = signRaw({ ...data, ip_address: ["2001:0db8:0:0:0:0:0:1"] });
  assertEquals(
    assertThrows(() => verifyHostInformation(longForm, strict), HostInfoRejectedError).reason,
    "bad-signature",
  );
});

Deno.test("a node announcing another identity than the registered one is refused", () => {
  const error = assertThrows(
    () =>
      verifyHostInformation(signed(), {
        expectedIdentity: encodeBase58(fakeNodeKeys("other").identity.publicKey),
        allowAllIps: false,
      }),
    HostInfoRejectedError,
  );
  assertEquals(error.reason, "identity-mismatch");
});

Deno.test("loopback, unspecified and multicast IPs are refused unless local", () => {
  for (const ip of ["127.0.0.1", "0.0.0.0", "::1", "::", "224.0.0.1", "ff02::1"]) {
    const error = assertThrows(
      () => verifyHostInformation(signed([ip]), strict),
      HostInfoRejectedError,
    );
    assertEquals(error.reason, "illegal-ip", ip);
  }
  const info = verifyHostInformation(signed(["127.0.0.1"]), { ...strict, allowAllIps: true });
  assertEquals(info.ip_address, ["127.0.0.1"]);
});

Deno.test("legacy V1 documents (ed25519/x25519 aliases) verify as nym-api's fallback does", () => {
  const sphinx = encodeBase58(keys.sphinx.primary.publicKey);
  const v1 = {
    ip_address: ["1.2.3.4"],
    hostname: null,
    keys: { ed25519: identity, x25519: sphinx },
  };
  const info = verifyHostInformation(signRaw(v1), strict);
  assertEquals(info.keys.primary_x25519_sphinx_key, {
    rotation_id: 0xffff_ffff,
    public_key: sphinx,
  });
  assertEquals(currentSphinxKey(info.keys, 42), sphinx);
});

Deno.test("malformed documents are refused, not thrown as TypeErrors", () => {
  for (
    const body of [null, 5, "x", {}, { data: {}, signature: "x" }, {
      data: { ip_address: ["1.2.3"], hostname: null, keys: {} },
      signature: "1",
    }]
  ) {
    const error = assertThrows(() => verifyHostInformation(body, strict), HostInfoRejectedError);
    assertEquals(error.reason, "malformed");
  }
});

Deno.test("currentSphinxKey prefers the key of the requested rotation", () => {
  const primary = { rotation_id: 4, public_key: "A" };
  const next = { rotation_id: 5, public_key: "B" };
  const k = {
    ed25519_identity: identity,
    x25519_sphinx: "A",
    primary_x25519_sphinx_key: primary,
    pre_announced_x25519_sphinx_key: next,
    x25519_versioned_noise: null,
  };
  assertEquals(currentSphinxKey(k, 4), "A");
  assertEquals(currentSphinxKey(k, 5), "B");
  assertEquals(currentSphinxKey(k, 9), "A");
});
