import { assertEquals, assertThrows, fail } from "../../testing/asserts.ts";
import { encodeBase58 } from "../../crypto/base58.ts";
import { concatBytes } from "../../crypto/bytes.ts";
import { ed25519Sign, ed25519Verify, generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import { seededRandom } from "../../crypto/random.ts";
import { manualClock } from "../../util/clock.ts";
import {
  authenticateV2SignedBytes,
  type AuthenticationRefusalReason,
  createAuthenticateV2Request,
  type StoredClientKey,
  verifyAuthenticateV2,
  type VerifyAuthenticateV2Options,
} from "./authenticate.ts";
import {
  type AuthenticateV2Request,
  parseClientControlRequest,
  serializeClientControlRequest,
} from "./client_request.ts";
import { IncompatibleProtocolError } from "./errors.ts";
import { openWithSharedKey, sealWithSharedKey } from "./shared_key.ts";

const NOW_MS = 1_795_300_990_250;
const random = seededRandom(new Uint8Array(32).fill(21));
const identity = generateEd25519KeyPair(random);
const sharedKey = random(32);
const address = encodeBase58(identity.publicKey);

function request(
  overrides: Partial<AuthenticateV2Request> = {},
  version = 4,
): AuthenticateV2Request {
  const base = createAuthenticateV2Request({
    sharedKey,
    identity,
    protocolVersion: version,
    clock: manualClock(NOW_MS),
    random,
  });
  return { ...base, ...overrides };
}

/** Re-signs a request after changing its content (so only the intended check fails). */
function resign(r: AuthenticateV2Request): AuthenticateV2Request {
  return { ...r, requestSignature: ed25519Sign(identity.secretKey, authenticateV2SignedBytes(r)) };
}

function verify(
  r: AuthenticateV2Request,
  stored: StoredClientKey | null = { sharedKey, lastAuthentication: null },
  overrides: Partial<VerifyAuthenticateV2Options> = {},
) {
  return verifyAuthenticateV2(r, {
    clock: manualClock(NOW_MS),
    lookupClient: (a) => (a === address ? stored : undefined),
    ...overrides,
  });
}

function reason(outcome: ReturnType<typeof verify>): AuthenticationRefusalReason | "ok" {
  return outcome.ok ? "ok" : outcome.reason;
}

Deno.test("authenticateV2: the client builds a request the gateway accepts", () => {
  const r = request();
  assertEquals(r.requestUnixTimestamp, Math.floor(NOW_MS / 1000));
  assertEquals([r.clientIdentity.length, r.addressCiphertext.length, r.nonce.length], [32, 48, 12]);
  // addressCiphertext = AES-256-GCM-SIV(k, nonce, identity)
  assertEquals(openWithSharedKey(sharedKey, r.nonce, r.addressCiphertext), identity.publicKey);
  // The signature covers version ‖ identity ‖ ciphertext ‖ nonce ‖ u64 BE timestamp.
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(r.requestUnixTimestamp));
  const signed = concatBytes(
    new Uint8Array([4]),
    identity.publicKey,
    r.addressCiphertext,
    r.nonce,
    ts,
  );
  assertEquals(authenticateV2SignedBytes(r), signed);
  assertEquals(ed25519Verify(identity.publicKey, signed, r.requestSignature), true);

  // Through the text frame.
  const parsed = parseClientControlRequest(serializeClientControlRequest(r));
  if (parsed.type !== "authenticateV2") fail(parsed.type);
  const outcome = verify(parsed, { sharedKey, lastAuthentication: r.requestUnixTimestamp - 1 });
  if (!outcome.ok) fail(outcome.message);
  assertEquals(outcome.protocolVersion, 4);
  assertEquals(outcome.clientAddress, address);
  assertEquals(outcome.clientIdentity, identity.publicKey);
  assertEquals(outcome.sharedKey, sharedKey);
  assertEquals(outcome.requestTimestamp, r.requestUnixTimestamp);
  // Versions 5 and 6 are echoed too.
  for (const v of [5, 6]) {
    const o = verify(request({}, v));
    assertEquals(o.ok && o.protocolVersion, v);
  }
});

Deno.test("authenticateV2: refuses a bad protocol version first", () => {
  assertThrows(() => request({}, 3), IncompatibleProtocolError);
  for (const v of [0, 1, 2, 3, 7, 255]) {
    // Even with everything else wrong, the version is reported.
    const r = resign({ ...request(), protocolVersion: v });
    const outcome = verify({ ...r, requestSignature: new Uint8Array(64) }, null);
    assertEquals(reason(outcome), "incompatible_protocol");
    if (!outcome.ok) assertEquals(outcome.message.includes(`client reports ${v}`), true);
    assertEquals(reason(verify(r)), "incompatible_protocol");
  }
});

Deno.test("authenticateV2: refuses stale and future timestamps beyond the skew", () => {
  const now = Math.floor(NOW_MS / 1000);
  // Upstream: refuse if ts < now − 120 s or ts − 120 s > now; |skew| = 120 s exactly is accepted
  // (NOW_MS has 250 ms past the second, so 119.75 s / 120.25 s are the boundaries here).
  const cases: [number, string][] = [
    [now, "ok"],
    [now - 119, "ok"],
    [now - 120, "excessive_timestamp_skew"],
    [now + 120, "ok"],
    [now + 121, "excessive_timestamp_skew"],
    [now - 86_400, "excessive_timestamp_skew"],
    [now + 86_400, "excessive_timestamp_skew"],
    [0, "excessive_timestamp_skew"],
    [Number.MAX_SAFE_INTEGER, "excessive_timestamp_skew"],
  ];
  for (const [ts, expected] of cases) {
    assertEquals(
      reason(verify(resign(request({ requestUnixTimestamp: ts })))),
      expected,
      `ts ${ts}`,
    );
  }
  // A configurable skew.
  const r = resign(request({ requestUnixTimestamp: now - 10 }));
  assertEquals(
    reason(verify(r, null, { maxTimestampSkewMs: 5_000 })),
    "excessive_timestamp_skew",
  );
  assertEquals(
    reason(verify(r, { sharedKey, lastAuthentication: null }, { maxTimestampSkewMs: 11_000 })),
    "ok",
  );
});

