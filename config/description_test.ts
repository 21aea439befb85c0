import { assertEquals, assertRejects, assertStringIncludes } from "../testing/asserts.ts";
import { emptyDescription, loadDescription, saveDescription } from "./description.ts";
import { ConfigError } from "./errors.ts";

Deno.test("description.toml round-trips and rejects unknown keys", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/description.toml`;
    await saveDescription(path, emptyDescription());
    assertEquals(await loadDescription(path), emptyDescription());
    const filled = {
      moniker: "Mój węzeł",
      website: "https://example.org",
      security_contact: "sec@example.org",
      details: 'multi\nline "quoted"',
    };
    await saveDescription(path, filled);
    assertEquals(await loadDescription(path), filled);
    // Field order is the real node's NodeDescription order.
    assertEquals(Object.keys(await loadDescription(path)), [
      "moniker",
      "website",
      "security_contact",
      "details",
    ]);
    await Deno.writeTextFile(path, 'moniker = "x"\nnickname = "y"\n');
    const error = await assertRejects(() => loadDescription(path), ConfigError);
    assertEquals(error.message, `${path}: nickname: unknown key`);
    await Deno.writeTextFile(path, "details = 5\n");
    assertStringIncludes(
      (await assertRejects(() => loadDescription(path), ConfigError)).message,
      "details: expected a string, got 5",
    );
    await Deno.remove(path);
    await assertRejects(
      () => loadDescription(path),
      ConfigError,
      "cannot read the node description",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
