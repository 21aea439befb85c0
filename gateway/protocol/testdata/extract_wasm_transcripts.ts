/**
 * Regenerates `wasm_client_transcripts.ts` from the harness logs of the real wasm client
 * (`/work/notes/harness/logs/`, see `/work/notes/wasm-client.md` §5):
 *
 * ```sh
 * deno run --allow-read gateway/protocol/testdata/extract_wasm_transcripts.ts [logs dir] \
 *   > gateway/protocol/testdata/wasm_client_transcripts.ts && deno fmt gateway/protocol/testdata/
 * ```
 *
 * Development tool; not imported by the tests.
 *
 * @module
 */
const dir = (Deno.args[0] ?? "/work/notes/harness/logs").replace(/\/?$/, "/");
function texts(file: string, dirn: string): string[] {
  const out: string[] = [];
  for (const line of Deno.readTextFileSync(dir + file).split("\n")) {
    const m = line.match(new RegExp(`WS#\\d ${dirn} text (\\{.*)$`));
    if (m) out.push(m[1]);
  }
  return out;
}
function field(file: string, re: RegExp): string {
  const m = Deno.readTextFileSync(dir + file).match(re);
  if (!m) throw new Error(`${file}: ${re}`);
  return m[1];
}
const runs = [
  { name: "echo", gw: "echo", client: "client-loopback.log", net: "network-loopback.log" },
  {
    name: "proto5",
    gw: "5",
    client: "client-loopback-proto5.log",
    net: "network-loopback-proto5.log",
  },
];
const complete = (s: string) => s.endsWith("}");
let ts = "";
for (const r of runs) {
  const netC2g = texts(r.net, "=>"), cliC2g = texts(r.client, "=>");
  const cliG2c = texts(r.client, "<="), netG2c = texts(r.net, "<=");
  const c2g = netC2g.map((s, i) => complete(s) ? s : cliC2g[i]);
  const g2c = cliG2c.map((s, i) => {
    if (complete(s)) return s;
    if (complete(netG2c[i])) return netG2c[i];
    if (s.endsWith("]...")) return s.slice(0, -3) + "}"; // only the closing brace was cut
    throw new Error("truncated " + s.slice(0, 80));
  });
  for (const s of [...c2g, ...g2c]) JSON.parse(s);
  const plainHead = field(r.net, /plaintext head: ([0-9a-f]+)/);
  ts += `  {
    name: ${JSON.stringify(r.name)},
    fakeGatewayProtocol: ${JSON.stringify(r.gw)},
    sharedKeyHex: ${
    JSON.stringify(field(r.net, /derived shared key \(HKDF-BLAKE3\) = ([0-9a-f]+)/))
  },
    clientAddress: ${JSON.stringify(field(r.net, /init: client_id=(\S+)/))},
    clientEphemeralHex: ${JSON.stringify(field(r.net, /client_eph=([0-9a-f]+)/))},
    saltHex: ${JSON.stringify(field(r.net, /salt\(16\)=([0-9a-f]+)/))},
    clientToGateway: ${JSON.stringify(c2g, null, 6).replace(/\n\s*\]$/, "\n    ]")},
    gatewayToClient: ${JSON.stringify(g2c, null, 6).replace(/\n\s*\]$/, "\n    ]")},
    firstFrameLength: ${field(r.net, /=> binary #1 (\d+)B/)},
    firstFrameKind: ${field(r.net, /=> binary #1 \d+B: kind=(\d)/)},
    firstFrameNonceHex: ${JSON.stringify(field(r.net, /=> binary #1 .* nonce=([0-9a-f]+)/))},
    firstFramePlaintextLength: ${field(r.net, /plaintext (\d+)B: packet_type/)},
    firstFramePlaintextHeadHex: ${JSON.stringify(plainHead)},
    pushedFrameLengths: [${
    [
      ...Deno.readTextFileSync(dir + r.net).matchAll(
        /PushedMixMessage \(\w+\) plaintext=(\d+)B frame=(\d+)B/g,
      ),
    ].map((m) => `[${m[1]}, ${m[2]}]`).join(", ")
  }],
  },
`;
}
const header = `/**
 * What the real wasm client (\`@nymproject/nym-client-wasm-node@1.4.1\`, nym commit b4046a89) sent
 * and accepted over its gateway WebSockets, extracted verbatim from the harness runs in
 * \`/work/notes/harness/logs/\` (\`{client,network}-loopback.log\`: fake gateway echoing the client's
 * protocol version; \`*-proto5.log\`: fake gateway answering 5). See \`/work/notes/wasm-client.md\` §3.
 *
 * Each run is one fresh client: WS#1 (supportedProtocol, three handshake payloads), WS#2
 * (supportedProtocol, authenticateV2). \`sharedKeyHex\` is the key the fake gateway derived and the
 * client accepted. Where one log truncated a line the other log's copy is used; the proto5
 * gateway material lost only its closing brace to truncation, which is restored here.
 *
 * Test data only.
 *
 * @module
 */

/** One recorded client session. */
export interface WasmClientTranscript {
  readonly name: string;
  /** The fake gateway's \`--gw-proto\` setting. */
  readonly fakeGatewayProtocol: string;
  readonly sharedKeyHex: string;
  readonly clientAddress: string;
  readonly clientEphemeralHex: string;
  readonly saltHex: string;
  /** Text frames client → gateway, in order. */
  readonly clientToGateway: readonly string[];
  /** Text frames gateway → client, in order (the binary pushes are not included). */
  readonly gatewayToClient: readonly string[];
  readonly firstFrameLength: number;
  readonly firstFrameKind: number;
  readonly firstFrameNonceHex: string;
  readonly firstFramePlaintextLength: number;
  /** The first 48 decrypted bytes of the first binary request. */
  readonly firstFramePlaintextHeadHex: string;
  /** [plaintext, frame] lengths of the gateway's PushedMixMessage frames the client accepted. */
  readonly pushedFrameLengths: readonly (readonly [number, number])[];
}

/** The fake gateway's identity (\`sha256("fake-gateway-identity")\` as the Ed25519 seed). */
export const FAKE_GATEWAY_IDENTITY = "CV2oQKsG5RqNeP6ZvuXgKx5LxHKCGvNRij5hgVuvGHRN";

/** The recorded runs. */
export const WASM_CLIENT_TRANSCRIPTS: readonly WasmClientTranscript[] = [
`;
console.log(header + ts + "];");
