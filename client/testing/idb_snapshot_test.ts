import { assert, assertEquals, assertRejects, assertThrows } from "../../testing/asserts.ts";
import { IDBFactory } from "fake-indexeddb";
import {
  decodeCloneable,
  dumpIndexedDb,
  encodeCloneable,
  IdbSnapshotError,
  restoreIndexedDb,
  type SnapshotIdbDatabase,
  type SnapshotIdbFactory,
  type SnapshotIdbRequest,
} from "./idb_snapshot.ts";

function done<T>(req: SnapshotIdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function roundTrip(value: unknown): unknown {
  return decodeCloneable(JSON.parse(JSON.stringify(encodeCloneable(value))));
}

/** A value with every kind the wasm client (serde_wasm_bindgen) or a browser app may store. */
function richValue() {
  const bytes = new Uint8Array([0, 1, 2, 250, 255]);
  return {
    text: "ünïcode ✓",
    int: 42,
    float: 1.5,
    negZero: -0,
    nan: NaN,
    inf: -Infinity,
    big: 2n ** 70n,
    nothing: undefined,
    none: null,
    yes: true,
    date: new Date(1_700_000_000_123),
    regexp: /a+b/gi,
    bytes,
    subview: new Uint8Array(bytes.buffer, 1, 3),
    buffer: new Uint8Array([9, 8, 7]).buffer,
    dataView: new DataView(new Uint8Array([5, 6]).buffer),
    u32: new Uint32Array([1, 0xffffffff]),
    f64: new Float64Array([Math.PI]),
    i64: new BigInt64Array([-5n]),
    map: new Map<unknown, unknown>([["k", new Uint8Array([1])], [7, { deep: [1, "x"] }]]),
    set: new Set([1, "two"]),
    boxed: Object("boxed"),
    error: Object.assign(new RangeError("boom"), { stack: "stack-text" }),
    nested: [[], [{ $: "not a tag", v: 1 }], JSON.parse(`{"__proto__": 3}`)],
  };
}

Deno.test("idb snapshot: values keep their types and bytes through JSON", () => {
  const value = richValue();
  const back = roundTrip(value) as ReturnType<typeof richValue>;
  assertEquals(back.text, value.text);
  assertEquals(back.int, 42);
  assertEquals(back.float, 1.5);
  assert(Object.is(back.negZero, -0), "-0 stays -0");
  assert(Number.isNaN(back.nan));
  assertEquals(back.inf, -Infinity);
  assertEquals(back.big, 2n ** 70n);
  assert("nothing" in back && back.nothing === undefined, "undefined fields stay");
  assertEquals(back.none, null);
  assertEquals(back.date.getTime(), 1_700_000_000_123);
  assert(back.regexp instanceof RegExp && back.regexp.flags === "gi");
  assert(back.bytes instanceof Uint8Array);
  assertEquals([...back.bytes], [0, 1, 2, 250, 255]);
  assertEquals([...back.subview], [1, 2, 250], "a view keeps only its own bytes");
  assertEquals(back.subview.byteOffset, 0);
  assert(back.buffer instanceof ArrayBuffer);
  assertEquals([...new Uint8Array(back.buffer)], [9, 8, 7]);
  assert(back.dataView instanceof DataView);
  assertEquals(back.dataView.getUint16(0), 0x0506);
  assert(back.u32 instanceof Uint32Array);
  assertEquals([...back.u32], [1, 0xffffffff]);
  assert(back.f64 instanceof Float64Array && back.f64[0] === Math.PI);
  assert(back.i64 instanceof BigInt64Array && back.i64[0] === -5n);
  assert(back.map instanceof Map);
  assertEquals(back.map.get("k"), new Uint8Array([1]));
  assertEquals(back.map.get(7), { deep: [1, "x"] });
  assertEquals(back.set, new Set([1, "two"]));
  assert(back.boxed instanceof String && back.boxed.valueOf() === "boxed");
  assert(back.error instanceof Error);
  assertEquals([back.error.name, back.error.message, back.error.stack], [
    "RangeError",
    "boom",
    "stack-text",
  ]);
  assertEquals(back.nested[1], [{ $: "not a tag", v: 1 }], "a stored `$` field is not a tag");
  assertEquals(Object.getOwnPropertyDescriptor(back.nested[2], "__proto__")?.value, 3);
  assertEquals(Object.getPrototypeOf(back.nested[2]), Object.prototype);
});

Deno.test("idb snapshot: what cannot be represented is refused with a typed error", () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertThrows(() => encodeCloneable(cyclic), IdbSnapshotError, "cyclic");
  assertThrows(() => encodeCloneable({ f: () => 1 }), IdbSnapshotError, "function");
  assertThrows(() => encodeCloneable(new Blob(["x"])), IdbSnapshotError, "Blob");
  assertThrows(() => encodeCloneable(new (class Custom {})()), IdbSnapshotError, "unsupported");
  // Shared (acyclic) references are fine: they come back as equal copies.
  const shared = { a: 1 };
  assertEquals(roundTrip([shared, shared]), [{ a: 1 }, { a: 1 }]);
  for (
    const bad of [
      { $: "nope" },
      { $: "bytes", type: "Uint32Array", b64: "AAE=" }, // 2 bytes: not a whole element
      { $: "bytes", type: "Uint8Array", b64: "***" },
      { $: "bigint", v: "1.5" },
      { $: "Map", v: [[1]] },
      { $: "number", v: "1" },
    ]
  ) {
    assertThrows(() => decodeCloneable(bad), IdbSnapshotError);
  }
});

