import { assertEquals, assertStringIncludes } from "../testing/asserts.ts";
import denoConfig from "../deno.json" with { type: "json" };
import { collectBuildInformation, formatBuildInformation, readGitDetails } from "./build_info.ts";

Deno.test("build information has the real node's fields in order", async () => {
  const info = await collectBuildInformation({ git: { sha: "a".repeat(40), branch: "main" } });
  assertEquals(Object.keys(info), [
    "binary_name",
    "build_timestamp",
    "build_version",
    "commit_sha",
    "commit_timestamp",
    "commit_branch",
    "rustc_version",
    "rustc_channel",
    "cargo_profile",
    "cargo_triple",
  ]);
  assertEquals(info.binary_name, "nym-node");
  assertEquals(info.build_version, denoConfig.version);
  assertEquals(info.commit_sha, "a".repeat(40));
  assertStringIncludes(info.rustc_version, `n/a (deno ${Deno.version.deno}`);
  assertEquals(info.cargo_triple, Deno.build.target);
  const text = formatBuildInformation(info);
  assertStringIncludes(text, "\nBinary Name:        nym-node\n");
  assertStringIncludes(text, `Build Version:      ${denoConfig.version}\n`);
});

Deno.test("readGitDetails reads loose and packed refs without running git", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await readGitDetails(dir), null);
    await Deno.mkdir(`${dir}/.git/refs/heads`, { recursive: true });
    await Deno.writeTextFile(`${dir}/.git/HEAD`, "ref: refs/heads/dev\n");
    await Deno.writeTextFile(
      `${dir}/.git/packed-refs`,
      `# pack\n${"b".repeat(40)} refs/heads/dev\n`,
    );
    assertEquals(await readGitDetails(dir), { sha: "b".repeat(40), branch: "dev" });
    await Deno.writeTextFile(`${dir}/.git/refs/heads/dev`, `${"c".repeat(40)}\n`);
    assertEquals(await readGitDetails(dir), { sha: "c".repeat(40), branch: "dev" });
    await Deno.writeTextFile(`${dir}/.git/HEAD`, `${"d".repeat(40)}\n`);
    assertEquals(await readGitDetails(dir), { sha: "d".repeat(40), branch: "HEAD" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
