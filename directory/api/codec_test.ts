import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import { BincodeError, BincodeReader, BincodeWriter } from "./bincode.ts";
import {
  BINCODE_CONTENT_TYPE,
  decodeResponseBody,
  decodeRewardedSetBincode,
  decodeSemiSkimmedNodesBincode,
  decodeSkimmedNodesBincode,
  encodeRewardedSetBincode,
  encodeSemiSkimmedNodesBincode,
  encodeSkimmedNodesBincode,
  ResponseDecodeError,
  SKIMMED_NODES_CODEC,
} from "./codec.ts";
import type { SkimmedNode } from "./models.ts";
import { SkimmedNode as SkimmedNodeSchema } from "./models.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) =>
  new Uint8Array(s.replace(/\s+/g, "").match(/../g)!.map((h) => parseInt(h, 16)));

// The gateway of /work/notes/wasm-client.md §2.7, accepted by the real client.
const GATEWAY: SkimmedNode = {
  node_id: 1,
  ed25519_identity_pubkey: "CV2oQKsG5RqNeP6ZvuXgKx5LxHKCGvNRij5hgVuvGHRN",
  ip_addresses: ["127.0.0.1"],
  mix_port: 1789,
  x25519_sphinx_pubkey: "J1Fq4WRzfAnh9xqhPUeb83X1mQ5e6qb923B5E5NGfzN9",
  role: "EntryGateway",
  supported_roles: { mixnode: false, entry: true, exit_nr: true, exit_ipr: true },
  entry: { hostname: null, ws_port: 18081, wss_port: null },
  performance: "1",
};
const GATEWAY_HEX = `
01 2c 43 56 32 6f 51 4b 73 47 35 52 71 4e 65 50 36 5a 76 75 58 67 4b 78 35 4c 78 48 4b 43 47 76 4e 52 69 6a 35 68 67 56
75 76 47 48 52 4e 01 00 7f 00 00 01 fb fd 06 2c 4a 31 46 71 34 57 52 7a 66 41 6e 68 39 78 71 68 50 55 65 62 38 33 58 31
6d 51 35 65 36 71 62 39 32 33 42 35 45 35 4e 47 66 7a 4e 39 01 00 01 01 01 01 00 fb a1 46 00 01 31`;

const page = (data: SkimmedNode[]) => ({
  metadata: {
    status: null,
    absolute_epoch_id: 100,
    rotation_id: 4,
    refreshed_at: "2026-11-21T22:33:14Z",
  },
  nodes: { pagination: { total: data.length, page: 0, size: data.length }, data },
});

Deno.test("bincode varints use the fb/fc/fd prefixes", () => {
  const w = new BincodeWriter();
  for (const n of [0, 250, 251, 65535, 65536, 2 ** 32 - 1, 2 ** 32]) w.varint(n);
  assertEquals(
    hex(w.bytes()),
    "00" + "fa" + "fbfb00" + "fbffff" + "fc00000100" + "fcffffffff" + "fd0000000001000000",
  );
  const r = new BincodeReader(w.bytes());
  assertEquals(
    [0, 1, 2, 3, 4, 5, 6].map(() => r.varint(2 ** 40)),
    [0, 250, 251, 65535, 65536, 2 ** 32 - 1, 2 ** 32],
  );
  r.finish();
});

Deno.test("the gateway node encodes to the 113 bytes the real client accepted", () => {
  const bytes = encodeSkimmedNodesBincode(page([GATEWAY]));
  assertEquals(bytes.length, 141);
  assertEquals(
    hex(bytes.subarray(0, 28)),
    "006404" + "14" + hex(new TextEncoder().encode("2026-11-21T22:33:14Z")) + "010001" + "01",
  );
  assertEquals(hex(bytes.subarray(28)), hex(unhex(GATEWAY_HEX)));
  assertEquals(decodeSkimmedNodesBincode(bytes), page([GATEWAY]));
});

Deno.test("a layer-1 mixnode differs only after the sphinx key", () => {
  const mix: SkimmedNode = {
    ...GATEWAY,
    role: { Mixnode: { layer: 1 } },
    supported_roles: { mixnode: true, entry: false, exit_nr: false, exit_ipr: false },
    entry: null,
    performance: "0.95",
  };
  const bytes = encodeSkimmedNodesBincode(page([mix]));
  assertEquals(hex(bytes.subarray(bytes.length - 12)), "0001" + "01000000" + "00" + "04302e3935");
  assertEquals(decodeSkimmedNodesBincode(bytes).nodes.data[0], mix);
});

