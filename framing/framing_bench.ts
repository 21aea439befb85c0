import { decodeMixPacketV2, encodeFrames, encodeMixPacketV2, FrameDecoder } from "./mod.ts";

// 1000 frames (80% regular, 20% ack; v7 and v8 mixed) fed in 64 KiB chunks, as a TCP read loop
// would; the mix node needs ~10k frames/s.
const frames = Array.from({ length: 1000 }, (_, i) => ({
  version: (i % 2 === 0 ? 7 : 8) as 7 | 8,
  packetType: 0 as const,
  keyRotation: 0 as const,
  packet: new Uint8Array(i % 5 === 0 ? 386 : 2413),
}));
const wire = encodeFrames(frames);

Deno.bench("frame decoder, 1000 frames in 64 KiB chunks", () => {
  const decoder = new FrameDecoder();
  let n = 0;
  for (let offset = 0; offset < wire.length; offset += 65536) {
    decoder.push(wire.subarray(offset, offset + 65536));
    n += decoder.drain().length;
  }
  if (n !== 1000) throw new Error("lost frames");
});

Deno.bench("frame encoder, 1000 frames", () => {
  encodeFrames(frames);
});

const mix = encodeMixPacketV2({
  nextHop: { ip: "192.0.2.1", port: 1789 },
  packetType: 0,
  keyRotation: 1,
  packet: new Uint8Array(2413),
});

Deno.bench("MixPacket v2 decode", () => {
  decodeMixPacketV2(mix);
});
