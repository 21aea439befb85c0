/**
 * Test support, run as its own process: the real Nym wasm client
 * (`@nymproject/nym-client-wasm-node@1.4.1`, `/work/notes/wasm-client.md`) driven over standard
 * input/output with one JSON object per line, so tests can use it as a peer of our client.
 *
 * Output events: `{"event":"ready","address":...,"clientId":...,"restored":bool}`,
 * `{"event":"failed","error":...}`, `{"event":"message","data":<base64>,"senderTag":<base58>|null}`,
 * `{"event":"done","cmd":...}`, `{"event":"error",...}`.
 * Input commands: `{"cmd":"send","to":...,"data":<base64>}`,
 * `{"cmd":"sendAnonymous","to":...,"data":<base64>,"surbs":N}`,
 * `{"cmd":"reply","senderTag":<base58>,"data":<base64>}`, `{"cmd":"persist"}`.
 *
 * Storage: the client keeps its keys and gateway registration in IndexedDB, which is
 * `fake-indexeddb` here and so lives only as long as the process (`wasm-client.md` §4 item 10).
 * With `--storage-file F` the peer makes it outlive the process, as a browser profile would:
 * before the client starts it restores every database from F (if F exists; `idb_snapshot.ts`),
 * and it writes every database back to F once the client is ready (registered and
 * authenticated) and on each `persist` command (to `F.tmp`, then renamed, so a kill never leaves
 * half a file). F also records the client id (the IndexedDB namespace) and the gateway, which a
 * restart reuses: with its stored keys and that gateway as the preferred one, the 1.4.1 client
 * skips registration and goes straight to `authenticateV2` (§3.1, §4 item 10).
 *
 * The 1.4.1 callback hands sender tags over as opaque `AnonymousSenderTag` wasm objects (only
 * `free()`), so `send_reply` cannot be fed a tag from a message (`wasm-client.md` §1.4). This
 * peer reads the tag's 16 bytes from the wasm memory behind the object (wasm-bindgen keeps a
 * `WasmRefCell<[u8; 16]>`: a 4-byte borrow flag, then the bytes) and reports it as base58; tests
 * check the value against the tag our client used, so a wrong offset fails loudly.
 *
 * Usage: `deno run --allow-net=127.0.0.1 --allow-read --allow-env [--allow-write=F,F.tmp]
 * wasm_peer.ts <nym-api URL> [--gateway <id>] [--client-id <id>] [--storage-file F] [--delays]
 * [--cover]`
 *
 * @module
 */
import "fake-indexeddb/auto"; // first: the client keeps its keys in IndexedDB
import { base58, base64 } from "@scure/base";
import { dumpIndexedDb, restoreIndexedDb, type SnapshotIdbFactory } from "./idb_snapshot.ts";

const [nymApiUrl, ...rest] = Deno.args;
if (!new URL(nymApiUrl).hostname.startsWith("127.")) {
  throw new Error(`refusing non-loopback nym-api ${nymApiUrl}`);
}
const flag = (name: string) => rest.includes(`--${name}`);
const option = (name: string) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : undefined;
};

const encoder = new TextEncoder();
function emit(value: Record<string, unknown>): void {
  Deno.stdout.writeSync(encoder.encode(`${JSON.stringify(value)}\n`));
}

/** What `--storage-file` holds. */
interface PeerStorage {
  readonly format: "wasm-peer-storage/1";
  readonly clientId: string;
  readonly address: string;
  readonly gateway: string;
  readonly indexedDb: unknown;
}

const storageFile = option("storage-file");
const indexedDb = (globalThis as unknown as { indexedDB: SnapshotIdbFactory }).indexedDB;

