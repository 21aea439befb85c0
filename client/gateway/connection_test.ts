/**
 * Bandwidth top-ups of {@linkcode GatewayConnection} against a scripted gateway on loopback that
 * speaks the real protocol (`authenticateV2`, free claims, sealed `ecashCredential` requests):
 * free bandwidth where it is free, tickets where zk-nyms are enforced, retries after
 * `ticket_replay`, and clear errors when no bandwidth can be had.
 */
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "../../testing/asserts.ts";
import { createNobleProvider } from "../../crypto/backends/noble.ts";
import { generateEd25519KeyPair } from "../../crypto/ed25519.ts";
import { seededRandom } from "../../crypto/random.ts";
import { systemClock } from "../../util/clock.ts";
import type { MixPacket } from "../../framing/mod.ts";
import {
  authenticateResponse,
  bandwidthResponse,
  decryptEcashCredential,
  encodePushedMixMessage,
  errorResponse,
  MIXNET_ENTRY_TICKET_BANDWIDTH,
  ONLY_ZK_NYMS_MESSAGE,
  parseClientControlRequest,
  sendResponse,
  serializeServerResponse,
  supportedProtocolResponse,
  ticketReplayResponse,
  verifyAuthenticateV2,
} from "../../gateway/protocol/mod.ts";
import { BandwidthError, TicketsUnavailableError } from "../errors.ts";
import type { TicketSource } from "../tickets.ts";
import { type ConnectOptions, GatewayConnection } from "./connection.ts";

const crypto = createNobleProvider();

type TicketAnswer = "accept" | "replay" | "refuse";

interface ScriptedGateway {
  readonly url: string;
  /** Decrypted credentials received, in order. */
  readonly credentials: Uint8Array[];
  /** Free claims received. */
  readonly freeClaims: number;
  close(): Promise<void>;
}

/** A gateway that knows one client key and answers bandwidth requests from a script. */
function scriptedGateway(
  sharedKey: Uint8Array,
  options: {
    enforce: boolean;
    initialBandwidth: number;
    tickets?: TicketAnswer[];
    sendRemaining?: number;
    /** Frames pushed before the authenticate reply, as a gateway drains a mailbox. */
    stored?: Uint8Array[];
  },
): ScriptedGateway {
  const answers = [...(options.tickets ?? [])];
  const state = { credentials: [] as Uint8Array[], freeClaims: 0 };
  let available = options.initialBandwidth;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    const send = (r: Parameters<typeof serializeServerResponse>[0]) =>
      socket.send(serializeServerResponse(r));
    let authenticated = false;
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") {
        send(sendResponse(options.sendRemaining ?? available));
        return;
      }
      const request = parseClientControlRequest(event.data);
      switch (request.type) {
        case "supportedProtocol":
          return send(supportedProtocolResponse());
        case "authenticateV2": {
          const verdict = verifyAuthenticateV2(request, {
            clock: systemClock,
            lookupClient: () => ({ sharedKey, lastAuthentication: null }),
          });
          assert(verdict.ok);
          authenticated = true;
          for (const frame of options.stored ?? []) socket.send(frame);
          return send(authenticateResponse(verdict.protocolVersion, available));
        }
        case "claimFreeTestnetBandwidth":
          assert(authenticated);
          state.freeClaims++;
          if (options.enforce) return send(errorResponse(ONLY_ZK_NYMS_MESSAGE));
          available += 1_000_000_000;
          return send(bandwidthResponse(available));
        case "ecashCredential": {
          state.credentials.push(decryptEcashCredential(request, sharedKey));
          const answer = answers.shift() ?? "accept";
          if (answer === "replay") return send(ticketReplayResponse());
          if (answer === "refuse") return send(errorResponse("the ticket failed to verify"));
          available += MIXNET_ENTRY_TICKET_BANDWIDTH;
          return send(bandwidthResponse(available));
        }
        default:
          return send(errorResponse(`unexpected ${request.type}`));
      }
    };
    return response;
  });
  return {
    url: `ws://127.0.0.1:${server.addr.port}/`,
    credentials: state.credentials,
    get freeClaims() {
      return state.freeClaims;
    },
    close: () => server.shutdown(),
  };
}

/** Hands out numbered fake credentials (the gateway only decrypts them here). */
function countingTickets(): TicketSource & { handedOut: number } {
  const source = {
    handedOut: 0,
    nextCredential(gatewayIdentity: Uint8Array) {
      assertEquals(gatewayIdentity.length, 32);
      source.handedOut++;
      return Promise.resolve(new Uint8Array([0xec, source.handedOut]));
    },
  };
  return source;
}

function options(url: string, sharedKey: Uint8Array, extra: Partial<ConnectOptions> = {}) {
  const random = seededRandom(new Uint8Array(32).fill(9));
  return {
    url,
    gatewayIdentity: generateEd25519KeyPair(random).publicKey,
    identity: generateEd25519KeyPair(random),
    crypto,
    random,
    timeoutMs: 5000,
    sharedKey,
    clock: systemClock,
    onMessage: () => {},
    ...extra,
  } satisfies ConnectOptions;
}

const KEY = new Uint8Array(32).fill(3);

Deno.test("gateway connection: free bandwidth is claimed where it is free, no ticket spent", async () => {
  const gateway = scriptedGateway(KEY, { enforce: false, initialBandwidth: 0 });
  const tickets = countingTickets();
  try {
    const connection = await GatewayConnection.connect(options(gateway.url, KEY, { tickets }));
    assertEquals(connection.bandwidth, 1_000_000_000);
    assertEquals([gateway.freeClaims, tickets.handedOut], [1, 0]);
    assert(!connection.ticketsRequired);
    connection.close();
  } finally {
    await gateway.close();
  }
});

