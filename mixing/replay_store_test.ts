import { assert, assertEquals } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/mod.ts";
import { ReplayFilterStore } from "./replay_store.ts";

Deno.test("filters persist across restarts; corrupt files are replaced; stale ones removed", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const rng = seededRandom(new Uint8Array(32).fill(8));
    const store = new ReplayFilterStore({
      directory,
      itemsPerFilter: 10_000,
      falsePositiveRate: 1e-6,
      random: rng,
      now: () => 5,
    });
    const filter = await store.loadOrCreate(3);
    const tags = Array.from({ length: 100 }, () => rng(32));
    for (const t of tags) filter.checkAndSet(t);
    await store.flush(filter);
    const again = await store.loadOrCreate(3);
    for (const t of tags) assertEquals(again.contains(t), true);
    assertEquals(again.info, filter.info);

    // A truncated file is moved aside and a fresh filter is created.
    const bytes = await Deno.readFile(store.pathFor(3));
    await Deno.writeFile(store.pathFor(3), bytes.subarray(0, 100));
    const fresh = await store.loadOrCreate(3);
    assertEquals(fresh.contains(tags[0]), false);
    assert((await Deno.stat(`${store.pathFor(3)}.corrupt`)).isFile);

    await store.flush(await store.loadOrCreate(4));
    await Deno.writeFile(`${directory}/rot-9.flush`, new Uint8Array(3));
    await store.removeStale([4]);
    const names = [];
    for await (const e of Deno.readDir(directory)) names.push(e.name);
    assertEquals(names.sort(), ["rot-3.bloom.corrupt", "rot-4.bloom"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
