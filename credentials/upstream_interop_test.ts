/**
 * Byte-level interoperability with upstream's Rust code. The fixtures in
 * `testdata/upstream_wasm_fixtures.json` were produced by running Nym's own Rust
 * (`@nymproject/nym-credential-proxy-lib-wasm` 0.0.1, built from nymtech/nym 2ca7c7a) against
 * this implementation's signers — see `testdata/README.md`:
 *
 * - Rust built the user key (seeded), the withdrawal request and its proof;
 * - this code verified that request and blind-signed it with three trusted-dealer signers;
 * - Rust unblinded two of those answers (`issue_verify`), aggregated them under this code's
 *   master key (`aggregate_wallets`) and exported the ticketbook (`ImportableTicketBook`).
 */
import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { decodeBase58 } from "../crypto/base58.ts";
import { fromHex } from "../crypto/bytes.ts";
import { seededRandom } from "../crypto/random.ts";
import fixtures from "./testdata/upstream_wasm_fixtures.json" with { type: "json" };
import { aggregateCoinIndexSignatures, signCoinIndices } from "./coin_index.ts";
import { parseEcashDate } from "./ecash_date.ts";
import { EcashVerificationError } from "./errors.ts";
import { aggregateExpirationSignatures, signExpirationDate } from "./expiration_date.ts";
import { pairingProductIsOne } from "./group.ts";
import {
  decodeSecretKeyAuth,
  decodeVerificationKey,
  encodeVerificationKey,
  verificationKeysEqual,
} from "./keys_auth.ts";
import { decodePublicKeyUser, encodePublicKeyUser, userKeypairFromSeed } from "./keys_user.ts";
import { setup } from "./params.ts";
import { prepareVerificationKey } from "./prepared_key.ts";
import { add } from "./scalar.ts";
import { encodeBlindedSignature } from "./signature.ts";
import { spend } from "./spend.ts";
import { encodePayInfo, generatePayInfo } from "./spending_data.ts";
import { parseTicketType } from "./ticket_type.ts";
import {
  decodeImportableTicketBook,
  encodeImportableTicketBook,
  ticketbookWallet,
} from "./ticketbook.ts";
import { verifyTicket } from "./verify_ticket.ts";
import {
  decodeWithdrawalRequest,
  encodeWithdrawalRequest,
  issue,
  signedAttributesKey,
  verifyWithdrawalRequest,
} from "./withdrawal.ts";

const params = setup();
const secretKeys = fixtures.signerSecretKeysHex.map((h) => decodeSecretKeyAuth(fromHex(h)));
const verificationKeys = fixtures.signerVerificationKeysBs58.map((k) =>
  decodeVerificationKey(decodeBase58(k))
);
const master = decodeVerificationKey(decodeBase58(fixtures.masterVerificationKeyBs58));
const requestBytes = decodeBase58(fixtures.withdrawalRequestBs58);
const rustPublicKey = decodePublicKeyUser(decodeBase58(fixtures.publicKeyBs58));
const EXP = fixtures.expirationDate;
const TYPE = parseTicketType(fixtures.requestPayload.ticketbookType);

Deno.test("upstream: seeded user key (hash_to_scalar of the ed25519 seed) matches Rust", () => {
  const user = userKeypairFromSeed(params, fromHex(fixtures.userSeedHex));
  assertEquals(encodePublicKeyUser(user.publicKey), decodeBase58(fixtures.publicKeyBs58));
  assertEquals(parseEcashDate(fixtures.requestPayload.expirationDate), EXP);
  assertEquals(TYPE, fixtures.ticketType);
  assertEquals(fixtures.requestPayload.ecashPubkey, fixtures.publicKeyBs58);
});

Deno.test("upstream: Rust's withdrawal request decodes byte-exactly and its proof verifies", () => {
  assertEquals(requestBytes.length, 397);
  const request = decodeWithdrawalRequest(requestBytes);
  assertEquals(encodeWithdrawalRequest(request), requestBytes);
  verifyWithdrawalRequest(params, request, rustPublicKey, EXP, TYPE);
  const tampered = {
    ...request,
    zkProof: { ...request.zkProof, responseOpening: add(request.zkProof.responseOpening, 1n) },
  };
  assertThrows(
    () => verifyWithdrawalRequest(params, tampered, rustPublicKey, EXP, TYPE),
    EcashVerificationError,
  );
  // Issuance is deterministic: these are the answers Rust accepted and unblinded.
  secretKeys.forEach((sk, i) => {
    const blinded = issue(params, sk, rustPublicKey, request, EXP, TYPE);
    assertEquals(encodeBlindedSignature(blinded), decodeBase58(fixtures.blindedSignaturesBs58[i]));
  });
});

Deno.test("upstream: Rust's exported ticketbook decodes, re-encodes identically and spends here", () => {
  const data = decodeBase58(fixtures.importableTicketbook.bs58);
  const exported = decodeImportableTicketBook(data, fixtures.importableTicketbook.revision);
  assertEquals(encodeImportableTicketBook(exported).data, data);
  const tb = exported.ticketbook;
  assertEquals([tb.epochId, tb.spentTickets, tb.expirationDate, tb.ticketType], [7n, 0, EXP, TYPE]);
  assertEquals(verificationKeysEqual(exported.masterVerificationKey!.key, master), true);
  assertEquals(
    verificationKeysEqual(
      verificationKeys[0],
      decodeVerificationKey(encodeVerificationKey(verificationKeys[0])),
    ),
    true,
  );
  const user = userKeypairFromSeed(params, fromHex(fixtures.userSeedHex));
  assertEquals(tb.secretKey.sk, user.secretKey.sk);
  // Rust's aggregated wallet signature verifies under this code's master key.
  const sig = tb.signatures.signature;
  const key = signedAttributesKey(master, [
    tb.secretKey.sk,
    tb.signatures.walletSecret,
    BigInt(EXP),
    BigInt(TYPE),
  ]);
  assertEquals(pairingProductIsOne([[sig.h, key], [sig.s.negate(), params.g2]]), true);

  // Spend one ticket from it and verify it as a gateway would.
  const random = seededRandom(new Uint8Array(32).fill(0x42));
  const shares = [0, 2].map((i) => ({ index: i + 1, key: verificationKeys[i], sk: secretKeys[i] }));
  const expirationSignatures = aggregateExpirationSignatures(
    params,
    master,
    EXP,
    shares.map((s) => ({
      index: s.index,
      key: s.key,
      signatures: signExpirationDate(s.sk, EXP).map((a) => a.signature),
    })),
    false,
  );
  const coinIndexSignatures = aggregateCoinIndexSignatures(
    params,
    master,
    shares.map((s) => ({
      index: s.index,
      key: s.key,
      signatures: signCoinIndices(params, master, s.sk).map((a) => a.signature),
    })),
    false,
  );
  const spendDate = EXP - 3 * 86400;
  const gateway = new Uint8Array(32).fill(0x5a);
  const now = spendDate + 100;
  const payInfo = encodePayInfo(generatePayInfo(gateway, now, random));
  const prepared = prepareVerificationKey(master);
  const { payment } = spend(params, {
    verificationKey: prepared,
    secretKey: tb.secretKey,
    wallet: ticketbookWallet(tb),
    payInfo,
    expirationSignatures,
    coinIndexSignatures,
    spendDate,
  }, random);
  const ticket = verifyTicket(params, prepared, {
    payment,
    payInfo,
    spendDate,
    epochId: tb.epochId,
  }, {
    today: spendDate,
    now,
    gatewayIdentity: gateway,
  });
  assertEquals(ticket.bandwidth, 500_000_000);
});
