/**
 * The SOCKS handshake as a pure, incremental state machine: bytes from the application go in
 * (in whatever pieces TCP delivers them), bytes to write back and the outcome come out. Handles
 * SOCKS5 (RFC 1928: greeting, "no authentication" method selection, CONNECT request with IPv4,
 * domain or IPv6 destination, pipelined greeting + request), SOCKS4 and SOCKS4a (`0.0.0.x`
 * destination followed by a domain name, `clients.md` §5.1).
 *
 * Every malformed input ends in `rejected` with the reply the application should get (if its
 * dialect has one) and a clear reason; nothing here throws on bad bytes, and at most
 * `maxBufferedBytes` are held while waiting for the rest of a request.
 *
 * @module
 */
import { InvalidAddressError, parseIp } from "../../util/net.ts";
import {
  encodeConnectReply,
  encodeMethodSelection,
  httpMisuseResponse,
  Socks5Method,
  Socks5Reply,
  type SocksConnectRequest,
  type SocksHost,
  SocksProtocolError,
  type SocksVersion,
} from "./protocol.ts";

/** What one {@linkcode SocksHandshake.push} produced. */
export type HandshakeStep =
  /** More bytes are needed; `write` (e.g. the SOCKS5 method selection) goes out first. */
  | { readonly kind: "incomplete"; readonly write: readonly Uint8Array[] }
  /**
   * A complete CONNECT request. `rest` holds bytes the application sent after it (optimistic
   * data), to forward once the connection is up. The reply is up to the caller
   * (`encodeConnectReply(request.version, code)`).
   */
  | {
    readonly kind: "request";
    readonly write: readonly Uint8Array[];
    readonly request: SocksConnectRequest;
    readonly rest: Uint8Array;
  }
  /** Refused: write `write` (the error reply, possibly nothing), then close. */
  | {
    readonly kind: "rejected";
    readonly write: readonly Uint8Array[];
    readonly error: SocksProtocolError;
  };

/** Options of {@linkcode SocksHandshake}. */
export interface SocksHandshakeOptions {
  /** Most bytes held while a request is incomplete. Default 1024 (a request needs ≤ 520). */
  readonly maxBufferedBytes?: number;
}

const MAX_SOCKS4_FIELD = 255;
const EMPTY = new Uint8Array(0);

type Phase = "start" | "socks5-request" | "finished";

/** Thrown internally when the buffer does not yet hold a whole message. */
const INCOMPLETE = Symbol("incomplete");

/**
 * The handshake of one application connection.
 *
 * @example
 * ```ts
 * import { SocksHandshake } from "./handshake.ts";
 * const h = new SocksHandshake();
 * h.push(Uint8Array.of(5, 1, 0)); // { kind: "incomplete", write: [05 00] }
 * const step = h.push(Uint8Array.of(5, 1, 0, 1, 127, 0, 0, 1, 0, 80));
 * step.kind; // "request"
 * ```
 */
export class SocksHandshake {
  readonly #maxBuffered: number;
  #buffer: Uint8Array = EMPTY;
  #phase: Phase = "start";

  /** Creates a handshake waiting for the first byte. */
  constructor(options: SocksHandshakeOptions = {}) {
    this.#maxBuffered = options.maxBufferedBytes ?? 1024;
  }

  /** Whether the handshake has ended (with a request or a rejection). */
  get finished(): boolean {
    return this.#phase === "finished";
  }

