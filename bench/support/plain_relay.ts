/**
 * A relay that forwards every byte it receives to `127.0.0.1:<sinkPort>` unchanged: the latency
 * floor of the loopback + sender/sink harness that `bench/mix.ts` reports beside the node.
 *
 * Prints `{"port": <n>}` on start.
 *
 * @module
 */
const [sinkPort] = Deno.args.map(Number);
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(JSON.stringify({ port: listener.addr.port }));
const out = await Deno.connect({ hostname: "127.0.0.1", port: sinkPort });
out.setNoDelay(true);
for await (const conn of listener) {
  (async () => {
    const buffer = new Uint8Array(65536);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      const copy = buffer.slice(0, n);
      let offset = 0;
      while (offset < n) offset += await out.write(copy.subarray(offset));
    }
  })();
}
