/**
 * Where ticket jobs run. {@linkcode WorkerTicketExecutor} (the default for gateways) keeps the
 * ≈ 70 ms of decoding and pairing per ticket off the event loop in one dedicated worker, so
 * client sessions keep flowing while a ticket is checked; {@linkcode inlineTicketExecutor} runs
 * them on the calling thread (tests, or hosts without workers).
 *
 * @module
 */
import { EcashError } from "../errors.ts";
import type { EcashParameters } from "../params.ts";
import { type TicketJob, type TicketJobOutcome, TicketJobRunner } from "./ticket_jobs.ts";

/** Runs ticket jobs somewhere. */
export interface TicketJobExecutor {
  /**
   * Runs `job`.
   *
   * @example
   * ```ts no-eval
   * const outcome = await executor.run({ kind: "identify", first, second });
   * ```
   */
  run<J extends TicketJob>(job: J): Promise<TicketJobOutcome<J>>;
  /**
   * Stops; pending jobs fail.
   *
   * @example
   * ```ts no-eval
   * await executor.close();
   * ```
   */
  close(): Promise<void>;
}

/**
 * The executor is closed or its worker failed.
 *
 * @example
 * ```ts
 * import { TicketExecutorError } from "./executor.ts";
 * new TicketExecutorError("ticket executor is closed").name; // "TicketExecutorError"
 * ```
 */
export class TicketExecutorError extends EcashError {
  override name = "TicketExecutorError";
}

/**
 * Runs jobs on the calling thread (blocking it for the job's duration).
 *
 * @example
 * ```ts
 * import { inlineTicketExecutor } from "./executor.ts";
 * const executor = inlineTicketExecutor();
 * ```
 */
export function inlineTicketExecutor(params?: EcashParameters): TicketJobExecutor {
  let runner: TicketJobRunner | undefined;
  let closed = false;
  return {
    run(job) {
      if (closed) return Promise.reject(new TicketExecutorError("ticket executor is closed"));
      runner ??= new TicketJobRunner(params);
      return Promise.resolve(runner.run(job));
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

interface Pending {
  resolve(outcome: unknown): void;
  reject(error: Error): void;
}

/**
 * One worker thread running ticket jobs in order; restarted after a crash.
 *
 * @example
 * ```ts
 * // const executor = new WorkerTicketExecutor();
 * // const outcome = await executor.run({ kind: "identify", first, second });
 * // await executor.close();
 * ```
 */
export class WorkerTicketExecutor implements TicketJobExecutor {
  readonly #url: string;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  /**
   * Creates the executor; the worker starts with the first job.
   *
   * @example
   * ```ts no-eval
   * const executor = new WorkerTicketExecutor();
   * ```
   */
  constructor(workerUrl?: string) {
    this.#url = workerUrl ?? new URL("./verify_worker.ts", import.meta.url).href;
  }

  #start(): Worker {
    const worker = new Worker(this.#url, { type: "module" });
    worker.onmessage = (event: MessageEvent<{ id?: number; outcome?: unknown }>) => {
      const { id, outcome } = event.data;
      if (id === undefined) return; // "ready"
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      pending?.resolve(outcome);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new TicketExecutorError(`ticket verification worker failed: ${event.message}`));
    };
    return worker;
  }

  #fail(error: Error): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  /** Runs `job` in the worker. */
  run<J extends TicketJob>(job: J): Promise<TicketJobOutcome<J>> {
    if (this.#closed) return Promise.reject(new TicketExecutorError("ticket executor is closed"));
    this.#worker ??= this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (o: unknown) => void, reject });
      this.#worker!.postMessage({ id, job });
    });
  }

  /** Terminates the worker. */
  close(): Promise<void> {
    this.#closed = true;
    this.#fail(new TicketExecutorError("ticket executor is closed"));
    return Promise.resolve();
  }
}
