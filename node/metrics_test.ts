import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { MAX_SERIES_PER_METRIC, MetricsError, MetricsRegistry } from "./metrics.ts";

Deno.test("counters, gauges and histograms render in Prometheus text format", () => {
  const metrics = new MetricsRegistry();
  const received = metrics.counter(
    "mixnet_ingress_forward_packets_received",
    "Forward packets received",
  );
  const byVersion = metrics.counter("packets_total", "Packets by version", {
    labelNames: ["version"],
  });
  let queued = 0;
  metrics.gauge("process_packet_forwarder_queue_size", "Queue", { collect: (g) => g.set(queued) });
  const latency = metrics.histogram("latency_seconds", "Latency", { buckets: [0.1, 1] });
  received.inc();
  received.inc(2);
  byVersion.inc(1, { version: "1.1.0" });
  byVersion.inc(4, { version: 'we"ird\\\n' });
  queued = 7;
  latency.observe(0.05);
  latency.observe(0.5);
  latency.observe(5);
  assertEquals(
    metrics.render(),
    [
      "# HELP nym_node_mixnet_ingress_forward_packets_received Forward packets received",
      "# TYPE nym_node_mixnet_ingress_forward_packets_received counter",
      "nym_node_mixnet_ingress_forward_packets_received 3",
      "# HELP nym_node_packets_total Packets by version",
      "# TYPE nym_node_packets_total counter",
      'nym_node_packets_total{version="1.1.0"} 1',
      'nym_node_packets_total{version="we\\"ird\\\\\\n"} 4',
      "# HELP nym_node_process_packet_forwarder_queue_size Queue",
      "# TYPE nym_node_process_packet_forwarder_queue_size gauge",
      "nym_node_process_packet_forwarder_queue_size 7",
      "# HELP nym_node_latency_seconds Latency",
      "# TYPE nym_node_latency_seconds histogram",
      'nym_node_latency_seconds_bucket{le="0.1"} 1',
      'nym_node_latency_seconds_bucket{le="1"} 2',
      'nym_node_latency_seconds_bucket{le="+Inf"} 3',
      "nym_node_latency_seconds_sum 5.55",
      "nym_node_latency_seconds_count 3",
      "",
    ].join("\n"),
  );
  assertEquals(received.get(), 3);
  assertEquals(latency.snapshot().buckets.get(1), 2);
});

Deno.test("gauges move both ways and unlabelled metrics start at zero", () => {
  const metrics = new MetricsRegistry({ prefix: "" });
  const gauge = metrics.gauge("connections", "Open connections");
  assertEquals(
    metrics.render(),
    "# HELP connections Open connections\n# TYPE connections gauge\nconnections 0\n",
  );
  gauge.inc(3);
  gauge.dec();
  assertEquals(gauge.get(), 2);
  gauge.set(-1.5);
  assertEquals(gauge.get(), -1.5);
});

Deno.test("registration is idempotent and misuse is rejected", () => {
  const metrics = new MetricsRegistry();
  const a = metrics.counter("x_total", "X");
  a.inc();
  metrics.counter("x_total", "X").inc();
  assertEquals(a.get(), 2);
  assertThrows(() => metrics.gauge("x_total", "X"), MetricsError, "already registered");
  assertThrows(() => metrics.counter("bad-name", "X"), MetricsError, "invalid metric name");
  assertThrows(() => metrics.counter("y", "Y", { labelNames: ["__reserved"] }), MetricsError);
  assertThrows(() => a.inc(-1), MetricsError, "cannot change by -1");
  const labelled = metrics.counter("z_total", "Z", { labelNames: ["kind"] });
  assertThrows(() => labelled.inc(1), MetricsError, "needs exactly the labels [kind]");
  assertThrows(() => labelled.inc(1, { kind: "a", other: "b" }), MetricsError);
  assertThrows(() => metrics.histogram("h", "H", { buckets: [1, 1] }), MetricsError);
});

Deno.test("series per metric are bounded", () => {
  const metrics = new MetricsRegistry();
  const counter = metrics.counter("peers_total", "Peers", { labelNames: ["peer"] });
  for (let i = 0; i < MAX_SERIES_PER_METRIC + 5; i++) counter.inc(1, { peer: String(i) });
  assertEquals(metrics.droppedSeries, 5);
  assertEquals(counter.get({ peer: String(MAX_SERIES_PER_METRIC + 1) }), 0);
  assertEquals(counter.get({ peer: "0" }), 1);
});
