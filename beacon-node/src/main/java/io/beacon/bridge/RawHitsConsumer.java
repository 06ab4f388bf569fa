package io.beacon.bridge;

import io.beacon.model.Hit;
import io.beacon.store.questdb.LineEncoder;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import io.micrometer.core.instrument.Gauge;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hits topic to QuestDB, exactly once. The Kafka consumer runs on this loop's own thread; the QuestDB
 * writes (blocking influx-client calls) on a small pool of writer threads; no event loop is involved.
 *
 * <p>Per poll: each record's JSON becomes its line-protocol line in one batch buffer ({@link LineEncoder},
 * no per-hit objects); undecodable records are set aside for the dead-letter topic. The batch is handed
 * to a writer and the loop polls on, so up to {@code concurrency} batches are in flight at once (when
 * that many are, the partitions are paused and polled so the consumer stays in its group). A batch is
 * written as one request; one that QuestDB rejects as a whole is bisected ({@link BatchSplitter}) to
 * isolate the lines it refuses, which go to the dead-letter topic with the reason, as do the
 * undecodable ones, before the batch counts as done. Offsets are committed strictly in poll order:
 * only once a batch and every batch polled before it are done, so a committed offset never covers a
 * record that is not in QuestDB or the dead-letter topic.
 *
 * <p>A transient failure (QuestDB down, 5xx, timeout, the erasure's write gate closed) is retried by the
 * batch's writer with exponential backoff, never skipped; meanwhile the later batches wait behind it
 * for their commit. On a rebalance the in-flight batches get a short while to finish (and be
 * committed); the rest are abandoned uncommitted, their partitions' new owner rewrites them, and the
 * table's DEDUP UPSERT KEYS(ts, request_id) absorbs anything written twice.
 */
public final class RawHitsConsumer extends ConsumerLoop {
  public static final String GROUP = "beacon-bridge-raw";
  /** Dead-letter headers: why, and where the record came from. */
  public static final String H_REASON = "beacon-dlq-reason";
  public static final String H_SOURCE = "beacon-dlq-source";
  public static final String H_CONSUMER = "beacon-dlq-consumer";

  private static final Logger LOG = LoggerFactory.getLogger(RawHitsConsumer.class);
  private static final Duration POLL = Duration.ofMillis(200);
  /** How long in-flight batches may take to finish when partitions are revoked or the consumer stops. */
  private static final long DRAIN_MS = 10_000;
  /**
   * A batch is written when full, when the consumer has caught up with its partitions (no backlog: write
   * now, for freshness), or at the latest once its first record has waited this long.
   */
  private static final long LINGER_MS = 500;
  /**
   * A caught-up consumer still waits this long after its previous write: every write is a QuestDB transaction
   * (WAL commit and apply), and a trickle written hit by hit (~20 writes a second at 25 hits/s) cost QuestDB
   * most of a core, against a few percent in 5 writes a second. Raw hits become readable at most this much later.
   */
  private static final long MIN_WRITE_INTERVAL_MS = 200;

  private final Map<String, Object> consumerProps;
  private final Map<String, Object> producerProps;
  private final RawBatchWriter writer;
  private final WriteGate gate;
  /** Erased persons whose replayed hits are skipped; null for none. */
  private final Tombstones tombstones;
  private final BridgeMetrics metrics;
  private final ConsumerHealth health;
  private final int concurrency;
  private final int batchSize;
  private final int maxPoll;
  private final long minBackoffMs;
  private final long maxBackoffMs;
  private final String clientId;
  private final AtomicLong lag = new AtomicLong();
  private final LineEncoder encoder = new LineEncoder();
  /** Batches handed to writers and not yet committed, in poll order. Consumer thread only. */
  private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
  private final Set<TopicPartition> paused = new HashSet<>();
  /** The batch being filled from successive polls (consumer thread only), and when it got its first record. */
  private Batch building;
  private long buildingSince;
  private long lastSubmit;
  private ExecutorService writers;
  private KafkaProducer<byte[], byte[]> dlq;

  public RawHitsConsumer(Map<String, Object> kafka, String clientId, int batchSize, int concurrency, RawBatchWriter writer,
                         WriteGate gate, Tombstones tombstones, BridgeMetrics metrics, ConsumerHealth health,
                         long minBackoffMs, long maxBackoffMs) {
    this.gate = gate;
    this.tombstones = tombstones;
    this.clientId = clientId;
    // Several polls fill one batch, so a backlog is written in full batches (fewer, larger QuestDB
    // transactions) and a batch never exceeds batchSize.
    this.batchSize = batchSize;
    this.maxPoll = Math.max(1, Math.min(batchSize, 1000));
    this.consumerProps = KafkaProps.consumer(kafka, GROUP, clientId, maxPoll);
    this.producerProps = KafkaProps.producer(kafka, clientId + "-dlq");
    this.writer = writer;
    this.metrics = metrics;
    this.health = health;
    this.concurrency = concurrency;
    this.minBackoffMs = minBackoffMs;
    this.maxBackoffMs = maxBackoffMs;
  }

  /** A record for the dead-letter topic, and why. */
  private record DeadLetter(ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason) {}

  /** One poll's records: their lines in one request body, and what committing them means. */
  private static final class Batch {
    final StringBuilder body;
    /** End (exclusive) of each line in {@link #body}; lines are separated by one newline. */
    int[] ends = new int[256];
    final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    final List<DeadLetter> dead = new ArrayList<>();
    /** Next offset per partition: what to commit once this batch and all before it are done. */
    final Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    /** First offset per partition: where to resume should the batch be abandoned. */
    final Map<TopicPartition, Long> first = new HashMap<>();
    final CountDownLatch cancelled = new CountDownLatch(1);
    CompletableFuture<Void> done;
    /** Records in the batch, written or dead. */
    int count;

    Batch(int expectedLines) {
      body = new StringBuilder(Math.min(expectedLines, 10_000) * 1024);
    }

    int lines() {
      return records.size();
    }

    String line(int i) {
      return body.substring(i == 0 ? 0 : ends[i - 1] + 1, ends[i]);
    }

    boolean isCancelled() {
      return cancelled.getCount() == 0;
    }
  }

  @Override
  public void run() {
    Gauge lagGauge = metrics.lag(GROUP, clientId, lag);
    AtomicInteger threads = new AtomicInteger();
    writers = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "beacon-bridge-raw-write-" + clientId + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps);
         KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps)) {
      consumer = c;
      dlq = producer;
      try {
        c.subscribe(List.of(Topics.HITS), new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            LOG.info("Raw consumer {}: partitions revoked {}", clientId, partitions);
            drain(c, partitions);
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("Raw consumer {}: partitions assigned {}", clientId, partitions);
          }
        });
        while (running) {
          commitDone(c);
          if (inFlight.size() >= concurrency) {
            // Every writer busy (QuestDB slow or down): hold the fetches, stay in the group.
            pauseAll(c);
            awaitHead(100);
            c.poll(Duration.ZERO);
            continue;
          }
          resumeAll(c);
          ConsumerRecords<byte[], byte[]> records = c.poll(inFlight.isEmpty() && building == null ? POLL
              : Duration.ofMillis(10));
          updateLag(c);
          if (!records.isEmpty()) {
            if (building == null) {
              building = new Batch(batchSize);
              buildingSince = System.currentTimeMillis();
            }
            encode(building, records);
          }
          long now = System.currentTimeMillis();
          if (building != null && ((lag.get() == 0 && now - lastSubmit >= MIN_WRITE_INTERVAL_MS)
              || building.count + maxPoll > batchSize || now - buildingSince >= LINGER_MS)) {
            submitBuilding();
          } else if (records.isEmpty() && inFlight.isEmpty() && building == null) {
            health.healthy(); // caught up, nothing waiting to be written
          }
        }
      } catch (WakeupException e) {
        if (running) {
          LOG.error("Raw consumer {} woken up unexpectedly", clientId, e);
        }
      } finally {
        // Stopping (or failing): let what is in flight finish and commit it; abandon the rest.
        drain(c, c.assignment());
      }
    } catch (RuntimeException e) {
      health.failing("raw consumer failed, restarting: " + e);
      LOG.error("Raw consumer {} failed; the bridge verticle restarts it", clientId, e);
    } finally {
      inFlight.forEach(b -> b.cancelled.countDown());
      inFlight.clear();
      writers.shutdownNow();
      metrics.remove(lagGauge);
      consumer = null;
      done.complete(null);
    }
  }

  private void submitBuilding() {
    Batch batch = building;
    building = null;
    lastSubmit = System.currentTimeMillis();
    KafkaProducer<byte[], byte[]> producer = dlq;
    batch.done = CompletableFuture.runAsync(() -> write(batch, producer), writers);
    inFlight.addLast(batch);
  }

  private void encode(Batch b, ConsumerRecords<byte[], byte[]> records) {
    for (ConsumerRecord<byte[], byte[]> r : records) {
      b.count++;
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      b.commit.put(tp, new OffsetAndMetadata(r.offset() + 1));
      b.first.putIfAbsent(tp, r.offset());
      int mark = b.body.length();
      if (b.lines() > 0) {
        b.body.append('\n');
      }
      try {
        encoder.append(r.value() == null ? new byte[0] : r.value(), b.body);
      } catch (IllegalArgumentException e) {
        b.body.setLength(mark);
        b.dead.add(new DeadLetter(r, DeadLetterReason.undecodable(e.getMessage())));
        continue;
      }
      if (b.lines() == b.ends.length) {
        b.ends = Arrays.copyOf(b.ends, b.ends.length * 2);
      }
      b.ends[b.lines()] = b.body.length();
      b.records.add(r);
    }
  }

  /** On a writer thread: writes the batch and dead-letters what cannot be written, retrying until done or cancelled. */
  private void write(Batch b, KafkaProducer<byte[], byte[]> dlq) {
    long backoff = minBackoffMs;
    while (!b.isCancelled()) {
      try {
        long start = System.nanoTime();
        List<BatchSplitter.Rejected<Integer>> refused = b.lines() == 0 ? List.of()
            : BatchSplitter.write(new Indexes(b.lines()), lines -> gatedWrite(b, lines));
        metrics.writeLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        metrics.batches.increment();
        metrics.rowsWritten.increment(b.lines() - refused.size());
        List<DeadLetter> toDlq = new ArrayList<>(b.dead);
        refused.forEach(x -> toDlq.add(new DeadLetter(b.records.get(x.item()), DeadLetterReason.refused(x.reason()))));
        sendDeadLetters(dlq, toDlq);
        health.healthy();
        return;
      } catch (StoreUnavailableException e) {
        if (b.isCancelled()) {
          break;
        }
        metrics.retries.increment();
        health.failing("QuestDB writes failing: " + e.getMessage());
        LOG.warn("Raw consumer {}: {} records not written, retry in {} ms: {}", clientId, b.lines(), backoff,
            e.getMessage());
        try {
          if (b.cancelled.await(backoff, TimeUnit.MILLISECONDS)) {
            break;
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
        backoff = Math.min(maxBackoffMs, backoff * 2);
      } catch (RuntimeException e) {
        if (b.isCancelled()) {
          break; // e.g. the dead-letter producer closed under an abandoned batch
        }
        throw e;
      }
    }
    throw new CancellationException("batch abandoned");
  }

  private static String join(Batch b, List<Integer> lines) {
    StringBuilder s = new StringBuilder();
    for (int i : lines) {
      if (!s.isEmpty()) {
        s.append('\n');
      }
      s.append(b.body, i == 0 ? 0 : b.ends[i - 1] + 1, b.ends[i]);
    }
    return s.toString();
  }

  /** 0..n-1 as a list, so the splitter can bisect line numbers without boxing them up front. */
  private static final class Indexes extends AbstractList<Integer> {
    private final int size;

    Indexes(int size) {
      this.size = size;
    }

    @Override
    public Integer get(int i) {
      return i;
    }

    @Override
    public int size() {
      return size;
    }
  }

  /**
   * Writes the lines with the gate entered. The tombstones are checked here, inside the gate, not when the batch
   * was encoded: an erasure closes the gate after its tombstone is in every node's view, so a batch encoded
   * before it and retried after it still skips the erased person's hits.
   */
  private void gatedWrite(Batch b, List<Integer> lines) {
    try {
      gate.enter();
    } catch (StoreUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      // Ignite unreachable (e.g. a topology change): no write without the gate, retry like an outage.
      throw new StoreUnavailableException("raw write gate unavailable: " + e, e);
    }
    try {
      List<Integer> kept = notErased(b, lines);
      if (!kept.isEmpty()) {
        writer.write(kept.size() == b.lines() ? b.body.toString() : join(b, kept));
      }
    } finally {
      try {
        gate.exit();
      } catch (RuntimeException e) {
        LOG.warn("Raw consumer {}: could not leave the write gate: {}", clientId, e.toString());
      }
    }
  }

  /** The lines whose hit belongs to no person erased after receiving it (all of them while no tombstone is recent). */
  private List<Integer> notErased(Batch b, List<Integer> lines) {
    try {
      if (tombstones == null || !tombstones.any()) {
        return lines;
      }
      List<Integer> kept = new ArrayList<>(lines.size());
      for (int i : lines) {
        Hit h = HitCodec.decode(b.records.get(i).value());
        if (!tombstones.erased(h.propertyId(), h.clientId(), h.userId(), h.receivedAt())) {
          kept.add(i);
        }
      }
      if (kept.size() < lines.size()) {
        LOG.info("Raw consumer {}: skipped {} hits of erased persons", clientId, lines.size() - kept.size());
      }
      return kept;
    } catch (RuntimeException e) {
      // Ignite unreachable: no write without knowing the tombstones, retry like an outage.
      throw new StoreUnavailableException("erasure tombstones unavailable: " + e, e);
    }
  }

  /** Commits the batches at the head of the queue that are done (in poll order); non-blocking. */
  private void commitDone(KafkaConsumer<byte[], byte[]> c) {
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    while (!inFlight.isEmpty() && inFlight.peekFirst().done.isDone()) {
      Batch head = inFlight.pollFirst();
      try {
        head.done.join();
      } catch (CompletionException | CancellationException e) {
        // Not a store outage (those are retried): a bug or a broken client. Let the verticle restart us.
        throw new IllegalStateException("raw batch write failed: " + e.getCause(), e);
      }
      commit.putAll(head.commit);
    }
    commit(c, commit);
  }

  private void commit(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> commit) {
    commit.keySet().retainAll(c.assignment());
    if (commit.isEmpty()) {
      return;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        c.commitSync(commit);
        return;
      } catch (WakeupException e) {
        // stop() woke the consumer; the commit is still worth making: once more
      } catch (KafkaException e) {
        // e.g. a rebalance took the partitions: their new owner rewrites, DEDUP absorbs it.
        LOG.warn("Raw consumer {}: commit of {} failed, records will be rewritten: {}", clientId, commit, e.toString());
        return;
      }
    }
  }

  /**
   * Before partitions change hands (or the consumer stops): waits a while for the in-flight batches,
   * commits those done in order, abandons the rest uncommitted, and rewinds the partitions this
   * consumer keeps to the first abandoned record, so nothing is skipped.
   */
  private void drain(KafkaConsumer<byte[], byte[]> c, Collection<TopicPartition> leaving) {
    if (building != null) {
      submitBuilding(); // its records are consumed: written and committed now, or rewound below
    }
    long deadline = System.currentTimeMillis() + DRAIN_MS;
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    while (!inFlight.isEmpty()) {
      Batch head = inFlight.peekFirst();
      try {
        head.done.get(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException | CancellationException e) {
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      commit.putAll(inFlight.pollFirst().commit);
    }
    commit(c, commit);
    Map<TopicPartition, Long> rewind = new HashMap<>();
    for (Batch b : inFlight) {
      b.cancelled.countDown();
      b.first.forEach((tp, offset) -> rewind.merge(tp, offset, Math::min));
    }
    if (!inFlight.isEmpty()) {
      LOG.info("Raw consumer {}: {} batches abandoned uncommitted (partitions {} leaving)", clientId, inFlight.size(),
          leaving);
    }
    inFlight.clear();
    Set<TopicPartition> kept = new HashSet<>(c.assignment());
    kept.removeAll(leaving);
    rewind.forEach((tp, offset) -> {
      if (kept.contains(tp)) {
        c.seek(tp, offset);
      }
    });
    paused.removeAll(leaving);
  }

  private void awaitHead(long ms) {
    try {
      inFlight.peekFirst().done.get(ms, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException | CancellationException e) {
      // checked by commitDone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pauseAll(KafkaConsumer<byte[], byte[]> c) {
    Set<TopicPartition> assigned = c.assignment();
    if (!paused.containsAll(assigned)) {
      c.pause(assigned);
      paused.addAll(assigned);
    }
  }

  private void resumeAll(KafkaConsumer<byte[], byte[]> c) {
    if (!paused.isEmpty()) {
      paused.retainAll(c.assignment());
      c.resume(paused);
      paused.clear();
    }
  }

  /** Synchronously, before the batch counts as done: a record leaves the hits topic only once it is in QuestDB or the DLQ. */
  private void sendDeadLetters(KafkaProducer<byte[], byte[]> dlq,
                               List<DeadLetter> dead) {
    if (dead.isEmpty()) {
      return;
    }
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (DeadLetter d : dead) {
      ConsumerRecord<byte[], byte[]> r = d.record();
      String source = r.topic() + "/" + r.partition() + "@" + r.offset();
      LOG.warn("Raw consumer {}: dead-lettering {} ({})", clientId, source, d.reason());
      ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(Topics.DEAD_LETTER, null, r.key(), r.value());
      out.headers().add(H_REASON, d.reason().header().getBytes(StandardCharsets.UTF_8));
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
}
