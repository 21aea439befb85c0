import { assertEquals, assertStringIncludes, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { encodeVerificationKey } from "../keys_auth.ts";
import { setup } from "../params.ts";
import {
  dealSignerKeys,
  encodeSignerKeyShare,
  encodeSignerPublicKeys,
  parseSignerKeyShare,
  parseSignerPublicKeys,
  SignerKeyFileError,
} from "./key_files.ts";
import { parseSignerConfig, SignerHomeError } from "./home.ts";

const params = setup(4);
const { shares, publicKeys } = dealSignerKeys(params, 2, 3, 7n, seededRandom(new Uint8Array(32)));

Deno.test("dealt key files round-trip and every share agrees on the master key", () => {
  for (const share of shares) {
    const back = parseSignerKeyShare(params, encodeSignerKeyShare(share));
    assertEquals(back.index, share.index);
    assertEquals(back.epochId, 7n);
    assertEquals(back.threshold, 2);
    assertEquals(back.secretKey, share.secretKey);
    assertEquals(back.verificationKeys.map((k) => k.index), [1, 2, 3]);
  }
  const pub = parseSignerPublicKeys(encodeSignerPublicKeys(publicKeys));
  assertEquals(encodeVerificationKey(pub.masterKey), encodeVerificationKey(publicKeys.masterKey));
});

Deno.test("inconsistent key files are refused with a reason", () => {
  const doc = JSON.parse(encodeSignerKeyShare(shares[0]));
  const refuse = (mutate: (d: Record<string, unknown>) => void) => {
    const d = structuredClone(doc);
    mutate(d);
    return assertThrows(() => parseSignerKeyShare(params, JSON.stringify(d)), SignerKeyFileError)
      .message;
  };
  assertStringIncludes(
    refuse((d) => d.secret_key = JSON.parse(encodeSignerKeyShare(shares[1])).secret_key),
    "does not match",
  );
  assertStringIncludes(refuse((d) => d.index = 2), "does not list this signer's key");
  assertStringIncludes(refuse((d) => d.threshold = 4), "exceeds the signer count");
  assertStringIncludes(refuse((d) => d.type = "other"), '"type"');
  assertStringIncludes(refuse((d) => d.secret_key = "0OIl"), "secret_key");
  assertThrows(() => parseSignerKeyShare(params, "{"), SignerKeyFileError);
  const pub = JSON.parse(encodeSignerPublicKeys(publicKeys));
  pub.master_verification_key = JSON.parse(encodeSignerKeyShare(shares[0])).verification_key;
  assertThrows(() => parseSignerPublicKeys(JSON.stringify(pub)), SignerKeyFileError);
});

Deno.test("signer config: defaults, unknown keys and bad values are errors", () => {
  assertEquals(parseSignerConfig("").bindAddress, "127.0.0.1:8000");
  assertEquals(
    parseSignerConfig('[signer]\npeers = ["http://127.0.0.1:8002/"]\n').peers,
    ["http://127.0.0.1:8002"],
  );
  assertThrows(() => parseSignerConfig("[signer]\nport = 1\n"), SignerHomeError);
  assertThrows(() => parseSignerConfig('[signer]\nbind_address = "nowhere"\n'), SignerHomeError);
  assertThrows(() => parseSignerConfig('[signer]\npeers = ["ftp://x"]\n'), SignerHomeError);
  assertThrows(() => parseSignerConfig("[signer\n"), SignerHomeError);
});