  /** Feeds bytes from the application. */
  push(chunk: Uint8Array): HandshakeStep {
    if (this.#phase === "finished") {
      return {
        kind: "rejected",
        write: [],
        error: new SocksProtocolError("the handshake is already finished"),
      };
    }
    this.#buffer = concat(this.#buffer, chunk);
    const write: Uint8Array[] = [];
    for (;;) {
      let step: HandshakeStep | "continue";
      try {
        step = this.#phase === "start" ? this.#start(write) : this.#socks5Request(write);
      } catch (e) {
        if (e === INCOMPLETE) {
          if (this.#buffer.length > this.#maxBuffered) {
            return this.#reject(
              write,
              this.#overflowReply(),
              new SocksProtocolError(
                `the SOCKS request is longer than ${this.#maxBuffered} bytes`,
              ),
            );
          }
          return { kind: "incomplete", write };
        }
        if (e instanceof SocksProtocolError) return this.#reject(write, null, e);
        throw e;
      }
      if (step !== "continue") return step;
    }
  }

  /** The first message decides the dialect. */
  #start(write: Uint8Array[]): HandshakeStep | "continue" {
    const b = this.#buffer;
    need(b, 1);
    switch (b[0]) {
      case 0x05:
        return this.#socks5Greeting(write);
      case 0x04:
        return this.#socks4Request(write);
      default:
        if (b[0] >= 0x41 && b[0] <= 0x5a) {
          // "GET ", "CONNECT ": an HTTP client pointed at the SOCKS port.
          return this.#reject(
            write,
            httpMisuseResponse(),
            new SocksProtocolError("an HTTP request was sent to the SOCKS proxy"),
          );
        }
        return this.#reject(
          write,
          null,
          new SocksProtocolError(
            `unsupported SOCKS version 0x${b[0].toString(16).padStart(2, "0")} ` +
              "(only SOCKS4, SOCKS4a and SOCKS5)",
          ),
        );
    }
  }

  /** RFC 1928 §3: VER NMETHODS METHODS. */
  #socks5Greeting(write: Uint8Array[]): HandshakeStep | "continue" {
    const b = this.#buffer;
    need(b, 2);
    const count = b[1];
    if (count === 0) {
      return this.#reject(
        write,
        encodeMethodSelection(Socks5Method.NoAcceptableMethods),
        new SocksProtocolError("the SOCKS5 greeting offers no authentication method"),
      );
    }
    need(b, 2 + count);
    const methods = b.subarray(2, 2 + count);
    if (!methods.includes(Socks5Method.NoAuthentication)) {
      return this.#reject(
        write,
        encodeMethodSelection(Socks5Method.NoAcceptableMethods),
        new SocksProtocolError(
          "the application offers no SOCKS5 method this proxy supports " +
            "(only 'no authentication')",
        ),
      );
    }
    write.push(encodeMethodSelection(Socks5Method.NoAuthentication));
    this.#buffer = b.subarray(2 + count);
    this.#phase = "socks5-request";
    return "continue";
  }

  /** RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT. */
  #socks5Request(write: Uint8Array[]): HandshakeStep {
    const b = this.#buffer;
    need(b, 4);
    const reject = (message: string, code: Parameters<typeof encodeConnectReply>[1]) =>
      this.#reject(
        write,
        encodeConnectReply("socks5", code),
        new SocksProtocolError(message, code),
      );
    if (b[0] !== 0x05) {
      return reject(
        `the SOCKS5 request has version ${b[0]}, not 5`,
        Socks5Reply.GeneralFailure,
      );
    }
    const command = b[1];
    if (command !== 0x01) {
      const name = command === 0x02
        ? "BIND"
        : command === 0x03
        ? "UDP ASSOCIATE"
        : `command 0x${command.toString(16).padStart(2, "0")}`;
      return reject(`${name} is not supported (only CONNECT)`, Socks5Reply.CommandNotSupported);
    }
    let host: SocksHost;
    let end: number;
    switch (b[3]) {
      case 0x01:
        need(b, 4 + 4 + 2);
        host = { kind: "ipv4", bytes: b.slice(4, 8) };
        end = 8;
        break;
      case 0x04:
        need(b, 4 + 16 + 2);
        host = { kind: "ipv6", bytes: b.slice(4, 20) };
        end = 20;
        break;
      case 0x03: {
        need(b, 5);
        const length = b[4];
        if (length === 0) return reject("the domain name is empty", Socks5Reply.GeneralFailure);
        need(b, 5 + length + 2);
        const parsed = parseHostName(b.subarray(5, 5 + length));
        if (parsed instanceof SocksProtocolError) return reject(parsed.message, parsed.reply);
        host = parsed;
        end = 5 + length;
        break;
      }
      default:
        return reject(
          `address type 0x${b[3].toString(16).padStart(2, "0")} is not supported ` +
            "(IPv4, domain name or IPv6)",
          Socks5Reply.AddressTypeNotSupported,
        );
    }
    const port = (b[end] << 8) | b[end + 1];
    if (port === 0) return reject("port 0 is not a destination", Socks5Reply.ConnectionRefused);
    return this.#accept(write, { version: "socks5", host, port }, end + 2);
  }

  /** SOCKS4: VN CD DSTPORT DSTIP USERID NUL [SOCKS4a: HOST NUL]. */
  #socks4Request(write: Uint8Array[]): HandshakeStep {
    const b = this.#buffer;
    need(b, 8);
    const is4a = b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0;
    const version: SocksVersion = is4a ? "socks4a" : "socks4";
    const reject = (message: string, code: Parameters<typeof encodeConnectReply>[1]) =>
      this.#reject(write, encodeConnectReply(version, code), new SocksProtocolError(message, code));
    if (b[1] !== 0x01) {
      const name = b[1] === 0x02 ? "BIND" : `command 0x${b[1].toString(16).padStart(2, "0")}`;
      return reject(`${name} is not supported (only CONNECT)`, Socks5Reply.CommandNotSupported);
    }
    const port = (b[2] << 8) | b[3];
    const userEnd = nulTerminated(b, 8);
    if (userEnd === null) {
      if (b.length - 8 > MAX_SOCKS4_FIELD) {
        return reject(
          `the SOCKS4 user id is longer than ${MAX_SOCKS4_FIELD} bytes`,
          Socks5Reply.GeneralFailure,
        );
      }
      throw INCOMPLETE;
    }
    if (userEnd - 8 > MAX_SOCKS4_FIELD) {
      return reject(
        `the SOCKS4 user id is longer than ${MAX_SOCKS4_FIELD} bytes`,
        Socks5Reply.GeneralFailure,
      );
    }
    let host: SocksHost;
    let end = userEnd + 1;
    if (is4a) {
      const nameEnd = nulTerminated(b, end);
      if (nameEnd === null) {
        if (b.length - end > MAX_SOCKS4_FIELD) {
          return reject(
            `the SOCKS4a host name is longer than ${MAX_SOCKS4_FIELD} bytes`,
            Socks5Reply.GeneralFailure,
          );
        }
        throw INCOMPLETE;
      }
      if (nameEnd - end > MAX_SOCKS4_FIELD) {
        return reject(
          `the SOCKS4a host name is longer than ${MAX_SOCKS4_FIELD} bytes`,
          Socks5Reply.GeneralFailure,
        );
      }
      if (nameEnd === end) return reject("the host name is empty", Socks5Reply.GeneralFailure);
      const parsed = parseHostName(b.subarray(end, nameEnd));
      if (parsed instanceof SocksProtocolError) return reject(parsed.message, parsed.reply);
      host = parsed;
      end = nameEnd + 1;
    } else {
      if (b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] === 0) {
        return reject("0.0.0.0 is not a destination", Socks5Reply.HostUnreachable);
      }
      host = { kind: "ipv4", bytes: b.slice(4, 8) };
    }
    if (port === 0) return reject("port 0 is not a destination", Socks5Reply.ConnectionRefused);
    return this.#accept(write, { version, host, port }, end);
  }

  /** The dialect's general-failure reply, when the dialect is known. */
  #overflowReply(): Uint8Array | null {
    if (this.#phase === "socks5-request") {
      return encodeConnectReply("socks5", Socks5Reply.GeneralFailure);
    }
    if (this.#buffer[0] === 0x04) return encodeConnectReply("socks4", Socks5Reply.GeneralFailure);
    return null;
  }

  #accept(write: Uint8Array[], request: SocksConnectRequest, consumed: number): HandshakeStep {
    const rest = this.#buffer.slice(consumed);
    this.#buffer = EMPTY;
    this.#phase = "finished";
    return { kind: "request", write, request, rest };
  }

  #reject(
    write: Uint8Array[],
    reply: Uint8Array | null,
    error: SocksProtocolError,
  ): HandshakeStep {
    if (reply !== null) write.push(reply);
    this.#buffer = EMPTY;
    this.#phase = "finished";
    return { kind: "rejected", write, error };
  }
}

