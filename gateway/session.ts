/**
 * One client's WebSocket session at the entry gateway (`nym-node.md` §4.1–§4.6,
 * `/work/notes/wasm-client.md` for what the real client does): the first message (protocol query,
 * registration handshake or `authenticateV2`), the duplicate-session rule, delivery of stored
 * messages, then the authenticated loop (encrypted MixPackets in, text control requests, pushed
 * messages out).
 *
 * The logic talks to a {@linkcode ClientSocket} and a message iterator, so it runs unchanged over
 * the WebSocket server or in-memory test sockets. Every malformed input gets an error reply and,
 * where the protocol says so, a close; nothing a client sends can affect other sessions.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import type { CryptoProvider } from "../crypto/provider.ts";
import type { RandomSource } from "../crypto/random.ts";
import type { Ed25519KeyPair } from "../crypto/ed25519.ts";
import { encodeBase58 } from "../crypto/base58.ts";
import type { Clock } from "../util/clock.ts";
import type { MixPacket } from "../framing/mod.ts";
import {
  authenticateResponse,
  bandwidthResponse,
  chargeBandwidth,
  claimFreeTestnetBandwidth,
  type ClientControlRequest,
  decodeClientBinaryRequest,
  decodeHandshakeInit,
  decryptClientRequest,
  decryptEcashCredential,
  effectiveBandwidth,
  encodePushedMixMessage,
  encryptSensitiveResponse,
  errorResponse,
  GatewayErrorMessage,
  GatewayHandshake,
  GatewayProtocolError,
  grantTicketBandwidth,
  HANDSHAKE_STEP_TIMEOUT_MS,
  HandshakeError,
  illegalRequestMessage,
  malformedBinaryRequestMessage,
  malformedTextRequestMessage,
  outOfBandwidthResponse,
  packetBandwidthCost,
  parseClientControlRequest,
  registerResponse,
  sendResponse,
  serializeHandshakeError,
  serializeServerResponse,
  type ServerResponse,
  supportedProtocolResponse,
  ticketReplayResponse,
  verifyAuthenticateV2,
  type ZkNymTicketVerifier,
} from "./protocol/mod.ts";
import type { ActiveClient, ActiveClients, DeliveryResult } from "./active_clients.ts";
import type { BandwidthLedger } from "./bandwidth_ledger.ts";
import type { ClientStore } from "./storage/clients.ts";
import type { Mailbox } from "./storage/mailbox.ts";
import type { MailboxWriter } from "./mailbox_writer.ts";
import { type ClientSocket, CloseCode, type IncomingMessage } from "./socket.ts";

/** Limits and timeouts of a session. */
export interface SessionLimits {
  /** Time allowed for the first message (nym-node: 10 s). */
  readonly firstMessageTimeoutMs: number;
  /** Time allowed for each registration-handshake step (nym-node: 5 s). */
  readonly handshakeStepTimeoutMs: number;
  /** Largest text frame parsed. */
  readonly maxTextLength: number;
  /** Stored messages sent per page on (re)connection (nym-node: 100). */
  readonly retrievalPageSize: number;
  /** Largest accepted |request timestamp − now| for `authenticateV2`. */
  readonly maxRequestSkewMs: number;
  /** Bytes queued towards the client beyond which pushes go to the mailbox instead. */
  readonly maxSendQueueBytes: number;
  /** Packets per second a session may send (token bucket over one second); 0 = unlimited. */
  readonly maxPacketsPerSecond: number;
  /** How long the old session of a duplicate gets to answer a ping (nym-node: 1 s). */
  readonly duplicatePingTimeoutMs: number;
}

