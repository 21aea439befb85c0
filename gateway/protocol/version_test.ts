import { assertEquals, assertThrows } from "../../testing/asserts.ts";
import { IncompatibleProtocolError } from "./errors.ts";
import {
  binaryRequestKindFor,
  checkGatewayVersion,
  clientProposedVersion,
  CURRENT_PROTOCOL_VERSION,
  isFutureVersion,
  negotiateAuthenticationVersion,
  negotiateRegistrationVersion,
  supportsAes256GcmSiv,
  supportsAuthenticateV2,
  supportsKeyRotationPacket,
  supportsUpgradeMode,
} from "./version.ts";

Deno.test("version: feature thresholds", () => {
  const rows: [number | undefined, boolean, boolean, boolean, boolean][] = [
    [undefined, false, false, false, false],
    [1, false, false, false, false],
    [2, false, false, false, false],
    [3, true, false, false, false],
    [4, true, true, false, false],
    [5, true, true, true, false],
    [6, true, true, true, true],
  ];
  for (const [v, aes, auth, rot, up] of rows) {
    assertEquals(
      [
        supportsAes256GcmSiv(v),
        supportsAuthenticateV2(v),
        supportsKeyRotationPacket(v),
        supportsUpgradeMode(v),
      ],
      [aes, auth, rot, up],
      `version ${v}`,
    );
  }
  assertEquals(CURRENT_PROTOCOL_VERSION, 6);
  assertEquals([isFutureVersion(6), isFutureVersion(7), isFutureVersion(undefined)], [
    false,
    true,
    false,
  ]);
});

Deno.test("version: registration echoes the proposal capped at 6", () => {
  // The wasm client proposes 3 and aborts on a reply above 5 (wasm-client.md §3.4).
  assertEquals(negotiateRegistrationVersion(3), 3);
  for (const v of [0, 1, 2, 4, 5, 6]) assertEquals(negotiateRegistrationVersion(v), v);
  assertEquals(negotiateRegistrationVersion(7), 6);
  assertEquals(negotiateRegistrationVersion(255), 6);
  // Upstream deserialises a missing protocol_version as 0 and echoes it.
  assertEquals(negotiateRegistrationVersion(undefined), 0);
});

Deno.test("version: authentication accepts 4..=6 and refuses the rest", () => {
  for (const v of [4, 5, 6]) assertEquals(negotiateAuthenticationVersion(v), v);
  for (const v of [0, 1, 2, 3, 7, 255]) {
    const e = assertThrows(
      () => negotiateAuthenticationVersion(v),
      IncompatibleProtocolError,
      `Ours is 6 and the client reports ${v}`,
    );
    assertEquals(e.version, v);
  }
});

Deno.test("version: the negotiated version picks the binary request kind", () => {
  // Echoing the wasm client's 4 makes it send kind 1 (MixPacket v1); 5+ gives kind 2.
  assertEquals(binaryRequestKindFor(undefined), 1);
  for (const v of [1, 2, 3, 4]) assertEquals(binaryRequestKindFor(v), 1);
  for (const v of [5, 6]) assertEquals(binaryRequestKindFor(v), 2);
});

Deno.test("version: client side proposal and checks", () => {
  assertEquals(clientProposedVersion(4), 4);
  assertEquals(clientProposedVersion(5), 5);
  assertEquals(clientProposedVersion(6), 6);
  assertEquals(clientProposedVersion(200), 6);
  assertThrows(() => clientProposedVersion(3), IncompatibleProtocolError, "gateway reports 3");
  assertEquals(checkGatewayVersion(undefined), undefined);
  assertEquals(checkGatewayVersion(6), 6);
  assertThrows(() => checkGatewayVersion(7), IncompatibleProtocolError, "v7");
});
