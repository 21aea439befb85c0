/**
 * Bad input against a real entry-gateway process (`nym-node.md` §4.1–§4.6): malformed HTTP
 * upgrades, invalid WebSocket frames, oversize messages, garbage text and binary requests, wrong
 * keys, replayed, stale and forged `authenticateV2`, a packet flood and more connections than
 * the limit. Each is refused with its HTTP status or close code and counted in the node's
 * metrics, while a well-behaved client keeps sending into the mixnet and receiving from it the
 * whole time.
 */
import { assert, assertEquals, assertStringIncludes } from "../testing/asserts.ts";
import { createCryptoProvider, generateEd25519KeyPair, systemRandom } from "../crypto/mod.ts";
import { KeyRotation, type MixPacket, PacketType } from "../framing/mod.ts";
import {
  encodeClientBinaryRequest,
  parseServerResponse,
  serializeClientControlRequest,
} from "../gateway/protocol/mod.ts";
import { Opcode, RawClient, upgradeRequest } from "../gateway/websocket/_test_support.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { serveFakeNymApi } from "./support/fake_nym_api.ts";
import { GatewayTestClient } from "./support/gateway_client.ts";
import { type GatewayProcess, startGatewayProcess } from "./support/gateway_process.ts";
import { finalHopFrame, FrameSink, openMixnetLink } from "./support/mixnet_peer.ts";

const crypto = createCryptoProvider();
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_MESSAGE = 64 * 1024;
const MAX_CONNECTIONS = 48;
const MAX_PPS = 300;

function packetTo(port: number): MixPacket {
  return {
    nextHop: { ip: "127.0.0.1", port },
    packetType: PacketType.Mix,
    keyRotation: KeyRotation.Unknown,
    packet: systemRandom(2413),
  };
}

/** Shared with the well-behaved client's loop. */
interface GoodState {
  stopped: boolean;
  rounds: number;
  client: GatewayTestClient | null;
}

/**
 * The well-behaved client: in a loop until stopped, sends a packet into the mixnet (and waits
 * for the gateway's `send` reply) and receives a message the mixnet delivers to it.
 */
