import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { EcashDecodeError, EcashVerificationError } from "./errors.ts";
import { ecashDay, julianDayOf } from "./ecash_date.ts";
import { encodePayment, paymentSerialNumber } from "./payment.ts";
import { spend } from "./spend.ts";
import {
  type CredentialSpendingData,
  decodeCredentialSpendingData,
  decodePayInfo,
  encodeCredentialSpendingData,
  encodePayInfo,
  generatePayInfo,
} from "./spending_data.ts";
import { buildIssuance, SPEND_DATE } from "./testdata/fixture.ts";
import { TicketType } from "./ticket_type.ts";
import { type TicketPolicy, verifyTicket } from "./verify_ticket.ts";

const fx = buildIssuance(50, TicketType.V1MixnetEntry, 21);
const gateway = new Uint8Array(32).fill(0xaa);
const now = SPEND_DATE + 3600;
const payInfo = encodePayInfo(generatePayInfo(gateway, now, fx.random));
const { payment } = spend(fx.params, {
  verificationKey: fx.prepared,
  secretKey: fx.user.secretKey,
  wallet: fx.wallet,
  payInfo,
  expirationSignatures: fx.expirationSignatures,
  coinIndexSignatures: fx.coinIndexSignatures,
  spendDate: SPEND_DATE,
}, fx.random);
const data: CredentialSpendingData = { payment, payInfo, spendDate: SPEND_DATE, epochId: 42n };
const policy: TicketPolicy = { today: ecashDay(now), now, gatewayIdentity: gateway };

Deno.test("PayInfo is randomness ‖ i64 BE timestamp ‖ provider key", () => {
  const info = decodePayInfo(payInfo);
  assertEquals(info.timestamp, now);
  assertEquals(info.providerPublicKey, gateway);
  assertEquals(new DataView(payInfo.buffer).getBigInt64(32, false), BigInt(now));
  assertEquals(encodePayInfo(info), payInfo);
  assertThrows(() => decodePayInfo(payInfo.subarray(1)), EcashDecodeError);
});

Deno.test("CredentialSpendingData layout: u32 length ‖ payment ‖ PayInfo ‖ i32 Julian day ‖ u64 epoch", () => {
  const bytes = encodeCredentialSpendingData(data);
  const p = encodePayment(payment);
  const view = new DataView(bytes.buffer);
  assertEquals(view.getUint32(0, false), p.length);
  assertEquals(bytes.subarray(4, 4 + p.length), p);
  assertEquals(bytes.subarray(4 + p.length, 76 + p.length), payInfo);
  assertEquals(view.getInt32(76 + p.length, false), julianDayOf(SPEND_DATE));
  assertEquals(view.getBigUint64(80 + p.length, false), 42n);
  assertEquals(bytes.length, p.length + 88);
  const back = decodeCredentialSpendingData(bytes);
  assertEquals(encodeCredentialSpendingData(back), bytes);
  assertEquals([back.spendDate, back.epochId], [SPEND_DATE, 42n]);
});

Deno.test("CredentialSpendingData decoding rejects bad lengths and dates", () => {
  const bytes = encodeCredentialSpendingData(data);
  const reason = (b: Uint8Array) =>
    assertThrows(() => decodeCredentialSpendingData(b), EcashDecodeError).reason;
  assertEquals(reason(bytes.subarray(0, 80)), "length");
  assertEquals(reason(bytes.subarray(0, bytes.length - 1)), "length");
  const longer = bytes.slice();
  new DataView(longer.buffer).setUint32(0, 2000, false);
  assertEquals(reason(longer), "length");
  const preEpoch = bytes.slice();
  new DataView(preEpoch.buffer).setInt32(bytes.length - 12, 2_000_000, false);
  assertEquals(reason(preEpoch), "value");
});

Deno.test("gateway accepts a good ticket and credits its type's bandwidth", () => {
  const decoded = decodeCredentialSpendingData(encodeCredentialSpendingData(data));
  const ticket = verifyTicket(fx.params, fx.prepared, decoded, policy);
  assertEquals(ticket.ticketType, TicketType.V1MixnetEntry);
  assertEquals(ticket.bandwidth, 200_000_000);
  assertEquals(ticket.serialNumber, paymentSerialNumber(payment));
  assertEquals(ticket.payInfo.timestamp, now);
});

Deno.test("gateway rejects: wrong day, several tickets, foreign PayInfo, stale PayInfo, types", () => {
  const reason = (d: CredentialSpendingData, p = policy) =>
    assertThrows(() => verifyTicket(fx.params, fx.prepared, d, p), EcashVerificationError).reason;
  assertEquals(reason(data, { ...policy, today: policy.today + 86400 }), "spend-date");
  assertEquals(
    reason({ ...data, spendDate: SPEND_DATE - 86400 }, { ...policy, today: SPEND_DATE - 86400 }),
    "spend-signatures",
  );
  assertEquals(reason({ ...data, payment: { ...payment, spendValue: 2 } }), "spend-value");
  assertEquals(reason(data, { ...policy, gatewayIdentity: new Uint8Array(32) }), "pay-info");
  assertEquals(reason(data, { ...policy, now: now + 31 }), "pay-info");
  assertEquals(reason(data, { ...policy, now: now - 31 }), "pay-info");
  verifyTicket(fx.params, fx.prepared, data, { ...policy, now: now + 30 });
  assertEquals(reason({ ...data, payment: { ...payment, ticketType: 7 } }), "ticket-type");
  assertEquals(
    reason(data, { ...policy, acceptedTicketTypes: [TicketType.V1WireguardEntry] }),
    "ticket-type",
  );
  assertEquals(
    reason({ ...data, payment: { ...payment, ticketType: TicketType.V1MixnetExit } }),
    "spend-signatures",
  );
  const farFuture = payInfo.slice();
  farFuture.fill(0x7f, 32, 40);
  assertEquals(reason({ ...data, payInfo: farFuture }), "pay-info");
  const otherGateway = encodePayInfo(generatePayInfo(new Uint8Array(32).fill(1), now, fx.random));
  assertEquals(
    reason({ ...data, payInfo: otherGateway }, {
      ...policy,
      gatewayIdentity: new Uint8Array(32).fill(1),
    }),
    "spend-proof",
  );
});
