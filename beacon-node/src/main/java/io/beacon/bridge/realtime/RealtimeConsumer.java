package io.beacon.bridge.realtime;

import io.beacon.bridge.ConsumerLoop;
import io.beacon.store.questdb.LineEncoder;
import io.beacon.model.Hit;
import io.beacon.store.topic.Topics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hits topic to the real-time buckets in Ignite, on its own thread, in its own consumer group (so
 * it never waits for QuestDB). It commits no offsets: on every assignment it drops what it knew of
 * the partition, seeks to the first record of the last window (+1 minute) with offsetsForTimes and
 * rebuilds the partition's buckets by replay, so a restart neither starts from zero nor counts a
 * hit twice. While a partition is being rebuilt its previous buckets stay in Ignite untouched (no
 * dip in the numbers); once the replay reaches the end offset seen at assignment, its buckets
 * replace them. Changed buckets are flushed every {@code flushMs}, or less often when a flush itself takes long:
 * each changed bucket (a minute of a property, up to {@link Bucket#MAX_CLIENTS} client ids) is encoded and written
 * whole, so a high-cardinality flood would otherwise spend the consumer's thread, and a core, re-encoding the same
 * growing buckets; the wait after a flush is at least {@link #FLUSH_COST_FACTOR} times what it took, which keeps
 * flushing under a tenth of the thread's time (the freshness timer shows the delay). The properties they belong to
 * are collected for the publisher ({@link #drainChanged()}).
 */
public final class RealtimeConsumer extends ConsumerLoop {
  public static final String GROUP = "beacon-bridge-realtime";
  private static final Logger LOG = LoggerFactory.getLogger(RealtimeConsumer.class);

  private final Map<String, Object> props;
  private final RealtimeStore store;
  private final RealtimeState state;
  private final int windowMinutes;
  private final long flushMs;
  /** The wait after a flush, in multiples of the time it took (see the class comment). */
  static final int FLUSH_COST_FACTOR = 9;
  private final String clientId;
  private final Timer freshness;
  private final AtomicLong lag;
  private final LongSupplier clock;
  private final Set<String> changed = ConcurrentHashMap.newKeySet();
  private final AtomicInteger topicPartitions = new AtomicInteger();
  private final Map<Integer, Long> rebuildingUntil = new HashMap<>();
  private final List<Long> pendingTimestamps = new ArrayList<>();
  /** Decodes only the fields the buckets count (consumer thread only). */
  private final LineEncoder decoder = new LineEncoder();

  public RealtimeConsumer(Map<String, Object> consumerProps, String clientId, RealtimeStore store, int windowMinutes,
                          long flushMs, Timer freshness, AtomicLong lag, LongSupplier clock) {
    this.props = consumerProps;
    this.clientId = clientId;
    this.store = store;
    this.windowMinutes = windowMinutes;
    this.flushMs = flushMs;
    this.freshness = freshness;
    this.lag = lag;
    this.clock = clock;
    this.state = new RealtimeState(windowMinutes);
  }

  /** Properties whose buckets changed in Ignite since the last call. */
  public Set<String> drainChanged() {
    Set<String> out = new HashSet<>(changed);
    changed.removeAll(out);
    return out;
  }

  /** Partitions of the hits topic as last seen by this consumer (0 before its first assignment). */
  public int topicPartitions() {
    return topicPartitions.get();
  }

  @Override
  public void run() {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
      consumer = c;
      c.subscribe(List.of(Topics.HITS), new Rebalance(c));
      long lastFlush = clock.getAsLong();
      long flushCostMs = 0;
      while (running) {
        ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(20));
        long now = clock.getAsLong();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          apply(r, now);
        }
        if (now - lastFlush >= Math.max(flushMs, flushCostMs * FLUSH_COST_FACTOR)) {
          long started = System.nanoTime();
          try {
            flush(c, now);
          } catch (RuntimeException e) {
            // Ignite busy or unreachable: what was drained is lost from this flush, so rewrite every
            // owned partition in full at the next one (the rebuild path does exactly that).
            LOG.warn("Realtime consumer {}: flush to Ignite failed, full rewrite next time: {}", clientId, e.toString());
            c.assignment().forEach(tp -> rebuildingUntil.putIfAbsent(tp.partition(), 0L));
          }
          lastFlush = now;
          flushCostMs = (System.nanoTime() - started) / 1_000_000;
          long total = 0;
          for (TopicPartition tp : c.assignment()) {
            total += c.currentLag(tp).orElse(0);
          }
          lag.set(total);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        LOG.error("Realtime consumer {} woken up unexpectedly", clientId, e);
      }
    } catch (RuntimeException e) {
      LOG.error("Realtime consumer {} failed; the bridge verticle restarts it", clientId, e);
    } finally {
      consumer = null;
      done.complete(null);
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r, long now) {
    Hit hit;
    try {
      hit = decoder.realtimeFields(r.value() == null ? new byte[0] : r.value());
    } catch (IllegalArgumentException e) {
      return; // the raw consumer dead-letters it; here it simply does not count
    }
    if (state.apply(r.partition(), hit, now) && !rebuildingUntil.containsKey(r.partition())) {
      pendingTimestamps.add(r.timestamp());
    }
  }

  private void flush(KafkaConsumer<byte[], byte[]> c, long now) {
    Set<Integer> live = new HashSet<>();
    for (TopicPartition tp : c.assignment()) {
      Long until = rebuildingUntil.get(tp.partition());
      if (until != null && c.position(tp) >= until) {
        Map<String, String> all = state.all(tp.partition());
        store.putAll(all);
        rebuildingUntil.remove(tp.partition());
        noteChanged(all.keySet());
        LOG.info("Realtime consumer {}: {} rebuilt from replay ({} buckets)", clientId, tp, all.size());
      } else if (until == null) {
        live.add(tp.partition());
      }
    }
    Map<String, String> dirty = state.drainDirty(live);
    store.putAll(dirty);
    store.removeAll(state.evict(now));
    noteChanged(dirty.keySet());
    long written = clock.getAsLong();
    for (long ts : pendingTimestamps) {
      freshness.record(Math.max(0, written - ts), TimeUnit.MILLISECONDS);
    }
    pendingTimestamps.clear();
  }

  private void noteChanged(Collection<String> cacheKeys) {
    for (String k : cacheKeys) {
      // "rt/<property>/<minute>/<partition>"; property ids contain no '/'.
      int a = k.indexOf('/');
      int b = k.indexOf('/', a + 1);
      changed.add(k.substring(a + 1, b));
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> c;

    Rebalance(KafkaConsumer<byte[], byte[]> c) {
      this.c = c;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Hand over what we counted; the next owner replays anyway and overwrites with the same numbers.
      Set<Integer> ps = new HashSet<>();
      partitions.forEach(tp -> {
        if (!rebuildingUntil.containsKey(tp.partition())) {
          ps.add(tp.partition());
        }
      });
      try {
        store.putAll(state.drainDirty(ps));
      } catch (RuntimeException e) {
        LOG.warn("Realtime consumer {}: could not flush revoked {}: {}", clientId, partitions, e.toString());
      }
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      // The topic may have more partitions than configured (Kafka never shrinks one): readers must know.
      topicPartitions.set(c.partitionsFor(Topics.HITS).size());
      long from = clock.getAsLong() - (windowMinutes + 1L) * RealtimeState.MINUTE_MS;
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(tp -> query.put(tp, from));
      Map<TopicPartition, OffsetAndTimestamp> start = c.offsetsForTimes(query);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      for (TopicPartition tp : partitions) {
        state.drop(tp.partition());
        OffsetAndTimestamp o = start.get(tp);
        long offset = o == null ? end.get(tp) : o.offset();
        c.seek(tp, offset);
        rebuildingUntil.put(tp.partition(), end.get(tp));
        LOG.info("Realtime consumer {}: {} assigned, replaying offsets {}..{} (the last {} minutes)",
            clientId, tp, offset, end.get(tp), windowMinutes + 1);
      }
    }

    private void forget(Collection<TopicPartition> partitions) {
      partitions.forEach(tp -> {
        state.drop(tp.partition());
        rebuildingUntil.remove(tp.partition());
      });
      LOG.info("Realtime consumer {}: partitions released {}", clientId, partitions);
    }
  }
}
