import { assert, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { encodeCredentialSpendingData, encodePayInfo, generatePayInfo } from "../spending_data.ts";
import { encodeVerificationKey } from "../keys_auth.ts";
import { encodeWithdrawalRequest, withdrawalRequest } from "../withdrawal.ts";
import { encodePayment } from "../payment.ts";
import { spend } from "../spend.ts";
import { G1 } from "../group.ts";
import { buildIssuance, EXPIRATION, SPEND_DATE } from "../testdata/fixture.ts";
import { EcashApiFormatError } from "./errors.ts";
import {
  blindSignRequestBodyToJson,
  coinIndicesSignaturesToJson,
  contractVkShareToJson,
  credentialSpendingDataFromJson,
  credentialSpendingDataToJson,
  depositRequestPlaintext,
  expirationDateSignaturesToJson,
  parseBlindSignRequestBody,
  parseCoinIndicesSignatures,
  parseContractVkShare,
  parseDkgEpochInfo,
  parseExpirationDateSignatures,
  parseTicketVerificationResponse,
  parseVerificationKeyResponse,
  parseVerifyEcashTicketBody,
  ticketVerificationResponseToJson,
  verificationKeyResponseToJson,
  verifyEcashTicketBodyToJson,
} from "./models.ts";
import { dateFromJson, g1ToJson } from "./json.ts";
import { signCoinIndices } from "../coin_index.ts";
import { signExpirationDate } from "../expiration_date.ts";

const fx = buildIssuance(4);
const random = seededRandom(new Uint8Array(32).fill(3));

/** JSON as it travels: through text and back. */
const wire = (v: unknown) => JSON.parse(JSON.stringify(v));

Deno.test("points and scalars are lower-case hex, as serde_json renders the bls12_381 fork", () => {
  // The compressed G1 generator (zkcrypto's serde_json_g1_roundtrip test vector).
  assertEquals(
    g1ToJson(G1.BASE),
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
  );
  assertEquals(dateFromJson("2024-08-03", "d"), Date.UTC(2024, 7, 3) / 1000);
  assertEquals(dateFromJson([2024, 216], "d"), Date.UTC(2024, 7, 3) / 1000);
  assertThrows(() => dateFromJson("2024-02-30", "d"), EcashApiFormatError);
  assertThrows(() => dateFromJson([2024, 367], "d"), EcashApiFormatError);
});

Deno.test("upstream's own AggregatedExpirationDateSignatureResponse sample parses", () => {
  // From nym-api-requests' `aggregated_expiration_date_signature_responses_deserialises_correctly`
  // (first two of its entries; the sample predates the 7-day validity window).
  const raw = {
    epoch_id: 0,
    expiration_date: "2024-08-03",
    signatures: [{
      signature: {
        h: "9379384af5236bffd7d6c533782d74863f892cf6e0fc8b4b64647e8bd5bccfe63df639a4a556d21826ab7ef54e4adafe",
        s: "83124c907935eba10c791cbc2cedf8714b68c6a266efead7bc4897c3b9652680bd151493689577ac790b9ccef1112f9b",
      },
      expiration_timestamp: 1722643200,
      spending_timestamp: 1720137600,
    }, {
      signature: {
        h: "817b9fa0eef617ce751963d9c853df56fdf38a643b9ef8649b658d7ec3da61d49d9279f22509c66dd07051132a418c62",
        s: "af9fd22c2fde4cb36a0ee021c5a756f97f871ea404d639af1be845b277bed583f715d228d3556e79d15eba23a5b0d5e0",
      },
      expiration_timestamp: 1722643200,
      spending_timestamp: 1720224000,
    }],
  };
  const parsed = parseExpirationDateSignatures(raw);
  assertEquals(parsed.epochId, 0n);
  assertEquals(parsed.expirationDate, 1722643200);
  assertEquals(parsed.signatures[1].spendingTimestamp, 1720224000);
  assertEquals(wire(expirationDateSignaturesToJson(parsed)), raw);
});

Deno.test("blind-sign request body round-trips and names the bad field", () => {
  const { request } = withdrawalRequest(fx.params, fx.user.secretKey, EXPIRATION, 2, random);
  const body = {
    innerSignRequest: request,
    depositId: 42,
    signature: new Uint8Array(64).fill(7),
    ecashPubkey: fx.user.publicKey,
    expirationDate: EXPIRATION,
    ticketbookType: 2 as const,
  };
  const json = wire(blindSignRequestBodyToJson(body));
  assertEquals(json.expiration_date, "2023-12-10");
  assertEquals(json.ticketbook_type, "v1-wireguard-entry");
  assertEquals(json.signature.length, 64);
  assertEquals(Object.keys(json.inner_sign_request.zk_proof), [
    "challenge",
    "response_opening",
    "response_openings",
    "response_attributes",
  ]);
  const back = parseBlindSignRequestBody(json);
  assertEquals(encodeWithdrawalRequest(back.innerSignRequest), encodeWithdrawalRequest(request));
  assertEquals(back.depositId, 42);
  assert(back.ecashPubkey.pk.equals(fx.user.publicKey.pk));
  // The deposit plaintext: request bincode ‖ u32 BE deposit id.
  const plaintext = depositRequestPlaintext(request, 0x01020304);
  assertEquals([...plaintext.subarray(-4)], [1, 2, 3, 4]);

  const bad = (mutate: (j: Record<string, unknown>) => void) => {
    const j = wire(json);
    mutate(j);
    return assertThrows(() => parseBlindSignRequestBody(j), EcashApiFormatError).path;
  };
  assertEquals(bad((j) => delete j.deposit_id), "deposit_id");
  assertEquals(bad((j) => j.deposit_id = 2 ** 32), "deposit_id");
  assertEquals(bad((j) => j.ticketbook_type = "v9"), "ticketbook_type");
  assertEquals(bad((j) => (j.signature as number[]).pop()), "signature");
  assertEquals(
    bad((j) => (j.inner_sign_request as Record<string, unknown>).joined_commitment = "zz"),
    "inner_sign_request.joined_commitment",
  );
  assertEquals(
    bad((j) =>
      (j.inner_sign_request as Record<string, Record<string, unknown>>).zk_proof.challenge = "ff"
        .repeat(32)
    ),
    "inner_sign_request.zk_proof.challenge",
  );
  // A point that is not on the curve.
  assertEquals(
    bad((j) => (j.ecash_pubkey as Record<string, unknown>).pk = "a0" + "11".repeat(47)),
    "ecash_pubkey.pk",
  );
  assertThrows(() => parseBlindSignRequestBody([]), EcashApiFormatError);
});

Deno.test("keys, signature lists and tickets round-trip through JSON", () => {
  const vk = parseVerificationKeyResponse(wire(verificationKeyResponseToJson(fx.masterKey)));
  assertEquals(encodeVerificationKey(vk), encodeVerificationKey(fx.masterKey));

  const signer = fx.signers[0];
  const coins = signCoinIndices(fx.params, fx.masterKey, signer.secretKey);
  const coinsBack = parseCoinIndicesSignatures(
    wire(coinIndicesSignaturesToJson({ epochId: 9n, signatures: coins })),
  );
  assertEquals(coinsBack.epochId, 9n);
  assertEquals(coinsBack.signatures.length, 4);
  assert(coinsBack.signatures[3].signature.s.equals(coins[3].signature.s));

  const dates = signExpirationDate(signer.secretKey, EXPIRATION);
  const datesBack = parseExpirationDateSignatures(
    wire(
      expirationDateSignaturesToJson({
        epochId: 1n,
        expirationDate: EXPIRATION,
        signatures: dates,
      }),
    ),
  );
  assertEquals(
    datesBack.signatures.map((s) => s.spendingTimestamp),
    dates.map((d) => d.spendingTimestamp),
  );

  const gateway = new Uint8Array(32).fill(5);
  const payInfo = encodePayInfo(generatePayInfo(gateway, SPEND_DATE + 10, random));
  const { payment } = spend(fx.params, {
    verificationKey: fx.prepared,
    secretKey: fx.user.secretKey,
    wallet: fx.wallet,
    payInfo,
    expirationSignatures: fx.expirationSignatures,
    coinIndexSignatures: fx.coinIndexSignatures,
    spendDate: SPEND_DATE,
  }, random);
  const data = { payment, payInfo, spendDate: SPEND_DATE, epochId: 3n };
  const json = wire(
    verifyEcashTicketBodyToJson({
      credential: data,
      gatewayCosmosAddr: "n1jw6mp7d5xqc7w6xm79lha27glmd0vdt3l9artf",
    }),
  );
  assertEquals(json.credential.pay_info.length, 72);
  assertEquals(json.credential.spend_date, "2023-12-08");
  assertEquals(json.credential.payment.t_type, 0);
  const back = parseVerifyEcashTicketBody(json);
  assertEquals(encodeCredentialSpendingData(back.credential), encodeCredentialSpendingData(data));
  assertEquals(
    encodePayment(
      credentialSpendingDataFromJson(
        wire(credentialSpendingDataToJson(data)),
        "c",
      ).payment,
    ),
    encodePayment(payment),
  );
  json.gateway_cosmos_addr = "not an address";
  assertEquals(
    assertThrows(() => parseVerifyEcashTicketBody(json), EcashApiFormatError).path,
    "gateway_cosmos_addr",
  );
});

Deno.test("ticket verification responses use serde's externally tagged Result", () => {
  assertEquals(wire(ticketVerificationResponseToJson(null)), { verified: { Ok: null } });
  assertEquals(wire(ticketVerificationResponseToJson({ kind: "ReplayedTicket" })), {
    verified: { Err: "ReplayedTicket" },
  });
  const late = {
    kind: "InvalidSpentDate" as const,
    today: EXPIRATION,
    yesterday: EXPIRATION - 86400,
    received: EXPIRATION - 5 * 86400,
  };
  const json = wire(ticketVerificationResponseToJson(late));
  assertEquals(json.verified.Err.InvalidSpentDate.received, "2023-12-05");
  assertEquals(parseTicketVerificationResponse(json), late);
  assertEquals(parseTicketVerificationResponse({ verified: { Ok: null } }), null);
  assertThrows(
    () => parseTicketVerificationResponse({ verified: { Err: "Nope" } }),
    EcashApiFormatError,
  );
});

Deno.test("localnet stand-ins for the DKG contract round-trip", () => {
  const share = {
    share: fx.signers[1].verificationKey,
    announceAddress: "http://127.0.0.1:8002",
    nodeIndex: 2,
    owner: "localnet-signer-2",
    epochId: 4n,
    verified: true,
  };
  const back = parseContractVkShare(wire(contractVkShareToJson(share)));
  assertEquals(back.nodeIndex, 2);
  assertEquals(encodeVerificationKey(back.share), encodeVerificationKey(share.share));
  assertEquals(parseDkgEpochInfo({ epoch_id: 4, threshold: 2, signers: 3 }).epochId, 4n);
  assertThrows(
    () => parseDkgEpochInfo({ epoch_id: 4, threshold: 4, signers: 3 }),
    EcashApiFormatError,
  );
  assertThrows(
    () => parseContractVkShare({ ...wire(contractVkShareToJson(share)), share: "0OIl" }),
    EcashApiFormatError,
  );
});

Deno.test("parsers throw only EcashApiFormatError on mutated and random JSON", () => {
  const rng = seededRandom(new Uint8Array(32).fill(99));
  const pick = (n: number) => rng(1)[0] % n;
  const { request } = withdrawalRequest(fx.params, fx.user.secretKey, EXPIRATION, 0, rng);
  const valid = wire(blindSignRequestBodyToJson({
    innerSignRequest: request,
    depositId: 1,
    signature: new Uint8Array(64),
    ecashPubkey: fx.user.publicKey,
    expirationDate: EXPIRATION,
    ticketbookType: 0,
  }));
  const junk = (): unknown =>
    [null, true, -1, 1.5, 2 ** 60, "", "zz", "00".repeat(48), [], {}, [1, 2], { a: 1 }][pick(12)];
  const mutate = (v: unknown, depth: number): unknown => {
    if (depth > 0 && typeof v === "object" && v !== null) {
      const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...v };
      const keys = Object.keys(copy);
      if (keys.length === 0) return junk();
      const k = keys[pick(keys.length)];
      const target = copy as Record<string, unknown>;
      if (pick(4) === 0) delete target[k];
      else target[k] = mutate(target[k], depth - 1);
      return copy;
    }
    return junk();
  };
  const parsers = [
    parseBlindSignRequestBody,
    parseVerifyEcashTicketBody,
    parseExpirationDateSignatures,
    parseCoinIndicesSignatures,
    parseVerificationKeyResponse,
    parseTicketVerificationResponse,
    parseContractVkShare,
    parseDkgEpochInfo,
  ];
  let refused = 0;
  for (let i = 0; i < 300; i++) {
    const input = i % 3 === 0 ? junk() : mutate(valid, 1 + pick(4));
    for (const parse of parsers) {
      try {
        parse(input);
      } catch (e) {
        assert(e instanceof EcashApiFormatError, `${parse.name}: ${(e as Error).stack}`);
        refused++;
      }
    }
  }
  assert(refused > 2000);
});
