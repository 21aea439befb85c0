/**
 * Serves the HTTP API with `Deno.serve` on a configured socket address, counting in-flight
 * requests so shutdown can report what it had to abandon.
 *
 * @module
 */
import { parseSocketAddress } from "../../util/net.ts";

/** The HTTP listener could not be bound. */
export class HttpBindError extends Error {
  override name = "HttpBindError";
}

/** A running HTTP server. */
export interface HttpServer {
  /** The bound address (the real port when 0 was requested). */
  readonly address: { readonly hostname: string; readonly port: number };
  /** Requests being handled right now. */
  inFlight(): number;
  /**
   * Stops accepting connections and waits up to `deadlineMs` for in-flight requests.
   * Returns how many were still running at the deadline.
   */
  shutdown(deadlineMs: number): Promise<{ abandoned: number }>;
}

/**
 * Starts serving `handler` on `bindAddress` (`"[::]:8080"`, `"127.0.0.1:0"`).
 *
 * @example
 * ```ts no-eval
 * import { startHttpServer } from "./server.ts";
 * const server = await startHttpServer(app.fetch, "127.0.0.1:0");
 * console.log(server.address.port);
 * await server.shutdown(500);
 * ```
 */
export async function startHttpServer(
  handler: (request: Request) => Response | Promise<Response>,
  bindAddress: string,
): Promise<HttpServer> {
  const { ip, port } = parseSocketAddress(bindAddress);
  let inFlight = 0;
  const listening = Promise.withResolvers<Deno.NetAddr>();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: ip,
      port,
      onListen: (addr) => listening.resolve(addr),
      onError: () =>
        new Response(JSON.stringify({ message: "internal server error" }), { status: 500 }),
    }, async (request) => {
      inFlight++;
      try {
        return await handler(request);
      } finally {
        inFlight--;
      }
    });
  } catch (error) {
    throw new HttpBindError(
      `cannot bind the http api to ${bindAddress}: ${(error as Error).message}`,
    );
  }
  const addr = await listening.promise;
  return {
    address: { hostname: addr.hostname, port: addr.port },
    inFlight: () => inFlight,
    async shutdown(deadlineMs: number) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), deadlineMs);
      });
      const outcome = await Promise.race([server.shutdown().then(() => "done" as const), deadline]);
      clearTimeout(timer);
      return { abandoned: outcome === "done" ? 0 : inFlight };
    },
  };
}
