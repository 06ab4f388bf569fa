package io.beacon.bridge;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Kafka client settings of the bridge's consumers and dead-letter producer ({@code connection}: bootstrap and SASL). */
final class KafkaProps {
  private KafkaProps() {}

  /** The real-time consumer: up to 10,000 records a poll. */
  static Map<String, Object> realtimeConsumer(Map<String, Object> connection, String group, String clientId) {
    Map<String, Object> p = consumer(connection, group, clientId, 10_000);
    // Real time within a second: a fetch answers once 64 KB are there or after 100 ms, not on every record.
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024);
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    return p;
  }

  static Map<String, Object> consumer(Map<String, Object> connection, String group, String clientId,
                                      int maxPollRecords) {
    Map<String, Object> p = new HashMap<>(connection);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    // Offsets are committed by hand, only after the sink accepted the records.
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // A fetch waits at the broker until 256 KB are there (about 250 hits) or 500 ms have passed: at a trickle of
    // hits the raw store gets a few writes a second of several hits each, not a fetch, a poll and a QuestDB write
    // per hit (bin/bench-footprint: at 25 hits/s the bridge's consumer threads, polling per record, were a third
    // of the node's CPU). 10-50 ms waits had the idle brokers of the local stack answer ~120 empty fetches a
    // second (a quarter of a core for Kafka alone). Under load a fetch fills at once: no added delay.
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 256 * 1024);
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
    // Room for a full raw batch of ~1 KB hits from one partition in one fetch.
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    // A QuestDB outage is ridden out by polling while paused, so the poll interval stays short;
    // this bound only catches a thread that is truly stuck.
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000);
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
    return p;
  }

  static Map<String, Object> producer(Map<String, Object> connection, String clientId) {
    Map<String, Object> p = new HashMap<>(connection);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return p;
  }
}
