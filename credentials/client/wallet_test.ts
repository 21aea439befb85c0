import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertThrows,
} from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { manualClock } from "../../util/clock.ts";
import { EcashArgumentError } from "../errors.ts";
import { paymentSerialNumber } from "../payment.ts";
import { decodeCredentialSpendingData, decodePayInfo } from "../spending_data.ts";
import { encodeIssuedTicketBook } from "../ticketbook.ts";
import { TicketType } from "../ticket_type.ts";
import { verifyTicket } from "../verify_ticket.ts";
import { buildIssuance, EXPIRATION, SPEND_DATE, ticketbookOf } from "../testdata/fixture.ts";
import { FileTicketbookStore } from "./file_store.ts";
import { spendTicket, unspendableReason } from "./spending.ts";
import {
  deserialiseTicketbook,
  MemoryTicketbookStore,
  serialiseTicketbook,
  TicketbookStoreError,
} from "./store.ts";
import { NoTicketsError, TicketbookWallet } from "./wallet.ts";

const fx = buildIssuance(4, TicketType.V1MixnetEntry, 51);
const book = ticketbookOf(fx, 2n);
const NOW = (SPEND_DATE + 120) * 1000;
const gateway = new Uint8Array(32).fill(0x42);

Deno.test("a stored ticketbook round-trips through its serialised form", () => {
  const text = JSON.stringify(serialiseTicketbook(book));
  const back = deserialiseTicketbook(JSON.parse(text));
  assertEquals(encodeIssuedTicketBook(back.ticketbook), encodeIssuedTicketBook(book.ticketbook));
  assertEquals(back.coinIndexSignatures!.signatures.length, 4);
  assertThrows(() => deserialiseTicketbook({ revision: 1, data: "%%%" }), TicketbookStoreError);
  assertThrows(
    () => deserialiseTicketbook({ revision: 1, data: btoa("abc") }),
    TicketbookStoreError,
  );
  assertThrows(
    () => deserialiseTicketbook({ revision: 2, data: JSON.parse(text).data }),
    TicketbookStoreError,
  );
});

Deno.test("spendTicket binds the ticket to the gateway and advances the counter", () => {
  const random = seededRandom(new Uint8Array(32).fill(1));
  const spent = spendTicket(fx.params, book, fx.prepared, gateway, NOW / 1000, random);
  assertEquals(spent.book.ticketbook.spentTickets, 1);
  assertEquals(book.ticketbook.spentTickets, 0);
  const data = decodeCredentialSpendingData(spent.credential);
  assertEquals(data.epochId, 2n);
  assertEquals(data.spendDate, SPEND_DATE);
  assertEquals(decodePayInfo(data.payInfo).providerPublicKey, gateway);
  const ticket = verifyTicket(fx.params, fx.prepared, data, {
    today: SPEND_DATE,
    now: NOW / 1000,
    gatewayIdentity: gateway,
  });
  assertEquals(ticket.bandwidth, 200_000_000);
  assertEquals(unspendableReason(fx.params, book, EXPIRATION + 86400), "expired");
  assertEquals(unspendableReason(fx.params, book, EXPIRATION - 7 * 86400), "not valid yet");
  assertThrows(
    () =>
      spendTicket(
        fx.params,
        { ...book, coinIndexSignatures: undefined },
        fx.prepared,
        gateway,
        NOW / 1000,
        random,
      ),
    EcashArgumentError,
    "no coin-index signatures",
  );
});

Deno.test("wallet: spends every ticket once, persists first, then reports none left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const clock = manualClock(NOW);
    const random = seededRandom(new Uint8Array(32).fill(2));
    const wallet = new TicketbookWallet({
      store: new FileTicketbookStore(dir),
      params: fx.params,
      clock,
      random,
    });
    const id = await wallet.add(book);
    assertEquals(await wallet.remaining(), 4);
    assertEquals(await wallet.remaining(TicketType.V1MixnetExit), 0);
    // Concurrent calls are serialised: four distinct coin indices.
    const credentials = await Promise.all([1, 2, 3, 4].map(() => wallet.nextCredential(gateway)));
    const serials = credentials.map((c) =>
      paymentSerialNumber(decodeCredentialSpendingData(c).payment).join()
    );
    assertEquals(new Set(serials).size, 4);
    // A second wallet over the same directory sees the persisted counter.
    const reopened = new TicketbookWallet({
      store: new FileTicketbookStore(dir),
      params: fx.params,
      clock,
      random,
    });
    assertEquals(await reopened.remaining(), 0);
    await assertRejects(() => reopened.nextCredential(gateway), NoTicketsError);
    // The exhausted ticketbook was removed from the directory.
    assertEquals((await new FileTicketbookStore(dir).list()).map((s) => s.id), []);
    assertNotEquals(id, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("wallet: picks the right ticket type and ignores expired ticketbooks", async () => {
  const store = new MemoryTicketbookStore();
  const clock = manualClock(NOW);
  const random = seededRandom(new Uint8Array(32).fill(3));
  const wallet = new TicketbookWallet({ store, params: fx.params, clock, random });
  await wallet.add({
    ...book,
    ticketbook: { ...book.ticketbook, ticketType: TicketType.V1WireguardEntry },
  });
  await assertRejects(() => wallet.nextCredential(gateway), NoTicketsError, "v1-mixnet-entry");
  const credential = await wallet.nextCredential(gateway, TicketType.V1WireguardEntry);
  assert(credential.length > 1000);
  clock.set((EXPIRATION + 86400) * 1000);
  assertEquals(await wallet.remaining(TicketType.V1WireguardEntry), 0);
  await assertRejects(
    () => wallet.nextCredential(gateway, TicketType.V1WireguardEntry),
    NoTicketsError,
  );
  assertEquals((await store.list()).length, 0);
});
