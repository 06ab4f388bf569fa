package io.beacon.bridge;

import io.beacon.model.Hit;
import io.beacon.model.HitCodec;
import io.beacon.model.Topics;
import io.micrometer.core.instrument.Gauge;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hits topic to QuestDB, exactly once, on its own thread (the Kafka consumer and the influx client
 * both block; no event loop is involved). Per poll: decode, turn into lines, write as one batch
 * ({@link BatchSplitter} isolates lines QuestDB refuses), dead-letter what cannot be written, and only
 * then commit the offsets. A transient failure pauses every assigned partition and retries the same
 * batch with exponential backoff, polling (paused) in between so the group membership stays alive;
 * nothing is skipped, and a batch rewritten after a crash or a rebalance is absorbed by the table's
 * DEDUP UPSERT KEYS(ts, request_id).
 */
public final class RawHitsConsumer extends ConsumerLoop {
  public static final String GROUP = "beacon-bridge-raw";
  /** Dead-letter headers: why, and where the record came from. */
  public static final String H_REASON = "beacon-dlq-reason";
  public static final String H_SOURCE = "beacon-dlq-source";
  public static final String H_CONSUMER = "beacon-dlq-consumer";

  private static final Logger LOG = LoggerFactory.getLogger(RawHitsConsumer.class);
  private static final Duration POLL = Duration.ofMillis(200);

  private final Map<String, Object> consumerProps;
  private final Map<String, Object> producerProps;
  private final RawBatchWriter writer;
  private final WriteGate gate;
  private final BridgeMetrics metrics;
  private final long minBackoffMs;
  private final long maxBackoffMs;
  private final String clientId;
  private final AtomicLong lag = new AtomicLong();

  public RawHitsConsumer(String bootstrap, String clientId, int batchSize, RawBatchWriter writer, WriteGate gate,
                         BridgeMetrics metrics, long minBackoffMs, long maxBackoffMs) {
    this.gate = gate;
    this.clientId = clientId;
    this.consumerProps = KafkaProps.consumer(bootstrap, GROUP, clientId, batchSize);
    this.producerProps = KafkaProps.producer(bootstrap, clientId + "-dlq");
    this.writer = writer;
    this.metrics = metrics;
    this.minBackoffMs = minBackoffMs;
    this.maxBackoffMs = maxBackoffMs;
  }

