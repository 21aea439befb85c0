import { assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  fetchCurrentRotationId,
  InvalidRotationInfoError,
  nymApiEndpoint,
  parseKeyRotationInfo,
} from "./rotation.ts";

Deno.test("parseKeyRotationInfo reads progress.current_key_rotation_id", () => {
  const info = {
    key_rotation_state: { validity_epochs: 24, initial_epoch_id: 100 },
    current_absolute_epoch_id: 2000,
    progress: {
      current_key_rotation_id: 79,
      current_rotation_starting_epoch: 1996,
      current_rotation_ending_epoch: 2019,
    },
  };
  assertEquals(parseKeyRotationInfo(info), 79);
  for (
    const bad of [null, {}, { progress: {} }, { progress: { current_key_rotation_id: -1 } }, {
      progress: { current_key_rotation_id: "7" },
    }]
  ) {
    assertThrows(() => parseKeyRotationInfo(bad), InvalidRotationInfoError);
  }
});

Deno.test("nymApiEndpoint joins base URLs with or without a trailing slash", () => {
  assertEquals(nymApiEndpoint("https://x.org/api/", "v1/a"), "https://x.org/api/v1/a");
  assertEquals(nymApiEndpoint("https://x.org/api", "/v1/a"), "https://x.org/api/v1/a");
});

Deno.test("fetchCurrentRotationId falls through unreachable and bad nym-apis", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push(url.pathname);
    if (url.pathname.startsWith("/broken/")) return new Response("nope", { status: 500 });
    if (url.pathname.startsWith("/garbage/")) return new Response("{}");
    return Response.json({ progress: { current_key_rotation_id: 42 } });
  });
  // A port that was just free: nothing listens there.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const answer = await fetchCurrentRotationId({
      urls: [
        `http://127.0.0.1:${closedPort}/`,
        `${base}/broken/`,
        `${base}/garbage/`,
        `${base}/api/`,
      ],
      timeoutMs: 2000,
    });
    assertEquals(answer, { rotationId: 42, source: `${base}/api/` });
    assertEquals(seen, [
      "/broken/v1/epoch/key-rotation-info",
      "/garbage/v1/epoch/key-rotation-info",
      "/api/v1/epoch/key-rotation-info",
    ]);
    assertEquals(
      await fetchCurrentRotationId({ urls: [`${base}/broken/`], timeoutMs: 2000 }),
      null,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("fetchCurrentRotationId gives up on a silent nym-api after the timeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn); // accept, never answer
  })();
  try {
    const started = performance.now();
    const answer = await fetchCurrentRotationId({
      urls: [`http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`],
      timeoutMs: 200,
    });
    assertEquals(answer, null);
    assertEquals(performance.now() - started < 5000, true);
  } finally {
    listener.close();
    for (const conn of accepted) conn.close();
    await accepting.catch(() => {});
  }
});
