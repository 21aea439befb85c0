import { assertEquals, assertRejects } from "../testing/asserts.ts";
import { createMemoryStreamPair, MemoryStreamClosedError } from "./memory_stream.ts";

Deno.test("memory streams deliver bytes in order, honour capacity and partial writes", async () => {
  const [a, b] = createMemoryStreamPair({ capacity: 10, maxWriteChunk: 4 });
  assertEquals(await a.write(Uint8Array.of(1, 2, 3, 4, 5, 6)), 4);
  assertEquals(await a.write(Uint8Array.of(5, 6, 7, 8, 9, 10, 11)), 4);
  assertEquals(await a.write(Uint8Array.of(9, 10, 11)), 2); // capacity reached at 10
  const blocked = a.write(Uint8Array.of(11)); // waits for room
  const buf = new Uint8Array(16);
  assertEquals(await b.read(buf), 10);
  assertEquals([...buf.subarray(0, 10)], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assertEquals(await blocked, 1);
  assertEquals(await b.read(buf), 1);
  assertEquals(buf[0], 11);
  a.close();
  assertEquals(await b.read(buf), null);
  await assertRejects(() => b.write(Uint8Array.of(1)), MemoryStreamClosedError);
  await assertRejects(() => a.read(buf), MemoryStreamClosedError);
  b.close();
});

Deno.test("closing an end wakes its own pending read with an error", async () => {
  const [a, b] = createMemoryStreamPair();
  const pending = a.read(new Uint8Array(4));
  a.close();
  await assertRejects(() => pending, MemoryStreamClosedError);
  assertEquals(await b.read(new Uint8Array(4)), null);
  b.close();
});
