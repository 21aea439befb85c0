import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import {
  type BandwidthRecord,
  chargeBandwidth,
  claimFreeTestnetBandwidth,
  decryptEcashCredential,
  DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD,
  ecashToday,
  effectiveBandwidth,
  FREE_TESTNET_BANDWIDTH,
  grantTicketBandwidth,
  increaseBandwidth,
  isBandwidthExpired,
  needsBandwidthTopUp,
  ONLY_ZK_NYMS_MESSAGE,
  packetBandwidthCost,
  type TicketVerdict,
  upgradeModeBandwidth,
  type ZkNymTicketVerifier,
} from "./bandwidth.ts";
import { parseClientControlRequest, serializeClientControlRequest } from "./client_request.ts";
import { SharedKeyError } from "./errors.ts";
import { randomNonce, sealWithSharedKey } from "./shared_key.ts";

const NOW = Date.UTC(2026, 10, 21, 22, 43, 9);
const TODAY = Date.UTC(2026, 10, 21);

Deno.test("bandwidth: constants", () => {
  assertEquals(FREE_TESTNET_BANDWIDTH, 68_719_476_736);
  assertEquals(DEFAULT_MIXNET_REQUEST_BANDWIDTH_THRESHOLD, 40_000_000);
});

Deno.test("bandwidth: expiry follows the UTC day (ecash_today)", () => {
  assertEquals(ecashToday(NOW), TODAY);
  assertEquals(ecashToday(TODAY), TODAY);
  assertEquals(isBandwidthExpired(TODAY, NOW), false);
  assertEquals(isBandwidthExpired(TODAY + 7 * 86_400_000, NOW), false);
  assertEquals(isBandwidthExpired(TODAY - 86_400_000, NOW), true);
  assertEquals(isBandwidthExpired(null, NOW), true);
  assertEquals(effectiveBandwidth({ available: 10, expiration: TODAY }, NOW), 10);
  assertEquals(effectiveBandwidth({ available: 10, expiration: TODAY - 1 }, NOW), 0);
});

Deno.test("bandwidth: each packet costs its length; running out gives out_of_bandwidth", () => {
  assertEquals(packetBandwidthCost({ packet: new Uint8Array(2413) }), 2413);
  let record: BandwidthRecord = { available: 5000, expiration: TODAY };
  const first = chargeBandwidth(record, 2413, NOW);
  if (!first.ok) throw new Error("refused");
  assertEquals([first.remaining, first.record.available, first.record.expiration], [
    2587,
    2587,
    TODAY,
  ]);
  record = first.record;
  const second = chargeBandwidth(record, 2413, NOW);
  if (!second.ok) throw new Error("refused");
  assertEquals(second.remaining, 174);
  assertEquals(chargeBandwidth(second.record, 2413, NOW), {
    ok: false,
    required: 2413,
    available: 174,
  });
  // Exactly enough is enough.
  assertEquals(chargeBandwidth({ available: 386, expiration: TODAY }, 386, NOW).ok, true);
  // Expired bandwidth counts as zero.
  assertEquals(chargeBandwidth({ available: 1e9, expiration: TODAY - 1 }, 386, NOW), {
    ok: false,
    required: 386,
    available: 0,
  });
});

Deno.test("bandwidth: upgrade mode does not meter and shows at least threshold + 1", () => {
  assertEquals(upgradeModeBandwidth(0), 40_000_001);
  assertEquals(upgradeModeBandwidth(1e12), 1e12);
  const r = chargeBandwidth({ available: 0, expiration: null }, 2413, NOW, true);
  assertEquals(r, { ok: true, record: { available: 0, expiration: null }, remaining: 40_000_001 });
});

Deno.test("bandwidth: free testnet claims", () => {
  const claim = claimFreeTestnetBandwidth({ available: 0, expiration: null }, NOW, false);
  assertEquals(claim, {
    ok: true,
    record: { available: FREE_TESTNET_BANDWIDTH, expiration: TODAY },
    availableTotal: FREE_TESTNET_BANDWIDTH,
  });
  // Adds to live bandwidth, drops expired bandwidth.
  const again = claimFreeTestnetBandwidth({ available: 5, expiration: TODAY }, NOW, false);
  assertEquals(again.ok && again.availableTotal, FREE_TESTNET_BANDWIDTH + 5);
  const stale = claimFreeTestnetBandwidth({ available: 5, expiration: TODAY - 1 }, NOW, false);
  assertEquals(stale.ok && stale.availableTotal, FREE_TESTNET_BANDWIDTH);
  // Saturates.
  const huge = claimFreeTestnetBandwidth(
    { available: Number.MAX_SAFE_INTEGER - 1, expiration: TODAY },
    NOW,
    false,
  );
  assertEquals(huge.ok && huge.availableTotal, Number.MAX_SAFE_INTEGER);
  assertEquals(claimFreeTestnetBandwidth({ available: 0, expiration: null }, NOW, true), {
    ok: false,
    message: ONLY_ZK_NYMS_MESSAGE,
  });
  assertEquals(increaseBandwidth(1, 2), 3);
});

Deno.test("bandwidth: clients top up below 40 MB", () => {
  assertEquals(needsBandwidthTopUp(40_000_000), false);
  assertEquals(needsBandwidthTopUp(39_999_999), true);
  assertEquals(needsBandwidthTopUp(0), true);
  assertEquals(needsBandwidthTopUp(1000, 500), false);
});

Deno.test("bandwidth: ecash credential decryption and the verifier seam", async () => {
  const random = seededRandom(new Uint8Array(32).fill(41));
  const key = random(32);
  const credential = random(700);
  const nonce = randomNonce(random);
  const text = serializeClientControlRequest({
    type: "ecashCredential",
    encCredential: sealWithSharedKey(key, nonce, credential),
    nonce,
  });
  const request = parseClientControlRequest(text);
  if (request.type !== "ecashCredential") throw new Error(request.type);
  const decrypted = decryptEcashCredential(request, key);
  assertEquals(decrypted, credential);
  assertThrows(() => decryptEcashCredential(request, random(32)), SharedKeyError);
  assertThrows(
    () => decryptEcashCredential({ ...request, nonce: new Uint8Array(16) }, key),
    SharedKeyError,
  );

  // A verifier that remembers serial numbers (here: the whole credential) to refuse replays.
  const seen = new Set<string>();
  const verifier: ZkNymTicketVerifier = {
    verify({ credential }): Promise<TicketVerdict> {
      const id = credential.join(",");
      if (seen.has(id)) return Promise.resolve({ ok: false, reason: "ticket_replay" });
      seen.add(id);
      return Promise.resolve({
        ok: true,
        bandwidth: 200_000_000,
        expiration: TODAY + 6 * 86_400_000,
      });
    },
  };
  const verdict = await verifier.verify({ credential: decrypted, clientAddress: "x" });
  if (!verdict.ok) throw new Error("refused");
  const record = grantTicketBandwidth(
    { available: 7, expiration: TODAY },
    verdict.bandwidth,
    verdict.expiration,
    NOW,
  );
  assertEquals(record, { available: 200_000_007, expiration: TODAY + 6 * 86_400_000 });
  assertEquals(await verifier.verify({ credential: decrypted, clientAddress: "x" }), {
    ok: false,
    reason: "ticket_replay",
  });
});
