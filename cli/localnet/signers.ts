/**
 * The zk-nym signers of `nym-node localnet --credentials`: 3 `nym-node signer` processes with a
 * 2-of-3 trusted-dealer key (there is no DKG, `credentials-anchors.md` §A.5), free issuance.
 * On first use the keys are dealt into `<dir>/signer-keys/` and each signer home
 * `<dir>/signer-<i>/` is initialised (bound to `127.0.0.1:0`); every start runs
 * `signer run --ready-file <home>/ready.json` under the localnet's supervisor and reads each
 * signer's URL from its ready file. The keys stay, so ticketbooks issued by an earlier run of
 * the same localnet keep verifying (the URLs change: the ports are ephemeral).
 *
 * @module
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import type { Child } from "./supervisor.ts";

/** Signers started by `localnet --credentials`. */
export const LOCALNET_SIGNERS = 3;
/** Shares needed to issue. */
export const LOCALNET_SIGNER_THRESHOLD = 2;

/** How {@linkcode startLocalnetSigners} runs `nym-node` (the localnet's supervisor). */
export interface SignerSteps {
  /** Runs `nym-node <args>` to completion; resolves with its exit code. */
  run(name: string, args: string[]): Promise<number>;
  /** Starts `nym-node <args>` under supervision. */
  start(name: string, args: string[]): Child;
  /** Waits for `child` to write the JSON file at `path`. */
  waitReady<T>(path: string, child: Child): Promise<T>;
  /** The error to throw for a failed step. */
  error(message: string): Error;
}

/**
 * Deals the keys and initialises the homes if needed, starts the signers and returns their
 * base URLs (in index order).
 *
 * @example
 * ```ts no-eval
 * const urls = await startLocalnetSigners("./localnet", steps);
 * // ["http://127.0.0.1:40123/", "http://127.0.0.1:40125/", "http://127.0.0.1:40127/"]
 * ```
 */
export async function startLocalnetSigners(dir: string, steps: SignerSteps): Promise<string[]> {
  const keys = join(dir, "signer-keys");
  if (!existsSync(join(keys, "verification-keys.json"))) {
    const code = await steps.run("signer-keygen", [
      "signer",
      "keygen",
      "--threshold",
      String(LOCALNET_SIGNER_THRESHOLD),
      "--signers",
      String(LOCALNET_SIGNERS),
      "--out",
      keys,
    ]);
    if (code !== 0) throw steps.error(`dealing the signer keys failed (code ${code})`);
  }
  const indices = Array.from({ length: LOCALNET_SIGNERS }, (_, i) => i + 1);
  await Promise.all(indices.map(async (i) => {
    const home = join(dir, `signer-${i}`);
    if (existsSync(join(home, "config.toml"))) return;
    const code = await steps.run(`signer-${i}-init`, [
      "signer",
      "init",
      "--home",
      home,
      "--key-file",
      join(keys, `signer-${i}.json`),
      "--bind-address",
      "127.0.0.1:0",
    ]);
    if (code !== 0) throw steps.error(`initialising signer-${i} failed (code ${code})`);
  }));
  return await Promise.all(indices.map(async (i) => {
    const home = join(dir, `signer-${i}`);
    const ready = join(home, "ready.json");
    await Deno.remove(ready).catch(() => {});
    const child = steps.start(`signer-${i}`, [
      "signer",
      "run",
      "--home",
      home,
      "--ready-file",
      ready,
    ]);
    const info = await steps.waitReady<{ url: string }>(ready, child);
    return info.url;
  }));
}
