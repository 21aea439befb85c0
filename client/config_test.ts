import { assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  type ClientConfigOverrides,
  defaultClientConfig,
  lowLatencyConfig,
  mergeOverrides,
  noCoverConfig,
  resolveClientConfig,
} from "./config.ts";
import { ClientConfigError } from "./errors.ts";

Deno.test("config: reference defaults (clients.md §2.1, §3.3)", () => {
  const c = defaultClientConfig();
  assertEquals(c.traffic.averagePacketDelayMs, 15);
  assertEquals(c.traffic.messageSendingAverageDelayMs, 20);
  assertEquals(c.traffic.maximumNumberOfRetransmissions, null);
  assertEquals(c.coverTraffic.loopCoverTrafficAverageDelayMs, 200);
  assertEquals(c.acknowledgements, {
    averageAckDelayMs: 15,
    ackWaitMultiplier: 1.5,
    ackWaitAdditionMs: 1500,
  });
  assertEquals(c.topology.topologyRefreshRateMs, 300_000);
  assertEquals(c.topology.maxConsecutiveRefreshFailures, 10);
  assertEquals(c.replySurbs.minimumReplySurbStorageThreshold, 10);
  assertEquals(c.replySurbs.maximumReplySurbStorageThreshold, 200);
  assertEquals(c.replySurbs.maximumAllowedReplySurbRequestSize, 500);
  assertEquals(c.gatewayConnection.reconnectionAttempts, 10);
});

Deno.test("config: modes", () => {
  const low = lowLatencyConfig();
  assertEquals(low.traffic.averagePacketDelayMs, 0);
  assertEquals(low.acknowledgements.averageAckDelayMs, 0);
  assertEquals(low.traffic.disableMainPoissonPacketDistribution, true);
  assertEquals(low.coverTraffic.disableLoopCoverTrafficStream, false);
  assertEquals(low.coverTraffic.loopCoverTrafficAverageDelayMs, 5000);
  const none = noCoverConfig();
  assertEquals(none.traffic.disableMainPoissonPacketDistribution, true);
  assertEquals(none.coverTraffic.disableLoopCoverTrafficStream, true);
  assertEquals(none.traffic.averagePacketDelayMs, 15);
  assertEquals(
    mergeOverrides({ traffic: { averagePacketDelayMs: 1 } }, {
      traffic: { messageSendingAverageDelayMs: 2 },
    }),
    { traffic: { averagePacketDelayMs: 1, messageSendingAverageDelayMs: 2 } },
  );
});

Deno.test("config: bad values and unknown keys are errors naming the key", () => {
  assertThrows(
    () => resolveClientConfig({ traffic: { averagePacketDelayMs: -1 } }),
    ClientConfigError,
    "traffic.averagePacketDelayMs: must be a number >= 0",
  );
  assertThrows(
    () =>
      resolveClientConfig({
        traffic: { average_packet_delay_ms: 0 } as unknown as ClientConfigOverrides["traffic"],
      }),
    ClientConfigError,
    "traffic.average_packet_delay_ms: unknown key",
  );
  assertThrows(
    () => resolveClientConfig({ nope: {} } as unknown as ClientConfigOverrides),
    ClientConfigError,
    "nope: unknown section",
  );
  assertThrows(
    () => resolveClientConfig({ topology: { minimumGatewayPerformance: 101 } }),
    ClientConfigError,
    "percentage",
  );
  assertThrows(
    () => resolveClientConfig({ replySurbs: { minimumReplySurbRequestSize: 60 } }),
    ClientConfigError,
    "must not exceed maximumReplySurbRequestSize",
  );
  assertEquals(
    resolveClientConfig({ traffic: { maximumNumberOfRetransmissions: 3 } }).traffic
      .maximumNumberOfRetransmissions,
    3,
  );
});
