/**
 * Test support: runs `wasm_peer.ts` (the real Nym wasm client) as a child process and talks to
 * it. Always {@linkcode WasmPeer.close} it (it kills the process).
 *
 * @module
 */
import { base64 } from "@scure/base";

const PEER = new URL("./wasm_peer.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** A message the wasm client received. */
export interface PeerMessage {
  readonly data: Uint8Array;
  /** The sender tag (base58) of anonymous messages, else `null`. */
  readonly senderTag: string | null;
}

/** Options of {@linkcode WasmPeer.start}. */
export interface WasmPeerOptions {
  /** Preferred gateway identity. */
  readonly gateway?: string;
  /** Keep the default 15 ms per-hop delays. */
  readonly delays?: boolean;
  /** Keep the Poisson stream and loop cover. */
  readonly cover?: boolean;
  /** Time allowed to start. Default 60 s. */
  readonly timeoutMs?: number;
  /**
   * Keep the client's IndexedDB (its keys and gateway registration) in this file across
   * processes: restored before the client starts if the file exists, written once the client is
   * ready and on {@linkcode WasmPeer.persist}. The file also keeps the client id and gateway, so
   * a restart is the same client (same address) authenticating with the same gateway. The path
   * must not contain a comma (it goes into `--allow-write`). Restart at least a second after the
   * last start: `authenticateV2` timestamps are whole seconds and a gateway refuses one that is not
   * newer than the last (`wasm-client.md` §3.3).
   */
  readonly storageFile?: string;
  /** The IndexedDB namespace (`clientId`). Default: from `storageFile`, else a random one. */
  readonly clientId?: string;
}

/**
 * A running wasm client.
 *
 * @example
 * ```ts no-eval
 * const peer = await WasmPeer.start(net.nymApiUrl);
 * try {
 *   await peer.send(ourAddress, utf8("hi"));
 * } finally {
 *   await peer.close();
 * }
 * ```
 */
export class WasmPeer {
  /** The wasm client's address. */
  readonly address: string;
  /** The client id (IndexedDB namespace) it runs with. */
  readonly clientId: string;
  /** Whether it started from a `storageFile` written by an earlier process. */
  readonly restored: boolean;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #events: Record<string, unknown>[];
  readonly #waiters: (() => void)[];
  readonly #pump: Promise<void>;
  /** Everything the process printed that was not an event (its own console output). */
  readonly log: string[];

  private constructor(
    ready: Record<string, unknown>,
    child: Deno.ChildProcess,
    events: Record<string, unknown>[],
    waiters: (() => void)[],
    pump: Promise<void>,
    log: string[],
  ) {
    this.address = ready.address as string;
    this.clientId = ready.clientId as string;
    this.restored = ready.restored === true;
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#events = events;
    this.#waiters = waiters;
    this.#pump = pump;
    this.log = log;
  }

  /** Starts the wasm client against `nymApiUrl` and waits until it is ready. */
  static async start(nymApiUrl: string, options: WasmPeerOptions = {}): Promise<WasmPeer> {
    const file = options.storageFile;
    if (file !== undefined && file.includes(",")) {
      throw new Error(`storageFile must not contain a comma: ${file}`);
    }
    const args = [
      "run",
      "--config",
      CONFIG,
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      ...(file !== undefined ? [`--allow-write=${file},${file}.tmp`] : []),
      PEER,
      nymApiUrl,
      ...(options.gateway ? ["--gateway", options.gateway] : []),
      ...(options.clientId ? ["--client-id", options.clientId] : []),
      ...(file !== undefined ? ["--storage-file", file] : []),
      ...(options.delays ? ["--delays"] : []),
      ...(options.cover ? ["--cover"] : []),
    ];
    const child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const events: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    const log: string[] = [];
    const wake = () => {
      for (const w of waiters.splice(0)) w();
    };
    const readLines = async (stream: ReadableStream<Uint8Array>, events: boolean) => {
      let buffered = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        buffered += chunk;
        for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (events && line.startsWith('{"event"')) {
            try {
              eventsList.push(JSON.parse(line));
              wake();
              continue;
            } catch { /* not an event */ }
          }
          log.push(line);
        }
      }
    };
    const eventsList = events;
    const pump = Promise.all([readLines(child.stdout, true), readLines(child.stderr, false)]).then(
      () => {
        eventsList.push({ event: "exited" });
        wake();
      },
    );
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const ready = events.find((e) =>
        e.event === "ready" || e.event === "failed" || e.event === "exited"
      );
      if (ready?.event === "ready") {
        return new WasmPeer(ready, child, events, waiters, pump, log);
      }
      if (ready !== undefined || Date.now() > deadline) {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
        await child.status;
        await pump;
        throw new Error(
          `the wasm client did not start: ${JSON.stringify(ready ?? "timeout")}\n${
            log.slice(-20).join("\n")
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async #command(command: Record<string, unknown>): Promise<void> {
    const before = this.#events.length;
    await this.#writer.write(new TextEncoder().encode(`${JSON.stringify(command)}\n`));
    const result = await this.#waitFor(
      (e, i) => i >= before && (e.event === "done" || e.event === "error"),
      30_000,
    );
    if (result.event === "error") throw new Error(`wasm client: ${result.error}`);
  }

  async #waitFor(
    predicate: (event: Record<string, unknown>, index: number) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#events.findIndex(predicate);
      if (index >= 0) return this.#events[index];
      if (this.#events.some((e) => e.event === "exited")) {
        throw new Error(`the wasm client exited\n${this.log.slice(-20).join("\n")}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for the wasm client\n${this.log.slice(-10).join("\n")}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** `send_regular_message`. */
  send(to: string, data: Uint8Array): Promise<void> {
    return this.#command({ cmd: "send", to, data: base64.encode(data) });
  }

  /** `send_anonymous_message` with `surbs` reply SURBs. */
  sendAnonymous(to: string, data: Uint8Array, surbs: number): Promise<void> {
    return this.#command({ cmd: "sendAnonymous", to, data: base64.encode(data), surbs });
  }

  /** `send_reply` to a base58 sender tag. */
  reply(senderTag: string, data: Uint8Array): Promise<void> {
    return this.#command({ cmd: "reply", senderTag, data: base64.encode(data) });
  }

  /**
   * Writes the client's IndexedDB to the `storageFile` now (call it before {@linkcode close} so
   * a later start from the file sees everything the client stored).
   */
  persist(): Promise<void> {
    return this.#command({ cmd: "persist" });
  }

  /** Waits for the next received message matching `predicate` (and consumes it). */
  async nextMessage(
    predicate: (m: PeerMessage) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<PeerMessage> {
    const toMessage = (e: Record<string, unknown>): PeerMessage => ({
      data: base64.decode(e.data as string),
      senderTag: (e.senderTag as string | null) ?? null,
    });
    const event = await this.#waitFor(
      (e) => e.event === "message" && !e.consumed && predicate(toMessage(e)),
      timeoutMs,
    );
    event.consumed = true;
    return toMessage(event);
  }

  /** Kills the process. */
  async close(): Promise<void> {
    try {
      await this.#writer.close();
    } catch { /* closed */ }
    try {
      this.#child.kill("SIGKILL");
    } catch { /* exited */ }
    await this.#child.status;
    await this.#pump;
  }
}