Deno.test("idb snapshot: databases, stores, indexes and records come back in a new factory", async () => {
  const source: SnapshotIdbFactory = new IDBFactory();
  const open = source.open("app", 3);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore("plain", { keyPath: null, autoIncrement: false });
    const people = db.createObjectStore("people", { keyPath: "id", autoIncrement: false });
    people.createIndex("byName", "name", { unique: true, multiEntry: false });
    people.createIndex("byTags", "tags", { unique: false, multiEntry: true });
    db.createObjectStore("log", { keyPath: null, autoIncrement: true });
    db.createObjectStore("compound", { keyPath: ["a", "b"], autoIncrement: false });
  };
  const db: SnapshotIdbDatabase = await done(open);
  const tx = db.transaction(["plain", "people", "log", "compound"], "readwrite");
  const value = richValue();
  tx.objectStore("plain").put(value, "rich");
  tx.objectStore("plain").put(new Uint8Array([1, 2, 3]), new Uint8Array([0xff, 0]));
  tx.objectStore("plain").put("by date", new Date(5));
  tx.objectStore("plain").put("by array", [1, "a", [2]]);
  tx.objectStore("people").put({ id: 2, name: "bob", tags: ["x", "y"] });
  tx.objectStore("people").put({ id: 1, name: "alice", tags: ["y"] });
  tx.objectStore("log").put("first");
  tx.objectStore("log").put("second");
  tx.objectStore("compound").put({ a: 1, b: "z", v: new Map([[1, 2]]) });
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
  await done(source.open("empty", 1)).then((d) => d.close());

  const snapshot = await dumpIndexedDb(source);
  assertEquals(snapshot.databases.map((d) => [d.name, d.version]), [["app", 3], ["empty", 1]]);
  const app = snapshot.databases[0];
  assertEquals(app.stores.map((s) => [s.name, s.keyPath, s.autoIncrement, s.records.length]), [
    ["compound", ["a", "b"], false, 1],
    ["log", null, true, 2],
    ["people", "id", false, 2],
    ["plain", null, false, 4],
  ]);
  assertEquals(app.stores[2].indexes, [
    { name: "byName", keyPath: "name", unique: true, multiEntry: false },
    { name: "byTags", keyPath: "tags", unique: false, multiEntry: true },
  ]);

  const target: SnapshotIdbFactory = new IDBFactory();
  await restoreIndexedDb(target, JSON.parse(JSON.stringify(snapshot)));
  // The copy dumps to the same snapshot...
  assertEquals(await dumpIndexedDb(target), snapshot);
  // ...and reads back as the original through the ordinary API, indexes included.
  const copy = await done(target.open("app"));
  assertEquals(copy.version, 3);
  const read = copy.transaction(["plain", "people", "log"], "readwrite");
  const byKey = read.objectStore("plain") as unknown as {
    get(key: unknown): SnapshotIdbRequest<unknown>;
  };
  const got = await done(byKey.get("rich")) as ReturnType<typeof richValue>;
  assert(got.bytes instanceof Uint8Array && got.map instanceof Map && Object.is(got.negZero, -0));
  assertEquals(got.big, value.big);
  assertEquals(await done(byKey.get(new Uint8Array([0xff, 0]))), new Uint8Array([1, 2, 3]));
  assertEquals(await done(byKey.get(new Date(5))), "by date");
  const people = read.objectStore("people") as unknown as {
    index(name: string): { get(key: unknown): SnapshotIdbRequest<unknown> };
  };
  assertEquals(await done(people.index("byName").get("alice")), {
    id: 1,
    name: "alice",
    tags: ["y"],
  });
  assertEquals(((await done(people.index("byTags").get("x"))) as { id: number }).id, 2);
  // The key generator continues after the restored keys.
  const next = await done(read.objectStore("log").put("third"));
  assertEquals(next, 3);
  copy.close();
});

Deno.test("idb snapshot: a restore replaces an existing database; a bad snapshot is refused", async () => {
  const factory: SnapshotIdbFactory = new IDBFactory();
  const first = factory.open("db", 1);
  first.onupgradeneeded = () => {
    first.result.createObjectStore("old", { keyPath: null, autoIncrement: false });
  };
  (await done(first)).close();
  await restoreIndexedDb(factory, {
    format: "idb-snapshot/1",
    databases: [{
      name: "db",
      version: 2,
      stores: [{
        name: "new",
        keyPath: null,
        autoIncrement: false,
        indexes: [],
        records: [{ key: "k", value: { $: "bytes", type: "Uint8Array", b64: "AQI=" } }],
      }],
    }],
  });
  const snapshot = await dumpIndexedDb(factory);
  assertEquals(snapshot.databases.map((d) => [d.version, d.stores.map((s) => s.name)]), [
    [2, ["new"]],
  ]);
  await assertRejects(() => restoreIndexedDb(factory, { format: "other" }), IdbSnapshotError);
  await assertRejects(
    () =>
      restoreIndexedDb(factory, {
        format: "idb-snapshot/1",
        databases: [{
          name: "broken",
          version: 1,
          stores: [{
            name: "s",
            keyPath: null,
            autoIncrement: false,
            indexes: [],
            records: [{ key: { $: "undefined" }, value: 1 }], // undefined is not a valid key
          }],
        }],
      }),
    IdbSnapshotError,
  );
  // The failed restore left no half-made database behind.
  assertEquals((await factory.databases()).map((d) => d.name).includes("broken"), false);
});
