import { assert, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import {
  OrderedBufferError,
  OrderedMessageBuffer,
  SocketDataSequencer,
  Socks5ProtocolError,
} from "./mod.ts";

function refusedKind(run: () => void): string {
  const e = assertThrows(run, OrderedBufferError);
  return (e as OrderedBufferError).kind;
}

Deno.test("ordered buffer releases only contiguous runs", () => {
  const b = new OrderedMessageBuffer();
  b.write(2n, Uint8Array.of(3));
  b.write(1n, Uint8Array.of(2));
  assertEquals(b.read(), null);
  assertEquals(b.bufferedCount, 2);
  b.write(0n, Uint8Array.of(1));
  assertEquals(b.read(), { data: Uint8Array.of(1, 2, 3), lastSequence: 2n, closed: false });
  assertEquals(b.nextSequence, 3n);
  assertEquals(b.bufferedBytes, 0);
  b.write(4n, Uint8Array.of(5));
  assertEquals(b.read(), null);
  b.write(3n, new Uint8Array(0)); // a keepalive
  assertEquals(b.read(), { data: Uint8Array.of(5), lastSequence: 4n, closed: false });
});

Deno.test("ordered buffer refuses far-ahead, duplicate, delivered and over-budget writes", () => {
  const b = new OrderedMessageBuffer({ maxOffset: 10, maxBufferedBytes: 4 });
  assertEquals(refusedKind(() => b.write(11n, Uint8Array.of(1))), "too-far-ahead");
  b.write(10n, Uint8Array.of(1));
  assertEquals(refusedKind(() => b.write(10n, Uint8Array.of(1))), "duplicate");
  b.write(0n, Uint8Array.of(1, 2));
  assertEquals(refusedKind(() => b.write(1n, Uint8Array.of(1, 2))), "full");
  assert(b.read() !== null);
  assertEquals(refusedKind(() => b.write(0n, Uint8Array.of(1))), "already-delivered");
  // upstream's default: 1000 ahead is fine, 1001 is not
  const d = new OrderedMessageBuffer();
  d.write(1000n, new Uint8Array(0));
  assertEquals(refusedKind(() => d.write(1001n, new Uint8Array(0))), "too-far-ahead");
});

Deno.test("ordered buffer tracks the close marker", () => {
  const b = new OrderedMessageBuffer();
  b.write(2n, new Uint8Array(0), true);
  assertEquals(refusedKind(() => b.write(3n, Uint8Array.of(1))), "after-close");
  b.write(0n, Uint8Array.of(1));
  assertEquals(b.read(), { data: Uint8Array.of(1), lastSequence: 0n, closed: false });
  assert(!b.closed);
  b.write(1n, Uint8Array.of(2));
  assertEquals(b.read(), { data: Uint8Array.of(2), lastSequence: 2n, closed: true });
  assert(b.closed);
  // a close below already buffered messages drops them
  const c = new OrderedMessageBuffer();
  c.write(5n, Uint8Array.of(9, 9));
  c.write(1n, new Uint8Array(0), true);
  assertEquals(c.bufferedBytes, 0);
  assertEquals(c.bufferedCount, 1);
});

Deno.test("ordered buffer reassembles a shuffled stream byte-exact", () => {
  const random = seededRandom(new Uint8Array(32).fill(5));
  const chunks = Array.from({ length: 200 }, (_, i) => random(1 + (i % 37)));
  const order = chunks.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random(1)[0] % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const b = new OrderedMessageBuffer();
  const out: number[] = [];
  for (const i of order) {
    b.write(BigInt(i), chunks[i], i === chunks.length - 1);
    const r = b.read();
    if (r) out.push(...r.data);
  }
  assertEquals(Uint8Array.from(out), Uint8Array.from(chunks.flatMap((c) => [...c])));
  assert(b.closed);
});

Deno.test("sequencer numbers chunks, keepalives and the close marker", () => {
  const s = new SocketDataSequencer(9n);
  assertEquals(s.next(Uint8Array.of(1)), {
    connectionId: 9n,
    seq: 0n,
    closed: false,
    data: Uint8Array.of(1),
  });
  assertEquals(s.keepalive().seq, 1n);
  const close = s.close();
  assertEquals([close.seq, close.closed, close.data.length], [2n, true, 0]);
  assert(s.closed);
  assertThrows(() => s.next(Uint8Array.of(1)), Socks5ProtocolError);
  assertEquals(new SocketDataSequencer(1n, 1n).next(new Uint8Array(0)).seq, 1n);
});
