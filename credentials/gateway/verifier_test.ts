/**
 * The gateway's zk-nym verifier against a real signer on a loopback port (for the epoch key) and
 * a real SQLite file: acceptance with the ticket type's bandwidth, replays refused across a
 * restart, double-spend evidence with the identified key, and every cheap refusal.
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../../testing/asserts.ts";
import { encodeBase58 } from "../../crypto/base58.ts";
import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import { seededRandom } from "../../crypto/random.ts";
import { manualClock } from "../../util/clock.ts";
import type { TicketVerdict } from "../../gateway/protocol/bandwidth.ts";
import { EcashDecodeError } from "../errors.ts";
import { encodePublicKeyUser } from "../keys_user.ts";
import { paymentSerialNumber } from "../payment.ts";
import { encodeCredentialSpendingData } from "../spending_data.ts";
import { TicketType } from "../ticket_type.ts";
import { buildIssuance, signerShareOf, SPEND_DATE, ticketbookOf } from "../testdata/fixture.ts";
import { spendTicket } from "../client/spending.ts";
import { startSignerService } from "../signer/service.ts";
import { peekCredentialSpendingData } from "./peek.ts";
import { createTicketVerifier, type TicketVerifierOptions } from "./verifier.ts";

const fx = buildIssuance(50, TicketType.V1MixnetEntry, 61);
const EPOCH = 4n;
const book = ticketbookOf(fx, EPOCH);
const NOW = (SPEND_DATE + 3600) * 1000;
const random = seededRandom(new Uint8Array(32).fill(62));
const gateway = generateEd25519KeyPair(random);

function ticket(index: number, nowSeconds = NOW / 1000, identity = gateway.publicKey) {
  const b = { ...book, ticketbook: { ...book.ticketbook, spentTickets: index } };
  return spendTicket(fx.params, b, fx.prepared, identity, nowSeconds, random);
}

function closedPortUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return `http://127.0.0.1:${port}`;
}

const rejected = (v: TicketVerdict) => {
  assert(!v.ok && v.reason === "rejected", `expected a rejection, got ${JSON.stringify(v)}`);
  return v.message;
};

Deno.test("peek reads what the full decode reads, without decompressing points", () => {
  const { credential, data } = ticket(7);
  const summary = peekCredentialSpendingData(credential);
  assertEquals(summary.serialNumber, paymentSerialNumber(data.payment));
  assertEquals(summary.payInfo, data.payInfo);
  assertEquals(summary.spendDate, SPEND_DATE);
  assertEquals(summary.epochId, EPOCH);
  assertEquals(summary.spendValue, 1);
  assertEquals(summary.ticketType, 0);
  assertThrows(() => peekCredentialSpendingData(credential.subarray(0, 500)), EcashDecodeError);
  const longer = new Uint8Array(credential.length + 1);
  longer.set(credential);
  assertThrows(() => peekCredentialSpendingData(longer), EcashDecodeError);
});

Deno.test("gateway verifier: accepts, refuses replays durably, records double spends", async (t) => {
  const dir = await Deno.makeTempDir();
  const clock = manualClock(NOW);
  const signer = await startSignerService({
    keys: signerShareOf(fx, 0, EPOCH),
    identity: generateEd25519KeyPair(random),
    params: fx.params,
    clock,
    databasePath: ":memory:",
    bindAddress: "127.0.0.1:0",
  });
  const options: TicketVerifierOptions = {
    // The first signer is down: the key comes from the second (failover).
    signerUrls: [closedPortUrl(), signer.url],
    databasePath: `${dir}/tickets.sqlite`,
    gatewayIdentity: gateway.publicKey,
    clock,
  };
  let verifier = createTicketVerifier(options);
  try {
    const first = ticket(0);

    await t.step(
      "a valid ticket is accepted with its type's bandwidth (in the worker)",
      async () => {
        const verdict = await verifier.verify({
          credential: first.credential,
          clientAddress: "alice",
        });
        assertEquals(verdict, {
          ok: true,
          bandwidth: 200_000_000,
          expiration: (SPEND_DATE + 6 * 86400) * 1000,
        });
        assertEquals(verifier.stats.accepted, 1);
      },
    );

    await t.step("the same ticket again is a replay, even after a restart", async () => {
      assertEquals(
        await verifier.verify({ credential: first.credential, clientAddress: "mallory" }),
        { ok: false, reason: "ticket_replay" },
      );
      await verifier.close();
      verifier = createTicketVerifier({ ...options, executor: "inline" });
      assertEquals(
        await verifier.verify({ credential: first.credential, clientAddress: "alice" }),
        { ok: false, reason: "ticket_replay" },
      );
    });

    await t.step("a double spend is refused and both payments are kept as evidence", async () => {
      const second = ticket(0); // the same coin index under a fresh PayInfo
      assertEquals(
        paymentSerialNumber(second.data.payment),
        paymentSerialNumber(first.data.payment),
      );
      assertEquals(
        await verifier.verify({ credential: second.credential, clientAddress: "bob" }),
        { ok: false, reason: "ticket_replay" },
      );
      const [evidence] = verifier.doubleSpends();
      assertEquals(evidence.publicKey, encodeBase58(encodePublicKeyUser(fx.user.publicKey)));
      assertEquals(evidence.firstCredential, first.credential);
      assertEquals(evidence.firstClientAddress, "alice");
      assertEquals(evidence.secondCredential, second.credential);
      assertEquals(evidence.secondClientAddress, "bob");
      assertEquals(verifier.stats.doubleSpends, 1);
      // An invalid payment reusing the serial is not evidence against anyone.
      const forged = encodeCredentialSpendingData({
        ...second.data,
        payInfo: ticket(0).data.payInfo,
      });
      assertStringIncludes(
        rejected(await verifier.verify({ credential: forged, clientAddress: "bob" })),
        "the provided ticket failed to get verified",
      );
      assertEquals(verifier.doubleSpends().length, 1);
    });

    await t.step("wrong date, gateway, type, epoch and tampered bytes are refused", async () => {
      const verify = (credential: Uint8Array) =>
        verifier.verify({ credential, clientAddress: "carol" });
      assertEquals(
        rejected(await verify(ticket(1, NOW / 1000 + 86400).credential)),
        "the provided credential has an invalid spending date. got 2023-12-09 but expected 2023-12-08",
      );
      assertEquals(
        rejected(
          await verify(ticket(2, NOW / 1000, generateEd25519KeyPair(random).publicKey).credential),
        ),
        "provided payinfo's public key does not match provider's",
      );
      assertEquals(
        rejected(await verify(ticket(3, NOW / 1000 - 120).credential)),
        "provided payinfo's timestamp is invalid",
      );
      const { data } = ticket(4);
      const retyped = encodeCredentialSpendingData({
        ...data,
        payment: { ...data.payment, ticketType: 1 },
      });
      assertStringIncludes(
        rejected(await verify(retyped)),
        "the provided ticket failed to get verified",
      );
      const unknownType = encodeCredentialSpendingData({
        ...data,
        payment: { ...data.payment, ticketType: 9 },
      });
      assertEquals(rejected(await verify(unknownType)), "provided unknown ticketbook type");
      const otherEpoch = encodeCredentialSpendingData({ ...data, epochId: 99n });
      assertStringIncludes(rejected(await verify(otherEpoch)), "cannot verify tickets of epoch 99");
      const flipped = ticket(5).credential.slice();
      flipped[20] ^= 0xff; // inside κ: not a curve point any more
      assertStringIncludes(rejected(await verify(flipped)), "malformed ticket");
      assertStringIncludes(rejected(await verify(flipped.subarray(0, 100))), "malformed ticket");
      assertStringIncludes(rejected(await verify(new Uint8Array(9000))), "at most 8192");
      // None of these cost a ticket: the next valid one is accepted.
      const ok = await verify(ticket(6).credential);
      assert(ok.ok);
    });

    await t.step("only accepted ticket types are credited", async () => {
      const narrow = createTicketVerifier({
        ...options,
        databasePath: ":memory:",
        executor: "inline",
        acceptedTicketTypes: [TicketType.V1WireguardEntry],
      });
      try {
        assertEquals(
          rejected(
            await narrow.verify({ credential: ticket(7).credential, clientAddress: "dave" }),
          ),
          "v1-mixnet-entry tickets are not accepted by this gateway",
        );
      } finally {
        await narrow.close();
      }
    });

    await t.step("concurrent verifications are bounded per client and in total", async () => {
      const bounded = createTicketVerifier({ ...options, databasePath: ":memory:", maxPending: 2 });
      try {
        const [a, b, c, d] = await Promise.all([
          bounded.verify({ credential: ticket(10).credential, clientAddress: "erin" }),
          bounded.verify({ credential: ticket(11).credential, clientAddress: "erin" }),
          bounded.verify({ credential: ticket(12).credential, clientAddress: "frank" }),
          bounded.verify({ credential: ticket(13).credential, clientAddress: "grace" }),
        ]);
        assert(a.ok && c.ok);
        assertStringIncludes(rejected(b), "another ticket of this client is being verified");
        assertStringIncludes(rejected(d), "the gateway is busy");
        assertEquals(bounded.stats.busy, 2);
        // Once the first finished, the same client may send again.
        assert(
          (await bounded.verify({ credential: ticket(11).credential, clientAddress: "erin" })).ok,
        );
      } finally {
        await bounded.close();
      }
    });
  } finally {
    await verifier.close();
    await signer.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
