import { assertEquals } from "../testing/asserts.ts";
import { type AssignedRole, assignRoles, rewardedSetOf } from "./assignment.ts";
import { epochAt, formatRfc3339, keyRotationInfo, rotationIdOf } from "./epoch.ts";

const MIX = { mixnode: true, entry: false, exit_nr: false, exit_ipr: false };
const ENTRY = { mixnode: false, entry: true, exit_nr: false, exit_ipr: false };
const EXIT = { mixnode: false, entry: true, exit_nr: true, exit_ipr: true };
const mixes = (...ids: number[]) => ids.map((nodeId) => ({ nodeId, declared: MIX }));
const layersOf = (roles: Map<number, AssignedRole>) => {
  const set = rewardedSetOf(0, roles);
  return [set.layer1, set.layer2, set.layer3];
};

Deno.test("roles follow the declared modes and mix nodes spread over the layers", () => {
  const roles = assignRoles(new Map(), [
    ...mixes(3, 1, 2, 4, 5),
    { nodeId: 6, declared: ENTRY },
    { nodeId: 7, declared: EXIT },
    { nodeId: 8, declared: { ...MIX, mixnode: false } },
  ], { rebalance: true });
  const set = rewardedSetOf(9, roles);
  assertEquals(set, {
    epoch_id: 9,
    entry_gateways: [6],
    exit_gateways: [7],
    layer1: [1, 4],
    layer2: [2, 5],
    layer3: [3],
    standby: [],
  });
});

Deno.test("assignments are sticky; joins fill the emptiest layer; epochs rebalance", () => {
  let roles = assignRoles(new Map(), mixes(1, 2, 3), { rebalance: true });
  assertEquals(layersOf(roles), [[1], [2], [3]]);
  // Node 2 leaves mid-epoch: layer 2 is refilled from the largest layer only if it has 2+.
  roles = assignRoles(roles, mixes(1, 3), { rebalance: false });
  assertEquals(layersOf(roles), [[1], [], [3]]);
  roles = assignRoles(roles, mixes(1, 3, 4, 5), { rebalance: false });
  assertEquals(layersOf(roles), [[1, 5], [4], [3]]);
  // Node 4 leaves: layer 2 is empty, so the highest id of the largest layer moves at once.
  roles = assignRoles(roles, mixes(1, 3, 5), { rebalance: false });
  assertEquals(layersOf(roles), [[1], [5], [3]]);
  // Joins pile up mid-epoch without moving anyone...
  roles = assignRoles(roles, mixes(1, 3, 5, 6, 7, 8, 9), { rebalance: false });
  assertEquals(layersOf(roles), [[1, 6, 9], [5, 7], [3, 8]]);
  roles = assignRoles(roles, mixes(1, 3, 5, 6, 7, 8, 9), { rebalance: true });
  assertEquals(layersOf(roles), [[1, 6, 9], [5, 7], [3, 8]]);
  // ...and an unbalanced set is evened out at the next epoch.
  roles = assignRoles(roles, mixes(1, 6, 9, 5), { rebalance: true });
  assertEquals(layersOf(roles), [[1, 6], [5], [9]]);
});

Deno.test("epochs count from the start time and rotations from initial_epoch_id", () => {
  const s = { startMs: 1_000_000, epochDurationMs: 60_000, validityEpochs: 5, initialEpochId: 2 };
  assertEquals(epochAt(s, 0).epochId, 0);
  assertEquals(epochAt(s, 1_000_000 + 59_999).epochId, 0);
  const e = epochAt(s, 1_000_000 + 60_000 * 13 + 5);
  assertEquals(e, {
    epochId: 13,
    epochStartMs: 1_000_000 + 60_000 * 13,
    epochEndMs: 1_000_000 + 60_000 * 14,
    rotationId: 2,
    rotationStartEpoch: 12,
    rotationEndEpoch: 16,
  });
  assertEquals(rotationIdOf(1, s), 0);
  const info = keyRotationInfo(s, 1_000_000 + 60_000 * 13 + 5);
  assertEquals(info, {
    key_rotation_state: { validity_epochs: 5, initial_epoch_id: 2 },
    current_absolute_epoch_id: 13,
    current_epoch_start: formatRfc3339(1_000_000 + 60_000 * 13),
    epoch_duration: { secs: 60, nanos: 0 },
    progress: {
      current_key_rotation_id: 2,
      current_rotation_starting_epoch: 12,
      current_rotation_ending_epoch: 16,
    },
  });
  assertEquals(formatRfc3339(Date.UTC(2026, 0, 2, 3, 4, 5, 120)), "2026-01-02T03:04:05.12Z");
});
