/**
 * Crash-safe file writes: data goes to a temporary file in the same directory, is flushed to
 * disk, and only then renamed over (or linked to) the final name, so a crash never leaves a
 * half-written key or config behind.
 *
 * @module
 */
import { dirname } from "node:path";

/** Options for {@linkcode writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permission bits of the new file (default `0o600`). */
  readonly mode?: number;
  /** Fail with `Deno.errors.AlreadyExists` instead of replacing an existing file. */
  readonly createNew?: boolean;
}

/**
 * Writes `data` to `path` atomically, creating missing parent directories.
 *
 * @example
 * ```ts no-eval
 * import { writeFileAtomic } from "./atomic_write.ts";
 * await writeFileAtomic("/tmp/example/key", "secret", { mode: 0o600, createNew: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const temporary = `${path}.${crypto.randomUUID()}.partial`;
  let placed = false;
  try {
    const file = await Deno.open(temporary, { write: true, createNew: true, mode });
    try {
      let offset = 0;
      while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
      await file.syncData();
    } finally {
      file.close();
    }
    // The umask may have narrowed the mode; make it exact.
    await Deno.chmod(temporary, mode);
    if (options.createNew) {
      // link() refuses to replace an existing file, unlike rename().
      await Deno.link(temporary, path);
      await Deno.remove(temporary);
    } else {
      await Deno.rename(temporary, path);
    }
    placed = true;
    await syncDirectory(dir);
  } finally {
    if (!placed) await Deno.remove(temporary).catch(() => {});
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Not every platform can fsync a directory; the data itself is already synced.
  }
}
