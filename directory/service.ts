/**
 * Running a directory: opens its database, registers the nodes listed in its config, serves
 * the HTTP API and polls the nodes every `polling.interval` until stopped.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { systemClock } from "../util/clock.ts";
import type { Clock } from "../util/clock.ts";
import { startHttpServer } from "../node/http/server.ts";
import { writeFileAtomic } from "../config/atomic_write.ts";
import { parseNodeAddress } from "./address.ts";
import type { DirectoryConfig } from "./config.ts";
import { Directory } from "./directory.ts";
import { createDirectoryApp } from "./http.ts";
import { DirectoryStore } from "./store.ts";

const log = getLogger(["nym-node", "directory"]);

/** Options of {@linkcode startDirectory}. */
export interface StartDirectoryOptions {
  readonly config: DirectoryConfig;
  /** SQLite file (`":memory:"` in tests). */
  readonly databasePath: string;
  readonly clock?: Clock;
  /** HTTP client for polling nodes (default: global fetch). */
  readonly fetch?: typeof fetch;
  /** Poll periodically (default true; tests may drive `directory.pollAll()` themselves). */
  readonly autoPoll?: boolean;
  /** Write `{"pid","url","listeners":{"http":{hostname,port}}}` here once serving. */
  readonly readyFile?: string | null;
}

/** A running directory. */
export interface RunningDirectory {
  /** The engine (for tests and embedding). */
  readonly directory: Directory;
  /** The bound HTTP address. */
  readonly address: { readonly hostname: string; readonly port: number };
  /** `http://<address>/`, the nym-api URL to give clients and nodes. */
  readonly url: string;
  /** Stops polling and serving and closes the database. */
  stop(): Promise<void>;
}

/**
 * Starts a directory.
 *
 * @example
 * ```ts no-eval
 * import { startDirectory } from "./service.ts";
 * const running = await startDirectory({ config, databasePath: "/srv/d/data/directory.sqlite" });
 * console.log(running.url);
 * await running.stop();
 * ```
 */
export async function startDirectory(options: StartDirectoryOptions): Promise<RunningDirectory> {
  const clock = options.clock ?? systemClock;
  const store = DirectoryStore.open(options.databasePath);
  let directory: Directory;
  let server;
  try {
    for (const listed of options.config.nodes) {
      const address = parseNodeAddress(listed.address);
      store.addNode(
        { host: address.host, httpPort: address.port, identity: listed.identity },
        clock.now(),
      );
    }
    directory = new Directory({ config: options.config, store, clock, fetch: options.fetch });
    const app = createDirectoryApp({ directory, clock });
    server = await startHttpServer(app.fetch, options.config.http.bind_address);
  } catch (error) {
    store.close();
    throw error;
  }
  const address = server.address;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  const url = `http://${
    host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host
  }:${address.port}/`;
  log.info("directory listening on {url} (epoch {epoch}, {nodes} registered nodes)", {
    url,
    epoch: directory.snapshot().epoch.epochId,
    nodes: directory.overview().length,
  });

  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let round: Promise<void> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    round = directory.pollAll().catch((error) => {
      log.error("polling round failed: {error}", { error: (error as Error).message });
    }).finally(() => {
      if (!stopped) timer = setTimeout(loop, options.config.polling.interval);
    });
  };
  if (options.autoPoll ?? true) loop();

  if (options.readyFile) {
    await writeFileAtomic(
      options.readyFile,
      `${JSON.stringify({ pid: Deno.pid, url, listeners: { http: address } })}\n`,
      { mode: 0o644 },
    );
  }
  return {
    directory,
    address,
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await directory.close();
      await round;
      await server.shutdown(2000);
      store.close();
      if (options.readyFile) await Deno.remove(options.readyFile).catch(() => {});
      log.info("directory stopped");
    },
  };
}
