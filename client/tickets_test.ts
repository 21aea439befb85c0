import { assertEquals, assertRejects, assertStringIncludes } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import { systemClock } from "../util/clock.ts";
import { MemoryTicketbookStore } from "../credentials/client/mod.ts";
import { TicketsUnavailableError } from "./errors.ts";
import { ClientTickets } from "./tickets.ts";

const gateway = new Uint8Array(32).fill(1);

Deno.test("client tickets: nothing stored and no signers is a clear error", async () => {
  const obtained: number[] = [];
  const tickets = new ClientTickets({ signerUrls: [], store: new MemoryTicketbookStore() }, {
    random: seededRandom(new Uint8Array(32)),
    clock: systemClock,
    onTicketbookObtained: (n) => obtained.push(n),
  });
  assertEquals(await tickets.remaining(), 0);
  const error = await assertRejects(
    () => tickets.nextCredential(gateway),
    TicketsUnavailableError,
  );
  assertStringIncludes(error.message, "no signer URLs are configured");
  assertEquals(obtained, []);
});

Deno.test("client tickets: unreachable signers are reported, concurrent callers share one attempt", async () => {
  // A port that was just free: connections are refused at once.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${listener.addr.port}/`;
  listener.close();
  let fetches = 0;
  const tickets = new ClientTickets({ signerUrls: [url], signerTimeoutMs: 2000 }, {
    random: seededRandom(new Uint8Array(32)),
    clock: systemClock,
    fetch: (input, init) => {
      fetches++;
      return fetch(input, init);
    },
  });
  const [a, b] = await Promise.allSettled([
    tickets.nextCredential(gateway),
    tickets.nextCredential(gateway),
  ]);
  for (const r of [a, b]) {
    assertEquals(r.status, "rejected");
    const e = (r as PromiseRejectedResult).reason as Error;
    assertEquals(e.name, "TicketsUnavailableError");
    assertStringIncludes(e.message, "obtaining a ticketbook from the signers failed");
    assertStringIncludes(e.message, url.replace(/\/$/, ""));
  }
  // discoverSigners asks one signer for its epoch and its key share: 2 requests, not 4.
  assertEquals(fetches, 2);
});
