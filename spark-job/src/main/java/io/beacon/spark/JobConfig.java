package io.beacon.spark;

import io.beacon.store.topic.Topics;
import io.beacon.model.aggregation.Lateness;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of the aggregation job, from {@code --key=value} arguments, else environment variables
 * {@code BEACON_SPARK_<KEY>} (upper snake case), else defaults. Serializable: executors get a copy to open
 * their own Cassandra and Kafka clients.
 */
public final class JobConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Every key with its default ("" = required). */
  static final Map<String, String> DEFAULTS = new java.util.LinkedHashMap<>();

  static {
    DEFAULTS.put("kafka-bootstrap", "127.0.0.1:9092");
    DEFAULTS.put("topic", Topics.HITS);
    DEFAULTS.put("starting-offsets", "earliest");
    DEFAULTS.put("max-offsets-per-trigger", "500000");
    DEFAULTS.put("cassandra-contact-points", "127.0.0.1:9042");
    DEFAULTS.put("cassandra-local-dc", "datacenter1");
    DEFAULTS.put("keyspace", "beacon");
    DEFAULTS.put("checkpoint", "data/spark-checkpoint");
    DEFAULTS.put("master", "");
    DEFAULTS.put("trigger", "5 seconds");
    DEFAULTS.put("shuffle-partitions", "2");
    DEFAULTS.put("max-lateness", Lateness.MAX_LATENESS.toString());
    DEFAULTS.put("metrics-port", "0");
    DEFAULTS.put("startup-timeout", "PT30S");
    // Chunks of ~32 rows of up to ~50 KB in flight per task: 8 keep a local Cassandra's few write and read
    // threads busy without piling up responses in its heap (64 ran a 512 MB node out of memory).
    DEFAULTS.put("write-concurrency", "8");
    DEFAULTS.put("write-retry-timeout", "PT3M");
    // A client's retry after a collector crash is produced again within seconds to minutes; PT0S turns the
    // de-duplication off (no state, no extra shuffle).
    DEFAULTS.put("dedup-window", "PT15M");
    // rocksdb (off-heap, changelog checkpoints) or hdfs (Spark's default: the whole state in the heap).
    // Like shuffle-partitions (the number of state partitions), fixed by a checkpoint's first run: Spark
    // restores both from the checkpoint and ignores a different value later.
    DEFAULTS.put("state-store", "rocksdb");
  }

  final String kafkaBootstrap;
  final String topic;
  final String startingOffsets;
  final long maxOffsetsPerTrigger;
  final List<String> cassandraContactPoints;
  final String cassandraLocalDc;
  final String keyspace;
  final String checkpoint;
  /** Empty: whatever spark-submit set; e.g. "local[2]" for the run command and the tests. */
  final String master;
  final String trigger;
  final int shufflePartitions;
  final Duration maxLateness;
  /** Port of the Prometheus endpoint on 127.0.0.1; 0 = off. */
  final int metricsPort;
  final Duration startupTimeout;
  /** Read-merge-write chunks (see CassandraSink) in flight per task. */
  final int writeConcurrency;
  /** How long a failed Cassandra write is retried before the micro-batch fails. */
  final Duration writeRetryTimeout;
  /** Copies of a hit (same property, client and request id) within this much Kafka time count once. */
  final Duration dedupWindow;
  /** State store provider of the de-duplication: "rocksdb" or "hdfs". */
  final String stateStore;

  private JobConfig(Map<String, String> v) {
    kafkaBootstrap = v.get("kafka-bootstrap");
    topic = v.get("topic");
    startingOffsets = v.get("starting-offsets");
    maxOffsetsPerTrigger = Long.parseLong(v.get("max-offsets-per-trigger"));
    cassandraContactPoints = List.of(v.get("cassandra-contact-points").split(","));
    cassandraLocalDc = v.get("cassandra-local-dc");
    keyspace = v.get("keyspace");
    checkpoint = v.get("checkpoint");
    master = v.get("master");
    trigger = v.get("trigger");
    shufflePartitions = Integer.parseInt(v.get("shuffle-partitions"));
    maxLateness = Duration.parse(v.get("max-lateness"));
    metricsPort = Integer.parseInt(v.get("metrics-port"));
    startupTimeout = Duration.parse(v.get("startup-timeout"));
    writeConcurrency = Integer.parseInt(v.get("write-concurrency"));
    writeRetryTimeout = Duration.parse(v.get("write-retry-timeout"));
    dedupWindow = Duration.parse(v.get("dedup-window"));
    if (dedupWindow.isNegative()) {
      throw new IllegalArgumentException("dedup-window: negative: " + dedupWindow);
    }
    stateStore = v.get("state-store");
    if (!stateStore.equals("rocksdb") && !stateStore.equals("hdfs")) {
      throw new IllegalArgumentException("state-store: rocksdb or hdfs, not " + stateStore);
    }
    if (!keyspace.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
      throw new IllegalArgumentException("keyspace: not a CQL identifier: " + keyspace);
    }
  }

  /** @throws IllegalArgumentException naming every unknown key or bad value */
  static JobConfig parse(String[] args, Map<String, String> env) {
    Map<String, String> values = new HashMap<>();
    DEFAULTS.forEach((key, def) -> {
      String fromEnv = env.get("BEACON_SPARK_" + key.toUpperCase().replace('-', '_'));
      values.put(key, fromEnv != null ? fromEnv : def);
    });
    List<String> errors = new ArrayList<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        errors.add("not --key=value: " + arg);
        continue;
      }
      String key = arg.substring(2, eq);
      if (!DEFAULTS.containsKey(key)) {
        errors.add("unknown option --" + key + " (known: " + String.join(", ", DEFAULTS.keySet()) + ")");
        continue;
      }
      values.put(key, arg.substring(eq + 1));
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    try {
      return new JobConfig(values);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad value: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "kafka=" + kafkaBootstrap + " topic=" + topic + " cassandra=" + cassandraContactPoints + " keyspace="
        + keyspace + " checkpoint=" + checkpoint + " master=" + (master.isEmpty() ? "(spark-submit)" : master)
        + " trigger=" + trigger + " maxOffsetsPerTrigger=" + maxOffsetsPerTrigger + " maxLateness=" + maxLateness
        + " dedupWindow=" + dedupWindow + " stateStore=" + stateStore;
  }
}
