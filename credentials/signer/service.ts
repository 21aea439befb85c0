/**
 * A running signer: database, {@linkcode EcashSigner} and its HTTP API on one listener.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Ed25519KeyPair } from "../../crypto/ed25519.ts";
import { type HttpServer, startHttpServer } from "../../node/http/server.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import { type EcashParameters, setup } from "../params.ts";
import type { FetchLike } from "../client/api_client.ts";
import { createSignerApp, type SignerAppLimits } from "./app.ts";
import type { DepositVerifier } from "./deposit.ts";
import type { SignerKeyShare } from "./key_files.ts";
import { EcashSigner } from "./signer.ts";
import { SignerStore } from "./storage.ts";

/** Options of {@linkcode startSignerService}. */
export interface SignerServiceOptions {
  /** The key share. */
  readonly keys: SignerKeyShare;
  /** ed25519 identity (signs `/signer-status`). */
  readonly identity: Ed25519KeyPair;
  /** SQLite file (`":memory:"` for tests). */
  readonly databasePath: string;
  /** Listen address (`127.0.0.1:0` for an ephemeral port). */
  readonly bindAddress: string;
  /** Public base URL (default `http://<bound address>`). */
  readonly announceAddress?: string;
  /** Other signers' base URLs, for the aggregated endpoints. */
  readonly peers?: readonly string[];
  /** Deposit check (default: free localnet issuance). */
  readonly deposits?: DepositVerifier;
  /** Scheme parameters (default `setup()`). */
  readonly params?: EcashParameters;
  /** Clock (default system). */
  readonly clock?: Clock;
  /** HTTP client for peers. */
  readonly fetch?: FetchLike;
  /** HTTP limits. */
  readonly limits?: SignerAppLimits;
}

/** A started signer. */
export interface RunningSigner {
  /** Its base URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The bound address. */
  readonly address: { readonly hostname: string; readonly port: number };
  /** The signer behind the API. */
  readonly signer: EcashSigner;
  /** Stops the listener (waiting up to `deadlineMs` for requests) and closes the database. */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * Opens the database and serves the signer API.
 *
 * @example
 * ```ts no-eval
 * const running = await startSignerService({ keys, identity, databasePath, bindAddress: "127.0.0.1:0" });
 * try { console.log(running.url); } finally { await running.stop(); }
 * ```
 */
export async function startSignerService(options: SignerServiceOptions): Promise<RunningSigner> {
  const log = getLogger(["nym-node", "signer"]);
  const store = SignerStore.open(options.databasePath);
  let server: HttpServer;
  let signer: EcashSigner;
  try {
    signer = new EcashSigner({
      params: options.params ?? setup(),
      keys: options.keys,
      store,
      clock: options.clock ?? systemClock,
      identity: options.identity,
      deposits: options.deposits,
      peers: options.peers,
      fetch: options.fetch,
    });
    server = await startHttpServer(
      createSignerApp(signer, options.limits).fetch,
      options.bindAddress,
    );
  } catch (e) {
    store.close();
    throw e;
  }
  const host = server.address.hostname.includes(":")
    ? `[${server.address.hostname}]`
    : server.address.hostname;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${server.address.port}`;
  signer.setAnnounceAddress(options.announceAddress || url);
  log.info("e-cash {signer} listening on {url}", { signer: signer.describe(), url });
  let stopped = false;
  return {
    url,
    address: server.address,
    signer,
    async stop(deadlineMs = 2000) {
      if (stopped) return;
      stopped = true;
      await server.shutdown(deadlineMs);
      store.close();
    },
  };
}
