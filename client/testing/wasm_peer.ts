/**
 * Test support, run as its own process: the real Nym wasm client
 * (`@nymproject/nym-client-wasm-node@1.4.1`, `/work/notes/wasm-client.md`) driven over standard
 * input/output with one JSON object per line, so tests can use it as a peer of our client.
 *
 * Output events: `{"event":"ready","address":...}`, `{"event":"failed","error":...}`,
 * `{"event":"message","data":<base64>,"senderTag":<base58>|null}`, `{"event":"error",...}`.
 * Input commands: `{"cmd":"send","to":...,"data":<base64>}`,
 * `{"cmd":"sendAnonymous","to":...,"data":<base64>,"surbs":N}`,
 * `{"cmd":"reply","senderTag":<base58>,"data":<base64>}`.
 *
 * The 1.4.1 callback hands sender tags over as opaque `AnonymousSenderTag` wasm objects (only
 * `free()`), so `send_reply` cannot be fed a tag from a message (`wasm-client.md` §1.4). This
 * peer reads the tag's 16 bytes from the wasm memory behind the object (wasm-bindgen keeps a
 * `WasmRefCell<[u8; 16]>`: a 4-byte borrow flag, then the bytes) and reports it as base58; tests
 * check the value against the tag our client used, so a wrong offset fails loudly.
 *
 * Usage: `deno run --allow-net=127.0.0.1 --allow-read --allow-env wasm_peer.ts <nym-api URL>
 * [--gateway <id>] [--delays] [--cover]`
 *
 * @module
 */
import "fake-indexeddb/auto"; // first: the client keeps its keys in IndexedDB
import { base58, base64 } from "@scure/base";

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
    clientId: `peer-${crypto.randomUUID()}`,
    nymApiUrl,
    nyxdUrl: "http://127.0.0.1:1/",
    ...(option("gateway") ? { preferredGateway: option("gateway") } : {}),
    clientOverride,
  });
} catch (error) {
  emit({ event: "failed", error: String((error as Error)?.message ?? error) });
  Deno.exit(1);
}
emit({ event: "ready", address: client.selfAddress() });

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
