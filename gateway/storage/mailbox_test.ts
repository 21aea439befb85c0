import { assertEquals } from "../../testing/asserts.ts";
import { manualClock } from "../../util/clock.ts";
import { openGatewayDatabase } from "./database.ts";
import { Mailbox } from "./mailbox.ts";

function setup(maxMessagesPerClient = 1000) {
  const clock = manualClock(1_700_000_000_000);
  const db = openGatewayDatabase(":memory:");
  return {
    clock,
    db,
    mailbox: new Mailbox(db, clock, { maxMessagesPerClient, maxMessageSize: 40_000 }),
  };
}

const msg = (i: number) => new Uint8Array([i & 0xff, i >> 8, 7]);

Deno.test("messages are delivered in pages, oldest first, and removed only when asked", () => {
  const { mailbox, db } = setup();
  mailbox.store(
    Array.from({ length: 250 }, (_, i) => ({ clientAddress: "alice", content: msg(i) })),
  );
  mailbox.store([{ clientAddress: "bob", content: msg(999) }]);
  const first = mailbox.page("alice", 0, 100);
  assertEquals(first.length, 100);
  assertEquals(first[0].content, msg(0));
  assertEquals(mailbox.countFor("alice"), 250, "paging alone deletes nothing");
  mailbox.remove("alice", first.map((m) => m.id));
  const second = mailbox.page("alice", 0, 100);
  assertEquals(second[0].content, msg(100));
  assertEquals(mailbox.countFor("alice"), 150);
  assertEquals(mailbox.countFor("bob"), 1);
  assertEquals(mailbox.counters.delivered, 100);
  db.close();
});

Deno.test("the per-client quota drops the oldest messages and counts them", () => {
  const { mailbox, db } = setup(10);
  mailbox.store(Array.from({ length: 8 }, (_, i) => ({ clientAddress: "alice", content: msg(i) })));
  const r = mailbox.store(
    Array.from({ length: 5 }, (_, i) => ({ clientAddress: "alice", content: msg(100 + i) })),
  );
  assertEquals(r.droppedOverQuota, 3);
  assertEquals(mailbox.countFor("alice"), 10);
  const all = mailbox.page("alice", 0, 100).map((m) => m.content[0]);
  assertEquals(all, [3, 4, 5, 6, 7, 100, 101, 102, 103, 104]);
  assertEquals(mailbox.counters.droppedOverQuota, 3);
  db.close();
});

Deno.test("oversize messages are refused and counted; expiry removes old messages", () => {
  const { mailbox, clock, db } = setup();
  const r = mailbox.store([{ clientAddress: "a", content: new Uint8Array(40_001) }, {
    clientAddress: "a",
    content: msg(1),
  }]);
  assertEquals(r, { stored: 1, droppedOverQuota: 0, droppedOversize: 1 });
  clock.advance(23 * 3600_000);
  mailbox.store([{ clientAddress: "a", content: msg(2) }]);
  clock.advance(2 * 3600_000);
  assertEquals(mailbox.expire(24 * 3600_000), 1);
  assertEquals(mailbox.page("a", 0, 10).map((m) => m.content[0]), [2]);
  assertEquals(mailbox.countFor("a"), 1);
  db.close();
});

Deno.test("stored messages survive closing and reopening the database file", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/clients.sqlite`;
    const clock = manualClock(0);
    let db = openGatewayDatabase(path);
    new Mailbox(db, clock, { maxMessagesPerClient: 100, maxMessageSize: 100 }).store([
      { clientAddress: "x", content: msg(5) },
    ]);
    db.close();
    db = openGatewayDatabase(path);
    const mailbox = new Mailbox(db, clock, { maxMessagesPerClient: 100, maxMessageSize: 100 });
    assertEquals(mailbox.page("x", 0, 10).map((m) => m.content), [msg(5)]);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
