/**
 * The replier-side SURB state machine with the reference thresholds (`clients.md` §3.3): how
 * many SURBs a reply may use, when and how much to request, draining on arrival, re-requests
 * and dropping, key-rotation refresh; and the stores behind it.
 */
import { assert, assertEquals, assertThrows } from "../../testing/asserts.ts";
import { seededRandom } from "../../crypto/random.ts";
import { manualClock } from "../../util/clock.ts";
import { PacketSize } from "../../framing/packet_size.ts";
import {
  type Fragment,
  fragmentIdentifier,
  prepareFragments,
  replyKeyDigest,
} from "../../message/mod.ts";
import { defaultClientConfig } from "../config.ts";
import { fragmentKey } from "../acks/pending_acks.ts";
import { NoReplySurbsError, type ReplyAction, ReplyController } from "./reply_controller.ts";
import { type ReceivedSurb, ReceivedSurbStore, ReplyKeyStore, SenderTagStore } from "./stores.ts";

const TAG = "1111111111111111";
const random = seededRandom(new Uint8Array(32).fill(5));

function surbs(n: number, mark = 0): ReceivedSurb[] {
  return Array.from({ length: n }, (_, i) => ({
    bytes: new Uint8Array(460).fill((i + mark) % 256),
    keyRotation: 2 as const,
  }));
}

function fragments(n: number): Fragment[] {
  // A reply of n packets.
  const out = prepareFragments(
    { kind: "reply", content: { kind: "data", message: new Uint8Array(1604 * n - 103).fill(1) } },
    PacketSize.Regular,
    random,
  );
  assertEquals(out.length, n);
  return out;
}

function setup() {
  const clock = manualClock(1_000_000);
  const store = new ReceivedSurbStore();
  const pending = new Set<Fragment>();
  const controller = new ReplyController<Fragment>({
    store,
    config: defaultClientConfig().replySurbs,
    random,
    clock,
    isPending: (f) => pending.has(f),
    fragmentOf: (f) => f,
  });
  return { clock, store, controller, pending };
}

const kinds = (actions: ReplyAction<Fragment>[]) => actions.map((a) => a.kind);

Deno.test("replies: a tag never heard from is refused", () => {
  const { controller } = setup();
  assertThrows(() => controller.queueReply(TAG, fragments(1), "general", 10), NoReplySurbsError);
});

Deno.test("replies: SURBs above the reserve of 10 are used; the rest queue and more are asked for", () => {
  const { store, controller } = setup();
  controller.surbsReceived(TAG, surbs(13), false);
  const actions = controller.queueReply(TAG, fragments(5), "connection:9", 10);
  // 13 − 10 = 3 fragments go now, 2 wait, and one reserve SURB carries a request.
  assertEquals(kinds(actions), ["send", "send", "send", "requestSurbs"]);
  const request = actions[3];
  assert(request.kind === "requestSurbs");
  // clamp(queued 2 + buffer 0, 10, 50) = 10.
  assertEquals(request.amount, 10);
  assertEquals(store.available(TAG), 9);
  assertEquals(store.pendingReception(TAG), 10);
  assertEquals(controller.laneQueueLength("connection:9"), 2);
  assertEquals(controller.pending(TAG), 2);
  // While the request is outstanding no second request goes out for the same queue.
  assertEquals(kinds(controller.queueReply(TAG, fragments(1), "general", 10)), []);
  // The requested SURBs arrive: the queue drains, the pending count falls.
  const drained = controller.surbsReceived(TAG, surbs(10, 50), true);
  assertEquals(kinds(drained), ["send", "send", "send"]);
  assertEquals(store.pendingReception(TAG), 0);
  assertEquals(controller.pending(TAG), 0);
  assertEquals(store.available(TAG), 16);
});

Deno.test("replies: a big reply asks for at most 50 SURBs at a time", () => {
  const { controller } = setup();
  controller.surbsReceived(TAG, surbs(10), false);
  const actions = controller.queueReply(TAG, fragments(80), "general", 10);
  assertEquals(kinds(actions), ["requestSurbs"]);
  assert(actions[0].kind === "requestSurbs" && actions[0].amount === 50);
});

Deno.test("replies: timed-out replies wait for SURBs and go first when they come", () => {
  const { controller, pending, store } = setup();
  controller.surbsReceived(TAG, surbs(10), false);
  const [f] = fragments(1);
  pending.add(f);
  // No usable SURB (all 10 are reserve): wait and ask.
  assertEquals(kinds(controller.retransmit(TAG, f, false)), ["requestSurbs"]);
  assertEquals(controller.pending(TAG), 1);
  const actions = controller.surbsReceived(TAG, surbs(5), true);
  assertEquals(kinds(actions), ["retransmit"]);
  assert(actions[0].kind === "retransmit" && actions[0].entry === f);
  // A SURB request itself may dip into the reserve.
  const [g] = fragments(1);
  assertEquals(kinds(controller.retransmit(TAG, g, true)), ["retransmit"]);
  // An entry acked meanwhile is skipped.
  store.take(TAG, store.available(TAG) - 10);
  const [h] = fragments(1);
  controller.retransmit(TAG, h, false);
  assertEquals(controller.pending(TAG), 1);
  assertEquals(kinds(controller.surbsReceived(TAG, surbs(20), false)), []);
  assertEquals(controller.pending(TAG), 0);
});