/** Defaults matching nym-node where it has them. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  firstMessageTimeoutMs: 10_000,
  handshakeStepTimeoutMs: HANDSHAKE_STEP_TIMEOUT_MS,
  maxTextLength: 256 * 1024,
  retrievalPageSize: 100,
  maxRequestSkewMs: 120_000,
  maxSendQueueBytes: 4 * 1024 * 1024,
  maxPacketsPerSecond: 5_000,
  duplicatePingTimeoutMs: 1_000,
};

/** Session counters an operator sees. */
export interface SessionCounters {
  sessionsStarted: number;
  sessionsFinished: number;
  registrations: number;
  authentications: number;
  refused: number;
  packetsForwarded: number;
  /** Packets refused by the routing filter or a full next-hop queue. */
  packetsNotForwarded: number;
  packetsOutOfBandwidth: number;
  malformedRequests: number;
  storedMessagesDelivered: number;
  pushed: number;
  floodsClosed: number;
}

/** What a session needs from the gateway. */
export interface SessionDeps {
  readonly identity: Ed25519KeyPair;
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  readonly clock: Clock;
  readonly clients: ClientStore;
  readonly mailbox: Mailbox;
  readonly mailboxWriter: MailboxWriter;
  readonly ledger: BandwidthLedger;
  readonly active: ActiveClients;
  /** Sends a client's packet into the mixnet; false when it had to be dropped. */
  readonly forward: (packet: MixPacket) => boolean;
  readonly enforceZkNyms: boolean;
  /** zk-nym ticket verification; without it `ecashCredential` requests are refused. */
  readonly ticketVerifier?: ZkNymTicketVerifier;
  readonly limits: SessionLimits;
  readonly counters: SessionCounters;
  readonly log: Logger;
  /**
   * Clients of this node itself (the embedded network requester), identified by address and
   * peer: exempt from bandwidth accounting, zk-nym enforcement and the packet rate limit.
   */
  readonly isTrustedClient?: (address: string, peer: string) => boolean;
}

/** Bandwidth reported to trusted local clients (they are never charged), 1 TiB. */
export const TRUSTED_CLIENT_BANDWIDTH = 2 ** 40;

/** A session's identity once registered or authenticated. */
interface Established {
  readonly address: string;
  readonly clientId: number;
  readonly sharedKey: Uint8Array;
  readonly protocolVersion: number;
  readonly sessionTimestamp: number;
}

class SessionEnded extends Error {
  override name = "SessionEnded";
}

/** Reads messages with per-read timeouts. */
class Reader {
  readonly #it: AsyncIterator<IncomingMessage>;
  #pending: Promise<IteratorResult<IncomingMessage>> | null = null;

  constructor(it: AsyncIterator<IncomingMessage>) {
    this.#it = it;
  }

  /** The next message, `null` when the connection ended, `"timeout"` when none came in time. */
  async next(timeoutMs?: number): Promise<IncomingMessage | null | "timeout"> {
    this.#pending ??= this.#it.next();
    const pending = this.#pending;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const result = timeoutMs === undefined ? await pending : await Promise.race([
        pending,
        new Promise<"timeout">((resolve) =>
          timer = setTimeout(() => resolve("timeout"), timeoutMs)
        ),
      ]);
      if (result === "timeout") return "timeout";
      this.#pending = null;
      return result.done ? null : result.value;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Runs a session until the connection ends. Never throws for anything the client does.
 *
 * @example
 * ```ts no-eval
 * await runClientSession(socket, socketMessages[Symbol.asyncIterator](), deps);
 * ```
 */
export async function runClientSession(
  socket: ClientSocket,
  messages: AsyncIterator<IncomingMessage>,
  deps: SessionDeps,
): Promise<void> {
  deps.counters.sessionsStarted++;
  const session = new ClientSession(socket, new Reader(messages), deps);
  try {
    await session.run();
  } catch (e) {
    if (!(e instanceof SessionEnded)) {
      deps.log.error("client session from {peer} failed: {error}", {
        peer: socket.remoteAddress,
        error: (e as Error).message,
      });
      socket.close(CloseCode.internalError, "internal error");
    }
  } finally {
    session.end();
    deps.counters.sessionsFinished++;
  }
}

