package io.beacon.collector.handoff;

import io.beacon.infra.config.CollectorConfig;
import io.beacon.infra.config.FsyncPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets accepted hits into Kafka without losing one, and says when the client may be answered.
 *
 * <p>DIRECT mode: the record goes to an idempotent {@code acks=all} producer and the answer waits
 * for Kafka's acknowledgement. If an acknowledgement fails or takes longer than {@code
 * collector.kafkaAckTimeoutMs}, the hand-off switches to SPOOLING: every record still waiting, in
 * send order, and every later one is appended to the local {@link Spool} and answered once it is
 * there. A drainer thread sends the spool to Kafka in order and returns to DIRECT when it is empty,
 * so one client's hits keep their order. A record spooled after a slow send may reach Kafka twice
 * (same request id), and so may one the drainer sent but the spool had not marked sent when the node died:
 * consumers de-duplicate by request id. What survives what, and the spool's format: {@link Spool}.
 *
 * <p>One per node: all collector instances share it, held and closed by the node's {@code NodeResources}; thread-safe. Blocking
 * work (file writes, fsync, waiting for acks while draining) runs on its own two threads, never on
 * an event loop.
 */
public final class KafkaHandoff implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaHandoff.class);

  /** The spool is full: the client should retry later (503 + Retry-After). */
  public static final class SpoolFullException extends RuntimeException {
    public SpoolFullException() {
      super("spool full", null, false, false);
    }
  }

  private enum Mode { DIRECT, SPOOLING }

  private static final class Pending {
    final String key;
    final byte[] value;
    final Context ctx;
    final Promise<Void> promise = Promise.promise();
    final long sentAt = System.nanoTime();

    Pending(String key, byte[] value, Context ctx) {
      this.key = key;
      this.value = value;
      this.ctx = ctx;
    }

    void succeed() {
      ctx.runOnContext(v -> promise.tryComplete());
    }

    void fail(Throwable t) {
      ctx.runOnContext(v -> promise.tryFail(t));
    }
  }

  private final Path dir;
  private final String topic;
  private final CollectorConfig.SpoolConfig spoolConfig;
  private final long ackTimeoutMs;
  private final KafkaProducer<String, byte[]> producer;
  private final Spool spool;
  private final ScheduledExecutorService writer;
  private final ScheduledExecutorService drainer;
  private final Queue<List<Pending>> appendQueue = new ConcurrentLinkedQueue<>();
  private final LinkedHashMap<Long, Pending> inFlight = new LinkedHashMap<>();
  private final Counter spooled;
  private Mode mode = Mode.DIRECT;
  private long seq;
  private int queuedAppends;
  private boolean draining;
  private boolean lastDrainFailed;

  private KafkaHandoff(Path dir, Map<String, Object> connection, String topic, CollectorConfig c, MeterRegistry meters) throws IOException {
    this.dir = dir;
    this.topic = topic;
    this.spoolConfig = c.spool();
    this.ackTimeoutMs = c.kafkaAckTimeoutMs();
    this.spool = Spool.open(dir, c.spool().maxBytes());
    Map<String, Object> props = new HashMap<>(connection);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "beacon-collector");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    props.put(ProducerConfig.LINGER_MS_CONFIG, c.lingerMs());
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    // send() runs on event loops: it must never wait long for metadata or buffer space.
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    // Bounds how long the drainer waits on an unreachable broker before it rewinds and retries.
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "beacon-spool-writer"));
    this.drainer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "beacon-spool-drainer"));
    this.spooled = Counter.builder("beacon_collector_spooled_total")
        .description("Hits written to the local spool because Kafka was unreachable or slow").register(meters);
    Gauge.builder("beacon_collector_spool_bytes", spool, Spool::pendingBytes)
        .description("Bytes in the local spool waiting for Kafka").register(meters);
    long check = Math.max(10, Math.min(ackTimeoutMs / 4, 250));
    writer.scheduleWithFixedDelay(this::checkAckTimeout, check, check, TimeUnit.MILLISECONDS);
    if (spoolConfig.fsync() == FsyncPolicy.INTERVAL) {
      writer.scheduleWithFixedDelay(this::forceQuietly, spoolConfig.fsyncIntervalMs(), spoolConfig.fsyncIntervalMs(), TimeUnit.MILLISECONDS);
    }
    if (!spool.isDrained()) {
      LOG.info("Spool {} holds {} bytes from a previous run: draining them to Kafka before new hits", dir, spool.pendingBytes());
      mode = Mode.SPOOLING;
      startDrainer();
    }
  }

  /**
   * Opens a node's hand-off. Its spool lives in {@code collector.spool.dir/<node name>}: nodes sharing a disk never
   * share a spool, and a node restarted under the same name drains what its previous run left.
   */
  public static KafkaHandoff open(String nodeName, Map<String, Object> connection, String topic, CollectorConfig c,
      MeterRegistry meters) throws IOException {
    Path dir = Path.of(c.spool().dir()).resolve(nodeName.replaceAll("[^A-Za-z0-9._-]", "_")).toAbsolutePath().normalize();
    return new KafkaHandoff(dir, connection, topic, c, meters);
  }

  /**
   * Blocks (call from a worker) until the producer has the topic's metadata, so that send() on an
   * event loop does not wait for it; gives up after {@code maxWaitMs} (Kafka down: hits will be
   * spooled).
   */
  public void warmUp(long maxWaitMs) {
    long deadline = System.currentTimeMillis() + maxWaitMs;
    while (true) {
      try {
        producer.partitionsFor(topic); // each attempt waits at most max.block.ms
        return;
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        if (System.currentTimeMillis() > deadline) {
          LOG.warn("No metadata for topic {} after {} ms; starting anyway, hits will be spooled until Kafka answers", topic, maxWaitMs);
          return;
        }
      }
    }
  }

  /**
   * Hands one record over. The future completes on {@code ctx} once Kafka acknowledged it or it
   * is in the spool; it fails with {@link SpoolFullException} when the spool is full.
   */
  public Future<Void> submit(Context ctx, String key, byte[] value) {
    Pending p = new Pending(key, value, ctx);
    long id;
    synchronized (this) {
      if (mode == Mode.SPOOLING) {
        spoolAsync(List.of(p));
        return p.promise.future();
      }
      id = ++seq;
      inFlight.put(id, p);
    }
    try {
      producer.send(new ProducerRecord<>(topic, key, value), (md, err) -> onAck(id, err));
    } catch (RuntimeException e) {
      onAck(id, e);
    }
    return p.promise.future();
  }

  private synchronized void onAck(long id, Exception err) {
    if (err == null) {
      Pending p = inFlight.remove(id);
      if (p != null) {
        p.succeed();
      }
    } else if (inFlight.containsKey(id)) {
      LOG.warn("Kafka did not take a hit for topic {} ({}): spooling to {}", topic, err.toString(), dir);
      switchToSpooling();
    }
  }

  /**
   * Spools everything in flight once the oldest hit has waited longer than the ack timeout. One
   * periodic check instead of a timer per hit: in-flight hits are kept in send order, so only the
   * oldest needs looking at.
   */
  private synchronized void checkAckTimeout() {
    if (mode != Mode.DIRECT || inFlight.isEmpty()) {
      return;
    }
    long waited = System.nanoTime() - inFlight.values().iterator().next().sentAt;
    if (waited > TimeUnit.MILLISECONDS.toNanos(ackTimeoutMs)) {
      LOG.warn("Kafka has not acknowledged a hit for topic {} within {} ms: spooling to {}", topic, ackTimeoutMs, dir);
      switchToSpooling();
    }
  }

  /** Holds the lock. Everything still waiting for Kafka goes to the spool, in send order. */
  private void switchToSpooling() {
    mode = Mode.SPOOLING;
    if (!inFlight.isEmpty()) {
      spoolAsync(new ArrayList<>(inFlight.values()));
      inFlight.clear();
    }
    startDrainer();
  }

  /** Holds the lock. Appends on the writer thread, in call order; one fsync for all that queued up. */
  private void spoolAsync(List<Pending> ps) {
    queuedAppends++;
    appendQueue.add(ps);
    writer.execute(this::flushAppends);
  }

  private void flushAppends() {
    List<List<Pending>> groups = new ArrayList<>();
    for (List<Pending> g; (g = appendQueue.poll()) != null; ) {
      groups.add(g);
    }
    if (groups.isEmpty()) {
      return;
    }
    List<Pending> written = new ArrayList<>();
    List<Pending> full = new ArrayList<>();
    Throwable failure = null;
    try {
      for (List<Pending> g : groups) {
        List<Spool.Entry> entries = new ArrayList<>(g.size());
        for (Pending p : g) {
          entries.add(new Spool.Entry(p.key, p.value, 0));
        }
        (spool.append(entries) ? written : full).addAll(g);
      }
      if (!written.isEmpty() && spoolConfig.fsync() == FsyncPolicy.ALWAYS) {
        spool.force();
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("Cannot write the spool {}: failing {} hits", dir, written.size(), e);
      failure = e;
    }
    synchronized (this) {
      queuedAppends -= groups.size();
    }
    for (Pending p : written) {
      if (failure == null) {
        spooled.increment();
        p.succeed();
      } else {
        p.fail(failure);
      }
    }
    for (Pending p : full) {
      p.fail(new SpoolFullException());
    }
  }

  private void forceQuietly() {
    try {
      spool.force();
    } catch (IOException e) {
      LOG.warn("fsync of spool {} failed", dir, e);
    }
  }

  private void startDrainer() {
    if (!draining) {
      draining = true;
      drainer.schedule(this::drainStep, 100, TimeUnit.MILLISECONDS);
    }
  }

  /** One step of the drainer: send a batch from the spool, wait for Kafka, commit, repeat. */
  private void drainStep() {
    try {
      // After a failure, probe with one record: a dead broker would just expire a big batch.
      List<Spool.Entry> batch = spool.read(lastDrainFailed ? 1 : 2000);
      if (batch.isEmpty()) {
        synchronized (this) {
          if (queuedAppends == 0 && spool.isDrained()) {
            mode = Mode.DIRECT;
            draining = false;
            LOG.info("Spool {} drained: hits go straight to Kafka again", dir);
            return;
          }
        }
        drainer.schedule(this::drainStep, 10, TimeUnit.MILLISECONDS);
        return;
      }
      List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
      for (Spool.Entry e : batch) {
        acks.add(producer.send(new ProducerRecord<>(topic, e.key(), e.value())));
      }
      for (java.util.concurrent.Future<RecordMetadata> a : acks) {
        a.get(60, TimeUnit.SECONDS);
      }
      spool.commit(batch.get(batch.size() - 1).end());
      if (lastDrainFailed) {
        LOG.info("Kafka takes hits again: draining spool {} ({} bytes left)", dir, spool.pendingBytes());
      }
      lastDrainFailed = false;
      drainer.execute(this::drainStep);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (!lastDrainFailed) {
        LOG.warn("Draining spool {} to Kafka failed ({}); retrying every second", dir, e.toString());
      }
      lastDrainFailed = true;
      spool.rewind();
      if (!drainer.isShutdown()) {
        drainer.schedule(this::drainStep, 1, TimeUnit.SECONDS);
      }
    }
  }

  /** Flushes the producer and closes the spool (blocking: call from a worker). */
  @Override
  public void close() {
    drainer.shutdownNow();
    producer.close(Duration.ofSeconds(5));
    writer.shutdown();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS);
      spool.close();
    } catch (IOException e) {
      LOG.warn("Closing spool {} failed", dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
