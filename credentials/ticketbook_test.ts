import { assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  dateOfJulianDay,
  dateOfYearOrdinal,
  defaultExpirationDate,
  ecashDay,
  formatEcashDate,
  julianDayOf,
  parseEcashDate,
  yearOrdinalOf,
} from "./ecash_date.ts";
import { EcashArgumentError, EcashDecodeError } from "./errors.ts";
import { encodeVerificationKey } from "./keys_auth.ts";
import { buildIssuance, EXPIRATION } from "./testdata/fixture.ts";
import {
  decodeAggregatedCoinIndicesSignatures,
  decodeAggregatedExpirationDateSignatures,
  decodeEpochVerificationKey,
  decodeImportableTicketBook,
  decodeIssuedTicketBook,
  encodeAggregatedCoinIndicesSignatures,
  encodeAggregatedExpirationDateSignatures,
  encodeEpochVerificationKey,
  encodeImportableTicketBook,
  encodeIssuedTicketBook,
  type IssuedTicketBook,
  ticketbookWallet,
} from "./ticketbook.ts";
import { parseTicketType, ticketBandwidth, TicketType, ticketTypeName } from "./ticket_type.ts";
import { validSpendingDates } from "./expiration_date.ts";

const fx = buildIssuance(6, TicketType.V1WireguardExit, 31);
const ticketbook: IssuedTicketBook = {
  signatures: fx.wallet.signatures,
  spentTickets: 2,
  epochId: 300n,
  secretKey: fx.user.secretKey,
  expirationDate: EXPIRATION,
  ticketType: TicketType.V1WireguardExit,
};

Deno.test("e-cash dates: Julian days, (year, ordinal), YYYY-MM-DD", () => {
  assertEquals(julianDayOf(946684800), 2451545);
  assertEquals(dateOfJulianDay(2451545), 946684800);
  assertEquals(yearOrdinalOf(EXPIRATION), { year: 2023, ordinal: 344 });
  assertEquals(dateOfYearOrdinal(2023, 344), EXPIRATION);
  assertEquals(yearOrdinalOf(Date.UTC(2024, 11, 31) / 1000), { year: 2024, ordinal: 366 });
  assertThrows(() => dateOfYearOrdinal(2023, 366), EcashArgumentError);
  assertEquals(formatEcashDate(EXPIRATION + 5000), "2023-12-10");
  assertEquals(parseEcashDate("2023-12-10"), EXPIRATION);
  assertThrows(() => parseEcashDate("2023-02-30"), EcashArgumentError);
  assertEquals(ecashDay(EXPIRATION + 86399), EXPIRATION);
  assertEquals(defaultExpirationDate(EXPIRATION - 6 * 86400 + 10), EXPIRATION);
});

Deno.test("ticket types and bandwidth", () => {
  assertEquals(
    [0, 1, 2, 3].map((t) => ticketBandwidth(t as TicketType)),
    [200_000_000, 100_000_000, 500_000_000, 500_000_000],
  );
  assertEquals(parseTicketType(ticketTypeName(TicketType.V1WireguardEntry)), 2);
  assertThrows(() => parseTicketType("v2-anything"), EcashArgumentError);
  assertThrows(() => ticketBandwidth(4 as TicketType), EcashArgumentError);
});

Deno.test("IssuedTicketBook bincode round-trips and keeps the wallet", () => {
  const bytes = encodeIssuedTicketBook(ticketbook);
  const back = decodeIssuedTicketBook(bytes);
  assertEquals(encodeIssuedTicketBook(back), bytes);
  assertEquals(back.epochId, 300n);
  assertEquals(ticketbookWallet(back).ticketsSpent, 2);
  assertEquals(back.ticketType, TicketType.V1WireguardExit);
  // The enum index is the last byte; the date is zig-zag(2023) then 251 + u16 BE 344.
  assertEquals(bytes[bytes.length - 1], 3);
  assertEquals([...bytes.subarray(bytes.length - 7, bytes.length - 1)], [251, 15, 206, 251, 1, 88]);
  const badType = bytes.slice();
  badType[bytes.length - 1] = 4;
  assertEquals(
    assertThrows(() => decodeIssuedTicketBook(badType), EcashDecodeError).reason,
    "value",
  );
});

Deno.test("ImportableTicketBook with every optional part round-trips", () => {
  const expirationDateSignatures = {
    epochId: 300n,
    expirationDate: EXPIRATION,
    signatures: fx.expirationSignatures.map((signature, i) => ({
      signature,
      expirationTimestamp: EXPIRATION,
      spendingTimestamp: validSpendingDates(EXPIRATION)[i],
    })),
  };
  const coinIndexSignatures = {
    epochId: 300n,
    signatures: fx.coinIndexSignatures.map((signature, index) => ({ signature, index })),
  };
  const masterVerificationKey = { epochId: 300n, key: fx.masterKey };
  const full = encodeImportableTicketBook({
    ticketbook,
    expirationDateSignatures,
    coinIndexSignatures,
    masterVerificationKey,
  });
  assertEquals(full.revision, 1);
  const back = decodeImportableTicketBook(full.data, full.revision);
  assertEquals(encodeImportableTicketBook(back).data, full.data);
  assertEquals(
    encodeVerificationKey(back.masterVerificationKey!.key),
    encodeVerificationKey(fx.masterKey),
  );
  assertEquals(back.expirationDateSignatures!.expirationDate, EXPIRATION);
  const bare = encodeImportableTicketBook({ ticketbook });
  assertEquals(bare.data.subarray(bare.data.length - 3), new Uint8Array([0, 0, 0]));
  assertEquals(decodeImportableTicketBook(bare.data).masterVerificationKey, undefined);
  assertThrows(() => decodeImportableTicketBook(full.data, 2), EcashDecodeError);
  const vkBytes = encodeEpochVerificationKey(masterVerificationKey);
  assertEquals(encodeEpochVerificationKey(decodeEpochVerificationKey(vkBytes)), vkBytes);
  const eBytes = encodeAggregatedExpirationDateSignatures(expirationDateSignatures);
  assertEquals(
    encodeAggregatedExpirationDateSignatures(decodeAggregatedExpirationDateSignatures(eBytes)),
    eBytes,
  );
  const cBytes = encodeAggregatedCoinIndicesSignatures(coinIndexSignatures);
  assertEquals(
    encodeAggregatedCoinIndicesSignatures(decodeAggregatedCoinIndicesSignatures(cBytes)),
    cBytes,
  );
});
