/**
 * Child processes of the localnet: each one's standard output and error are forwarded line by
 * line with a `[name] ` prefix, an unexpected exit is reported, and {@linkcode Supervisor.stopAll}
 * ends every child still running (SIGTERM, then SIGKILL after a deadline) and waits for it, so
 * no process is left behind.
 *
 * @module
 */

/** How to start a child. */
export interface ChildSpec {
  /** Prefix of its log lines and name in messages. */
  readonly name: string;
  /** Executable. */
  readonly command: string;
  readonly args: readonly string[];
  /** Full environment of the child. */
  readonly env: Record<string, string>;
}

/** A started child. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number>;
  /** Whether the process has ended. */
  readonly done: boolean;
}

/** Options of {@linkcode Supervisor}. */
export interface SupervisorOptions {
  /** Where prefixed log lines go (default: standard error). */
  readonly write?: (line: string) => void;
  /** Called when a child exits while not being stopped. */
  readonly onUnexpectedExit?: (child: Child, code: number) => void;
}

function defaultWrite(line: string): void {
  const bytes = new TextEncoder().encode(line);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
}

async function forwardLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  write: (line: string) => void,
): Promise<void> {
  let pending = "";
  try {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        write(`${prefix}${pending.slice(0, newline)}\n`);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
      // Bound the buffer: a child printing without newlines is flushed in pieces.
      if (pending.length > 64 * 1024) {
        write(`${prefix}${pending}\n`);
        pending = "";
      }
    }
  } catch {
    // The pipe broke (the child died); what was read is printed below.
  }
  if (pending) write(`${prefix}${pending}\n`);
}

/**
 * Starts and stops the localnet's processes.
 *
 * @example
 * ```ts no-eval
 * import { Supervisor } from "./supervisor.ts";
 * const supervisor = new Supervisor();
 * supervisor.start({ name: "mix1", command: Deno.execPath(), args: ["--version"], env: {} });
 * await supervisor.stopAll(10_000);
 * ```
 */
export class Supervisor {
  readonly #write: (line: string) => void;
  readonly #onUnexpectedExit: SupervisorOptions["onUnexpectedExit"];
  readonly #children: { child: Child; process: Deno.ChildProcess; logs: Promise<void> }[] = [];
  #stopping = false;

  /** Creates an empty supervisor. */
  constructor(options: SupervisorOptions = {}) {
    this.#write = options.write ?? defaultWrite;
    this.#onUnexpectedExit = options.onUnexpectedExit;
  }

  /** The children started so far. */
  get children(): readonly Child[] {
    return this.#children.map((c) => c.child);
  }

  /** Starts a child. */
  start(spec: ChildSpec): Child {
    return this.#spawn(spec, false);
  }

  /** Starts a child; one-shot children end by design, so their exit is not "unexpected". */
  #spawn(spec: ChildSpec, oneShot: boolean): Child {
    const process = new Deno.Command(spec.command, {
      args: [...spec.args],
      env: spec.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const prefix = `[${spec.name}] `;
    const logs = Promise.all([
      forwardLines(process.stdout, prefix, this.#write),
      forwardLines(process.stderr, prefix, this.#write),
    ]).then(() => {});
    let done = false;
    const exited = process.status.then((status) => {
      done = true;
      return status.code;
    });
    const child: Child = {
      name: spec.name,
      pid: process.pid,
      exited,
      get done() {
        return done;
      },
    };
    exited.then((code) => {
      if (!this.#stopping && !oneShot) this.#onUnexpectedExit?.(child, code);
    });
    this.#children.push({ child, process, logs });
    return child;
  }

  /** Runs a child to completion (for one-shot steps such as initialisation). */
  async run(spec: ChildSpec): Promise<number> {
    const child = this.#spawn({ ...spec }, true);
    const entry = this.#children.find((c) => c.child === child)!;
    const code = await child.exited;
    await entry.logs;
    this.#children.splice(this.#children.indexOf(entry), 1);
    return code;
  }

  /**
   * Stops every running child: SIGTERM to those in `order` groups one group at a time (later
   * groups after earlier ones), SIGKILL to any still running after `deadlineMs`. Returns the
   * names of children that had to be killed.
   */
  async stopAll(deadlineMs: number, order: readonly (readonly string[])[] = []): Promise<string[]> {
    this.#stopping = true;
    const killed: string[] = [];
    const named = new Set(order.flat());
    const groups = [...order, this.#children.map((c) => c.child.name).filter((n) => !named.has(n))];
    for (const group of groups) {
      const members = this.#children.filter((c) => group.includes(c.child.name));
      await Promise.all(members.map(async ({ child, process, logs }) => {
        if (!child.done) {
          try {
            process.kill("SIGTERM");
          } catch { /* already gone */ }
          let timer: ReturnType<typeof setTimeout> | undefined;
          const timeout = new Promise<"timeout">((
            r,
          ) => (timer = setTimeout(() => r("timeout"), deadlineMs)));
          const outcome = await Promise.race([child.exited, timeout]);
          clearTimeout(timer);
          if (outcome === "timeout" && !child.done) {
            killed.push(child.name);
            try {
              process.kill("SIGKILL");
            } catch { /* already gone */ }
          }
        }
        await child.exited;
        await logs;
      }));
    }
    return killed;
  }
}
