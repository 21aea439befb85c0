/**
 * `nym-node signer keygen|init|run`: a localnet's zk-nym signers (nym-api's e-cash role).
 *
 * - `keygen --threshold 2 --signers 3 --out DIR [--epoch-id 1]`: trusted-dealer key shares
 *   (`DIR/signer-<i>.json`, mode 0600) and the public keys (`DIR/verification-keys.json`). There
 *   is no DKG: whoever runs keygen sees every share, so this is for test networks only.
 * - `init --home DIR --key-file DIR/signer-1.json [--bind-address …] [--announce-address …]
 *   [--peer URL …]`: a signer home (`credentials/signer/home.ts`) with a fresh ed25519 identity.
 * - `run --home DIR [--bind-address …] [--announce-address …] [--peer URL …] [--ready-file …]`:
 *   serves the e-cash API until SIGINT/SIGTERM. Issuance is free (no deposit check).
 *
 * @module
 */
import { Command, Option } from "commander";
import { getLogger } from "@logtape/logtape";
import { writeFileAtomic } from "../config/atomic_write.ts";
import { systemRandom } from "../crypto/random.ts";
import {
  dealSignerKeys,
  encodeSignerKeyShare,
  encodeSignerPublicKeys,
  initSignerHome,
  loadSignerHome,
  SIGNER_FILES,
  SignerHomeError,
  SignerKeyFileError,
  SignerStorageError,
  startSignerService,
} from "../credentials/signer/mod.ts";
import { setup } from "../credentials/params.ts";
import { runUntilSignal } from "./run.ts";
import { type CliDependencies, CliError } from "./common.ts";
import { parseIntegerIn, parseSocket, parseUrl } from "./parsers.ts";

const collect = (value: string, previous: string[] = []) => [...previous, parseUrl(value)];

function userError(error: unknown): never {
  if (
    error instanceof SignerHomeError || error instanceof SignerKeyFileError ||
    error instanceof SignerStorageError
  ) {
    throw new CliError(error.message);
  }
  throw error;
}

/** Options of `signer keygen`. */
interface KeygenOptions {
  readonly threshold: number;
  readonly signers: number;
  readonly out: string;
  readonly epochId: number;
}

/**
 * Writes the dealt key files into `out` (refusing to overwrite any); returns the file names.
 *
 * @example
 * ```ts no-eval
 * const files = await writeSignerKeys({ threshold: 2, signers: 3, out: "keys", epochId: 1 });
 * ```
 */
