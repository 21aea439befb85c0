import { assert, assertEquals, assertRejects, assertStringIncludes } from "../testing/asserts.ts";
import {
  createCryptoProvider,
  decodePem,
  ed25519PublicKey,
  encodePem,
  seededRandom,
} from "../crypto/mod.ts";
import {
  generateNodeKeys,
  KeyFileError,
  type KeyPaths,
  loadNodeKeys,
  PEM_TAGS,
  writeKeyFile,
} from "./keys.ts";

const crypto = createCryptoProvider("node");

function pathsIn(dir: string): KeyPaths {
  return {
    privateIdentity: `${dir}/ed25519_identity`,
    publicIdentity: `${dir}/ed25519_identity.pub`,
    primarySphinx: `${dir}/x25519_sphinx_primary`,
    secondarySphinx: `${dir}/x25519_sphinx_secondary`,
    privateNoise: `${dir}/x25519_noise`,
    publicNoise: `${dir}/x25519_noise.pub`,
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("generated keys are written 0600 in the real node's formats and reload identically", () =>
  withDir(async (dir) => {
    const paths = pathsIn(dir);
    const keys = await generateNodeKeys(paths, {
      crypto,
      random: seededRandom(new Uint8Array(32).fill(3)),
      rotationId: 0x01020304,
    });
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(files, [
      "ed25519_identity",
      "ed25519_identity.pub",
      "x25519_noise",
      "x25519_noise.pub",
      "x25519_sphinx_primary",
    ]);
    for (const name of files) {
      assertEquals(Deno.statSync(`${dir}/${name}`).mode! & 0o777, 0o600, name);
    }

    const sphinx = decodePem(await Deno.readTextFile(paths.primarySphinx));
    assertEquals(sphinx.tag, "X25519 SPHINX PRIVATE KEY");
    assertEquals(sphinx.bytes.length, 36);
    assertEquals([...sphinx.bytes.slice(0, 4)], [1, 2, 3, 4]); // rotation id, big-endian
    assertEquals(sphinx.bytes.slice(4), keys.sphinx.primary.secretKey);
    assertEquals(
      decodePem(await Deno.readTextFile(paths.privateIdentity)).tag,
      "ED25519 PRIVATE KEY",
    );
    assertEquals(
      decodePem(await Deno.readTextFile(paths.publicIdentity)).tag,
      "ED25519 PUBLIC KEY",
    );
    assertEquals(decodePem(await Deno.readTextFile(paths.privateNoise)).tag, "X25519 PRIVATE KEY");
    assertEquals(decodePem(await Deno.readTextFile(paths.publicNoise)).tag, "X25519 PUBLIC KEY");
    assertEquals(keys.identity.publicKey, ed25519PublicKey(keys.identity.secretKey));

    const loaded = await loadNodeKeys(paths, crypto);
    assertEquals(loaded, keys);
    assertEquals(loaded.sphinx.primary.rotationId, 0x01020304);
    assertEquals(loaded.sphinx.secondary, null);
  }));

Deno.test("an optional secondary sphinx key is loaded when present", () =>
  withDir(async (dir) => {
    const paths = pathsIn(dir);
    await generateNodeKeys(paths, { crypto, rotationId: 9 });
    const secret = new Uint8Array(32).fill(5);
    const body = new Uint8Array(36);
    body.set([0, 0, 0, 10]);
    body.set(secret, 4);
    await writeKeyFile(paths.secondarySphinx, PEM_TAGS.sphinxPrivate, body);
    const keys = await loadNodeKeys(paths, crypto);
    assertEquals(keys.sphinx.secondary?.rotationId, 10);
    assertEquals(keys.sphinx.secondary?.publicKey, crypto.x25519Base(secret));
  }));

Deno.test("corrupt, truncated, mistagged or mismatched key files are refused and left untouched", () =>
  withDir(async (dir) => {
    const paths = pathsIn(dir);
    await generateNodeKeys(paths, { crypto, rotationId: 0 });
    const original = await Deno.readTextFile(paths.privateIdentity);
    const cases: [string, string, string][] = [
      [paths.privateIdentity, "garbage", "is corrupt: not a PEM document"],
      [paths.privateIdentity, original.slice(0, original.length - 30), "is corrupt"],
      [
        paths.privateIdentity,
        encodePem("ED25519 PRIVATE KEY", new Uint8Array(31)),
        "holds 31 bytes, expected 32",
      ],
      [
        paths.privateIdentity,
        encodePem("X25519 PRIVATE KEY", new Uint8Array(32)),
        'PEM tag is "X25519 PRIVATE KEY", expected "ED25519 PRIVATE KEY"',
      ],
      [
        paths.publicIdentity,
        encodePem("ED25519 PUBLIC KEY", new Uint8Array(32)),
        `does not match the private key in ${paths.privateIdentity}`,
      ],
      [
        paths.primarySphinx,
        encodePem("X25519 SPHINX PRIVATE KEY", new Uint8Array(32)),
        "holds 32 bytes, expected 36",
      ],
      [
        paths.publicNoise,
        encodePem("X25519 PUBLIC KEY", new Uint8Array(32).fill(1)),
        "does not match the private key",
      ],
    ];
    for (const [path, content, expected] of cases) {
      const before = await Deno.readTextFile(path);
      await Deno.writeTextFile(path, content);
      const error = await assertRejects(() => loadNodeKeys(paths, crypto), KeyFileError);
      assertEquals(error.path, path);
      assertStringIncludes(error.message, `key file ${path}`);
      assertStringIncludes(error.message, expected);
      assertEquals(await Deno.readTextFile(path), content, "the bad file must not be replaced");
      await Deno.writeTextFile(path, before);
    }
    await Deno.remove(paths.publicNoise);
    await assertRejects(
      () => loadNodeKeys(paths, crypto),
      KeyFileError,
      `key file ${paths.publicNoise}: is missing`,
    );
  }));

Deno.test("unreadable key files are reported, never regenerated", () =>
  withDir(async (dir) => {
    const paths = pathsIn(dir);
    await generateNodeKeys(paths, { crypto, rotationId: 0 });
    // A directory in place of the key cannot be read, even by root.
    await Deno.remove(paths.privateNoise);
    await Deno.mkdir(paths.privateNoise);
    await assertRejects(
      () => loadNodeKeys(paths, crypto),
      KeyFileError,
      `key file ${paths.privateNoise}: cannot be read`,
    );
    assert((await Deno.stat(paths.privateNoise)).isDirectory);
  }));

Deno.test("existing key files are never overwritten", () =>
  withDir(async (dir) => {
    const paths = pathsIn(dir);
    await Deno.writeTextFile(paths.publicNoise, "keep me");
    const error = await assertRejects(
      () => generateNodeKeys(paths, { crypto, rotationId: 0 }),
      KeyFileError,
      "refusing to overwrite",
    );
    assertEquals(error.path, paths.publicNoise);
    assertEquals(await Deno.readTextFile(paths.publicNoise), "keep me");
    assert(!(await Deno.lstat(paths.privateIdentity).then(() => true, () => false)));
    await assertRejects(
      () => writeKeyFile(paths.publicNoise, "X", new Uint8Array(1)),
      KeyFileError,
      "already exists",
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["x25519_noise.pub"]);
  }));
