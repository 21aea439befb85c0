/**
 * Signer services on ephemeral loopback ports, driven by the client library over real HTTP:
 * threshold issuance (3 signers, t = 2, then one stopped), the partial and aggregated signature
 * routes, refusals of bad requests, ticket verification with double-spend detection, and the
 * deposit seam.
 */
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../../testing/asserts.ts";
import { ed25519Verify, generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import { seededRandom } from "../../crypto/random.ts";
import { manualClock } from "../../util/clock.ts";
import { encodeSignature } from "../signature.ts";
import { encodeVerificationKey } from "../keys_auth.ts";
import { publicKeyOf } from "../keys_user.ts";
import { setup } from "../params.ts";
import { decodeCredentialSpendingData } from "../spending_data.ts";
import { TicketType } from "../ticket_type.ts";
import { verifyTicket } from "../verify_ticket.ts";
import { withdrawalRequest } from "../withdrawal.ts";
import { blindSignRequestBodyToJson, type JsonObject } from "../api/mod.ts";
import { EcashRoutes } from "../api/routes.ts";
import {
  discoverSigners,
  EcashApiClient,
  MemoryTicketbookStore,
  obtainTicketbook,
  SignerDiscoveryError,
  signerSetMasterKey,
  spendTicket,
  TicketbookIssuanceError,
  TicketbookWallet,
} from "../client/mod.ts";
import { dealSignerKeys } from "./key_files.ts";
import { type RunningSigner, startSignerService } from "./service.ts";
import { signedDepositVerifier } from "./deposit.ts";
import { ed25519PublicKey } from "../../crypto/ed25519.ts";
import { EcashApiRequestError } from "../api/errors.ts";

const NOW = Date.UTC(2030, 0, 10, 12);
const TODAY = Date.UTC(2030, 0, 10) / 1000;
const params = setup(10);
const rng = seededRandom(new Uint8Array(32).fill(21));

async function post(url: string, body: string, type = "application/json") {
  const response = await fetch(url, {
    method: "POST",
    headers: type ? { "content-type": type } : {},
    body,
  });
  return { status: response.status, text: await response.text() };
}

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

Deno.test("signers: threshold issuance over HTTP, one signer down still issues, bad requests refused", async (t) => {
  const clock = manualClock(NOW);
  const { shares } = dealSignerKeys(params, 2, 3, 1n, rng);
  const identities = shares.map(() => generateEd25519KeyPair(rng));
  const signers: RunningSigner[] = [];
  try {
    for (const [i, keys] of shares.entries()) {
      signers.push(
        await startSignerService({
          keys,
          identity: identities[i],
          params,
          clock,
          databasePath: ":memory:",
          bindAddress: "127.0.0.1:0",
          // The last signer aggregates from the other two.
          peers: i === 2 ? signers.map((s) => s.url) : [],
        }),
      );
    }
    const urls = signers.map((s) => s.url);
    const options = { ticketType: TicketType.V1MixnetEntry, params, clock, random: rng };

    const set = await discoverSigners(urls);
    const book = await obtainTicketbook(set, options);

    await t.step("discovery reports the epoch, threshold and every share", () => {
      assertEquals(set.epochId, 1n);
      assertEquals(set.threshold, 2);
      assertEquals(set.signers.map((s) => s.index), [1, 2, 3]);
    });

    await t.step("the ticketbook is complete and its tickets verify", async () => {
      assertEquals(book.ticketbook.expirationDate, TODAY + 6 * 86400);
      assertEquals(book.ticketbook.spentTickets, 0);
      assertEquals(book.expirationDateSignatures!.signatures.length, 7);
      assertEquals(book.coinIndexSignatures!.signatures.length, 10);
      const wallet = new TicketbookWallet({
        store: new MemoryTicketbookStore(),
        params,
        clock,
        random: rng,
      });
      await wallet.add(book);
      const gateway = generateEd25519KeyPair(rng).publicKey;
      const credential = await wallet.nextCredential(gateway);
      const ticket = verifyTicket(
        params,
        book.masterVerificationKey!.key,
        decodeCredentialSpendingData(credential),
        {
          today: TODAY,
          now: NOW / 1000,
          gatewayIdentity: gateway,
        },
      );
      assertEquals(ticket.bandwidth, 200_000_000);
      assertEquals(await wallet.remaining(), 9);
    });

    await t.step("master key, aggregated signatures and signer status match", async () => {
      const api = new EcashApiClient(urls[0]);
      const master = await api.masterVerificationKey(1n);
      assertEquals(encodeVerificationKey(master), encodeVerificationKey(signerSetMasterKey(set)));
      const aggregator = new EcashApiClient(urls[2]);
      const dates = await aggregator.aggregatedExpirationDateSignatures();
      assertEquals(dates.expirationDate, book.ticketbook.expirationDate);
      assertEquals(
        dates.signatures.map((s) => encodeSignature(s.signature)),
        book.expirationDateSignatures!.signatures.map((s) => encodeSignature(s.signature)),
      );
      const coins = await aggregator.aggregatedCoinIndicesSignatures(1n);
      assertEquals(
        coins.signatures.map((s) => encodeSignature(s.signature)),
        book.coinIndexSignatures!.signatures.map((s) => encodeSignature(s.signature)),
      );
      // Without peers, signer 1 cannot reach the threshold alone.
      const alone = await assertRejects(
        () => api.aggregatedCoinIndicesSignatures(),
        EcashApiRequestError,
      );
      assertEquals(alone.status, 400);
      assertStringIncludes(alone.message, "could not obtain enough shares");
      const status = await api.signerStatus();
      assertEquals(status.body.dkgEcashEpochId, 1n);
      assertEquals(status.body.currentTime, "2030-01-10T12:00:00Z");
      assert(
        ed25519Verify(
          identities[0].publicKey,
          new TextEncoder().encode(status.plaintext),
          status.signature,
        ),
      );
      const yaml = await get(`${urls[0]}${EcashRoutes.localnetEpoch}?output=yaml`);
      assertEquals(yaml.text, "epoch_id: 1\nthreshold: 2\nsigners: 3\n");
    });

    await t.step("malformed and invalid requests get clear errors", async () => {
      const blindSign = `${urls[0]}${EcashRoutes.blindSign}`;
      const { request } = withdrawalRequest(
        params,
        book.ticketbook.secretKey,
        TODAY + 6 * 86400,
        0,
        rng,
      );
      const body = {
        innerSignRequest: request,
        depositId: 77,
        signature: new Uint8Array(64),
        ecashPubkey: publicKeyOf(params, book.ticketbook.secretKey),
        expirationDate: TODAY + 6 * 86400,
        ticketbookType: 0 as const,
      };
      const json = blindSignRequestBodyToJson(body);
      const mutated = (f: (j: JsonObject) => void) => {
        const j = structuredClone(json);
        f(j);
        return JSON.stringify(j);
      };

      let r = await post(blindSign, "{not json");
      assertEquals(r.status, 400);
      assertStringIncludes(r.text, "Failed to parse the request body as JSON");
      r = await post(blindSign, JSON.stringify(json), "text/plain");
      assertEquals(r.status, 415);
      r = await post(blindSign, mutated((j) => delete j.ecash_pubkey));
      assertEquals(r.status, 422);
      assertStringIncludes(r.text, "ecash_pubkey: missing field");
      r = await post(blindSign, "x".repeat(300 * 1024));
      assertEquals(r.status, 413);
      // A well-formed request whose proof does not verify.
      r = await post(
        blindSign,
        mutated((j) => {
          const proof = (j.inner_sign_request as JsonObject).zk_proof as JsonObject;
          proof.challenge = proof.response_opening;
        }),
      );
      assertEquals(r.status, 400);
      assertStringIncludes(r.text, "the withdrawal request is invalid");
      r = await post(blindSign, mutated((j) => j.expiration_date = "2030-01-20"));
      assertEquals(r.status, 400);
      assertEquals(r.text, "the provided expiration date is too late");
      r = await post(blindSign, mutated((j) => j.expiration_date = "2030-01-09"));
      assertEquals(r.text, "the provided expiration date is too early");

      // A retried request gets the same answer; a different request on the same deposit does not.
      const first = await post(blindSign, JSON.stringify(json));
      assertEquals(first.status, 200);
      assertEquals((await post(blindSign, JSON.stringify(json))).text, first.text);
      const other = withdrawalRequest(params, book.ticketbook.secretKey, TODAY + 6 * 86400, 0, rng);
      r = await post(
        blindSign,
        JSON.stringify(blindSignRequestBodyToJson({ ...body, innerSignRequest: other.request })),
      );
      assertEquals(r.status, 400);
      assertEquals(r.text, "deposit 77 was already used for a different ticketbook request");

      r = await get(`${urls[0]}${EcashRoutes.partialCoinIndicesSignatures}?epoch_id=5`);
      assertEquals(r.status, 400);
      assertEquals(r.text, "could not sign the data for epoch 5. our current key is for epoch 1");
      r = await get(
        `${urls[0]}${EcashRoutes.partialExpirationDateSignatures}?expiration_date=2030-13-01`,
      );
      assertEquals(r.text, "the provided expiration date is malformed");
      r = await get(`${urls[0]}${EcashRoutes.masterVerificationKey}?epoch_id=-1`);
      assertEquals(r.status, 400);
      r = await get(`${urls[0]}${EcashRoutes.masterVerificationKey}?output=bincode`);
      assertEquals(r.status, 400);
      r = await get(`${urls[0]}/v1/ecash/nothing-here`);
      assertEquals(r.status, 404);
    });

    await t.step(
      "verify-ecash-ticket: accepted, replay, double spend blacklists the key",
      async () => {
        const api = new EcashApiClient(urls[1]);
        const gatewayCosmosAddr = "n1jw6mp7d5xqc7w6xm79lha27glmd0vdt3l9artf";
        const gateway = generateEd25519KeyPair(rng).publicKey;
        const fresh = { ...book, ticketbook: { ...book.ticketbook, spentTickets: 5 } };
        const a = spendTicket(
          params,
          fresh,
          book.masterVerificationKey!.key,
          gateway,
          NOW / 1000,
          rng,
        );
        assertEquals(await api.verifyEcashTicket({ credential: a.data, gatewayCosmosAddr }), null);
        assertEquals(
          await api.verifyEcashTicket({ credential: a.data, gatewayCosmosAddr }),
          { kind: "ReplayedTicket" },
        );
        // The same coin index spent again under a new PayInfo.
        const b = spendTicket(
          params,
          fresh,
          book.masterVerificationKey!.key,
          gateway,
          NOW / 1000,
          rng,
        );
        assertEquals(
          await api.verifyEcashTicket({ credential: b.data, gatewayCosmosAddr }),
          { kind: "DoubleSpend" },
        );
        const tampered = { ...b.data, payment: { ...b.data.payment, ticketType: 1 } };
        const c = spendTicket(
          params,
          { ...fresh, ticketbook: { ...fresh.ticketbook, spentTickets: 6 } },
          book.masterVerificationKey!.key,
          gateway,
          NOW / 1000,
          rng,
        );
        assertEquals(
          await api.verifyEcashTicket({
            credential: { ...c.data, payment: tampered.payment },
            gatewayCosmosAddr,
          }),
          { kind: "InvalidTicket" },
        );
        assertEquals(
          await api.verifyEcashTicket({
            credential: { ...c.data, spendDate: TODAY - 2 * 86400 },
            gatewayCosmosAddr,
          }),
          {
            kind: "InvalidSpentDate",
            today: TODAY,
            yesterday: TODAY - 86400,
            received: TODAY - 2 * 86400,
          },
        );
        // The identified key may not obtain more tickets from this signer.
        const refused = await assertRejects(
          () =>
            obtainTicketbook(
              { ...set, signers: set.signers.filter((s) => s.index === 2), threshold: 1 },
              {
                ...options,
                userKeys: {
                  secretKey: book.ticketbook.secretKey,
                  publicKey: publicKeyOf(params, book.ticketbook.secretKey),
                },
              },
            ),
          TicketbookIssuanceError,
        );
        assertStringIncludes(
          refused.message,
          "Account linked to this public key has been blacklisted",
        );
      },
    );

    await t.step("with one signer stopped, t = 2 of the remaining still issue", async () => {
      await signers[1].stop();
      const partial = await discoverSigners(urls);
      assertEquals(partial.signers.map((s) => s.index), [1, 3]);
      const again = await obtainTicketbook(partial, options);
      assertEquals(
        again.masterVerificationKey!.key.alpha.equals(book.masterVerificationKey!.key.alpha),
        true,
      );
      // The stale set still works: the dead signer is skipped.
      const stale = await obtainTicketbook(set, options);
      assertEquals(stale.ticketbook.spentTickets, 0);
      await signers[0].stop();
      const error = await assertRejects(() => discoverSigners(urls), SignerDiscoveryError);
      assertStringIncludes(
        error.message,
        "only 1 of 3 signers answered for epoch 1; the threshold is 2",
      );
      await assertRejects(
        () => obtainTicketbook(set, options),
        TicketbookIssuanceError,
        "2 are needed",
      );
    });
  } finally {
    for (const s of signers) await s.stop();
  }
});

Deno.test("signers: the deposit seam checks the deposit's ed25519 signature", async () => {
  const clock = manualClock(NOW);
  const { shares } = dealSignerKeys(params, 1, 1, 3n, rng);
  const depositKey = rng(32);
  const deposits = new Map([[5, ed25519PublicKey(depositKey)]]);
  const signer = await startSignerService({
    keys: shares[0],
    identity: generateEd25519KeyPair(rng),
    params,
    clock,
    databasePath: ":memory:",
    bindAddress: "127.0.0.1:0",
    deposits: signedDepositVerifier((id) => Promise.resolve(deposits.get(id) ?? null)),
  });
  try {
    const set = await discoverSigners([signer.url]);
    const options = { ticketType: TicketType.V1WireguardExit, params, clock, random: rng };
    await assertRejects(
      () => obtainTicketbook(set, { ...options, deposit: { id: 6, signingKey: depositKey } }),
      TicketbookIssuanceError,
      "could not find ecash deposit associated with id 6",
    );
    await assertRejects(
      () => obtainTicketbook(set, { ...options, deposit: { id: 5, signingKey: rng(32) } }),
      TicketbookIssuanceError,
      "signature didn't verify correctly",
    );
    const book = await obtainTicketbook(set, {
      ...options,
      deposit: { id: 5, signingKey: depositKey },
    });
    assertEquals(book.ticketbook.ticketType, TicketType.V1WireguardExit);
    assertEquals(book.ticketbook.epochId, 3n);
  } finally {
    await signer.stop();
  }
});

Deno.test("signers: garbage requests get 4xx answers, never a crash", async () => {
  const clock = manualClock(NOW);
  const { shares } = dealSignerKeys(params, 1, 1, 1n, rng);
  const signer = await startSignerService({
    keys: shares[0],
    identity: generateEd25519KeyPair(rng),
    params,
    clock,
    databasePath: ":memory:",
    bindAddress: "127.0.0.1:0",
  });
  try {
    const pick = (n: number) => rng(1)[0] % n;
    const bodies = [
      "",
      "null",
      "[]",
      "{}",
      '{"inner_sign_request": 1}',
      '{"credential": {"payment": {}}, "gateway_cosmos_addr": "n1abcdefgh"}',
      "\u0000\u0001",
      '"' + "a".repeat(5000) + '"',
      "[".repeat(10_000),
      '{"deposit_id": 1e400}',
    ];
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const route = [EcashRoutes.blindSign, EcashRoutes.verifyEcashTicket][i % 2];
      const r = await post(`${signer.url}${route}`, bodies[pick(bodies.length)]);
      seen.add(r.status);
      assert(r.status >= 400 && r.status < 500, `${route}: ${r.status} ${r.text}`);
    }
    for (
      const query of [
        "epoch_id=abc",
        "epoch_id=99999999999999999999999",
        "expiration_date=yesterday",
        "expiration_date=2030-01-01",
        "output=xml",
        "epoch_id=1&expiration_date=2031-01-01",
      ]
    ) {
      for (
        const route of [
          EcashRoutes.partialExpirationDateSignatures,
          EcashRoutes.partialCoinIndicesSignatures,
          EcashRoutes.masterVerificationKey,
        ]
      ) {
        const r = await get(`${signer.url}${route}?${query}`);
        assert(
          r.status === 200 || (r.status >= 400 && r.status < 500),
          `${route}?${query}: ${r.status}`,
        );
      }
    }
    assert(seen.has(400) && seen.has(422));
  } finally {
    await signer.stop();
  }
});