class ClientSession {
  readonly #socket: ClientSocket;
  readonly #reader: Reader;
  readonly #d: SessionDeps;
  #established: Established | null = null;
  #activeEntry: ActiveClient | null = null;
  #trusted = false;
  #bucket = 0;
  #bucketStart = 0;

  constructor(socket: ClientSocket, reader: Reader, deps: SessionDeps) {
    this.#socket = socket;
    this.#reader = reader;
    this.#d = deps;
  }

  async #reply(response: ServerResponse): Promise<void> {
    try {
      await this.#socket.sendText(serializeServerResponse(response));
    } catch {
      throw new SessionEnded("send failed");
    }
  }

  /** Sends an error and closes: the protocol's answer to a fatal request. */
  async #refuse(message: string, code: number = CloseCode.policyViolation): Promise<never> {
    this.#d.counters.refused++;
    try {
      await this.#socket.sendText(serializeServerResponse(errorResponse(message)));
    } catch { /* the peer may already be gone */ }
    this.#socket.close(code, message.slice(0, 120));
    throw new SessionEnded(message);
  }

  async run(): Promise<void> {
    await this.#initial();
    await this.#authenticatedLoop();
  }

  /** Before authentication: only a protocol query, a registration or an authentication. */
  async #initial(): Promise<void> {
    for (;;) {
      const message = await this.#reader.next(this.#d.limits.firstMessageTimeoutMs);
      if (message === null) throw new SessionEnded("closed before authenticating");
      if (message === "timeout") return await this.#refuse(GatewayErrorMessage.initialTimeout);
      if (message.type === "binary") {
        return await this.#refuse(GatewayErrorMessage.binaryBeforeAuthentication);
      }
      let request: ClientControlRequest;
      try {
        request = parseClientControlRequest(message.data, {
          maxLength: this.#d.limits.maxTextLength,
        });
      } catch (e) {
        this.#d.counters.malformedRequests++;
        return await this.#refuse(malformedTextRequestMessage((e as Error).message));
      }
      switch (request.type) {
        case "supportedProtocol":
          await this.#reply(supportedProtocolResponse());
          continue;
        case "registerHandshakeInitRequest":
          return await this.#register(request.data, request.protocolVersion);
        case "authenticateV2":
          return await this.#authenticate(request);
        case "authenticate":
          return await this.#refuse(GatewayErrorMessage.legacyAuthentication);
        default:
          return await this.#refuse(GatewayErrorMessage.invalidInitialRequest);
      }
    }
  }

  async #handshakeError(error: HandshakeError): Promise<never> {
    this.#d.counters.refused++;
    try {
      await this.#socket.sendText(error.reply ?? serializeHandshakeError(error.message));
    } catch { /* gone */ }
    this.#socket.close(CloseCode.policyViolation, "handshake failed");
    throw new SessionEnded(error.message);
  }

  async #register(data: Uint8Array, proposedVersion: number | undefined): Promise<void> {
    let address: string;
    try {
      address = encodeBase58(decodeHandshakeInit(data).identity);
    } catch (e) {
      if (e instanceof HandshakeError) return await this.#handshakeError(e);
      throw e;
    }
    // Registration carries no signed timestamp, so a live session under this address always wins.
    await this.#resolveDuplicate(address, Number.POSITIVE_INFINITY);
    const handshake = new GatewayHandshake({
      identity: this.#d.identity,
      crypto: this.#d.crypto,
      random: this.#d.random,
      maxTextLength: this.#d.limits.maxTextLength,
    });
    try {
      await this.#sendRaw(handshake.begin({ data, protocolVersion: proposedVersion }));
      for (;;) {
        const message = await this.#reader.next(this.#d.limits.handshakeStepTimeoutMs);
        if (message === null) throw new SessionEnded("closed during the handshake");
        if (message === "timeout") {
          this.#d.counters.refused++;
          await this.#sendRaw(serializeHandshakeError("timed out waiting for a handshake message"))
            .catch(() => {});
          this.#socket.close(CloseCode.policyViolation, "handshake timed out");
          throw new SessionEnded("handshake timed out");
        }
        if (message.type !== "text") continue; // upstream drops non-text frames here
        const step = handshake.receive(message.data);
        if (step.kind === "ignored") continue;
        if (step.kind === "send") {
          await this.#sendRaw(step.message);
          continue;
        }
        if (step.message) await this.#sendRaw(step.message);
        const result = step.result;
        const clientId = this.#d.clients.register(result.clientAddress, result.sharedKey);
        this.#d.counters.registrations++;
        await this.#establish({
          address: result.clientAddress,
          clientId,
          sharedKey: result.sharedKey,
          protocolVersion: result.protocolVersion,
          sessionTimestamp: 0,
        });
        await this.#reply(registerResponse(result.protocolVersion));
        return;
      }
    } catch (e) {
      if (e instanceof HandshakeError) return await this.#handshakeError(e);
      throw e;
    }
  }

  async #sendRaw(text: string): Promise<void> {
    try {
      await this.#socket.sendText(text);
    } catch {
      throw new SessionEnded("send failed");
    }
  }

  async #authenticate(
    request: Extract<ClientControlRequest, { type: "authenticateV2" }>,
  ): Promise<void> {
    const clients = this.#d.clients;
    const verdict = verifyAuthenticateV2(request, {
      clock: this.#d.clock,
      maxTimestampSkewMs: this.#d.limits.maxRequestSkewMs,
      lookupClient: (address) => {
        const record = clients.get(address);
        return record
          ? { sharedKey: record.sharedKey, lastAuthentication: record.lastAuthentication }
          : null;
      },
    });
    if (!verdict.ok) {
      this.#d.log.info("refused authentication from {peer}: {reason}", {
        peer: this.#socket.remoteAddress,
        reason: verdict.reason,
      });
      return await this.#refuse(verdict.message);
    }
    await this.#resolveDuplicate(verdict.clientAddress, verdict.requestTimestamp);
    const record = clients.get(verdict.clientAddress);
    if (!record) return await this.#refuse("the client is no longer registered");
    clients.setLastAuthentication(verdict.clientAddress, verdict.requestTimestamp);
    this.#d.counters.authentications++;
    await this.#establish({
      address: verdict.clientAddress,
      clientId: record.id,
      sharedKey: verdict.sharedKey,
      protocolVersion: verdict.protocolVersion,
      sessionTimestamp: verdict.requestTimestamp,
    });
    const available = this.#trusted
      ? TRUSTED_CLIENT_BANDWIDTH
      : effectiveBandwidth(this.#d.ledger.get(record.id), this.#d.clock.now());
    await this.#reply(authenticateResponse(verdict.protocolVersion, available));
  }

  /**
   * The duplicate-connection rule (`nym-node.md` §4.4): a new session must be newer than the live
   * one; the live one is pinged, and only if it does not answer is it replaced. This also frees
   * clients that crashed from the "already connected" lock-out users complain about.
   */
  async #resolveDuplicate(address: string, newTimestamp: number): Promise<void> {
    const existing = this.#d.active.get(address);
    if (!existing) return;
    if (newTimestamp <= existing.sessionTimestamp) {
      return await this.#refuse(GatewayErrorMessage.staleSessionOverwrite);
    }
    const alive = await existing.isAlive(this.#d.limits.duplicatePingTimeoutMs);
    if (alive && this.#d.active.get(address) === existing) {
      return await this.#refuse(GatewayErrorMessage.duplicateConnection);
    }
    existing.disconnect("replaced by a newer session");
    this.#d.active.remove(existing);
  }

  /** Registers the session as the client's live one, then delivers its stored messages. */
  async #establish(established: Established): Promise<void> {
    this.#established = established;
    this.#trusted = this.#d.isTrustedClient?.(established.address, this.#socket.remoteAddress) ??
      false;
    const socket = this.#socket;
    const d = this.#d;
    const entry: ActiveClient = {
      address: established.address,
      sessionTimestamp: established.sessionTimestamp,
      deliver: (message): DeliveryResult => {
        if (socket.bufferedAmount > d.limits.maxSendQueueBytes) return "busy";
        const frame = encodePushedMixMessage(message, established.sharedKey, d.random, d.crypto);
        socket.sendBinary(frame).catch(() => {});
        d.counters.pushed++;
        return "delivered";
      },
      isAlive: (timeoutMs) => socket.ping(d.random(8), timeoutMs),
      disconnect: (reason) => socket.close(CloseCode.goingAway, reason),
    };
    // Listed first, so nothing that arrives while the mailbox drains is stranded in it; the
    // write-behind buffer is flushed so everything stored so far is in the database.
    d.active.set(entry);
    this.#activeEntry = entry;
    d.mailboxWriter.flush();
    await this.#drainMailbox(established);
  }

  /** Sends stored messages page by page; each page is deleted only once it was written. */
  async #drainMailbox(established: Established): Promise<void> {
    const { address, sharedKey } = established;
    let after = 0;
    for (;;) {
      const page = this.#d.mailbox.page(address, after, this.#d.limits.retrievalPageSize);
      if (page.length === 0) return;
      try {
        await Promise.all(
          page.map((m) =>
            this.#socket.sendBinary(
              encodePushedMixMessage(m.content, sharedKey, this.#d.random, this.#d.crypto),
            )
          ),
        );
      } catch {
        throw new SessionEnded("connection lost while delivering stored messages");
      }
      this.#d.mailbox.remove(address, page.map((m) => m.id));
      this.#d.counters.storedMessagesDelivered += page.length;
      after = page[page.length - 1].id;
    }
  }

  async #authenticatedLoop(): Promise<void> {
    for (;;) {
      const message = await this.#reader.next();
      if (message === null || message === "timeout") return;
      if (message.type === "binary") await this.#onBinary(message.data);
      else await this.#onText(message.data);
    }
  }

  /** Token bucket: closes sessions that keep sending faster than the limit. */
  async #rateLimit(): Promise<void> {
    const limit = this.#d.limits.maxPacketsPerSecond;
    if (limit === 0 || this.#trusted) return;
    const now = this.#d.clock.monotonic();
    if (now - this.#bucketStart >= 1000) {
      this.#bucketStart = now;
      this.#bucket = 0;
    }
    if (++this.#bucket > limit) {
      this.#d.counters.floodsClosed++;
      this.#d.log.warn("closing {peer}: more than {limit} packets per second", {
        peer: this.#socket.remoteAddress,
        limit,
      });
      return await this.#refuse(
        `rate limit of ${limit} packets per second exceeded`,
        CloseCode.policyViolation,
      );
    }
  }

  async #onBinary(frame: Uint8Array): Promise<void> {
    const est = this.#established!;
    await this.#rateLimit();
    let mixPacket: MixPacket;
    try {
      mixPacket = decodeClientBinaryRequest(frame, est.sharedKey, this.#d.crypto).mixPacket;
    } catch (e) {
      if (!(e instanceof GatewayProtocolError)) throw e;
      this.#d.counters.malformedRequests++;
      return await this.#reply(errorResponse(malformedBinaryRequestMessage((e as Error).message)));
    }
    if (this.#trusted) {
      this.#countForward(mixPacket);
      return await this.#reply(sendResponse(TRUSTED_CLIENT_BANDWIDTH));
    }
    const charge = chargeBandwidth(
      this.#d.ledger.get(est.clientId),
      packetBandwidthCost(mixPacket),
      this.#d.clock.now(),
    );
    if (!charge.ok) {
      this.#d.counters.packetsOutOfBandwidth++;
      return await this.#reply(outOfBandwidthResponse(charge.required, charge.available));
    }
    this.#d.ledger.consume(est.clientId, charge.record);
    this.#countForward(mixPacket);
    await this.#reply(sendResponse(charge.remaining));
  }

  #countForward(packet: MixPacket): void {
    if (this.#d.forward(packet)) this.#d.counters.packetsForwarded++;
    else this.#d.counters.packetsNotForwarded++;
  }

  async #onText(text: string): Promise<void> {
    const est = this.#established!;
    let request: ClientControlRequest;
    try {
      request = parseClientControlRequest(text, { maxLength: this.#d.limits.maxTextLength });
    } catch (e) {
      this.#d.counters.malformedRequests++;
      return await this.#reply(errorResponse(malformedTextRequestMessage((e as Error).message)));
    }
    const now = this.#d.clock.now();
    switch (request.type) {
      case "claimFreeTestnetBandwidth": {
        if (this.#trusted) return await this.#reply(bandwidthResponse(TRUSTED_CLIENT_BANDWIDTH));
        const claim = claimFreeTestnetBandwidth(
          this.#d.ledger.get(est.clientId),
          now,
          this.#d.enforceZkNyms,
        );
        if (!claim.ok) return await this.#reply(errorResponse(claim.message));
        this.#d.ledger.grant(est.clientId, claim.record);
        return await this.#reply(bandwidthResponse(claim.availableTotal));
      }
      case "ecashCredential": {
        if (!this.#d.ticketVerifier) {
          return await this.#reply(errorResponse("this gateway does not accept zk-nym tickets"));
        }
        let credential: Uint8Array;
        try {
          credential = decryptEcashCredential(request, est.sharedKey);
        } catch (e) {
          return await this.#reply(
            errorResponse(malformedTextRequestMessage((e as Error).message)),
          );
        }
        const verdict = await this.#d.ticketVerifier.verify({
          credential,
          clientAddress: est.address,
        });
        if (!verdict.ok) {
          return await this.#reply(
            verdict.reason === "ticket_replay"
              ? ticketReplayResponse()
              : errorResponse(verdict.message),
          );
        }
        const record = grantTicketBandwidth(
          this.#d.ledger.get(est.clientId),
          verdict.bandwidth,
          verdict.expiration,
          now,
        );
        this.#d.ledger.grant(est.clientId, record);
        return await this.#reply(bandwidthResponse(effectiveBandwidth(record, now)));
      }
      case "encryptedRequest": {
        let inner;
        try {
          inner = decryptClientRequest(request, est.sharedKey, {
            maxLength: this.#d.limits.maxTextLength,
          });
        } catch {
          return await this.#reply(errorResponse(GatewayErrorMessage.invalidEncryptedTextRequest));
        }
        if (inner.type === "forgetMe") {
          if (inner.client) {
            this.#d.mailbox.clear(est.address);
            this.#d.ledger.forget(est.clientId);
            this.#d.clients.remove(est.address);
          }
          return await this.#reply(
            encryptSensitiveResponse({ type: "forgetMeAck" }, est.sharedKey, this.#d.random),
          );
        }
        return await this.#reply(
          encryptSensitiveResponse({ type: "rememberMeAck" }, est.sharedKey, this.#d.random),
        );
      }
      case "supportedProtocol":
        return await this.#reply(supportedProtocolResponse());
      case "upgradeModeJWT":
        return await this.#reply(errorResponse("upgrade mode is not supported by this gateway"));
      case "bandwidthCredential":
        return await this.#reply(errorResponse(GatewayErrorMessage.coconutCredentials));
      case "authenticate":
        return await this.#reply(errorResponse(illegalRequestMessage("Authenticate")));
      case "authenticateV2":
        return await this.#reply(errorResponse(illegalRequestMessage("AuthenticateV2")));
      case "registerHandshakeInitRequest":
        return await this.#reply(
          errorResponse(illegalRequestMessage("RegisterHandshakeInitRequest")),
        );
    }
  }

  /** Cleans up: leaves the active map and writes pending bandwidth. */
  end(): void {
    if (this.#activeEntry) this.#d.active.remove(this.#activeEntry);
    if (this.#established) this.#d.ledger.release(this.#established.clientId);
  }
}
