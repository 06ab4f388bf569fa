package io.beacon.testing;

import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows the real hits topic from its end at construction, on a thread of its own, and keeps, per property whose
 * id starts with a prefix, every record's request id: how many records and how many distinct ids (humans and bots
 * apart). Survives a broker restart (the consumer reconnects). Other tests' records in the shared topic are
 * skipped by their key before decoding (some are deliberately broken).
 */
public final class HitsTopicTail implements AutoCloseable {

  /** One property's records so far: {@code records - ids.size()} of them repeat a request id. */
  public record Counts(long records, Set<String> humanIds, Set<String> botIds) {
    public long distinct() {
      return humanIds.size() + botIds.size();
    }

    public long duplicates() {
      return records - distinct();
    }
  }

  private static final class Tally {
    long records;
    final Set<String> humans = new java.util.HashSet<>();
    final Set<String> bots = new java.util.HashSet<>();
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final String keyPrefix;
  private final Map<TopicPartition, Long> start = new HashMap<>();
  private final Map<String, Tally> tallies = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile RuntimeException failure;

  public HitsTopicTail(String bootstrap, String propertyPrefix) {
    this.keyPrefix = propertyPrefix;
    consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "enable.auto.commit", "false",
        "isolation.level", "read_committed", "reconnect.backoff.max.ms", "1000"),
        new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = consumer.partitionsFor(Topics.HITS, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    if (parts.isEmpty()) {
      throw new IllegalStateException("topic " + Topics.HITS + " does not exist yet");
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(tp -> start.put(tp, consumer.position(tp))); // resolved now, before any hit of the run is sent
    thread = new Thread(this::run, "hits-topic-tail");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Where the tail started, as Spark's {@code startingOffsets} JSON: a job given it reads exactly the records
   * produced since (and none of the topic's older ones).
   */
  public String startingOffsetsJson() {
    return "{\"" + Topics.HITS + "\":{" + start.entrySet().stream()
        .map(e -> "\"" + e.getKey().partition() + "\":" + e.getValue()).collect(Collectors.joining(",")) + "}}";
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() == null || !r.key().startsWith(keyPrefix)) {
            continue;
          }
          Hit h = HitCodec.decode(r.value());
          Tally t = tallies.computeIfAbsent(h.propertyId(), p -> new Tally());
          synchronized (t) {
            t.records++;
            (Boolean.TRUE.equals(h.isBot()) ? t.bots : t.humans).add(h.requestId());
          }
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  /** A copy of what the topic held for {@code property} at the last poll. */
  public Counts counts(String property) {
    if (failure != null) {
      throw new IllegalStateException("the hits topic tail failed", failure);
    }
    Tally t = tallies.get(property);
    if (t == null) {
      return new Counts(0, Set.of(), Set.of());
    }
    synchronized (t) {
      return new Counts(t.records, Set.copyOf(t.humans), Set.copyOf(t.bots));
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(5_000);
  }
}
