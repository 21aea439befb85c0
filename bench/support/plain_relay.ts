/**
 * A relay that forwards every byte it receives to `127.0.0.1:<sinkPort>` unchanged (one sink
 * connection per inbound connection): the latency floor of the loopback + sender/sink harness
 * that `bench/mix.ts` reports beside the node.
 *
 * Prints `{"port": <n>}` on start.
 *
 * @module
 */
const [sinkPort] = Deno.args.map(Number);
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(JSON.stringify({ port: listener.addr.port }));
for await (const conn of listener) {
  (async () => {
    const out = await Deno.connect({ hostname: "127.0.0.1", port: sinkPort });
    out.setNoDelay(true);
    conn.setNoDelay(true);
    // Both directions: a Noise handshake needs the sink's answers to reach the sender.
    const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
      const buffer = new Uint8Array(65536);
      try {
        for (let n = await from.read(buffer); n !== null; n = await from.read(buffer)) {
          const copy = buffer.slice(0, n);
          let offset = 0;
          while (offset < n) offset += await to.write(copy.subarray(offset));
        }
      } catch { /* closed */ }
      try {
        to.close();
      } catch { /* closed */ }
    };
    await Promise.all([pipe(conn, out), pipe(out, conn)]);
  })();
}