Deno.test("replies: re-request after 10 s without SURBs, drop after more than 5 re-requests", () => {
  const { clock, controller, pending } = setup();
  controller.surbsReceived(TAG, surbs(12), false);
  controller.queueReply(TAG, fragments(10), "general", 10);
  const [f] = fragments(1);
  pending.add(f);
  controller.retransmit(TAG, f, false);
  assertEquals(kinds(controller.inspectStale()), []);
  const requests: number[] = [];
  for (let i = 0; i < 6; i++) {
    clock.advance(10_001);
    const actions = controller.inspectStale();
    assertEquals(kinds(actions), ["requestSurbs"]);
    // Each re-request spends a reserve SURB; give it back as if it bounced, to keep going.
    const a = actions[0];
    assert(a.kind === "requestSurbs");
    controller.requestFailed(TAG, a.surb, a.amount);
    requests.push(a.amount);
  }
  assertEquals(requests.length, 6);
  clock.advance(10_001);
  const dropped = controller.inspectStale();
  assertEquals(kinds(dropped), ["dropped"]);
  assert(dropped[0].kind === "dropped");
  assertEquals(dropped[0].fragments, 8);
  assertEquals(dropped[0].entries.map((e) => fragmentKey(fragmentIdentifier(e))), [
    fragmentKey(fragmentIdentifier(f)),
  ]);
  assertEquals(controller.pending(TAG), 0);
});

Deno.test("replies: a sender silent for 5 minutes is dropped at once", () => {
  const { clock, controller } = setup();
  controller.surbsReceived(TAG, surbs(11), false);
  controller.queueReply(TAG, fragments(3), "general", 10);
  clock.advance(5 * 60_000 + 1);
  assertEquals(kinds(controller.inspectStale()), ["dropped"]);
});

Deno.test("replies: a key rotation marks SURBs stale and asks for as many new ones", () => {
  const { store, controller } = setup();
  controller.surbsReceived(TAG, surbs(30), false);
  const actions = controller.rotate();
  assertEquals(kinds(actions), ["requestSurbs"]);
  assert(actions[0].kind === "requestSurbs" && actions[0].amount === 30);
  assertEquals(store.availableFresh(TAG), 0);
  assertEquals(store.available(TAG), 29);
  // Stale SURBs are used first; a second rotation drops them.
  assertEquals(store.take(TAG, 1)[0].bytes[0], 1);
  store.insert(TAG, surbs(2, 100), 0);
  store.rotate();
  assertEquals(store.available(TAG), 2);
});

Deno.test("stores: sender tags, reply keys and SURBs survive a JSON snapshot", () => {
  const tags = new SenderTagStore();
  const tag = tags.getOrCreate("alice", random);
  assertEquals(tags.getOrCreate("alice", random), tag);
  const keys = new ReplyKeyStore();
  const key = new Uint8Array(16).fill(3);
  keys.insert([key], 1000);
  const store = new ReceivedSurbStore();
  store.insert(TAG, surbs(3), 500);

  const tags2 = new SenderTagStore();
  tags2.load(JSON.parse(JSON.stringify(tags.toJSON())));
  assertEquals(tags2.get("alice"), tag);
  const keys2 = new ReplyKeyStore();
  keys2.load(JSON.parse(JSON.stringify(keys.toJSON())));
  assertEquals(keys2.take(replyKeyDigest(key)), key);
  assertEquals(keys2.take(replyKeyDigest(key)), undefined); // single use
  const store2 = new ReceivedSurbStore();
  store2.load(JSON.parse(JSON.stringify(store.toJSON())));
  assertEquals(store2.available(TAG), 3);
  assertEquals(store2.take(TAG, 3).map((s) => s.bytes[0]), [0, 1, 2]);
  // Garbage is skipped, not fatal.
  store2.load([{ tag: "not a tag", fresh: [], stale: [], lastReceivedAtMs: 1 }, 5, null]);
  tags2.load("nonsense");
});

Deno.test("stores: reply keys expire after their maximum age; stores are bounded", () => {
  const keys = new ReplyKeyStore(3);
  const k = (b: number) => new Uint8Array(16).fill(b);
  keys.insert([k(1)], 0);
  keys.insert([k(2), k(3), k(4)], 10);
  assertEquals(keys.size, 3); // the oldest was evicted
  assertEquals(keys.take(replyKeyDigest(k(1))), undefined);
  assertEquals(keys.expire(100, 50), 3);
  const store = new ReceivedSurbStore(5);
  store.insert(TAG, surbs(8), 0);
  assertEquals(store.available(TAG), 5);
  assertEquals(store.dropAbandoned(10, 5), 0); // still has SURBs
  store.take(TAG, 5);
  assertEquals(store.dropAbandoned(10, 5), 1);
});