async function loadStorage(): Promise<PeerStorage | null> {
  if (storageFile === undefined) return null;
  let text: string;
  try {
    text = await Deno.readTextFile(storageFile);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const stored = JSON.parse(text) as PeerStorage;
  if (stored.format !== "wasm-peer-storage/1" || typeof stored.clientId !== "string") {
    throw new Error(`${storageFile} is not a wasm peer storage file`);
  }
  await restoreIndexedDb(indexedDb, stored.indexedDb);
  return stored;
}

async function saveStorage(clientId: string, address: string): Promise<void> {
  if (storageFile === undefined) throw new Error("no --storage-file given");
  const stored: PeerStorage = {
    format: "wasm-peer-storage/1",
    clientId,
    address,
    gateway: address.slice(address.indexOf("@") + 1),
    indexedDb: await dumpIndexedDb(indexedDb),
  };
  await Deno.writeTextFile(`${storageFile}.tmp`, JSON.stringify(stored));
  await Deno.rename(`${storageFile}.tmp`, storageFile);
}

let stored: PeerStorage | null;
try {
  stored = await loadStorage();
} catch (error) {
  emit({ event: "failed", error: `restoring ${storageFile}: ${(error as Error)?.message}` });
  Deno.exit(1);
}
if (stored && option("client-id") !== undefined && option("client-id") !== stored.clientId) {
  emit({ event: "failed", error: `${storageFile} belongs to client ${stored.clientId}` });
  Deno.exit(1);
}
const clientId = stored?.clientId ?? option("client-id") ?? `peer-${crypto.randomUUID()}`;
// Without a preferred gateway the client registers with a new one even if it has stored keys.
const gateway = option("gateway") ?? stored?.gateway;

const wasm = await import("@nymproject/nym-client-wasm-node");
// deno-lint-ignore no-explicit-any
const memory = (wasm as any).__wasm?.memory as WebAssembly.Memory | undefined;

function tagText(tag: unknown): string | null {
  if (tag === undefined || tag === null) return null;
  if (typeof tag === "string") return tag;
  const pointer = (tag as { __wbg_ptr?: number }).__wbg_ptr;
  if (memory === undefined || typeof pointer !== "number") return null;
  return base58.encode(new Uint8Array(memory.buffer, pointer + 4, 16).slice());
}

const clientOverride = {
  traffic: {
    ...(flag("delays") ? {} : { averagePacketDelayMs: 0 }),
    ...(flag("cover") ? {} : { disableMainPoissonPacketDistribution: true }),
  },
  coverTraffic: flag("cover") ? {} : { disableLoopCoverTrafficStream: true },
  acknowledgements: flag("delays") ? {} : { averageAckDelayMs: 0 },
};

// deno-lint-ignore no-explicit-any
let client: any;
try {
  client = await new wasm.NymClient((payload: Uint8Array, senderTag?: unknown) => {
    emit({ event: "message", data: base64.encode(payload), senderTag: tagText(senderTag) });
  }, {
    clientId,
    nymApiUrl,
    nyxdUrl: "http://127.0.0.1:1/",
    ...(gateway ? { preferredGateway: gateway } : {}),
    clientOverride,
  });
  // Registered (or authenticated) by now: keep the keys before anything else can happen.
  if (storageFile !== undefined) await saveStorage(clientId, client.selfAddress());
} catch (error) {
  emit({ event: "failed", error: String((error as Error)?.message ?? error) });
  Deno.exit(1);
}
emit({ event: "ready", address: client.selfAddress(), clientId, restored: stored !== null });

// Commands run one at a time, never from inside the wasm callback (that panics the wasm).
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let buffered = "";
for await (const chunk of lines) {
  buffered += chunk;
  for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
    const line = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    if (!line) continue;
    try {
      const command = JSON.parse(line);
      const data = base64.decode(command.data ?? "");
      if (command.cmd === "send") await client.send_regular_message(data, command.to);
      else if (command.cmd === "persist") await saveStorage(clientId, client.selfAddress());
      else if (command.cmd === "sendAnonymous") {
        await client.send_anonymous_message(data, command.to, command.surbs);
      } else if (command.cmd === "reply") await client.send_reply(data, command.senderTag);
      else throw new Error(`unknown command ${command.cmd}`);
      emit({ event: "done", cmd: command.cmd });
    } catch (error) {
      emit({ event: "error", error: String((error as Error)?.message ?? error) });
    }
  }
}
Deno.exit(0);
