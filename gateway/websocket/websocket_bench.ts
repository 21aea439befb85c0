/**
 * WebSocket frame costs on the gateway's per-packet path:
 * `deno bench --allow-all gateway/websocket/websocket_bench.ts`.
 *
 * A client's sphinx packet travels as one binary frame of about 2.4 KB (2413-byte packet plus
 * the gateway protocol's header, nonce and tag, `nym-node.md` §4.6): the gateway decodes masked
 * frames from clients and encodes unmasked frames to them.
 */
import { seededRandom } from "../../crypto/random.ts";
import { FrameDecoder } from "./decoder.ts";
import { applyMask, encodeFrame, Opcode } from "./frame.ts";

const FRAME_PAYLOAD = 2448;
const random = seededRandom(new Uint8Array(32).fill(42));
const payload = random(FRAME_PAYLOAD);
const maskKey = random(4);
const masked = encodeFrame(Opcode.binary, payload, { maskKey });
const BATCH = 26; // ~64 KiB: what one read returns under load
const batch = new Uint8Array(masked.length * BATCH);
for (let i = 0; i < BATCH; i++) batch.set(masked, i * masked.length);
const limits = { maxFramePayload: 1 << 20, maxMessageSize: 1 << 20 };
const decoder = new FrameDecoder({ role: "server", ...limits });
const scratch = payload.slice();

Deno.bench(
  "encode 2.4 KB binary frame (server, unmasked)",
  { group: "encode", baseline: true },
  () => {
    encodeFrame(Opcode.binary, payload);
  },
);

Deno.bench("encode 2.4 KB binary frame (client, masked)", { group: "encode" }, () => {
  encodeFrame(Opcode.binary, payload, { maskKey });
});

Deno.bench(
  "decode 2.4 KB masked binary frame (one per push)",
  { group: "decode", baseline: true },
  () => {
    decoder.push(masked);
    decoder.next();
    decoder.next();
  },
);

Deno.bench(
  `decode ${BATCH} × 2.4 KB masked frames from one 64 KiB chunk`,
  { group: "decode" },
  () => {
    decoder.push(batch);
    while (decoder.next() !== null) { /* drain */ }
  },
);

Deno.bench("decode 2.4 KB masked frame split over 3 reads", { group: "decode" }, () => {
  decoder.push(masked.subarray(0, 5));
  decoder.next();
  decoder.push(masked.subarray(5, 1500));
  decoder.next();
  decoder.push(masked.subarray(1500));
  decoder.next();
});

Deno.bench("unmask 2.4 KB in place", { group: "mask" }, () => {
  applyMask(scratch, maskKey);
});
