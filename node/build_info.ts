/**
 * Build information (`GET /api/v1/build-information`, `nym-node build-info`), shaped like the
 * real node's `BinaryBuildInformationOwned`. nym-api gives a node a config score of 0 unless
 * `binary_name` is `nym-node` (`nym-node.md` §6.6), so that name is kept; every other field
 * tells the truth about this build: `build_version` is this project's version (from
 * `deno.json`), the Rust-specific fields say `n/a` and name the Deno runtime instead, and git
 * details are read from the checkout when there is one.
 *
 * @module
 */
import denoConfig from "../deno.json" with { type: "json" };

/** `BinaryBuildInformationOwned`, in its field order. */
export interface BuildInformation {
  readonly binary_name: string;
  readonly build_timestamp: string;
  readonly build_version: string;
  readonly commit_sha: string;
  readonly commit_timestamp: string;
  readonly commit_branch: string;
  readonly rustc_version: string;
  readonly rustc_channel: string;
  readonly cargo_profile: string;
  readonly cargo_triple: string;
}

/** The binary name nym-api expects. */
export const BINARY_NAME = "nym-node";

/** This implementation's version (`deno.json`). */
export const BUILD_VERSION: string = denoConfig.version;

/** Value of fields this build cannot know. */
export const UNKNOWN = "unknown";

/** Git details of a checkout. */
export interface GitDetails {
  readonly sha: string;
  readonly branch: string;
}

/**
 * Reads the commit and branch of the git checkout at `repoDir` (without running git); `null`
 * when there is no readable checkout (e.g. in a compiled binary).
 *
 * @example
 * ```ts no-eval
 * import { readGitDetails } from "./build_info.ts";
 * await readGitDetails("/work/main"); // { sha: "83c7adb…", branch: "main" }
 * ```
 */
export async function readGitDetails(repoDir: string): Promise<GitDetails | null> {
  try {
    const head = (await Deno.readTextFile(`${repoDir}/.git/HEAD`)).trim();
    if (/^[0-9a-f]{40}$/.test(head)) return { sha: head, branch: "HEAD" };
    const ref = /^ref: (refs\/heads\/(.+))$/.exec(head);
    if (!ref) return null;
    const loose = await Deno.readTextFile(`${repoDir}/.git/${ref[1]}`).catch(() => null);
    if (loose && /^[0-9a-f]{40}$/.test(loose.trim())) return { sha: loose.trim(), branch: ref[2] };
    const packed = await Deno.readTextFile(`${repoDir}/.git/packed-refs`).catch(() => "");
    for (const line of packed.split("\n")) {
      const [sha, name] = line.trim().split(" ");
      if (name === ref[1] && /^[0-9a-f]{40}$/.test(sha)) return { sha, branch: ref[2] };
    }
    return { sha: UNKNOWN, branch: ref[2] };
  } catch {
    return null;
  }
}

/**
 * Builds the document for this binary. `git` defaults to the checkout this module lives in.
 *
 * @example
 * ```ts no-eval
 * import { collectBuildInformation } from "./build_info.ts";
 * (await collectBuildInformation()).binary_name; // "nym-node"
 * ```
 */
export async function collectBuildInformation(
  options: { git?: GitDetails | null } = {},
): Promise<BuildInformation> {
  let git = options.git;
  if (git === undefined) {
    const here = new URL("..", import.meta.url);
    git = here.protocol === "file:"
      ? await readGitDetails(decodeURIComponent(here.pathname))
      : null;
  }
  return {
    binary_name: BINARY_NAME,
    build_timestamp: UNKNOWN,
    build_version: BUILD_VERSION,
    commit_sha: git?.sha ?? UNKNOWN,
    commit_timestamp: UNKNOWN,
    commit_branch: git?.branch ?? UNKNOWN,
    rustc_version:
      `n/a (deno ${Deno.version.deno}, v8 ${Deno.version.v8}, typescript ${Deno.version.typescript})`,
    rustc_channel: "n/a",
    cargo_profile: "n/a",
    cargo_triple: Deno.build.target,
  };
}

/**
 * The text form printed by `nym-node build-info -o text` (same labels as the real node).
 *
 * @example
 * ```ts no-eval
 * import { collectBuildInformation, formatBuildInformation } from "./build_info.ts";
 * console.log(formatBuildInformation(await collectBuildInformation()));
 * ```
 */
export function formatBuildInformation(info: BuildInformation): string {
  const rows: [string, string][] = [
    ["Binary Name:", info.binary_name],
    ["Build Timestamp:", info.build_timestamp],
    ["Build Version:", info.build_version],
    ["Commit SHA:", info.commit_sha],
    ["Commit Date:", info.commit_timestamp],
    ["Commit Branch:", info.commit_branch],
    ["rustc Version:", info.rustc_version],
    ["rustc Channel:", info.rustc_channel],
    ["cargo Profile:", info.cargo_profile],
  ];
  return `\n${rows.map(([label, value]) => label.padEnd(20) + value).join("\n")}\n`;
}
