import { ed25519 } from "@noble/curves/ed25519.js";
import { assert, assertEquals } from "../testing/asserts.ts";
import { createCryptoProvider, decodeBase58, encodeBase58, seededRandom } from "../crypto/mod.ts";
import { buildHostInformation, signHostInformation } from "./host_info.ts";
import type { NodeKeys } from "./keys.ts";

const crypto = createCryptoProvider("node");

function keys(secondaryRotation?: number): NodeKeys {
  const random = seededRandom(new Uint8Array(32).fill(9));
  const identitySecret = random(32);
  const sphinx = random(32);
  const noise = random(32);
  const second = random(32);
  return {
    identity: { secretKey: identitySecret, publicKey: ed25519.getPublicKey(identitySecret) },
    sphinx: {
      primary: { rotationId: 1234, secretKey: sphinx, publicKey: crypto.x25519Base(sphinx) },
      secondary: secondaryRotation === undefined ? null : {
        rotationId: secondaryRotation,
        secretKey: second,
        publicKey: crypto.x25519Base(second),
      },
    },
    noise: { secretKey: noise, publicKey: crypto.x25519Base(noise) },
  };
}

Deno.test("host information is compact JSON in the Rust struct field order", () => {
  const k = keys();
  const info = buildHostInformation({
    publicIps: ["1.2.3.4", "2001:0db8:0:0::1", "::ffff:5.6.7.8"],
    hostname: "node.example.org",
    keys: k,
    noiseDisabled: false,
  });
  const signed = signHostInformation(info, k.identity.secretKey);
  const sphinx = encodeBase58(k.sphinx.primary.publicKey);
  // Built by hand from the Rust structs HostInformation { ip_address, hostname, keys },
  // HostKeys { ed25519_identity, x25519_sphinx, primary_x25519_sphinx_key,
  // pre_announced_x25519_sphinx_key, x25519_versioned_noise }, SphinxKey { rotation_id,
  // public_key }, VersionedNoiseKeyV1 { supported_version, x25519_pubkey }.
  const expected = '{"ip_address":["1.2.3.4","2001:db8::1","::ffff:5.6.7.8"],' +
    '"hostname":"node.example.org",' +
    `"keys":{"ed25519_identity":"${encodeBase58(k.identity.publicKey)}",` +
    `"x25519_sphinx":"${sphinx}",` +
    `"primary_x25519_sphinx_key":{"rotation_id":1234,"public_key":"${sphinx}"},` +
    '"pre_announced_x25519_sphinx_key":null,' +
    `"x25519_versioned_noise":{"supported_version":1,"x25519_pubkey":"${
      encodeBase58(k.noise.publicKey)
    }"}}}`;
  assertEquals(signed.signedJson, expected);
  assertEquals(signed.json, `{"data":${expected},"signature":"${signed.signature}"}`);
  assertEquals(JSON.stringify(JSON.parse(signed.json).data), signed.signedJson);
  assert(
    ed25519.verify(
      decodeBase58(signed.signature),
      new TextEncoder().encode(expected),
      k.identity.publicKey,
      { zip215: false },
    ),
  );
});

Deno.test("only the next rotation's key is pre-announced; noise can be withheld", () => {
  const next = buildHostInformation({
    publicIps: ["1.1.1.1"],
    hostname: null,
    keys: keys(1235),
    noiseDisabled: true,
  });
  assertEquals(next.keys.pre_announced_x25519_sphinx_key?.rotation_id, 1235);
  assertEquals(next.keys.x25519_versioned_noise, null);
  assertEquals(next.hostname, null);
  const overlap = buildHostInformation({
    publicIps: ["1.1.1.1"],
    hostname: null,
    keys: keys(1233),
    noiseDisabled: false,
  });
  assertEquals(overlap.keys.pre_announced_x25519_sphinx_key, null);
});

Deno.test("a tampered document no longer verifies", () => {
  const k = keys();
  const signed = signHostInformation(
    buildHostInformation({ publicIps: ["1.1.1.1"], hostname: null, keys: k, noiseDisabled: false }),
    k.identity.secretKey,
  );
  const tampered = signed.signedJson.replace("1.1.1.1", "1.1.1.2");
  assert(
    !ed25519.verify(
      decodeBase58(signed.signature),
      new TextEncoder().encode(tampered),
      k.identity.publicKey,
    ),
  );
});
