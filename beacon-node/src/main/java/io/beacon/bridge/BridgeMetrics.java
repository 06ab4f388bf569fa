package io.beacon.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicLong;

/** The bridge's {@code beacon_bridge_*} meters. Counters are shared by every consumer of the node. */
final class BridgeMetrics {
  final Counter rowsWritten;
  final Counter batches;
  final Counter deadLettered;
  final Counter retries;
  final Timer writeLatency;
  /** Kafka record timestamp (hit produced) to its bucket written in Ignite. */
  public final Timer realtimeFreshness;
  private final MeterRegistry registry;

  BridgeMetrics(MeterRegistry registry) {
    this.registry = registry;
    rowsWritten = Counter.builder("beacon_bridge_rows_written").description("Raw hits written to QuestDB").register(registry);
    batches = Counter.builder("beacon_bridge_batches").description("Batches written to QuestDB").register(registry);
    deadLettered = Counter.builder("beacon_bridge_dead_lettered").description("Records sent to the dead-letter topic").register(registry);
    retries = Counter.builder("beacon_bridge_write_retries").description("QuestDB writes retried after a transient failure").register(registry);
    writeLatency = Timer.builder("beacon_bridge_write_latency").description("One QuestDB batch write")
        .publishPercentiles(0.5, 0.99).register(registry);
    realtimeFreshness = Timer.builder("beacon_bridge_realtime_freshness")
        .description("From a hit's Kafka timestamp to its real-time bucket written in Ignite")
        .publishPercentiles(0.5, 0.99, 0.999).register(registry);
  }

  /** Lag (records behind the end of the topic) of one consumer; removed with {@link Gauge#close()}. */
  Gauge lag(String group, String client, AtomicLong holder) {
    return Gauge.builder("beacon_bridge_consumer_lag", holder, AtomicLong::get)
        .description("Records between this consumer's position and the end of its partitions")
        .tag("group", group).tag("consumer", client).register(registry);
  }

  void remove(Gauge gauge) {
    registry.remove(gauge);
  }
}
