package io.beacon.collector;

import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the real hits topic from the beginning, decoding with {@link HitCodec}; test thread only. */
final class HitsReader implements AutoCloseable {
  record Record(String key, Hit hit, int partition, long offset) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final List<Record> seen = new ArrayList<>();

  HitsReader(String bootstrap) {
    consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "enable.auto.commit", "false",
        "isolation.level", "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = consumer.partitionsFor(Topics.HITS, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    if (parts.isEmpty()) {
      throw new IllegalStateException("topic " + Topics.HITS + " does not exist yet");
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
  }

  /** Polls once more and answers every hit seen so far that matches. */
  List<Record> poll(Predicate<Hit> filter) {
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
      seen.add(new Record(r.key(), HitCodec.decode(r.value()), r.partition(), r.offset()));
    }
    return seen.stream().filter(r -> filter.test(r.hit())).toList();
  }

  /**
   * Matching hits in topic order, each request id once (its first occurrence): a hit spooled after
   * a slow acknowledgement may reach the topic twice, and consumers de-duplicate by request id.
   */
  List<Hit> hits(Predicate<Hit> filter) {
    java.util.Set<String> ids = new java.util.HashSet<>();
    return poll(filter).stream().map(Record::hit).filter(h -> ids.add(h.requestId())).toList();
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(2));
  }
}