Deno.test("gateway connection: an enforcing gateway without tickets is a clear BandwidthError", async () => {
  const gateway = scriptedGateway(KEY, { enforce: true, initialBandwidth: 0 });
  try {
    const error = await assertRejects(
      () => GatewayConnection.connect(options(gateway.url, KEY)),
      BandwidthError,
    );
    assertStringIncludes(error.message, "accepts only zk-nym tickets");
    assertStringIncludes(error.message, ONLY_ZK_NYMS_MESSAGE);
  } finally {
    await gateway.close();
  }
});

Deno.test("gateway connection: spends a ticket, and a fresh one after ticket_replay", async () => {
  const gateway = scriptedGateway(KEY, {
    enforce: true,
    initialBandwidth: 0,
    tickets: ["replay", "accept"],
  });
  const tickets = countingTickets();
  const spent: number[] = [];
  try {
    const connection = await GatewayConnection.connect(
      options(gateway.url, KEY, { tickets, onTicketSpent: (total) => spent.push(total) }),
    );
    assertEquals(connection.bandwidth, MIXNET_ENTRY_TICKET_BANDWIDTH);
    assert(connection.ticketsRequired);
    // What the gateway decrypted is what the wallet produced, one ticket per request.
    assertEquals(gateway.credentials, [new Uint8Array([0xec, 1]), new Uint8Array([0xec, 2])]);
    assertEquals(spent, [MIXNET_ENTRY_TICKET_BANDWIDTH]);
    connection.close();
  } finally {
    await gateway.close();
  }
});

Deno.test("gateway connection: a refused ticket or no ticket at all fails the connect", async () => {
  const refusing = scriptedGateway(KEY, {
    enforce: true,
    initialBandwidth: 0,
    tickets: ["refuse"],
  });
  try {
    const error = await assertRejects(
      () => GatewayConnection.connect(options(refusing.url, KEY, { tickets: countingTickets() })),
      BandwidthError,
    );
    assertStringIncludes(error.message, "refused the zk-nym ticket: the ticket failed to verify");
  } finally {
    await refusing.close();
  }
  const enforcing = scriptedGateway(KEY, { enforce: true, initialBandwidth: 0 });
  const empty: TicketSource = {
    nextCredential: () =>
      Promise.reject(new TicketsUnavailableError("no signer answered: connection refused")),
  };
  try {
    const error = await assertRejects(
      () => GatewayConnection.connect(options(enforcing.url, KEY, { tickets: empty })),
      BandwidthError,
    );
    assertStringIncludes(error.message, "none can be had: no signer answered");
    assertEquals(enforcing.credentials.length, 0);
  } finally {
    await enforcing.close();
  }
});

Deno.test("gateway connection: tops up mid-session below the threshold, reports failures once", async () => {
  const gateway = scriptedGateway(KEY, {
    enforce: true,
    initialBandwidth: MIXNET_ENTRY_TICKET_BANDWIDTH,
    tickets: ["accept", "refuse"],
    sendRemaining: 1000,
  });
  const tickets = countingTickets();
  const errors: BandwidthError[] = [];
  try {
    const connection = await GatewayConnection.connect(
      options(gateway.url, KEY, { tickets, onBandwidthError: (e) => errors.push(e) }),
    );
    assertEquals(tickets.handedOut, 0, "enough bandwidth at first");
    const packet: MixPacket = {
      nextHop: { ip: "127.0.0.1", port: 1789 },
      packetType: 0,
      keyRotation: 0,
      packet: new Uint8Array(2413), // a regular sphinx packet
    };
    connection.send(packet); // the reply reports 1000 bytes left: free claim, refused, a ticket
    const deadline = Date.now() + 5000;
    while (gateway.credentials.length < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals([gateway.freeClaims, gateway.credentials.length], [1, 1]);
    connection.send(packet); // low again: one more ticket, refused this time
    while (errors.length < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(errors.length, 1);
    assertStringIncludes(errors[0].message, "refused the zk-nym ticket");
    // Further low replies do not hammer the gateway while the retry back-off runs.
    connection.send(packet);
    connection.send(packet);
    await new Promise((r) => setTimeout(r, 100));
    assertEquals([gateway.freeClaims, gateway.credentials.length, errors.length], [1, 2, 1]);
    connection.close();
  } finally {
    await gateway.close();
  }
});

Deno.test("gateway connection: stored messages pushed before the authenticate reply are delivered", async () => {
  const random = seededRandom(new Uint8Array(32).fill(4));
  const messages = [new Uint8Array([1, 2, 3]), new Uint8Array(2000).fill(7)];
  const gateway = scriptedGateway(KEY, {
    enforce: false,
    initialBandwidth: 1_000_000_000,
    // Two stored messages and one frame that does not decrypt under the client's key.
    stored: [
      ...messages.map((m) => encodePushedMixMessage(m, KEY, random)),
      encodePushedMixMessage(new Uint8Array([9]), new Uint8Array(32).fill(5), random),
    ],
  });
  const received: Uint8Array[] = [];
  try {
    const connection = await GatewayConnection.connect(
      options(gateway.url, KEY, { onMessage: (m) => received.push(m) }),
    );
    assertEquals(received, messages);
    assertEquals(connection.badFrames, 1);
    connection.close();
  } finally {
    await gateway.close();
  }
});