function need(b: Uint8Array, length: number): void {
  if (b.length < length) throw INCOMPLETE;
}

function nulTerminated(b: Uint8Array, from: number): number | null {
  const i = b.indexOf(0, from);
  return i < 0 ? null : i;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

/**
 * A destination name from the application: IP literals (some applications send them as names,
 * `[::1]` included) become addresses, so the `host:port` text stays unambiguous; anything else
 * must look like a DNS name (letters, digits, `-`, `_`, `.`) — the exit resolves it.
 */
function parseHostName(bytes: Uint8Array): SocksHost | SocksProtocolError {
  let name: string;
  try {
    name = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new SocksProtocolError("the host name is not UTF-8", Socks5Reply.HostUnreachable);
  }
  const literal = name.startsWith("[") && name.endsWith("]") ? name.slice(1, -1) : name;
  try {
    const ip = parseIp(literal);
    return ip.family === 4 ? { kind: "ipv4", bytes: ip.bytes } : { kind: "ipv6", bytes: ip.bytes };
  } catch (e) {
    if (!(e instanceof InvalidAddressError)) throw e;
  }
  if (!HOST_NAME.test(name) || name.includes("..")) {
    return new SocksProtocolError(
      `${JSON.stringify(name)} is not a valid host name`,
      Socks5Reply.HostUnreachable,
    );
  }
  return { kind: "domain", name };
}