Deno.test("IPv6 addresses, hostnames, statuses and noise keys round-trip", () => {
  const node: SkimmedNode = {
    ...GATEWAY,
    ip_addresses: ["2001:db8::1", "10.0.0.1"],
    entry: { hostname: "gw.example", ws_port: 9000, wss_port: 9001 },
  };
  const semi = {
    metadata: { ...page([]).metadata, status: "no-updates" as const },
    nodes: {
      pagination: { total: 1, page: 0, size: 1 },
      data: [{
        basic: node,
        x25519_noise_versioned_key: {
          supported_version: 1,
          x25519_pubkey: GATEWAY.x25519_sphinx_pubkey,
        },
      }],
    },
  };
  assertEquals(decodeSemiSkimmedNodesBincode(encodeSemiSkimmedNodesBincode(semi)), semi);
});

Deno.test("trailing bytes, truncation and bad tags are BincodeErrors", () => {
  const good = encodeSkimmedNodesBincode(page([GATEWAY]));
  const trailing = new Uint8Array([...good, 0]);
  assertThrows(() => decodeSkimmedNodesBincode(trailing), BincodeError, "remaining");
  for (let cut = 0; cut < good.length; cut += 7) {
    assertThrows(() => decodeSkimmedNodesBincode(good.subarray(0, cut)), BincodeError);
  }
  const badOption = good.slice();
  badOption[0] = 7;
  assertThrows(() => decodeSkimmedNodesBincode(badOption), BincodeError, "option");
});

Deno.test("rewarded set bincode round-trips", () => {
  const set = {
    epoch_id: 300,
    entry_gateways: [1],
    exit_gateways: [2],
    layer1: [3, 6],
    layer2: [4],
    layer3: [5],
    standby: [],
  };
  const bytes = encodeRewardedSetBincode(set);
  assertEquals(hex(bytes.subarray(0, 3)), "fb2c01");
  assertEquals(decodeRewardedSetBincode(bytes), set);
});

Deno.test("decodeResponseBody picks the decoder from the content type only", () => {
  const bincode = encodeSkimmedNodesBincode(page([GATEWAY]));
  assertEquals(
    decodeResponseBody(bincode, `${BINCODE_CONTENT_TYPE}; charset=x`, SKIMMED_NODES_CODEC),
    page([GATEWAY]),
  );
  const json = new TextEncoder().encode(JSON.stringify(page([GATEWAY])));
  assertEquals(decodeResponseBody(json, "text/plain", SKIMMED_NODES_CODEC), page([GATEWAY]));
  assertEquals(decodeResponseBody(json, null, SKIMMED_NODES_CODEC).nodes.data[0].node_id, 1);
  assertThrows(
    () => decodeResponseBody(json, BINCODE_CONTENT_TYPE, SKIMMED_NODES_CODEC),
    ResponseDecodeError,
  );
  assertThrows(
    () => decodeResponseBody(new Uint8Array(), "application/json", SKIMMED_NODES_CODEC),
    ResponseDecodeError,
    "empty",
  );
  const numeric = JSON.stringify(page([{ ...GATEWAY, performance: 0.9 as unknown as string }]));
  assertThrows(
    () => decodeResponseBody(new TextEncoder().encode(numeric), null, SKIMMED_NODES_CODEC),
    ResponseDecodeError,
    "performance",
  );
});

Deno.test("SkimmedNode JSON follows serde: role aliases, defaults, canonical IPs", () => {
  const parsed = SkimmedNodeSchema.parse({
    ...GATEWAY,
    role: "gateway",
    ip_addresses: ["0:0:0:0:0:0:0:1"],
    supported_roles: undefined,
    entry: undefined,
  });
  assertEquals(parsed.role, "EntryGateway");
  assertEquals(parsed.ip_addresses, ["::1"]);
  assertEquals(parsed.supported_roles.entry, false);
  assertEquals(parsed.entry, null);
  assertEquals(SkimmedNodeSchema.safeParse({ ...GATEWAY, performance: "100" }).success, false);
  assertEquals(SkimmedNodeSchema.safeParse({ ...GATEWAY, role: "Boss" }).success, false);
});