  @Override
  public void run() {
    Gauge lagGauge = metrics.lag(GROUP, clientId, lag);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps);
         KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(producerProps)) {
      consumer = c;
      Set<TopicPartition> revoked = new java.util.HashSet<>();
      c.subscribe(List.of(Topics.HITS), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          revoked.addAll(partitions);
          LOG.info("Raw consumer {}: partitions revoked {}", clientId, partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          revoked.removeAll(partitions);
          LOG.info("Raw consumer {}: partitions assigned {}", clientId, partitions);
        }
      });
      while (running) {
        ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
        updateLag(c);
        if (!records.isEmpty()) {
          revoked.clear();
          process(c, dlq, records, revoked);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        LOG.error("Raw consumer {} woken up unexpectedly", clientId, e);
      }
    } catch (RuntimeException e) {
      LOG.error("Raw consumer {} failed; the bridge verticle restarts it", clientId, e);
    } finally {
      metrics.remove(lagGauge);
      consumer = null;
      done.complete(null);
    }
  }

  private void process(KafkaConsumer<byte[], byte[]> c, KafkaProducer<byte[], byte[]> dlq,
                       ConsumerRecords<byte[], byte[]> records, Set<TopicPartition> revoked) {
    List<Line> lines = new ArrayList<>(records.count());
    List<BatchSplitter.Rejected<ConsumerRecord<byte[], byte[]>>> dead = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      commit.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      try {
        Hit hit = HitCodec.decode(r.value() == null ? new byte[0] : r.value());
        lines.add(new Line(r, LineProtocol.line(hit)));
      } catch (IllegalArgumentException e) {
        dead.add(new BatchSplitter.Rejected<>(r, "undecodable: " + e.getMessage()));
      }
    }
    long backoff = minBackoffMs;
    while (running) {
      try {
        long start = System.nanoTime();
        List<BatchSplitter.Rejected<Line>> refused = BatchSplitter.write(lines,
            batch -> write(batch.stream().map(Line::text).toList()));
        metrics.writeLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        metrics.batches.increment();
        metrics.rowsWritten.increment(lines.size() - refused.size());
        List<BatchSplitter.Rejected<ConsumerRecord<byte[], byte[]>>> toDlq = new ArrayList<>(dead);
        refused.forEach(x -> toDlq.add(new BatchSplitter.Rejected<>(x.item().record(), x.reason())));
        sendDeadLetters(dlq, toDlq);
        break;
      } catch (StoreUnavailableException e) {
        metrics.retries.increment();
        LOG.warn("Raw consumer {}: {} records not written, partitions {} paused, retry in {} ms: {}",
            clientId, lines.size(), c.assignment(), backoff, e.getMessage());
        c.pause(c.assignment());
        // Waiting by polling the paused partitions keeps the consumer in its group.
        c.poll(Duration.ofMillis(backoff));
        if (!revoked.isEmpty()) {
          // Another member now owns those partitions and rewrites their records; keep only ours.
          lines.removeIf(l -> revoked.contains(new TopicPartition(l.record().topic(), l.record().partition())));
          dead.removeIf(d -> revoked.contains(new TopicPartition(d.item().topic(), d.item().partition())));
          commit.keySet().removeAll(revoked);
          revoked.clear();
        }
        backoff = Math.min(maxBackoffMs, backoff * 2);
      }
    }
    c.resume(c.paused());
    if (!running) {
      return; // stopping mid-retry: nothing committed, the next owner redoes the batch
    }
    commit.keySet().retainAll(c.assignment());
    if (!commit.isEmpty()) {
      try {
        c.commitSync(commit);
      } catch (org.apache.kafka.common.KafkaException e) {
        // e.g. a rebalance took the partitions: their new owner rewrites, DEDUP absorbs it.
        LOG.warn("Raw consumer {}: commit of {} failed, records will be rewritten: {}", clientId, commit, e.toString());
      }
    }
  }

  private void write(List<String> lines) {
    try {
      gate.enter();
    } catch (StoreUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      // Ignite unreachable (e.g. a topology change): no write without the gate, retry like an outage.
      throw new StoreUnavailableException("raw write gate unavailable: " + e, e);
    }
    try {
      writer.write(lines);
    } finally {
      try {
        gate.exit();
      } catch (RuntimeException e) {
        LOG.warn("Raw consumer {}: could not leave the write gate: {}", clientId, e.toString());
      }
    }
  }

  /** Synchronously, before the commit: a record leaves the hits topic only once it is in QuestDB or the DLQ. */
  private void sendDeadLetters(KafkaProducer<byte[], byte[]> dlq,
                               List<BatchSplitter.Rejected<ConsumerRecord<byte[], byte[]>>> dead) {
    if (dead.isEmpty()) {
      return;
    }
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (BatchSplitter.Rejected<ConsumerRecord<byte[], byte[]>> d : dead) {
      ConsumerRecord<byte[], byte[]> r = d.item();
      String source = r.topic() + "/" + r.partition() + "@" + r.offset();
      LOG.warn("Raw consumer {}: dead-lettering {} ({})", clientId, source, d.reason());
      ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(Topics.DEAD_LETTER, null, r.key(), r.value());
      out.headers().add(H_REASON, d.reason().getBytes(StandardCharsets.UTF_8));
      out.headers().add(H_SOURCE, source.getBytes(StandardCharsets.UTF_8));
      out.headers().add(H_CONSUMER, GROUP.getBytes(StandardCharsets.UTF_8));
      sent.add(dlq.send(out));
    }
    try {
      for (java.util.concurrent.Future<?> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new StoreUnavailableException("dead-letter topic unavailable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while dead-lettering", e);
    }
    metrics.deadLettered.increment(dead.size());
  }

  private void updateLag(KafkaConsumer<byte[], byte[]> c) {
    long total = 0;
    for (TopicPartition tp : c.assignment()) {
      total += c.currentLag(tp).orElse(0);
    }
    lag.set(total);
  }

  private record Line(ConsumerRecord<byte[], byte[]> record, String text) {}
}