async function wellBehaved(
  gateway: GatewayProcess,
  sinkPort: number,
  state: GoodState,
): Promise<GatewayTestClient> {
  const client = await GatewayTestClient.connect({
    url: gateway.wsUrl,
    gatewayIdentity: gateway.identity,
    crypto,
  });
  await client.register();
  await client.claimBandwidth();
  state.client = client;
  const link = await openMixnetLink(gateway.hop.mixPort);
  try {
    while (!state.stopped) {
      const response = await client.forward(packetTo(sinkPort));
      assertEquals(response.type, "send", JSON.stringify(response));
      const text = `round-${state.rounds}`;
      await link.write([
        finalHopFrame(
          crypto,
          systemRandom,
          gateway.hop,
          client.identity!.publicKey,
          encoder.encode(text),
          sinkPort,
        ),
      ]);
      assertEquals(decoder.decode(await client.nextPushed()), text);
      state.rounds++;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    link.close();
  }
  return client;
}

/** Expects an error reply (containing `text`) and a close with `code`. */
async function expectRefused(client: GatewayTestClient, text: string, code = 1008) {
  const reply = await client.nextText();
  assertStringIncludes(reply, text);
  assertEquals((await client.closed).code, code, `close code after ${reply}`);
}

/** A clock `offsetMs` away from the system clock. */
function offsetClock(offsetMs: number): Clock {
  return {
    now: () => systemClock.now() + offsetMs,
    monotonic: () => systemClock.monotonic(),
  };
}

async function connect(gateway: GatewayProcess, clock?: Clock) {
  return await GatewayTestClient.connect({
    url: gateway.wsUrl,
    gatewayIdentity: gateway.identity,
    crypto,
    clock,
  });
}

Deno.test({
  name: "bad input is refused and counted; a well-behaved client is unaffected",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  await using sink = new FrameSink();
  await using api = serveFakeNymApi(() => [{ mixPort: sink.port }]);
  await using gateway = await startGatewayProcess({
    nymApiUrl: api.url,
    debug: {
      maximum_open_connections: MAX_CONNECTIONS,
      maximum_client_message_size: MAX_MESSAGE,
      maximum_client_packets_per_second: MAX_PPS,
    },
  });
  const state: GoodState = { stopped: false, rounds: 0, client: null };
  const good = wellBehaved(gateway, sink.port, state);
  good.catch(() => {}); // awaited below; a failure there fails the test
  // The hammering starts once the good client is up and running.
  for (let i = 0; i < 100 && state.rounds < 3; i++) await new Promise((r) => setTimeout(r, 50));
  assert(state.rounds >= 3, "the well-behaved client is running");
  try {
    await t.step("malformed HTTP upgrades get their 4xx, silence gets closed", async () => {
      const cases: [string | Uint8Array, number][] = [
        ["GET / HTTP/1.1\r\nHost: x\r\n\r\n", 426],
        [upgradeRequest("/", { "Sec-WebSocket-Version": "8" }), 426],
        [upgradeRequest("/", { "Sec-WebSocket-Key": null }), 400],
        [upgradeRequest("/", { "Sec-WebSocket-Key": "short" }), 400],
        [upgradeRequest("/", {}, "POST"), 405],
        [upgradeRequest("/", { "X-Filler": "a".repeat(9000) }), 431],
        ["\x16\x03\x01\x02\x00garbage\r\n\r\n", 400],
      ];
      for (const [request, status] of cases) {
        await using raw = await RawClient.connect(gateway.wsPort);
        await raw.send(request);
        const response = await raw.readResponse(3000);
        assertEquals(response.status, status, response.head);
        assert(await raw.waitEof(3000), "closed after the error response");
      }
      await using silent = await RawClient.connect(gateway.wsPort);
      assert(await silent.waitEof(4000), "a silent connection is closed (1.5 s upgrade timeout)");
    });

    await t.step("invalid frames and oversize messages close with 1002 / 1007 / 1009", async () => {
      const cases: [(raw: RawClient) => Promise<void>, number][] = [
        [(raw) => raw.sendFrame(Opcode.text, encoder.encode("{}"), { unmasked: true }), 1002],
        [(raw) => raw.sendFrame(Opcode.text, encoder.encode("{}"), { rsv: 4 }), 1002],
        // A frame with the reserved opcode 0x3, masked, empty.
        [(raw) => raw.send(new Uint8Array([0x83, 0x80, 1, 2, 3, 4])), 1002],
        [(raw) => raw.sendFrame(Opcode.text, new Uint8Array([0xc3, 0x28])), 1007],
        [(raw) => raw.sendFrame(Opcode.binary, new Uint8Array(MAX_MESSAGE + 1)), 1009],
        [(raw) => raw.sendFrame(Opcode.text, new Uint8Array(4 * MAX_MESSAGE).fill(0x61)), 1009],
      ];
      for (const [send, code] of cases) {
        await using raw = await RawClient.connect(gateway.wsPort);
        assertEquals((await raw.upgrade()).status, 101);
        await send(raw);
        const close = await raw.nextClose(3000);
        assert(close.type === "close", `expected a close frame, got ${close.type}`);
        assertEquals(close.code, code, close.reason);
      }
    });

    await t.step("garbage first requests are refused with an error and 1008", async () => {
      const firsts: [string | Uint8Array, string][] = [
        ["garbage", "error"],
        ['{"type":"nonsense"}', "error"],
        ['{"type":"claimFreeTestnetBandwidth"}', "Only 'Register' or 'Authenticate'"],
        [systemRandom(2451), "without prior authentication"],
        ['{"type":"handshakePayload","protocol_version":6,"data":[1,2,3]}', "malformed"],
        ['{"type":"authenticate","address":"x","enc_address":"y","iv":"z"}', "legacy"],
      ];
      for (const [first, text] of firsts) {
        const client = await connect(gateway);
        client.sendRaw(first);
        await expectRefused(client, text);
      }
    });

    await t.step("replayed, stale, forged and wrong-key authenticateV2 are refused", async () => {
      const registered = await connect(gateway);
      const { sharedKey } = await registered.register();
      const identity = registered.identity!;
      await registered.close();
      // A valid request, used once.
      const first = await connect(gateway);
      const request = first.authenticationRequest(identity, sharedKey);
      first.sendRaw(serializeClientControlRequest(request));
      assertEquals(parseServerResponse(await first.nextText()).type, "authenticate");
      await first.close();

      const replay = await connect(gateway);
      replay.sendRaw(serializeClientControlRequest(request));
      await expectRefused(replay, "smaller or equal to one previously used");

      const stale = await connect(gateway, offsetClock(-10 * 60_000));
      stale.sendRaw(
        serializeClientControlRequest(stale.authenticationRequest(identity, sharedKey)),
      );
      await expectRefused(stale, "excessively skewed");

      const wrongKey = await connect(gateway);
      wrongKey.sendRaw(
        serializeClientControlRequest(wrongKey.authenticationRequest(identity, systemRandom(32))),
      );
      await expectRefused(wrongKey, "address ciphertext");

      const forged = await connect(gateway);
      const real = forged.authenticationRequest(identity, sharedKey);
      forged.sendRaw(
        serializeClientControlRequest({
          ...real,
          requestUnixTimestamp: real.requestUnixTimestamp + 1,
        }),
      );
      await expectRefused(forged, "signature");

      const stranger = await connect(gateway);
      const nobody = generateEd25519KeyPair();
      stranger.sendRaw(
        serializeClientControlRequest(stranger.authenticationRequest(nobody, sharedKey)),
      );
      await expectRefused(stranger, "not registered");

      // A second session for the live, well-behaved client: the live one answers the ping, so
      // the newcomer is refused and the live one is kept.
      const live = state.client!;
      const duplicate = await connect(gateway);
      duplicate.sendRaw(
        serializeClientControlRequest(
          duplicate.authenticationRequest(live.identity!, live.sharedKey!),
        ),
      );
      await expectRefused(duplicate, "already an open connection");
    });

    await t.step(
      "an authenticated client: bad requests get errors, a flood gets closed",
      async () => {
        const client = await connect(gateway);
        await client.register();
        await client.claimBandwidth();
        client.sendRaw("{not json");
        assertEquals((await client.nextResponse()).type, "error");
        // Binary requests sealed with another key, or truncated, are answered with an error.
        client.sendRaw(
          encodeClientBinaryRequest(1, packetTo(sink.port), systemRandom(32), systemRandom),
        );
        assertStringIncludes(await client.nextText(), "error");
        client.sendRaw(new Uint8Array([1, 1, 2, 3]));
        assertStringIncludes(await client.nextText(), "error");
        // So is an encrypted control request that does not decrypt.
        client.sendRaw(
          serializeClientControlRequest({
            type: "encryptedRequest",
            ciphertext: systemRandom(48),
            nonce: systemRandom(12),
          }),
        );
        assertStringIncludes(await client.nextText(), "failed to decrypt");
        // The session survived all that.
        assertEquals((await client.forward(packetTo(sink.port))).type, "send");
        // An authentication inside a session is illegal, and answered as such.
        client.sendRaw(
          serializeClientControlRequest(
            client.authenticationRequest(client.identity!, client.sharedKey!),
          ),
        );
        assertStringIncludes(await client.nextText(), "illegal");
        assertEquals((await client.forward(packetTo(sink.port))).type, "send");
        // Over the packets-per-second limit: closed with 1008.
        for (let i = 0; i < 2 * MAX_PPS; i++) client.forwardNoWait(packetTo(sink.port));
        assertEquals((await client.closed).code, 1008);
      },
    );

    await t.step("connections beyond the limit are closed at once", async () => {
      const raws: RawClient[] = [];
      let refused = 0;
      try {
        for (let i = 0; i < MAX_CONNECTIONS + 10; i++) {
          const raw = await RawClient.connect(gateway.wsPort);
          raws.push(raw);
          try {
            const response = await raw.upgrade(upgradeRequest(), 3000);
            assertEquals(response.status, 101);
          } catch {
            // Closed without an answer: over the limit.
            refused++;
          }
        }
        // The good client holds one slot; at least the 10 extra connections were refused.
        assert(refused >= 11, `refused ${refused}`);
        // While the gateway is full, the good client keeps working.
        const before = state.rounds;
        await new Promise((r) => setTimeout(r, 500));
        assert(state.rounds > before, "the good client made progress while the gateway was full");
      } finally {
        for (const raw of raws) await raw.close();
      }
      // Slots are freed once those connections are gone.
      let fresh: GatewayTestClient | null = null;
      for (let attempt = 0; attempt < 50 && !fresh; attempt++) {
        try {
          fresh = await connect(gateway);
          await fresh.register();
        } catch {
          fresh = null;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert(fresh, "a new client can connect again");
      await fresh.close();
    });
  } finally {
    state.stopped = true;
  }
  const client = await good;
  try {
    assert(state.rounds >= 20, `the well-behaved client completed only ${state.rounds} rounds`);
    // Its packets and the SURB-acks of the messages it received all reached the mixnet.
    assert(await sink.waitFor(2 * state.rounds, 5000), "what it sent reached the mixnet");
  } finally {
    await client.close();
  }
  const metrics = await gateway.metrics();
  const get = (name: string) => metrics.get(name) ?? -1;
  assertEquals(get('nym_node_entry_client_packets{outcome="flood_closed"}'), 1);
  assert(get('nym_node_entry_client_packets{outcome="malformed"}') >= 4);
  assert(get('nym_node_entry_client_authentications{outcome="refused"}') >= 11);
  assert(get('nym_node_entry_client_websocket_upgrades{outcome="handshake_failed"}') >= 7);
  assert(get('nym_node_entry_client_websocket_upgrades{outcome="handshake_timed_out"}') >= 1);
  assert(get('nym_node_entry_client_websocket_upgrades{outcome="refused_over_limit"}') >= 11);
  assert(get('nym_node_entry_client_websocket_upgrades{outcome="frame_error"}') >= 6);
});
