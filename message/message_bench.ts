import { createCryptoProvider, systemRandom } from "../crypto/mod.ts";
import { PacketSize, PacketType } from "../framing/mod.ts";
import {
  buildRegularPlaintext,
  decodeFragment,
  encodeFragment,
  MessageReconstructor,
  openReceivedBody,
  prepareFragments,
} from "./mod.ts";

const crypto = createCryptoProvider();
const secret = systemRandom(32);
const publicKey = crypto.x25519Base(secret);
const surbAck = new Uint8Array(405);
const fragment = encodeFragment(
  prepareFragments(
    { kind: "plain", message: systemRandom(1000) },
    PacketSize.Regular,
    systemRandom,
  )[0],
);
const { plaintext } = buildRegularPlaintext(crypto, systemRandom, {
  surbAck,
  recipientEncryptionKey: publicKey,
  fragment,
  packetType: PacketType.Mix,
});
const body = plaintext.subarray(405);

Deno.bench(`seal one regular packet plaintext (${crypto.name})`, () => {
  buildRegularPlaintext(crypto, systemRandom, {
    surbAck,
    recipientEncryptionKey: publicKey,
    fragment,
    packetType: PacketType.Mix,
  });
});

Deno.bench(`open and parse one received body (${crypto.name})`, () => {
  const opened = openReceivedBody(crypto, body, { encryptionSecretKey: secret });
  if (opened.kind === "fragment") decodeFragment(opened.fragment);
});

const big = { kind: "plain", message: systemRandom(1_000_000) } as const;

Deno.bench("pad, split and reassemble a 1 MB message", () => {
  const r = new MessageReconstructor();
  let done = false;
  for (const f of prepareFragments(big, PacketSize.Regular, systemRandom)) {
    done = r.insert(f, 0).status === "complete";
  }
  if (!done) throw new Error("not reassembled");
});