export async function writeSignerKeys(options: KeygenOptions): Promise<string[]> {
  if (options.threshold > options.signers) {
    throw new CliError(
      `--threshold ${options.threshold} is larger than --signers ${options.signers}`,
    );
  }
  const { shares, publicKeys } = dealSignerKeys(
    setup(),
    options.threshold,
    options.signers,
    BigInt(options.epochId),
    systemRandom,
  );
  const files: [string, string, number][] = shares.map((s) => [
    `signer-${s.index}.json`,
    encodeSignerKeyShare(s),
    0o600,
  ]);
  files.push(["verification-keys.json", encodeSignerPublicKeys(publicKeys), 0o644]);
  for (const [name] of files) {
    try {
      await Deno.lstat(`${options.out}/${name}`);
      throw new CliError(`${options.out}/${name} already exists; refusing to overwrite keys`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  for (const [name, text, mode] of files) {
    await writeFileAtomic(`${options.out}/${name}`, text, { mode, createNew: true });
  }
  return files.map(([name]) => name);
}

/**
 * The `signer` command group.
 *
 * @example
 * ```ts no-eval
 * program.addCommand(signerCommand(deps));
 * ```
 */
export function signerCommand(deps: CliDependencies): Command {
  const group = new Command("signer").description(
    "run a zk-nym (e-cash) signer for a local network (trusted-dealer keys, free issuance)",
  );

  group.addCommand(
    new Command("keygen")
      .description("deal threshold key shares for the signers of a local network (no DKG)")
      .requiredOption("--threshold <t>", "shares needed to issue", parseIntegerIn(1, 1000))
      .requiredOption("--signers <n>", "number of signers", parseIntegerIn(1, 1000))
      .requiredOption("--out <dir>", "directory for signer-<i>.json and verification-keys.json")
      .addOption(
        new Option("--epoch-id <id>", "DKG epoch id of the keys")
          .argParser(parseIntegerIn(0, Number.MAX_SAFE_INTEGER)).default(1),
      )
      .action(async (options: KeygenOptions) => {
        const files = await writeSignerKeys(options);
        deps.output.stdout(
          `dealt ${options.signers} key shares (threshold ${options.threshold}, epoch ${options.epochId}) into ${options.out}: ${
            files.join(", ")
          }\n`,
        );
      }),
  );

  const addServiceOptions = (command: Command) =>
    command
      .addOption(
        new Option("--bind-address <addr>", "listen address of the signer API")
          .argParser(parseSocket),
      )
      .addOption(new Option("--announce-address <url>", "public base URL").argParser(parseUrl))
      .addOption(
        new Option("--peer <url>", "another signer's base URL (repeatable)").argParser(collect),
      );

  group.addCommand(
    addServiceOptions(
      new Command("init")
        .description("create a signer home from a dealt key file")
        .addOption(
          new Option("--home <dir>", "signer home directory").env("NYMNODE_SIGNER_HOME")
            .makeOptionMandatory(),
        )
        .requiredOption("--key-file <path>", "a signer-<i>.json written by `signer keygen`"),
    ).action(async (options: {
      home: string;
      keyFile: string;
      bindAddress?: string;
      announceAddress?: string;
      peer?: string[];
    }) => {
      let text: string;
      try {
        text = await Deno.readTextFile(options.keyFile);
      } catch (e) {
        throw new CliError(`cannot read ${options.keyFile}: ${(e as Error).message}`);
      }
      const share = await initSignerHome(options.home, setup(), text, {
        bindAddress: options.bindAddress ?? "127.0.0.1:8000",
        announceAddress: options.announceAddress ?? "",
        peers: options.peer ?? [],
      }, systemRandom).catch(userError);
      deps.output.stdout(
        `initialised signer ${share.index} (threshold ${share.threshold}, epoch ${share.epochId}) in ${options.home}\n`,
      );
    }),
  );

  group.addCommand(
    addServiceOptions(
      new Command("run")
        .description("serve the e-cash signer API until interrupted")
        .addOption(
          new Option("--home <dir>", "signer home directory").env("NYMNODE_SIGNER_HOME")
            .makeOptionMandatory(),
        )
        .option("--ready-file <path>", "write {pid, url, index, epoch_id} here once listening"),
    ).action(async (options: {
      home: string;
      bindAddress?: string;
      announceAddress?: string;
      peer?: string[];
      readyFile?: string;
    }) => {
      const log = getLogger(["nym-node", "signer"]);
      const params = setup();
      const { config, keys, identity } = await loadSignerHome(options.home, params)
        .catch(userError);
      await runUntilSignal(deps, async (onStop) => {
        const running = await startSignerService({
          keys,
          identity,
          params,
          databasePath: `${options.home}/${SIGNER_FILES.database}`,
          bindAddress: options.bindAddress ?? config.bindAddress,
          announceAddress: options.announceAddress ?? config.announceAddress,
          peers: options.peer ?? config.peers,
        }).catch(userError);
        onStop(async () => {
          await running.stop();
          if (options.readyFile) await Deno.remove(options.readyFile).catch(() => {});
        });
        if (options.readyFile) {
          const ready = {
            pid: Deno.pid,
            url: running.url,
            index: keys.index,
            epoch_id: Number(keys.epochId),
            threshold: keys.threshold,
          };
          await writeFileAtomic(options.readyFile, `${JSON.stringify(ready)}\n`, { mode: 0o644 })
            .catch(userError);
        }
      }, (signal) => log.info("stopping the signer ({signal})", { signal }));
    }),
  );
  return group;
}