Deno.test("authenticateV2: refuses a bad signature before looking the client up", () => {
  const r = request();
  let lookups = 0;
  const countingLookup = () => {
    lookups++;
    return { sharedKey, lastAuthentication: null };
  };
  const tamperedSignature = r.requestSignature.slice();
  tamperedSignature[0] ^= 1;
  const variants: AuthenticateV2Request[] = [
    { ...r, requestSignature: tamperedSignature },
    { ...r, requestSignature: new Uint8Array(64) },
    // Any signed field changed after signing.
    { ...r, requestUnixTimestamp: r.requestUnixTimestamp + 1 },
    { ...r, nonce: random(12) },
    { ...r, addressCiphertext: random(48) },
    { ...r, protocolVersion: 5 },
    // Signed by someone else for this identity.
    { ...r, requestSignature: ed25519Sign(random(32), authenticateV2SignedBytes(r)) },
  ];
  for (const v of variants) {
    const outcome = verifyAuthenticateV2(v, {
      clock: manualClock(NOW_MS),
      lookupClient: countingLookup,
    });
    assertEquals(reason(outcome), "invalid_signature");
    if (!outcome.ok) assertEquals(outcome.message, "failed to verify request signature");
  }
  assertEquals(lookups, 0);
});

Deno.test("authenticateV2: refuses an unknown client", () => {
  const outcome = verify(request(), null);
  assertEquals(reason(outcome), "not_registered");
  if (!outcome.ok) assertEquals(outcome.message, "the client is not registered");
  assertEquals(
    reason(
      verifyAuthenticateV2(request(), { clock: manualClock(NOW_MS), lookupClient: () => null }),
    ),
    "not_registered",
  );
});

Deno.test("authenticateV2: refuses a ciphertext that does not match the stored key", () => {
  // Properly signed, but encrypted under another key, or encrypting another address.
  const otherKey = random(32);
  const r = request();
  const cases: AuthenticateV2Request[] = [
    resign({ ...r, addressCiphertext: sealWithSharedKey(otherKey, r.nonce, identity.publicKey) }),
    resign({ ...r, addressCiphertext: sealWithSharedKey(sharedKey, r.nonce, new Uint8Array(32)) }),
    resign({ ...r, addressCiphertext: r.addressCiphertext.subarray(0, 47) }),
    resign({ ...r, addressCiphertext: new Uint8Array(0) }),
  ];
  for (const c of cases) {
    const outcome = verify(c);
    assertEquals(reason(outcome), "malformed_ciphertext");
    if (!outcome.ok) assertEquals(outcome.message, "failed to verify provided address ciphertext");
  }
  // The gateway's stored key differs from the one the client used.
  assertEquals(
    reason(verify(r, { sharedKey: otherKey, lastAuthentication: null })),
    "malformed_ciphertext",
  );
  // A nonce of the wrong length.
  const shortNonce = resign({ ...r, nonce: r.nonce.subarray(0, 8) });
  const outcome = verify(shortNonce);
  assertEquals(reason(outcome), "malformed_ciphertext");
  if (!outcome.ok) assertEquals(outcome.message.includes("nonce"), true);
});

Deno.test("authenticateV2: refuses a replayed or older timestamp", () => {
  const r = request();
  const ts = r.requestUnixTimestamp;
  assertEquals(reason(verify(r, { sharedKey, lastAuthentication: ts })), "request_reuse");
  assertEquals(reason(verify(r, { sharedKey, lastAuthentication: ts + 5 })), "request_reuse");
  assertEquals(reason(verify(r, { sharedKey, lastAuthentication: ts - 1 })), "ok");
  assertEquals(reason(verify(r, { sharedKey, lastAuthentication: null })), "ok");
  const outcome = verify(r, { sharedKey, lastAuthentication: ts });
  if (!outcome.ok) {
    assertEquals(
      outcome.message,
      "the provided request timestamp is smaller or equal to one previously used",
    );
  }
});

Deno.test("authenticateV2: checks run in upstream's order", () => {
  // A request failing several checks reports the first one in the order
  // version → timestamp → signature → lookup → ciphertext → replay.
  const stale = request({ requestUnixTimestamp: 1 }); // stale AND badly signed
  assertEquals(reason(verify(stale, null)), "excessive_timestamp_skew");
  const badSig = { ...request(), requestSignature: new Uint8Array(64) }; // bad sig AND unknown
  assertEquals(reason(verify(badSig, null)), "invalid_signature");
  const r = request();
  // Unknown key AND it would be a replay: not registered wins.
  assertEquals(reason(verify(r, null)), "not_registered");
  // Wrong ciphertext AND replay: ciphertext wins.
  assertEquals(
    reason(verify(r, { sharedKey: random(32), lastAuthentication: r.requestUnixTimestamp })),
    "malformed_ciphertext",
  );
});
