package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.model.Hit;
import io.beacon.store.topic.Topics;
import io.beacon.store.cassandra.ErasuresTable;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.CardinalityCap.DayGroup;
import io.beacon.model.aggregation.DirtyBucket;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.aggregation.MetricState;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The body of {@code foreachBatch}: take the micro-batch's output of the session state ({@link SessionScopes}:
 * settled hits with their session scope), aggregate each partition with the shared {@link Aggregator}, merge
 * partial states by {@link BucketKey} across partitions, and write each touched row once through {@link
 * CassandraSink}, each dimension's values capped per property and local day ({@link ValueCap}: newer values past the
 * cap count under "(other)" and the day goes to recompute). Days the state hands to recompute (hits later than the
 * lateness limit, sessions whose counted scope changed) go to {@link Topics#DIRTY_BUCKETS}; first visits to
 * {@code first_visits}; records that are not hits to {@link Topics#DEAD_LETTER}.
 *
 * <p>Hits of a person erased from a property ({@link ErasuresTable}: a tombstone of the client id or user id at
 * or after the hit's receipt) are neither counted nor recorded as a first visit: the tombstones are read at the
 * start of every micro-batch, so a replay of the topic or a restart from the checkpoint brings none of them back.
 * A batch replayed after a crash may then drop hits its first attempt counted in rows already written; those rows
 * are kept (the sink skips them), and the erasure's rebuild of the property's days from the erased raw hits
 * replaces them.
 */
final class BatchAggregator {

  private static final Logger LOG = LoggerFactory.getLogger(BatchAggregator.class);

  /** Set by Spark's stream thread on the context of every batch it runs (StreamExecution.QUERY_ID_KEY). */
  private static final String QUERY_ID_KEY = "sql.streaming.queryId";

  private final JobConfig config;
  private final JobMetrics metrics;
  private Map<String, String> lastZones;
  private Map<String, Long> lastTombstones;
  /**
   * Per (property, dimension, local day) an upper bound of the values with rows of their own ({@link ValueCap}),
   * from the writer tasks of the batches so far; days past the lateness window are dropped. Lost on a restart:
   * a day without a bound is read once.
   */
  private final Map<DayGroup, Long> valueBounds = new HashMap<>();
  /** Days past the cap this job already sent to the dirty-buckets topic (one record a day is enough). */
  private final java.util.Set<ValueCap.Day> cappedReported = new java.util.HashSet<>();

  BatchAggregator(JobConfig config, JobMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  void process(Dataset<org.apache.spark.sql.Row> batch, long batchId) {
    long begin = System.nanoTime();
    SparkSession spark = batch.sparkSession();
    String queryId = spark.sparkContext().getLocalProperty(QUERY_ID_KEY);
    if (queryId == null) {
      throw new IllegalStateException("no streaming query id on the batch context; cannot fence writes");
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Map<String, String>> zones = jsc.broadcast(loadZones());
    Broadcast<Map<String, Long>> tombstones = jsc.broadcast(loadTombstones());
    LongAccumulator hits = jsc.sc().longAccumulator("hits");
    LongAccumulator late = jsc.sc().longAccumulator("late");
    LongAccumulator bad = jsc.sc().longAccumulator("bad");
    LongAccumulator erased = jsc.sc().longAccumulator("erased");
    LongAccumulator written = jsc.sc().longAccumulator("written");
    LongAccumulator skipped = jsc.sc().longAccumulator("skipped");
    LongAccumulator mergeMillis = jsc.sc().longAccumulator("mergeMillis");
    LongAccumulator sinkMillis = jsc.sc().longAccumulator("sinkMillis");
    CollectionAccumulator<Map<Long, Long>> appendSeconds = jsc.sc().collectionAccumulator("appendSeconds");
    CollectionAccumulator<Map<DayGroup, Long>> bounds = jsc.sc().collectionAccumulator("valueBounds");
    LongAccumulator capReads = jsc.sc().longAccumulator("capReads");
    LongAccumulator cappedDays = jsc.sc().longAccumulator("cappedDays");
    Broadcast<Map<DayGroup, Long>> hints = jsc.broadcast(new HashMap<>(valueBounds));
    Broadcast<java.util.Set<ValueCap.Day>> reported = jsc.broadcast(new java.util.HashSet<>(cappedReported));
    CollectionAccumulator<ValueCap.Day> newlyReported = jsc.sc().collectionAccumulator("cappedReported");
    JobConfig cfg = config;

    batch.javaRDD()
        .mapPartitionsToPair(rows -> aggregatePartition(cfg, zones.value(), tombstones.value(), rows, hits, late, bad,
            erased, appendSeconds))
        // Each key's partial states (at most one per partition of the batch: aggregatePartition emits a key
        // once) meet in one writer task, which merges them as it reads them: every state is serialized once
        // (map side) and deserialized once, where reduceByKey on bytes turned each merge back into bytes. A day's
        // rows of one dimension all go to one task, which alone decides the cap for them (ValueCap).
        .partitionBy(new DayGroupPartitioner(cfg.shufflePartitions, zones.value()))
        .foreachPartition(deltas -> {
          // Draining the iterator is the shuffle read and the merge across Kafka partitions; timed apart from
          // the Cassandra round trips, so the batch log shows which one a slow batch spent its time on.
          long mergeStart = System.nanoTime();
          Map<BucketKey, MetricState> merged = new HashMap<>();
          deltas.forEachRemaining(d -> merged.merge(d._1(), MetricState.fromBytes(d._2()), MetricState::merge));
          Map<String, ZoneId> taskZones = new HashMap<>();
          ValueCap.Outcome capped = ValueCap.apply(cfg,
              p -> taskZones.computeIfAbsent(p, id -> zoneOf(zones.value().get(id))), merged, hints.value(),
              reported.value());
          capReads.add(capped.reads());
          if (!capped.bounds().isEmpty()) {
            bounds.add(capped.bounds());
          }
          if (!capped.dirty().isEmpty()) {
            // Before the rows: sent at least once whatever happens to the write (a replay sends it again).
            cappedDays.add(capped.dirty().size());
            sendDirty(cfg, capped.dirty());
            capped.dirty().forEach(d -> newlyReported.add(new ValueCap.Day(d.propertyId(), d.bucketStart())));
          }
          long sinkStart = System.nanoTime();
          mergeMillis.add((sinkStart - mergeStart) / 1_000_000);
          CassandraSink.Result result = CassandraSink.write(cfg, queryId, batchId, capped.buckets());
          written.add(result.written());
          skipped.add(result.skipped());
          sinkMillis.add((System.nanoTime() - sinkStart) / 1_000_000);
        });
    zones.destroy();
    tombstones.destroy();
    hints.destroy();
    reported.destroy();
    updateBounds(bounds.value());
    cappedReported.addAll(newlyReported.value());
    // Every row of the batch is written now: how long its hits took from Kafka to a readable aggregate.
    metrics.sinkDelays(appendSeconds.value(), System.currentTimeMillis());

    long millis = (System.nanoTime() - begin) / 1_000_000;
    metrics.batchDone(batchId, hits.value(), late.value(), bad.value(), written.value(), skipped.value(), millis);
    LOG.info("batch {} of query {} (topic {}): {} hits, {} too late -> {}, {} undecodable -> {}, {} of erased"
            + " persons dropped, {} rows written, {} rows already written by this batch before a restart (skipped),"
            + " {} ms (writer tasks, summed: shuffle read, merge and value cap {} ms, Cassandra {} ms); value cap: {}"
            + " dimension-days read, {} day(s) newly past the cap -> {}", batchId, queryId, cfg.topic,
        hits.value(), late.value(), Topics.DIRTY_BUCKETS, bad.value(), Topics.DEAD_LETTER, erased.value(),
        written.value(), skipped.value(), millis, mergeMillis.value(), sinkMillis.value(), capReads.value(),
        cappedDays.value(), Topics.DIRTY_BUCKETS);
  }

  /**
   * Takes the writer tasks' bounds of the batch's days (each day from its one task), and forgets days the stream can
   * no longer write to (older than the lateness window and a day).
   */
  private void updateBounds(List<Map<DayGroup, Long>> fromTasks) {
    fromTasks.forEach(valueBounds::putAll);
    long oldest = System.currentTimeMillis() - config.maxLateness.toMillis() - java.time.Duration.ofDays(2).toMillis();
    valueBounds.keySet().removeIf(g -> g.dayStart() < oldest);
    cappedReported.removeIf(d -> d.dayStart() < oldest);
  }

  /** The days a writer task counted values of under "(other)", for recompute (at least once, flushed). */
  private static void sendDirty(JobConfig cfg, List<DirtyBucket> days) throws Exception {
    KafkaProducer<String, byte[]> producer = Clients.producer(cfg);
    List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
    for (DirtyBucket d : days) {
      sent.add(producer.send(new ProducerRecord<>(Topics.DIRTY_BUCKETS, d.propertyId(),
          io.beacon.store.topic.DirtyBucketCodec.encode(d))));
    }
    producer.flush();
    for (var future : sent) {
      future.get();
    }
  }

  /**
   * Property id -> IANA zone id from the {@code properties} table (unknown or invalid zones: UTC). If
   * Cassandra does not answer, the zones of the previous batch are used (the writes retry on their own).
   */
  private Map<String, String> loadZones() {
    lastZones = readOrPrevious("property time zones", lastZones, () -> {
      Map<String, String> zones = new HashMap<>();
      CqlSession session = Clients.cassandra(config);
      for (Row row : session.execute(PropertiesTable.selectZones(config.keyspace))) {
        PropertyRecord p = PropertyRecord.from(row);
        if (p.timeZone() != null) {
          zones.put(p.propertyId(), p.timeZone());
        }
      }
      return zones;
    });
    return lastZones;
  }

  /**
   * One read of a table every batch needs. Once a batch has read it, a failed read falls back to that batch's
   * answer; the first batch after a start has none, so it retries with backoff for {@code --write-retry-timeout}
   * (a job started while Cassandra restarts waits for it, as its writes would) before failing the batch.
   */
  private <T> T readOrPrevious(String what, T previous, java.util.function.Supplier<T> read) {
    if (previous == null) {
      return dev.failsafe.Failsafe.with(dev.failsafe.RetryPolicy.<T>builder().handle(RuntimeException.class)
              .withBackoff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(5))
              .withMaxDuration(config.writeRetryTimeout).withMaxRetries(-1)
              .onRetryScheduled(e -> LOG.warn("reading {} failed (attempt {}), retrying in {} ms: {}", what,
                  e.getAttemptCount(), e.getDelay().toMillis(), String.valueOf(e.getLastException())))
              .build())
          .get(read::get);
    }
    try {
      return read.get();
    } catch (RuntimeException e) {
      LOG.warn("reading {} failed ({}); using those of the previous batch", what, e.toString());
      return previous;
    }
  }

  /**
   * The erasure tombstones younger than {@link ErasuresTable#REPLAY_HORIZON} (older ones cannot meet a hit still
   * in Kafka), by {@link ErasuresTable#key}: erasure time in epoch ms. If Cassandra does not answer, those of the
   * previous batch (an erasure is recorded before any of its deletions, and its rebuild of the aggregates follows).
   */
  private Map<String, Long> loadTombstones() {
    lastTombstones = readOrPrevious("erasure tombstones", lastTombstones, () -> {
      Map<String, Long> tombstones = new HashMap<>();
      long since = System.currentTimeMillis() - ErasuresTable.REPLAY_HORIZON.toMillis();
      CqlSession session = Clients.cassandra(config);
      // recent_erasures, not erasures: a read bounded by the last days' erasures, not by every one ever made.
      for (Row row : session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
          ErasuresTable.selectRecent(config.keyspace), ErasuresTable.recentDays(java.time.Instant.now())))) {
        ErasuresTable.Tombstone t = ErasuresTable.from(row);
        long at = t.erasedAt().toEpochMilli();
        if (at > since) {
          tombstones.merge(ErasuresTable.key(t.propertyId(), t.idKind(), t.id()), at, Math::max);
        }
      }
      return tombstones;
    });
    return lastTombstones;
  }

  private static Iterator<Tuple2<BucketKey, byte[]>> aggregatePartition(JobConfig cfg, Map<String, String> zoneIds,
      Map<String, Long> tombstones, Iterator<org.apache.spark.sql.Row> rows, LongAccumulator hits,
      LongAccumulator late, LongAccumulator bad, LongAccumulator erased,
      CollectionAccumulator<Map<Long, Long>> appendSeconds) throws Exception {
    // Receive time (second) -> hits counted now: a few entries per partition and batch, from which the driver
    // computes the receive-to-aggregate delay of every hit once the batch is written (it includes the settle).
    Map<Long, Long> seconds = new HashMap<>();
    Map<String, ZoneId> zones = new HashMap<>();
    Aggregator aggregator = new Aggregator(p -> zones.computeIfAbsent(p, id -> zoneOf(zoneIds.get(id))));
    Map<BucketKey, Long> dirty = new HashMap<>();
    Map<List<String>, ClientHistory> firsts = new HashMap<>();
    KafkaProducer<String, byte[]> producer = null;
    List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
    while (rows.hasNext()) {
      // Columns of SessionScopes.SCHEMA.
      org.apache.spark.sql.Row row = rows.next();
      switch (row.getString(0)) {
        case SessionScopes.BAD -> {
          bad.add(1);
          String error = row.getString(9);
          byte[] value = row.getAs(10);
          int partition = row.getInt(11);
          long offset = row.getLong(12);
          LOG.warn("topic {} partition {} offset {}: not a hit ({}), sent to {}", cfg.topic, partition, offset,
              error, Topics.DEAD_LETTER);
          producer = producer != null ? producer : Clients.producer(cfg);
          ProducerRecord<String, byte[]> dlq = new ProducerRecord<>(Topics.DEAD_LETTER, null, value);
          dlq.headers().add("reason", ("spark-job: " + error).getBytes(StandardCharsets.UTF_8));
          dlq.headers().add("source", (cfg.topic + "/" + partition + "@" + offset).getBytes(StandardCharsets.UTF_8));
          sent.add(producer.send(dlq));
        }
        case SessionScopes.DIRTY -> {
          // Too late for the stream, or a counted session's scope changed: recompute rebuilds the local day.
          late.add(1);
          String property = row.getString(3);
          ZoneId zone = zones.computeIfAbsent(property, id -> zoneOf(zoneIds.get(id)));
          long day = Granularity.DAY.bucketStart(row.getLong(5), zone);
          dirty.merge(new BucketKey(property, Granularity.DAY, Granularity.DAY.period(day, zone), day,
              BucketKey.TOTAL, BucketKey.TOTAL_VALUE), 1L, Long::sum);
        }
        case SessionScopes.FIRST -> {
          // A first visit carries its event time only: an erased client's first visit at or before the erasure
          // is not recorded again (the erasure deleted it).
          if (tombstones.isEmpty() || !ErasuresTable.erased(tombstones::get, row.getString(3), row.getString(4), null,
              row.getLong(5))) {
            firsts.merge(List.of(row.getString(3), row.getString(4)), new ClientHistory(row.getLong(5),
                row.getString(6), row.getString(7), row.getString(8), row.getString(13)),
                (a, b) -> a.firstTs() <= b.firstTs() ? a : b);
          }
        }
        default -> {
          Hit hit = HitRow.toHit(row.getStruct(1));
          if (!tombstones.isEmpty() && ErasuresTable.erased(tombstones::get, hit.propertyId(), hit.clientId(),
              hit.userId(), hit.receivedAt())) {
            erased.add(1);
            continue;
          }
          hits.add(1);
          seconds.merge(Math.floorDiv(hit.receivedAt(), 1000L), 1L, Long::sum);
          aggregator.add(hit, row.isNullAt(2) ? null : SessionScopes.scope(row.getStruct(2)));
        }
      }
    }
    if (!dirty.isEmpty()) {
      producer = producer != null ? producer : Clients.producer(cfg);
      for (Map.Entry<BucketKey, Long> e : dirty.entrySet()) {
        sent.add(producer.send(new ProducerRecord<>(Topics.DIRTY_BUCKETS, e.getKey().propertyId(),
            io.beacon.store.topic.DirtyBucketCodec.encode(DirtyBucket.ofDay(e.getKey(), e.getValue())))));
      }
    }
    if (producer != null) {
      // Side outputs are at least once: flushed before the task (and so the batch) can succeed.
      producer.flush();
      for (var future : sent) {
        future.get(); // a failed send fails the task, so the batch is retried rather than losing it
      }
    }
    if (!firsts.isEmpty()) {
      CassandraSink.recordFirstVisits(cfg, firsts);
    }
    if (!seconds.isEmpty()) {
      appendSeconds.add(seconds);
    }
    List<Tuple2<BucketKey, byte[]>> out = new ArrayList<>(aggregator.buckets().size());
    aggregator.buckets().forEach((key, state) -> out.add(new Tuple2<>(key, state.toBytes())));
    return out.iterator();
  }

  static ZoneId zoneOf(String id) {
    if (id == null) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(id);
    } catch (DateTimeException e) {
      LOG.warn("invalid time zone {}; counting in UTC", id);
      return ZoneOffset.UTC;
    }
  }
}
