import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { openDatabase } from "./sqlite.ts";

class StoreError extends Error {
  override name = "StoreError";
}
const error = (m: string) => new StoreError(m);

Deno.test("openDatabase migrates forward and keeps data across reopen", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/x.sqlite`;
    const v1 = ["CREATE TABLE t (x INTEGER)"];
    let db = openDatabase(path, { what: "test db", migrations: v1, error });
    db.prepare("INSERT INTO t VALUES (?)").run(7);
    db.close();
    db = openDatabase(path, {
      what: "test db",
      migrations: [...v1, "ALTER TABLE t ADD COLUMN y TEXT"],
      error,
    });
    assertEquals({ ...db.prepare("PRAGMA user_version").get() }, { user_version: 2 });
    assertEquals(db.prepare("SELECT x, y FROM t").all().map((r) => ({ ...r })), [{
      x: 7,
      y: null,
    }]);
    assertEquals({ ...db.prepare("PRAGMA journal_mode").get() }, { journal_mode: "wal" });
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDatabase refuses newer schemas and failed migrations with the store's error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/x.sqlite`;
    openDatabase(path, {
      what: "test db",
      migrations: ["CREATE TABLE a (x)", "CREATE TABLE b (x)"],
      error,
    })
      .close();
    const newer = assertThrows(
      () => openDatabase(path, { what: "test db", migrations: ["CREATE TABLE a (x)"], error }),
      StoreError,
    );
    assertEquals(newer.message.includes("newer than this binary supports (1)"), true);
    const failed = assertThrows(
      () =>
        openDatabase(path, {
          what: "test db",
          migrations: ["CREATE TABLE a (x)", "CREATE TABLE b (x)", "THIS IS NOT SQL"],
          error,
        }),
      StoreError,
    );
    assertEquals(failed.message.startsWith("migration 3 of test db"), true);
    const db = openDatabase(path, {
      what: "test db",
      migrations: ["CREATE TABLE a (x)", "CREATE TABLE b (x)"],
      error,
    });
    assertEquals({ ...db.prepare("PRAGMA user_version").get() }, { user_version: 2 });
    db.close();
    assertThrows(
      () => openDatabase(`${dir}/missing/dir/x.sqlite`, { what: "test db", migrations: [], error }),
      StoreError,
      "cannot open test db",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
